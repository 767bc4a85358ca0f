"""Scoring on a tree of four levels (nation -> 2 provinces -> prefectures -> counties, one county
directly under its province): roll-up, aggregation and ranks at every level, equity grouped by
province, peers for the feedback report, and access scopes below a national root."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest

from assessment.domain.access import allowed, region_filter, visible_regions
from assessment.reports.context import peer_scope
from assessment.scoring.aggregation import aggregate
from assessment.scoring.analysis import assess
from assessment.scoring.equity import equity
from assessment.scoring.indicators import score_indicators
from assessment.scoring.rollup import rollup_values, scope_regions
from tests.fixtures import NATIONAL_LEAVES, NATIONAL_ROOT, NATIONAL_TREE, SCORING_EDITION, national_values

TREE = NATIONAL_TREE
EDITION = SCORING_EDITION
VALUES = national_values()


def overall(level: str | None, regions: list[str] | None = None) -> pd.DataFrame:
    """The overall aggregate rows of the regions of ``level`` (None = the leaves), by region code."""
    if level is None:
        scores = score_indicators(VALUES, EDITION, TREE, periods=[2024], regions=regions)
    else:
        rolled = rollup_values(VALUES, TREE, EDITION)
        scores = score_indicators(rolled, EDITION, TREE, periods=[2024], regions=regions, level=level)
    aggs = aggregate(scores, EDITION, TREE)
    return aggs.loc[aggs["level"] == "overall"].set_index("region_code")


def test_scope_regions_at_every_level():
    assert scope_regions(TREE) == sorted(NATIONAL_LEAVES)
    assert scope_regions(TREE, level="national") == [NATIONAL_ROOT]
    assert scope_regions(TREE, level="province") == ["980000", "990000"]
    assert scope_regions(TREE, level="prefecture") == ["980100", "990100", "990200"]
    # the county directly under its province is one of the province's counties
    assert scope_regions(TREE, ["990000"], level="county") == [
        *("990101", "990102", "990201", "990202", "999001")
    ]
    assert TREE.levels() == ["national", "province", "prefecture", "county"]


def test_rollup_reaches_every_ancestor():
    r = rollup_values(VALUES, TREE, EDITION).set_index(["region_code", "indicator_code"])
    assert set(r.index.get_level_values(0)) == {
        NATIONAL_ROOT,
        "990000",
        "980000",
        "990100",
        "990200",
        "980100",
    }
    # rates pool numerators and denominators, the direct county included in its province
    assert r.loc[("990000", "S01.1"), "value"] == pytest.approx(100 * (86 + 87 + 88 + 89 + 90) / 500)
    assert r.loc[("990000", "S01.1"), "n_regions"] == 5
    assert r.loc[("980000", "S01.1"), "value"] == pytest.approx(100 * (91 + 92) / 200)
    assert r.loc[(NATIONAL_ROOT, "S01.1"), "value"] == pytest.approx(100 * sum(range(86, 93)) / 700)
    assert r.loc[(NATIONAL_ROOT, "S01.1"), "n_regions"] == 7
    # other kinds: the population-weighted mean of the leaves below
    pops = {r.code: r.population for r in TREE}
    per_capita = {code: 1.5 + i / 4 for i, code in enumerate(NATIONAL_LEAVES)}
    nation = sum(per_capita[c] * pops[c] for c in NATIONAL_LEAVES) / sum(pops[c] for c in NATIONAL_LEAVES)
    assert r.loc[(NATIONAL_ROOT, "S01.2"), "value"] == pytest.approx(nation)


# level -> (rank in the level, rank among the regions with the same parent); each leaf of
# national_values is better than the one before it, so every rank is known.
RANKS = {
    "leaves": {
        "980102": (1, 1),
        "980101": (2, 2),
        "999001": (3, 1),  # alone under its province
        "990202": (4, 1),
        "990201": (5, 2),
        "990102": (6, 1),
        "990101": (7, 2),
    },
    "prefecture": {"980100": (1, 1), "990200": (2, 1), "990100": (3, 2)},
    "province": {"980000": (1, 1), "990000": (2, 2)},
    "national": {NATIONAL_ROOT: (1, 1)},
}


@pytest.mark.parametrize("level", list(RANKS))
def test_aggregation_and_ranks_at_every_level(level):
    rows = overall(None if level == "leaves" else level)
    expected = RANKS[level]
    assert sorted(rows.index) == sorted(expected)
    assert rows["score"].notna().all()
    assert (rows["n_indicators"] == len(EDITION.indicators)).all()
    got = {c: (int(rows.loc[c, "rank_in_level"]), int(rows.loc[c, "rank_in_parent"])) for c in rows.index}
    assert got == expected
    parents = {c: TREE.get(c).parent_code or "" for c in expected}
    assert rows["parent_code"].astype(object).where(rows["parent_code"].notna(), "").to_dict() == parents


def test_ranks_within_one_province():
    rows = overall(None, regions=["990000"])
    ranks = rows["rank_in_level"].astype(int).to_dict()
    assert ranks == {"999001": 1, "990202": 2, "990201": 3, "990102": 4, "990101": 5}


def test_assess_defaults_to_the_national_root():
    result = assess(VALUES, EDITION, TREE)
    assert result.jurisdiction == NATIONAL_ROOT
    assert set(result.scores["region_code"].astype(str)) == set(NATIONAL_LEAVES)
    province = assess(VALUES, EDITION, TREE, jurisdiction="980000")
    assert set(province.scores["region_code"].astype(str)) == {"980101", "980102"}


def test_equity_between_provinces():
    scores = score_indicators(VALUES, EDITION, TREE, periods=[2024])
    by_province = equity(scores, TREE, EDITION, group_level="province").set_index("code").loc["S01.2"]
    by_parent = equity(scores, TREE, EDITION).set_index("code").loc["S01.2"]
    assert by_province["n_regions"] == by_parent["n_regions"] == 7
    assert by_province["theil"] == pytest.approx(by_parent["theil"])
    assert 0 < by_province["theil_between"] < by_parent["theil_between"]  # fewer, larger groups
    assert by_province["theil_between"] + by_province["theil_within"] == pytest.approx(by_province["theil"])


@pytest.mark.parametrize(
    ("code", "scope"),
    [("990101", "990000"), ("999001", "990000"), ("990100", "990000"), ("990000", NATIONAL_ROOT)],
)
def test_feedback_peers_are_taken_in_the_province_or_the_nation(code, scope):
    assert peer_scope(TREE, code) == scope


@dataclass(frozen=True)
class U:
    username: str
    role: str
    scope_region_code: str | None
    disabled: bool = False


def test_access_scopes_below_a_national_root():
    province = U("zhang", "evaluator", "990000")
    nation = U("guo", "evaluator", NATIONAL_ROOT)
    assert allowed(province, "view", "999001", TREE)
    assert not allowed(province, "view", "980101", TREE)
    assert visible_regions(province, TREE) == {
        *("990000", "990100", "990101", "990102", "990200", "990201", "990202", "999001")
    }
    assert region_filter(nation, TREE) is None  # the whole tree
    # each jurisdiction sets its own deadline (issue 16): the province its own, not the nation's
    assert allowed(province, "set_deadline", "990000", TREE)
    assert not allowed(province, "set_deadline", NATIONAL_ROOT, TREE)
    assert allowed(nation, "set_deadline", NATIONAL_ROOT, TREE)
