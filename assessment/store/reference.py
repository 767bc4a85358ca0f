"""Reference data in the store: the region tree and its map boundaries, catalogue editions, settings,
reporting deadlines.

Regions are never deleted (submissions point at them): saving a tree adds new regions, updates the
ones it names, and marks the ones it no longer names inactive. :func:`region_tree` returns the
active regions in the order they were saved.

The populations of particular years (``Region.populations``, the tree CSV's ``population_YYYY``
columns) live in ``region_populations``: saving a tree replaces the figures of every region it
names by the tree's (a retired region keeps its own), and :func:`region_tree` reads them back onto
the regions. The fiscal figures of particular years (``Region.finances``, the ``revenue_per_head_YYYY``
and ``transfers_per_head_YYYY`` columns) live in ``region_finances`` and are saved the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.catalogue.regions import TREE_COLUMNS
from assessment.domain.model import Edition, Region, RegionTree
from assessment.notify.times import beijing_text
from assessment.store import audit
from assessment.store.errors import refuse
from assessment.store.schema import (
    editions,
    jurisdiction_deadlines,
    region_boundaries,
    region_finances,
    region_populations,
    regions,
    settings,
)

REGION_FIELDS = TREE_COLUMNS[1:]  # every column of the region-tree file but the code


def region_tree(conn: Connection) -> RegionTree:
    """The active regions as a RegionTree (empty when none were saved)."""
    rows = conn.execute(
        sa.select(regions).where(regions.c.active.is_(True)).order_by(regions.c.sort_order)
    ).mappings()
    yearly: dict[str, list[tuple[int, int]]] = {}
    for code, period, pop in conn.execute(
        sa.select(
            region_populations.c.region_code, region_populations.c.period, region_populations.c.population
        )
        .select_from(region_populations.join(regions, regions.c.code == region_populations.c.region_code))
        .where(regions.c.active.is_(True))
        .order_by(region_populations.c.region_code, region_populations.c.period)
    ):
        yearly.setdefault(str(code), []).append((int(period), int(pop)))
    money = _load_finances(conn)
    return RegionTree(
        tuple(
            Region(
                code=r["code"],
                **{f: r[f] for f in REGION_FIELDS},
                populations=tuple(yearly.get(r["code"], ())),
                finances=tuple(money.get(r["code"], ())),
            )
            for r in rows
        ),
    )


def active_codes(conn: Connection, codes: set[str] | None = None) -> set[str]:
    """Which of ``codes`` (all when None) are active regions."""
    query = sa.select(regions.c.code).where(regions.c.active.is_(True))
    if codes is not None:
        query = query.where(regions.c.code.in_(sorted(codes)))
    return set(conn.execute(query).scalars())


def save_region_tree(conn: Connection, actor: str, tree: RegionTree) -> dict[str, int]:
    """Save ``tree``: insert new regions, update known ones, retire absent ones. Returns counts."""
    if len(tree) == 0:
        raise refuse("empty_tree")
    now = audit.utcnow()
    existing = set(conn.execute(sa.select(regions.c.code)).scalars())
    rows: list[dict[str, Any]] = [
        {
            "code": r.code,
            **{f: getattr(r, f) for f in REGION_FIELDS},
            "sort_order": i,
            "active": True,
            "updated_at": now,
        }
        for i, r in enumerate(tree.regions)
    ]
    new_rows = [r for r in rows if r["code"] not in existing]
    old_rows = [{**r, "b_code": r["code"]} for r in rows if r["code"] in existing]
    if new_rows:
        conn.execute(sa.insert(regions), new_rows)
    if old_rows:
        values: dict[str, Any] = {
            c: sa.bindparam(c) for c in (*REGION_FIELDS, "sort_order", "active", "updated_at")
        }
        conn.execute(
            sa.update(regions).where(regions.c.code == sa.bindparam("b_code")).values(values), old_rows
        )
    n_yearly = _save_populations(conn, tree, now)
    n_finances = _save_finances(conn, tree, now)
    retired = sorted(existing - {r.code for r in tree.regions})
    if retired:
        conn.execute(
            sa.update(regions).where(regions.c.code.in_(retired)).values(active=False, updated_at=now)
        )
    counts = {"added": len(new_rows), "updated": len(old_rows), "retired": len(retired)}
    details = {**counts, "yearly_populations": n_yearly} if n_yearly else dict(counts)
    if n_finances:
        details["yearly_finances"] = n_finances
    audit.record(
        conn,
        [audit.event(actor, "regions.save", "region_tree", tree.root.code, details=details, at=now)],
    )
    return counts


def _save_populations(conn: Connection, tree: RegionTree, now: datetime) -> int:
    """Replace the per-year populations of the regions of ``tree`` by its own; returns how many."""
    codes = [r.code for r in tree.regions]
    held = conn.execute(sa.select(region_populations.c.region_code).limit(1)).first() is not None
    # bounded IN lists: a national tree has some 45,000 regions
    for start in range(0, len(codes) if held else 0, 1000):
        chunk = codes[start : start + 1000]
        conn.execute(sa.delete(region_populations).where(region_populations.c.region_code.in_(chunk)))
    rows = [
        {"region_code": r.code, "period": int(year), "population": int(pop), "updated_at": now}
        for r in tree.regions
        for year, pop in r.populations
    ]
    if rows:
        conn.execute(sa.insert(region_populations), rows)
    return len(rows)


def _load_finances(conn: Connection) -> dict[str, list[tuple[int, float | None, float | None]]]:
    """The fiscal figures of the active regions, by code, years ascending."""
    f = region_finances
    out: dict[str, list[tuple[int, float | None, float | None]]] = {}
    for code, period, rev, tr in conn.execute(
        sa.select(f.c.region_code, f.c.period, f.c.revenue_per_head, f.c.transfers_per_head)
        .select_from(f.join(regions, regions.c.code == f.c.region_code))
        .where(regions.c.active.is_(True))
        .order_by(f.c.region_code, f.c.period)
    ):
        out.setdefault(str(code), []).append(
            (int(period), None if rev is None else float(rev), None if tr is None else float(tr))
        )
    return out


def _save_finances(conn: Connection, tree: RegionTree, now: datetime) -> int:
    """Replace the fiscal figures of the regions of ``tree`` by its own; returns how many years."""
    codes = [r.code for r in tree.regions]
    held = conn.execute(sa.select(region_finances.c.region_code).limit(1)).first() is not None
    for start in range(0, len(codes) if held else 0, 1000):
        chunk = codes[start : start + 1000]
        conn.execute(sa.delete(region_finances).where(region_finances.c.region_code.in_(chunk)))
    rows = [
        {
            "region_code": r.code,
            "period": int(year),
            "revenue_per_head": rev,
            "transfers_per_head": tr,
            "updated_at": now,
        }
        for r in tree.regions
        for year, rev, tr in r.finances
        if rev is not None or tr is not None
    ]
    if rows:
        conn.execute(sa.insert(region_finances), rows)
    return len(rows)


def save_boundaries(
    conn: Connection, actor: str, geometries: Mapping[str, Mapping[str, Any]], source: str
) -> dict[str, int]:
    """Replace the boundaries of the regions in ``geometries`` (checked by
    :func:`assessment.catalogue.boundaries.parse_boundaries`); other regions keep theirs. Returns counts."""
    if not geometries:
        raise refuse("empty_boundaries")
    now = audit.utcnow()
    codes = sorted(geometries)
    existing = set(
        conn.execute(
            sa.select(region_boundaries.c.region_code).where(region_boundaries.c.region_code.in_(codes))
        )
        .scalars()
        .all()
    )
    unknown = sorted(set(codes) - active_codes(conn, set(codes)))
    if unknown:
        raise refuse("unknown_region", count=len(unknown), codes=", ".join(unknown[:10]))
    conn.execute(sa.delete(region_boundaries).where(region_boundaries.c.region_code.in_(codes)))
    conn.execute(
        sa.insert(region_boundaries),
        [
            {
                "region_code": code,
                "geometry": json.dumps(geometries[code], separators=(",", ":")),
                "source": source[:255],
                "updated_by": actor,
                "updated_at": now,
            }
            for code in codes
        ],
    )
    counts = {"added": len(codes) - len(existing), "replaced": len(existing)}
    audit.record(
        conn, [audit.event(actor, "boundaries.save", "boundaries", source[:64], details=counts, at=now)]
    )
    return counts


def boundaries(conn: Connection) -> dict[str, dict[str, Any]]:
    """The stored geometry of every active region that has one, by region code."""
    rows = conn.execute(
        sa.select(region_boundaries.c.region_code, region_boundaries.c.geometry)
        .select_from(region_boundaries.join(regions, regions.c.code == region_boundaries.c.region_code))
        .where(regions.c.active.is_(True))
    )
    return {str(code): json.loads(text) for code, text in rows}


def register_edition(conn: Connection, actor: str, edition: Edition) -> None:
    """Record a catalogue edition (its id, titles and publication date); updates a known one."""
    now = audit.utcnow()
    values = {
        "title_zh": edition.title_zh,
        "title_en": edition.title_en,
        "published": edition.published,
        "loaded_by": actor,
        "loaded_at": now,
    }
    known = conn.execute(sa.select(editions.c.id).where(editions.c.id == edition.id)).first()
    if known:
        conn.execute(sa.update(editions).where(editions.c.id == edition.id).values(values))
    else:
        conn.execute(sa.insert(editions).values(id=edition.id, **values))
    audit.record(
        conn,
        [audit.event(actor, "edition.register", "edition", edition.id, details={"new": not known}, at=now)],
    )


def ensure_edition(conn: Connection, actor: str, edition_id: str) -> None:
    """Make sure an edition row exists for ``edition_id`` (a bare row when it was never registered)."""
    if not edition_id:
        raise refuse("no_edition")
    known = conn.execute(sa.select(editions.c.id).where(editions.c.id == edition_id)).first()
    if not known:
        conn.execute(sa.insert(editions).values(id=edition_id, loaded_by=actor, loaded_at=audit.utcnow()))


def get_setting(conn: Connection, key: str) -> str | None:
    """A setting's value, or None."""
    return conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar()


