"""Reading submissions: lists, the values scores use, version diffs, review history.

:func:`values` is what scoring reads: by default the approved version of each region and period
(there is at most one); with ``include_pending`` the newest version that is pending or approved, so
evaluators can preview figures before deciding. Returned and superseded versions never count.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.domain.model import VALUE_COLUMNS
from assessment.store.errors import refuse
from assessment.store.outcome import MergeOrigin
from assessment.store.schema import audit_log, reviews, submissions, upload_blobs
from assessment.store.schema import submission_values as values_table
from assessment.store.workflow import get

SUBMISSION_COLUMNS = [
    "id",
    "region_code",
    "period",
    "edition",
    "version",
    "status",
    "kind",
    "filename",
    "sha256",
    "value_count",
    "uploaded_by",
    "uploaded_at",
    "reviewed_by",
    "reviewed_at",
    "review_comment",
    "reason_code",
    "superseded_by_id",
]
# a stored value row: the reported value and the submission version it belongs to
VALUES_COLUMNS = [*VALUE_COLUMNS, "submission_id", "version", "status", "edition"]
DIFF_COLUMNS = [
    "indicator_code",
    "change",
    "old_value",
    "new_value",
    "old_numerator",
    "new_numerator",
    "old_denominator",
    "new_denominator",
    "old_note",
    "new_note",
]
REVIEW_COLUMNS = [
    "id",
    "submission_id",
    "decision",
    "from_status",
    "to_status",
    "comment",
    "reason_code",
    "actor",
    "at",
]
_STRINGS = ("region_code", "indicator_code", "note", "status", "edition")


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Stable dtypes whatever the backend returned (empty frames included)."""
    casts: dict[str, str] = {}
    for col in frame.columns:
        if col in _STRINGS or col in ("kind", "filename", "sha256", "uploaded_by", "reviewed_by"):
            casts[col] = "string"
        elif col in ("period", "version", "id", "submission_id", "value_count"):
            casts[col] = "int64"
        elif col in ("value", "numerator", "denominator"):
            casts[col] = "float64"
        elif col == "superseded_by_id":
            casts[col] = "Int64"
    return frame.astype(casts)


def _ints(values: Iterable[int]) -> list[int]:
    return sorted({int(v) for v in values})


