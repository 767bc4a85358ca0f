"""Warnings that do not block an upload but ask the official to look again (issue 3 item 3).

- ``W_IMPLAUSIBLE_CHANGE``: the change on the region's previous reported period is an outlier
  among the changes of all regions for that indicator and period (modified z-score of
  Iglewicz and Hoaglin, ``0.6745 (x - median) / MAD`` over ``Z_LIMIT``, with at least
  ``MIN_GROUP`` changes to compare with). Where fewer regions or a zero MAD make that test
  meaningless, a move of more than ``FALLBACK_RELATIVE`` of the previous value is flagged.
- ``W_PEER_OUTLIER``: the value is an outlier among regions with the same parent for the same
  indicator and period (same modified z-score, at least ``MIN_GROUP`` regions).
  Both tests also need the difference to exceed ``MIN_RELATIVE`` of the reference, so tiny
  absolute moves on very uniform data are not flagged. Yes/no indicators are not tested.
- ``W_BUNCHED_AT_STANDARD``: at least ``BUNCH_MIN`` values of one region and period equal their
  standard (the stricter of national floor and binding local standard) exactly; a standard of
  100 on a rate, and yes/no indicators, are left out because reaching them exactly is normal.
- ``W_DENOMINATOR_OVER_POPULATION``: a denominator larger than the region's resident population
  of the row's period (that year's figure, else the latest earlier one, else the base:
  :meth:`~assessment.domain.model.RegionTree.population_frame`).
- ``W_RATE_AS_FRACTION``: a rate between 0 and 1 with no numerator/denominator on an indicator
  whose optimum is above 10: probably 0.95 typed for 95%.

``history`` is the tidy values of earlier periods and of peer regions (columns of
``UploadResult.values``); rows of the upload replace history rows with the same key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.domain.errors import Problem
from assessment.intake.cleaning import lookup
from assessment.intake.validation import Context, ProblemSink, RawTable, key_frame

Z_LIMIT = 3.5
MIN_GROUP = 5
MIN_RELATIVE = 0.10
FALLBACK_RELATIVE = 0.50
BUNCH_MIN = 3
_KEYS = ["region_code", "period", "indicator_code"]


def _group_id(groups: list[pd.Series]) -> np.ndarray:
    """One int per distinct combination of the group columns (-1 where any is missing)."""
    gid = np.zeros(len(groups[0]), dtype="int64")
    missing = np.zeros(len(groups[0]), dtype=bool)
    for g in groups:
        codes, uniques = pd.factorize(g)
        missing |= codes < 0
        gid = gid * (len(uniques) + 1) + codes
    gid = pd.factorize(gid)[0]
    gid[missing] = -1
    return gid


def _robust_z(x: pd.Series, groups: list[pd.Series]) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(modified z, group median, group size) of ``x`` within ``groups``."""
    gid = pd.Series(_group_id(groups), index=x.index)
    valid = gid >= 0
    xs = x.where(valid)
    grouped = xs.groupby(gid, sort=False)
    med = grouped.transform("median")
    n = grouped.transform("count")
    mad = (xs - med).abs().groupby(gid, sort=False).transform("median")
    z = 0.6745 * (xs - med) / mad.where(mad > 0)
    return z, med, n


def _history_frame(history: pd.DataFrame | None) -> pd.DataFrame:
    if history is None or not len(history):
        return pd.DataFrame({"region_code": [], "period": [], "indicator_code": [], "value": []})
    h = history[["region_code", "period", "indicator_code", "value"]]
    h = h.assign(
        region_code=h["region_code"].astype(str).astype(object),
        period=pd.to_numeric(h["period"], errors="coerce"),
        indicator_code=h["indicator_code"].astype(str).astype(object),
        value=pd.to_numeric(h["value"], errors="coerce"),
    )
    return h.dropna(subset=["period", "value"])


def _change_and_peer(cur: pd.DataFrame, ctx: Context, history: pd.DataFrame | None) -> pd.DataFrame:
    """Per current row (by its index in ``cur``): change/peer outlier flags and their references."""
    hist = _history_frame(history)
    now = cur[["region_code", "period", "indicator_code", "value"]].assign(_cur=np.arange(len(cur)))
    now = now.astype({"period": "float64"})
    if len(hist):
        now = now.astype({"region_code": object, "indicator_code": object})  # merge with plain keys
        hist = hist.merge(now[_KEYS].assign(_dup=True), how="left", on=_KEYS)
        hist = hist[hist["_dup"].isna()].drop(columns="_dup").assign(_cur=-1)
        allv = pd.concat([hist, now], ignore_index=True)
    else:
        allv = now.reset_index(drop=True)
    if allv["period"].nunique() > 1:
        key = _group_id([allv["region_code"], allv["indicator_code"]])
        order = np.lexsort((allv["period"].to_numpy(), key))
        allv, key = allv.iloc[order], key[order]
        g = allv.groupby(key, sort=False)
        allv["prev"] = g["value"].shift(1)
        allv["prev_period"] = g["period"].shift(1)
        allv["change"] = allv["value"] - allv["prev"]
        z_c, med_c, n_c = _robust_z(allv["change"], [allv["indicator_code"], allv["period"]])
        rel = allv["change"].abs() / allv["prev"].abs().clip(lower=1e-9)
        big = (allv["change"] - med_c).abs() > MIN_RELATIVE * allv["prev"].abs()
        robust = (n_c >= MIN_GROUP) & z_c.notna()
        allv["flag_change"] = allv["prev"].notna() & (
            (robust & (z_c.abs() > Z_LIMIT) & big) | (~robust & (rel > FALLBACK_RELATIVE))
        )
    else:  # one period only: there is no previous value to compare with
        allv = allv.assign(prev=np.nan, prev_period=np.nan, flag_change=False)
    parents = {r.code: r.parent_code or "" for r in ctx.tree}
    parent = lookup(allv["region_code"], parents)
    z_p, med_p, n_p = _robust_z(allv["value"], [parent, allv["indicator_code"], allv["period"]])
    far = (allv["value"] - med_p).abs() > MIN_RELATIVE * med_p.abs()
    allv["flag_peer"] = (n_p >= MIN_GROUP) & (z_p.abs() > Z_LIMIT) & far & parent.notna()
    allv["peer_median"] = med_p
    mine = allv[allv["_cur"] >= 0].set_index("_cur").sort_index()
    return mine[["flag_change", "prev", "prev_period", "flag_peer", "peer_median"]]


