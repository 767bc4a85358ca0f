"""Equity at its edges (issue 19 point 5): undefined inequality for fewer than 2 regions, σ-convergence
on the balanced panel with n per period, and the populations of each period as weights."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessment.domain.model import Region, RegionTree
from assessment.scoring.equity import SIGMA_COLUMNS, equity, sigma_convergence
from assessment.scoring.indicators import score_indicators
from assessment.scoring.stats import cv, gini, inequality, theil, theil_decomposition
from assessment.views.equity import undefined_reasons
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import values_frame as values

DISPERSION = ("sd", "cv", "gini", "theil", "theil_between", "theil_within", "max_min_ratio", "sd_log")


# values of one group -> n_regions, whether the dispersion is defined, cv, gini
@pytest.mark.parametrize(
    ("vals", "n", "defined", "cv_", "gini_"),
    [
        ([5.0], 1, False, math.nan, math.nan),  # the issue: one region was reported as 0
        ([5.0, 5.0], 2, True, 0.0, 0.0),
        ([1.0, 3.0], 2, True, 0.5, 0.25),
        ([1.0, 2.0, 3.0, 4.0], 4, True, math.sqrt(1.25) / 2.5, 0.25),
    ],
)
def test_inequality_is_undefined_below_2_regions(
    vals: list[float], n: int, defined: bool, cv_: float, gini_: float
) -> None:
    df = pd.DataFrame({"code": "X", "value": vals, "population": 1.0, "parent_code": "P"})
    r = inequality(df, ["code"]).iloc[0]
    assert r["n_regions"] == n
    assert r["mean"] == pytest.approx(np.mean(vals))  # the level is still defined
    for col in DISPERSION:
        assert np.isnan(r[col]) is not defined, col
    assert (pd.isna(r["undefined_reason"])) is defined
    if not defined:
        assert r["undefined_reason"] == "fewer_than_2_regions"
    else:
        assert r["cv"] == pytest.approx(cv_) and r["gini"] == pytest.approx(gini_)


@pytest.mark.parametrize("fn", [cv, gini, theil])
def test_scalar_measures_of_one_region_are_undefined(fn: object) -> None:
    assert math.isnan(fn([7.0]))  # type: ignore[operator]
    assert math.isnan(fn([7.0], [3.0]))  # type: ignore[operator]
    assert not math.isnan(fn([7.0, 9.0]))  # type: ignore[operator]


def test_theil_decomposition_of_one_region_is_undefined_but_a_group_of_one_counts_zero() -> None:
    assert all(math.isnan(x) for x in theil_decomposition([7.0], ["a"]))
    total, between, within = theil_decomposition([1.0, 2.0, 3.0], ["a", "a", "b"])
    assert between + within == pytest.approx(total)
    s_a = 3.0 / 6.0
    assert within == pytest.approx(s_a * theil([1.0, 2.0]))  # group b (one region) adds 0


def test_equity_rows_of_one_or_no_region_carry_the_reason() -> None:
    v = values(
        [("990101", 2024, "S01.1", 85.0), ("990101", 2024, "S02.1", 5.0), ("990102", 2024, "S02.1", 7.0)]
    )
    eq = equity(score_indicators(v, EDITION, TREE), TREE, EDITION).set_index("code")
    one = eq.loc["S01.1"]
    assert one["n_regions"] == 1 and one["undefined_reason"] == "fewer_than_2_regions"
    assert all(np.isnan(one[c]) for c in DISPERSION)
    assert one["n_below_floor"] == 1  # the count below the floor is still given
    assert eq.loc["S03.1", "n_regions"] == 0 and eq.loc["S03.1", "undefined_reason"] == "fewer_than_2_regions"
    two = eq.loc["S02.1"]
    assert pd.isna(two["undefined_reason"]) and two["cv"] > 0
    shown = undefined_reasons(eq["undefined_reason"], "zh")
    assert shown["S01.1"].startswith("—") and "不足 2 个地区" in shown["S01.1"]
    assert shown["S02.1"] == ""
    assert (
        undefined_reasons(eq["undefined_reason"], "en")["S01.1"]
        == "— fewer than 2 regions: inequality undefined"
    )


def panel(rows: list[tuple[str, int, float]], code: str = "S01.1") -> pd.DataFrame:
    return values([(r, p, code, x) for r, p, x in rows])


# (region, period, value) rows of S01.1 -> n_first, n_last, n_balanced, n_dropped, balanced verdict,
# and what the comparison of all reporting regions would have said
@pytest.mark.parametrize(
    ("rows", "n_first", "n_last", "n_balanced", "n_dropped", "converging", "unbalanced"),
    [
        # 990201 (far below) reports only in 2022: with it the CV falls, without it it rises
        (
            [
                ("990101", 2022, 90.0),
                ("990102", 2022, 100.0),
                ("990201", 2022, 20.0),
                ("990101", 2024, 80.0),
                ("990102", 2024, 100.0),
            ],
            3,
            2,
            2,
            1,
            False,
            True,
        ),
        # the same regions every year: nothing dropped, both comparisons agree
        (
            [
                ("990101", 2022, 60.0),
                ("990102", 2022, 100.0),
                ("990101", 2024, 80.0),
                ("990102", 2024, 100.0),
            ],
            2,
            2,
            2,
            0,
            True,
            True,
        ),
        # a region missing in the middle year leaves the panel too (every period of the window)
        (
            [
                ("990101", 2022, 60.0),
                ("990102", 2022, 100.0),
                ("990201", 2022, 70.0),
                ("990101", 2023, 70.0),
                ("990102", 2023, 100.0),
                ("990101", 2024, 80.0),
                ("990102", 2024, 100.0),
                ("990201", 2024, 99.0),
            ],
            3,
            3,
            2,
            1,
            True,
            True,
        ),
        # one region in every year: no panel to compare
        (
            [("990101", 2022, 60.0), ("990102", 2022, 100.0), ("990101", 2024, 80.0), ("990201", 2024, 90.0)],
            2,
            2,
            1,
            2,
            None,
            True,
        ),
    ],
)
def test_sigma_convergence_on_the_balanced_panel(
    rows: list[tuple[str, int, float]],
    n_first: int,
    n_last: int,
    n_balanced: int,
    n_dropped: int,
    converging: bool | None,
    unbalanced: bool,
) -> None:
    eq = equity(score_indicators(panel(rows), EDITION, TREE), TREE, EDITION, weighted=False)
    sig = sigma_convergence(eq)
    assert list(sig.columns) == list(SIGMA_COLUMNS)
    r = sig.set_index("code").loc["S01.1"]
    assert (r["first_period"], r["last_period"]) == (2022, 2024)
    assert (r["n_first"], r["n_last"], r["n_balanced"], r["n_dropped"]) == (
        n_first,
        n_last,
        n_balanced,
        n_dropped,
    )
    if converging is None:
        assert pd.isna(r["converging"])
    else:
        assert bool(r["converging"]) is converging
    # the old comparison (every reporting region of each year), from the same equity rows
    e = eq.loc[eq["code"] == "S01.1"].set_index("period")["cv"]
    assert bool(e[2024] < e[2022]) is unbalanced


def test_balanced_cv_is_the_cv_of_the_panel_regions() -> None:
    rows = [("990101", 2022, 90.0), ("990102", 2022, 100.0), ("990201", 2022, 20.0)]
    rows += [("990101", 2024, 80.0), ("990102", 2024, 100.0)]
    eq = equity(score_indicators(panel(rows), EDITION, TREE), TREE, EDITION).set_index(["code", "period"])
    r22 = eq.loc[("S01.1", 2022)]
    assert r22["cv_balanced"] == pytest.approx(cv([90.0, 100.0], [100_000, 500_000]))
    assert r22["cv"] == pytest.approx(cv([90.0, 100.0, 20.0], [100_000, 500_000, 300_000]))
    assert r22["n_balanced"] == 2 and r22["n_dropped"] == 1 and r22["n_regions"] == 3
    sig = sigma_convergence(eq.reset_index()).set_index("code").loc["S01.1"]
    assert sig["cv_first"] == pytest.approx(r22["cv_balanced"])


def test_the_window_of_a_code_is_the_periods_anyone_reports_it() -> None:
    rows = [("990101", 2022, 60.0), ("990102", 2022, 100.0), ("990101", 2024, 80.0), ("990102", 2024, 100.0)]
    late = [("990101", 2023, 5.0), ("990102", 2023, 9.0), ("990101", 2024, 5.0), ("990102", 2024, 6.0)]
    v = pd.concat([panel(rows), panel(late, "S02.1")])
    sig = sigma_convergence(equity(score_indicators(v, EDITION, TREE), TREE, EDITION)).set_index("code")
    assert (sig.loc["S02.1", "first_period"], sig.loc["S02.1", "n_balanced"]) == (2023, 2)
    assert bool(sig.loc["S02.1", "converging"]) is True
    assert "S03.1" not in sig.index  # nobody reports it: no row


def test_a_frame_without_the_balanced_columns_is_compared_as_it_stands() -> None:
    rows = [("990101", 2022, 60.0), ("990102", 2022, 100.0), ("990101", 2024, 80.0), ("990102", 2024, 100.0)]
    eq = equity(score_indicators(panel(rows), EDITION, TREE), TREE, EDITION)
    old = eq.drop(columns=["n_balanced", "n_dropped", "cv_balanced", "sd_log_balanced"])
    r = sigma_convergence(old).set_index("code").loc["S01.1"]
    assert pd.isna(r["n_balanced"]) and r["n_first"] == 2 and bool(r["converging"]) is True


def test_each_period_is_weighted_by_its_own_populations() -> None:
    # county A1 grows from 100k to 900k between 2022 and 2024; A2 stays at 100k
    tree = RegionTree(
        (
            Region("990000", "测试省", "Test Province", "province", None, 1_000_000),
            Region("990100", "甲市", "City A", "prefecture", "990000", 600_000),
            Region(
                "990101", "甲一县", "County A1", "county", "990100", 100_000, populations=((2024, 900_000),)
            ),
            Region("990102", "甲二县", "County A2", "county", "990100", 100_000),
        )
    )
    rows = [("990101", 2022, 80.0), ("990102", 2022, 100.0), ("990101", 2024, 80.0), ("990102", 2024, 100.0)]
    eq = equity(score_indicators(panel(rows), EDITION, tree), tree, EDITION).set_index(["code", "period"])
    assert eq.loc[("S01.1", 2022), "weighted_mean"] == pytest.approx(90.0)  # 1:1
    assert eq.loc[("S01.1", 2024), "weighted_mean"] == pytest.approx((80 * 9 + 100) / 10)  # 9:1
    assert eq.loc[("S01.1", 2024), "cv"] == pytest.approx(cv([80.0, 100.0], [9, 1]))
    assert eq.loc[("S01.1", 2024), "cv_balanced"] == pytest.approx(cv([80.0, 100.0], [9, 1]))
    assert eq.loc[("S01.1", 2022), "pop_share_below_floor"] == pytest.approx(0.5)
    assert eq.loc[("S01.1", 2024), "pop_share_below_floor"] == pytest.approx(0.9)
