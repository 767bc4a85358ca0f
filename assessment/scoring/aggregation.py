"""Aggregation item -> category -> aspect -> overall, ranks and quintiles (issue 5 item 2).

From the indicator scores of :func:`assessment.scoring.indicators.score_indicators`, per region and period:

* **score**: an item's score is the weighted mean of its indicators' scores (catalogue weights);
  a category's is the mean of its items' scores, an aspect's the mean of its categories', the
  overall score the mean of the aspects' (every aspect counts the same, as in the SDG Index). Each
  mean is over the children that have a score, so a missing indicator neither counts as 0 nor
  blocks the rest; ``coverage`` says how much is behind the figure.
* **counts**: ``n_indicators`` (rows of the score table under the node), ``n_reported`` (status
  not ``no_data``), ``n_below_floor``, ``n_below_local``; ``coverage = n_reported / n_indicators``.
* **status**: the worst child's, in the order below_floor > below_local > meets > no_standard >
  no_data (no_data only when nothing under the node was reported): one indicator below the national
  floor makes its item, category, aspect and the overall status ``below_floor`` whatever the
  average, so a failed bottom line is never averaged away.
* **insufficient data** (issue 19 point 4): where more than ``missing_threshold`` (20%) of the
  indicators under a category, an aspect or the overall node are missing, the row has no score,
  no rank and no quintile, and the status ``insufficient_data``; a category or aspect where nothing
  was reported keeps ``no_data`` (there is nothing to hide), the overall row reads
  ``insufficient_data`` either way. Coverage never hides a failure: ``n_below_floor`` stays on the
  row and ``worst_status`` is the status the row would have had without the coverage rule (the
  worst child's: ``below_floor`` when one indicator under it is below the floor). An item (one to
  a few indicators) keeps its partial score and status with its coverage, but is not ranked below
  80% coverage either. The means above a row still use its children's partial scores, so the
  overall score is reproducible from the item rows (and unchanged by the rule).
* **ranks**: ``rank_in_parent`` among regions with the same parent region and ``rank_in_level``
  among all regions of the table, for the same level, code and period; 1 = highest score, ties
  share the best rank ("min"), no rank without a score. ``quintile`` 1-5 over the same set, 5 = the
  top fifth: ``floor(5 · (r − ½) / n) + 1`` with r the ascending rank (ties averaged) and n the
  regions with a score; so 5 regions get 1..5 and regions that all tie sit in quintile 3.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from assessment.domain.model import Edition, RegionTree
from assessment.scoring import parallel
from assessment.scoring.indicators import STATUSES
from assessment.scoring.inputs import index_codes, indicator_table, missing_columns_error, sorted_unique_ids
from assessment.scoring.rollup import parent_codes

__all__ = ["AGGREGATE_COLUMNS", "AGGREGATE_STATUSES", "LEVELS", "aggregate"]

LEVELS = ("item", "category", "aspect", "overall")
OVERALL_CODE = "overall"
# severity order: index = severity (higher is worse)
AGGREGATE_STATUSES = ("no_data", "no_standard", "meets", "below_local", "below_floor", "insufficient_data")
_SEVERITY = {s: AGGREGATE_STATUSES.index(s) for s in STATUSES}
AGGREGATE_COLUMNS = (
    "edition",
    "region_code",
    "parent_code",
    "period",
    "level",
    "code",
    "score",
    "status",
    "n_indicators",
    "n_reported",
    "n_below_floor",
    "n_below_local",
    "coverage",
    "rank_in_parent",
    "rank_in_level",
    "quintile",
    "worst_status",
)
_NEEDED = ("region_code", "period", "indicator_code", "status", "score")


def _sum(key: np.ndarray, size: int, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(key, weights=weights, minlength=size).astype("float64")


def _worst(key: np.ndarray, size: int, severity: np.ndarray) -> np.ndarray:
    """Highest severity per key (0 where the key has no rows): one ``maximum.at`` pass (a bincount
    per severity level read the rows five times, 13x slower at the national size)."""
    out = np.zeros(size, dtype=np.int8)
    np.maximum.at(out, key, severity.astype(np.int8, copy=False))
    return out


def aggregate(
    scores: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    *,
    missing_threshold: float = 0.2,
) -> pd.DataFrame:
    """Item, category, aspect and overall rows per region and period (see the module docstring).

    Returns a new frame with :data:`AGGREGATE_COLUMNS`, ordered by level, region, period and
    catalogue order of codes; ``level`` is one of :data:`LEVELS`, ``code`` the item, category or
    aspect code (``"overall"`` for the overall row). Rows of
    ``scores`` for indicators outside ``edition`` are ignored. Raises
    :class:`~assessment.domain.errors.DataFileError` when ``scores`` lacks a needed column.
    """
    missing = [c for c in _NEEDED if c not in scores.columns]
    if missing:
        raise missing_columns_error("scoring.what_scores", missing)
    ind = indicator_table(edition)
    items = pd.Index(ind["item_code"].drop_duplicates().astype("string"))
    cats = pd.Index(ind["category_code"].drop_duplicates().astype("string"))
    aspects = pd.Index(ind["aspect_code"].drop_duplicates().astype("string"))
    item_of_ind = index_codes(ind["item_code"], items)
    cat_of_item = index_codes(ind.drop_duplicates("item_code")["category_code"], cats)
    asp_of_cat = index_codes(ind.drop_duplicates("category_code")["aspect_code"], aspects)

    ii = index_codes(scores["indicator_code"], pd.Index(ind["indicator_code"].astype("string")))
    keep = ii >= 0
    s = scores.loc[keep] if not keep.all() else scores
    ii = ii[keep]
    region_ids, region_index = _factorize_sorted(s["region_code"])
    periods = s["period"].to_numpy(dtype="int64")
    period_ids, period_index = sorted_unique_ids(periods)
    n_per = len(period_index)
    n_groups = len(region_index) * n_per
    g = region_ids.astype(np.int64) * n_per + period_ids

    # a fixed row order (region, period, indicator) makes every sum independent of the input order
    row_key = g * len(ind) + ii
    order = None
    if len(row_key) > 1 and not np.all(row_key[1:] >= row_key[:-1]):
        order = np.argsort(row_key, kind="stable")
        g, ii = g[order], ii[order]
    status_codes = index_codes(s["status"], pd.Index(list(STATUSES), dtype="string"))
    sev_map = np.array([_SEVERITY[x] for x in STATUSES], dtype=np.int8)
    severity = np.where(status_codes >= 0, sev_map[np.maximum(status_codes, 0)], 0).astype(np.int8)
    score = s["score"].to_numpy(dtype="float64", na_value=np.nan)
    if order is not None:
        severity, score = severity[order], score[order]
    weight = ind["weight"].to_numpy(dtype="float64")[ii]
    has = ~np.isnan(score)
    counts = {
        "n_indicators": np.ones(len(score)),
        "n_reported": (severity > 0).astype("float64"),
        "n_below_floor": (severity == _SEVERITY["below_floor"]).astype("float64"),
        "n_below_local": (severity == _SEVERITY["below_local"]).astype("float64"),
    }

    # item level: weighted mean of the indicators
    n_items = len(items)
    key = g * n_items + item_of_ind[ii]
    size = n_groups * n_items
    wsum = _sum(key, size, np.where(has, weight * score, 0.0))
    wtot = _sum(key, size, np.where(has, weight, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        level_score = np.where(wtot > 0, wsum / wtot, np.nan)
    level_counts = {k: _sum(key, size, v) for k, v in counts.items()}
    level_sev = _worst(key, size, severity)

    parts: list[dict[str, np.ndarray]] = []
    code_offset = 0
    all_codes: list[str] = []
    n_children = n_items
    levels = [("item", items, None), ("category", cats, cat_of_item), ("aspect", aspects, asp_of_cat)]
    for level_no, (level, index, parent_of_child) in enumerate(
        [*levels, ("overall", pd.Index([OVERALL_CODE]), None)]
    ):
        if level != "item":
            # roll the previous level up: unweighted mean of the children that have a score; the
            # cells are a (group x child) matrix, so a cell's parent key is group * n_parent + parent
            n_parent = len(index)
            parent = (
                parent_of_child.astype(np.int64)
                if parent_of_child is not None
                else np.zeros(n_children, dtype=np.int64)
            )
            key = (np.arange(n_groups, dtype=np.int64)[:, None] * n_parent + parent[None, :]).reshape(-1)
            size = n_groups * n_parent
            present = level_counts["n_indicators"] > 0
            has_s = present & ~np.isnan(level_score)
            ssum = _sum(key[has_s], size, level_score[has_s])
            scount = _sum(key[has_s], size)
            with np.errstate(invalid="ignore", divide="ignore"):
                new_score = np.where(scount > 0, ssum / scount, np.nan)
            if _complete(present):  # every child has rows (a complete score table): no masked copies
                level_counts = {k: _sum(key, size, v) for k, v in level_counts.items()}
                level_sev = _worst(key, size, level_sev)
            else:
                level_counts = {k: _sum(key[present], size, v[present]) for k, v in level_counts.items()}
                level_sev = _worst(key[present], size, level_sev[present])
            level_score = new_score
            n_children = n_parent
        n_codes = len(index)
        filled = level_counts["n_indicators"] > 0
        part: dict[str, np.ndarray]
        if _complete(filled):  # every cell: no gathers, group and code by repetition
            part = {
                "level": np.full(len(filled), level_no, dtype=np.int8),
                "group": np.repeat(np.arange(n_groups, dtype=np.int64), n_codes),
                "code": np.tile(np.arange(code_offset, code_offset + n_codes, dtype=np.int64), n_groups),
                "score": level_score,
                "severity": level_sev,
            }
            part.update({k: v.astype("int64") for k, v in level_counts.items()})
        else:
            cells = np.flatnonzero(filled)
            group, code = np.divmod(cells, n_codes)
            part = {
                "level": np.full(len(cells), level_no, dtype=np.int8),
                "group": group,
                "code": code + code_offset,
                "score": level_score[cells],
                "severity": level_sev[cells],
            }
            part.update({k: v[cells].astype("int64") for k, v in level_counts.items()})
        parts.append(part)
        code_offset += len(index)
        all_codes.extend(str(c) for c in index)
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    return _finish(cols, region_index, period_index, all_codes, edition, tree, missing_threshold)


def _complete(mask: np.ndarray) -> bool:
    """Whether every cell of a level has rows (a complete score table): then the sums and gathers
    skip the masks (the same figures; the equivalence test takes the masked path to compare)."""
    return bool(mask.all())


def _ranks(
    row: np.ndarray, col: np.ndarray, score: np.ndarray, n_rows: int, n_cols: int, parent_of_col: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ranks of ``score`` among the cells of each row of a (row x region) matrix.

    Returns, per input cell: the rank within the row by score descending (ties share the best
    rank), the quintile (5 = top fifth, from the ascending average rank) and the rank among the
    columns with the same parent. NaN scores get NaN. Sorting each row separately (a few thousand
    regions) is much faster than one sort of every cell.
    """
    m = np.full((n_rows, n_cols), np.nan)
    cell = row.astype(np.int64) * n_cols + col  # flat positions: one index array, not two
    m.ravel()[cell] = score
    rank_level = np.empty_like(m)
    quintile = np.empty_like(m)
    rank_parent = np.empty_like(m)

    def block(lo: int, hi: int) -> None:
        rl, q, dense, order = _row_ranks(m[lo:hi])
        rank_level[lo:hi], quintile[lo:hi] = rl, q
        rank_parent[lo:hi] = _parent_ranks(dense, order, parent_of_col, np.isnan(m[lo:hi]))

    # rows are independent and numpy's sorts release the GIL: two halves on two threads
    if n_rows * n_cols >= _PARALLEL_CELLS and n_rows > 1 and parallel.spare_core():
        half = n_rows // 2
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda bounds: block(*bounds), [(0, half), (half, n_rows)]))
    else:
        block(0, n_rows)
    return rank_level.ravel()[cell], quintile.ravel()[cell], rank_parent.ravel()[cell]


