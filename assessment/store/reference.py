"""Reference data in the store: the region tree and its map boundaries, catalogue editions, settings,
reporting deadlines.

Regions are never deleted (submissions point at them): saving a tree adds new regions, updates the
ones it names, and marks the ones it no longer names inactive. :func:`region_tree` returns the
active regions in the order they were saved.

The populations of particular years (``Region.populations``, the tree CSV's ``population_YYYY``
columns) live in ``region_populations``: saving a tree replaces the figures of every region it
names by the tree's (a retired region keeps its own), and :func:`region_tree` reads them back onto
the regions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.catalogue.regions import TREE_COLUMNS
from assessment.domain.model import Edition, Region, RegionTree
from assessment.store import audit
from assessment.store.errors import refuse
from assessment.store.schema import (
    editions,
    region_boundaries,
    region_populations,
    regions,
    reporting_deadlines,
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
    return RegionTree(
        tuple(
            Region(
                code=r["code"],
                **{f: r[f] for f in REGION_FIELDS},
                populations=tuple(yearly.get(r["code"], ())),
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
    retired = sorted(existing - {r.code for r in tree.regions})
    if retired:
        conn.execute(
            sa.update(regions).where(regions.c.code.in_(retired)).values(active=False, updated_at=now)
        )
    counts = {"added": len(new_rows), "updated": len(old_rows), "retired": len(retired)}
    details = {**counts, "yearly_populations": n_yearly} if n_yearly else counts
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


def get_deadline(conn: Connection, period: int) -> datetime | None:
    """The reporting deadline of ``period``, or None."""
    return conn.execute(
        sa.select(reporting_deadlines.c.deadline).where(reporting_deadlines.c.period == int(period))
    ).scalar()


def set_deadline(conn: Connection, actor: str, period: int, deadline: datetime) -> None:
    """Set the reporting deadline of ``period`` (naive datetimes are taken as UTC) and audit it."""
    now = audit.utcnow()
    values = {"deadline": deadline, "set_by": actor, "set_at": now}
    if get_deadline(conn, period) is None:
        conn.execute(sa.insert(reporting_deadlines).values(period=int(period), **values))
    else:
        conn.execute(
            sa.update(reporting_deadlines).where(reporting_deadlines.c.period == int(period)).values(values)
        )
    audit.record(
        conn,
        [
            audit.event(
                actor, "deadline.set", "period", period, details={"deadline": deadline.isoformat()}, at=now
            )
        ],
    )
