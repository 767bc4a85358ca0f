"""Aggregation item -> category -> aspect -> overall, ranks and quintiles, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessment.domain.errors import DataFileError
from assessment.scoring.aggregation import AGGREGATE_COLUMNS, aggregate
from assessment.scoring.indicators import score_indicators
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_EDITION_ID as EDITION_ID
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import full_values
from tests.fixtures import values_frame as values

CODES = ("S01.1", "S01.2", "S02.1", "S03.1", "S03.2")  # items S01 S01 S02 S03 S03; aspects A1 A1 A1 A2 A2


def scores(rows: list[tuple[str, str, str, float]], period: int = 2024) -> pd.DataFrame:
    """A score table by hand: (region, indicator, status, score)."""
    return pd.DataFrame(
        {
            "region_code": [r[0] for r in rows],
            "period": period,
            "indicator_code": [r[1] for r in rows],
            "status": [r[2] for r in rows],
            "score": [float(r[3]) for r in rows],
        }
    )


def region(
    code: str, statuses: tuple[str, ...], points: tuple[float, ...]
) -> list[tuple[str, str, str, float]]:
    return [(code, c, s, p) for c, s, p in zip(CODES, statuses, points, strict=True)]


def row(agg: pd.DataFrame, region_code: str, level: str, code: str) -> pd.Series:
    hit = agg.loc[(agg["region_code"] == region_code) & (agg["level"] == level) & (agg["code"] == code)]
    assert len(hit) == 1, (region_code, level, code)
    return hit.iloc[0]


MEETS5 = ("meets",) * 5


def test_weighted_and_hierarchical_means_by_hand() -> None:
    # S01.2 weighs 2 in the catalogue
    agg = aggregate(scores(region("990101", MEETS5, (90, 60, 100, 80, 100))), EDITION, TREE)
    assert list(agg.columns) == list(AGGREGATE_COLUMNS)
    assert row(agg, "990101", "item", "S01")["score"] == pytest.approx((90 + 2 * 60) / 3)  # 70
    assert row(agg, "990101", "item", "S03")["score"] == pytest.approx(90)
    assert row(agg, "990101", "category", "C01")["score"] == pytest.approx(70)
    assert row(agg, "990101", "aspect", "A1")["score"] == pytest.approx((70 + 100) / 2)  # categories C01, C02
    assert row(agg, "990101", "aspect", "A2")["score"] == pytest.approx(90)
    assert row(agg, "990101", "overall", "overall")["score"] == pytest.approx((85 + 90) / 2)
    assert (agg["edition"] == EDITION_ID).all()


def test_missing_scores_are_left_out_of_the_mean_not_counted_as_zero() -> None:
    rows = region("990101", ("meets", "no_data", "meets", "meets", "meets"), (90, math.nan, 100, 80, 100))
    agg = aggregate(scores(rows), EDITION, TREE)
    item = row(agg, "990101", "item", "S01")
    assert item["score"] == pytest.approx(90)
    assert (item["n_indicators"], item["n_reported"], item["coverage"]) == (2, 1, 0.5)
    overall = row(agg, "990101", "overall", "overall")
    assert overall["coverage"] == pytest.approx(0.8)  # exactly 20% missing: still scored
    assert overall["score"] == pytest.approx(((90 + 100) / 2 + 90) / 2)
    assert overall["status"] == "meets"


@pytest.mark.parametrize(
    ("n_missing", "status", "scored"),
    [
        (0, "meets", True),
        (1, "meets", True),
        (2, "insufficient_data", False),
        (5, "insufficient_data", False),
    ],
)
def test_more_than_20_percent_missing_has_no_overall_score(n_missing: int, status: str, scored: bool) -> None:
    statuses = tuple("no_data" if i < n_missing else "meets" for i in range(5))
    points = tuple(math.nan if i < n_missing else 100.0 for i in range(5))
    overall = row(
        aggregate(scores(region("990101", statuses, points)), EDITION, TREE), "990101", "overall", "overall"
    )
    assert overall["status"] == status
    assert (not np.isnan(overall["score"])) is scored
    assert overall["n_reported"] == 5 - n_missing


def test_missing_threshold_is_configurable() -> None:
    statuses = ("no_data", "no_data", "meets", "meets", "meets")
    points = (math.nan, math.nan, 100.0, 100.0, 100.0)
    agg = aggregate(scores(region("990101", statuses, points)), EDITION, TREE, missing_threshold=0.5)
    assert row(agg, "990101", "overall", "overall")["status"] == "meets"


def test_a_failed_floor_is_never_averaged_away() -> None:
    statuses = ("meets", "meets", "meets", "below_floor", "meets")
    agg = aggregate(scores(region("990101", statuses, (100, 100, 100, 99, 100))), EDITION, TREE)
    for level, code in (("item", "S03"), ("category", "C03"), ("aspect", "A2"), ("overall", "overall")):
        r = row(agg, "990101", level, code)
        assert r["status"] == "below_floor", level
        assert r["n_below_floor"] == 1
        assert r["score"] > 99
    assert row(agg, "990101", "aspect", "A1")["status"] == "meets"


# child statuses -> the aggregate's status (worst child)
@pytest.mark.parametrize(
    ("children", "expected"),
    [
        (("meets", "meets"), "meets"),
        (("meets", "below_local"), "below_local"),
        (("below_local", "below_floor"), "below_floor"),
        (("meets", "no_standard"), "meets"),
        (("no_standard", "no_standard"), "no_standard"),
        (("no_data", "meets"), "meets"),
        (("no_data", "no_data"), "no_data"),
        (("no_data", "below_floor"), "below_floor"),
    ],
)
def test_status_is_the_worst_child(children: tuple[str, str], expected: str) -> None:
    rows = [("990101", "S01.1", children[0], 50.0), ("990101", "S01.2", children[1], 50.0)]
    assert row(aggregate(scores(rows), EDITION, TREE), "990101", "item", "S01")["status"] == expected


def test_counts_of_below_floor_and_below_local() -> None:
    statuses = ("below_floor", "below_local", "below_local", "no_data", "meets")
    agg = aggregate(scores(region("990101", statuses, (10, 50, 60, math.nan, 100))), EDITION, TREE)
    overall = row(agg, "990101", "overall", "overall")
    assert (overall["n_indicators"], overall["n_reported"]) == (5, 4)
    assert (overall["n_below_floor"], overall["n_below_local"]) == (1, 2)
    assert overall["status"] == "below_floor"


def test_ranks_within_parent_and_level_and_quintiles() -> None:
    # overall scores: 990101 = 100, 990102 = 80, 990201 = 80 (tie), 990202 = 60
    rows = (
        region("990101", MEETS5, (100,) * 5)
        + region("990102", MEETS5, (80,) * 5)
        + region("990201", MEETS5, (80,) * 5)
        + region("990202", MEETS5, (60,) * 5)
    )
    agg = aggregate(scores(rows), EDITION, TREE)
    overall = agg.loc[agg["level"] == "overall"].set_index("region_code")
    assert overall["rank_in_level"].tolist() == [1, 2, 2, 4]
    assert overall["rank_in_parent"].tolist() == [1, 2, 1, 2]
    assert overall["parent_code"].tolist() == ["990100", "990100", "990200", "990200"]
    # ascending average ranks 4, 2.5, 2.5, 1 of n = 4 -> floor(5 (r - 0.5) / 4) + 1
    assert overall["quintile"].tolist() == [5, 3, 3, 1]


@pytest.mark.parametrize(
    ("points", "quintiles"),
    [
        ((10, 20, 30, 40, 50), [1, 2, 3, 4, 5]),
        ((50, 50, 50, 50, 50), [3, 3, 3, 3, 3]),
        ((1, 2), [2, 4]),
    ],
)
def test_quintile_table(points: tuple[float, ...], quintiles: list[int]) -> None:
    codes = ["990101", "990102", "990201", "990202", "990100"][: len(points)]
    rows = [(c, "S02.1", "meets", p) for c, p in zip(codes, points, strict=True)]
    agg = aggregate(scores(rows), EDITION, TREE)
    item = agg.loc[agg["level"] == "item"].set_index("region_code").loc[codes]
    assert item["quintile"].tolist() == quintiles


def test_no_rank_without_a_score() -> None:
    rows = region("990101", MEETS5, (90,) * 5) + region("990102", ("no_data",) * 5, (math.nan,) * 5)
    agg = aggregate(scores(rows), EDITION, TREE)
    r = row(agg, "990102", "overall", "overall")
    assert pd.isna(r["rank_in_level"]) and pd.isna(r["quintile"])
    assert r["status"] == "insufficient_data"
    assert row(agg, "990102", "aspect", "A1")["status"] == "no_data"


def test_periods_are_aggregated_separately() -> None:
    a = scores(region("990101", MEETS5, (100,) * 5), period=2023)
    b = scores(region("990101", MEETS5, (50,) * 5), period=2024)
    agg = aggregate(pd.concat([a, b]), EDITION, TREE)
    overall = agg.loc[agg["level"] == "overall"].set_index("period")["score"]
    assert overall.to_dict() == {2023: 100.0, 2024: 50.0}


def test_end_to_end_from_score_indicators() -> None:
    v = pd.concat([full_values(), values([])])
    s = score_indicators(v, EDITION, TREE)
    agg = aggregate(s, EDITION, TREE)
    # 4 counties x (3 items + 3 categories + 2 aspects + 1 overall)
    assert len(agg) == 4 * 9
    assert set(agg["level"].astype(str)) == {"item", "category", "aspect", "overall"}


def test_missing_columns_are_named() -> None:
    with pytest.raises(DataFileError, match="status"):
        aggregate(scores(region("990101", MEETS5, (1,) * 5)).drop(columns=["status"]), EDITION, TREE)


def test_input_not_mutated() -> None:
    s = scores(region("990101", MEETS5, (90, 60, 100, 80, 100)))
    before = s.copy(deep=True)
    aggregate(s, EDITION, TREE)
    pd.testing.assert_frame_equal(s, before)
