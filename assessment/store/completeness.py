"""Completeness and timeliness of reporting for one period (DESIGN section 1: "who has reported").

Regions expected to report are the leaves of the region tree (counties), within a jurisdiction when
one is given, plus any other region that did submit for the period. Status per region:

* ``reported``: a first version for the period arrived on or before the deadline (or no deadline);
* ``late``: the first version arrived after the deadline;
* ``missing``: nothing for this period, but the region has reported for another period;
* ``never_reported``: the region has never submitted anything.

How much was reported (partial batch files, see :mod:`assessment.store.submissions`):
``indicators_reported`` is the number of values in the latest version (``latest_version``; its
stored ``value_count``: a merged version counts what it kept too), ``indicators_expected`` the
edition's number of indicators when the caller passes it (the store does not know the editions'
contents), and ``partial`` is True when a region reported fewer indicators than expected. Without
an expected count, ``indicators_expected`` is empty and ``partial`` False. Partial is a flag beside
the status, not a status of its own: a partial report is still ``reported`` or ``late``.

Timeliness counts the first upload: a county that reported on time and was asked to correct its
figures after the deadline is still on time. The deadline is the one passed in (one for every
region), else each region's effective deadline (issue 16: the earliest one set by its province or
prefecture, :func:`assessment.store.reference.effective_deadline`), else none. ``deadline`` is the
deadline that applies to the row, ``deadline_by`` the jurisdiction that set it (empty when passed in),
and ``overdue`` is True for a region that has reported nothing for the period although its deadline
has passed (at ``now``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.domain.model import RegionTree
from assessment.store.errors import refuse
from assessment.store.schema import submissions

COMPLETENESS_STATUSES = ("reported", "late", "missing", "never_reported")
COLUMNS = [
    "region_code",
    "name_zh",
    "name_en",
    "level",
    "parent_code",
    "period",
    "status",
    "first_uploaded_at",
    "days_late",
    "latest_version",
    "latest_status",
    "latest_uploaded_at",
    "approved_version",
    "deadline",
    "indicators_reported",
    "indicators_expected",
    "partial",
    "deadline_by",
    "overdue",
]


def completeness(
    conn: Connection,
    period: int,
    deadline: datetime | Mapping[str, tuple[datetime, str]] | None,
    tree: RegionTree,
    jurisdiction: str | None = None,
    expected_indicators: int | None = None,
    now: datetime | None = None,
) -> pd.DataFrame:
    """One row per region expected to report for ``period``, in tree order. Columns: COLUMNS.

    ``deadline``: one deadline for every region, or the effective deadline and the jurisdiction
    that set it per region code (:func:`assessment.store.reference.effective_deadlines`).
    ``expected_indicators``: the edition's number of indicators (``len(edition.indicators)``), for
    ``indicators_expected`` and ``partial``."""
    if isinstance(deadline, datetime) and deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    if jurisdiction is not None and jurisdiction not in tree:
        raise refuse("unknown_region", file="", codes=jurisdiction, count=1)
    within = (
        {r.code for r in tree}
        if jurisdiction is None
        else {jurisdiction} | {r.code for r in tree.descendants(jurisdiction)}
    )
    s = submissions
    # SQLite stores the timestamps as ISO text: read as text and parsed by datetime.fromisoformat (the
    # same naive-as-UTC values UTCDateTime gives, without SQLAlchemy's per-row regex parsing)
    sqlite = conn.dialect.name == "sqlite"
    uploaded = sa.type_coerce(s.c.uploaded_at, sa.String) if sqlite else s.c.uploaded_at
    read = conn.execute(
        sa.select(s.c.region_code, s.c.version, s.c.status, uploaded, s.c.value_count).where(
            s.c.period == int(period)
        )
    ).all()
    # plain tuples (pandas probes a Row for namedtuple fields); membership tested on Python strings:
    # pandas' isin on Arrow strings converts the set value by value
    rows = [(r[0], r[1], r[2], _utc(r[3]), r[4]) if sqlite else tuple(r) for r in read if r[0] in within]
    subs = pd.DataFrame(rows, columns=["region_code", "version", "status", "uploaded_at", "value_count"])
    ever = set(conn.execute(sa.select(s.c.region_code).distinct()).scalars())
    expected = {r.code for r in tree.leaves()} & within
    expected |= {r[0] for r in rows}
    regions = tree.frame()
    names = ["region_code", "name_zh", "name_en", "level", "parent_code"]
    regions = regions.loc[member(regions["region_code"], expected), names]
    first = (
        subs.groupby("region_code", as_index=False)["uploaded_at"]
        .min()
        .rename(columns={"uploaded_at": "first_uploaded_at"})
    )
    latest = subs.sort_values("version").drop_duplicates("region_code", keep="last")
    latest = latest.rename(
        columns={
            "version": "latest_version",
            "status": "latest_status",
            "uploaded_at": "latest_uploaded_at",
            "value_count": "indicators_reported",
        }
    )
    approved = subs.loc[subs["status"] == "approved", ["region_code", "version"]].rename(
        columns={"version": "approved_version"}
    )
    out = (
        regions.merge(first, on="region_code", how="left")
        .merge(latest, on="region_code", how="left")
        .merge(approved, on="region_code", how="left")
    )
    first_at = pd.to_datetime(out["first_uploaded_at"], utc=True)
    has = first_at.notna().to_numpy()
    if isinstance(deadline, Mapping):
        found = [deadline.get(str(c)) for c in out["region_code"]]
        due = pd.to_datetime(pd.Series([f[0] if f else pd.NaT for f in found], index=out.index), utc=True)
        due_by = pd.Series([f[1] if f else pd.NA for f in found], index=out.index, dtype="string")
    else:
        due = pd.Series(pd.Timestamp(deadline) if deadline is not None else pd.NaT, index=out.index)
        due = pd.to_datetime(due, utc=True)
        due_by = pd.Series(pd.NA, index=out.index, dtype="string")
    late_by = (first_at - due).dt.total_seconds() / 86400
    is_late = (late_by > 0).fillna(False).to_numpy(dtype=bool)
    overdue = (~first_at.notna() & (due < pd.Timestamp(now).tz_convert(UTC))).fillna(False).astype(bool)
    ever_mask = member(out["region_code"], ever)
    status = np.select(
        [has & is_late, has, ever_mask], ["late", "reported", "missing"], default="never_reported"
    )
    out = out.assign(
        period=int(period),
        status=pd.Series(status, index=out.index, dtype="string"),
        first_uploaded_at=first_at,
        latest_uploaded_at=pd.to_datetime(out["latest_uploaded_at"], utc=True),
        days_late=late_by.where(late_by > 0).astype("float64"),
        latest_version=out["latest_version"].astype("Int64"),
        approved_version=out["approved_version"].astype("Int64"),
        latest_status=out["latest_status"].astype("string"),
        deadline=due,
        deadline_by=due_by,
        overdue=overdue.to_numpy(dtype=bool),
        indicators_reported=out["indicators_reported"].astype("Int64"),
    )
    return mark_partial(out, expected_indicators)[COLUMNS].reset_index(drop=True)


def _utc(value: str | datetime | None) -> datetime | None:
    """A timestamp read as SQLite text, as :class:`~assessment.store.schema.UTCDateTime` returns it."""
    if value is None:
        return None
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def member(codes: pd.Series, wanted: set[str]) -> np.ndarray:
    """``codes.isin(wanted)`` as a boolean array, tested on the Python strings."""
    return np.fromiter((c in wanted for c in codes.tolist()), dtype=bool, count=len(codes))


def mark_partial(frame: pd.DataFrame, expected_indicators: int | None) -> pd.DataFrame:
    """``indicators_expected`` and ``partial`` of a completeness frame for an expected count (the
    edition's number of indicators; None: unknown, so nothing is flagged)."""
    if expected_indicators is not None and int(expected_indicators) < 0:
        raise ValueError(f"expected_indicators must not be negative: {expected_indicators}")
    reported = frame["indicators_reported"].astype("Int64")
    expected = pd.Series(
        pd.NA if expected_indicators is None else int(expected_indicators), index=frame.index, dtype="Int64"
    )
    partial = (reported < expected).fillna(False).astype(bool)
    return frame.assign(indicators_reported=reported, indicators_expected=expected, partial=partial)


def summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Counts and shares per completeness status (every status listed, zero included), and how many
    of each were partial reports (column ``partial``; 0 when the frame has no such column)."""
    counts = frame["status"].value_counts().reindex(list(COMPLETENESS_STATUSES), fill_value=0)
    total = int(counts.sum())
    if "partial" in frame.columns:
        flagged = frame.loc[frame["partial"].fillna(False).astype(bool), "status"].value_counts()
    else:
        flagged = pd.Series(dtype="int64")
    partial = flagged.reindex(list(COMPLETENESS_STATUSES), fill_value=0)
    return pd.DataFrame(
        {
            "status": pd.Series(COMPLETENESS_STATUSES, dtype="string"),
            "count": counts.to_numpy(dtype="int64"),
            "share": counts.to_numpy(dtype="float64") / total if total else np.zeros(len(counts)),
            "partial": partial.to_numpy(dtype="int64"),
        }
    )
