"""Issue 20 point 3: the faster engine gives exactly the previous implementation's outputs.

The previous code of each part that was rewritten is kept below as the reference (lexsort of every
row in ``inequality``, groupby/nunique/merge in ``equity._balanced``, one argsort of an int64 key
per row for the ranks among siblings, a bincount per severity level for the worst status, the
Float64-to-Int64 conversion of the ranks, codes looked up by factorizing first (not Arrow's
``index_in`` nor a categorical's categories), ``pd.factorize(sort=True)`` of the region codes, the
object-array lookup of ``period_population``, one ``binding_standards`` per period, intervals,
evidence, cases short, standard, status, gaps and score over every row, with the catalogue's
attributes repeated per region). The whole pipeline (score, aggregate, equity by indicator
and by aspect) runs once with the reference parts patched in and once as it is; every table must be
equal cell for cell (``check_exact``), on the demo province and on random national-like trees with
ties, missing values and yearly populations.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.catalogue.local_standards import binding_standards, self_and_ancestors
from assessment.domain.model import Region, RegionTree
from assessment.scoring import aggregation, equity, indicators, inputs, parallel, rollup, stats
from assessment.scoring.aggregation import aggregate
from assessment.scoring.equity import equity as equity_table
from assessment.scoring.indicators import score_indicators
from assessment.scoring.stats import inequality

ROOT = Path(__file__).resolve().parents[2]


def _national() -> object:
    spec = importlib.util.spec_from_file_location("bench_national", ROOT / "bench" / "national.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("bench_national", module)
    spec.loader.exec_module(module)
    return module


# --- the previous implementation of the rewritten parts (reference) ---------------------------


def ref_group_value_order(gid: np.ndarray, y: np.ndarray, w: np.ndarray, n_groups: int) -> np.ndarray:
    return np.lexsort((w, y, gid))


def ref_balanced(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    rep = frame.loc[frame[measure].notna().to_numpy() & (frame["population"] > 0).to_numpy()]
    keys = ["period", "code"]
    n_periods = rep.groupby("code", observed=True)["period"].nunique()
    per_region = rep.groupby(["code", "region_code"], observed=True)["period"].nunique()
    want = n_periods.reindex(per_region.index.get_level_values("code")).to_numpy()
    full = per_region.loc[per_region.to_numpy() == want].reset_index()[["code", "region_code"]]
    n_bal = full.groupby("code", observed=True).size().rename("n_balanced")
    n_all = per_region.groupby(level="code", observed=True).size()
    dropped = (n_all - n_bal.reindex(n_all.index).fillna(0)).rename("n_dropped")
    panel = rep.merge(full, on=["code", "region_code"], how="inner")
    st = inequality(panel, keys, value=measure, weight="population", subgroup=None)
    st = st.loc[:, [*keys, "cv", "sd_log"]].rename(columns={"cv": "cv_balanced", "sd_log": "sd_log_balanced"})
    periods = rep.loc[:, keys].drop_duplicates()
    out = periods.merge(n_bal.reset_index(), on="code", how="left")
    return out.merge(dropped.reset_index(), on="code", how="left").merge(st, on=keys, how="left")


def ref_ranks(
    row: np.ndarray, col: np.ndarray, score: np.ndarray, n_rows: int, n_cols: int, parent_of_col: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = np.full((n_rows, n_cols), np.nan)
    m[row, col] = score
    order = np.argsort(-m, axis=1)
    sv = np.take_along_axis(m, order, axis=1)
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
    dense = np.empty(m.shape, dtype=np.int64)
    np.put_along_axis(rank_level, order, np.where(valid, run_start + 1.0, np.nan), axis=1)
    np.put_along_axis(quintile, order, np.where(valid, quint, np.nan), axis=1)
    np.put_along_axis(dense, order, np.cumsum(new_run, axis=1) - 1, axis=1)
    key = (parent_of_col.astype(np.int64) + 1)[None, :] * (n_cols + 1) + dense
    order = np.argsort(key, axis=1)
    sk = np.take_along_axis(key, order, axis=1)
    sp = sk // (n_cols + 1)
    new_group = np.ones(sk.shape, dtype=bool)
    new_group[:, 1:] = sp[:, 1:] != sp[:, :-1]
    new_run = new_group.copy()
    new_run[:, 1:] |= sk[:, 1:] != sk[:, :-1]
    group_start = np.maximum.accumulate(np.where(new_group, j, 0), axis=1)
    run_start = np.maximum.accumulate(np.where(new_run, j, 0), axis=1)
    rank = np.empty(dense.shape)
    np.put_along_axis(rank, order, (run_start - group_start + 1).astype("float64"), axis=1)
    rank_parent = np.where(np.isnan(m), np.nan, rank)
    return rank_level[row, col], quintile[row, col], rank_parent[row, col]


def ref_worst(key: np.ndarray, size: int, severity: np.ndarray) -> np.ndarray:
    out = np.zeros(size, dtype=np.int8)
    for level in range(1, len(aggregation.AGGREGATE_STATUSES)):
        present = np.bincount(key, weights=(severity == level).astype("float64"), minlength=size) > 0
        out[present] = level
    return out


def ref_index_codes(values: pd.Series | np.ndarray | pd.Index, index: pd.Index) -> np.ndarray:
    codes, uniques = pd.factorize(values)
    if len(uniques) == 0:
        return np.full(len(codes), -1, dtype=np.int64)
    lookup = index.get_indexer(pd.Index(np.asarray(uniques, dtype=object)).astype(index.dtype))
    return np.where(codes >= 0, lookup[np.maximum(codes, 0)], -1).astype(np.int64)


def ref_cases_short(num, den, unit_scale, threshold, sign, counted) -> np.ndarray:  # type: ignore[no-untyped-def]
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        needed = threshold * den / unit_scale
        gap = sign * (needed - num)
        gap = gap - indicators.TOLERANCE * np.maximum(1.0, np.abs(needed))
        short = np.maximum(np.ceil(gap), 0.0)
    return np.where(counted & ~np.isnan(threshold) & ~np.isnan(num), short, np.nan)


def ref_evidence(low, high, threshold, sign, is_rate, short, few) -> np.ndarray:  # type: ignore[no-untyped-def]
    meets = indicators.meets_threshold
    usable = ~np.isnan(low) & ~np.isnan(threshold)
    with np.errstate(invalid="ignore"):
        full = is_rate & meets(threshold, np.full_like(threshold, 100.0), np.ones_like(sign))
        edge = usable & ~np.isnan(short) & np.where(sign > 0, full, threshold <= 0)
    worst = np.where(sign > 0, high, low)
    best = np.where(sign > 0, low, high)
    clearly_below = usable & ~meets(worst, threshold, sign)
    clearly_meets = usable & meets(best, threshold, sign)
    return np.select(
        [~usable, usable & few, edge & (short == 0), edge, clearly_below, clearly_meets],
        [-1, 3, 1, 0, 0, 1],
        default=2,
    ).astype(np.int8)


def ref_judge(x, local, n_reg, attr) -> tuple[np.ndarray, ...]:  # type: ignore[no-untyped-def]
    """Every row with its own floor, direction, optimum and lower bound (repeated per region)."""
    meets = indicators.meets_threshold
    sign, floor = np.tile(attr["sign"], n_reg), np.tile(attr["national_floor"], n_reg)
    optimum, lower = np.tile(attr["optimum"], n_reg), np.tile(attr["lower_bound"], n_reg)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        standard = np.where(sign > 0, np.fmax(floor, local), np.fmin(floor, local))
        has_x = ~np.isnan(x)
        fails_floor = has_x & ~np.isnan(floor) & ~meets(x, floor, sign)
        fails_local = has_x & ~np.isnan(local) & ~meets(x, local, sign)
        status = np.select(
            [~has_x, fails_floor, fails_local, ~np.isnan(standard)], [0, 1, 2, 3], default=4
        ).astype(np.int8)
        gap_floor = sign * (x - floor)
        gap_standard = sign * (x - standard)
        rel_gap_floor = np.where(floor != 0, gap_floor / np.abs(floor), np.nan)
        rel_gap_standard = np.where(standard != 0, gap_standard / np.abs(standard), np.nan)
        target = np.where(np.isnan(standard), optimum, standard)
        span = target - lower
        proper = sign * span > 0
        frac = np.where(proper, (x - lower) / np.where(proper, span, 1.0), np.nan)
        reaches = meets(x, target, sign)
        score = np.where(reaches, 100.0, 100.0 * np.clip(np.where(proper, frac, 0.0), 0.0, 1.0))
        score = np.where(has_x, score, np.nan)
    return standard, status, gap_floor, gap_standard, rel_gap_floor, rel_gap_standard, score


def ref_whole(x: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.array(x, dtype="Float64").astype("Int64")


def ref_period_population(
    tree: RegionTree, codes: pd.Series | np.ndarray, periods: pd.Series | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    code_arr = np.asarray(codes, dtype=object)
    if not tree.has_yearly_populations:
        base = rollup.population(tree)
        rid, uniq = pd.factorize(code_arr)
        lookup = np.array([base.get(str(c), np.nan) for c in uniq] + [np.nan], dtype="float64")
        return lookup[np.where(rid >= 0, rid, len(uniq))], np.zeros(len(code_arr), dtype=bool)
    period_arr = np.asarray(periods, dtype="int64")
    frame = tree.population_frame(np.unique(period_arr).tolist())
    index = pd.MultiIndex.from_arrays([frame["region_code"].astype(object), frame["period"]])
    at = index.get_indexer(pd.MultiIndex.from_arrays([code_arr, period_arr]))
    found = at >= 0
    pop = np.where(found, frame["population"].to_numpy(dtype="float64")[at], np.nan)
    carried = found & frame["population_carried_forward"].to_numpy(dtype=bool)[at]
    return pop, carried


def ref_local_standard_grid(local_standards, tree, edition, periods) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    cols = ["region_code", "indicator_code", "period", "local_standard", "set_by_code"]
    periods = sorted({int(p) for p in periods})
    ancestors = self_and_ancestors(tree) if local_standards else None
    frames = [
        binding_standards(local_standards, tree, indicators._edition_of(edition, p), p, ancestors=ancestors)
        for p in periods
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c == "local_standard" else "object") for c in cols}
        )
    return pd.concat(frames, ignore_index=True).loc[:, cols]


def ref_on_rows(
    mask: np.ndarray,
    fn: Callable[[np.ndarray], tuple[np.ndarray, ...]],
    n_rows: int,
    n_out: int,
    *,
    bool_last: bool = False,
) -> tuple[np.ndarray, ...]:
    """Every row evaluated (as before), the rows outside ``mask`` blanked afterwards."""
    parts = fn(np.arange(n_rows))
    out = []
    for k in range(n_out):
        boolean = bool_last and k == n_out - 1
        out.append(np.where(mask, parts[k], False if boolean else np.nan))
    return tuple(out)


def _reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "_group_value_order", ref_group_value_order)
    monkeypatch.setattr(equity, "_balanced", ref_balanced)
    monkeypatch.setattr(aggregation, "_ranks", ref_ranks)
    monkeypatch.setattr(aggregation, "_worst", ref_worst)
    monkeypatch.setattr(indicators, "_cases_short", ref_cases_short)
    monkeypatch.setattr(indicators, "_evidence", ref_evidence)
    monkeypatch.setattr(indicators, "_judge", ref_judge)
    monkeypatch.setattr(indicators, "index_codes", ref_index_codes)
    monkeypatch.setattr(aggregation, "_factorize_sorted", lambda col: pd.factorize(col, sort=True))
    monkeypatch.setattr(aggregation, "index_codes", ref_index_codes)
    monkeypatch.setattr(aggregation, "_whole", ref_whole)
    monkeypatch.setattr(equity, "period_population", ref_period_population)
    monkeypatch.setattr(indicators, "local_standard_grid", ref_local_standard_grid)
    monkeypatch.setattr(indicators, "_on_rows", ref_on_rows)


def _pipeline(values, edition, tree, stds) -> list[pd.DataFrame]:  # type: ignore[no-untyped-def]
    s = score_indicators(values, edition, tree, stds)
    a = aggregate(s, edition, tree)
    return [
        s,
        a,
        equity_table(s, tree, edition, by="indicator"),
        equity_table(s, tree, edition, by="aspect", aggregates=a),
        equity_table(s, tree, edition, by="indicator", group_level="province", weighted=False),
    ]


def _random_case(seed: int) -> tuple:
    nat = _national()
    edition = load_edition()
    rng = np.random.default_rng(seed)
    counties = int(rng.integers(60, 400))
    tree = nat.national_tree(seed=seed, provinces=4, prefectures=12, counties=counties)
    values = nat.national_values(edition, tree, seed=seed)
    # ties: coarse values and equal populations; some rows missing entirely
    values["value"] = values["value"].round(0)
    values = values.sample(frac=0.9, random_state=seed).reset_index(drop=True)
    regions = []
    for r in tree:
        pop = 100_000 if (r.level == "county" and rng.random() < 0.3) else r.population
        years = ((2021, float(pop) * 1.1),) if (r.level == "county" and rng.random() < 0.5) else ()
        regions.append(Region(r.code, r.name_zh, r.name_en, r.level, r.parent_code, pop, populations=years))
    tree = RegionTree(tuple(regions))
    return values, edition, tree, nat.national_local_standards(edition, tree, seed=seed)


def _demo_case() -> tuple:
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values

    edition = load_edition()
    tree = demo_tree()
    return synthetic_values(edition, tree), edition, tree, demo_local_standards(edition)


def _assert_same_tables(new: tuple, old: tuple) -> None:
    for name, a, b in zip(
        ("scores", "aggregates", "equity", "equity_aspect", "equity_grouped"), new, old, strict=True
    ):
        assert len(a) > 0, name
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)


@pytest.mark.parametrize("case", ["demo", 1, 2, 3])
def test_engine_equals_previous_implementation(case: object, monkeypatch: pytest.MonkeyPatch) -> None:
    values, edition, tree, stds = _demo_case() if case == "demo" else _random_case(int(case))  # type: ignore[arg-type]
    new = _pipeline(values, edition, tree, stds)
    with monkeypatch.context() as m:
        _reference(m)
        old = _pipeline(values, edition, tree, stds)
    _assert_same_tables(new, old)


def test_engine_on_two_threads_equals_previous_implementation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two-thread paths (balanced panel beside the measures, group sorts split in two, local
    standards beside the values and status beside the intervals in scoring) taken on
    a small case by lowering their thresholds: the same tables, cell for cell."""
    values, edition, tree, stds = _random_case(4)
    with monkeypatch.context() as m:
        m.setattr(equity, "_PARALLEL_ROWS", 0)
        m.setattr(stats, "_PARALLEL_SORT_ROWS", 0)
        m.setattr(aggregation, "_PARALLEL_CELLS", 0)
        m.setattr(indicators, "_PARALLEL_ROWS", 0)
        m.setattr(parallel, "spare_core", lambda: True)
        new = _pipeline(values, edition, tree, stds)
    with monkeypatch.context() as m:
        _reference(m)
        old = _pipeline(values, edition, tree, stds)
    _assert_same_tables(new, old)