def list_submissions(
    conn: Connection,
    region_codes: Iterable[str] | None = None,
    periods: Iterable[int] | None = None,
    statuses: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Submissions (newest first per region and period), filtered. Columns: SUBMISSION_COLUMNS."""
    query = sa.select(*(submissions.c[c] for c in SUBMISSION_COLUMNS)).order_by(
        submissions.c.region_code, submissions.c.period, submissions.c.version.desc()
    )
    if region_codes is not None:
        query = query.where(submissions.c.region_code.in_(sorted(set(region_codes))))
    if periods is not None:
        query = query.where(submissions.c.period.in_(_ints(periods)))
    if statuses is not None:
        query = query.where(submissions.c.status.in_(sorted(set(statuses))))
    rows = conn.execute(query).all()
    return typed(pd.DataFrame(rows, columns=SUBMISSION_COLUMNS))


def submission_values(conn: Connection, submission_id: int) -> pd.DataFrame:
    """The values of one submission version, by indicator code."""
    sub = get(conn, submission_id)
    cols = ["indicator_code", "value", "numerator", "denominator", "note"]
    rows = conn.execute(
        sa.select(*(values_table.c[c] for c in cols))
        .where(values_table.c.submission_id == sub.id)
        .order_by(values_table.c.indicator_code)
    ).all()
    return typed(pd.DataFrame(rows, columns=cols))


def original_file(conn: Connection, submission_id: int) -> tuple[str, bytes]:
    """The file name and exact bytes that were uploaded for a submission."""
    sub = get(conn, submission_id)
    data = conn.execute(
        sa.select(upload_blobs.c.data).where(upload_blobs.c.sha256 == sub.sha256)
    ).scalar_one()
    return sub.filename, bytes(data)


def _fetch(conn: Connection, query: sa.Select, columns: list[str]) -> pd.DataFrame:
    """Rows straight from the DB-API cursor into a frame (several times faster than Row objects)."""
    result = conn.execute(query)
    return pd.DataFrame(result.cursor.fetchall(), columns=columns)


def chosen_submissions(
    conn: Connection,
    periods: Iterable[int] | None = None,
    include_pending: bool = False,
    region_codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The version that counts per region and period (see the module docstring), one row each.

    Columns: submission_id, region_code, period, version, status, edition.
    """
    s = submissions
    where = _counting(periods, include_pending, region_codes)
    chosen = _fetch(
        conn,
        sa.select(s.c.id, s.c.region_code, s.c.period, s.c.version, s.c.status, s.c.edition).where(*where),
        _CHOSEN_COLUMNS,
    )
    if include_pending:  # the newest live version per region and period
        chosen = chosen.sort_values("version").drop_duplicates(["region_code", "period"], keep="last")
    return chosen.astype({"submission_id": "int64", "period": "int64", "version": "int64"})


def values(
    conn: Connection,
    periods: Iterable[int] | None = None,
    include_pending: bool = False,
    region_codes: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Tidy values of the version that counts per region and period, read row by row from the
    database. Columns: VALUES_COLUMNS. (``Store.values`` reads large sets through the per-period
    snapshots of :mod:`assessment.store.snapshots` instead; the result is the same.)

    Two queries: the chosen submissions, then their values joined in pandas, which at national scale
    (a million values) is several times faster than a wide join.
    """
    s, v = submissions, values_table
    chosen = chosen_submissions(conn, periods, include_pending, region_codes)
    val_cols = ["submission_id", "indicator_code", "value", "numerator", "denominator", "note"]
    rows = _fetch(
        conn,
        sa.select(*(v.c[c] for c in val_cols))
        .select_from(v.join(s, v.c.submission_id == s.c.id))
        .where(*_counting(periods, include_pending, region_codes)),
        val_cols,
    )
    return assemble(chosen, rows)


_CHOSEN_COLUMNS = ["submission_id", "region_code", "period", "version", "status", "edition"]


def _counting(
    periods: Iterable[int] | None, include_pending: bool, region_codes: Iterable[str] | None
) -> list[sa.ColumnElement[bool]]:
    s = submissions
    statuses = ("approved", "submitted") if include_pending else ("approved",)
    where: list[sa.ColumnElement[bool]] = [s.c.status.in_(statuses)]
    if periods is not None:
        where.append(s.c.period.in_(_ints(periods)))
    if region_codes is not None:
        where.append(s.c.region_code.in_(sorted(set(region_codes))))
    return where


def assemble(chosen: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The chosen submissions (:func:`chosen_submissions`) joined with their value rows (rows of
    other submissions are dropped), sorted by region, period and indicator. Columns: VALUES_COLUMNS.
    """
    chosen, rows = typed(chosen), typed(rows)  # typed first: the takes below keep the dtypes
    ids = pd.Index(chosen["submission_id"].to_numpy(dtype="int64"))
    at = ids.get_indexer(rows["submission_id"].to_numpy(dtype="int64"))
    keep = np.flatnonzero(at >= 0)
    at = at[keep]
    # sort by region, period, indicator via integer keys, so that every column is taken only once
    sub_rank = np.empty(len(chosen), dtype=np.int64)
    sub_rank[np.lexsort((chosen["period"].to_numpy(), pd.factorize(chosen["region_code"], sort=True)[0]))] = (
        np.arange(len(chosen))
    )
    order = np.lexsort((pd.factorize(rows["indicator_code"], sort=True)[0][keep], sub_rank[at]))
    at, keep = at[order], keep[order]
    return pd.DataFrame(
        {
            c: (chosen[c].array.take(at) if c in _CHOSEN_COLUMNS else rows[c].array.take(keep))
            for c in VALUES_COLUMNS
        },
        copy=False,
    )


def _same(a: pd.Series, b: pd.Series) -> np.ndarray:
    both_missing = a.isna().to_numpy() & b.isna().to_numpy()
    equal = (a == b).fillna(False).to_numpy(dtype=bool)
    return both_missing | equal


def diff(conn: Connection, submission_a: int, submission_b: int) -> pd.DataFrame:
    """What changed from version ``a`` (old) to version ``b`` (new) of one region and period.

    One row per indicator added (only in b), removed (only in a) or changed (value, numerator,
    denominator or note differ); unchanged indicators are left out. Columns: DIFF_COLUMNS.
    """
    a, b = get(conn, submission_a), get(conn, submission_b)
    if (a.region_code, a.period) != (b.region_code, b.period):
        raise refuse(
            "diff_mismatch",
            a=a.id,
            b=b.id,
            a_region=a.region_code,
            a_period=a.period,
            b_region=b.region_code,
            b_period=b.period,
        )
    old = submission_values(conn, a.id)
    new = submission_values(conn, b.id)
    merged = old.merge(new, on="indicator_code", how="outer", suffixes=("_old", "_new"), indicator=True)
    fields = ("value", "numerator", "denominator", "note")
    unchanged = np.logical_and.reduce([_same(merged[f"{f}_old"], merged[f"{f}_new"]) for f in fields])
    side = merged["_merge"].astype(str)
    change = np.select(
        [side == "right_only", side == "left_only", ~unchanged], ["added", "removed", "changed"], default=""
    )
    out = pd.DataFrame(
        {
            "indicator_code": merged["indicator_code"].astype("string"),
            "change": pd.Series(change, dtype="string"),
            **{f"{p}_{f}": merged[f"{f}_{p}"] for f in fields for p in ("old", "new")},
        }
    )
    out = out.loc[out["change"] != ""].sort_values("indicator_code", ignore_index=True)
    return out[DIFF_COLUMNS]


def merged_from(conn: Connection, submission_id: int) -> MergeOrigin | None:
    """The version a submission was merged onto (a batch file lacking some indicators, see
    :mod:`assessment.store.submissions`), or None when all its values are its own file's. Read from
    the import's audit event, so a reviewer can diff against that version and say so."""
    sub = get(conn, submission_id)
    details = conn.execute(
        sa.select(audit_log.c.details)
        .where(
            audit_log.c.action == "submission.import",
            audit_log.c.object_type == "submission",
            audit_log.c.object_id == str(sub.id),
        )
        .order_by(audit_log.c.id)
        .limit(1)
    ).scalar_one_or_none()
    return MergeOrigin.from_details(details)


def review_history(conn: Connection, submission_id: int | None = None) -> pd.DataFrame:
    """Review decisions, oldest first (all, or one submission's). Columns: REVIEW_COLUMNS."""
    query = sa.select(*(reviews.c[c] for c in REVIEW_COLUMNS)).order_by(reviews.c.id)
    if submission_id is not None:
        query = query.where(reviews.c.submission_id == int(submission_id))
    return pd.DataFrame(conn.execute(query).all(), columns=REVIEW_COLUMNS)
