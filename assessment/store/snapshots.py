"""Per-period snapshots of stored values: how scoring reads a national data set in a fraction of a second.

Reading 1.6 million value rows through the database driver costs seconds (a Python object per
cell); the same rows packed per period as compressed Parquet load in about a tenth of a second. A
snapshot holds, for one period, the values of every submission version that *can* count
(:data:`LIVE_STATUSES`: approved, or submitted and waiting for review) sorted by submission id and
indicator code, plus a digest of those ids.

It is a pure cache. The values behind a submission id never change (``submission_values`` refuses
UPDATE and DELETE), so a snapshot is right exactly when its digest matches the live ids. On every
read the live ids are compared: a stale snapshot is patched in memory (rows of versions no longer
live dropped, rows of new ones fetched), used at once, and handed back to be written afterwards in
a short best-effort transaction (:func:`save`); if that write fails, the next read patches again.
Nothing depends on the table's content: emptying it costs one slower read.

After an upgrade (a new :data:`FORMAT`, an emptied table, a restored database) every snapshot is
stale, and the first viewer of a national page would pay for rebuilding them all (seconds per
period). :func:`rebuild` does it ahead, period by period, reporting progress: run by
``python -m assessment snapshots rebuild`` (``make run`` calls it) so that the first viewer finds
them ready. It reads in a read-only transaction (``BEGIN DEFERRED`` on SQLite: writers are not held
up) and writes each period in a short transaction of its own.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assessment.store.queries import typed
from assessment.store.schema import submission_values, submissions, value_snapshots

log = logging.getLogger(__name__)

LIVE_STATUSES = ("approved", "submitted")
ROW_COLUMNS = ["submission_id", "indicator_code", "value", "numerator", "denominator", "note"]
FORMAT = "v1"  # part of the digest: changing how rows are packed invalidates every snapshot
MIN_SUBMISSIONS = 200  # fewer versions than this are read row by row (a county, a small city)
CHUNK = 900  # ids per IN (...) list (SQLite's historic limit on bound parameters is 999)

Progress = Callable[[float, str], None]
"""A progress callback: (fraction done in [0, 1], step key of ``assessment/locales/progress.toml``)."""


@dataclass(frozen=True)
class Stale:
    """A patched snapshot to write back: the period, the digest of its ids, its rows."""

    period: int
    digest: str
    rows: pd.DataFrame


def digest(ids: Iterable[int]) -> str:
    """The snapshot key of a set of submission ids (order does not matter)."""
    text = FORMAT + ":" + ",".join(str(i) for i in sorted({int(i) for i in ids}))
    return hashlib.sha256(text.encode()).hexdigest()


def empty_rows() -> pd.DataFrame:
    return typed(pd.DataFrame(columns=ROW_COLUMNS))


def encode(rows: pd.DataFrame) -> bytes:
    """Rows as Parquet (zstd): about 1.7 MB and 10-15 ms to read for 320,000 values."""
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(rows[ROW_COLUMNS], preserve_index=False), sink, compression="zstd")
    return sink.getvalue()


def decode(data: bytes) -> pd.DataFrame | None:
    """Rows from :func:`encode`, or None when the bytes are not a readable snapshot (rebuilt then)."""
    try:
        table = pq.read_table(pa.BufferReader(data))
        frame = table.to_pandas()
    except (pa.ArrowException, OSError, ValueError) as err:
        log.warning("value snapshot unreadable, rebuilding it: %s", err)
        return None
    if list(frame.columns) != ROW_COLUMNS:
        return None
    return typed(frame)


def fetch_rows(
    conn: Connection, ids: Sequence[int], progress: Callable[[float], None] | None = None
) -> pd.DataFrame:
    """The stored values of these submission versions, straight from ``submission_values``;
    ``progress`` gets the fraction of ids read after each chunk."""
    v = submission_values
    frames = []
    for start in range(0, len(ids), CHUNK):
        chunk = [int(i) for i in ids[start : start + CHUNK]]
        result = conn.execute(sa.select(*(v.c[c] for c in ROW_COLUMNS)).where(v.c.submission_id.in_(chunk)))
        frames.append(pd.DataFrame(result.cursor.fetchall(), columns=ROW_COLUMNS))
        if progress is not None:
            progress(min(1.0, (start + len(chunk)) / len(ids)))
    if not frames:
        return empty_rows()
    return typed(pd.concat(frames, ignore_index=True))


def _live_ids(conn: Connection, periods: Sequence[int]) -> dict[int, np.ndarray]:
    s = submissions
    result = conn.execute(
        sa.select(s.c.period, s.c.id).where(
            s.c.status.in_(LIVE_STATUSES), s.c.period.in_([int(p) for p in periods])
        )
    )
    frame = pd.DataFrame(result.cursor.fetchall(), columns=["period", "id"], dtype="int64")
    return {int(p): np.sort(g["id"].to_numpy()) for p, g in frame.groupby("period")}


def rows(conn: Connection, periods: Sequence[int], needed: Iterable[int]) -> tuple[pd.DataFrame, list[Stale]]:
    """The value rows of the submission ids ``needed`` (which lie in ``periods``), via the snapshots.

    Returns the rows (:data:`ROW_COLUMNS`, only the ids asked for) and the snapshots that were
    stale and have been patched, for :func:`save` once the read transaction is over.
    """
    periods = sorted({int(p) for p in periods})
    needed_ids = np.unique(np.fromiter((int(i) for i in needed), dtype=np.int64))
    live = _live_ids(conn, periods)
    stored = {
        int(r.period): (r.ids_digest, r.data)
        for r in conn.execute(
            sa.select(value_snapshots.c.period, value_snapshots.c.ids_digest, value_snapshots.c.data).where(
                value_snapshots.c.period.in_(periods)
            )
        )
    }
    frames: list[pd.DataFrame] = []
    stale: list[Stale] = []
    for period in periods:
        ids = live.get(period, np.zeros(0, dtype=np.int64))
        key = digest(ids)
        old = decode(stored[period][1]) if period in stored else None
        if old is not None and stored[period][0] == key:
            frames.append(old)
            continue
        old = empty_rows() if old is None else old
        kept = old.loc[old["submission_id"].isin(ids)]
        new_ids = np.setdiff1d(ids, kept["submission_id"].unique())
        patched = pd.concat([kept, fetch_rows(conn, new_ids.tolist())], ignore_index=True)
        patched = patched.sort_values(["submission_id", "indicator_code"], ignore_index=True)
        frames.append(patched)
        stale.append(Stale(period, key, patched))
    out = pd.concat(frames, ignore_index=True) if frames else empty_rows()
    out = out.loc[out["submission_id"].isin(needed_ids)]
    # a version that became live after the ids above were read (another transaction, on a server
    # that reads committed data per statement) is fetched directly and not put in any snapshot
    late = np.setdiff1d(needed_ids, out["submission_id"].unique())
    if len(late):
        out = pd.concat([out, fetch_rows(conn, late.tolist())], ignore_index=True)
    return out.reset_index(drop=True), stale


def save(conn: Connection, stale: Sequence[Stale], encoded: Sequence[bytes] | None = None) -> None:
    """Write patched snapshots (replacing the period's old one) in the caller's transaction;
    ``encoded``: their :func:`encode` bytes when made before the transaction (it then holds the
    write lock only for the writing)."""
    now = datetime.now(UTC)
    blobs = list(encoded) if encoded is not None else [encode(snap.rows) for snap in stale]
    for snap, blob in zip(stale, blobs, strict=True):
        conn.execute(sa.delete(value_snapshots).where(value_snapshots.c.period == snap.period))
        conn.execute(
            sa.insert(value_snapshots).values(
                period=snap.period,
                ids_digest=snap.digest,
                row_count=len(snap.rows),
                data=blob,
                built_at=now,
            )
        )


@dataclass(frozen=True)
class Rebuilt:
    """What :func:`rebuild` did to one period's snapshot.

    ``state``: "fresh" (it was right already, left alone), "rebuilt" (written from the stored
    values), "removed" (no live version in the period any more: the snapshot was deleted).
    """

    period: int
    state: str
    submissions: int
    rows: int


@contextmanager
def _reading(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        conn.execution_options(sqlite_begin="DEFERRED")  # a read: writers are not held up on SQLite
        with conn.begin():
            yield conn


def _periods(conn: Connection) -> list[int]:
    live = conn.execute(
        sa.select(submissions.c.period).where(submissions.c.status.in_(LIVE_STATUSES)).distinct()
    ).scalars()
    stored = conn.execute(sa.select(value_snapshots.c.period)).scalars()
    return sorted({int(p) for p in live} | {int(p) for p in stored})


def _stored(conn: Connection, period: int) -> tuple[str, bytes, int] | None:
    v = value_snapshots
    row = conn.execute(sa.select(v.c.ids_digest, v.c.data, v.c.row_count).where(v.c.period == period)).first()
    return None if row is None else (str(row.ids_digest), bytes(row.data), int(row.row_count))


def stale_periods(engine: Engine, periods: Sequence[int] | None = None) -> dict[int, bool]:
    """Period -> whether its snapshot is missing, unreadable or out of date (periods with a live
    version or a snapshot; ``periods`` narrows the list). Reads only."""
    out: dict[int, bool] = {}
    with _reading(engine) as conn:
        chosen = _periods(conn) if periods is None else sorted({int(p) for p in periods})
        live = _live_ids(conn, chosen) if chosen else {}
        for period in chosen:
            ids = live.get(period, np.zeros(0, dtype=np.int64))
            stored = _stored(conn, period)
            if not len(ids):
                out[period] = stored is not None
            else:
                out[period] = stored is None or stored[0] != digest(ids) or decode(stored[1]) is None
    return out


def rebuild(
    engine: Engine,
    periods: Sequence[int] | None = None,
    *,
    force: bool = False,
    progress: Progress | None = None,
) -> list[Rebuilt]:
    """Bring the snapshot of every period (or of ``periods``) up to date ahead of any viewer.

    A snapshot whose digest matches the live versions and that decodes is left alone unless
    ``force``; any other is written anew from ``submission_values`` (all its rows, not patched),
    one period at a time: a read-only transaction to read, then a short write transaction. A
    period without live versions loses its snapshot. ``progress`` is called with a fraction that
    never decreases and ends at exactly 1.0, and a step key (``progress.snapshots.*``).
    """

    def report(fraction: float, step: str) -> None:
        if progress is not None:
            progress(min(1.0, max(0.0, fraction)), step)

    report(0.0, "progress.snapshots.listing")
    with _reading(engine) as conn:
        chosen = _periods(conn) if periods is None else sorted({int(p) for p in periods})
    done: list[Rebuilt] = []
    total = max(1, len(chosen))
    for i, period in enumerate(chosen):
        base = i / total

        def part(fraction: float, base: float = base) -> None:
            report(base + (0.1 + 0.7 * fraction) / total, "progress.snapshots.reading")

        report(base, "progress.snapshots.checking")
        rows_read: pd.DataFrame | None = None
        with _reading(engine) as conn:
            ids = _live_ids(conn, [period]).get(period, np.zeros(0, dtype=np.int64))
            key = digest(ids)
            stored = _stored(conn, period)
            fresh = stored is not None and stored[0] == key and decode(stored[1]) is not None
            if len(ids) and (force or not fresh):
                rows_read = fetch_rows(conn, ids.tolist(), part)
                rows_read = rows_read.sort_values(["submission_id", "indicator_code"], ignore_index=True)
        report(base + 0.8 / total, "progress.snapshots.writing")
        if rows_read is not None:
            blob = encode(rows_read)  # before the write transaction: it only writes
            with engine.begin() as conn:
                save(conn, [Stale(period, key, rows_read)], [blob])
            done.append(Rebuilt(period, "rebuilt", len(ids), len(rows_read)))
        elif not len(ids):
            if stored is not None:
                with engine.begin() as conn:
                    conn.execute(sa.delete(value_snapshots).where(value_snapshots.c.period == period))
            done.append(Rebuilt(period, "removed" if stored is not None else "fresh", 0, 0))
        else:
            assert stored is not None
            done.append(Rebuilt(period, "fresh", len(ids), stored[2]))
    report(1.0, "progress.snapshots.done")
    return done