def test_group_value_order_on_two_threads_is_lexsort(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(11)
    n = 30_000
    g = rng.integers(0, 97, n)
    y = rng.integers(0, 20, n).astype("float64")
    w = rng.integers(1, 4, n).astype("float64")
    monkeypatch.setattr(stats, "_PARALLEL_SORT_ROWS", 0)
    monkeypatch.setattr(parallel, "spare_core", lambda: True)
    assert stats._group_value_order(g, y, w, 97).tolist() == np.lexsort((w, y, g)).tolist()


@pytest.mark.parametrize(
    ("gid", "y", "w"),
    [
        ([0, 0, 1, 1], [2.0, 1.0, 1.0, 1.0], [1.0, 1.0, 2.0, 1.0]),  # the small case: sort inside groups
        ([1, 0, 1, 0, 1, 0], [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], [3.0, 3.0, 3.0, 3.0, 3.0, 3.0]),  # all tie
    ],
)
def test_group_value_order_is_lexsort(gid: list[int], y: list[float], w: list[float]) -> None:
    g, yy, ww = np.array(gid), np.array(y), np.array(w)
    assert stats._group_value_order(g, yy, ww, 2).tolist() == np.lexsort((ww, yy, g)).tolist()


def test_group_value_order_large_random_equals_lexsort() -> None:
    rng = np.random.default_rng(7)
    n = 20_000
    g = rng.integers(0, 50, n)
    y = rng.integers(0, 30, n).astype("float64")
    w = rng.integers(1, 4, n).astype("float64")
    got = stats._group_value_order(g, y, w, 50)
    assert got.tolist() == np.lexsort((w, y, g)).tolist()  # identical, ties keep the input order


@pytest.mark.parametrize("dtype", ["string", "str", object, "category"])
@pytest.mark.parametrize("index_dtype", ["string", object])
def test_index_codes_equals_factorize_lookup(dtype: object, index_dtype: object) -> None:
    """Arrow-backed string columns are looked up by ``pyarrow.compute.index_in``: the same positions
    as factorizing and looking up the distinct values, with missing values and codes absent from
    the index (-1), an index with codes absent from the column, and an empty column."""
    rng = np.random.default_rng(3)
    codes = [f"{k:06d}" for k in range(40)]
    raw = rng.choice([*codes, "999999", ""], 5_000).astype(object)
    raw[rng.random(5_000) < 0.05] = None
    values = pd.Series(raw, dtype=dtype)
    index = pd.Index([*codes[5:], "extra"], dtype=index_dtype)
    got = inputs.index_codes(values, index)
    assert got.dtype == np.int64
    assert got.tolist() == ref_index_codes(values, index).tolist()
    assert (got >= 0).any() and (got == -1).any()
    empty = pd.Series([], dtype=dtype)
    assert inputs.index_codes(empty, index).tolist() == ref_index_codes(empty, index).tolist() == []


@pytest.mark.parametrize(
    "raw", [["b", "a", "c", "b"], ["b", "b"], ["a", None, "c"], []], ids=["some", "one", "missing", "empty"]
)
def test_factorize_sorted_equals_pandas(raw: list[object]) -> None:
    """Region ids of ``aggregate``: categories in their own (unsorted) order, some unused."""
    col = pd.Series(pd.Categorical(raw, categories=pd.Index(["c", "z", "b", "a"], dtype="string")))
    ids, uniques = aggregation._factorize_sorted(col)
    ref_ids, ref_uniques = pd.factorize(col, sort=True)
    assert ids.tolist() == ref_ids.tolist()
    assert np.asarray(uniques, dtype=object).tolist() == np.asarray(ref_uniques, dtype=object).tolist()


@pytest.mark.parametrize(
    "raw",
    [[2021, 2019, 2021, 2020], [5], [], [-3, 10**9, 7, -3], list(range(70_000, 0, -7))],
    ids=["years", "one", "empty", "wide", "many"],
)
def test_sorted_unique_ids_equals_unique_and_searchsorted(raw: list[int]) -> None:
    values = np.array(raw, dtype=np.int64)
    ids, uniques = inputs.sorted_unique_ids(values)
    assert uniques.tolist() == np.unique(values).tolist()
    assert ids.tolist() == np.searchsorted(np.unique(values), values).tolist()
    floats = np.array([*raw, 2020.0, -0.0, 0.0], dtype="float64")
    assert inputs.sorted_unique(floats).tolist() == np.unique(floats).tolist()


@pytest.mark.parametrize("two_threads", [False, True])
def test_ranks_equal_reference_with_ties_zeros_infinities_and_gaps(
    two_threads: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The integer-key sort of the scores: -0.0 and 0.0 tie, ±inf rank first/last among the
    scores, NaN has no rank; rows all NaN, rows with one score, cells absent from the matrix."""
    rng = np.random.default_rng(5)
    n_rows, n_cols = 40, 300
    cells = rng.choice(n_rows * n_cols, size=n_rows * n_cols * 3 // 4, replace=False)
    row, col = np.divmod(cells, n_cols)
    pool = np.array([0.0, -0.0, 100.0, 50.5, np.inf, -np.inf, np.nan, 1e-300, -3.0, 99.99])
    score = np.where(rng.random(len(cells)) < 0.5, rng.choice(pool, len(cells)), rng.random(len(cells)))
    score[row == 3] = np.nan
    keep = (row != 4) | (col == 7)
    row, col, score = row[keep], col[keep], score[keep]
    parent = rng.integers(-1, 12, n_cols)
    monkeypatch.setattr(aggregation, "_PARALLEL_CELLS", 0)
    monkeypatch.setattr(parallel, "spare_core", lambda: two_threads)
    got = aggregation._ranks(row, col, score, n_rows, n_cols, parent)
    want = ref_ranks(row, col, score, n_rows, n_cols, parent)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)


def test_judge_equals_reference_on_edge_values() -> None:
    """Standard, status, gaps and score of the broadcast ``_judge``: values on and around the
    thresholds (within the tolerance), zero and missing floors, local standards stricter and weaker
    than the floor, lower-is-better slots, a target not on the good side of the lower bound."""
    rng = np.random.default_rng(9)
    attr = {
        "sign": np.array([1.0, -1.0, 1.0, -1.0, 1.0, 1.0]),
        "national_floor": np.array([90.0, 5.2, np.nan, 0.0, 0.0, 100.0]),
        "optimum": np.array([100.0, 0.0, 80.0, 0.0, 10.0, 100.0]),
        "lower_bound": np.array([0.0, 20.0, 0.0, 10.0, 20.0, 0.0]),
    }
    n_reg = 500
    base = np.tile(attr["national_floor"], n_reg)
    x = np.where(np.isnan(base), 80.0, base) + rng.choice(
        [0.0, 1e-12, -1e-12, 1e-3, -1e-3, 5.0, -5.0], len(base)
    )
    x[rng.random(len(x)) < 0.1] = np.nan
    local = np.where(rng.random(len(x)) < 0.3, x + rng.choice([-1.0, 0.0, 1.0], len(x)), np.nan)
    local[rng.random(len(x)) < 0.05] = 0.0
    for got, want in zip(
        indicators._judge(x, local, n_reg, attr), ref_judge(x, local, n_reg, attr), strict=True
    ):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("case", ["demo", "national"])
def test_aggregate_of_a_complete_table_equals_the_masked_path(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a complete score table every level's cells all have rows, and ``aggregate`` sums and
    gathers without masks; the masked path (taken for incomplete tables) gives the same table."""
    if case == "demo":
        values, edition, tree, stds = _demo_case()
    else:
        nat = _national()
        edition = load_edition()
        tree = nat.national_tree(seed=3, provinces=3, prefectures=9, counties=120)
        values, stds = nat.national_values(edition, tree, seed=3), nat.national_local_standards(edition, tree)
    scores = score_indicators(values, edition, tree, stds)
    fast = aggregate(scores, edition, tree)
    with monkeypatch.context() as m:
        m.setattr(aggregation, "_complete", lambda mask: False)
        slow = aggregate(scores, edition, tree)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_scoring_on_two_threads_raises_the_values_error_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the local standards computed on a second thread, a duplicate value still raises the
    same DataFileError as on one thread (the pool is shut down before it propagates)."""
    from assessment.domain.errors import DataFileError

    values, edition, tree, stds = _demo_case()
    values = pd.concat([values, values.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataFileError) as serial:
        score_indicators(values, edition, tree, stds)
    monkeypatch.setattr(indicators, "_PARALLEL_ROWS", 0)
    monkeypatch.setattr(parallel, "spare_core", lambda: True)
    with pytest.raises(DataFileError) as threaded:
        score_indicators(values, edition, tree, stds)
    assert str(threaded.value) == str(serial.value)
