"""Apply a change of a few counties' values to an assessment without rescoring the rest (issue 20
point 2).

An approval, a return or an upload changes the values of one county (a region and a period). Every
table of an :class:`~assessment.scoring.analysis.Assessment` is computed county by county, except
the ranks and quintiles of the aggregates, which compare the counties of a period:

* the indicator scores, the trends and the aggregates of a county depend on its own values only (and
  on the catalogue, the tree and the local standards, which an approval does not change), and their
  rows of a county keep their number and place whatever the values: the changed county's rows are
  scored again and written over the old ones in place;
* the cost rows (only where there is a shortfall) are cut out and the new ones put where a full
  run sorts them;
* the ranks (``rank_in_parent``, ``rank_in_level``, ``quintile``) are ranked again for the periods in
  which a changed county's score or coverage moved, over every county;
* equity (by indicator and by aspect) is computed on first use from the new scores, as for a full
  assessment (it spans periods through the balanced panel).

Columns that no changed row alters are shared with the previous assessment (nothing here mutates
a frame: every changed column is a new array), so two versions in a cache cost little more than one.

:func:`update` gives ``None`` when the change cannot be applied so that the result equals a full
rescore: the assessment has no :class:`~assessment.scoring.analysis.Recipe`, the set of periods would
change (a county reports a new year, or the last values of a year were withdrawn), or a changed
county's rows do not line up with the old ones. The caller then rescores everything. A test checks
on every table that an update equals the full rescore (``tests/unit/test_incremental.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
import pandas as pd

from assessment.domain.model import RegionTree
from assessment.scoring.aggregation import rerank
from assessment.scoring.analysis import (
    Assessment,
    Recipe,
    compact,
    derive,
    reported_pairs,
    score_regions,
    stack,
)
from assessment.scoring.trends import trends

__all__ = ["counties_within", "rescored", "update"]

# the key columns that say which row is which, per table: checked before new rows overwrite old ones
_SCORE_KEYS = ("region_code", "period", "indicator_code")
_AGGREGATE_KEYS = ("region_code", "period", "level", "code")
_TREND_KEYS = ("region_code", "indicator_code", "period")
_COST_KEYS = ["region_code", "period", "indicator_code"]
# what the ranks are computed from: a period whose rows of a changed county differ in one of these is
# ranked again
_RANK_INPUTS = ("score", "coverage")
_RANKS = ("rank_in_parent", "rank_in_level", "quintile")


def update(previous: Assessment, values: pd.DataFrame, changed: Iterable[str]) -> Assessment | None:
    """``previous`` with the counties ``changed`` scored again from ``values``, or None when only a
    full rescore can give the right result (see the module docstring).

    ``values``: the tidy values of the changed counties, every period (as :meth:`Store.values` gives
    them for those region codes); rows of other regions are ignored. ``changed``: region codes;
    codes outside the assessment's jurisdiction or not counties are ignored, and when none is left
    ``previous`` itself is returned. ``previous`` is not modified.
    """
    found = _rescored(previous, values, changed)
    if found is None:
        return None
    if isinstance(found, Assessment):
        return found
    counties, part, scope, reported = found
    recipe = previous.recipe
    assert recipe is not None
    tree = previous.tree
    mine_only, small = scope
    aggregates, costs, trend_table = derive(part, mine_only, small, previous.basis)
    scores = _overwrite(previous.scores, counties, compact(part), _SCORE_KEYS)
    trends_new = _overwrite(previous.trends, counties, compact(trend_table), _TREND_KEYS)
    new_aggregates = _overwrite(previous.aggregates, counties, compact(aggregates), _AGGREGATE_KEYS, _RANKS)
    if scores is None or trends_new is None or new_aggregates is None:
        return None
    moved = _moved_groups(previous.aggregates, new_aggregates, counties, previous.periods)
    if moved.any():
        new_aggregates = rerank(new_aggregates, tree, moved)
    return replace(
        previous,
        scores=scores,
        aggregates=new_aggregates,
        trends=trends_new,
        costs=_splice(previous.costs, counties, costs),
        recipe=replace(recipe, reported=reported),
    )


def rescored(
    previous: Assessment, values: pd.DataFrame, changed: Iterable[str]
) -> tuple[list[str], pd.DataFrame, pd.DataFrame] | None:
    """The rows of the counties ``changed`` scored again from ``values`` as :func:`update` scores
    them, without writing them into ``previous``: (the counties, their indicator scores, their
    trends), each in the order and with the rows a full run gives those counties. None when
    :func:`update` would give None (only a full rescore is right). For a consumer that needs only
    those counties' rows (the accountability register's counts), not a whole new assessment."""
    found = _rescored(previous, values, changed)
    if found is None:
        return None
    if isinstance(found, Assessment):  # no county of the jurisdiction changed
        return [], previous.scores.iloc[:0], previous.trends.iloc[:0]
    counties, part, (mine_only, _small), _reported = found
    # the trends alone: the register needs neither the aggregates nor the costs of derive()
    trend_table = trends(part, mine_only.union, target_year=mine_only.target_year)
    return counties, compact(part), compact(trend_table)


def _rescored(
    previous: Assessment, values: pd.DataFrame, changed: Iterable[str]
) -> Assessment | tuple[list[str], pd.DataFrame, tuple[Recipe, RegionTree], pd.DataFrame] | None:
    """What :func:`update` and :func:`rescored` share: ``previous`` itself when no county of its
    jurisdiction changed, None when only a full rescore is right, else (counties, their indicator
    scores (not compacted), the recipe and pruned tree they were scored with, the new reported
    pairs)."""
    recipe = previous.recipe
    if recipe is None:
        return None
    tree = previous.tree
    counties = counties_within(tree, previous.jurisdiction, changed)
    if not counties:
        return previous
    mine = values["region_code"].astype(str).isin(counties).to_numpy() if len(values) else np.zeros(0, bool)
    values = values.loc[mine] if not mine.all() else values
    reported = recipe.reported
    kept = reported.loc[~reported["region_code"].astype(str).isin(counties).to_numpy()]
    reported = pd.concat([kept, reported_pairs(values)], ignore_index=True)
    if not recipe.explicit_periods and sorted(set(reported["period"].tolist())) != list(previous.periods):
        return None  # a year appears or disappears: every county's table changes shape
    # the changed counties and the jurisdictions above them are all their scores depend on: scoring
    # them under that small tree skips binding every local standard for every region of the country
    small = _pruned(tree, counties)
    # and only the standards set by those jurisdictions can bind them
    mine_only = replace(recipe, standards=tuple(s for s in recipe.standards if s.jurisdiction_code in small))
    part = score_regions(values, mine_only, small, counties, previous.periods)
    return counties, part, (mine_only, small), reported


def counties_within(tree: RegionTree, jurisdiction: str, codes: Iterable[str]) -> list[str]:
    """The codes among ``codes`` that are in ``tree.leaf_codes(jurisdiction)``, sorted: found by
    walking up from each of the few codes, not by listing every county of the jurisdiction."""
    if jurisdiction not in tree:
        return []
    found = set()
    for code in {str(c) for c in codes}:
        if code in tree and not tree.children(code) and tree.is_within(code, jurisdiction):
            found.add(code)
    return sorted(found)


def _pruned(tree: RegionTree, counties: list[str]) -> RegionTree:
    """The part of ``tree`` made of ``counties`` and every region above them."""
    keep = set(counties)
    for code in counties:
        keep.update(r.code for r in tree.ancestors(code))
    return RegionTree(tuple(r for r in tree if r.code in keep))


def _positions(frame: pd.DataFrame, counties: list[str]) -> np.ndarray:
    """Row positions of ``frame`` whose region is one of ``counties``, in table order."""
    col = frame["region_code"]
    if isinstance(col.dtype, pd.CategoricalDtype):
        wanted = col.cat.categories.get_indexer(pd.Index(counties, dtype=col.cat.categories.dtype))
        wanted = wanted[wanted >= 0]
        return np.flatnonzero(np.isin(col.cat.codes.to_numpy(), wanted))
    return np.flatnonzero(col.astype(str).isin(counties).to_numpy())


def _overwrite(
    old: pd.DataFrame,
    counties: list[str],
    new: pd.DataFrame,
    keys: tuple[str, ...],
    keep: tuple[str, ...] = (),
) -> pd.DataFrame | None:
    """``old`` with its rows of ``counties`` replaced by ``new`` (the same rows in the same order, as
    a full run puts them), or None when they do not line up. Unchanged columns are shared; the
    columns ``keep`` are left as they are (ranks: ``new`` ranked the changed counties alone)."""
    at = _positions(old, counties)
    if len(at) != len(new) or list(old.columns) != list(new.columns):
        return None
    for key in keys:  # the same rows: compared on the few rows only (never a whole text column)
        if not np.array_equal(_text(old[key].take(at)), _text(new[key])):
            return None
    columns = {}
    for name in old.columns:
        columns[name] = old[name] if name in keep else _write(old[name], at, new[name])
        if columns[name] is None:
            return None
    return pd.DataFrame(columns, index=old.index, copy=False)


def _text(col: pd.Series) -> np.ndarray:
    """A column's values as Python strings (categories looked up, not the column converted)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        names = np.asarray(col.cat.categories.astype(str), dtype=object)
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, names[np.maximum(codes, 0)], "")
    return np.asarray(col.astype(str), dtype=object)


