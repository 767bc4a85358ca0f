"""The store keeps the populations of particular years with the region tree (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace

import sqlalchemy as sa

from assessment.catalogue.regions import parse_region_csv
from assessment.domain.model import RegionTree
from assessment.store import Store
from assessment.store.schema import region_populations
from tests.fixtures import ADMIN, count_rows
from tests.fixtures import store_tree as tree

YEARLY = {"990000": ((2022, 4_900_000), (2023, 5_100_000)), "990101": ((2023, 510_000),)}


def with_yearly(base: RegionTree, yearly: dict[str, tuple[tuple[int, int], ...]]) -> RegionTree:
    return RegionTree(tuple(replace(r, populations=yearly.get(r.code, ())) for r in base))


def test_per_year_populations_round_trip(store: Store) -> None:
    assert not store.region_tree().has_yearly_populations  # the fixture tree has the base alone
    saved = with_yearly(tree(), YEARLY)
    counts = store.save_region_tree(ADMIN, saved)
    assert counts == {"added": 0, "updated": len(saved), "retired": 0}
    got = store.region_tree()
    assert got == saved
    assert got.get("990000").populations == ((2022, 4_900_000), (2023, 5_100_000))
    assert got.population("990101", 2024) == (510_000, True)
    assert got.population("990000", 2023) == (5_100_000, False)
    assert count_rows(store)["region_populations"] == 3


def test_saving_again_replaces_the_figures_and_a_retired_region_keeps_its_own(store: Store) -> None:
    store.save_region_tree(ADMIN, with_yearly(tree(), YEARLY))
    smaller = RegionTree(tuple(r for r in tree() if r.code != "990101"))
    store.save_region_tree(ADMIN, with_yearly(smaller, {"990000": ((2024, 5_200_000),)}))
    got = store.region_tree()
    assert got.get("990000").populations == ((2024, 5_200_000),)
    assert "990101" not in got
    with store.read() as conn:
        kept = conn.execute(sa.select(region_populations.c.region_code, region_populations.c.period)).all()
    assert sorted(kept) == [("990000", 2024), ("990101", 2023)]
    store.save_region_tree(ADMIN, tree())  # back with the base alone: the figures go
    assert store.region_tree() == tree() and count_rows(store)["region_populations"] == 0


def test_a_tree_csv_with_per_year_columns_round_trips_through_the_store(store: Store) -> None:
    text = (
        "code,name_zh,name_en,level,parent_code,population,population_2022,population_2023\n"
        "990000,示例省,Province,province,,1000000,1100000,1200000\n"
        "990101,甲县,County A,county,990000,400000,100000,\n"
    )
    parsed = parse_region_csv(text)
    store.save_region_tree(ADMIN, parsed)
    got = store.region_tree()
    assert got == parsed
    assert got.population_frame([2023]).equals(parsed.population_frame([2023]))
