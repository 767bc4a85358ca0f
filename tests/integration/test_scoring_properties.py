"""Invariants of the scoring engine, checked with hypothesis on random data."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.scoring.aggregation import aggregate
from assessment.scoring.equity import equity
from assessment.scoring.indicators import score_indicators
from assessment.scoring.trends import trends
from tests.fixtures import SCORING_COUNTIES as COUNTIES
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import local_standard as local

CODES = [i.code for i in EDITION.indicators]
DIRECTION = {i.code: i.direction for i in EDITION.indicators}
FLOOR = {i.code: i.national_floor for i in EDITION.indicators}
PERIODS = (2022, 2023, 2024)

value = st.one_of(st.none(), st.floats(-20.0, 250.0, allow_nan=False))
cell = st.tuples(value, st.one_of(st.none(), st.integers(0, 500)), st.integers(0, 500))


@st.composite
def value_tables(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for region in COUNTIES:
        for period in PERIODS:
            for code in CODES:
                x, num, den = draw(cell)
                if x is None and num is None:
                    continue
                if num is not None:
                    num, den = float(min(num, den)), float(den)
                rows.append((region, period, code, x, num, den if num is not None else None))
    df = pd.DataFrame(
        rows, columns=["region_code", "period", "indicator_code", "value", "numerator", "denominator"]
    )
    return df.astype(
        {"value": "float64", "numerator": "float64", "denominator": "float64", "period": "int64"}
    )


standards = st.lists(
    st.builds(
        local,
        st.sampled_from(["990000", "990100", "990200"]),
        st.sampled_from(CODES),
        st.floats(-5.0, 150.0, allow_nan=False),
        st.sampled_from(PERIODS),
        st.one_of(st.none(), st.sampled_from(PERIODS)),
    ),
    max_size=6,
)

PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(value_tables(), standards)
def test_scores_lie_within_0_and_100(v: pd.DataFrame, stds: list) -> None:
    s = score_indicators(v, EDITION, TREE, stds)
    reported = s["status"] != "no_data"
    assert s.loc[reported, "score"].between(0.0, 100.0).all()
    assert s.loc[~reported, "score"].isna().all()
    agg = aggregate(s, EDITION, TREE)
    assert agg["score"].dropna().between(0.0, 100.0).all()


@PROPS
@given(value_tables(), standards, st.randoms(use_true_random=False))
def test_row_order_never_changes_a_result(v: pd.DataFrame, stds: list, rnd: random.Random) -> None:
    order = list(range(len(v)))
    rnd.shuffle(order)
    shuffled = v.iloc[order].reset_index(drop=True)
    a = score_indicators(v, EDITION, TREE, stds)
    b = score_indicators(shuffled, EDITION, TREE, list(reversed(stds)))
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(aggregate(a, EDITION, TREE), aggregate(b.iloc[::-1], EDITION, TREE))
    pd.testing.assert_frame_equal(trends(a, EDITION), trends(b.sample(frac=1.0, random_state=2), EDITION))
    pd.testing.assert_frame_equal(
        equity(a, TREE, EDITION), equity(b.sample(frac=1.0, random_state=1), TREE, EDITION)
    )


@PROPS
@given(value_tables(), standards, st.floats(0.0, 50.0, allow_nan=False))
def test_a_better_value_never_lowers_its_score(v: pd.DataFrame, stds: list, bump: float) -> None:
    sign = v["indicator_code"].map(DIRECTION).map({"higher": 1.0, "lower": -1.0}).astype("float64")
    better = v.assign(value=v["value"] + sign * bump, numerator=np.nan, denominator=np.nan)
    plain = v.assign(numerator=np.nan, denominator=np.nan)
    a = score_indicators(plain, EDITION, TREE, stds)
    b = score_indicators(better, EDITION, TREE, stds)
    has = a["score"].notna()
    assert (b.loc[has, "score"] >= a.loc[has, "score"] - 1e-9).all()
    # and the status never gets worse
    rank = {"below_floor": 0, "below_local": 1, "meets": 2, "no_standard": 2}
    sa = a.loc[has, "status"].astype(str).map(rank)
    sb = b.loc[has, "status"].astype(str).map(rank)
    assert (sb >= sa).all()


@PROPS
@given(value_tables(), standards)
def test_a_local_standard_never_makes_the_standard_weaker_than_the_floor(v: pd.DataFrame, stds: list) -> None:
    s = score_indicators(v, EDITION, TREE, stds)
    sign = (
        s["indicator_code"].astype(str).map(DIRECTION).map({"higher": 1.0, "lower": -1.0}).astype("float64")
    )
    has_floor = s["national_floor"].notna()
    assert (sign[has_floor] * (s.loc[has_floor, "standard"] - s.loc[has_floor, "national_floor"]) >= 0).all()
    has_local = s["local_standard"].notna()
    assert (sign[has_local] * (s.loc[has_local, "standard"] - s.loc[has_local, "local_standard"]) >= 0).all()


@PROPS
@given(value_tables(), standards)
def test_status_agrees_with_gaps_and_score(v: pd.DataFrame, stds: list) -> None:
    s = score_indicators(v, EDITION, TREE, stds)
    below = s["status"] == "below_floor"
    assert (s.loc[below, "gap_floor"] < 0).all()
    meets = s["status"] == "meets"
    assert (s.loc[meets, "score"] == 100.0).all()
    assert (s.loc[meets, "gap_standard"] >= -1e-6).all()
    fails = s["status"].isin(["below_floor", "below_local"])
    assert (s.loc[fails, "gap_standard"] < 0).all()


@PROPS
@given(value_tables(), standards)
def test_a_floor_failure_reaches_every_aggregate_above_it(v: pd.DataFrame, stds: list) -> None:
    s = score_indicators(v, EDITION, TREE, stds)
    agg = aggregate(s, EDITION, TREE)
    failed = agg["n_below_floor"] > 0
    ok_status = agg.loc[failed, "status"].isin(["below_floor", "insufficient_data"])
    assert ok_status.all()
    # coverage never hides a failure (issue 19): the status without the coverage rule says it
    assert (agg.loc[failed, "worst_status"] == "below_floor").all()
    same = agg["worst_status"].astype(str) == agg["status"].astype(str)
    assert same[agg["status"] != "insufficient_data"].all()
    assert (agg.loc[agg["status"] == "below_floor", "n_below_floor"] > 0).all()
