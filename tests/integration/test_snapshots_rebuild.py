"""The snapshot rebuild ahead of any viewer (issue 20 point 7): ``snapshots.rebuild`` and the
``python -m assessment snapshots rebuild|status`` command bring every period's value snapshot up
to date after an upgrade (a new packing format, an emptied table, a broken snapshot), report their
progress monotonically up to 1.0, let writers through while they read, and leave the first viewer
nothing to rebuild. On SQLite and PostgreSQL (``store_url``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa

from assessment.cli import main
from assessment.store import Store, queries, snapshots
from assessment.store.schema import value_snapshots
from tests.fixtures import EVALUATOR, OFFICIAL, batch, frame, prepare, upload

COUNTIES = ("990101", "990102", "990103", "990201")
PERIODS = (2023, 2024)


@pytest.fixture(autouse=True)
def always_snapshots(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(snapshots, "MIN_SUBMISSIONS", 0)  # the small test data goes through them
    yield


def _seed(store: Store) -> None:
    """Every county reports both periods (approved), and one more version waits for review."""
    frames = [
        frame({"S01.1": (90.0 + i, None, None), "S02.1": (2.0 + i, None, None)}, c, p)
        for i, c in enumerate(COUNTIES)
        for p in PERIODS
    ]
    data, result = batch(frames)
    for item in store.import_upload(OFFICIAL, data, "batch.csv", result).items:
        store.review(EVALUATOR, item.id, "approve")
    data, one = upload("990101", 2024, rows={"S01.1": (70.0, None, None)}, salt="pending")
    store.import_upload(OFFICIAL, data, "u.xlsx", one)


def _table(store: Store) -> dict[int, tuple[str, int]]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(value_snapshots.c.period, value_snapshots.c.ids_digest, value_snapshots.c.row_count)
        )
        return {int(r.period): (r.ids_digest, int(r.row_count)) for r in rows}


def _direct(store: Store, pending: bool) -> pd.DataFrame:
    with store.read() as conn:
        return queries.values(conn, include_pending=pending)


def _saves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the periods written back by readers from now on."""
    written: list[int] = []
    real = snapshots.save

    def counting(
        conn: sa.Connection, stale: list[snapshots.Stale], encoded: list[bytes] | None = None
    ) -> None:
        written.extend(s.period for s in stale)
        real(conn, stale, encoded)

    monkeypatch.setattr(snapshots, "save", counting)
    return written


