"""assessment.views.overview.headline reads the period's rows of four columns instead of filtering
the whole scores table: compared with the table-filtering computation it replaced, figure by figure."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.scoring.analysis import Assessment, assess
from assessment.scoring.costing import costed_share
from assessment.views import overview as ov


@pytest.fixture(scope="module")
def demo() -> Assessment:
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values

    edition = load_edition()
    tree = demo_tree()
    return assess(synthetic_values(edition, tree), edition, tree, demo_local_standards(edition))


def filtered_headline(result: Assessment, period: int) -> ov.Headline:
    """The previous implementation: the scores table filtered, then counted."""
    s = result.scores[result.scores["period"] == period]
    reported = s[s["status"] != "no_data"]
    with_floor = reported[reported["national_floor"].notna()]
    below = with_floor["status"] == "below_floor"
    costs = result.costs[result.costs["period"] == period]
    priced = costs["cost_total"].notna()
    share = costed_share(costs)
    return ov.Headline(
        regions_expected=int(s["region_code"].nunique()),
        indicators_with_floor=len(with_floor),
        share_meeting_floor=float(1 - below.mean()) if len(with_floor) else float("nan"),
        regions_below_floor=int(with_floor.loc[below, "region_code"].nunique()),
        cost_total=float(costs.loc[priced, "cost_total"].sum()),
        cost_central=float(costs.loc[priced, "cost_central"].sum()),
        cost_local=float(costs.loc[priced, "cost_local"].sum()),
        cost_indicators_priced=share.n_costed,
        cost_indicators_unpriced=share.n_gaps - share.n_costed,
    )


def same(a: ov.Headline, b: ov.Headline) -> None:
    for field in dataclasses.fields(ov.Headline):
        x, y = getattr(a, field.name), getattr(b, field.name)
        assert (isinstance(x, float) and math.isnan(x) and math.isnan(y)) or x == y, field.name


def test_headline_equals_the_filtered_computation(demo: Assessment) -> None:
    periods = sorted(int(p) for p in demo.scores["period"].unique())
    for period in [*periods, max(periods) + 1]:  # a period without rows too
        same(ov.headline(demo, period), filtered_headline(demo, period))
    # some regions below the floor, so the comparison means something
    assert ov.headline(demo, periods[-1]).regions_below_floor > 0


def test_headline_on_plain_text_status_and_missing_values(demo: Assessment) -> None:
    scores = demo.scores.copy()
    scores["status"] = scores["status"].astype(object)
    scores.loc[scores.index[::7], "status"] = None  # missing statuses count as reported, as before
    scores.loc[scores.index[::5], "national_floor"] = float("nan")
    changed = dataclasses.replace(demo, scores=scores)
    for period in sorted(int(p) for p in scores["period"].unique()):
        same(ov.headline(changed, period), filtered_headline(changed, period))
    # a categorical status without a "below_floor" category: nothing below
    only = scores.assign(status=pd.Categorical(["meets"] * len(scores)))
    one = dataclasses.replace(demo, scores=only)
    period = int(scores["period"].max())
    same(ov.headline(one, period), filtered_headline(one, period))
    assert ov.headline(one, period).regions_below_floor == 0
