"""Value snapshots (assessment.store.snapshots): ``Store.values`` read through them equals the row by
row read after every kind of change, stale snapshots are patched and written back, a broken or
unwritable snapshot never fails a read, and stored values can no longer be changed.

Run on SQLite and PostgreSQL (``store_url``). ``MIN_SUBMISSIONS`` is set to 0 so that even the small
test data goes through the snapshots.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from assessment.store import Store, StoreError, queries, snapshots
from assessment.store.schema import value_snapshots
from tests.fixtures import EVALUATOR, OFFICIAL, batch, frame, upload

COUNTIES = ("990101", "990102", "990103", "990201")


@pytest.fixture(autouse=True)
def always_snapshots(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(snapshots, "MIN_SUBMISSIONS", 0)
    yield


def _direct(store: Store, include_pending: bool = False, **kw: object) -> pd.DataFrame:
    with store.read() as conn:
        return queries.values(conn, include_pending=include_pending, **kw)  # type: ignore[arg-type]


def _same(store: Store) -> None:
    """Store.values equals the direct read, in both modes, and with filters."""
    for pending in (False, True):
        pd.testing.assert_frame_equal(
            store.values(EVALUATOR, include_pending=pending), _direct(store, pending), check_exact=True
        )
    got = store.values(EVALUATOR, periods=[2024], region_codes=["990102"], include_pending=True)
    want = _direct(store, True, periods=[2024], region_codes=["990102"])
    pd.testing.assert_frame_equal(got, want)


def _snapshots(store: Store) -> dict[int, tuple[str, int]]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(value_snapshots.c.period, value_snapshots.c.ids_digest, value_snapshots.c.row_count)
        )
        return {int(r.period): (r.ids_digest, int(r.row_count)) for r in rows}


def _import(store: Store, region: str, period: int, value: float, *, approve: bool = True) -> int:
    rows = {
        "S01.1": (value, value * 10, 1000.0),
        "S02.1": (value / 30, None, None),
        "S03.1": (1.0, None, None),
    }
    data, result = upload(region, period, rows=rows, salt=f"{region}{period}{value}")
    out = store.import_upload(OFFICIAL, data, "u.xlsx", result)
    if approve:
        store.review(EVALUATOR, out.submission_id, "approve")
    return out.submission_id


def test_equals_the_row_read_through_every_change(store: Store) -> None:
    assert store.values(EVALUATOR).empty and _snapshots(store) == {}
    frames = [
        frame({"S01.1": (90.0 + i, None, None)}, c, p) for i, c in enumerate(COUNTIES) for p in (2023, 2024)
    ]
    data, result = batch(frames)
    out = store.import_upload(OFFICIAL, data, "batch.csv", result)
    _same(store)  # everything pending
    for item in out.items:
        store.review(EVALUATOR, item.id, "approve")
    _same(store)
    assert set(_snapshots(store)) == {2023, 2024}
    pending = _import(store, "990101", 2024, 80.0, approve=False)  # a new version waiting
    _same(store)
    store.review(EVALUATOR, pending, "return", "check", "implausible")  # returned: drops out
    _same(store)
    newer = _import(store, "990102", 2024, 99.0)  # approved: supersedes the old version
    _same(store)
    assert newer in set(store.values(EVALUATOR)["submission_id"])
    _import(store, "990103", 2025, 70.0)  # a new period
    _same(store)
    assert set(_snapshots(store)) == {2023, 2024, 2025}


def test_stale_snapshot_is_written_back_once_then_reused(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for c in COUNTIES:
        _import(store, c, 2024, 95.0)
    store.values(EVALUATOR)
    digest, count = _snapshots(store)[2024]
    with store.read() as conn:
        live = conn.execute(sa.text("SELECT id FROM submissions WHERE status = 'approved'")).scalars().all()
    assert digest == snapshots.digest(live) and count == 3 * len(COUNTIES)

    saved: list[int] = []
    real_save = snapshots.save

    def counting_save(conn: sa.Connection, stale: list[snapshots.Stale]) -> None:
        saved.extend(s.period for s in stale)
        real_save(conn, stale)

    monkeypatch.setattr(snapshots, "save", counting_save)
    store.values(EVALUATOR)
    assert saved == []  # fresh: nothing to write
    _import(store, "990101", 2024, 60.0)
    got = store.values(EVALUATOR)
    assert saved == [2024]
    assert got.loc[got["region_code"] == "990101", "value"].tolist() == [60.0, 2.0, 1.0]


def test_unreadable_snapshot_is_rebuilt(store: Store) -> None:
    for c in COUNTIES[:2]:
        _import(store, c, 2024, 95.0)
    want = store.values(EVALUATOR)
    with store.transaction() as conn:
        conn.execute(sa.update(value_snapshots).values(data=b"not parquet at all"))
    pd.testing.assert_frame_equal(store.values(EVALUATOR), want)
    with store.read() as conn:
        data = conn.execute(sa.select(value_snapshots.c.data)).scalar_one()
    assert snapshots.decode(bytes(data)) is not None  # written back whole


def test_a_locked_database_never_fails_the_read(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.fixtures import prepare

    url = f"sqlite:///{tmp_path / 'locked.db'}"
    store = prepare(Store(url))
    try:
        for c in COUNTIES:
            _import(store, c, 2024, 95.0)
        want = _direct(store)
        holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        try:
            pd.testing.assert_frame_equal(store.values(EVALUATOR), want)
            assert _snapshots(store) == {}  # the write-back gave up instead of waiting 15 s
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        store.values(EVALUATOR)
        assert set(_snapshots(store)) == {2024}
    finally:
        store.close()


def test_officials_still_see_only_their_region(store: Store) -> None:
    for c in COUNTIES:
        _import(store, c, 2024, 95.0)
    store.values(EVALUATOR)  # snapshots now hold every county
    store.add_user("system", "county_official", "County", "official", "990102")
    got = store.values("county_official")
    assert set(got["region_code"]) == {"990102"} and len(got) == 3


def test_stored_values_cannot_be_changed(store: Store, caplog: pytest.LogCaptureFixture) -> None:
    _import(store, "990101", 2024, 95.0)
    before = _direct(store)
    with (
        caplog.at_level("ERROR", logger="assessment.store.failures"),
        pytest.raises(StoreError) as refused,
        store.transaction() as conn,
    ):
        conn.execute(sa.text("UPDATE submission_values SET value = 1"))
    reference = getattr(refused.value, "reference", None)
    assert reference and "refused" not in str(refused.value), "users get a reference, not the driver's text"
    assert any(reference in r.getMessage() and "refused" in r.getMessage() for r in caplog.records), (
        "the trigger's refusal is in the log under that reference"
    )
    pd.testing.assert_frame_equal(_direct(store), before)


def test_encode_decode_round_trip() -> None:
    rows = pd.DataFrame(
        {
            "submission_id": [3, 3, 7],
            "indicator_code": ["A.1", "B.2", "A.1"],
            "value": [1.5, None, 3.0],
            "numerator": [None, None, 30.0],
            "denominator": [None, None, 100.0],
            "note": [None, "估计值 estimate", ""],
        }
    )
    back = snapshots.decode(snapshots.encode(rows))
    assert back is not None
    pd.testing.assert_frame_equal(back, queries.typed(rows))
    assert back["note"].tolist()[1:] == ["估计值 estimate", ""] and pd.isna(back["note"][0])
    assert snapshots.decode(b"") is None
    assert snapshots.digest([3, 1, 2]) == snapshots.digest([1, 2, 3, 3]) != snapshots.digest([1, 2])
