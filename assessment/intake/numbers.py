"""The tolerant number parser for what people really type into a spreadsheet (issue 3 item 2).

Accepted, besides plain numbers: surrounding spaces (including the full-width space), full-width
digits and punctuation (``１２３．５``, ``９５％``), a trailing percent sign with or without a space
(``95%``, ``95 %`` read as 95: rates are stored in percent), thousands separators in proper groups
of three (``1,234``, ``1,234,567.5``), a leading ``+`` or ``-`` and an exponent (``1.5E+06``, as
Excel writes large numbers to CSV).

Refused (never guessed): anything else, e.g. ``1,23`` (a decimal comma or a typo?), ``1 234``,
``(5)``, ``95%%``, ``abc``, ``inf``, ``nan``, dates, times and TRUE/FALSE cells.

:func:`parse_number` reads one cell; :func:`parse_numbers` reads a whole column the same way with
vectorised pandas (a fast path for cells that are already numbers, string methods for the rest).
A property test checks the two agree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Full-width digits and punctuation, the Unicode minus and exotic spaces -> ASCII.
TRANSLATE = {0xFF10 + i: ord("0") + i for i in range(10)}
TRANSLATE.update(
    {
        0xFF0E: ord("."),  # ．
        0xFF0C: ord(","),  # ，
        0xFF05: ord("%"),  # ％
        0xFF0B: ord("+"),  # ＋
        0xFF0D: ord("-"),  # －
        0x2212: ord("-"),  # − minus sign
        0xFF45: ord("e"),  # ｅ
        0xFF25: ord("E"),  # Ｅ
        0x3000: ord(" "),  # ideographic space
        0x00A0: ord(" "),  # no-break space
        0x2009: ord(" "),  # thin space
        0x202F: ord(" "),  # narrow no-break space
    }
)
_WHITESPACE = " \t\r\n"
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_PCT = re.compile(r"^(?P<num>.*?)\s*%$")
# infer_dtype results that hold only numbers (no booleans, dates or strings).
_NUMERIC_KINDS = {"floating", "integer", "mixed-integer-float", "empty"}
_NUMBER_TYPES = [int, float, np.float64, np.float32, np.int64, np.int32]


@dataclass(frozen=True)
class ParsedNumbers:
    """A parsed column: ``values`` (float, NaN where blank or bad), ``bad`` (a non-blank cell that
    is not a number), ``blank`` and ``percent`` (the cell carried a ``%`` sign)."""

    values: pd.Series
    bad: pd.Series
    blank: pd.Series
    percent: pd.Series


def normalise_text(text: str) -> str:
    """Full-width and exotic characters to ASCII, surrounding whitespace removed.

    >>> normalise_text("　９５％ ")
    '95%'
    """
    return text.translate(TRANSLATE).strip(_WHITESPACE)


def _parse_clean(text: str) -> tuple[float | None, bool]:
    """(number or None, had a percent sign) for an already normalised, non-empty string."""
    pct = False
    m = _PCT.match(text)
    if m:
        text, pct = m.group("num"), True
    if _GROUPED.match(text):
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        return None, pct
    num = float(text)
    return (num if math.isfinite(num) else None), pct


def parse_number(cell: object) -> tuple[float | None, bool]:
    """Read one cell. Returns ``(number, ok)``: ``(None, True)`` for a blank cell,
    ``(None, False)`` for something that is not a number.

    >>> parse_number(" 1,234.5 ")
    (1234.5, True)
    >>> parse_number("９５ ％")
    (95.0, True)
    >>> parse_number("1,23")
    (None, False)
    >>> parse_number("")
    (None, True)
    """
    if cell is None or isinstance(cell, bool):
        return (None, True) if cell is None else (None, False)
    if isinstance(cell, int | float | np.integer | np.floating):
        num = float(cell)
        if math.isnan(num):
            return None, True
        return (num, True) if math.isfinite(num) else (None, False)
    if not isinstance(cell, str):
        return None, False  # dates, times, durations...
    text = normalise_text(cell)
    if not text:
        return None, True
    parsed, _pct = _parse_clean(text)
    return (parsed, True) if parsed is not None else (None, False)


def _slow_path(texts: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Vectorised string route: (values, blank, percent) for a Series of str."""
    norm = texts.str.translate(TRANSLATE).str.strip(_WHITESPACE)
    blank = norm == ""
    pct_parts = norm.str.extract(r"^(?P<num>.*?)\s*%$")
    percent = pct_parts["num"].notna()
    body = pct_parts["num"].where(percent, norm)
    grouped = body.str.fullmatch(_GROUPED.pattern)
    body = body.where(~grouped, body.str.replace(",", "", regex=False))
    plain = body.str.fullmatch(_PLAIN.pattern)
    values = pd.to_numeric(body.where(plain), errors="coerce").astype("float64")
    values = values.where(np.isfinite(values))
    return values, blank.fillna(False).astype(bool), percent.fillna(False).astype(bool)


def parse_numbers(column: pd.Series) -> ParsedNumbers:
    """Read a whole column of cells (numbers, strings, blanks, dates...) the way
    :func:`parse_number` reads one. Never mutates ``column``; the result keeps its index."""
    if pd.api.types.is_float_dtype(column.dtype) or pd.api.types.is_integer_dtype(column.dtype):
        values = column.astype("float64")
        blank = values.isna()
        bad = ~blank & ~np.isfinite(values.fillna(0.0))
        false = pd.Series(False, index=column.index)
        return ParsedNumbers(values.where(~bad), bad, blank & ~bad, false)
    obj = column.astype(object)
    isna = obj.isna()
    false = pd.Series(False, index=obj.index)
    kind = pd.api.types.infer_dtype(obj, skipna=True)
    if kind == "string":
        is_str, is_other = ~isna, false
    elif kind in _NUMERIC_KINDS:
        is_str, is_other = false, false
    else:  # booleans, dates or a mix of strings and numbers: classify each cell once
        types = obj.map(type, na_action="ignore")
        is_str = types.isin([str])
        is_other = ~isna & ~is_str & ~types.isin(_NUMBER_TYPES)
    # Fast path: numbers and plain numeric strings ("95", " 1e5 ") convert in C.
    fast = pd.to_numeric(obj.where(~is_other), errors="coerce").astype("float64")
    finite = pd.Series(np.isfinite(fast.to_numpy()), index=obj.index)
    values = fast.where(finite)
    slow = is_str & ~finite
    bad = is_other | (~isna & ~is_str & ~is_other & ~finite)
    blank = isna & ~is_str
    percent = false
    if slow.any():
        s_vals, s_blank, s_pct = _slow_path(obj[slow].astype(str))
        values = values.copy()
        values.loc[s_vals.index] = s_vals
        s_blank = s_blank.reindex(obj.index, fill_value=False)
        blank = blank | s_blank
        percent = s_pct.reindex(obj.index, fill_value=False) & ~s_blank
        bad = bad | (slow & ~s_blank & values.isna())
    values = values.where(~bad & ~blank)
    return ParsedNumbers(values, bad.astype(bool), blank.astype(bool), (percent & ~bad).astype(bool))
