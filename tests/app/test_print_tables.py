"""The print-only twin of a dashboard table (ui/print_tables.py, issue 18 point 5): the grid's labels,
hidden columns and number formats, status colours, escaped user text, and the cut of long tables.
The browser check that it replaces the grid on paper is tests/e2e/test_print.py."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st

from ui.columns import styled
from ui.print_tables import PRINT_ROWS, html_table, number_text


@pytest.mark.parametrize(
    ("value", "fmt", "text"),
    [
        (96.345, "%.1f", "96.3"),
        (0.7, "%+.1f", "+0.7"),
        (-0.44, "%+.2f", "-0.44"),
        (12345, "%,d", "12,345"),
        (12.6, "%d", "13"),
        (0.896, "percent", "89.6%"),
        (1234567, "localized", "1,234,567"),
        (2.5, None, "2.5"),
        (float("nan"), "%.1f", "—"),
        (None, None, "—"),
        ("达标", "%.1f", "达标"),
        (True, None, "✓"),
        (False, None, ""),
        (pd.Timestamp("2025-03-20 16:00", tz="Asia/Shanghai"), None, "2025-03-20 16:00"),
    ],
)
def test_numbers_print_as_the_grid_shows_them(value, fmt, text) -> None:
    assert number_text(value, fmt) == text


def test_labels_hidden_columns_and_escaped_user_text() -> None:
    frame = pd.DataFrame(
        {"name": ["<b>甲城区</b>", "乙县"], "score": [96.34, 80.0], "secret_key": ["k1", "k2"]}
    )
    config = {
        "name": st.column_config.Column("地区"),
        "score": st.column_config.NumberColumn("得分", format="%.1f"),
        "secret_key": None,
    }
    out = html_table(frame, config)
    assert out is not None
    assert "<th>地区</th><th>得分</th></tr>" in out
    assert "secret_key" not in out and "k1" not in out
    assert "&lt;b&gt;甲城区&lt;/b&gt;" in out and "<b>" not in out
    assert "<td>96.3</td>" in out and "<td>80.0</td>" in out


def test_status_colours_follow_the_styler() -> None:
    frame = pd.DataFrame({"name": ["甲", "乙"], "status": ["below_floor", "meets"]})
    shown = frame.assign(status=["低于国家底线", "达标"])
    out = html_table(styled(shown, frame["status"]), {})
    assert out is not None
    below, meets = out.split("<tr>")[2:4]
    assert "background-color:#" in below and "低于国家底线" in below
    assert "background-color:#" in meets
    assert below.split("background-color:")[1][:7] != meets.split("background-color:")[1][:7]


def test_a_long_table_is_cut_with_a_note() -> None:
    frame = pd.DataFrame({"n": range(PRINT_ROWS + 5)})
    out = html_table(frame, {}, more_rows="printed {shown} of {total}")
    assert out is not None
    assert out.count("<tr>") == PRINT_ROWS + 1  # the header row and the first PRINT_ROWS rows
    assert f"printed {PRINT_ROWS:,} of {PRINT_ROWS + 5:,}" in out
    short = html_table(frame.head(3), {}, more_rows="printed {shown} of {total}")
    assert short is not None and "printed" not in short


def test_what_is_not_a_table_is_left_to_the_grid() -> None:
    assert html_table([1, 2, 3], {}) is None


def test_a_cut_table_keeps_its_colours() -> None:
    n = PRINT_ROWS + 3
    frame = pd.DataFrame({"name": [f"县{i}" for i in range(n)], "status": ["below_floor"] * n})
    out = html_table(styled(frame, frame["status"]), {}, more_rows="{shown}/{total}")
    assert out is not None
    assert out.count("background-color:#d55e00") == PRINT_ROWS