def _standard(cur: pd.DataFrame, ctx: Context) -> pd.Series:
    ind = ctx.indicators
    floor = lookup(cur["indicator_code"], ind["national_floor"]).astype("float64")
    higher = lookup(cur["indicator_code"], ind["direction"] == "higher", True).fillna(True).astype(bool)
    if len(ctx.binding):
        b = ctx.binding[["region_code", "period", "indicator_code", "local_standard"]]
        b = key_frame(b).assign(local_standard=b["local_standard"].astype("float64")).drop_duplicates(_KEYS)
        local = key_frame(cur).merge(b, how="left", on=_KEYS)["local_standard"].to_numpy()
    else:
        local = np.full(len(cur), np.nan)
    local = pd.Series(local, index=cur.index, dtype="float64")
    stricter = np.where(higher, np.fmax(floor, local), np.fmin(floor, local))
    return pd.Series(stricter, index=cur.index, dtype="float64")


def _period_population(cur: pd.DataFrame, ctx: Context) -> pd.Series:
    """The resident population of each row's region in the row's period (NaN for an unknown
    region or period), vectorised over the distinct periods."""
    if not ctx.tree.has_yearly_populations:
        return lookup(cur["region_code"], {r.code: float(r.population) for r in ctx.tree}).astype("float64")
    codes = cur["region_code"].astype("string").astype(object)
    period = pd.to_numeric(cur["period"], errors="coerce")
    known = period.notna().to_numpy()
    frame = ctx.tree.population_frame(period[known].astype("int64").unique().tolist())
    index = pd.MultiIndex.from_arrays([frame["region_code"].astype(object), frame["period"]])
    at = index.get_indexer(pd.MultiIndex.from_arrays([codes, period.fillna(-1).astype("int64")]))
    pop = np.where(at >= 0, frame["population"].to_numpy(dtype="float64")[at], np.nan)
    return pd.Series(pop, index=cur.index, dtype="float64")


def plausibility_warnings(
    checked: pd.DataFrame, raw: RawTable, ctx: Context, history: pd.DataFrame | None = None
) -> list[Problem]:
    """The warnings for the rows of ``checked`` that passed every rule."""
    if not len(checked):
        return []
    sink = ProblemSink(raw, ctx, checked)
    usable = (~checked["error"] & checked["value"].notna() & checked["kind"].notna()).to_numpy()
    if not usable.any():
        return []
    cur = checked.loc[
        usable, ["region_code", "period", "indicator_code", "kind", "value", "numerator", "denominator"]
    ]
    pos = np.flatnonzero(usable)

    def full(mask: pd.Series) -> np.ndarray:
        out = np.zeros(len(checked), dtype=bool)
        out[pos] = mask.to_numpy(dtype=bool)
        return out

    kind = cur["kind"]
    ind = ctx.indicators
    optimum = lookup(cur["indicator_code"], ind["optimum"]).astype("float64")
    fraction = (kind == "rate") & (cur["value"] > 0) & (cur["value"] <= 1) & (optimum > 10)
    fraction &= cur["numerator"].isna() & cur["denominator"].isna()
    sink.add(full(fraction), "W_RATE_AS_FRACTION", "value", suggested=cur["value"] * 100)

    population = _period_population(cur, ctx)
    over = cur["denominator"].notna() & population.notna() & (cur["denominator"] > population)
    sink.add(full(over), "W_DENOMINATOR_OVER_POPULATION", "denominator", population=population)

    standard = _standard(cur, ctx)
    exact = (cur["value"] - standard).abs() <= 1e-9 * standard.abs().clip(lower=1.0)
    exact &= (kind != "boolean") & ~((kind == "rate") & (standard == 100))
    count = exact.groupby(_group_id([cur["region_code"], cur["period"]]), sort=False).transform("sum")
    bunched = exact & (count >= BUNCH_MIN)
    sink.add(full(bunched), "W_BUNCHED_AT_STANDARD", "value", standard=standard, count=count)

    testable = kind != "boolean"
    if testable.any():
        sub = cur[testable]
        flags = _change_and_peer(sub, ctx, history).set_axis(sub.index)
        change = full(testable & flags["flag_change"].reindex(cur.index, fill_value=False))
        sink.add(
            change,
            "W_IMPLAUSIBLE_CHANGE",
            "value",
            previous=flags["prev"],
            previous_period=flags["prev_period"],
        )
        peer = full(testable & flags["flag_peer"].reindex(cur.index, fill_value=False))
        sink.add(peer, "W_PEER_OUTLIER", "value", median=flags["peer_median"])
    return sink.problems