_PARALLEL_CELLS = 200_000  # below this the thread start-up costs more than it saves
_INT64_MAX = np.iinfo(np.int64).max


def _descending_order(m: np.ndarray) -> np.ndarray:
    """Per row, the columns by descending value, NaN last (ties in any order): a stable argsort of
    the values' bits as order-preserving integers (NaN as the largest), 1.7x faster than numpy's
    float argsort on rows where a third of the cells tie at 100. -0.0 sorts just before 0.0, next
    to it, so equal values stay adjacent."""
    bits = np.negative(m).view(np.int64)
    bits = np.where(bits < 0, bits ^ _INT64_MAX, bits)
    bits[np.isnan(m)] = _INT64_MAX
    return np.argsort(bits, axis=1, kind="stable")


def _row_ranks(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: descending rank (ties share the best), quintile, dense rank (0 = best) *in score
    order*, and the column order by descending score (NaN last)."""
    n_rows, n_cols = m.shape
    order = _descending_order(m)
    at = (order + (np.arange(n_rows, dtype=np.int64) * n_cols)[:, None]).ravel()  # flat cells in order
    sv = m.ravel()[at].reshape(m.shape)
    valid = ~np.isnan(sv)
    j = np.broadcast_to(np.arange(n_cols), sv.shape)
    new_run = np.ones_like(valid)
    new_run[:, 1:] = sv[:, 1:] != sv[:, :-1]
    run_start = np.maximum.accumulate(np.where(new_run, j, 0), axis=1)
    last = np.ones_like(valid)
    last[:, :-1] = new_run[:, 1:]
    run_end = np.minimum.accumulate(np.where(last, j, n_cols)[:, ::-1], axis=1)[:, ::-1]
    n_valid = valid.sum(axis=1, keepdims=True).astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_asc = n_valid - (run_start + run_end) / 2.0
        quint = np.clip(np.floor(5.0 * (avg_asc - 0.5) / n_valid) + 1.0, 1.0, 5.0)
    rank_level = np.empty_like(m)
    quintile = np.empty_like(m)
    rank_level.ravel()[at] = np.where(valid, run_start + 1.0, np.nan).ravel()
    quintile.ravel()[at] = np.where(valid, quint, np.nan).ravel()
    dense = np.cumsum(new_run, axis=1) - 1
    return rank_level, quintile, dense, order


def _parent_ranks(
    dense: np.ndarray, order: np.ndarray, parent_of_col: np.ndarray, missing: np.ndarray
) -> np.ndarray:
    """Per row, the rank among the columns with the same parent: the columns already in score
    order (``order``, ``dense`` their dense ranks in that order), stably sorted by parent (a radix
    sort of small integers: linear), give every parent's columns best first; ties (same dense rank)
    share the best rank."""
    n_rows, n_cols = dense.shape
    parent = parent_of_col.astype(np.int64) + 1
    small = parent.max(initial=0) < 2**15
    p_sorted = parent[order].astype(np.int16 if small else np.int64)
    by_parent = np.argsort(p_sorted, axis=1, kind="stable")
    at = (by_parent + (np.arange(n_rows, dtype=np.int64) * n_cols)[:, None]).ravel()
    cols = order.ravel()[at].reshape(dense.shape)
    sp = p_sorted.ravel()[at].reshape(dense.shape)
    sd = dense.ravel()[at].reshape(dense.shape)
    j = np.broadcast_to(np.arange(n_cols), sp.shape)
    new_group = np.ones(sp.shape, dtype=bool)
    new_group[:, 1:] = sp[:, 1:] != sp[:, :-1]
    new_run = new_group.copy()
    new_run[:, 1:] |= sd[:, 1:] != sd[:, :-1]
    group_start = np.maximum.accumulate(np.where(new_group, j, 0), axis=1)
    run_start = np.maximum.accumulate(np.where(new_run, j, 0), axis=1)
    rank = np.empty(dense.shape)
    rank.ravel()[(cols + (np.arange(n_rows, dtype=np.int64) * n_cols)[:, None]).ravel()] = (
        (run_start - group_start + 1).astype("float64").ravel()
    )
    return np.where(missing, np.nan, rank)


def _finish(
    cols: dict[str, np.ndarray],
    region_index: pd.Index,
    period_index: np.ndarray,
    all_codes: list[str],
    edition: Edition,
    tree: RegionTree,
    missing_threshold: float,
) -> pd.DataFrame:
    n_per = len(period_index)
    region_pos, period_pos = np.divmod(cols["group"], n_per)
    coverage = cols["n_reported"] / np.maximum(cols["n_indicators"], 1)
    level = cols["level"]
    short = 1.0 - coverage > missing_threshold + 1e-12  # more than 20% of the indicators missing
    overall = level == LEVELS.index("overall")
    middle = (level == LEVELS.index("category")) | (level == LEVELS.index("aspect"))
    insufficient = short & (overall | (middle & (cols["n_reported"] > 0)))
    score = np.where(insufficient, np.nan, cols["score"])
    sev = np.where(insufficient, AGGREGATE_STATUSES.index("insufficient_data"), cols["severity"]).astype(
        np.int8
    )
    regions = np.asarray(region_index, dtype=object)
    parents = parent_codes(tree)
    parent_of_region = np.array([parents.get(r) for r in regions], dtype=object)
    parent_ids, parent_index = pd.factorize(parent_of_region)
    row_parent = parent_ids[region_pos]
    n_codes = int(cols["code"].max(initial=-1)) + 1
    rank_level, quintile, rank_parent = _ranks(
        cols["code"].astype(np.int64) * n_per + period_pos,
        region_pos,
        np.where(short, np.nan, score),  # no rank below 80% coverage, at any level
        n_codes * n_per,
        len(regions),
        parent_ids,
    )

    def cat(codes: np.ndarray, categories: list | np.ndarray) -> pd.Categorical:
        return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype="string"))

    out = pd.DataFrame(
        {
            "edition": cat(np.zeros(len(score), dtype=np.int8), [edition.label]),
            "region_code": cat(region_pos, regions),
            "parent_code": cat(row_parent, np.asarray(parent_index, dtype=object)),
            "period": period_index[period_pos],
            "level": pd.Categorical.from_codes(cols["level"], categories=list(LEVELS)),
            "code": cat(cols["code"], all_codes),
            "score": score,
            "status": pd.Categorical.from_codes(sev, categories=list(AGGREGATE_STATUSES)),
            "n_indicators": cols["n_indicators"],
            "n_reported": cols["n_reported"],
            "n_below_floor": cols["n_below_floor"],
            "n_below_local": cols["n_below_local"],
            "coverage": coverage,
            "rank_in_parent": _whole(rank_parent),
            "rank_in_level": _whole(rank_level),
            "quintile": _whole(quintile),
            "worst_status": pd.Categorical.from_codes(cols["severity"], categories=list(AGGREGATE_STATUSES)),
        },
        copy=False,  # fresh arrays: no consolidation copy (built in AGGREGATE_COLUMNS order)
    )
    assert tuple(out.columns) == AGGREGATE_COLUMNS
    return out


def _factorize_sorted(col: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(col, sort=True)`` (ids in the order of the sorted distinct values; for a
    categorical, in the order of its categories) without hashing a categorical column's codes again:
    the categories that occur, in category order, and their codes renumbered."""
    if isinstance(col.dtype, pd.CategoricalDtype) and len(col):
        codes = col.cat.codes.to_numpy()
        if codes.min() >= 0:
            n_cat = len(col.cat.categories)
            used = np.bincount(codes, minlength=n_cat) > 0
            renumber = np.cumsum(used) - 1
            return renumber[codes].astype(np.intp), pd.Index(col.cat.categories[used])
    ids, uniques = pd.factorize(col, sort=True)
    return ids, uniques


def _whole(x: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers held as floats (NaN = missing) as an Int64 array, built from its values and
    mask (the same array as ``pd.array(x, dtype="Float64").astype("Int64")``, without the checks
    and copies of the two conversions)."""
    missing = np.isnan(x)
    return pd.arrays.IntegerArray(np.where(missing, 0.0, x).astype(np.int64), missing)


def rerank(
    aggregates: pd.DataFrame,
    tree: RegionTree,
    where: Iterable[int] | np.ndarray,
    *,
    missing_threshold: float = 0.2,
) -> pd.DataFrame:
    """``aggregates`` (the table of :func:`aggregate`, or several stacked) with ``rank_in_parent``,
    ``rank_in_level`` and ``quintile`` computed again, as :func:`aggregate` computes them (among the
    rows of the same level, code and period; no rank below the coverage line), for the rows of the
    periods ``where`` or, when ``where`` is a boolean mask, for the rows it selects (every row of a
    (level, code, period) it touches must be selected). Used when a few counties' scores changed
    (:mod:`assessment.scoring.incremental`). Returns a new frame sharing the other columns."""
    period = aggregates["period"].to_numpy(dtype=np.int64)
    if isinstance(where, np.ndarray) and where.dtype == bool:
        rows = np.flatnonzero(where)
    else:
        rows = np.flatnonzero(np.isin(period, np.asarray(sorted({int(p) for p in where}), dtype=np.int64)))
    wanted = np.unique(period[rows])
    if not len(rows):
        return aggregates
    level = _ids(aggregates["level"])[rows]
    code = _ids(aggregates["code"])[rows]
    region = aggregates["region_code"]
    region_ids = _ids(region)[rows]
    region_names = (
        np.asarray(region.cat.categories, dtype=object)
        if isinstance(region.dtype, pd.CategoricalDtype)
        else np.asarray(pd.factorize(region)[1], dtype=object)
    )
    parents = parent_codes(tree)
    parent_ids, _ = pd.factorize(np.array([parents.get(r) for r in region_names], dtype=object))
    p_pos = np.searchsorted(wanted, period[rows])
    row_key = (level.astype(np.int64) * (int(code.max(initial=0)) + 1) + code) * len(wanted) + p_pos
    row_ids, row_index = pd.factorize(row_key)
    coverage = aggregates["coverage"].to_numpy(dtype="float64", na_value=np.nan)[rows]
    score = aggregates["score"].to_numpy(dtype="float64", na_value=np.nan)[rows]
    short = 1.0 - coverage > missing_threshold + 1e-12
    rank_level, quintile, rank_parent = _ranks(
        row_ids, region_ids, np.where(short, np.nan, score), len(row_index), len(region_names), parent_ids
    )
    out = {}
    for name, new in (("rank_in_parent", rank_parent), ("rank_in_level", rank_level), ("quintile", quintile)):
        old = aggregates[name]
        values = pd.array(new, dtype="Float64").astype("Int64")
        column = old.array.astype(
            "Int64" if np.nanmax(np.abs(new), initial=0) > np.iinfo(old.dtype.numpy_dtype).max else old.dtype,
            copy=True,
        )
        column[rows] = values
        out[name] = pd.Series(column, index=aggregates.index, name=name)
    return aggregates.assign(**out)


def _ids(col: pd.Series) -> np.ndarray:
    """Integer ids of a column's values (its categorical codes, else factorized)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(col)[0].astype(np.int64)
