"""One definition each of reported, approved, pending, returned, late, not reported and scored
(issue 16, point 7), on a completeness frame written by hand."""

from __future__ import annotations

import pandas as pd

from assessment.domain import reporting_status as rs
from assessment.domain.i18n import t


def _frame() -> pd.DataFrame:
    # region: its versions for the period, oldest first
    rows = [
        ("990101", "reported", "approved", 1),  # v1 approved
        ("990102", "reported", "submitted", 1),  # v1 approved, v2 waiting: approved AND pending
        ("990103", "late", "returned", None),  # v1 late, returned
        ("990104", "reported", "approved", 2),  # v1 superseded by v2, approved
        ("990105", "late", "submitted", None),  # v1 returned -> superseded by v2 (late first upload)
        ("990106", "missing", None, None),  # reported another period only
        ("990107", "never_reported", None, None),
    ]
    return pd.DataFrame(
        {
            "region_code": [r[0] for r in rows],
            "status": [r[1] for r in rows],
            "latest_status": [r[2] for r in rows],
            "approved_version": pd.array([1, 1, None, 2, None, None, None], dtype="Int64"),
        }
    )


def test_each_definition_counts_what_its_docstring_says() -> None:
    c = rs.reporting_counts(_frame(), scored=3)
    assert c.as_dict() == {
        "expected": 7,
        "reported": 5,  # any version, on time or late, whatever its review status
        "approved": 3,  # an approved version in force (990102's approval stands while v2 waits)
        "pending": 2,  # latest version waiting
        "returned": 1,
        "late": 2,
        "not_reported": 2,
        "never_reported": 1,
        "scored": 3,
    }
    flags = rs.region_flags(_frame()).set_index(_frame()["region_code"])
    assert flags.loc["990102", "approved"] and flags.loc["990102", "pending"]
    assert not flags.loc["990103", "approved"] and flags.loc["990103", "reported"]


def test_without_approved_version_the_latest_status_decides_and_empty_is_zero() -> None:
    frame = _frame().drop(columns="approved_version")
    assert rs.reporting_counts(frame).approved == 2  # 990101 and 990104
    empty = rs.reporting_counts(_frame().iloc[:0])
    assert empty.expected == 0 and empty.reported == 0 and empty.scored is None


def test_scored_counts_regions_with_an_overall_score() -> None:
    aggs = pd.DataFrame(
        {
            "region_code": ["990101", "990102", "990103", "990101"],
            "level": ["overall", "overall", "overall", "aspect"],
            "period": [2024, 2024, 2024, 2024],
            "score": [80.0, None, 70.0, 50.0],
        }
    )
    assert rs.scored_count(aggs, 2024) == 2
    assert rs.scored_count(aggs, 2024, ["990101", "990102"]) == 1
    assert rs.scored_count(aggs, 2023) == 0


def test_labels_say_which_count_and_ranks_where() -> None:
    assert rs.count_label("reported", "zh") == "已报送（含待审）"
    assert rs.count_label("approved", "zh") == "已审核通过"
    assert rs.count_value(19, 20, "zh") == "19 / 20" and rs.count_value(None, 20, "en") == "–"
    assert t(rs.rank_label_key("prefecture"), "zh") == "市内排名"
    assert t(rs.rank_label_key("province"), "en") == "Rank in province"
    for key in rs.COUNT_KEYS:  # every count has a label and a definition in both languages
        assert rs.count_label(key, "en") and rs.count_help(key, "zh")