def _write(old: pd.Series, at: np.ndarray, new: pd.Series) -> pd.Series | None:
    """``old`` with ``new``'s values at positions ``at``: ``old`` itself when they are already there,
    else a new series of ``old``'s kind (a categorical gains the categories it lacks, an integer
    column widens when a value does not fit)."""
    dtype = old.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        cats = dtype.categories
        if isinstance(new.dtype, pd.CategoricalDtype):
            new_cats = np.asarray(new.cat.categories, dtype=object)
            new_codes_in = new.cat.codes.to_numpy()
            values = np.full(len(new), None, dtype=object)
            values[new_codes_in >= 0] = new_cats[new_codes_in[new_codes_in >= 0]]
        else:
            values = new.astype(object).to_numpy()
        missing = pd.isna(values)
        codes = cats.get_indexer(pd.Index(values[~missing]).astype(cats.dtype, copy=False))
        new_codes = np.full(len(values), -1, dtype=np.int64)
        new_codes[~missing] = codes
        if (codes < 0).any():  # values the column has not seen: add them as categories
            extra = pd.unique(values[~missing][codes < 0])
            cats = cats.append(pd.Index(extra).astype(cats.dtype, copy=False))
            new_codes[~missing] = cats.get_indexer(pd.Index(values[~missing]).astype(cats.dtype, copy=False))
        old_codes = old.cat.codes.to_numpy()
        if len(cats) == len(dtype.categories) and np.array_equal(old_codes[at], new_codes):
            return old
        out = old_codes.astype(np.int64 if len(cats) > 2**14 else old_codes.dtype, copy=True)
        if len(cats) > np.iinfo(out.dtype).max:
            out = out.astype(np.int64)
        out[at] = new_codes
        return pd.Series(
            pd.Categorical.from_codes(out, dtype=pd.CategoricalDtype(cats, ordered=dtype.ordered)),
            index=old.index,
            name=old.name,
            copy=False,  # a new array: pandas would copy it again
        )
    if isinstance(dtype, pd.api.extensions.ExtensionDtype):  # nullable integers, booleans, strings
        arr = old.array
        incoming = pd.array(new.to_numpy(dtype=object), dtype=_wider(dtype, new))
        current = arr.take(at)
        same = (pd.isna(current) == pd.isna(incoming)).all() and bool(
            np.all(np.asarray(current[~pd.isna(current)] == incoming[~pd.isna(incoming)], dtype=bool))
        )
        if same and incoming.dtype == dtype:
            return old
        result = arr.astype(incoming.dtype, copy=True)
        result[at] = incoming
        return pd.Series(result, index=old.index, name=old.name, copy=False)
    arr = old.to_numpy()
    incoming = new.to_numpy()
    if arr.dtype.kind in "iub" and incoming.dtype.kind in "iub":
        target = np.promote_types(arr.dtype, incoming.dtype)
    elif arr.dtype.kind == "f" or incoming.dtype.kind == "f":
        target = np.promote_types(arr.dtype, incoming.dtype) if arr.dtype.kind != "O" else arr.dtype
    else:
        target = arr.dtype
    current = arr[at]
    if target == arr.dtype and _same_values(current, incoming):
        return old
    result = arr.astype(target, copy=True)
    result[at] = incoming
    return pd.Series(result, index=old.index, name=old.name, copy=False)


