"""Higher local standards in the store, with their history (DESIGN section 3).

Setting a standard never deletes one. A new standard for a jurisdiction and indicator supersedes the
rows it overlaps in time (they get ``superseded_at``/``superseded_by``); the parts of an old row
outside the new period are kept as new rows with the old threshold and setter. Example: 95 from
2022 open-ended, then 97 from 2024 -> rows "95 for 2022-2023" and "97 from 2024" are in force, and
the original "95 from 2022" is kept, superseded. Every new standard is checked with
:func:`assessment.catalogue.local_standards.check_local_standard` against the ones that stay in force; errors
refuse it (nothing changes), warnings are returned.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.catalogue.local_standards import check_local_standard
from assessment.domain.errors import Problem
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.store import audit
from assessment.store.editions import local_in_force
from assessment.store.errors import StoreError
from assessment.store.schema import local_standards

HISTORY_COLUMNS = [
    "id",
    "jurisdiction_code",
    "indicator_code",
    "threshold",
    "effective_from",
    "effective_to",
    "set_by",
    "set_at",
    "note",
    "entered_by",
    "superseded_at",
    "superseded_by",
    "in_force",
]


def _to_standard(row: Any) -> LocalStandard:
    return LocalStandard(
        jurisdiction_code=row["jurisdiction_code"],
        indicator_code=row["indicator_code"],
        threshold=float(row["threshold"]),
        effective_from=int(row["effective_from"]),
        effective_to=None if row["effective_to"] is None else int(row["effective_to"]),
        set_by=row["set_by"],
        note=row["note"] or "",
    )


def _active_rows(conn: Connection) -> list[Any]:
    query = (
        sa.select(local_standards)
        .where(local_standards.c.superseded_at.is_(None))
        .order_by(
            local_standards.c.jurisdiction_code,
            local_standards.c.indicator_code,
            local_standards.c.effective_from,
        )
    )
    return list(conn.execute(query).mappings())


def in_force(conn: Connection) -> tuple[LocalStandard, ...]:
    """Every local standard not superseded (each with its own effective period)."""
    return tuple(_to_standard(r) for r in _active_rows(conn))


def history(conn: Connection) -> pd.DataFrame:
    """Every local standard ever set, superseded ones included. Columns: HISTORY_COLUMNS."""
    rows = conn.execute(sa.select(local_standards).order_by(local_standards.c.id)).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows], columns=HISTORY_COLUMNS[:-1])
    return frame.assign(in_force=frame["superseded_at"].isna())


def _overlaps(a_from: int, a_to: int | None, b_from: int, b_to: int | None) -> bool:
    a_end = math.inf if a_to is None else a_to
    b_end = math.inf if b_to is None else b_to
    return a_from <= b_end and b_from <= a_end


def _remainders(row: Any, std: LocalStandard) -> list[LocalStandard]:
    """The parts of an old standard's period outside the new standard's period."""
    old = _to_standard(row)
    out = []
    if old.effective_from < std.effective_from:
        out.append(replace(old, effective_to=std.effective_from - 1))
    if std.effective_to is not None and (old.effective_to is None or old.effective_to > std.effective_to):
        out.append(replace(old, effective_from=std.effective_to + 1))
    return out


def set_standard(
    conn: Connection, actor: str, std: LocalStandard, edition: Edition, tree: RegionTree
) -> list[Problem]:
    """Record ``std`` (superseding what it overlaps); returns the checker's warnings.

    Raises StoreError with the checker's errors when the standard is refused; nothing changes then.
    """
    std = replace(std, set_by=std.set_by or actor)
    rows = _active_rows(conn)
    replaced = [
        r
        for r in rows
        if r["jurisdiction_code"] == std.jurisdiction_code
        and r["indicator_code"] == std.indicator_code
        and _overlaps(r["effective_from"], r["effective_to"], std.effective_from, std.effective_to)
    ]
    replaced_ids = {r["id"] for r in replaced}
    kept = [r for r in rows if r["id"] not in replaced_ids]
    remainders = [part for r in replaced for part in _remainders(r, std)]
    # the thresholds of the local-only indicators bind like standards of their jurisdictions
    local = [li.as_standard() for li in local_in_force(conn)]
    others = [_to_standard(r) for r in kept] + remainders + local
    problems = check_local_standard(std, others, edition, tree)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise StoreError(errors)
    now = audit.utcnow()
    events = []
    if replaced:
        conn.execute(
            sa.update(local_standards)
            .where(local_standards.c.id.in_(sorted(replaced_ids)))
            .values(superseded_at=now, superseded_by=actor)
        )
        events += [
            audit.event(
                actor,
                "local_standard.supersede",
                "local_standard",
                r["id"],
                region_code=r["jurisdiction_code"],
                details={"indicator_code": r["indicator_code"], "threshold": r["threshold"]},
                at=now,
            )
            for r in replaced
        ]
    new_rows = [_row(part, actor, row["set_at"]) for row in replaced for part in _remainders(row, std)]
    new_rows.append(_row(std, actor, now))
    result = conn.execute(
        sa.insert(local_standards).returning(local_standards.c.id, sort_by_parameter_order=True), new_rows
    )
    new_id = result.scalars().all()[-1]
    events.append(
        audit.event(
            actor,
            "local_standard.set",
            "local_standard",
            new_id,
            region_code=std.jurisdiction_code,
            details={
                "indicator_code": std.indicator_code,
                "threshold": std.threshold,
                "effective_from": std.effective_from,
                "effective_to": std.effective_to,
                "set_by": std.set_by,
                "superseded": sorted(replaced_ids),
            },
            at=now,
        )
    )
    audit.record(conn, events)
    return [p for p in problems if p.severity != "error"]


def _row(std: LocalStandard, actor: str, set_at: Any) -> dict[str, Any]:
    return {
        "jurisdiction_code": std.jurisdiction_code,
        "indicator_code": std.indicator_code,
        "threshold": std.threshold,
        "effective_from": std.effective_from,
        "effective_to": std.effective_to,
        "set_by": std.set_by,
        "set_at": set_at,
        "note": std.note,
        "entered_by": actor,
    }


def load_many(
    conn: Connection, actor: str, standards: Sequence[LocalStandard], edition: Edition, tree: RegionTree
) -> int:
    """Set several standards in one transaction (the caller's); returns how many were set."""
    for std in standards:
        set_standard(conn, actor, std, edition, tree)
    return len(standards)
