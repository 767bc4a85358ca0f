"""Partial batch files merge onto the version that counts instead of erasing it (SQLite and PostgreSQL).

A county's full template is approved; a department then uploads a batch file with only its three
indicators: the new version keeps the other indicators' values, the diff shows the three changes,
re-uploading the same file adds nothing, and completeness counts what each county reported.
"""

from __future__ import annotations

import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import pytest
from openpyxl import Workbook

from assessment.intake.ingest import UploadResult, read_upload
from assessment.store import Store
from assessment.store.completeness import mark_partial, summary
from assessment.store.outcome import MergeOrigin
from tests.fixtures import (
    EVALUATOR,
    GOOD,
    OFFICIAL,
    PERIOD,
    batch,
    batch_csv,
    count_rows,
    filled,
    frame,
    upload,
)
from tests.fixtures import TEMPLATE_EDITION as EDITION
from tests.fixtures import TEMPLATE_STANDARDS as STANDARDS

COUNTY = "990101"
CHANGED = {  # the department's three indicators, all different from GOOD
    "S01.1": (97.0, 970.0, 1000.0, ""),
    "S02.2": (700.0, None, None, "新口径"),
    "S03.1": (6.0, None, None, ""),
}
KEYS = ["value", "numerator", "denominator", "note"]


def read(store: Store, data: bytes, name: str) -> UploadResult:
    result = read_upload(data, name, edition=EDITION, tree=store.region_tree(), local_standards=STANDARDS)
    assert result.ok, [p.message("en") for p in result.errors]
    return result


def partial_rows(region: str = COUNTY, rows: dict | None = None) -> list[list[object]]:
    return [[region, PERIOD, code, *cells] for code, cells in (rows or CHANGED).items()]