def _wider(dtype: pd.api.extensions.ExtensionDtype, new: pd.Series) -> pd.api.extensions.ExtensionDtype:
    """``dtype``, or a wider nullable integer when ``new`` holds a value it cannot."""
    if not pd.api.types.is_integer_dtype(dtype):
        return dtype
    valid = new.dropna()
    if not len(valid):
        return dtype
    info = np.iinfo(dtype.numpy_dtype)  # type: ignore[attr-defined]
    if info.min <= int(valid.min()) and int(valid.max()) <= info.max:
        return dtype
    return pd.Int64Dtype()


def _same_values(a: np.ndarray, b: np.ndarray) -> bool:
    """Element-wise equal, NaN (or None) equal to NaN."""
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        af, bf = a.astype("float64"), b.astype("float64")
        return bool(np.all((af == bf) | (np.isnan(af) & np.isnan(bf))))
    if a.dtype.kind == "O" or b.dtype.kind == "O":
        na_a, na_b = pd.isna(a), pd.isna(b)
        return bool(np.array_equal(na_a, na_b) and np.all(a[~na_a] == b[~na_b]))
    return bool(np.array_equal(a, b))


def _moved_groups(
    before: pd.DataFrame, after: pd.DataFrame, counties: list[str], periods: tuple[int, ...]
) -> np.ndarray:
    """Rows of the aggregates to rank again: every row of a (level, code, period) in which a rank
    input (score or coverage) of a changed county differs between ``before`` and ``after`` (the
    same rows, in the same places)."""
    at = _positions(before, counties)
    moved = np.zeros(len(at), dtype=bool)
    for name in _RANK_INPUTS:
        # the few rows first: converting the whole column with na_value copies it
        a = before[name].take(at).to_numpy(dtype="float64", na_value=np.nan)
        b = after[name].take(at).to_numpy(dtype="float64", na_value=np.nan)
        moved |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
    out = np.zeros(len(before), dtype=bool)
    if not moved.any():
        return out
    # a group lies within one period: only the rows of the periods that moved can be in one
    period = before["period"].to_numpy()
    rows = np.flatnonzero(np.isin(period, np.unique(period[at[moved]])))
    key, size = _group_key(before, periods, rows)
    hit = np.zeros(size, dtype=bool)  # a lookup table over the few thousand groups: no sort
    hit[key[np.searchsorted(rows, at[moved])]] = True
    out[rows] = hit[key]
    return out


