"""Region-tree frames for scoring, and roll-up of leaf values to every region above them.

Nothing here depends on the number of levels: a tree may run from the nation to the townships and
skip levels (a county directly under its province), every non-leaf region gets the values of the
leaves below it.

* :func:`ancestry` lists every (region, ancestor) pair of the tree, the region itself included at
  distance 0: the one join that answers "which jurisdictions is this county under?" for every
  county at once (binding local standards, equity within a jurisdiction, roll-ups).
* :func:`scope_regions` says which regions a score table covers: the leaves (counties) under the
  given jurisdictions, or the regions of one level under them.
* :func:`rollup_values` turns county values into prefecture and province values so that a
  prefecture can be scored exactly like a county:

  - ``rate`` indicators: ``100 · Σ numerator / Σ denominator`` over the counties below that
    reported both (the numerator and denominator are kept, so the Wilson interval works at every
    level); counties that gave only a value are averaged as below when no county gave both;
  - every other kind (``per_capita``, ``amount``, ``count``, ``boolean``): the population-weighted
    mean of the reporting counties' values (so a count compares with the same per-county floor, and
    a boolean becomes the share of residents living in a county that provides the service).

  ``n_regions`` says how many counties contributed; counties that did not report are left out,
  never counted as zero.

  The weights are the counties' resident populations *of the period*
  (:meth:`~assessment.domain.model.RegionTree.population_frame`: that year's figure, else the latest
  earlier one carried forward, else the base); ``population_carried_forward`` is True on a
  population-weighted row where a contributing county's population was carried forward (always
  False on a pooled rate, which uses no population).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.domain.model import Edition, RegionTree

__all__ = ["ancestry", "parent_codes", "period_population", "population", "rollup_values", "scope_regions"]


def ancestry(tree: RegionTree) -> pd.DataFrame:
    """Every (region_code, ancestor_code, distance) pair; the region itself at distance 0."""
    frame = tree.frame()
    parent = dict(zip(frame["region_code"], frame["parent_code"], strict=True))
    codes = frame["region_code"].to_numpy(dtype=object)
    pairs = [pd.DataFrame({"region_code": codes, "ancestor_code": codes, "distance": 0})]
    current = codes
    distance = 0
    while True:
        distance += 1
        up = np.array([parent.get(c) for c in current], dtype=object)
        has = np.array([isinstance(u, str) and u != "" for u in up], dtype=bool)
        if not has.any() or distance > len(codes):
            break
        step = pd.DataFrame({"region_code": codes[has], "ancestor_code": up[has], "distance": distance})
        pairs.append(step)
        codes, current = codes[has], up[has]
    out = pd.concat(pairs, ignore_index=True)
    out["distance"] = out["distance"].astype("int64")
    return out


def parent_codes(tree: RegionTree) -> dict[str, str | None]:
    """``{region_code: parent_code}`` (None for the root)."""
    return {r.code: r.parent_code for r in tree}


def population(tree: RegionTree) -> dict[str, float]:
    """``{region_code: resident population}`` (the base, whatever the period: see
    :func:`period_population` for the population of a period)."""
    return {r.code: float(r.population) for r in tree}


def period_population(
    tree: RegionTree, codes: pd.Series | np.ndarray, periods: pd.Series | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The resident population of every (region, period) row and whether it was carried forward.

    Vectorised over the rows (:meth:`RegionTree.population_frame` once for the distinct periods):
    returns ``(population float64, carried_forward bool)``, NaN and False for a code not in the
    tree. A tree without populations of particular years gives the base population, never carried
    forward, exactly as before per-year populations existed.
    """
    # factorize once (a categorical column is factorized from its codes: no 1.6 M-string copy), then
    # look each distinct region (x period) up in a small table
    rid, uniq = pd.factorize(codes if isinstance(codes, pd.Series) else np.asarray(codes, dtype=object))
    names = [str(c) for c in np.asarray(uniq, dtype=object)]
    missing_at = np.where(rid >= 0, rid, len(names))
    if not tree.has_yearly_populations:
        base = population(tree)
        lookup = np.array([base.get(n, np.nan) for n in names] + [np.nan], dtype="float64")
        return lookup[missing_at], np.zeros(len(rid), dtype=bool)
    period_arr = np.asarray(periods, dtype="int64")
    period_index = np.unique(period_arr)
    frame = tree.population_frame(period_index.tolist())
    fr = pd.Index(names, dtype=object).get_indexer(frame["region_code"].astype(object))
    fp = np.searchsorted(period_index, frame["period"].to_numpy(dtype="int64"))
    ok = fr >= 0
    pop_table = np.full((len(names) + 1, len(period_index)), np.nan)
    carried_table = np.zeros((len(names) + 1, len(period_index)), dtype=bool)
    pop_table[fr[ok], fp[ok]] = frame["population"].to_numpy(dtype="float64")[ok]
    carried_table[fr[ok], fp[ok]] = frame["population_carried_forward"].to_numpy(dtype=bool)[ok]
    at_p = np.searchsorted(period_index, period_arr)
    pop = pop_table[missing_at, at_p]
    carried = carried_table[missing_at, at_p]
    return pop, carried


