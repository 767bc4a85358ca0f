"""Catalogue editions in the store: which edition is in force for which period, the revisions an
administrator imports, and the local-only indicators jurisdictions add.

* **In force.** Each shipped edition starts in the period its ``edition.toml`` names
  (``effective_from``); an administrator may move that start or take the edition out of force
  (``editions.effective_from`` / ``editions.scheduled``). Two editions never start in the same period,
  so a period is always scored by exactly one (:class:`~assessment.domain.editions.EditionSchedule`).
* **Revisions.** Revision 1 of an edition is the shipped folder. An administrator's corrected
  catalogue workbook becomes revision 2, 3...: the whole edition is kept as JSON, old revisions are
  never changed, and the newest is the one scoring uses. Every score names its edition and revision
  (``Edition.label``) so an old report can be reproduced with :func:`revision`.
* **Local indicators.** A new definition of a jurisdiction's indicator supersedes the old row (kept).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.catalogue import list_editions, load_edition
from assessment.catalogue.serial import content_sha256, edition_from_json, edition_to_json
from assessment.domain.editions import EditionSchedule, LocalIndicator
from assessment.domain.model import Edition
from assessment.store import audit
from assessment.store.errors import refuse
from assessment.store.schema import edition_revisions, editions, local_indicators

REVISION_COLUMNS = ["edition_id", "revision", "created_by", "created_at", "note", "sha256"]


def _state(conn: Connection) -> dict[str, tuple[int | None, bool | None]]:
    rows = conn.execute(sa.select(editions.c.id, editions.c.effective_from, editions.c.scheduled))
    return {str(i): (f, s) for i, f, s in rows}


def _newest(conn: Connection, edition_id: str) -> tuple[int, str] | None:
    row = conn.execute(
        sa.select(edition_revisions.c.revision, edition_revisions.c.content)
        .where(edition_revisions.c.edition_id == edition_id)
        .order_by(edition_revisions.c.revision.desc())
        .limit(1)
    ).first()
    return (int(row[0]), str(row[1])) if row else None


def _in_force_from(shipped: Edition, state: tuple[int | None, bool | None] | None) -> int | None:
    if state is None:
        return shipped.effective_from
    start, scheduled = state
    if scheduled is False:
        return None
    return start if start is not None else shipped.effective_from


def revision(conn: Connection, edition_id: str, number: int | None = None) -> Edition:
    """Revision ``number`` of ``edition_id`` (the newest when None), with the start in force now."""
    if edition_id not in list_editions():
        raise refuse("unknown_edition", edition=edition_id, known=", ".join(list_editions()))
    shipped = load_edition(edition_id)
    if number is None:
        newest = _newest(conn, edition_id)
        edition = edition_from_json(newest[1]) if newest else shipped
    elif number == 1:
        edition = shipped
    else:
        text = conn.execute(
            sa.select(edition_revisions.c.content).where(
                edition_revisions.c.edition_id == edition_id, edition_revisions.c.revision == int(number)
            )
        ).scalar()
        if text is None:
            raise refuse("unknown_revision", edition=edition_id, revision=number)
        edition = edition_from_json(text)
    start = _in_force_from(shipped, _state(conn).get(edition_id))
    return dataclasses.replace(edition, effective_from=start)


def schedule(conn: Connection) -> EditionSchedule:
    """Every shipped edition at its newest revision, each with the period it is in force from."""
    return EditionSchedule(tuple(revision(conn, e) for e in list_editions()))


def revisions(conn: Connection) -> pd.DataFrame:
    """Every revision of every edition (revision 1 = as shipped). Columns: REVISION_COLUMNS."""
    stored = conn.execute(
        sa.select(*(edition_revisions.c[c] for c in REVISION_COLUMNS)).order_by(
            edition_revisions.c.edition_id, edition_revisions.c.revision
        )
    ).all()
    shipped = [
        {"edition_id": e, "revision": 1, "created_by": "", "created_at": None, "note": "",
         "sha256": content_sha256(load_edition(e))}
        for e in list_editions()
    ]  # fmt: skip
    frame = pd.DataFrame([*shipped, *(dict(zip(REVISION_COLUMNS, r, strict=True)) for r in stored)])
    return frame.sort_values(["edition_id", "revision"], ignore_index=True).loc[:, REVISION_COLUMNS]


def _ensure_row(conn: Connection, actor: str, edition: Edition) -> None:
    if conn.execute(sa.select(editions.c.id).where(editions.c.id == edition.id)).first() is None:
        conn.execute(
            sa.insert(editions).values(
                id=edition.id,
                title_zh=edition.title_zh,
                title_en=edition.title_en,
                published=edition.published,
                loaded_by=actor,
                loaded_at=audit.utcnow(),
            )
        )


def set_in_force(conn: Connection, actor: str, edition_id: str, start: int | None) -> None:
    """Put ``edition_id`` in force from period ``start`` (None: for no period). Refuses a start
    another edition in force already has, and leaving no edition in force."""
    current = schedule(conn)
    target = revision(conn, edition_id)
    if start is not None and not 1990 <= int(start) <= 2100:
        raise refuse("bad_effective_from", edition=edition_id, period=start)
    others = [e for e in current.editions if e.id != edition_id and e.effective_from is not None]
    clash = [e for e in others if e.effective_from == start]
    if start is not None and clash:
        raise refuse("edition_overlap", edition=edition_id, other=clash[0].id, period=start)
    if start is None and not others:
        raise refuse("no_edition_in_force", edition=edition_id)
    _ensure_row(conn, actor, target)
    conn.execute(
        sa.update(editions)
        .where(editions.c.id == edition_id)
        .values(effective_from=start, scheduled=start is not None)
    )
    before = target.effective_from
    audit.record(
        conn,
        [
            audit.event(
                actor, "edition.in_force", "edition", edition_id, details={"from": before, "to": start}
            )
        ],
    )


def save_revision(conn: Connection, actor: str, edition: Edition, note: str = "") -> int:
    """Store ``edition`` as the next revision of its id; returns the revision number. Refuses an
    edition whose content equals the newest revision's."""
    current = revision(conn, edition.id)
    if content_sha256(edition) == content_sha256(current):
        raise refuse("edition_unchanged", edition=edition.id, revision=current.revision)
    number = max(current.revision, 1) + 1
    stored = dataclasses.replace(
        edition, revision=number, effective_from=load_edition(edition.id).effective_from
    )
    _ensure_row(conn, actor, stored)
    now = audit.utcnow()
    conn.execute(
        sa.insert(edition_revisions).values(
            edition_id=edition.id,
            revision=number,
            content=edition_to_json(stored),
            sha256=content_sha256(stored),
            note=note[:2000],
            created_by=actor,
            created_at=now,
        )
    )
    audit.record(
        conn,
        [
            audit.event(
                actor, "edition.revise", "edition", edition.id,
                details={"revision": number, "from_revision": current.revision, "note": note[:200]}, at=now,
            )
        ],
    )  # fmt: skip
    return number


