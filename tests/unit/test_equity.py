"""Equity: Gini, Theil (with decomposition), CV against textbook values; equity tables by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.domain.errors import DataFileError
from assessment.scoring.equity import EQUITY_COLUMNS, equity, sigma_convergence
from assessment.scoring.indicators import score_indicators
from assessment.scoring.stats import cv, gini, inequality, theil, theil_decomposition
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_EDITION_ID as EDITION_ID
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import full_values
from tests.fixtures import values_frame as values


@pytest.mark.parametrize(
    ("vals", "weights", "expected"),
    [
        ([1, 1, 1, 1], None, 0.0),
        ([1, 2, 3, 4], None, 0.25),  # Σ|yi−yj| / (2 n² ȳ) = 20 / (2·16·2.5)
        ([0, 0, 0, 1], None, 0.75),  # one unit has everything: (n − 1)/n
        ([1, 2], [2, 1], 1 / 6),  # population-weighted == the unweighted [1, 1, 2]
        ([1, 1, 2], None, 1 / 6),
        ([3, 1, 2], [1, 1, 1], 2 / 9),  # order does not matter
        ([5, 5], [1, 9], 0.0),
    ],
)
def test_gini_textbook(vals: list[float], weights: list[float] | None, expected: float) -> None:
    assert gini(vals, weights) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("vals", "weights", "expected"),
    [
        ([1, 1, 1, 1], None, 0.0),
        ([0, 0, 0, 1], None, math.log(4)),  # maximal inequality: ln n
        ([1, 2, 3, 4], None, 0.10644013528622318),  # (1/4) Σ (y/2.5) ln(y/2.5)
        ([1, 3], None, 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5))),
        ([1, 3], [1, 1], 0.5 * (0.5 * math.log(0.5) + 1.5 * math.log(1.5))),
    ],
)
def test_theil_textbook(vals: list[float], weights: list[float] | None, expected: float) -> None:
    assert theil(vals, weights) == pytest.approx(expected, abs=1e-12)


def test_theil_decomposition_by_hand() -> None:
    # groups {1, 2} and {3, 4}: means 1.5 and 3.5, overall 2.5, each half the population
    total, between, within = theil_decomposition([1, 2, 3, 4], ["a", "a", "b", "b"])
    s_a, s_b = 3 / 10, 7 / 10
    expected_between = s_a * math.log(s_a / 0.5) + s_b * math.log(s_b / 0.5)
    expected_within = s_a * theil([1, 2]) + s_b * theil([3, 4])
    assert between == pytest.approx(expected_between, abs=1e-12)
    assert within == pytest.approx(expected_within, abs=1e-12)
    assert between + within == pytest.approx(total, abs=1e-12)


@pytest.mark.parametrize(
    ("vals", "weights", "expected"),
    [
        ([1, 2, 3, 4], None, math.sqrt(1.25) / 2.5),
        ([2, 2], None, 0.0),
        ([1, 3], [3, 1], math.sqrt(0.75) / 1.5),
    ],
)
def test_cv_textbook(vals: list[float], weights: list[float] | None, expected: float) -> None:
    assert cv(vals, weights) == pytest.approx(expected, abs=1e-12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.just(0.0), st.floats(1e-6, 1e4)),  # realistic magnitudes, zeros allowed
            st.floats(1.0, 1e6, allow_nan=False),
            st.sampled_from(["a", "b", "c"]),
        ),
        min_size=2,  # one region: undefined (tests/unit/test_equity_edges.py)
        max_size=30,
    )
)
def test_grouped_inequality_matches_the_scalar_formulas(rows: list[tuple[float, float, str]]) -> None:
    df = pd.DataFrame(rows, columns=["value", "population", "parent_code"]).assign(code="X")
    out = inequality(df, ["code"]).iloc[0]
    y, w, g = df["value"].to_numpy(), df["population"].to_numpy(), df["parent_code"].to_numpy()
    if np.sum(w * y) > 0:
        total, between, within = theil_decomposition(y, g, w)
        assert out["gini"] == pytest.approx(gini(y, w), abs=1e-9)
        assert out["theil"] == pytest.approx(total, abs=1e-9)
        assert out["theil_between"] == pytest.approx(between, abs=1e-9)
        assert out["theil_within"] == pytest.approx(within, abs=1e-9)
        # the decomposition adds up to the total
        assert out["theil_between"] + out["theil_within"] == pytest.approx(out["theil"], abs=1e-12)
        assert out["cv"] == pytest.approx(cv(y, w), rel=1e-9, abs=1e-12)
        assert 0.0 <= out["gini"] < 1.0
    else:
        assert np.isnan(out["gini"]) and np.isnan(out["theil"])
    assert out["n_regions"] == len(df)


def test_inequality_unweighted_and_max_min() -> None:
    df = pd.DataFrame({"code": "X", "value": [1.0, 2.0, 3.0, 4.0], "population": [1, 1, 1, 97]})
    out = inequality(df, ["code"], weight=None, subgroup=None).iloc[0]
    assert out["gini"] == pytest.approx(0.25)
    assert out["theil_between"] == 0.0 and out["theil_within"] == pytest.approx(out["theil"])
    assert out["max_min_ratio"] == 4.0
    assert out["mean"] == out["weighted_mean"] == 2.5
    weighted = inequality(df, ["code"], subgroup=None).iloc[0]
    assert weighted["weighted_mean"] == pytest.approx((1 + 2 + 3 + 4 * 97) / 100)
    assert weighted["mean"] == 2.5


def test_inequality_nan_for_negative_and_zero_cases() -> None:
    df = pd.DataFrame({"code": ["N", "N", "Z", "Z"], "value": [-1.0, 2.0, 0.0, 0.0], "population": 1.0})
    out = inequality(df, ["code"], subgroup=None).set_index("code")
    assert (
        np.isnan(out.loc["N", "gini"])
        and np.isnan(out.loc["N", "theil"])
        and np.isnan(out.loc["N", "sd_log"])
    )
    assert np.isnan(out.loc["Z", "gini"]) and np.isnan(out.loc["Z", "max_min_ratio"])


# -- equity tables -------------------------------------------------------------------------------
def equity_values() -> pd.DataFrame:
    """S01.1 coverage: A1 85 (below 90), A2 95, B1 80 (below), B2 no report."""
    return values(
        [
            ("990101", 2024, "S01.1", 85.0),
            ("990102", 2024, "S01.1", 95.0),
            ("990201", 2024, "S01.1", 80.0),
        ]
    )


def test_equity_by_indicator_by_hand() -> None:
    s = score_indicators(equity_values(), EDITION, TREE)
    eq = equity(s, TREE, EDITION)
    assert list(eq.columns) == list(EQUITY_COLUMNS)
    r = eq.set_index("code").loc["S01.1"]
    assert r["n_regions"] == 3
    assert r["mean"] == pytest.approx((85 + 95 + 80) / 3)
    # populations 100k, 500k, 300k
    assert r["weighted_mean"] == pytest.approx((85 * 1 + 95 * 5 + 80 * 3) / 9)
    assert r["n_below_floor"] == 2
    assert r["pop_share_below_floor"] == pytest.approx(4 / 9)
    assert r["max_min_ratio"] == pytest.approx(95 / 80)
    y, w = np.array([85.0, 95.0, 80.0]), np.array([1.0, 5.0, 3.0])
    assert r["gini"] == pytest.approx(gini(y, w))
    total, between, within = theil_decomposition(y, ["990100", "990100", "990200"], w)
    assert (r["theil"], r["theil_between"], r["theil_within"]) == pytest.approx((total, between, within))
    assert r["edition"] == EDITION_ID
    # indicators nobody reported still get a row
    assert eq.set_index("code").loc["S02.1", "n_regions"] == 0


def test_equity_within_a_jurisdiction_and_unweighted() -> None:
    s = score_indicators(equity_values(), EDITION, TREE)
    r = equity(s, TREE, EDITION, within="990100", weighted=False).set_index("code").loc["S01.1"]
    assert r["n_regions"] == 2
    assert r["weighted_mean"] == pytest.approx(90.0)
    assert r["theil_between"] == pytest.approx(0.0)  # one parent: nothing between groups
    assert r["pop_share_below_floor"] == pytest.approx(1 / 6)  # population share stays population


def test_equity_group_level_province_puts_everything_in_one_group() -> None:
    s = score_indicators(equity_values(), EDITION, TREE)
    r = equity(s, TREE, EDITION, group_level="province").set_index("code").loc["S01.1"]
    assert r["theil_between"] == pytest.approx(0.0)
    assert r["theil_within"] == pytest.approx(r["theil"])


def test_equity_by_aspect_uses_aspect_scores() -> None:
    s = score_indicators(full_values(), EDITION, TREE)
    eq = equity(s, TREE, EDITION, by="aspect")
    assert set(eq["code"]) == {"A1", "A2"}
    assert (eq["by"] == "aspect").all()
    assert (eq["n_regions"] == 4).all()


def test_equity_unknown_jurisdiction_is_refused() -> None:
    s = score_indicators(equity_values(), EDITION, TREE)
    with pytest.raises(DataFileError, match="999999"):
        equity(s, TREE, EDITION, within="999999")


def test_sigma_convergence() -> None:
    early = values([("990101", 2022, "S01.1", 60.0), ("990102", 2022, "S01.1", 100.0)])
    late = values([("990101", 2024, "S01.1", 80.0), ("990102", 2024, "S01.1", 100.0)])
    s = score_indicators(pd.concat([early, late]), EDITION, TREE)
    eq = equity(s, TREE, EDITION, weighted=False)
    sig = sigma_convergence(eq).set_index("code")
    r = sig.loc["S01.1"]
    assert (r["first_period"], r["last_period"], r["n_periods"]) == (2022, 2024, 2)
    assert r["cv_first"] == pytest.approx(20 / 80)
    assert r["cv_last"] == pytest.approx(10 / 90)
    assert bool(r["converging"]) is True
    assert "S02.1" not in sig.index  # never reported: no CV