def _unknown_region(code: str) -> Problem:
    return localized_problem("scoring.unknown_region", {"code": code}, column="region_code", value=code)


def scope_regions(
    tree: RegionTree, regions: Iterable[str] | None = None, level: str | None = None
) -> list[str]:
    """Codes of the regions a score table covers, sorted.

    ``regions``: jurisdictions (any level) to look under; None = the whole tree. ``level``: None =
    the leaves (counties, or whatever has no children), else the regions of that level (a region
    given in ``regions`` counts itself when it is of that level). Unknown codes raise
    :class:`DataFileError` naming them.
    """
    wanted = list(dict.fromkeys(regions)) if regions is not None else None
    if wanted is not None:
        problems = [_unknown_region(c) for c in wanted if c not in tree]
        if problems:
            raise DataFileError(problems)
    pool = {r.code for r in tree.leaves()} if level is None else {r.code for r in tree if r.level == level}
    if wanted is None:
        return sorted(pool)
    anc = ancestry(tree)
    inside = set(anc.loc[anc["ancestor_code"].isin(wanted), "region_code"])
    return sorted(pool & inside)


def rollup_values(values: pd.DataFrame, tree: RegionTree, edition: Edition) -> pd.DataFrame:
    """Values of every non-leaf region computed from the leaves below it (see the module doc).

    ``values``: tidy leaf values (region_code, period, indicator_code, value, numerator,
    denominator; extra columns ignored). Returns the same columns plus ``n_regions`` and
    ``population_carried_forward`` for every (non-leaf region, period, indicator) with at least one
    reporting leaf below it. The input is not changed.
    """
    cols = ["region_code", "period", "indicator_code", "value", "numerator", "denominator"]
    out_cols = [*cols, "n_regions", "population_carried_forward"]
    leaves = {r.code for r in tree.leaves()}
    v = values.loc[values["region_code"].isin(leaves)]
    v = v.reindex(columns=cols)
    if v.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in out_cols}).astype(
            {
                "region_code": "string",
                "indicator_code": "string",
                "period": "int64",
                "n_regions": "int64",
                "population_carried_forward": "bool",
            }
        )
    for c in ("value", "numerator", "denominator"):
        v[c] = pd.to_numeric(v[c], errors="coerce").astype("float64")
    v = v.loc[v["value"].notna() | (v["numerator"].notna() & v["denominator"].notna())]
    kinds = edition.indicator_frame().set_index("indicator_code")["kind"]
    anc = ancestry(tree)
    anc = anc.loc[anc["distance"] > 0, ["region_code", "ancestor_code"]]
    x = v.merge(anc, on="region_code", how="inner")
    x["kind"] = x["indicator_code"].map(kinds)
    x["pop"], carried = period_population(tree, x["region_code"], x["period"])
    both = x["numerator"].notna() & x["denominator"].notna() & (x["denominator"] > 0)
    is_rate = (x["kind"] == "rate").to_numpy()
    stated = x["value"].to_numpy(dtype="float64")
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        computed = 100.0 * x["numerator"].to_numpy() / x["denominator"].to_numpy()
    x["v"] = np.where(is_rate & both.to_numpy(), computed, stated)
    x["has_v"] = x["v"].notna()
    x["wv"] = np.where(x["has_v"], x["pop"] * x["v"], 0.0)
    x["w"] = np.where(x["has_v"], x["pop"], 0.0)
    x["num"] = np.where(both, x["numerator"], 0.0)
    x["den"] = np.where(both, x["denominator"], 0.0)
    x["n_both"] = both.astype("int64")
    x["cf"] = (x["has_v"].to_numpy() & carried).astype("int64")
    g = x.groupby(["ancestor_code", "period", "indicator_code"], sort=True, observed=True)
    agg = g[["wv", "w", "num", "den", "n_both", "cf"]].sum()
    agg["n_regions"] = g["has_v"].sum().astype("int64")
    agg = agg.reset_index().rename(columns={"ancestor_code": "region_code"})
    rate = agg["indicator_code"].map(kinds).eq("rate").to_numpy() & (agg["n_both"] > 0).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = np.where(agg["w"] > 0, agg["wv"] / agg["w"], np.nan)
        pooled = 100.0 * agg["num"].to_numpy() / agg["den"].to_numpy()
    agg["value"] = np.where(rate, pooled, mean)
    agg["numerator"] = np.where(rate, agg["num"], np.nan)
    agg["denominator"] = np.where(rate, agg["den"], np.nan)
    agg["population_carried_forward"] = ~rate & (agg["cf"].to_numpy() > 0)
    agg["period"] = agg["period"].astype("int64")
    return agg.loc[:, out_cols]
