"""The store keeps the fiscal figures of particular years with the region tree (SQLite and
PostgreSQL; issue 19 point 7)."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from assessment.catalogue.regions import parse_region_csv
from assessment.domain.errors import DataFileError
from assessment.domain.model import RegionTree
from assessment.store import Store
from assessment.store.schema import region_finances
from tests.fixtures import ADMIN, count_rows
from tests.fixtures import store_tree as tree

MONEY = {
    "990101": ((2022, 2100.0, 3900.5), (2023, 2200.0, None)),
    "990201": ((2024, None, 4100.0),),
}


def with_money(base: RegionTree, money: dict) -> RegionTree:
    return RegionTree(tuple(replace(r, finances=money.get(r.code, ())) for r in base))


def test_finances_round_trip(store: Store) -> None:
    saved = with_money(tree(), MONEY)
    store.save_region_tree(ADMIN, saved)
    got = store.region_tree()
    assert got == saved
    assert got.get("990101").finances == ((2022, 2100.0, 3900.5), (2023, 2200.0, None))
    assert got.get("990201").finances == ((2024, None, 4100.0),)
    assert count_rows(store)["region_finances"] == 3


def test_saving_again_replaces_the_figures_and_a_retired_region_keeps_its_own(store: Store) -> None:
    store.save_region_tree(ADMIN, with_money(tree(), MONEY))
    smaller = RegionTree(tuple(r for r in tree() if r.code != "990101"))
    store.save_region_tree(ADMIN, with_money(smaller, {"990201": ((2025, 10.0, 20.0),)}))
    got = store.region_tree()
    assert got.get("990201").finances == ((2025, 10.0, 20.0),)
    assert "990101" not in got
    with store.read() as conn:
        kept = conn.execute(sa.select(region_finances.c.region_code, region_finances.c.period)).all()
    assert sorted(kept) == [("990101", 2022), ("990101", 2023), ("990201", 2025)]
    store.save_region_tree(ADMIN, tree())  # every region named again, without figures: all go
    assert store.region_tree() == tree()
    assert count_rows(store)["region_finances"] == 0


def test_a_tree_csv_with_finance_columns_round_trips_through_the_store(store: Store) -> None:
    text = (
        "code,name_zh,name_en,level,parent_code,population,revenue_per_head_2023,transfers_per_head_2023\n"
        "990000,示例省,Province,province,,1000000,,\n"
        "990101,甲县,County A,county,990000,400000,1520.5,6400\n"
    )
    parsed = parse_region_csv(text)
    store.save_region_tree(ADMIN, parsed)
    got = store.region_tree()
    assert got == parsed
    assert got.finance_frame().equals(parsed.finance_frame())


def test_a_refused_file_stores_nothing(store: Store) -> None:
    before = count_rows(store)
    text = (
        "code,name_zh,name_en,level,parent_code,population,revenue_per_head_2023\n"
        "990000,示例省,Province,province,,1000000,-3\n"
    )
    with pytest.raises(DataFileError) as err:
        store.save_region_tree(ADMIN, parse_region_csv(text, "tree.csv"))
    assert "tree.csv" in str(err.value) and "revenue_per_head_2023" in str(err.value)
    assert count_rows(store) == before


def test_the_database_refuses_a_negative_or_an_empty_year(store: Store) -> None:
    store.save_region_tree(ADMIN, tree())
    for rev, tr in ((-1.0, 5.0), (None, None)):
        with pytest.raises(sa.exc.IntegrityError), store.engine.begin() as conn:
            conn.execute(
                sa.insert(region_finances).values(
                    region_code="990101",
                    period=2024,
                    revenue_per_head=rev,
                    transfers_per_head=tr,
                    updated_at=sa.func.now(),
                )
            )
    assert count_rows(store)["region_finances"] == 0
