"""Interval methods of assessment.scoring.stats (issue 19 points 1 and 2) against published values.

Sources of the expected figures:

* Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
  methods", Statistics in Medicine 17:857-872, table II: the score (Wilson) and exact
  (Clopper-Pearson) intervals of 81/263, 15/148, 0/20 and 1/29.
* Exact Poisson limits of a count (Garwood 1936, as tabulated in Breslow & Day 1987 and Armitage &
  Berry 2002, the reference of PHEindicatormethods' exact method).
* PHEindicatormethods (UKHSA, R/Rates.R ``phe_rate``): exact limits ``qchisq(α/2, 2x)/2`` and
  ``qchisq(1 − α/2, 2x + 2)/2`` for x < 10, Byar's ``byars_lower``/``byars_upper`` from 10;
  tests/testthat/testByars.R checks the counts 65, 1045 and 1 (95%) and 65, 1045, 10 (99.8%).
* The issue's cases: 0 of 1 has the Wilson interval 0-79.3%; 3 deaths in 500 births = 6 per
  1,000, exact interval 1.2-17.5.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest

from assessment.scoring.stats import (
    beta_ppf,
    betainc,
    byars_interval,
    clopper_pearson_interval,
    exact_poisson_interval,
    gamma_ppf,
    gammainc,
    jeffreys_interval,
    poisson_interval,
    proportion_interval,
    wilson_interval,
)

NEWCOMBE = [  # x, n, Wilson (low, high), Clopper-Pearson (low, high), 4 decimals as published
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize(("x", "n", "wilson", "exact"), NEWCOMBE)
def test_wilson_and_clopper_pearson_reproduce_newcombe(x: int, n: int, wilson: tuple, exact: tuple) -> None:
    w = wilson_interval(x, n)
    cp = clopper_pearson_interval(x, n)
    assert (round(float(w[0]), 4), round(float(w[1]), 4)) == wilson
    assert (round(float(cp[0]), 4), round(float(cp[1]), 4)) == exact


def test_the_issue_single_case() -> None:
    low, high = wilson_interval(0, 1)
    assert float(low) == 0.0 and round(float(high), 3) == 0.793


@pytest.mark.parametrize("n", [1, 5, 30, 636])
def test_clopper_pearson_closed_forms_at_the_edges(n: int) -> None:
    low0, high0 = clopper_pearson_interval(0, n)
    lown, highn = clopper_pearson_interval(n, n)
    assert float(low0) == 0.0 and float(highn) == 1.0
    assert float(high0) == pytest.approx(1 - 0.025 ** (1 / n), abs=1e-12)
    assert float(lown) == pytest.approx(0.025 ** (1 / n), abs=1e-12)


def _binom_cdf(k: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))


@pytest.mark.parametrize(("x", "n"), [(1, 10), (3, 10), (17, 40), (630, 636), (45, 50)])
def test_clopper_pearson_bounds_solve_the_binomial_tails(x: int, n: int) -> None:
    low, high = clopper_pearson_interval(x, n)
    assert _binom_cdf(x, n, float(high)) == pytest.approx(0.025, abs=1e-9)
    assert 1 - _binom_cdf(x - 1, n, float(low)) == pytest.approx(0.025, abs=1e-9)


@pytest.mark.parametrize(("x", "n"), [(0, 1), (1, 10), (7, 12), (45, 50)])
def test_jeffreys_bounds_are_beta_quantiles(x: int, n: int) -> None:
    """The Jeffreys bounds integrate Beta(x + ½, n − x + ½) to 2.5% and 97.5% (midpoint rule on a
    fine grid, independent of the incomplete beta function)."""
    a, b = x + 0.5, n - x + 0.5
    grid = np.linspace(0, 1, 400_001)
    mid = (grid[1:] + grid[:-1]) / 2
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    density = np.exp(log_norm + (a - 1) * np.log(mid) + (b - 1) * np.log1p(-mid))
    cdf = np.concatenate([[0.0], np.cumsum(density) / density.sum()])
    low, high = jeffreys_interval(x, n)
    if x > 0:
        assert np.interp(float(low), grid, cdf) == pytest.approx(0.025, abs=2e-4)
    else:
        assert float(low) == 0.0
    assert np.interp(float(high), grid, cdf) == pytest.approx(0.975, abs=2e-4)


def test_intervals_are_vectorised_and_nan_for_bad_input() -> None:
    x = np.array([np.nan, -1, 5, 3, 0])
    n = np.array([10, 10, 4, 10, 0])
    for method in ("wilson", "jeffreys", "clopper_pearson"):
        low, high = proportion_interval(x, n, 0.95, method)
        assert np.isnan(low[:3]).all() and np.isnan(high[:3]).all() and np.isnan(low[4])
        assert 0 < low[3] < 0.3 < high[3] < 1
    with pytest.raises(ValueError):
        proportion_interval(1, 2, 0.95, "wald")


def test_the_wider_level_gives_the_wider_interval() -> None:
    for method in ("wilson", "jeffreys", "clopper_pearson"):
        l95, h95 = proportion_interval(30, 100, 0.95, method)
        l998, h998 = proportion_interval(30, 100, 0.998, method)
        assert l998 < l95 < 0.3 < h95 < h998


@pytest.mark.parametrize(
    ("count", "low", "high"),
    [
        (0, 0.0, 3.689),
        (1, 0.0253, 5.572),
        (2, 0.242, 7.225),
        (3, 0.619, 8.767),
        (5, 1.623, 11.668),
        (10, 4.795, 18.390),
    ],
)
def test_exact_poisson_reproduces_the_published_table(count: int, low: float, high: float) -> None:
    lo, hi = exact_poisson_interval(count)
    assert float(lo) == pytest.approx(low, abs=6e-4)
    assert float(hi) == pytest.approx(high, abs=6e-4)


def test_the_issue_infant_deaths_example() -> None:
    """3 deaths in 500 live births: 6 per 1,000, exact interval 1.2-17.5 (PHE's method: 3 < 10)."""
    low, high, exact = poisson_interval(3)
    assert bool(exact)
    assert round(float(low) / 500 * 1000, 1) == 1.2
    assert round(float(high) / 500 * 1000, 1) == 17.5


def _byars(o: float, conf: float) -> tuple[float, float]:
    """PHEindicatormethods' byars_lower / byars_upper, written out."""
    z = NormalDist().inv_cdf(1 - (1 - conf) / 2)
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    return lower, upper


@pytest.mark.parametrize(("counts", "conf"), [((65, 1045, 1), 0.95), ((65, 1045, 10), 0.998)])
def test_byars_matches_phe_formula_on_the_phe_test_counts(counts: tuple, conf: float) -> None:
    low, high = byars_interval(np.array(counts, dtype=float), conf)
    for o, lo, hi in zip(counts, low, high, strict=True):
        want = _byars(o, conf)
        assert lo == pytest.approx(want[0], rel=1e-12) and hi == pytest.approx(want[1], rel=1e-12)


@pytest.mark.parametrize("count", [10, 65, 1045])
def test_byars_is_close_to_exact_from_ten_events(count: int) -> None:
    """Why PHE switches at 10: from there Byar's is within 0.5% of the exact limits."""
    b_low, b_high = byars_interval(count)
    e_low, e_high = exact_poisson_interval(count)
    assert float(b_low) == pytest.approx(float(e_low), rel=5e-3)
    assert float(b_high) == pytest.approx(float(e_high), rel=5e-3)


def test_poisson_interval_switches_method_at_ten() -> None:
    counts = np.array([0, 9, 10, 65, np.nan])
    low, high, exact = poisson_interval(counts)
    assert exact.tolist() == [True, True, False, False, False]
    e = exact_poisson_interval(9)
    b = byars_interval(10)
    assert low[1] == pytest.approx(float(e[0])) and high[2] == pytest.approx(float(b[1]))
    assert low[0] == 0.0 and np.isnan(low[4])


@pytest.mark.parametrize(("a", "b", "x"), [(1, 1, 0.3), (3, 8, 0.2), (20, 5, 0.9), (636, 1, 0.99)])
def test_betainc_is_the_binomial_tail_for_whole_parameters(a: int, b: int, x: float) -> None:
    n = a + b - 1
    tail = 1 - _binom_cdf(a - 1, n, x)
    assert float(betainc(a, b, x)) == pytest.approx(tail, abs=1e-12)
    assert float(beta_ppf(float(betainc(a, b, x)), a, b)) == pytest.approx(x, abs=1e-10)


@pytest.mark.parametrize(("k", "t"), [(1, 0.5), (3, 2.0), (10, 12.5), (25, 20.0)])
def test_gammainc_is_the_poisson_tail_for_whole_parameters(k: int, t: float) -> None:
    tail = 1 - sum(math.exp(-t) * t**j / math.factorial(j) for j in range(k))
    assert float(gammainc(k, t)) == pytest.approx(tail, abs=1e-12)
    assert float(gamma_ppf(float(gammainc(k, t)), k)) == pytest.approx(t, abs=1e-9)