def _group_key(frame: pd.DataFrame, periods: tuple[int, ...], rows: np.ndarray) -> tuple[np.ndarray, int]:
    """One integer per (level, code, period) of the rows ``rows`` (positions, ascending) of an
    aggregates table, and how many there can be."""
    level = frame["level"].cat.codes.to_numpy()[rows]
    code = frame["code"].cat.codes.to_numpy()[rows]
    period = frame["period"].to_numpy(dtype=np.int64)[rows]
    p_pos = np.searchsorted(np.asarray(periods, dtype=np.int64), period)
    n_codes = len(frame["code"].cat.categories)
    key = (level.astype(np.int64) * n_codes + code) * len(periods) + p_pos
    return key, len(frame["level"].cat.categories) * n_codes * len(periods)


def _splice(old: pd.DataFrame, counties: list[str], new: pd.DataFrame) -> pd.DataFrame:
    """The cost rows of ``old`` with the rows of ``counties`` replaced by ``new``, in the order of
    :func:`~assessment.scoring.costing.cost_to_close` (region, period, indicator)."""
    drop = np.zeros(len(old), dtype=bool)
    drop[_positions(old, counties)] = True
    if not drop.any() and not len(new):
        return old
    keep = old.loc[~drop]
    # each new row goes before the first kept row of a later region (the table is sorted by region)
    kept_regions = _text(keep["region_code"])
    new = new.sort_values(_COST_KEYS, ignore_index=True)
    before = np.searchsorted(kept_regions, new["region_code"].astype(str).to_numpy(), side="left")
    primary = np.concatenate([np.arange(len(keep)), before])
    secondary = np.concatenate([np.ones(len(keep), dtype=np.int8), np.zeros(len(new), dtype=np.int8)])
    tertiary = np.concatenate([np.zeros(len(keep), dtype=np.int64), np.arange(len(new))])
    order = np.lexsort((tertiary, secondary, primary))
    both = stack([keep.reset_index(drop=True), compact(new)])
    return compact(both.take(order).reset_index(drop=True))
