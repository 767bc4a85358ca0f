"""Cleaning the cells of an upload, once per distinct value.

A batch file repeats the same region code, period and indicator code thousands of times, so each
function here factorises the column, cleans the distinct values (full-width characters, spaces,
numbers stored as text, ``2024年``) and spreads the result back: vectorised and fast on 500,000
rows. TRUE/FALSE cells are kept apart from 1 and 0 on the way (Python says ``True == 1``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac

from assessment.intake.numbers import TRANSLATE, ParsedNumbers, parse_numbers
from assessment.intake.upload_problems import fmt_number

PERIOD_RANGE = (1990, 2100)


_PLAIN_KINDS = {"string", "floating", "integer", "mixed-integer-float", "empty"}


def _factorize(col: pd.Series, bools: bool = True) -> tuple[np.ndarray, pd.Index]:
    """pandas.factorize, except that TRUE/FALSE cells stay apart from 1 and 0 (Python says
    True == 1, so factorize would merge them): they become the strings 'TRUE'/'FALSE'.
    ``bools=False`` skips that check when the source can hold no TRUE/FALSE cell."""
    if col.dtype != object and pd.api.types.is_string_dtype(col.dtype):
        one = _one_value(col)
        if one is not None:
            return one
        return pd.factorize(col, use_na_sentinel=False)  # text only (csv): no TRUE/FALSE cells
    obj = col if col.dtype == object else col.astype(object)
    if bools and pd.api.types.infer_dtype(obj, skipna=True) not in _PLAIN_KINDS:
        is_bool = obj.map(type, na_action="ignore").isin([bool]).to_numpy()
        if is_bool.any():
            obj = obj.copy()
            obj[is_bool] = np.where(obj[is_bool].to_numpy(dtype=bool), "TRUE", "FALSE")
    return pd.factorize(obj, use_na_sentinel=False)


def _one_value(col: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """``pandas.factorize(col, use_na_sentinel=False)`` of a pyarrow text column whose cells are
    all one string (a batch file's single period, its empty notes), found in one comparison
    instead of hashing every cell; None for any other column."""
    if not (isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow") or not len(col):
        return None
    arr = pa.chunked_array(col.array.__arrow_array__())
    if arr.null_count:
        return None
    first = arr[0]
    if not pac.all(pac.equal(arr, first)).as_py():
        return None
    return np.zeros(len(col), dtype=np.intp), pd.Index([first.as_py()], dtype=col.dtype)


def by_unique(col: pd.Series, fn: Callable[[pd.Series], pd.Series], bools: bool = True) -> pd.Series:
    """``fn`` applied to each distinct cell once, spread back over ``col`` (region codes, periods
    and indicator codes repeat thousands of times in a batch file). The result is categorical, so
    later comparisons, look-ups and groupings work on integer codes."""
    codes, uniques = _factorize(col, bools)
    mapped = fn(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    cat_codes, cats = pd.factorize(mapped)  # cleaned values may coincide: ' S01.1' and 'S01.1'
    return pd.Series(pd.Categorical.from_codes(cat_codes[codes], categories=cats), index=col.index)


def lookup(
    col: pd.Series,
    mapping: dict | pd.Series,
    default: object = np.nan,
    categorical: bool = False,
    dtype: str | None = None,
) -> pd.Series:
    """``col.map(mapping)`` computed once per distinct value (fast on long, repetitive columns);
    ``categorical=True`` returns a categorical Series (for text results such as an indicator's kind).
    ``dtype="float64"``: ``lookup(...).astype("float64")``; ``dtype="bool"``:
    ``lookup(...).fillna(False).astype(bool)``, both converted on the distinct values only."""
    if isinstance(col.dtype, pd.CategoricalDtype) and not categorical:
        # the categories are the distinct values already (unused ones are looked up for nothing)
        codes, uniques = col.cat.codes.to_numpy(), col.cat.categories
    else:
        codes, uniques = pd.factorize(col)
    found = pd.Series(uniques, dtype=object).map(mapping).to_numpy(dtype=object)
    values = np.append(found, np.array([default], dtype=object))  # code -1 (missing): the default
    if categorical:
        cat_codes, cats = pd.factorize(values)
        return pd.Series(pd.Categorical.from_codes(cat_codes[codes], categories=cats), index=col.index)
    if dtype == "bool":
        values = np.where(pd.isna(values), False, values).astype(bool)
    elif dtype is not None:
        values = values.astype(dtype)
    return pd.Series(values[codes], index=col.index, dtype=dtype or object, copy=False)  # a new array


def _as_text(v: object) -> object:
    if isinstance(v, float | int) and not isinstance(v, bool):
        return fmt_number(v)  # 12.0 typed in a note or code cell reads "12", not "12.0"
    return v


def _clean_text_unique(obj: pd.Series) -> pd.Series:
    """Distinct cells as stripped ASCII-normalised strings (called on uniques: per-cell is fine)."""
    text = obj.map(_as_text, na_action="ignore")
    return text.where(text.notna(), "").astype(str).str.translate(TRANSLATE).str.strip().astype(object)


def clean_text(col: pd.Series, bools: bool = True) -> pd.Series:
    """Cells as stripped ASCII-normalised strings ('' for blanks), object dtype."""
    return by_unique(col, _clean_text_unique, bools)


def clean_code(col: pd.Series, bools: bool = True) -> pd.Series:
    """Indicator codes: cleaned text in upper case ('s05.1 ' -> 'S05.1')."""
    return by_unique(col, lambda u: _clean_text_unique(u).str.upper(), bools)


_PLAIN_CODE = re.compile(r"[1-9][0-9]{0,14}")  # read as a number, written back the same


def _region_unique(obj: pd.Series) -> pd.Series:
    if all(isinstance(v, str) and _PLAIN_CODE.fullmatch(v) for v in obj):  # nothing to clean
        return pd.Series(obj.to_numpy(dtype=object), dtype=object)
    nums = parse_numbers(obj).values
    whole = (nums.notna() & (nums % 1 == 0)).to_numpy()
    text = _clean_text_unique(obj).to_numpy(dtype=object, copy=True)
    text[whole] = nums[whole].astype("int64").astype(str).to_numpy(dtype=object)
    return pd.Series(text, dtype=object)


def clean_region(col: pd.Series, bools: bool = True) -> pd.Series:
    """Region codes as strings of digits where the cell was a number (990101.0 -> '990101')."""
    return by_unique(col, _region_unique, bools)


def clean_period(col: pd.Series, bools: bool = True) -> tuple[pd.Series, pd.Series]:
    """(period as Int64, bad mask): a four-digit year; '2024年' and 2024.0 are read as 2024."""
    codes, uniques = _factorize(col, bools)
    text = _clean_text_unique(pd.Series(uniques, dtype=object)).str.replace(r"\s*年度?$", "", regex=True)
    nums = parse_numbers(text).values
    ok = nums.notna() & (nums % 1 == 0) & nums.between(*PERIOD_RANGE)
    bad = (~ok & (text != "")).to_numpy(dtype=bool)
    # Int64 built from the whole years and a mask (as Float64 of nums.where(ok), then Int64)
    okay = ok.to_numpy(dtype=bool)
    years = np.where(okay, nums.to_numpy(dtype="float64", na_value=0.0), 0.0).astype("int64")
    period = pd.arrays.IntegerArray(years[codes], ~okay[codes])
    return pd.Series(period, index=col.index, copy=False), pd.Series(bad[codes], index=col.index, copy=False)


# Decimals that pandas.to_numeric and pyarrow's cast read to the same double (both round
# correctly; integer parts are kept short of where pandas switches to its wide-integer path).
_ARROW_PLAIN = r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$"


_MAX_DIGITS = 15  # as in _ARROW_PLAIN


def _chunk_plain(chunk: pa.Array) -> bool | None:
    """Whether every non-empty string of one string chunk matches ``_ARROW_PLAIN``, from its
    bytes and offsets in a few numpy passes (no regex per cell). None (the regex decides) when
    the chunk has nulls, is not a plain string array or holds a string longer than 15 bytes.

    Within 15 bytes no digit run can exceed 15, so a string matches when its bytes are digits,
    points and minus signs only, a minus sign is first and followed by a digit, a point has a
    digit on either side within the string, and no string holds two points."""
    if chunk.null_count or not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
        return None
    n = len(chunk)
    _, off_buf, data_buf = chunk.buffers()
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    off = np.frombuffer(off_buf, dtype=width)[chunk.offset : chunk.offset + n + 1].astype(np.int64)
    if not n or off[-1] == off[0]:  # nothing but empty strings
        return True
    lengths = np.diff(off)
    if int(lengths.max()) > _MAX_DIGITS:
        return None
    data = np.frombuffer(data_buf, dtype=np.uint8)[off[0] : off[-1]]
    off -= off[0]
    digit = (data - np.uint8(48)) <= 9  # wraps around below "0"
    point = data == 46
    minus = data == 45
    if not (digit | point | minus).all():
        return False
    starts = off[:-1][lengths > 0]
    is_start = np.zeros(len(data) + 1, dtype=bool)  # the byte begins a string (or is the end)
    is_start[starts] = True
    is_start[-1] = True
    next_digit = np.append(digit[1:], False) & ~is_start[1:]  # a digit follows, same string
    if (minus & ~(is_start[:-1] & next_digit)).any():
        return False
    if not point.any():
        return True
    prev_digit = np.insert(digit[:-1], 0, False) & ~is_start[:-1]
    if (point & ~(prev_digit & next_digit)).any():
        return False
    marks = np.flatnonzero(is_start[:-1] | point)  # string starts and points, in order
    is_point = point[marks]
    return not (is_point[1:] & is_point[:-1]).any()  # two points with no start between them


def _all_plain(arr: pa.ChunkedArray, text: pa.ChunkedArray) -> bool:
    """Whether every non-blank cell of ``arr`` matches ``_ARROW_PLAIN`` (``text``: ``arr`` with
    its blanks null, for the regex where the byte check does not apply)."""
    verdicts = [_chunk_plain(chunk) for chunk in arr.chunks]
    if all(v is not None for v in verdicts):
        return all(verdicts)
    return pac.all(pac.match_substring_regex(text, _ARROW_PLAIN)).as_py() is not False


def _arrow_plain_numbers(col: pd.Series) -> ParsedNumbers | None:
    """:func:`_plain_numbers` of a pyarrow-backed text column (a CSV's) in pyarrow's compute
    kernels, when every non-blank cell is a plain decimal (``-12``, ``95.5``); else None."""

    if not (isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow"):
        return None
    arr = pa.chunked_array(col.array.__arrow_array__())
    blank = pac.or_kleene(pac.is_null(arr), pac.equal(arr, "")).fill_null(True)
    text = pac.if_else(blank, pa.scalar(None, pa.string()), arr)
    if not _all_plain(arr, text):
        return None
    values = pac.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    false = pd.Series(False, index=col.index)
    return ParsedNumbers(
        pd.Series(values, index=col.index, name=col.name, dtype="float64"),
        false,
        pd.Series(blank.to_numpy(zero_copy_only=False), index=col.index, dtype=bool, copy=False),  # unpacked
        false,
    )


def _plain_numbers(col: pd.Series) -> ParsedNumbers | None:
    """The common case, without factorising: every cell is a number, a plain numeric string or
    blank. None when any cell needs the tolerant parser (or could be TRUE/FALSE)."""
    arrow = _arrow_plain_numbers(col)
    return arrow if arrow is not None else _pandas_plain_numbers(col)


def _pandas_plain_numbers(col: pd.Series) -> ParsedNumbers | None:
    """:func:`_plain_numbers` by ``pandas.to_numeric`` (any column)."""
    blank = col.isna() | (col == "").fillna(False).to_numpy(dtype=bool)
    fast = pd.to_numeric(col.where(~blank), errors="coerce").astype("float64")
    if not (fast.notna() | blank).all() or np.isinf(fast.to_numpy()).any():
        return None
    false = pd.Series(False, index=col.index)
    return ParsedNumbers(fast, false, pd.Series(blank.to_numpy(dtype=bool), index=col.index), false)


def parse_column(col: pd.Series, bools: bool = True) -> ParsedNumbers:
    """:func:`~assessment.intake.numbers.parse_numbers` of a column, done on its distinct cells only
    (or in one C-level pass when every cell is already a plain number or blank)."""
    if pd.api.types.is_float_dtype(col.dtype):  # a float column holds no TRUE/FALSE cell
        return parse_numbers(col)
    if not bools:  # with no TRUE/FALSE about, to_numeric cannot mistake True for 1
        plain = _plain_numbers(col)
        if plain is not None:
            return plain
    codes, uniques = _factorize(col, bools)
    parsed = parse_numbers(pd.Series(uniques, dtype=object))
    idx = col.index

    def spread(s: pd.Series) -> pd.Series:
        return pd.Series(s.to_numpy()[codes], index=idx, copy=False)  # a new array

    return ParsedNumbers(
        spread(parsed.values), spread(parsed.bad), spread(parsed.blank), spread(parsed.percent)
    )
