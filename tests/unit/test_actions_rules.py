"""Corrective actions (issue 17): the rules of a draft and of a status step (assessment.domain.actions)."""

from __future__ import annotations

import pytest

from assessment.domain.actions import ActionDraft, Gap, check_draft, check_transition, split_budget
from assessment.domain.errors import DataFileError

GAP = Gap("990123", 2024, "S05.1", "below_floor", 85.0, 90.0, "卫生健康委", 0.6)


def draft(**changes: object) -> ActionDraft:
    base: dict[str, object] = {
        "region_code": "990123",
        "period": 2024,
        "indicator_code": "S05.1",
        "measures": "  增加接种点  ",
        "department": "卫生健康委",
        "due_period": 2025,
        "budget_total": 100_000.0,
    }
    base.update(changes)
    return ActionDraft(**base)  # type: ignore[arg-type]


def fields(err: pytest.ExceptionInfo[DataFileError]) -> list[str]:
    return [p.column.split()[-1] for p in err.value.problems]


def test_a_good_draft_is_cleaned_and_split_by_the_central_share() -> None:
    clean = check_draft(draft(), GAP)
    assert clean.measures == "增加接种点"
    assert (clean.budget_total, clean.budget_central, clean.budget_local) == (100_000.0, 60_000.0, 40_000.0)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"budget_total": -1.0}, "budget_total", "actions.error.budget_negative"),
        ({"budget_local": "abc"}, "budget_local", "actions.error.budget_not_number"),
        ({"budget_total": 2e13}, "budget_total", "actions.error.budget_too_large"),
        ({"due_period": 2023}, "due_period", "actions.error.due_before_gap"),
        ({"measures": "   "}, "measures", "actions.error.measures_required"),
        ({"department": ""}, "department", "actions.error.department_required"),
        ({"status": "finished"}, "status", "actions.error.bad_status"),
        ({"status": "dropped"}, "reason", "actions.error.reason_required"),
        ({"measures": "x" * 2001}, "measures", "actions.error.text_too_long"),
        (
            {"budget_total": 100.0, "budget_central": 70.0, "budget_local": 40.0},
            "budget_total",
            "actions.error.budget_split",
        ),
    ],
)
def test_bad_fields_are_refused_at_their_field(changes: dict[str, object], field: str, code: str) -> None:
    with pytest.raises(DataFileError) as err:
        check_draft(draft(**changes), GAP)
    assert fields(err) == [field]
    problem = err.value.problems[0]
    assert problem.code == code
    assert problem.message_zh and problem.message_en and "{" not in problem.message_zh + problem.message_en


def test_no_gap_is_refused_and_every_problem_is_reported_at_once() -> None:
    with pytest.raises(DataFileError) as err:
        check_draft(draft(measures="", due_period=2020), None)
    assert fields(err) == ["indicator_code", "measures", "due_period"]
    assert "S05.1" in err.value.problems[0].message_zh


def test_a_far_due_period_is_refused_when_a_horizon_is_given() -> None:
    assert check_draft(draft(due_period=2034), GAP, known_periods=10).due_period == 2034
    with pytest.raises(DataFileError) as err:
        check_draft(draft(due_period=2035), GAP, known_periods=10)
    assert err.value.problems[0].code == "actions.error.due_too_far"


@pytest.mark.parametrize(
    ("parts", "share", "expected"),
    [
        ((None, 30.0, 70.0), None, (100.0, 30.0, 70.0)),
        ((100.0, None, 70.0), None, (100.0, 30.0, 70.0)),
        ((100.0, 25.0, None), 0.9, (100.0, 25.0, 75.0)),
        ((100.0, None, None), None, (100.0, None, None)),
        ((100.0, None, None), 0.5, (100.0, 50.0, 50.0)),
        ((None, None, None), 0.5, (None, None, None)),
    ],
)
def test_split_budget(parts: tuple, share: float | None, expected: tuple) -> None:
    assert split_budget(*parts, share) == expected


@pytest.mark.parametrize(
    ("old", "new", "ok"),
    [
        ("planned", "planned", True),
        ("planned", "in_progress", True),
        ("planned", "done", False),  # skips a state
        ("planned", "dropped", True),
        ("in_progress", "done", True),
        ("in_progress", "planned", False),
        ("done", "in_progress", True),  # the data showed the gap still open
        ("done", "planned", False),
        ("dropped", "in_progress", False),  # final
        ("in_progress", "cancelled", False),
    ],
)
def test_status_steps(old: str, new: str, ok: bool) -> None:
    problem = check_transition(old, new)
    assert (problem is None) is ok
    if problem is not None:
        assert problem.column.endswith("status")
        assert problem.message_zh and problem.message_en
