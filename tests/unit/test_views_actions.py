"""The corrective-actions page's display rules (issue 17): assessment/views/actions.py, no database."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from assessment.domain.actions import ActionDraft, Gap, check_draft
from assessment.domain.errors import DataFileError
from assessment.views import actions as view


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (95.1, "95.1"),
        (95.0, "95"),
        (650.0, "650"),
        (90.195466, "90.2"),
        (1805.0, "1,805"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_num(value: object, shown: str) -> None:
    assert view.num(value) == shown


@pytest.mark.parametrize(
    ("current", "offered"),
    [
        (None, ["planned"]),
        ("planned", ["planned", "in_progress", "dropped"]),
        ("in_progress", ["in_progress", "done", "dropped"]),
        ("done", ["done", "in_progress"]),
        ("dropped", ["dropped"]),
    ],
)
def test_only_legal_next_statuses_are_offered(current: str | None, offered: list[str]) -> None:
    assert view.next_statuses(current) == offered


@pytest.mark.parametrize(
    ("total", "lang", "text"),
    [
        (
            {"before": 2023, "gaps_before": 31, "comparable": 31, "closed": 12, "share": 12 / 31},
            "zh",
            "2023 年的差距到 2024 年已关闭：31 个中 12 个（39%）",
        ),
        (
            {"before": 2023, "gaps_before": 31, "comparable": 31, "closed": 12, "share": 12 / 31},
            "en",
            "Gaps of 2023 closed by 2024: 12 of 31 (39%)",
        ),
        (
            {"before": None, "gaps_before": 0, "comparable": 0, "closed": 0, "share": math.nan},
            "zh",
            "没有上一年度的差距可以比较。",
        ),
    ],
)
def test_closure_line(total: dict, lang: str, text: str) -> None:
    assert view.closure_line(total, 2024, lang) == text


@pytest.mark.parametrize(
    ("row", "closed_value", "text"),
    [
        (
            {"outcome": "closed_by_data", "closed_in": 2024, "gap_threshold": 95.0, "due_period": 2024},
            95.1,
            "2024 年数值 95.1 达到标准 95，已由数据销号",
        ),
        (
            {
                "outcome": "escalated",
                "latest_period": 2024,
                "latest_value": 70.95,
                "gap_threshold": 78.0,
                "due_period": 2023,
            },
            None,
            "计划 2023 年完成，2024 年数值 70.95 仍未达到 78，已上报上级",
        ),
        (
            {"outcome": "reopened", "closed_in": 2023, "reopened_in": 2024},
            None,
            "曾于 2023 年达标，2024 年再次出现差距",
        ),
        ({"outcome": "dropped", "reason": "项目撤并"}, None, "已终止：项目撤并"),
        ({"outcome": "open", "due_period": 2025}, None, "计划 2025 年完成"),
    ],
)
def test_what_the_data_say_in_one_sentence(row: dict, closed_value: object, text: str) -> None:
    assert view.outcome_text(row, closed_value, "zh") == text


def test_refusals_land_at_their_fields() -> None:
    gap = Gap("990123", 2023, "S05.1", "below_local", 90.0, 95.0, "卫生健康委", 0.5)
    draft = ActionDraft("990123", 2023, "S05.1", "", "", due_period=2020, budget_total=-1)
    with pytest.raises(DataFileError) as err:
        check_draft(draft, gap)
    placed = view.field_problems(err.value.problems, "zh")
    assert set(placed) == {"measures", "department", "due_period", "budget_total"}
    assert any("早于差距所在年度" in m for m in placed["due_period"])
    assert view.field_problems([], "zh") == {}


def test_history_rows_in_words_and_beijing_time() -> None:
    history = pd.DataFrame(
        {
            "at": [pd.Timestamp("2024-03-01 02:00", tz="UTC")],
            "actor": ["system"],
            "action": ["action.status"],
            "details": [{"from": "planned", "to": "in_progress", "reason": None}],
        }
    )
    zh = view.history_rows(history, "zh").iloc[0].to_dict()
    assert zh == {
        "at": "2024-03-01 10:00",
        "actor": "系统",
        "event": "更改进展状态",
        "details": "原状态：已计划；新状态：推进中",
    }
    en = view.history_rows(history, "en").iloc[0].to_dict()
    assert en["details"] == "from: Planned; to: In progress" and en["event"] == "Status changed"