def rows_xlsx(rows: list[list[object]]) -> bytes:
    """The same rows as a batch workbook (other bytes, same values)."""
    wb = Workbook()
    ws = wb.active
    ws.append(["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"])
    for row in rows:
        ws.append([None if c == "" else c for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def by_code(values: pd.DataFrame) -> dict[str, tuple]:
    out = {}
    for row in values.itertuples(index=False):
        note = "" if pd.isna(row.note) else str(row.note)
        nums = tuple(None if pd.isna(getattr(row, c)) else float(getattr(row, c)) for c in KEYS[:3])
        out[str(row.indicator_code)] = (*nums, note)
    return out


def approved_template(store: Store) -> int:
    data = filled()
    out = store.import_upload(OFFICIAL, data, "county.xlsx", read(store, data, "county.xlsx"))
    assert out.created and out.kind == "template" and out.first.merged_from is None
    store.review(EVALUATOR, out.submission_id, "approve")
    return out.submission_id


def test_partial_batch_merges_onto_the_approved_template(store: Store) -> None:
    first = approved_template(store)
    data = batch_csv(partial_rows())
    out = store.import_upload(OFFICIAL, data, "dept.csv", read(store, data, "dept.csv"))
    item = out.first
    assert out.created and item.version == 2 and item.status == "submitted"
    assert item.merged_from == MergeOrigin(id=first, version=1, from_file=3, kept=4)
    assert "version 1" in out.message("en") and "第 1 版" in out.message("zh")
    sub = store.submission(EVALUATOR, item.id)
    assert sub.kind == "batch" and sub.value_count == len(GOOD)
    expected = {**GOOD, **CHANGED}
    assert by_code(store.submission_values(EVALUATOR, item.id)) == expected
    # the approved first version still counts until the merged one is approved; then it does
    pending = store.values(EVALUATOR, include_pending=True, region_codes=[COUNTY])
    assert by_code(pending.drop(columns=["region_code", "period"])) == expected
    assert by_code(store.values(EVALUATOR, region_codes=[COUNTY])) == GOOD
    store.review(EVALUATOR, item.id, "approve")
    counted = store.values(EVALUATOR, region_codes=[COUNTY], periods=[PERIOD])
    assert len(counted) == len(GOOD) and set(counted["version"]) == {2}
    assert by_code(counted) == expected
    assert store.submission(EVALUATOR, first).status == "superseded"
    assert by_code(store.submission_values(EVALUATOR, first)) == GOOD  # never changed
    # the reviewer's diff: only the file's three indicators
    diff = store.diff(EVALUATOR, first, item.id)
    assert diff["indicator_code"].tolist() == sorted(CHANGED)
    assert set(diff["change"]) == {"changed"}
    # where it came from, for the review page and the audit trail
    assert store.merged_from(EVALUATOR, item.id) == item.merged_from
    assert store.merged_from(EVALUATOR, first) is None
    event = store.audit_log(action="submission.import", object_id=str(item.id)).iloc[0]["details"]
    assert event["merged_from"] == {"id": first, "version": 1}
    assert (event["from_file"], event["kept"], event["values"]) == (3, 4, 7)


def test_the_same_partial_file_again_adds_nothing(store: Store) -> None:
    approved_template(store)
    data = batch_csv(partial_rows())
    out = store.import_upload(OFFICIAL, data, "dept.csv", read(store, data, "dept.csv"))
    before = count_rows(store)
    again = store.import_upload(OFFICIAL, data, "dept.csv", read(store, data, "dept.csv"))
    assert not again.created and again.first.same_as == "file" and again.first.id == out.first.id
    resaved = rows_xlsx(list(reversed(partial_rows())))  # other bytes, same values
    same = store.import_upload(OFFICIAL, resaved, "dept.xlsx", read(store, resaved, "dept.xlsx"))
    assert not same.created and same.first.same_as == "values" and same.first.version == 2
    # also once the merged version is approved
    store.review(EVALUATOR, out.first.id, "approve")
    assert not store.import_upload(OFFICIAL, resaved, "d2.xlsx", read(store, resaved, "d2.xlsx")).created
    after = count_rows(store)
    assert {k: v for k, v in after.items() if k not in ("audit_log", "reviews", "value_snapshots")} == {
        k: v for k, v in before.items() if k not in ("audit_log", "reviews", "value_snapshots")
    }


def test_a_partial_batch_for_a_new_region_stores_only_its_indicators(store: Store) -> None:
    data = batch_csv(partial_rows("990102"))
    out = store.import_upload(OFFICIAL, data, "dept.csv", read(store, data, "dept.csv"))
    assert out.created and out.first.version == 1 and out.first.merged_from is None
    assert by_code(store.submission_values(EVALUATOR, out.first.id)) == CHANGED
    assert store.merged_from(EVALUATOR, out.first.id) is None
    assert "merged_from" not in store.audit_log(action="submission.import").iloc[-1]["details"]


def test_a_template_still_replaces_the_whole_version(store: Store) -> None:
    data, result = upload(COUNTY)  # three indicators
    v1 = store.import_upload(OFFICIAL, data, "a.xlsx", result).submission_id
    store.review(EVALUATOR, v1, "approve")
    data, result = upload(COUNTY, rows={"S01.1": (80.0, 800.0, 1000.0)})
    out = store.import_upload(OFFICIAL, data, "b.xlsx", result)
    assert out.first.merged_from is None
    assert store.submission_values(EVALUATOR, out.submission_id)["indicator_code"].tolist() == ["S01.1"]
    assert set(store.diff(EVALUATOR, v1, out.submission_id)["change"]) == {"changed", "removed"}


def test_merges_chain_on_pending_versions_but_never_on_returned_ones(store: Store) -> None:
    data, result = upload(COUNTY)  # S01.1, S02.1, S03.1
    v1 = store.import_upload(OFFICIAL, data, "a.xlsx", result).submission_id
    store.review(EVALUATOR, v1, "approve")

    def dept(code: str, value: float) -> tuple[int, MergeOrigin | None]:
        data, result = batch([frame({code: (value, None, None)}, COUNTY, PERIOD)])
        out = store.import_upload(OFFICIAL, data, f"{code}.csv", result)
        assert out.created
        return out.first.id, out.first.merged_from

    v2, origin2 = dept("S01.1", 11.0)
    v3, origin3 = dept("S02.1", 22.0)  # onto the pending v2, which it supersedes
    assert origin2 is not None and origin2.version == 1
    assert origin3 is not None and (origin3.id, origin3.version, origin3.kept) == (v2, 2, 2)
    assert store.submission(EVALUATOR, v2).status == "superseded"
    values = store.submission_values(EVALUATOR, v3).set_index("indicator_code")["value"].to_dict()
    assert values == {"S01.1": 11.0, "S02.1": 22.0, "S03.1": 1.0}
    store.review(EVALUATOR, v3, "return", "not yet")
    v4, origin4 = dept("S03.1", 0.0)  # a returned version is never a base: onto the approved v1
    assert origin4 is not None and origin4.id == v1
    values = store.submission_values(EVALUATOR, v4).set_index("indicator_code")["value"].to_dict()
    assert values == {"S01.1": 95.0, "S02.1": 3.5, "S03.1": 0.0}


def test_a_base_of_another_edition_is_merged(store: Store) -> None:
    # issue 14: a code means the same indicator in every edition, so a partial file sent under the
    # edition in force completes the version sent on the earlier edition's template
    data, result = upload(COUNTY)  # edition CN-2021
    store.import_upload(OFFICIAL, data, "a.xlsx", result)
    data, result = batch([frame({"S01.1": (50.0, None, None)}, COUNTY, PERIOD)])
    other = type(result)(**{**result.__dict__, "edition": "CN-2023"})
    out = store.import_upload(OFFICIAL, data, "b.csv", other)
    assert out.first.merged_from is not None and out.first.version == 2
    assert out.first.merged_from.kept == 2
    kept = store.submission_values(EVALUATOR, out.submission_id).set_index("indicator_code")
    assert sorted(kept.index) == ["S01.1", "S02.1", "S03.1"] and kept.loc["S01.1", "value"] == 50.0
    assert store.submission(EVALUATOR, out.submission_id).edition == "CN-2023"


def test_a_batch_of_several_regions_merges_each_and_says_so(store: Store) -> None:
    data, result = upload(COUNTY)
    store.import_upload(OFFICIAL, data, "a.xlsx", result)
    data, result = batch(
        [frame({"S01.1": (50.0, None, None)}, code, PERIOD) for code in (COUNTY, "990102", "990103")]
    )
    out = store.import_upload(OFFICIAL, data, "b.csv", result)
    merged = {i.region_code: i.merged_from for i in out.items}
    assert merged["990102"] is None and merged["990103"] is None
    origin = merged[COUNTY]
    assert origin is not None and origin.kept == 2
    assert out.merged_count == 1
    assert "1 of the new versions" in out.message("en") and "其中 1 个" in out.message("zh")


def test_completeness_counts_indicators_and_flags_partial_reports(store: Store) -> None:
    approved_template(store)  # 990101: all seven
    data = batch_csv(partial_rows("990102"))  # 990102: three of seven
    store.import_upload(OFFICIAL, data, "dept.csv", read(store, data, "dept.csv"))
    total = len(EDITION.indicators)
    done = store.completeness(EVALUATOR, PERIOD, expected_indicators=total).set_index("region_code")
    assert done.loc["990101", "indicators_reported"] == total
    assert done.loc["990102", "indicators_reported"] == 3
    assert pd.isna(done.loc["990103", "indicators_reported"])
    assert (done["indicators_expected"] == total).all()
    assert done["partial"].to_dict() == {
        "990101": False,
        "990102": True,
        "990103": False,
        "990104": False,
        "990201": False,
        "990202": False,
    }
    assert done.loc["990102", "status"] == "reported"  # partial is a flag, not a status
    counts = summary(done.reset_index()).set_index("status")
    assert counts.loc["reported", "count"] == 2 and counts.loc["reported", "partial"] == 1
    # without the edition's count: the numbers, but nothing flagged
    plain = store.completeness(EVALUATOR, PERIOD).set_index("region_code")
    assert plain.loc["990102", "indicators_reported"] == 3
    assert plain["indicators_expected"].isna().all() and not plain["partial"].any()
    assert plain["partial"].dtype == bool and str(plain["indicators_reported"].dtype) == "Int64"
    # a merged version counts what it kept: 990102 completed by a second batch file
    rest = {code: cells for code, cells in GOOD.items() if code not in CHANGED}
    data = batch_csv(partial_rows("990102", rest))
    store.import_upload(OFFICIAL, data, "rest.csv", read(store, data, "rest.csv"))
    again = store.completeness(EVALUATOR, PERIOD, expected_indicators=total).set_index("region_code")
    assert again.loc["990102", "indicators_reported"] == total and not again.loc["990102", "partial"]
    with pytest.raises(ValueError):
        mark_partial(plain.reset_index(), -1)


# -- concurrency: departments uploading at once each keep their item ----------------------------

CODES = tuple(f"X{n:02d}" for n in range(1, 7))


def _dept_in_child(url: str, code: str) -> tuple[int, bool]:
    """Run in a worker process: one department's batch file with only ``code``."""
    with Store(url) as st:
        data, result = batch([frame({code: (100.0, None, None)}, COUNTY, PERIOD)], salt=code)
        out = st.import_upload(OFFICIAL, data, f"{code}.csv", result)
        return out.first.version, out.created


@pytest.mark.slow
def test_parallel_partial_batches_all_keep_their_items(store: Store, store_url: str) -> None:
    data, result = upload(COUNTY, rows=dict.fromkeys(CODES, (1.0, None, None)))
    v1 = store.import_upload(OFFICIAL, data, "a.xlsx", result).submission_id
    store.review(EVALUATOR, v1, "approve")
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_dept_in_child, store_url, code) for code in CODES]
        results = [f.result(timeout=300) for f in futures]
    assert all(created for _, created in results)
    assert sorted(v for v, _ in results) == list(range(2, 2 + len(CODES)))
    latest = store.submissions(EVALUATOR, region_codes=[COUNTY]).iloc[0]
    assert latest["version"] == 1 + len(CODES) and latest["status"] == "submitted"
    values = store.submission_values(EVALUATOR, int(latest["id"])).set_index("indicator_code")["value"]
    assert values.to_dict() == dict.fromkeys(CODES, 100.0)  # no department's item was lost


def test_the_report_source_counts_the_editions_indicators(store: Store) -> None:
    from assessment.catalogue import shipped_schedule
    from assessment.reports.service import store_source

    data = batch_csv(partial_rows("990102"))  # three of the small edition's indicators
    store.import_upload(OFFICIAL, data, "dept.csv", read(store, data, "dept.csv"))
    src = store_source(store, EVALUATOR, "990000", period=PERIOD)
    assert src.completeness is not None
    comp = src.completeness.set_index("region_code")
    in_force = shipped_schedule().for_period(PERIOD)  # the edition of the report's period
    assert (comp["indicators_expected"] == len(in_force.indicators)).all()
    assert comp.loc["990102", "indicators_reported"] == 3 and comp.loc["990102", "partial"]
