"""Populations per period: the tree CSV's population_YYYY columns, the lookups of RegionTree (the
latest known figure carried forward and marked), the 10,000s check, and scoring weighing by the
period's population (roll-up, equity, costing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue.regions import parse_region_csv
from assessment.domain.errors import DataFileError
from assessment.domain.model import Region, RegionTree
from assessment.scoring.costing import cost_to_close
from assessment.scoring.equity import equity
from assessment.scoring.indicators import score_indicators
from assessment.scoring.rollup import period_population, rollup_values
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import make_scoring_edition as make_edition
from tests.fixtures import scoring_indicator as indicator
from tests.fixtures import values_frame as values

HEADER = "code,name_zh,name_en,level,parent_code,population,population_2022,population_2023\n"
ROWS = (
    "990000,示例省,Province,province,,1000000,1100000,1200000\n"
    "990101,甲县,County A,county,990000,400000,100000,\n"  # no 2023 figure: 2022's carried forward
    "990102,乙县,County B,county,990000,600000,,500000\n"  # no 2022 figure: the base
)


def two_counties(pop_a: dict[int, int], pop_b: dict[int, int]) -> RegionTree:
    """A province over counties A and B, with the given per-year populations (base 1,000 each)."""
    return RegionTree(
        (
            Region("990000", "省", "Province", "province", None, 2_000_000),
            Region("990101", "甲县", "County A", "county", "990000", 1_000, populations=tuple(pop_a.items())),
            Region("990102", "乙县", "County B", "county", "990000", 1_000, populations=tuple(pop_b.items())),
        )
    )


# -- the loader ---------------------------------------------------------------------------------
def test_per_year_columns_load_onto_the_regions() -> None:
    tree = parse_region_csv(HEADER + ROWS)
    assert tree.get("990000").populations == ((2022, 1_100_000), (2023, 1_200_000))
    assert tree.get("990101").populations == ((2022, 100_000),)
    assert tree.get("990102").populations == ((2023, 500_000),)
    assert tree.get("990101").population == 400_000  # the base is kept
    assert tree.has_yearly_populations


def test_per_year_columns_in_any_order_and_place() -> None:
    text = (
        "population_2023,code,name_zh,name_en,level,parent_code,population,population_2021\n"
        "1200000,990000,省,P,province,,1000000,900000\n"
    )
    assert parse_region_csv(text).root.populations == ((2021, 900_000), (2023, 1_200_000))


def test_a_file_without_per_year_columns_loads_as_before() -> None:
    tree = parse_region_csv(
        "code,name_zh,name_en,level,parent_code,population\n990000,省,P,province,,100000\n"
    )
    assert tree.root.populations == () and not tree.has_yearly_populations
    assert tree.population("990000", 2024) == (100_000, False)
    assert "populations" not in tree.frame().columns


@pytest.mark.parametrize("cell", ["0", "-5", "1200.5", "many", "1e6"])
def test_bad_per_year_population_is_refused_at_its_row_and_column(cell: str) -> None:
    text = HEADER + ROWS.replace(
        "990101,甲县,County A,county,990000,400000,100000,", f"990101,甲县,A,county,990000,400000,{cell},"
    )
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(text, filename="tree.csv")
    (p,) = exc.value.problems
    assert (p.code, p.file, p.row, p.column) == ("regions.bad_population", "tree.csv", 3, "population_2022")
    assert f"'{cell}'" in p.message_en and p.message_zh


def test_a_population_column_without_a_year_is_refused() -> None:
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(
            "code,name_zh,name_en,level,parent_code,population,population_23\n990000,省,P,province,,1000000,1\n"
        )
    (p,) = exc.value.problems
    assert (p.code, p.row, p.column) == ("regions.bad_population_column", 1, "population_23")
    assert "population_2023" in p.message_en and "population_2023" in p.message_zh


# -- the 10,000s check ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "row", "column", "words"),
    [
        # a province of 4,000 people: 4,000万 typed as is
        (
            "990000,示例省,Province,province,,1000000,1100000",
            "990000,示例省,Province,province,,1000000,4000",
            2,
            "population_2022",
            ["4000", "province", "100,000", "10,000s"],
        ),
        # a county under 1,000: 35万 typed as 35
        (
            "990101,甲县,County A,county,990000,400000,100000",
            "990101,甲县,County A,county,990000,400000,35",
            3,
            "population_2022",
            ["35", "county", "1,000"],
        ),
        # the base too, in a file with per-year columns
        (
            "990102,乙县,County B,county,990000,600000",
            "990102,乙县,County B,county,990000,60",
            4,
            "population",
            ["60", "county"],
        ),
    ],
)
def test_figures_in_10000s_are_refused_asking_for_persons(old, new, row, column, words) -> None:
    assert old in ROWS
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(HEADER + ROWS.replace(old, new), filename="tree.csv")
    (p,) = exc.value.problems
    assert (p.code, p.file, p.row, p.column) == ("regions.population_in_10k", "tree.csv", row, column)
    for word in words:
        assert word in p.message_en
    assert "Give persons, not 10,000s" in p.message_en
    assert "万人" in p.message_zh and "人数" in p.message_zh


def test_the_10000s_rule_applies_to_a_file_with_the_base_alone() -> None:
    text = (
        "code,name_zh,name_en,level,parent_code,population\n"
        "990000,示例省,Province,province,,1000000\n"
        "990101,甲县,County A,county,990000,35\n"  # 35万 typed as 35
    )
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(text, filename="tree.csv")
    (p,) = exc.value.problems
    assert (p.code, p.file, p.row, p.column) == ("regions.population_in_10k", "tree.csv", 3, "population")
    assert "35" in p.message_en and "county" in p.message_en and "万人" in p.message_zh


def test_the_10000s_rule_spares_prefectures_townships_and_real_small_counties() -> None:
    text = (
        HEADER
        + ROWS
        + "990103,丙县,County C,county,990000,8000,7900,\n"  # a small county in persons (Tibet has such)
        + "990103001,丁乡,Township,township,990103,300,290,\n"  # townships may be tiny
    )
    tree = parse_region_csv(text)
    assert tree.population("990103001", 2022) == (290, False)


# -- RegionTree lookups --------------------------------------------------------------------------
def test_population_of_a_period_carries_the_latest_figure_forward() -> None:
    tree = parse_region_csv(HEADER + ROWS)
    assert tree.population("990000", 2022) == (1_100_000, False)
    assert tree.population("990000", 2023) == (1_200_000, False)
    assert tree.population("990000", 2025) == (1_200_000, True)  # 2023's, carried forward
    assert tree.population("990101", 2023) == (100_000, True)  # 2022's, carried forward
    assert tree.population("990102", 2022) == (600_000, True)  # nothing earlier: the base, marked
    assert tree.population("990000", 2021) == (1_000_000, True)  # before the first figure: the base


def test_population_frame_agrees_with_the_lookup() -> None:
    tree = parse_region_csv(HEADER + ROWS)
    periods = [2021, 2022, 2023, 2024]
    frame = tree.population_frame(periods)
    assert list(frame.columns) == [
        "region_code",
        "period",
        "population",
        "population_year",
        "population_carried_forward",
    ]
    assert len(frame) == len(tree) * len(periods)
    for row in frame.itertuples():
        assert (row.population, row.population_carried_forward) == tree.population(
            row.region_code, row.period
        )
    years = frame.set_index(["region_code", "period"])["population_year"]
    assert years[("990101", 2024)] == 2022 and pd.isna(years[("990102", 2022)])


def test_population_frame_without_per_year_figures_is_the_base_unmarked() -> None:
    tree = two_counties({}, {})
    frame = tree.population_frame([2023, 2024])
    assert (frame["population"] == [2_000_000] * 2 + [1_000] * 4).all()
    assert not frame["population_carried_forward"].any()
    assert frame["population_year"].isna().all()


def test_period_population_looks_up_rows_and_leaves_unknown_codes_empty() -> None:
    tree = two_counties({2023: 10}, {2024: 30})
    pop, carried = period_population(
        tree, pd.Series(["990101", "990101", "990102", "999999"]), pd.Series([2023, 2024, 2023, 2023])
    )
    assert np.array_equal(pop[:3], [10.0, 10.0, 1_000.0]) and np.isnan(pop[3])
    assert carried.tolist() == [False, True, True, False]


# -- scoring weighs by the period's population ---------------------------------------------------
def _two_years() -> pd.DataFrame:
    """S01.2 (per capita): A 2.0 and B 4.0 in both years; S01.1 (rate): A 80%, B 95%."""
    return values(
        [
            (code, year, ind, v)
            for year in (2023, 2024)
            for code, ind, v in (
                ("990101", "S01.2", 2.0),
                ("990102", "S01.2", 4.0),
                ("990101", "S01.1", 80.0),
                ("990102", "S01.1", 95.0),
            )
        ]
        + [("990101", 2025, "S01.2", 2.0), ("990102", 2025, "S01.2", 4.0)]
    )


# A is small in 2023 and large in 2024; B the other way round; 2025 has no figures (2024's carried)
TREE = two_counties({2023: 100_000, 2024: 300_000}, {2023: 300_000, 2024: 100_000})


def test_rollup_weights_change_with_the_period_population() -> None:
    r = rollup_values(_two_years(), TREE, EDITION).set_index(["region_code", "period", "indicator_code"])
    assert r.loc[("990000", 2023, "S01.2"), "value"] == pytest.approx((2.0 * 1 + 4.0 * 3) / 4)  # 3.5
    assert r.loc[("990000", 2024, "S01.2"), "value"] == pytest.approx((2.0 * 3 + 4.0 * 1) / 4)  # 2.5
    assert r.loc[("990000", 2025, "S01.2"), "value"] == pytest.approx(2.5)  # 2024's populations
    marked = r["population_carried_forward"]
    assert not marked[("990000", 2023, "S01.2")] and not marked[("990000", 2024, "S01.2")]
    assert marked[("990000", 2025, "S01.2")]


def test_rollup_without_per_year_figures_is_unchanged_and_unmarked() -> None:
    base = two_counties({}, {})
    r = rollup_values(_two_years(), base, EDITION).set_index(["region_code", "period", "indicator_code"])
    assert r.loc[("990000", 2023, "S01.2"), "value"] == pytest.approx(3.0)
    assert not r["population_carried_forward"].any()


def test_equity_weights_and_floor_share_use_the_period_population() -> None:
    scores = score_indicators(_two_years(), EDITION, TREE)
    eq = equity(scores, TREE, EDITION).set_index(["code", "period"])
    # S01.1 floor 90: A (80%) is below it; its share of the population is 1/4 in 2023, 3/4 in 2024
    assert eq.loc[("S01.1", 2023), "pop_share_below_floor"] == pytest.approx(0.25)
    assert eq.loc[("S01.1", 2024), "pop_share_below_floor"] == pytest.approx(0.75)
    assert eq.loc[("S01.2", 2023), "weighted_mean"] == pytest.approx(3.5)
    assert eq.loc[("S01.2", 2024), "weighted_mean"] == pytest.approx(2.5)
    assert eq.loc[("S01.2", 2023), "mean"] == eq.loc[("S01.2", 2024), "mean"] == pytest.approx(3.0)
    assert not eq.loc[("S01.2", 2024), "population_carried_forward"]
    assert eq.loc[("S01.2", 2025), "population_carried_forward"]


def test_costing_on_population_uses_the_period_population_and_marks_it() -> None:
    per_resident = indicator("S03.1", "S03", "amount", "higher", 80.0, 120.0, 0.0, unit="CNY/resident")
    edition = make_edition((per_resident,))
    v = values([("990101", year, "S03.1", 70.0) for year in (2023, 2024, 2025)])
    s = score_indicators(v, edition, TREE)
    c = cost_to_close(s, edition, TREE).set_index("period")
    assert c.loc[2023, "beneficiaries"] == 100_000 and c.loc[2024, "beneficiaries"] == 300_000
    assert c.loc[2025, "beneficiaries"] == 300_000
    assert c["population_carried_forward"].tolist() == [False, False, True]
    assert (c["cost_basis"] == "amount_population").all()


def test_scoring_leaves_its_inputs_alone() -> None:
    v = _two_years()
    before = v.copy()
    rollup_values(v, TREE, EDITION)
    pd.testing.assert_frame_equal(v, before)
