"""Storage: import, versions, idempotency, values for scoring, diff, audit (SQLite and PostgreSQL)."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from assessment.store import Store, StoreError, UploadRejected
from assessment.store import submissions as import_module
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, PERIOD, batch, count_rows, frame, upload


def test_import_creates_version_1(store: Store) -> None:
    data, result = upload()
    out = store.import_upload(OFFICIAL, data, "jia1.xlsx", result)
    assert (out.created, out.version, out.first.status) == (True, 1, "submitted")
    sub = store.submission(EVALUATOR, out.submission_id)
    assert (sub.region_code, sub.period, sub.uploaded_by, sub.value_count) == ("990101", PERIOD, OFFICIAL, 3)
    assert sub.sha256 == result.sha256
    assert store.original_file(ADMIN, out.submission_id) == ("jia1.xlsx", data)
    assert "1" in out.message("en") and "990101" in out.message("zh")


def test_identical_file_is_idempotent(store: Store) -> None:
    data, result = upload()
    first = store.import_upload(OFFICIAL, data, "jia1.xlsx", result)
    before = count_rows(store)
    again = store.import_upload(OFFICIAL, data, "renamed.xlsx", result)
    assert (again.created, again.submission_id, again.version, again.first.same_as) == (
        False,
        first.submission_id,
        1,
        "file",
    )
    assert count_rows(store) == before
    assert "identical" in again.message("en")


def test_same_values_in_another_file_make_no_new_version(store: Store) -> None:
    first = store.import_upload(OFFICIAL, *_args(upload()))
    data, result = upload(salt="re-saved in Excel")
    before = count_rows(store)
    again = store.import_upload(OFFICIAL, data, "a.xlsx", result)
    assert (again.created, again.submission_id, again.first.same_as) == (False, first.submission_id, "values")
    assert count_rows(store) == before  # not even the bytes


def test_changed_file_makes_version_2_superseding_1(store: Store) -> None:
    v1 = store.import_upload(OFFICIAL, *_args(upload()))
    v2 = store.import_upload(OFFICIAL, *_args(upload(rows={"S01.1": (96.0, 960.0, 1000.0)})))
    assert (v2.created, v2.version, v2.first.superseded) == (True, 2, (v1.submission_id,))
    old = store.submission(EVALUATOR, v1.submission_id)
    assert (old.status, old.superseded_by_id) == ("superseded", v2.submission_id)
    listed = store.submissions(EVALUATOR, region_code="990101", period=PERIOD)
    assert listed["version"].tolist() == [2, 1]
    assert listed["status"].tolist() == ["submitted", "superseded"]


def test_versions_are_per_region_and_period(store: Store) -> None:
    a = store.import_upload(OFFICIAL, *_args(upload("990101", 2023)))
    b = store.import_upload(OFFICIAL, *_args(upload("990101", 2024)))
    c = store.import_upload(OFFICIAL, *_args(upload("990102", 2024)))
    assert [a.version, b.version, c.version] == [1, 1, 1]


def test_rejected_upload_stores_nothing(store: Store) -> None:
    before = count_rows(store)
    data, result = upload(ok=False)
    with pytest.raises(UploadRejected) as err:
        store.import_upload(OFFICIAL, data, "bad.xlsx", result)
    assert err.value.problems[0].code == "ingest.bad"
    assert "G5" in err.value.messages("en")
    assert count_rows(store) == before


@pytest.mark.parametrize(
    ("region", "actor", "code"),
    [
        ("123456", OFFICIAL, "store.unknown_region"),
        ("990101", "nobody", "store.unknown_user"),
        ("", OFFICIAL, "store.bad_values"),
    ],
)
def test_refused_import_stores_nothing(store: Store, region: str, actor: str, code: str) -> None:
    before = count_rows(store)
    data, result = upload(region)
    if not region:
        result = type(result)(**{**result.__dict__, "values": result.values.assign(region_code=None)})
    with pytest.raises(StoreError) as err:
        store.import_upload(actor, data, "x.xlsx", result)
    assert err.value.code == code
    assert err.value.problems[0].message_zh and err.value.problems[0].message_en
    assert count_rows(store) == before


def test_result_for_other_bytes_is_refused(store: Store) -> None:
    _, result = upload()
    with pytest.raises(StoreError) as err:
        store.import_upload(OFFICIAL, b"something else", "x.xlsx", result)
    assert err.value.code == "store.sha_mismatch"


def test_duplicate_indicator_rows_are_refused(store: Store) -> None:
    data, result = upload()
    doubled = pd.concat([result.values, result.values.iloc[:1]], ignore_index=True)
    with pytest.raises(StoreError) as err:
        store.import_upload(OFFICIAL, data, "x.xlsx", type(result)(**{**result.__dict__, "values": doubled}))
    assert err.value.code == "store.duplicate_value"
    assert "S01.1" in str(err.value)


def test_batch_makes_one_submission_per_region_and_period_and_skips_unchanged(store: Store) -> None:
    frames = [
        frame({"S01.1": (90.0, 90.0, 100.0)}, code, p) for code in ("990101", "990102") for p in (2023, 2024)
    ]
    data, result = batch(frames)
    out = store.import_upload(OFFICIAL, data, "batch.csv", result)
    assert out.kind == "batch" and out.created_count == 4
    assert {(i.region_code, i.period, i.version) for i in out.items} == {
        (c, p, 1) for c in ("990101", "990102") for p in (2023, 2024)
    }
    assert count_rows(store)["upload_blobs"] == 1  # the bytes are stored once
    frames[0] = frame({"S01.1": (91.0, 91.0, 100.0)}, "990101", 2023)
    data2, result2 = batch(frames)
    out2 = store.import_upload(OFFICIAL, data2, "batch.csv", result2)
    created = [(i.region_code, i.period, i.version) for i in out2.items if i.created]
    assert created == [("990101", 2023, 2)]
    assert out2.created_count == 1 and "3" in out2.message("en")


def test_batch_with_one_unknown_region_stores_nothing(store: Store) -> None:
    before = count_rows(store)
    data, result = batch([frame({"S01.1": (1.0, None, None)}, c, PERIOD) for c in ("990101", "999999")])
    with pytest.raises(StoreError, match="999999"):
        store.import_upload(OFFICIAL, data, "batch.csv", result)
    assert count_rows(store) == before


def test_crash_inside_the_transaction_leaves_no_partial_submission(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = count_rows(store)

    def boom(*_args: object, **_kw: object) -> None:  # after blob, submission and values rows
        raise RuntimeError("power cut")

    monkeypatch.setattr(import_module.audit, "record", boom)
    with pytest.raises(RuntimeError, match="power cut"):
        store.import_upload(OFFICIAL, *_args(upload()))
    monkeypatch.undo()
    assert count_rows(store) == before
    out = store.import_upload(OFFICIAL, *_args(upload()))  # and the database still works
    assert (out.created, out.version) == (True, 1)


def test_values_default_latest_approved_and_include_pending(store: Store) -> None:
    v1 = store.import_upload(OFFICIAL, *_args(upload(rows={"S01.1": (90.0, None, None)})))
    assert store.values(EVALUATOR).empty  # nothing approved yet
    pending = store.values(EVALUATOR, include_pending=True)
    assert pending["value"].tolist() == [90.0] and pending["status"].tolist() == ["submitted"]
    store.review(EVALUATOR, v1.submission_id, "approve")
    v2 = store.import_upload(OFFICIAL, *_args(upload(rows={"S01.1": (97.0, None, None)})))
    approved = store.values(EVALUATOR)
    assert approved[["submission_id", "value", "version"]].values.tolist() == [[v1.submission_id, 90.0, 1]]
    assert store.values(EVALUATOR, include_pending=True)["value"].tolist() == [97.0]
    store.review(EVALUATOR, v2.submission_id, "return", "check the figure", "implausible")
    assert store.values(EVALUATOR, include_pending=True)["value"].tolist() == [90.0]
    assert list(approved.columns) == [
        "region_code",
        "period",
        "indicator_code",
        "value",
        "numerator",
        "denominator",
        "note",
        "submission_id",
        "version",
        "status",
        "edition",
    ]


def test_values_filters_by_period_and_region(store: Store) -> None:
    for region, period in (("990101", 2023), ("990101", 2024), ("990102", 2024)):
        out = store.import_upload(OFFICIAL, *_args(upload(region, period)))
        store.review(EVALUATOR, out.submission_id, "approve")
    got = store.values(EVALUATOR, periods=[2024], region_codes=["990102"])
    assert set(zip(got["region_code"], got["period"], strict=True)) == {("990102", 2024)}
    assert len(store.values(EVALUATOR)) == 9


def test_diff_added_removed_changed(store: Store) -> None:
    a = store.import_upload(
        OFFICIAL, *_args(upload(rows={"S01.1": (90.0, 90.0, 100.0), "S02.1": (1.0, None, None)}))
    )
    b = store.import_upload(
        OFFICIAL,
        *_args(
            upload(
                rows={"S01.1": (92.0, 92.0, 100.0), "S02.1": (1.0, None, None), "S03.1": (5.0, None, None)}
            )
        ),
    )
    d = store.diff(EVALUATOR, a.submission_id, b.submission_id)
    assert dict(zip(d["indicator_code"], d["change"], strict=True)) == {"S01.1": "changed", "S03.1": "added"}
    row = d.set_index("indicator_code").loc["S01.1"]
    assert (row["old_value"], row["new_value"], row["old_numerator"], row["new_numerator"]) == (
        90,
        92,
        90,
        92,
    )
    back = store.diff(EVALUATOR, b.submission_id, a.submission_id)
    assert dict(zip(back["indicator_code"], back["change"], strict=True)) == {
        "S01.1": "changed",
        "S03.1": "removed",
    }
    assert store.diff(EVALUATOR, a.submission_id, a.submission_id).empty


def test_diff_across_regions_is_refused(store: Store) -> None:
    a = store.import_upload(OFFICIAL, *_args(upload("990101")))
    b = store.import_upload(OFFICIAL, *_args(upload("990102")))
    with pytest.raises(StoreError) as err:
        store.diff(EVALUATOR, a.submission_id, b.submission_id)
    assert err.value.code == "store.diff_mismatch"


def test_audit_log_has_every_state_change_with_its_actor(store: Store) -> None:
    v1 = store.import_upload(OFFICIAL, *_args(upload()))
    v2 = store.import_upload(OFFICIAL, *_args(upload(salt="2", rows={"S01.1": (1.0, None, None)})))
    store.review(EVALUATOR, v2.submission_id, "return", "fix S01.1")
    store.reopen(EVALUATOR, v2.submission_id, "returned by mistake")
    store.review(EVALUATOR, v2.submission_id, "approve")
    log = store.audit_log(object_type="submission")
    got = list(zip(log["action"], log["actor"], log["object_id"], strict=True))
    assert got == [
        ("submission.import", OFFICIAL, str(v1.submission_id)),
        ("submission.supersede", OFFICIAL, str(v1.submission_id)),
        ("submission.import", OFFICIAL, str(v2.submission_id)),
        ("submission.return", EVALUATOR, str(v2.submission_id)),
        ("submission.reopen", EVALUATOR, str(v2.submission_id)),
        ("submission.approve", EVALUATOR, str(v2.submission_id)),
    ]
    assert log["at"].is_monotonic_increasing
    assert log.iloc[3]["details"]["comment"] == "fix S01.1"
    assert store.audit_log(actor=EVALUATOR, limit=1)["action"].tolist() == ["submission.approve"]


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_audit_log_is_append_only_in_the_database(store: Store, statement: str) -> None:
    store.import_upload(OFFICIAL, *_args(upload()))
    before = store.audit_log()
    with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
        conn.exec_driver_sql(statement)
    pd.testing.assert_frame_equal(store.audit_log(), before)
    assert not [name for name in dir(Store) if "audit" in name and ("delete" in name or "update" in name)]


@pytest.mark.parametrize("table", ["submissions", "submission_values", "upload_blobs", "reviews"])
def test_history_tables_refuse_delete(store: Store, table: str) -> None:
    out = store.import_upload(OFFICIAL, *_args(upload()))
    store.review(EVALUATOR, out.submission_id, "approve")
    with pytest.raises(sa.exc.DBAPIError), store.engine.begin() as conn:
        conn.exec_driver_sql(f"DELETE FROM {table}")
    assert count_rows(store)[table] >= 1


def test_custom_audit_event(store: Store) -> None:
    store.audit("someone-unknown", "login.failed", "user", "someone-unknown", {"ip": "127.0.0.1"})
    row = store.audit_log(action="login.failed").iloc[0]
    assert (row["actor"], row["details"]) == ("someone-unknown", {"ip": "127.0.0.1"})


def _args(pair: tuple[bytes, object]) -> tuple[bytes, str, object]:
    data, result = pair
    return data, "upload.xlsx", result
