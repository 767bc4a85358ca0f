"""What the approved figures say of gaps and actions (assessment.scoring.accountability, issue 17)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessment.scoring import accountability as acc
from assessment.scoring.trends import trends
from tests.fixtures import make_scoring_edition


def scores(
    rows: list[tuple[str, int, str, str, float]], floor: float = 90.0, standard: float = 95.0
) -> pd.DataFrame:
    """A minimal score table: region, period, indicator, status, value."""
    frame = pd.DataFrame(rows, columns=["region_code", "period", "indicator_code", "status", "value"])
    frame["national_floor"] = floor
    frame["standard"] = standard
    frame["gap_floor"] = frame["value"] - floor
    frame["gap_standard"] = frame["value"] - standard
    frame["rel_gap_standard"] = frame["gap_standard"] / standard
    frame["evidence_standard"] = "clearly_below"
    return frame


def actions(rows: list[tuple[str, int, str, str, int, str]]) -> pd.DataFrame:
    """Store-like actions: region, period, indicator, gap kind, due period, status."""
    frame = pd.DataFrame(
        rows, columns=["region_code", "period", "indicator_code", "gap_kind", "due_period", "status"]
    )
    frame.insert(0, "id", range(1, len(frame) + 1))
    return frame


SCORES = scores(
    [
        # A: below the floor in 2022, meets in 2023 -> closed by the data in 2023
        ("A", 2022, "X", "below_floor", 85.0),
        ("A", 2023, "X", "meets", 96.0),
        ("A", 2024, "X", "meets", 97.0),
        # B: below in 2022, still below in 2023 (due) -> escalated
        ("B", 2022, "X", "below_floor", 80.0),
        ("B", 2023, "X", "below_floor", 82.0),
        ("B", 2024, "X", "below_floor", 84.0),
        # C: closed in 2023, below again in 2024 -> reopened
        ("C", 2022, "X", "below_floor", 85.0),
        ("C", 2023, "X", "below_local", 91.0),
        ("C", 2024, "X", "below_floor", 88.0),
        # D: due 2023 but no figure approved from 2023 on -> awaiting data
        ("D", 2022, "X", "below_floor", 85.0),
        ("D", 2023, "X", "no_data", math.nan),
        ("D", 2024, "X", "no_data", math.nan),
        # E: below the local standard; meeting the floor only does not close it
        ("E", 2022, "X", "below_local", 92.0),
        ("E", 2023, "X", "below_local", 93.0),
        ("E", 2024, "X", "meets", 95.5),
    ]
)


def judged(as_of: int) -> pd.DataFrame:
    acts = actions(
        [
            ("A", 2022, "X", "below_floor", 2023, "in_progress"),
            ("B", 2022, "X", "below_floor", 2023, "done"),
            ("C", 2022, "X", "below_floor", 2023, "done"),
            ("D", 2022, "X", "below_floor", 2023, "planned"),
            ("E", 2022, "X", "below_local", 2023, "in_progress"),
        ]
    )
    return acc.judge(acts, SCORES, as_of).set_index("region_code")


def test_the_data_decide_each_action() -> None:
    got = judged(2023)
    assert got["outcome"].to_dict() == {
        "A": "closed_by_data",
        "B": "escalated",
        "C": "closed_by_data",  # below the floor -> meets the floor: closed (the local gap is another gap)
        "D": "awaiting_data",
        "E": "escalated",
    }
    assert got.loc["A", "closed_in"] == 2023 and not got.loc["A", "closed_late"]
    assert got["due_now"].to_dict() == {"A": False, "B": True, "C": False, "D": True, "E": True}
    assert not got["overdue"].any()


def test_a_year_later_the_gap_that_came_back_reopens_and_late_closure_counts() -> None:
    got = judged(2024)
    assert got.loc["C", "outcome"] == "reopened" and got.loc["C", "reopened_in"] == 2024
    assert got.loc["E", "outcome"] == "closed_by_data" and got.loc["E", "closed_late"]
    assert got.loc["B", "outcome"] == "escalated"
    assert got["overdue"].to_dict() == {"A": False, "B": True, "C": True, "D": True, "E": False}
    assert got.loc["B", "latest_value"] == 84.0 and got.loc["B", "latest_period"] == 2024


def test_before_the_due_period_an_action_is_open_and_a_dropped_one_stays_dropped() -> None:
    acts = actions(
        [("B", 2022, "X", "below_floor", 2025, "planned"), ("D", 2022, "X", "below_floor", 2023, "dropped")]
    )
    got = acc.judge(acts, SCORES, 2024).set_index("region_code")
    assert got["outcome"].to_dict() == {"B": "open", "D": "dropped"}


def test_no_actions_gives_an_empty_judged_table() -> None:
    got = acc.judge(actions([]), SCORES, 2024)
    assert got.empty and set(acc.JUDGED_COLUMNS) <= set(got.columns)


def test_gaps_name_the_threshold_missed() -> None:
    got = acc.gaps(SCORES, 2023).set_index("region_code")
    assert sorted(got.index) == ["B", "C", "E"]
    assert got.loc["B", "threshold"] == 90.0 and got.loc["B", "gap_kind"] == "below_floor"
    assert got.loc["C", "threshold"] == 95.0 and got.loc["C", "gap_kind"] == "below_local"


def test_closure_counts_last_periods_gaps_that_closed() -> None:
    per = acc.closure(SCORES, 2023).set_index("region_code")
    # 2022 gaps: A, B, C, D, E; in 2023 A and C closed, B and E did not, D has no figure
    assert per["closed"].to_dict() == {"A": 1, "B": 0, "C": 1, "D": 0, "E": 0}
    assert per.loc["D", "not_reported"] == 1 and math.isnan(per.loc["D", "share_closed"])
    total = acc.closure_total(per.reset_index())
    assert total == {"before": 2022, "gaps_before": 5, "comparable": 4, "closed": 2, "share": 0.5}
    assert acc.closure(SCORES, 2022).empty
    assert math.isnan(acc.closure_total(acc.closure(SCORES, 2022))["share"])


@pytest.mark.parametrize(
    ("values", "warned"),
    [
        ((95.0, 92.0), True),  # falls 3 a year, 2 above the floor: below within a year
        ((95.0, 94.0), False),  # falls 1 a year, 4 above
        ((91.0, 93.0), False),  # rising
        ((95.0, 89.0), False),  # already below the floor: a gap, not a warning
    ],
)
def test_early_warning_when_the_pace_crosses_the_floor_within_a_year(
    values: tuple[float, float], warned: bool
) -> None:
    edition = make_scoring_edition()
    code = edition.indicators[0].code
    floor = 90.0
    higher = edition.indicators[0].direction == "higher"
    rows = []
    for period, v in zip((2023, 2024), values, strict=True):
        value = v if higher else 2 * floor - v  # mirror for a lower-is-better indicator
        below = (value < floor) if higher else (value > floor)
        rows.append(("A", period, code, "below_floor" if below else "meets", value))
    frame = scores(rows, floor=floor, standard=floor)
    tr = trends(frame.assign(standard=np.float64(floor)), edition)
    got = acc.early_warnings(frame, tr, edition, 2024)
    assert (len(got) == 1) is warned
    if warned:
        row = got.iloc[0]
        assert row["prev_period"] == 2023
        assert row["years_to_floor"] == pytest.approx(2 / 3)
        assert row["margin"] == pytest.approx(2.0)
