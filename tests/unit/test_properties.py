"""Properties of scoring and equity, checked with hypothesis (issue 19): adding a region never changes
another region's score; re-ordering rows changes nothing (also for the coverage rule and the balanced
panel; tests/integration/test_scoring_properties.py checks the rest of the engine); inequality is
scale-invariant."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.scoring.aggregation import aggregate
from assessment.scoring.equity import equity, sigma_convergence
from assessment.scoring.indicators import score_indicators
from assessment.scoring.stats import cv, gini, inequality, theil
from tests.fixtures import SCORING_COUNTIES as COUNTIES
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_TREE as TREE

CODES = [i.code for i in EDITION.indicators]
PERIODS = (2023, 2024)
PROPS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# the engine runs several times per example: fewer examples keep the unit layer fast
HEAVY = settings(PROPS, max_examples=20)
# every column of an aggregate row that belongs to the region alone (ranks and quintiles compare it
# with the others, so they may move when a region is added)
OWN = [
    "region_code",
    "period",
    "level",
    "code",
    "score",
    "status",
    "worst_status",
    "n_indicators",
    "n_reported",
    "n_below_floor",
    "n_below_local",
    "coverage",
]

value = st.one_of(st.none(), st.floats(0.0, 150.0, allow_nan=False))


@st.composite
def region_values(draw: st.DrawFn, regions: tuple[str, ...]) -> pd.DataFrame:
    rows = [(r, p, c, x) for r in regions for p in PERIODS for c in CODES if (x := draw(value)) is not None]
    df = pd.DataFrame(rows, columns=["region_code", "period", "indicator_code", "value"])
    return df.assign(numerator=np.nan, denominator=np.nan).astype(
        {"value": "float64", "period": "int64", "region_code": "object", "indicator_code": "object"}
    )


def own_rows(agg: pd.DataFrame, regions: list[str]) -> pd.DataFrame:
    out = agg.loc[agg["region_code"].isin(regions), OWN].astype({"region_code": str, "code": str})
    out = out.astype({"level": str, "status": str, "worst_status": str})
    return out.sort_values(["region_code", "period", "level", "code"], ignore_index=True)


@HEAVY
@given(st.data(), st.integers(1, len(COUNTIES) - 1))
def test_adding_a_region_never_changes_another_regions_score(data: st.DataObject, k: int) -> None:
    base_regions, added = COUNTIES[:k], COUNTIES[k:]
    base = data.draw(region_values(base_regions))
    more = data.draw(region_values(added))
    a = score_indicators(base, EDITION, TREE)
    b = score_indicators(pd.concat([base, more], ignore_index=True), EDITION, TREE)
    keep = list(base_regions)
    # a period only the added region reports gives the others no_data rows for it: compare the
    # periods the others were scored for
    b = b.loc[b["period"].isin(set(a["period"]))]
    pd.testing.assert_frame_equal(
        a.loc[a["region_code"].isin(keep)].reset_index(drop=True),
        b.loc[b["region_code"].isin(keep)].reset_index(drop=True),
        check_categorical=False,
    )
    pd.testing.assert_frame_equal(
        own_rows(aggregate(a, EDITION, TREE), keep), own_rows(aggregate(b, EDITION, TREE), keep)
    )


@HEAVY
@given(region_values(COUNTIES), st.randoms(use_true_random=False))
def test_row_order_changes_no_coverage_verdict_and_no_balanced_panel(v: pd.DataFrame, rnd: object) -> None:
    order = list(range(len(v)))
    rnd.shuffle(order)  # type: ignore[attr-defined]
    a = score_indicators(v, EDITION, TREE)
    b = score_indicators(v.iloc[order].reset_index(drop=True), EDITION, TREE).iloc[::-1]
    agg_a, agg_b = aggregate(a, EDITION, TREE), aggregate(b, EDITION, TREE)
    pd.testing.assert_frame_equal(agg_a, agg_b)
    eq_a = equity(a, TREE, EDITION, aggregates=agg_a)
    eq_b = equity(b.sample(frac=1.0, random_state=3), TREE, EDITION, aggregates=agg_b)
    pd.testing.assert_frame_equal(eq_a, eq_b)
    pd.testing.assert_frame_equal(
        sigma_convergence(eq_a),
        sigma_convergence(eq_b.sample(frac=1.0, random_state=4).reset_index(drop=True)),
    )
    pd.testing.assert_frame_equal(
        equity(a, TREE, EDITION, by="aspect", aggregates=agg_a),
        equity(b, TREE, EDITION, by="aspect", aggregates=agg_b.sample(frac=1.0, random_state=5)),
    )


positive = st.floats(0.01, 1e4, allow_nan=False)
weight = st.floats(1.0, 1e6, allow_nan=False)


@PROPS
@given(
    st.lists(st.tuples(positive, weight, st.sampled_from(["a", "b", "c"])), min_size=1, max_size=25),
    st.floats(1e-3, 1e3, allow_nan=False),
)
def test_inequality_is_scale_invariant(rows: list[tuple[float, float, str]], c: float) -> None:
    df = pd.DataFrame(rows, columns=["value", "population", "parent_code"]).assign(code="X")
    y, w = df["value"].to_numpy(), df["population"].to_numpy()
    for fn in (gini, theil, cv):
        before, after = fn(y, w), fn(c * y, w)
        if math.isnan(before):
            assert math.isnan(after) and len(df) < 2
        else:
            assert after == np.float64(before) or abs(after - before) <= 1e-9 * max(1.0, abs(before))
    plain = inequality(df, ["code"]).iloc[0]
    scaled = inequality(df.assign(value=c * df["value"]), ["code"]).iloc[0]
    for col in ("cv", "gini", "theil", "theil_between", "theil_within", "max_min_ratio", "sd_log"):
        if np.isnan(plain[col]):
            assert np.isnan(scaled[col]) and plain["undefined_reason"] == "fewer_than_2_regions"
        else:
            assert abs(scaled[col] - plain[col]) <= 1e-9 * max(1.0, abs(plain[col])), col
    if len(df) >= 2:  # the level measures scale with c
        assert scaled["weighted_mean"] == np.float64(c * plain["weighted_mean"]) or math.isclose(
            scaled["weighted_mean"], c * plain["weighted_mean"], rel_tol=1e-9
        )
