"""Checking and reading the inputs of the scoring engine: catalogue fields, value tables, codes.

Shared by the modules of :mod:`assessment.scoring` (indicators, aggregation, equity, trends and
costing): every refusal is a
:class:`~assessment.domain.errors.DataFileError` whose problems say what is wrong and what to do, in
Chinese and English (texts in ``assessment/locales/scoring.toml``), never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.domain.i18n import t
from assessment.domain.model import DIRECTIONS, KINDS, Edition

__all__ = [
    "INDICATOR_FIELDS",
    "VALUE_COLUMNS",
    "index_codes",
    "indicator_table",
    "missing_columns_error",
    "numeric_column",
    "problem",
    "sorted_unique",
    "sorted_unique_ids",
]

INDICATOR_FIELDS = (
    "indicator_code",
    "item_code",
    "kind",
    "direction",
    "national_floor",
    "floor_confirmed",
    "optimum",
    "lower_bound",
    "weight",
)
VALUE_COLUMNS = ("region_code", "period", "indicator_code", "value")


def problem(key: str, *, at_column: str = "", at_value: str = "", file: str = "", **fmt: object) -> Problem:
    """A :class:`Problem` whose zh/en messages come from ``assessment/locales/scoring.toml``."""
    return localized_problem(key, fmt, file=file, column=at_column, value=at_value)


def missing_columns_error(what_key: str, missing: Sequence[str]) -> DataFileError:
    """The DataFileError for a table that lacks columns (used by every scoring module)."""
    cols = ", ".join(missing)
    what = {lang: {"what": t(what_key, lang)} for lang in ("zh", "en")}
    return DataFileError(
        [localized_problem("scoring.missing_columns", {"columns": cols}, per_lang=what, column=cols)]
    )


def indicator_table(edition: Edition) -> pd.DataFrame:
    """``edition.indicator_frame()`` checked for what scoring needs.

    Raises :class:`DataFileError` when a field is missing, a kind or direction is unknown, or an
    optimum, lower bound or weight is not a number.
    """
    ind = edition.indicator_frame()
    missing = [c for c in INDICATOR_FIELDS if c not in ind.columns]
    if missing:
        raise missing_columns_error("scoring.what_catalogue", missing)
    checks: list[tuple[str, str, pd.Series, dict[str, str]]] = [
        ("scoring.bad_catalogue_choice", col, ~ind[col].isin(allowed), {"allowed": " / ".join(allowed)})
        for col, allowed in (("kind", KINDS), ("direction", DIRECTIONS))
    ]
    checks += [
        ("scoring.bad_catalogue_number", col, pd.to_numeric(ind[col], errors="coerce").isna(), {})
        for col in ("optimum", "lower_bound", "weight")
    ]
    problems = []
    for key, col, is_bad, extra in checks:
        bad = ind.loc[is_bad, "indicator_code"].tolist()
        if bad:
            codes = ", ".join(map(str, bad[:5]))
            problems.append(
                problem(
                    key,
                    at_column=col,
                    at_value=str(bad[0]),
                    file="indicators.csv",
                    codes=codes,
                    field=col,
                    **extra,
                )
            )
    if problems:
        raise DataFileError(problems)
    return ind


def numeric_column(values: pd.DataFrame, col: str) -> np.ndarray:
    """A column as float64 (all NaN when absent); a non-empty non-number raises DataFileError."""
    if col not in values.columns:
        return np.full(len(values), np.nan)
    s = values[col]
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype="float64", na_value=np.nan)
    num = pd.to_numeric(s, errors="coerce")
    text = s.astype("string").str.strip()
    bad = (num.isna() & s.notna() & (text != "")).fillna(False)
    if bad.any():
        example = str(s[bad].iloc[0])
        raise DataFileError(
            [
                problem(
                    "scoring.bad_numbers",
                    at_column=col,
                    at_value=example,
                    column=col,
                    count=int(bad.sum()),
                    example=example,
                )
            ]
        )
    return num.to_numpy(dtype="float64", na_value=np.nan)


def index_codes(values: pd.Series | np.ndarray | pd.Index, index: pd.Index) -> np.ndarray:
    """Position of each value in ``index`` (-1 where absent), fast for long repetitive columns.

    Factorizes first, so only the distinct values are looked up (a 1.6-million-row column of
    2,850 region codes costs a few milliseconds instead of a string lookup per row); a categorical
    column's categories are looked up and its codes mapped; an Arrow string column is looked up by
    Arrow's ``index_in`` (no factorizing).
    """
    arrow = _arrow_strings(values)
    if arrow is not None and index.is_unique and pd.api.types.is_string_dtype(index.dtype):
        # Arrow-backed strings (the "string" and "str" dtypes of values read from files): one
        # hash lookup per row in Arrow (2.7x faster than factorizing the column first)
        import pyarrow as pa
        import pyarrow.compute as pc

        wanted = np.asarray(index, dtype=object)
        if all(isinstance(v, str) for v in wanted):
            found = pc.index_in(arrow, value_set=pa.array(wanted, type=arrow.type)).fill_null(-1)
            return np.asarray(found.to_numpy(), dtype=np.int64)
    if isinstance(values.dtype, pd.CategoricalDtype) and not isinstance(values, np.ndarray):
        # categorical (score tables): the categories looked up once, the codes mapped through them
        cat = values.array if isinstance(values, pd.Series) else values
        cat_codes = np.asarray(cat.codes, dtype=np.int64)
        try:
            lookup = index.get_indexer(pd.Index(np.asarray(cat.categories, dtype=object)).astype(index.dtype))
        except (TypeError, ValueError):
            pass  # a category the index's type cannot hold: as before, only the codes present
        else:
            return np.where(cat_codes >= 0, lookup[np.maximum(cat_codes, 0)], -1).astype(np.int64)
    codes, uniques = pd.factorize(values)
    if len(uniques) == 0:
        return np.full(len(codes), -1, dtype=np.int64)
    lookup = index.get_indexer(pd.Index(np.asarray(uniques, dtype=object)).astype(index.dtype))
    return np.where(codes >= 0, lookup[np.maximum(codes, 0)], -1).astype(np.int64)


def _arrow_strings(values: pd.Series | np.ndarray | pd.Index) -> Any:
    """The pyarrow (chunked) string array behind ``values``, or None (numpy, object, categorical)."""
    array = getattr(values, "array", None)
    pa_array = getattr(array, "_pa_array", None)
    if pa_array is None:
        return None
    import pyarrow as pa

    kind = pa_array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return pa_array
    return None


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by hashing first: the few distinct values (periods: a handful of years
    in 1.6 million rows) sorted, not every row (np.unique sorts the whole column)."""
    return np.unique(pd.unique(values)) if len(values) else np.unique(values)


def sorted_unique_ids(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(np.searchsorted(u, values), u)`` with ``u = np.unique(values)`` for an integer column, by
    :func:`sorted_unique` and, over a small range, a lookup table instead of a binary search per row."""
    uniques = sorted_unique(values)
    if len(uniques) and int(uniques[-1]) - int(uniques[0]) < 1 << 16:
        lo = uniques[0]
        table = np.zeros(int(uniques[-1] - lo) + 1, dtype=np.intp)
        table[uniques - lo] = np.arange(len(uniques))
        return table[values - lo], uniques
    return np.searchsorted(uniques, values), uniques
