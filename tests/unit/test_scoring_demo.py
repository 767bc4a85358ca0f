"""The scoring engine over the demo province and the real catalogue (integration)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.demo import DEMO_PERIODS, demo_local_standards, demo_tree, synthetic_values
from assessment.demo.synthetic import demo_profiles
from assessment.scoring.aggregation import aggregate
from assessment.scoring.costing import cost_to_close
from assessment.scoring.equity import equity, sigma_convergence
from assessment.scoring.indicators import score_indicators
from assessment.scoring.rollup import rollup_values
from assessment.scoring.trends import trends


@pytest.fixture(scope="module")
def demo() -> dict:
    edition = load_edition()
    tree = demo_tree()
    stds = demo_local_standards(edition)
    values = synthetic_values(edition, tree)
    scores = score_indicators(values, edition, tree, stds)
    return {
        "edition": edition,
        "tree": tree,
        "stds": stds,
        "values": values,
        "scores": scores,
        "agg": aggregate(scores, edition, tree),
    }


def test_every_county_period_and_indicator_is_scored(demo: dict) -> None:
    s = demo["scores"]
    n_counties = len(demo["tree"].leaves())
    assert len(s) == n_counties * len(DEMO_PERIODS) * len(demo["edition"].indicators)
    assert (s["edition"] == demo["edition"].id).all()
    reported = s["status"] != "no_data"
    assert s.loc[reported, "score"].between(0, 100).all()


def test_the_county_that_never_reports(demo: dict) -> None:
    profiles = demo_profiles().set_index("region_code")["profile"]
    silent = profiles[profiles == "non_reporting"].index[0]
    s = demo["scores"]
    assert (s.loc[s["region_code"] == silent, "status"] == "no_data").all()
    agg = demo["agg"]
    overall = agg.loc[(agg["region_code"] == silent) & (agg["level"] == "overall")]
    assert (overall["status"] == "insufficient_data").all() and overall["score"].isna().all()


def test_profiles_show_in_the_scores(demo: dict) -> None:
    profiles = demo_profiles().set_index("region_code")["profile"]
    agg = demo["agg"]
    overall = agg.loc[(agg["level"] == "overall") & (agg["period"] == 2024)].set_index("region_code")
    overall = overall.join(profiles.rename("profile"))
    rich = overall.loc[overall["profile"] == "rich_urban"]
    poor = overall.loc[overall["profile"] == "poor_mountainous"]
    assert rich["n_below_floor"].mean() < poor["n_below_floor"].mean()
    assert rich["score"].min() > poor["score"].max()
    assert (poor["status"] == "below_floor").all()


def test_binding_standards_are_never_weaker_than_the_floor(demo: dict) -> None:
    s = demo["scores"]
    direction = {i.code: i.direction for i in demo["edition"].indicators}
    sign = (
        s["indicator_code"].astype(str).map(direction).map({"higher": 1.0, "lower": -1.0}).astype("float64")
    )
    both = s["national_floor"].notna() & s["standard"].notna()
    assert (sign[both] * (s.loc[both, "standard"] - s.loc[both, "national_floor"]) >= 0).all()
    assert s["local_standard"].notna().any()
    assert (s["status"] == "below_local").any()


def test_status_counts_add_up_in_aggregates(demo: dict) -> None:
    s, agg = demo["scores"], demo["agg"]
    overall = agg.loc[agg["level"] == "overall"].set_index(["region_code", "period"])
    counts = (
        s.assign(bf=s["status"] == "below_floor")
        .groupby(["region_code", "period"], observed=True)["bf"]
        .sum()
    )
    counts.index = counts.index.set_levels(counts.index.levels[0].astype(str), level=0)
    overall.index = overall.index.set_levels(overall.index.levels[0].astype(str), level=0)
    pd.testing.assert_series_equal(
        overall["n_below_floor"].sort_index(), counts.astype("int64").sort_index(), check_names=False
    )


def test_equity_trends_and_costs_run_on_the_demo(demo: dict) -> None:
    s, edition, tree = demo["scores"], demo["edition"], demo["tree"]
    eq = equity(s, tree, edition, by="aspect", aggregates=demo["agg"])
    assert len(eq) == len(edition.aspects) * len(DEMO_PERIODS)
    assert np.allclose(eq["theil_between"] + eq["theil_within"], eq["theil"], atol=1e-12)
    sig = sigma_convergence(eq)
    assert len(sig) == len(edition.aspects)
    tr = trends(s, edition)
    assert set(tr["arrow"].astype(str)) >= {"achieved", "insufficient_data"}
    costs = cost_to_close(s, edition, tree)
    assert (costs["shortfall"] > 0).all()
    costed = costs.dropna(subset=["cost_total"])
    assert np.allclose(costed["cost_central"] + costed["cost_local"], costed["cost_total"])


def test_prefectures_and_province_from_roll_up(demo: dict) -> None:
    edition, tree = demo["edition"], demo["tree"]
    rolled = rollup_values(demo["values"], tree, edition)
    pref = score_indicators(rolled, edition, tree, demo["stds"], level="prefecture")
    prov = score_indicators(rolled, edition, tree, demo["stds"], level="province")
    assert set(pref["region_code"].astype(str)) == {"990100", "990200", "990300"}
    assert set(prov["region_code"].astype(str)) == {"990000"}
    agg = aggregate(pref, edition, tree)
    assert set(agg.loc[agg["level"] == "overall", "rank_in_parent"].dropna()) <= {1, 2, 3}