def _wipe(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(sa.delete(value_snapshots))


def test_rebuild_leaves_the_first_viewer_nothing_to_do(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(store)
    _wipe(store)  # as after an upgrade that emptied the table
    assert snapshots.stale_periods(store.engine) == {2023: True, 2024: True}
    done = snapshots.rebuild(store.engine)
    assert [(d.period, d.state, d.submissions) for d in done] == [(2023, "rebuilt", 4), (2024, "rebuilt", 5)]
    assert [d.rows for d in done] == [8, 9]  # 4 counties x 2 values; 2024 also the pending version's
    assert snapshots.stale_periods(store.engine) == {2023: False, 2024: False}
    written = _saves(monkeypatch)
    for pending in (False, True):  # the first viewer reads them as they are, and gets the right rows
        pd.testing.assert_frame_equal(
            store.values(EVALUATOR, include_pending=pending), _direct(store, pending)
        )
    assert written == []
    again = snapshots.rebuild(store.engine)
    assert [d.state for d in again] == ["fresh", "fresh"] and [d.rows for d in again] == [8, 9]
    before = _table(store)
    forced = snapshots.rebuild(store.engine, [2024], force=True)
    assert [(d.period, d.state) for d in forced] == [(2024, "rebuilt")] and written == [2024]
    assert _table(store) == before  # the same digest and rows: nothing else was touched


def test_rebuild_after_a_format_change_or_a_broken_snapshot(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    store.values(EVALUATOR, include_pending=True)  # readers write the snapshots
    assert set(_table(store)) == {2023, 2024}
    monkeypatch.setattr(snapshots, "FORMAT", "v-next")  # the upgrade changes how rows are packed
    assert snapshots.stale_periods(store.engine) == {2023: True, 2024: True}
    assert [d.state for d in snapshots.rebuild(store.engine)] == ["rebuilt", "rebuilt"]
    with store.transaction() as conn:  # a snapshot whose digest matches but that cannot be read
        conn.execute(sa.update(value_snapshots).where(value_snapshots.c.period == 2023).values(data=b"junk"))
    assert snapshots.stale_periods(store.engine) == {2023: True, 2024: False}
    assert [d.state for d in snapshots.rebuild(store.engine)] == ["rebuilt", "fresh"]
    written = _saves(monkeypatch)
    pd.testing.assert_frame_equal(store.values(EVALUATOR, include_pending=True), _direct(store, True))
    assert written == []


def test_a_period_without_live_versions_loses_its_snapshot(store: Store) -> None:
    data, one = upload("990101", 2025, rows={"S01.1": (70.0, None, None)})
    sid = store.import_upload(OFFICIAL, data, "u.xlsx", one).submission_id
    store.values(EVALUATOR, include_pending=True)
    assert set(_table(store)) == {2025}
    store.review(EVALUATOR, sid, "return", "check", "implausible")  # no version of 2025 counts now
    assert snapshots.stale_periods(store.engine) == {2025: True}
    assert [(d.period, d.state) for d in snapshots.rebuild(store.engine)] == [(2025, "removed")]
    assert _table(store) == {} and snapshots.stale_periods(store.engine) == {}
    assert snapshots.rebuild(store.engine) == []


def test_progress_rises_to_one_and_writers_get_through_while_it_reads(store: Store) -> None:
    _seed(store)
    _wipe(store)
    calls: list[tuple[float, str]] = []
    written_during: list[str] = []

    def progress(fraction: float, step: str) -> None:
        calls.append((fraction, step))
        if step == "progress.snapshots.reading" and not written_during:
            # another user's write (an audit event) while the rebuild is reading: not held up
            store.audit("system", "probe", "test", "x")
            written_during.append(step)

    snapshots.rebuild(store.engine, progress=progress)
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert calls[-1][1] == "progress.snapshots.done" and written_during == ["progress.snapshots.reading"]
    steps = {s for _, s in calls}
    assert {
        "progress.snapshots.checking",
        "progress.snapshots.reading",
        "progress.snapshots.writing",
    } <= steps
    empty: list[float] = []
    snapshots.rebuild(store.engine, periods=[], progress=lambda f, s: empty.append(f))
    assert empty == [0.0, 1.0]  # even with nothing to do it ends at 1.0


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_the_command_rebuilds_and_prints_progress(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    with Store(db) as store:
        prepare(store)
        _seed(store)
    code, out, _ = _cli(capsys, "snapshots", "status")
    assert code == 1 and "2023: needs a rebuild" in out and "2024 年：需重建" in out
    code, out, err = _cli(capsys, "snapshots", "rebuild")
    assert code == 0
    assert (
        "2023: rebuilt (4 submissions, 8 values)" in out and "2024: rebuilt (5 submissions, 9 values)" in out
    )
    assert "2 periods: 2 rebuilt" in out
    lines = err.splitlines()
    assert lines[0].startswith("  0% ") and lines[-1] == "100% 快照已就绪 / Snapshots ready"
    percents = [int(line[:3]) for line in lines]
    assert percents == sorted(percents)
    code, out, _ = _cli(capsys, "snapshots", "status")
    assert code == 0 and "2023: ready" in out and "2024: ready" in out
    code, out, err = _cli(capsys, "snapshots", "rebuild", "--quiet", "--period", "2024", "--force")
    assert code == 0 and err == "" and "2024: rebuilt" in out and "2023" not in out
    code, out, err = _cli(capsys, "snapshots", "rebuild", "--quiet")
    assert code == 0 and "2023: up to date (4 submissions, 8 values)" in out and "0 rebuilt" in out
    with Store(db) as store:
        assert snapshots.stale_periods(store.engine) == {2023: False, 2024: False}


def test_the_command_on_an_empty_database(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(capsys, "snapshots", "status")
    assert code == 0 and "No submission that counts" in out
    code, out, _ = _cli(capsys, "snapshots", "rebuild", "--quiet")
    assert code == 0 and "0 periods: 0 rebuilt" in out
    code, _, _ = _cli(capsys, "snapshots")
    assert code == 2