# -- local indicators -----------------------------------------------------------------------------

_LI_FIELDS = [f.name for f in dataclasses.fields(LocalIndicator)]


def _to_local(row: Any) -> LocalIndicator:
    values = {f: row[f] for f in _LI_FIELDS}
    values["effective_to"] = None if row["effective_to"] is None else int(row["effective_to"])
    return LocalIndicator(**values)


def local_in_force(conn: Connection) -> tuple[LocalIndicator, ...]:
    """Every local indicator definition not superseded, by jurisdiction and code."""
    rows = conn.execute(
        sa.select(local_indicators)
        .where(local_indicators.c.superseded_at.is_(None))
        .order_by(local_indicators.c.jurisdiction_code, local_indicators.c.code)
    ).mappings()
    return tuple(_to_local(r) for r in rows)


def save_local(conn: Connection, actor: str, items: Sequence[LocalIndicator]) -> int:
    """Record ``items`` (already checked), each superseding the definition of its code; returns how
    many were saved."""
    now = audit.utcnow()
    for li in items:
        old = (
            conn.execute(
                sa.select(local_indicators.c.id).where(
                    local_indicators.c.code == li.code, local_indicators.c.superseded_at.is_(None)
                )
            )
            .scalars()
            .all()
        )
        if old:
            conn.execute(
                sa.update(local_indicators)
                .where(local_indicators.c.id.in_(old))
                .values(superseded_at=now, superseded_by=actor)
            )
        row = {**{f: getattr(li, f) for f in _LI_FIELDS}, "set_by": li.set_by or actor}
        conn.execute(sa.insert(local_indicators).values(**row, entered_by=actor, entered_at=now))
        audit.record(
            conn,
            [
                audit.event(
                    actor, "local_indicator.set", "local_indicator", li.code,
                    region_code=li.jurisdiction_code,
                    details={"threshold": li.threshold, "effective_from": li.effective_from,
                             "effective_to": li.effective_to, "superseded": len(old)}, at=now,
                )
            ],
        )  # fmt: skip
    return len(items)