def set_setting(conn: Connection, actor: str, key: str, value: str) -> None:
    """Set a setting (insert or update) and audit it."""
    now = audit.utcnow()
    values = {"value": value, "updated_by": actor, "updated_at": now}
    if get_setting(conn, key) is None:
        conn.execute(sa.insert(settings).values(key=key, **values))
    else:
        conn.execute(sa.update(settings).where(settings.c.key == key).values(values))
    audit.record(conn, [audit.event(actor, "setting.set", "setting", key, details={"value": value}, at=now)])


def _root_code(conn: Connection) -> str | None:
    """The code of the tree's root (the first active region without a parent), or None."""
    return conn.execute(
        sa.select(regions.c.code)
        .where(regions.c.parent_code.is_(None), regions.c.active.is_(True))
        .order_by(regions.c.sort_order)
        .limit(1)
    ).scalar()


def deadlines_set(conn: Connection, period: int) -> dict[str, datetime]:
    """Every deadline set for ``period``, by jurisdiction code."""
    d = jurisdiction_deadlines
    rows = conn.execute(sa.select(d.c.jurisdiction_code, d.c.deadline).where(d.c.period == int(period)))
    return {str(code): when for code, when in rows}


def deadline_rows(conn: Connection, periods: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The stored deadlines (jurisdiction_code, period, deadline, set_by, set_at), newest period first."""
    d = jurisdiction_deadlines
    query = sa.select(d).order_by(d.c.period.desc(), d.c.jurisdiction_code)
    if periods is not None:
        query = query.where(d.c.period.in_(sorted({int(p) for p in periods})))
    return [dict(r) for r in conn.execute(query).mappings()]


def get_deadline(conn: Connection, period: int, jurisdiction: str | None = None) -> datetime | None:
    """The deadline ``jurisdiction`` set for ``period`` (None: the root's, the province-wide one)."""
    code = jurisdiction if jurisdiction is not None else _root_code(conn)
    if code is None:
        return None
    d = jurisdiction_deadlines
    return conn.execute(
        sa.select(d.c.deadline).where(d.c.period == int(period), d.c.jurisdiction_code == code)
    ).scalar()


def effective_deadline(
    tree: RegionTree, set_: Mapping[str, datetime], code: str
) -> tuple[datetime, str] | None:
    """The deadline that binds ``code`` and the jurisdiction that set it: the earliest deadline set
    on the way from ``code`` up to the root (a lower level's deadline overrides the higher one, and
    may only be earlier; should a higher level later move its own before it, the higher one wins).
    Ties go to the nearest. None when nobody above set one."""
    if code not in tree:
        return None
    best: tuple[datetime, str] | None = None
    for c in [code, *(a.code for a in tree.ancestors(code))]:
        when = set_.get(c)
        if when is not None and (best is None or when < best[0]):
            best = (when, c)
    return best


def effective_deadlines(tree: RegionTree, set_: Mapping[str, datetime]) -> dict[str, tuple[datetime, str]]:
    """:func:`effective_deadline` of every region of ``tree`` that has one (one pass, parents first)."""
    out: dict[str, tuple[datetime, str]] = {}
    if not set_:
        return out

    def of(code: str) -> tuple[datetime, str] | None:
        if code in out:
            return out[code]
        reg = tree.get(code)
        above = of(reg.parent_code) if reg.parent_code is not None and reg.parent_code in tree else None
        own = set_.get(code)
        best = above
        if own is not None and (best is None or own <= best[0]):
            best = (own, code)
        if best is not None:
            out[code] = best
        return best

    for r in tree:
        of(r.code)
    return out


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def set_deadline(
    conn: Connection,
    actor: str,
    period: int,
    deadline: datetime,
    jurisdiction: str | None = None,
    tree: RegionTree | None = None,
) -> None:
    """Set the reporting deadline ``jurisdiction`` (None: the root) gives its regions for ``period``
    (naive datetimes are taken as UTC) and audit it. Refused when a jurisdiction above has an
    earlier deadline (``store.deadline_after_parent``), or when there is no region tree."""
    code = jurisdiction if jurisdiction is not None else _root_code(conn)
    if code is None:
        raise refuse("deadline_no_tree")
    tree = tree if tree is not None else region_tree(conn)
    if code not in tree:
        raise refuse("unknown_region_code", code=code)
    deadline = _utc(deadline)
    set_ = deadlines_set(conn, period)
    above = effective_deadline(tree, {k: v for k, v in set_.items() if k != code}, code)
    if above is not None and above[1] != code and deadline > above[0]:
        parent = tree.get(above[1])
        raise refuse(
            "deadline_after_parent",
            per_lang={
                "zh": {"parent": parent.name_zh, "date": beijing_text(above[0])},
                "en": {"parent": parent.name_en or parent.name_zh, "date": beijing_text(above[0])},
            },
            period=int(period),
        )
    now = audit.utcnow()
    values = {"deadline": deadline, "set_by": actor, "set_at": now}
    d = jurisdiction_deadlines
    if code in set_:
        conn.execute(
            sa.update(d).where(d.c.period == int(period), d.c.jurisdiction_code == code).values(values)
        )
    else:
        conn.execute(sa.insert(d).values(jurisdiction_code=code, period=int(period), **values))
    audit.record(
        conn,
        [
            audit.event(
                actor,
                "deadline.set",
                "period",
                period,
                region_code=code,
                details={"deadline": deadline.isoformat(), "jurisdiction": code},
                at=now,
            )
        ],
    )


def clear_deadline(conn: Connection, actor: str, period: int, jurisdiction: str) -> bool:
    """Remove the deadline ``jurisdiction`` set for ``period`` (its regions fall back to the one
    above); False when it had none. Audited."""
    d = jurisdiction_deadlines
    gone = conn.execute(
        sa.delete(d).where(d.c.period == int(period), d.c.jurisdiction_code == jurisdiction)
    ).rowcount
    if gone:
        audit.record(
            conn,
            [audit.event(actor, "deadline.clear", "period", period, region_code=jurisdiction)],
        )
    return bool(gone)
