"""Fiscal affordability (issue 19 point 7): region finances in the region CSV, the cost to close
against own revenue, the "best yuan" list, and what a local standard costs the regions below it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.catalogue.regions import parse_region_csv
from assessment.demo import demo_tree
from assessment.domain.errors import DataFileError
from assessment.domain.model import Region, RegionTree
from assessment.scoring.affordability import (
    AFFORDABILITY_COLUMNS,
    affordability,
    band,
    best_yuan,
    local_standard_costs,
)
from assessment.scoring.indicators import score_indicators
from assessment.views.admin import region_csv
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_TREE
from tests.fixtures import local_standard as local
from tests.fixtures import values_frame as values

HEAD = "code,name_zh,name_en,level,parent_code,population"
ROOT = "990000,示例省,Sample Province,province,,1000000"


def county(code: str = "990101", pop: int = 100_000, finances: tuple = ()) -> Region:
    return Region(code, "甲县", "County", "county", None, pop, finances=finances)


def cost_rows(rows: list[tuple]) -> pd.DataFrame:
    """Cost-to-close rows from (region, period, indicator, cost_total, central_share[, beneficiaries])."""
    full = [(*r, *([np.nan] * (6 - len(r)))) for r in rows]
    df = pd.DataFrame(
        full,
        columns=["region_code", "period", "indicator_code", "cost_total", "share", "beneficiaries_short"],
    )
    df["cost_total"] = df["cost_total"].astype("float64")
    df["cost_central"] = df["cost_total"] * df["share"].astype("float64")
    df["cost_local"] = df["cost_total"] - df["cost_central"]
    df["status"] = "below_floor"
    return df.drop(columns="share")


# --- the region CSV --------------------------------------------------------------------------------


def test_finance_columns_are_read_per_year() -> None:
    text = (
        f'{HEAD},revenue_per_head_2023,transfers_per_head_2023,revenue_per_head_2024\n{ROOT},5200,"1,800",\n'
    )
    tree = parse_region_csv(text)
    assert tree.root.finances == ((2023, 5200.0, 1800.0),)
    frame = tree.finance_frame()
    assert frame.to_dict("records") == [
        {"region_code": "990000", "period": 2023, "revenue_per_head": 5200.0, "transfers_per_head": 1800.0}
    ]


def test_a_year_with_one_figure_keeps_the_other_missing() -> None:
    tree = parse_region_csv(f"{HEAD},transfers_per_head_2022\n{ROOT},900.5\n")
    assert tree.root.finances == ((2022, None, 900.5),)


@pytest.mark.parametrize(
    ("column", "value", "key"),
    [
        ("revenue_per_head_2023", "-5", "fiscal.bad_figure"),
        ("revenue_per_head_2023", "abc", "fiscal.bad_figure"),
        ("transfers_per_head_2024", "1.2万", "fiscal.bad_figure"),
        ("transfers_per_head_2024", "inf", "fiscal.bad_figure"),
        ("revenue_per_head_23", "5200", "fiscal.bad_column"),
        ("transfers_per_head_", "5200", "fiscal.bad_column"),
    ],
)
def test_bad_finance_cells_are_refused_with_file_row_column_and_value(
    column: str, value: str, key: str
) -> None:
    with pytest.raises(DataFileError) as err:
        parse_region_csv(f"{HEAD},{column}\n{ROOT},{value}\n", "tree.csv")
    (p,) = err.value.problems
    assert p.code == key and p.file == "tree.csv" and p.column == column
    if key == "fiscal.bad_figure":
        assert p.row == 2 and p.value == value
        assert value in p.message("zh") and value in p.message("en")
    assert p.message("zh") != p.message("en")


def test_every_bad_cell_is_reported_at_once() -> None:
    text = f"{HEAD},revenue_per_head_2023,transfers_per_head_2023\n{ROOT},x,-1\n"
    with pytest.raises(DataFileError) as err:
        parse_region_csv(text)
    assert [(p.row, p.column) for p in err.value.problems] == [
        (2, "revenue_per_head_2023"),
        (2, "transfers_per_head_2023"),
    ]


def test_the_region_export_gives_the_finances_back() -> None:
    tree = demo_tree()
    again = parse_region_csv(region_csv(tree))
    assert {r.code: r for r in again} == {r.code: r for r in tree}  # the export lists by tree level
    assert any(r.finances for r in again)


def test_the_demo_counties_have_fictional_finances_rich_and_poor() -> None:
    tree = demo_tree()
    for leaf in tree.leaves():
        assert [y for y, _, _ in leaf.finances] == [2022, 2023, 2024], leaf.code
    money = {r.code: dict((y, (rev, tr)) for y, rev, tr in r.finances) for r in tree.leaves()}
    rich, poor = money["990103"][2023], money["990323"][2023]  # Jiaxin District, Bingfeng Autonomous County
    assert rich[0] > 10 * poor[0]  # a rich district raises far more per head
    assert rich[0] > rich[1] and poor[1] > 5 * poor[0]  # and the poor county lives on transfers


# --- affordability -------------------------------------------------------------------------------

# (revenue per head, transfers per head, population, [(cost_total, central share)], expected:
#  cost share of revenue, local share of revenue, local share of revenue + transfers, band)
CASES = [
    # the methodology's worked example: 100,000 residents x 2,000 = 200 m; 40 m cost, 30 m central
    (2000.0, 3000.0, 100_000, [(40e6, 0.75)], 0.2, 0.05, 0.02, "demanding"),
    # a rich district: 20,000 per head, a 1 m gap paid locally is 0.05% of revenue
    (20000.0, 4000.0, 100_000, [(1e6, 0.0)], 0.0005, 0.0005, 1e6 / 2.4e9, "affordable"),
    # a poor county: 300 per head (30 m), 3 m local cost = 10%: strained at the limit
    (300.0, 2000.0, 100_000, [(3e6, 0.0)], 0.1, 0.1, 3e6 / 230e6, "strained"),
    # a central share of 1 leaves nothing local: affordable however large the cost
    (300.0, 2000.0, 100_000, [(90e6, 1.0)], 3.0, 0.0, 0.0, "affordable"),
    # two gaps add up
    (1000.0, 0.0, 100_000, [(1e6, 0.5), (2e6, 0.5)], 0.03, 0.015, 0.015, "affordable"),
]


@pytest.mark.parametrize(("rev", "tr", "pop", "gaps", "share", "local_share", "resources", "band_"), CASES)
def test_affordability_rules(
    rev: float,
    tr: float,
    pop: int,
    gaps: list,
    share: float,
    local_share: float,
    resources: float,
    band_: str,
) -> None:
    tree = RegionTree((county(pop=pop, finances=((2024, rev, tr),)),))
    costs = cost_rows([("990101", 2024, f"S{i}", c, s) for i, (c, s) in enumerate(gaps)])
    row = affordability(costs, tree).iloc[0]
    assert row["n_gaps"] == row["n_costed"] == len(gaps)
    assert row["revenue"] == pytest.approx(rev * pop)
    assert row["cost_total"] == pytest.approx(sum(c for c, _ in gaps))
    assert row["cost_central"] == pytest.approx(sum(c * s for c, s in gaps))
    assert [row["cost_share_revenue"], row["local_share_revenue"], row["local_share_resources"]] == (
        pytest.approx([share, local_share, resources])
    )
    assert row["band"] == band_


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.0, "affordable"),
        (0.0199, "affordable"),
        (0.02, "demanding"),
        (0.0999, "demanding"),
        (0.1, "strained"),
        (2.5, "strained"),
        (float("nan"), "no_finances"),
    ],
)
def test_band_limits(share: float, expected: str) -> None:
    assert band(share) == expected
    assert band(share, bands=(0.5, 0.9)) == (
        "no_finances"
        if np.isnan(share)
        else "affordable"
        if share < 0.5
        else "demanding"
        if share < 0.9
        else "strained"
    )


def test_missing_finances_are_missing_not_zero_and_a_year_is_not_carried_forward() -> None:
    tree = RegionTree((county(finances=((2023, 2000.0, 3000.0),)),))
    row = affordability(cost_rows([("990101", 2024, "S1", 1e6, 0.5)]), tree).iloc[0]
    assert np.isnan(row["revenue_per_head"]) and np.isnan(row["local_share_revenue"])
    assert row["band"] == "no_finances"
    assert row["cost_total"] == 1e6  # the cost is still given


def test_gaps_without_a_cost_are_counted_but_never_priced_at_zero() -> None:
    tree = RegionTree((county(finances=((2024, 2000.0, 3000.0),)),))
    costs = cost_rows([("990101", 2024, "S1", np.nan, 0.5), ("990101", 2024, "S2", np.nan, 0.5)])
    row = affordability(costs, tree).iloc[0]
    assert (row["n_gaps"], row["n_costed"]) == (2, 0)
    assert np.isnan(row["cost_total"]) and row["band"] == "not_costed"
    partial = affordability(pd.concat([costs, cost_rows([("990101", 2024, "S3", 1e5, 0.0)])]), tree)
    assert (partial.at[0, "n_gaps"], partial.at[0, "n_costed"], partial.at[0, "cost_total"]) == (3, 1, 1e5)


def test_a_region_without_gaps_costs_nothing_and_heaviest_burden_comes_first() -> None:
    tree = RegionTree(
        (
            county("990101", finances=((2024, 1000.0, 0.0),)),
            county("990102", finances=((2024, 1000.0, 0.0),)),
            county("990103", finances=((2024, 1000.0, 0.0),)),
            county("990104"),
        )
    )
    costs = cost_rows([("990101", 2024, "S1", 1e6), ("990102", 2024, "S1", 5e6), ("990104", 2024, "S1", 1e6)])
    costs["cost_central"], costs["cost_local"] = 0.0, costs["cost_total"]
    out = affordability(costs, tree, regions=["990101", "990102", "990103", "990104"], periods=[2024])
    assert list(out.columns) == list(AFFORDABILITY_COLUMNS)
    assert out["region_code"].tolist() == ["990102", "990101", "990103", "990104"]
    quiet = out.set_index("region_code").loc["990103"]
    assert (quiet["n_gaps"], quiet["cost_total"], quiet["band"]) == (0, 0.0, "affordable")


def test_the_population_of_the_period_is_used() -> None:
    reg = replace(county(pop=100_000, finances=((2024, 1000.0, 0.0),)), populations=((2024, 200_000),))
    row = affordability(cost_rows([("990101", 2024, "S1", 1e6, 0.0)]), RegionTree((reg,))).iloc[0]
    assert row["revenue"] == 2e8 and row["local_share_revenue"] == pytest.approx(0.005)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(1e3, 1e8), min_size=1, max_size=6),
    st.randoms(use_true_random=False),
    st.floats(0.1, 100.0),
)
def test_order_of_rows_other_regions_and_scale_change_nothing(costs_, rnd, scale) -> None:
    """Re-ordering cost rows changes nothing; adding a region never changes another region's row;
    scaling costs and revenue together leaves the shares and the band as they were."""
    tree = RegionTree(
        (county("990101", finances=((2024, 500.0, 900.0),)), county("990102", finances=((2024, 800.0, 0.0),)))
    )
    rows = cost_rows([("990101", 2024, f"S{i}", c, 0.3) for i, c in enumerate(costs_)])
    one = affordability(rows, tree)
    shuffled = rows.sample(frac=1.0, random_state=rnd.randint(0, 1000))
    pd.testing.assert_frame_equal(affordability(shuffled, tree), one)
    more = pd.concat([rows, cost_rows([("990102", 2024, "S1", 7e6, 0.0)])], ignore_index=True)
    both = affordability(more, tree)
    pd.testing.assert_frame_equal(both[both["region_code"] == "990101"].reset_index(drop=True), one)
    scaled_tree = RegionTree(
        tuple(replace(r, finances=((2024, 500.0 * scale, 900.0 * scale),)) for r in tree)
    )
    scaled = rows.assign(**{c: rows[c] * scale for c in ("cost_total", "cost_central", "cost_local")})
    again = affordability(scaled, scaled_tree).iloc[0]
    for col in ("cost_share_revenue", "local_share_revenue", "local_share_resources"):
        assert again[col] == pytest.approx(one.at[0, col], rel=1e-9)
    assert again["band"] == one.at[0, "band"]


def test_inputs_are_not_mutated() -> None:
    tree = RegionTree((county(finances=((2024, 1000.0, 0.0),)),))
    rows = cost_rows([("990101", 2024, "S1", 1e6, 0.5)])
    before = rows.copy()
    affordability(rows, tree)
    best_yuan(rows)
    pd.testing.assert_frame_equal(rows, before)


# --- where a yuan closes the most gaps ------------------------------------------------------------


def test_best_yuan_ranks_the_cheapest_gap_first_and_counts_beneficiaries() -> None:
    costs = cost_rows(
        [
            ("990101", 2024, "S1", 50_000.0, 0.5, 100.0),
            ("990102", 2024, "S1", 5_000.0, 0.5, 2.0),
            ("990103", 2024, "S2", 5_000.0, 0.5, 10.0),  # same cost, more people: ahead of 990102
            ("990104", 2024, "S2", np.nan, 0.5, 10.0),  # not costed: not listed
        ]
    )
    out = best_yuan(costs)
    assert out["region_code"].tolist() == ["990103", "990102", "990101"]
    assert out["rank"].tolist() == [1, 2, 3]
    assert out["gaps_per_10k"].tolist() == pytest.approx([2.0, 2.0, 0.2])
    assert out["beneficiaries_per_10k"].tolist() == pytest.approx([20.0, 4.0, 20.0])


# --- what a local standard costs the regions below it ---------------------------------------------


def finance_tree() -> RegionTree:
    money = {"990101": ((2024, 100.0, 500.0),), "990201": ((2024, 50.0, 500.0),)}
    return RegionTree(tuple(replace(r, finances=money.get(r.code, ())) for r in SCORING_TREE))


def test_the_extra_cost_of_a_local_standard() -> None:
    """S01.1: coverage, floor 90, 200 CNY per person short, central share 0.5; the province sets 95."""
    tree = finance_tree()
    rows = [
        ("990101", 2024, "S01.1", None, 184.0, 200.0),  # 92%: meets the floor, 3 points x 200 = 6 people
        ("990102", 2024, "S01.1", None, 160.0, 200.0),  # 80%: below the floor; the standard adds 5 points
        ("990201", 2024, "S01.1", None, 196.0, 200.0),  # 98%: meets both
    ]
    stds = [local("990000", "S01.1", 95.0), local("990100", "S01.1", 97.0)]
    scores = score_indicators(values(rows), EDITION, tree, stds)
    out = local_standard_costs(scores, EDITION, tree, stds).set_index("jurisdiction_code")
    prov = out.loc["990000"]
    assert (prov["n_regions"], prov["n_below_standard"], prov["n_meet_floor_miss_standard"]) == (3, 2, 1)
    # 990101: 6 people x 200 = 1,200; 990102: (30 - 20) people x 200 = 2,000 (not the 97 of the city)
    assert prov["extra_cost_total"] == pytest.approx(3200.0)
    assert prov["extra_cost_central"] == pytest.approx(1600.0)
    assert prov["n_costed"] == 2 and prov["n_without_finances"] == 1
    # only 990101 has figures: 1,200 / (100 x 100,000)
    assert prov["revenue"] == pytest.approx(1e7)
    assert prov["extra_share_revenue"] == pytest.approx(1200.0 / 1e7)
    city = out.loc["990100"]  # 97 over the city's counties: 990101 10 people, 990102 14 more than floor
    assert (city["n_regions"], city["n_below_standard"]) == (2, 2)
    assert city["extra_cost_total"] == pytest.approx((10 + 14) * 200.0)


def test_a_lower_is_better_standard_and_periods_out_of_force() -> None:
    """S02.1: lower is better, ceiling 10, 50 CNY per person; a county standard of 8 from 2024."""
    rows = [("990101", 2023, "S02.1", None, 90.0, 1000.0), ("990101", 2024, "S02.1", None, 90.0, 1000.0)]
    stds = [local("990101", "S02.1", 8.0, start=2024)]
    scores = score_indicators(values(rows), EDITION, finance_tree(), stds)
    out = local_standard_costs(scores, EDITION, finance_tree(), stds)
    assert out["period"].tolist() == [2024]
    row = out.iloc[0]
    assert row["n_meet_floor_miss_standard"] == 1
    assert row["extra_cost_total"] == pytest.approx(10 * 50.0)  # 9% -> 8% of 1,000 = 10 people


def test_a_standard_on_an_indicator_without_cost_gives_no_figure_not_zero() -> None:
    rows = [("990101", 2024, "S03.2", 0.0)]  # boolean: never costed
    stds = [local("990000", "S03.2", 1.0)]
    scores = score_indicators(values(rows), EDITION, finance_tree(), [])
    out = local_standard_costs(scores, EDITION, finance_tree(), stds)
    assert out.empty or np.isnan(out.iloc[0]["extra_cost_total"])
