"""Corrective actions, the whole loop on SQLite and PostgreSQL (issue 17): a gap in the approved
figures -> an action -> the next period's approved figures meet the floor -> closed by the data;
another stays below -> escalated; a closed gap that comes back reopens its history. Who may do what,
every change audited, and bad input that stores nothing."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from assessment.accountability.service import record_action, register
from assessment.domain.actions import ActionDraft
from assessment.domain.errors import DataFileError
from assessment.scoring.analysis import assess
from assessment.store import Store
from tests.fixtures import EVALUATOR, OFFICIAL, count_rows, upload

COUNTY, OTHER = "990101", "990201"
T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)


def _report(store: Store, period: int, rows: dict, minute: int) -> None:
    data, result = upload(COUNTY, period, rows, salt=f"p{period}")
    sub = store.import_upload(OFFICIAL, data, f"{period}.xlsx", result, now=T0 + timedelta(minutes=minute))
    store.review(EVALUATOR, sub.submission_id, "approve", now=T0 + timedelta(minutes=minute + 1))


def _register(store: Store, period: int, actor: str = EVALUATOR, jurisdiction: str = "990000"):  # type: ignore[no-untyped-def]
    result = assess(
        store.values(actor),
        store.edition_schedule(),
        store.region_tree(),
        store.local_standards(),
        jurisdiction=jurisdiction,
        local_indicators=store.local_indicators(),
    )
    return register(store, actor, result, period)


def _people(store: Store) -> None:
    store.add_user("system", "off101", "County official", "official", COUNTY)
    store.add_user("system", "off201", "Other official", "official", OTHER)
    store.add_user("system", "ev200", "Yi evaluator", "evaluator", "990200")
    store.add_user("system", "ev100", "Jia evaluator", "evaluator", "990100")


def _draft(indicator: str, **changes: object) -> ActionDraft:
    base = ActionDraft(
        COUNTY, 2023, indicator, "增设服务点，按月督导", "卫生健康委", 2024, budget_total=200_000.0
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _refused(fn, *args, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(DataFileError) as err:
        fn(*args, **kw)
    problems = err.value.problems
    assert problems and all(p.message_zh and p.message_en and p.message_zh != p.message_en for p in problems)
    return [p.code for p in problems]


def test_gap_action_then_the_next_figures_close_or_escalate_it(store: Store) -> None:
    _people(store)
    _report(store, 2023, {"S01.1": (60.0, 600.0, 1000.0), "S02.1": (70.0, 700.0, 1000.0)}, 0)
    before = _register(store, 2023)
    gaps = before.gaps.set_index("indicator_code")
    assert {"S01.1", "S02.1"} <= set(gaps.index) and gaps.loc["S01.1", "gap_kind"] == "below_floor"
    assert before.counts()["without_action"] == len(before.gaps) and before.counts()["with_action"] == 0

    closing = record_action(store, "off101", _draft("S01.1"))
    staying = record_action(store, "off101", _draft("S02.1", status="in_progress"))
    row = store.action("off101", closing)
    assert row["gap_kind"] == "below_floor" and row["gap_value"] == pytest.approx(60.0)
    assert row["gap_threshold"] == pytest.approx(80.0) and row["review"] == "pending"
    assert row["department"] == "卫生健康委" and row["budget_total"] == 200_000.0
    now = _register(store, 2023)
    assert now.counts()["with_action"] == 2 and now.counts()["to_review"] == 2
    assert now.counts()["due_now"] == 0

    store.review_action(EVALUATOR, closing, "accepted")
    store.review_action("ev100", staying, "returned", "预算依据不足，请补充测算")
    assert store.action("off101", staying)["review"] == "returned"
    # the official revises the plan: it goes back to review
    record_action(store, "off101", _draft("S02.1", status="in_progress", budget_total=260_000.0))
    assert store.action("off101", staying)["review"] == "pending"

    _report(store, 2024, {"S01.1": (85.0, 850.0, 1000.0), "S02.1": (75.0, 750.0, 1000.0)}, 10)
    after = _register(store, 2024)
    judged = after.actions.set_index("indicator_code")
    assert judged.loc["S01.1", "outcome"] == "closed_by_data"
    assert judged.loc["S01.1", "closed_in"] == 2024 and judged.loc["S01.1", "latest_value"] == pytest.approx(
        85.0
    )
    assert judged.loc["S02.1", "outcome"] == "escalated"
    assert after.counts()["escalated"] == 1 and after.counts()["closed_by_data"] == 1
    assert after.counts()["due_now"] == 1  # the escalated one; the closed one is done with
    total = after.closure_total
    assert total["before"] == 2023 and total["closed"] >= 1
    assert total["share"] == pytest.approx(total["closed"] / total["comparable"])
    # the escalation is seen one level up: the province's and the prefecture's evaluators
    for evaluator, jurisdiction in ((EVALUATOR, "990000"), ("ev100", "990100")):
        seen = _register(store, 2024, evaluator, jurisdiction).actions
        assert seen.loc[seen["indicator_code"] == "S02.1", "outcome"].tolist() == ["escalated"]

    # the gap that closed comes back in 2025: the earlier action reads "reopened" on the new gap
    _report(store, 2025, {"S01.1": (70.0, 700.0, 1000.0), "S02.1": (95.0, 950.0, 1000.0)}, 20)
    later = _register(store, 2025)
    assert later.actions.set_index("indicator_code").loc["S01.1", "outcome"] == "reopened"
    assert later.actions.set_index("indicator_code").loc["S02.1", "outcome"] == "closed_by_data"
    new_gap = later.gaps.set_index("indicator_code").loc["S01.1"]
    assert new_gap["earlier_action"] == closing and new_gap["earlier_outcome"] == "reopened"
    assert later.actions.set_index("indicator_code").loc["S02.1", "closed_late"]

    actions_audited = store.audit_log(object_type="action")
    assert actions_audited["action"].tolist() == [
        "action.create",
        "action.create",
        "action.review",
        "action.review",
        "action.update",
    ]
    history = store.action_history("off101", staying)
    assert history["action"].tolist() == ["action.create", "action.review", "action.update"]
    assert history.iloc[-1]["details"]["budget_total"] == {"from": 200_000.0, "to": 260_000.0}


def test_status_steps_and_bad_input_store_nothing(store: Store) -> None:
    _people(store)
    _report(store, 2023, {"S01.1": (60.0, 600.0, 1000.0), "S02.1": (95.0, 950.0, 1000.0)}, 0)
    ident = record_action(store, "off101", _draft("S01.1"))
    rows = count_rows(store)
    audit_count = len(store.audit_log())
    cases = {
        "no gap (meets the floor)": (_draft("S02.1"), ["actions.error.no_gap"]),
        "unknown indicator": (_draft("S99.9"), ["actions.error.no_gap"]),
        "no figure in that period": (_draft("S01.1", period=2022, due_period=2023), ["actions.error.no_gap"]),
        "due before the gap": (_draft("S01.1", due_period=2022), ["actions.error.due_before_gap"]),
        "negative budget": (_draft("S01.1", budget_total=-5.0), ["actions.error.budget_negative"]),
        "skips a state": (_draft("S01.1", status="done"), ["actions.error.status_skip"]),
        "dropped without a reason": (_draft("S01.1", status="dropped"), ["actions.error.reason_required"]),
    }
    for name, (draft, codes) in cases.items():
        assert _refused(record_action, store, "off101", draft) == codes, name
    assert count_rows(store) == rows and len(store.audit_log()) == audit_count
    # legal steps, one at a time; dropped is final
    record_action(store, "off101", _draft("S01.1", status="in_progress"))
    record_action(store, "off101", _draft("S01.1", status="done"))
    record_action(store, "off101", _draft("S01.1", status="in_progress"))
    record_action(store, "off101", _draft("S01.1", status="dropped", reason="并入省级项目统一实施"))
    assert _refused(record_action, store, "off101", _draft("S01.1", status="in_progress")) == [
        "actions.error.status_final"
    ]
    assert _refused(store.review_action, EVALUATOR, ident, "accepted") == ["actions.error.review_dropped"]
    statuses = store.audit_log(object_type="action", action="action.status")["details"].tolist()
    assert [(d["from"], d["to"]) for d in statuses] == [
        ("planned", "in_progress"),
        ("in_progress", "done"),
        ("done", "in_progress"),
        ("in_progress", "dropped"),
    ]


def test_who_may_see_change_and_review(store: Store) -> None:
    _people(store)
    _report(store, 2023, {"S01.1": (60.0, 600.0, 1000.0)}, 0)
    ident = record_action(store, "off101", _draft("S01.1"))
    rows = count_rows(store)
    # the official of another county, an evaluator of another prefecture, an administrator: nothing
    assert store.actions("off201").empty and store.actions("ev200").empty and store.actions("admin1").empty
    for actor in ("off201", "ev200", "admin1"):
        assert _refused(store.action, actor, ident) == ["actions.error.unknown_action"]
        assert _refused(store.action_history, actor, ident) == ["actions.error.unknown_action"]
        assert _refused(store.review_action, actor, ident, "accepted") == ["actions.error.unknown_action"]
    # the other county's official cannot record on this county's gap, nor an evaluator
    with pytest.raises(DataFileError):
        record_action(store, "off201", _draft("S01.1"))
    with pytest.raises(DataFileError):
        record_action(store, EVALUATOR, _draft("S01.1"))
    # the official may not review, the evaluator may not change; a return needs a comment
    assert _refused(store.review_action, "off101", ident, "accepted") == ["actions.error.evaluator_only"]
    assert _refused(store.review_action, EVALUATOR, ident, "returned", "  ") == [
        "actions.error.comment_required"
    ]
    assert _refused(store.review_action, EVALUATOR, ident, "maybe") == ["actions.error.bad_review"]
    assert _refused(store.action, "off101", 999_999) == ["actions.error.unknown_action"]
    assert count_rows(store) == rows
    # both sides see it; the prefecture evaluator of the county too
    for actor in ("off101", EVALUATOR, "ev100"):
        assert store.actions(actor)["id"].tolist() == [ident]
    assert store.actions(EVALUATOR, jurisdiction="990200").empty
    assert store.actions(EVALUATOR, jurisdiction="990100")["id"].tolist() == [ident]
