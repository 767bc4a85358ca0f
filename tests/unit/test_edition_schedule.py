"""Each period scored by the edition in force; what-if re-scoring; local-only indicators in scoring."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from assessment.domain.editions import (
    LOCAL_ASPECT,
    EditionSchedule,
    LocalIndicator,
    edition_for,
    national_part,
    with_local_indicators,
)
from assessment.scoring.analysis import assess
from tests.fixtures import SCORING_EDITION, SCORING_TREE, full_values, scoring_indicator

OLD = replace(SCORING_EDITION, id="TEST-OLD", effective_from=2021)
# the new edition raises the floor of S01.1 from 90 to 95 and adds S03.3
NEW = replace(
    SCORING_EDITION,
    id="TEST-NEW",
    effective_from=2023,
    indicators=(
        replace(SCORING_EDITION.indicator_by_code["S01.1"], national_floor=95.0),
        *(i for i in SCORING_EDITION.indicators if i.code != "S01.1"),
        scoring_indicator("S03.3", "S03", "rate", "higher", None, 100.0, 0.0),
    ),
)
SCHEDULE = EditionSchedule((NEW, OLD))


def two_years() -> pd.DataFrame:
    return pd.concat([full_values(2022), full_values(2023)], ignore_index=True)


def test_schedule_picks_the_edition_in_force_for_each_period() -> None:
    assert SCHEDULE.for_period(2019).id == "TEST-OLD"  # before the first start: the earliest
    assert SCHEDULE.for_period(2022).id == "TEST-OLD"
    assert SCHEDULE.for_period(2023).id == "TEST-NEW"
    assert SCHEDULE.for_period(2030).id == "TEST-NEW"
    assert [(e.id, ps) for e, ps in SCHEDULE.split([2023, 2021, 2022])] == [
        ("TEST-OLD", (2021, 2022)),
        ("TEST-NEW", (2023,)),
    ]


def test_two_editions_cannot_start_in_one_period() -> None:
    with pytest.raises(ValueError, match="same period"):
        EditionSchedule((OLD, replace(NEW, effective_from=2021)))


def test_mixed_assessment_scores_each_period_by_its_edition() -> None:
    result = assess(two_years(), SCHEDULE, SCORING_TREE)
    s = result.scores
    by_period = s.groupby("period", observed=True)["edition"].agg(lambda x: set(x.astype(str)))
    assert by_period[2022] == {"TEST-OLD"} and by_period[2023] == {"TEST-NEW"}
    floor = s.loc[s["indicator_code"] == "S01.1"].groupby("period")["national_floor"].first()
    assert floor[2022] == 90.0 and floor[2023] == 95.0
    # county 990101 reports 90% on S01.1 both years: meets the old floor, below the new one
    row = s.loc[(s["region_code"] == "990101") & (s["indicator_code"] == "S01.1")].set_index("period")
    assert row.loc[2022, "status"] == "meets" and row.loc[2023, "status"] == "below_floor"
    # the new indicator exists only in 2023
    assert set(s.loc[s["indicator_code"] == "S03.3", "period"]) == {2023}
    assert result.mixed and result.edition.id == "TEST-NEW"
    assert [(p, a.id, b.id) for p, a, b in result.edition_changes] == [(2023, "TEST-OLD", "TEST-NEW")]
    aggs = result.aggregates
    assert set(aggs.loc[aggs["period"] == 2022, "edition"].astype(str)) == {"TEST-OLD"}
    assert set(result.trends.loc[result.trends["period"] == 2023, "edition"].astype(str)) == {"TEST-NEW"}
    assert set(result.equity_indicator.loc[result.equity_indicator["period"] == 2022, "edition"]) == {
        "TEST-OLD"
    }


def test_what_if_scores_every_period_by_the_imposed_edition() -> None:
    official = assess(two_years(), SCHEDULE, SCORING_TREE)
    what_if = assess(two_years(), SCHEDULE, SCORING_TREE, what_if=NEW)
    assert what_if.what_if == "TEST-NEW" and official.what_if is None
    w = what_if.scores
    assert set(w["edition"].astype(str)) == {"TEST-NEW"}
    row = w.loc[(w["region_code"] == "990101") & (w["indicator_code"] == "S01.1")].set_index("period")
    assert row.loc[2022, "status"] == "below_floor"  # 90 < 95 had the 2023 standard applied
    # the official result is unchanged by the what-if run
    o = official.scores
    assert (
        o.loc[
            (o["region_code"] == "990101") & (o["indicator_code"] == "S01.1") & (o["period"] == 2022),
            "status",
        ].iloc[0]
        == "meets"
    )


def test_revision_is_carried_on_every_row() -> None:
    revised = replace(OLD, revision=3)
    result = assess(full_values(2022), revised, SCORING_TREE)
    assert set(result.scores["edition"].astype(str)) == {"TEST-OLD r3"}
    assert set(result.aggregates["edition"].astype(str)) == {"TEST-OLD r3"}


DOCTORS = LocalIndicator(
    jurisdiction_code="990100",
    code="P01",
    item_code="",
    name_zh="每千人口执业医师数",
    name_en="Physicians per 1,000",
    kind="per_capita",
    unit="人",
    direction="higher",
    threshold=3.2,
    lower_bound=0.0,
    effective_from=2023,
)


def test_local_indicator_is_scored_only_under_its_jurisdiction_and_kept_out_of_the_overall() -> None:
    values = pd.concat(
        [
            two_years(),
            pd.DataFrame(
                {
                    "region_code": ["990101", "990102", "990101"],
                    "period": [2023, 2023, 2022],
                    "indicator_code": ["P01", "P01", "P01"],
                    "value": [3.5, 2.0, 1.0],
                    "numerator": [float("nan")] * 3,
                    "denominator": [float("nan")] * 3,
                    "note": ["", "", ""],
                }
            ),
        ],
        ignore_index=True,
    )
    plain = assess(two_years(), SCHEDULE, SCORING_TREE)
    result = assess(values, SCHEDULE, SCORING_TREE, local_indicators=[DOCTORS])
    s = result.scores
    local = s.loc[s["indicator_code"] == "P01"].set_index("region_code")
    # only City A's two counties, only from 2023 (the 2022 value is outside the effective period)
    assert sorted(local.index) == ["990101", "990102"] and set(local["period"]) == {2023}
    assert local.loc["990101", "status"] == "meets" and local.loc["990102", "status"] == "below_local"
    assert local.loc["990102", "local_set_by"] == "990100"
    aggs = result.aggregates
    loc = aggs.loc[(aggs["level"] == "aspect") & (aggs["code"] == LOCAL_ASPECT)]
    assert sorted(loc["region_code"].astype(str)) == ["990101", "990102"]
    # the overall score is the national one: the local indicator changes nothing there
    overall = aggs.loc[aggs["level"] == "overall"].set_index(["region_code", "period"])["score"]
    before = plain.aggregates.loc[plain.aggregates["level"] == "overall"].set_index(
        ["region_code", "period"]
    )["score"]
    pd.testing.assert_series_equal(overall.sort_index(), before.sort_index(), check_names=False)
    assert result.edition.aspects[-1].code == LOCAL_ASPECT


def test_edition_for_a_region_adds_only_the_local_indicators_above_it() -> None:
    assert "P01" in edition_for(SCHEDULE, [DOCTORS], SCORING_TREE, 2023, "990101").indicator_by_code
    assert "P01" not in edition_for(SCHEDULE, [DOCTORS], SCORING_TREE, 2023, "990201").indicator_by_code
    assert "P01" not in edition_for(SCHEDULE, [DOCTORS], SCORING_TREE, 2022, "990101").indicator_by_code
    extended = with_local_indicators(NEW, [DOCTORS], SCORING_TREE)
    assert national_part(extended) == NEW


def test_breaks_mark_changed_floors_and_new_codes_at_the_edition_change() -> None:
    result = assess(two_years(), SCHEDULE, SCORING_TREE)
    marks = result.standard_breaks.set_index("indicator_code")
    assert marks.loc["S01.1", "change"] == "standard_changed" and marks.loc["S01.1", "period"] == 2023
    assert marks.loc["S03.3", "change"] == "new"
    assert "S02.1" not in marks.index  # same floor in both editions: like for like
    single = assess(full_values(2023), SCHEDULE, SCORING_TREE)
    assert single.standard_breaks.empty and not single.mixed


def test_a_mixed_table_keeps_each_regions_rows_together_like_one_edition() -> None:
    result = assess(two_years(), SCHEDULE, SCORING_TREE)
    s = result.scores
    # region by region, periods ascending within a region, as one edition's table is ordered
    firsts = s.drop_duplicates("region_code")["region_code"].astype(str).tolist()
    assert firsts == list(SCORING_TREE.leaf_codes(SCORING_TREE.root.code))
    assert s.groupby("region_code", observed=True)["period"].apply(lambda p: p.is_monotonic_increasing).all()
