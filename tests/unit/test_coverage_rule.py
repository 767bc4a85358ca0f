"""Coverage never hides a failure (issue 19 point 4): the 20% rule at every level, worst_status,
no rank below 80% coverage, and the note the pages show."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessment.domain.model import Edition
from assessment.scoring.aggregation import AGGREGATE_COLUMNS, aggregate
from assessment.scoring.equity import equity
from assessment.views.coverage import status_note, status_text
from tests.fixtures import SCORING_INDICATORS, make_scoring_edition, scoring_indicator
from tests.fixtures import SCORING_TREE as TREE


def edition(n1: int, n2: int, n3: int) -> Edition:
    """The test catalogue with n1 indicators on item S01 and n2 on S02 (aspect A1), n3 on S03 (A2)."""
    inds = tuple(
        scoring_indicator(f"{item}.{k}", item, "rate", "higher", 90.0, 100.0, 50.0)
        for item, n in (("S01", n1), ("S02", n2), ("S03", n3))
        for k in range(1, n + 1)
    )
    return make_scoring_edition(inds)


def scores(ed: Edition, region: str, reported: set[str], below: set[str], period: int = 2024) -> pd.DataFrame:
    """A score table by hand: ``reported`` codes meet (score 100) unless in ``below`` (score 40);
    every other indicator of ``ed`` is no_data."""
    rows = []
    for ind in ed.indicators:
        if ind.code in below:
            rows.append((region, period, ind.code, "below_floor", 40.0))
        elif ind.code in reported:
            rows.append((region, period, ind.code, "meets", 100.0))
        else:
            rows.append((region, period, ind.code, "no_data", math.nan))
    return pd.DataFrame(rows, columns=["region_code", "period", "indicator_code", "status", "score"])


def row(agg: pd.DataFrame, region: str, level: str, code: str) -> pd.Series:
    hit = agg.loc[(agg["region_code"] == region) & (agg["level"] == level) & (agg["code"] == code)]
    assert len(hit) == 1
    return hit.iloc[0]


ED_14 = edition(7, 7, 6)  # aspect A1 has 14 indicators (S01.1-7, S02.1-7), A2 6
A1 = [f"S01.{k}" for k in range(1, 8)] + [f"S02.{k}" for k in range(1, 8)]
A2 = [f"S03.{k}" for k in range(1, 7)]


# aspect A1 (14 indicators): how many reported, how many of those below the floor ->
# status, worst_status, scored and ranked
@pytest.mark.parametrize(
    ("n_reported", "n_below", "status", "worst", "scored"),
    [
        (14, 0, "meets", "meets", True),
        (12, 1, "below_floor", "below_floor", True),  # 85.7%: scored
        (12, 0, "meets", "meets", True),
        (11, 0, "insufficient_data", "meets", False),  # 78.6%: more than 20% missing
        (11, 2, "insufficient_data", "below_floor", False),
        (4, 1, "insufficient_data", "below_floor", False),  # the issue's "4 of 14"
        (4, 0, "insufficient_data", "meets", False),
        (1, 1, "insufficient_data", "below_floor", False),
        (0, 0, "no_data", "no_data", False),  # nothing reported: nothing to hide
    ],
)
def test_the_20_percent_rule_on_an_aspect(
    n_reported: int, n_below: int, status: str, worst: str, scored: bool
) -> None:
    reported = set(A1[:n_reported]) | set(A2)
    below = set(A1[:n_below])
    other = scores(ED_14, "990102", set(A1) | set(A2), set())  # a fully reported neighbour
    agg = aggregate(pd.concat([scores(ED_14, "990101", reported, below), other]), ED_14, TREE)
    assert list(agg.columns) == list(AGGREGATE_COLUMNS)
    r = row(agg, "990101", "aspect", "A1")
    assert (r["status"], r["worst_status"]) == (status, worst)
    assert r["n_below_floor"] == n_below and r["n_reported"] == n_reported
    assert (not np.isnan(r["score"])) is scored
    # ranked only with a score: the issue's "aspect score ranked from 4 of 14 indicators" is gone
    assert pd.notna(r["rank_in_level"]) is scored
    assert pd.notna(r["rank_in_parent"]) is scored and pd.notna(r["quintile"]) is scored
    # the fully reported neighbour (100) comes first; 990101 second when it is ranked at all
    n = row(agg, "990102", "aspect", "A1")
    assert n["rank_in_level"] == 1
    if scored:
        assert r["rank_in_level"] == (2 if r["score"] < n["score"] else 1)


def test_the_issue_case_78_percent_coverage_still_shows_7_below_the_floor() -> None:
    ed = edition(20, 15, 15)  # 50 indicators
    codes = [i.code for i in ed.indicators]
    reported = set(codes[:39])  # 39 of 50 = 78%
    below = set(codes[:7])
    agg = aggregate(scores(ed, "990101", reported, below), ed, TREE)
    o = row(agg, "990101", "overall", "overall")
    assert o["coverage"] == pytest.approx(0.78)
    assert o["status"] == "insufficient_data" and np.isnan(o["score"])
    assert o["n_below_floor"] == 7 and o["worst_status"] == "below_floor"
    view = agg.loc[agg["level"] == "overall"].reset_index(drop=True)
    assert status_note(view, "zh").tolist() == ["其中 7 项低于底线"]
    assert status_note(view, "en").tolist() == ["7 below the floor"]
    assert status_text("insufficient_data", 7, "zh") == "数据不足（其中 7 项低于底线）"
    assert status_text("insufficient_data", 7, "en") == "Insufficient data (7 below the floor)"


@pytest.mark.parametrize(
    ("status", "n_below", "zh"),
    [
        ("insufficient_data", 7, "数据不足（其中 7 项低于底线）"),
        ("insufficient_data", 0, "数据不足"),
        ("below_floor", 3, "低于国家底线"),
    ],
)
def test_status_text(status: str, n_below: int, zh: str) -> None:
    assert status_text(status, n_below, "zh").startswith(zh)


def test_categories_follow_the_same_rule_and_items_are_not_ranked_below_80_percent() -> None:
    # S01 (category C01) has 7 indicators: 5 reported = 71% < 80%
    reported = set(A1[:5]) | set(A1[7:]) | set(A2)
    agg = aggregate(scores(ED_14, "990101", reported, {"S01.1"}), ED_14, TREE)
    cat = row(agg, "990101", "category", "C01")
    assert cat["status"] == "insufficient_data" and cat["worst_status"] == "below_floor"
    assert np.isnan(cat["score"]) and pd.isna(cat["rank_in_level"])
    item = row(agg, "990101", "item", "S01")  # an item keeps its partial score and status ...
    assert item["score"] == pytest.approx((40 + 4 * 100) / 5) and item["status"] == "below_floor"
    assert pd.isna(item["rank_in_level"]) and pd.isna(item["quintile"])  # ... but is not ranked
    full = row(agg, "990101", "item", "S02")
    assert full["rank_in_level"] == 1


def test_the_overall_score_is_unchanged_by_the_rule_and_reproducible_from_the_items() -> None:
    # A1 at 12/14 (scored), A2 at 4/6 = 67% (insufficient): the overall (16/20 = 80%) is scored
    reported = set(A1[:12]) | set(A2[:4])
    agg = aggregate(scores(ED_14, "990101", reported, {"S03.1"}), ED_14, TREE)
    a2 = row(agg, "990101", "aspect", "A2")
    assert a2["status"] == "insufficient_data" and np.isnan(a2["score"])
    o = row(agg, "990101", "overall", "overall")
    assert o["coverage"] == pytest.approx(0.8) and o["status"] == "below_floor"
    items = agg.loc[(agg["level"] == "item") & (agg["region_code"] == "990101")].set_index("code")["score"]
    # categories C01 = S01, C02 = S02 make A1; C03 = S03 makes A2; overall = mean of the aspects
    expected = ((items["S01"] + items["S02"]) / 2 + items["S03"]) / 2
    assert o["score"] == pytest.approx(expected)
    assert items["S03"] == pytest.approx((40 + 3 * 100) / 4)


def test_worst_status_equals_status_wherever_the_rule_does_not_apply() -> None:
    agg = aggregate(scores(ED_14, "990101", set(A1) | set(A2), {"S01.1", "S03.2"}), ED_14, TREE)
    assert (agg["worst_status"].astype(str) == agg["status"].astype(str)).all()
    assert (agg.loc[agg["level"].isin(["aspect", "overall"]), "status"] == "below_floor").all()


def test_missing_threshold_applies_to_every_level() -> None:
    reported = set(A1[:4]) | set(A2)
    agg = aggregate(scores(ED_14, "990101", reported, set()), ED_14, TREE, missing_threshold=0.8)
    assert row(agg, "990101", "aspect", "A1")["status"] == "meets"  # 4/14 = 29% > 20% allowed
    assert pd.notna(row(agg, "990101", "aspect", "A1")["rank_in_level"])


def test_equity_by_aspect_counts_a_failure_behind_insufficient_data() -> None:
    ed = make_scoring_edition(SCORING_INDICATORS)
    # 990101: A1 has S01.1, S01.2, S02.1; only S01.1 reported (below the floor): 33% coverage
    rows = [
        ("990101", 2024, "S01.1", "below_floor", 40.0),
        ("990101", 2024, "S01.2", "no_data", math.nan),
        ("990101", 2024, "S02.1", "no_data", math.nan),
    ] + [(r, 2024, c, "meets", 100.0) for r in ("990102", "990201") for c in ("S01.1", "S01.2", "S02.1")]
    s = pd.DataFrame(rows, columns=["region_code", "period", "indicator_code", "status", "score"])
    s = s.assign(value=s["score"])
    agg = aggregate(s, ed, TREE)
    assert row(agg, "990101", "aspect", "A1")["status"] == "insufficient_data"
    eq = equity(s, TREE, ed, by="aspect", aggregates=agg).set_index("code").loc["A1"]
    assert eq["n_below_floor"] == 1  # counted from worst_status
    assert eq["n_regions"] == 2  # its aspect score is not a measurement any more
    # the population below the floor among the regions that reported: 100k of 100k + 500k + 300k
    assert eq["pop_share_below_floor"] == pytest.approx(1 / 9)
