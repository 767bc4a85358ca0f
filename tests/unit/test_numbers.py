"""The tolerant number parser: what it accepts, what it refuses, and that it never changes a number."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.intake.numbers import normalise_text, parse_number, parse_numbers

FULL_WIDTH = str.maketrans("0123456789.,%+-", "０１２３４５６７８９．，％＋－")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (95, 95.0),
        (95.5, 95.5),
        ("95", 95.0),
        (" 95 ", 95.0),
        ("95%", 95.0),
        ("95 %", 95.0),
        ("９５％", 95.0),
        ("９５ ％", 95.0),
        ("\u300095\u3000", 95.0),
        ("\u00a01,234\u00a0", 1234.0),
        ("1,234", 1234.0),
        ("1,234,567.25", 1234567.25),
        ("１，２３４．５", 1234.5),
        ("-3", -3.0),
        ("−3", -3.0),
        ("+3", 3.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("1.5E+06", 1.5e6),
        ("0", 0.0),
    ],
)
def test_accepts_what_people_type(cell: object, expected: float) -> None:
    assert parse_number(cell) == (expected, True)


@pytest.mark.parametrize("cell", ["", "   ", "\u3000", None, float("nan")])
def test_blank_cells_are_blank_not_bad(cell: object) -> None:
    assert parse_number(cell) == (None, True)


@pytest.mark.parametrize(
    "cell",
    [
        "abc",
        "95 percent",
        "1,23",
        "12,5",
        "1 234",
        "(5)",
        "95%%",
        "%",
        "inf",
        "-inf",
        "nan",
        "NaN",
        "Infinity",
        "1e999",
        "1_000",
        "0x1A",
        "--5",
        "5-",
        "9.5.1",
        "约95",
        "95左右",
        "≥90",
        "一百",
        "1,2345",
        ",123",
        "12,",
        "#DIV/0!",
        "TRUE",
        True,
        False,
        dt.date(2024, 1, 1),
        dt.datetime(2024, 1, 1, 12),
        dt.time(8, 0),
        float("inf"),
        object(),
    ],
)
def test_refuses_garbage(cell: object) -> None:
    assert parse_number(cell) == (None, False)


def test_normalise_text() -> None:
    assert normalise_text("　９５．５％ ") == "95.5%"


def test_vectorised_column_keeps_index_and_flags() -> None:
    col = pd.Series([95, "95%", "abc", "", None, True, "1,234"], index=list("abcdefg"), dtype=object)
    parsed = parse_numbers(col)
    assert list(parsed.values.index) == list("abcdefg")
    assert parsed.values.tolist()[:2] == [95.0, 95.0]
    assert parsed.bad.tolist() == [False, False, True, False, False, True, False]
    assert parsed.blank.tolist() == [False, False, False, True, True, False, False]
    assert parsed.percent.tolist() == [False, True, False, False, False, False, False]
    assert parsed.values["g"] == 1234.0


def test_vectorised_does_not_mutate_input() -> None:
    col = pd.Series(["９５％", " 1 "], dtype=object)
    before = col.copy()
    parse_numbers(col)
    pd.testing.assert_series_equal(col, before)


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15)


@settings(deadline=None)
@given(finite)
def test_a_clean_number_is_never_changed(x: float) -> None:
    assert parse_number(x) == (x, True)
    assert parse_number(repr(x)) == (x, True)
    assert parse_number(f" {x!r}\u3000") == (x, True)


@settings(deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_formatted_numbers_read_back_exactly(d: object) -> None:
    x = float(d)  # type: ignore[arg-type]
    text = f"{x:,.2f}"
    assert parse_number(text) == (round(x, 2), True)
    assert parse_number(text.translate(FULL_WIDTH)) == (round(x, 2), True)
    assert parse_number(f"{x:.2f}%") == (round(x, 2), True)
    assert parse_number(f"{x:.2f} %") == (round(x, 2), True)


@settings(deadline=None)
@given(
    st.text(alphabet=st.sampled_from("abcdxyzABC年元个人;:/\\#$&*()[]{}<>?!~`'\"" + "0123456789"), min_size=1)
)
def test_text_with_a_letter_or_symbol_is_never_a_number(text: str) -> None:
    if any(not c.isdigit() for c in text):
        assert parse_number(text) == (None, False)


@settings(deadline=None)
@given(st.lists(finite, min_size=2, max_size=2))
def test_two_numbers_in_one_cell_are_refused(pair: list[float]) -> None:
    assert parse_number(f"{pair[0]!r} {pair[1]!r}") == (None, False)


cells = st.one_of(
    finite,
    st.integers(-(10**12), 10**12),
    st.text(max_size=8),
    st.sampled_from(["95%", "１，２３４", " 7 ", "1,23", "", "inf", "nan"]),
    st.booleans(),
    st.none(),
    st.dates(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(cells, max_size=30))
def test_vectorised_agrees_with_scalar(values: list[object]) -> None:
    parsed = parse_numbers(pd.Series(values, dtype=object))
    for i, cell in enumerate(values):
        num, ok = parse_number(cell)
        assert bool(parsed.bad.iloc[i]) == (not ok), cell
        got = parsed.values.iloc[i]
        if num is None:
            assert math.isnan(got), cell
        else:
            assert got == num, cell


no_bool_cells = st.one_of(
    finite,
    st.integers(-(10**6), 10**6),
    st.text(max_size=6),
    st.sampled_from(["95%", " 7 ", "", "1,234", "inf"]),
    st.none(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(no_bool_cells, max_size=30), st.booleans())
def test_column_parser_agrees_with_the_cell_parser(values: list[object], as_text: bool) -> None:
    from assessment.intake.cleaning import parse_column

    col = pd.Series([None if v is None else str(v) for v in values] if as_text else values, dtype=object)
    fast, ref = parse_column(col, bools=False), parse_numbers(col)
    pd.testing.assert_series_equal(fast.values, ref.values, check_names=False)
    assert fast.bad.tolist() == ref.bad.tolist() and fast.blank.tolist() == ref.blank.tolist()
    assert fast.percent.tolist() == ref.percent.tolist()
