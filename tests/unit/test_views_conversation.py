"""The conversation's display tables (assessment/views/conversation.py)."""

from __future__ import annotations

import doctest

import pandas as pd

from assessment.views import conversation as cv


def test_docstring_examples_run() -> None:
    result = doctest.testmod(cv)
    assert result.attempted > 0 and result.failed == 0


def test_queries_table_keeps_user_text_as_it_is_and_names_the_correction() -> None:
    queries = pd.DataFrame(
        {
            "id": [2, 1],
            "indicator_code": ["S02.1", "S01.1"],
            "version": pd.array([1, 1], dtype="Int64"),
            "question": ["<b>为何</b> [x](javascript:1)", "?"],
            "status": ["open", "closed"],
            "corrected_in": pd.array([2, None], dtype="Int64"),
            "answer": [None, "ok"],
            "raised_by": ["ev", "ev"],
            "raised_at": pd.to_datetime(["2025-03-31 16:00", "2025-03-01 00:00"], utc=True),
        }
    )
    out = cv.queries_table(queries, None, "zh")
    assert out["问题"].tolist() == ["<b>为何</b> [x](javascript:1)", "?"]
    assert out["状态"].tolist() == ["待答复 · 已在第 2 版中更正", "已关闭"]
    assert out["提问时间（北京时间）"].tolist() == ["2025-04-01 00:00", "2025-03-01 08:00"]
    assert cv.unresolved(queries)["id"].tolist() == [2]
