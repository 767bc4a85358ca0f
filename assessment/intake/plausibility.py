"""Warnings that do not block an upload but ask the official to look again (issue 3 item 3).

- ``W_IMPLAUSIBLE_CHANGE``: the change on the region's previous reported period is an outlier
  among the changes of its peers for that indicator and period (modified z-score of
  Iglewicz and Hoaglin, ``0.6745 (x - median) / MAD`` over ``Z_LIMIT``, with at least
  ``MIN_GROUP`` changes to compare with). Where fewer regions or a zero MAD make that test
  meaningless, a move of more than ``FALLBACK_RELATIVE`` of the previous value is flagged.
- ``W_PEER_OUTLIER``: the value is an outlier among its peers for the same indicator and period
  (same modified z-score, at least ``MIN_GROUP`` peers).
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

Both outlier tests compare with anonymised peer statistics only (:mod:`assessment.intake.peer_stats`:
the prefecture's other reporting regions, else the province's, at least 3 of them), so the official's
check and the reviewer's check of the same file give the same warnings (issue 16, point 5).
``history`` gives the region's own earlier values (columns of ``UploadResult.values``; rows of the
upload replace history rows with the same key); ``peers`` the statistics.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.domain.errors import Problem
from assessment.intake import peer_stats
from assessment.intake.cleaning import lookup
from assessment.intake.peer_stats import PeerSource
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


def _regions(cur: pd.DataFrame) -> set[str]:
    """The distinct region codes of ``cur`` as strings (looked at once each, not once per row)."""
    return {str(r) for r in pd.unique(cur["region_code"])}


def _periods(cur: pd.DataFrame) -> set[int]:
    """The distinct periods of ``cur`` as ints (missing ones left out)."""
    return {int(p) for p in pd.to_numeric(pd.Series(pd.unique(cur["period"])), errors="coerce").dropna()}


def _own_frame(history: pd.DataFrame | None, regions: set[str]) -> pd.DataFrame:
    """The history rows of ``regions`` only (their own earlier values), plain typed."""
    if history is None or not len(history):
        return pd.DataFrame({"region_code": [], "period": [], "indicator_code": [], "value": []})
    h = history[["region_code", "period", "indicator_code", "value"]]
    h = h.assign(
        region_code=h["region_code"].astype(str).astype(object),
        period=pd.to_numeric(h["period"], errors="coerce"),
        indicator_code=h["indicator_code"].astype(str).astype(object),
        value=pd.to_numeric(h["value"], errors="coerce"),
    )
    h = h[h["region_code"].isin(regions)]
    return h.dropna(subset=["period", "value"])


def _one_period(period: pd.Series) -> bool:
    """``pd.Series(pd.unique(period)).nunique(dropna=False) <= 1``: one comparison when every
    row has the same period (or none has one)."""
    values = period.to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(values)
    if missing.all() or (not missing.any() and (values == values[0]).all()):
        return True
    return bool(pd.Series(pd.unique(period)).nunique(dropna=False) <= 1)


def _previous(cur: pd.DataFrame, history: pd.DataFrame | None) -> pd.DataFrame:
    """Per current row (position in ``cur``): the region's value of the indicator in its previous
    reported period (own history, replaced by the rows of the file) and that period."""
    hist = (
        _own_frame(history, _regions(cur))
        if history is not None and len(history)
        else _own_frame(None, set())
    )
    if not len(hist) and _one_period(cur["period"]):
        # one period and no history: no row has a previous value (the keys of cur are distinct)
        nan = np.full(len(cur), np.nan)
        return pd.DataFrame({"prev": nan, "prev_period": nan.copy()})
    now = cur[["region_code", "period", "indicator_code", "value"]].assign(_cur=np.arange(len(cur)))
    now = now.astype({"period": "float64", "region_code": object, "indicator_code": object})
    if len(hist):
        hist = hist.merge(now[_KEYS].assign(_dup=True), how="left", on=_KEYS)
        hist = hist[hist["_dup"].isna()].drop(columns="_dup").assign(_cur=-1)
        allv = pd.concat([hist, now], ignore_index=True)
    else:
        allv = now.reset_index(drop=True)
    allv = allv.sort_values(["region_code", "indicator_code", "period"], kind="stable")
    g = allv.groupby(["region_code", "indicator_code"], sort=False)
    allv["prev"] = g["value"].shift(1)
    allv["prev_period"] = g["period"].shift(1)
    mine = allv[allv["_cur"] >= 0].set_index("_cur").sort_index()
    return mine[["prev", "prev_period"]]


def _peer_frame(
    cur: pd.DataFrame, peers: pd.DataFrame | PeerSource | None, ctx: Context
) -> pd.DataFrame | None:
    """The peer statistics of the rows' regions and periods, aligned with ``cur`` (NaN: none);
    None when there are no statistics at all (every row's would be NaN)."""
    if callable(peers):
        stats = peers(sorted(_regions(cur)), sorted(_periods(cur)))
    elif peers is None:
        return None
    else:
        stats = peers
    if not len(stats):
        return None
    keys = key_frame(cur)
    stats = key_frame(stats, _KEYS).join(stats.drop(columns=_KEYS)).drop_duplicates(_KEYS)
    merged = keys.merge(stats, how="left", on=_KEYS)
    return merged.set_axis(cur.index)


def _change_and_peer(
    cur: pd.DataFrame, ctx: Context, history: pd.DataFrame | None, peers: pd.DataFrame | PeerSource | None
) -> pd.DataFrame:
    """Per current row (by its index in ``cur``): change/peer outlier flags and their references.

    The change on the previous reported period is tested against the peers' changes, the value
    against the peers' values, both by the modified z-score over the anonymised statistics of
    :mod:`assessment.intake.peer_stats` (never the peers' own figures)."""
    prev = _previous(cur, history).set_axis(cur.index)
    st = _peer_frame(cur, peers, ctx)
    if st is None:  # no statistics: no peer outlier, and only the fallback test of changes
        return _without_peers(cur, prev)
    value = cur["value"].astype("float64")
    change = value - prev["prev"]
    c_med, c_mad = st["change_median"].astype("float64"), st["change_mad"].astype("float64")
    z_c = 0.6745 * (change - c_med) / c_mad.where(c_mad > 0)
    robust = (st["n_change"].fillna(0) >= MIN_GROUP) & z_c.notna()
    rel = change.abs() / prev["prev"].abs().clip(lower=1e-9)
    big = (change - c_med).abs() > MIN_RELATIVE * prev["prev"].abs()
    flag_change = prev["prev"].notna() & (
        (robust & (z_c.abs() > Z_LIMIT) & big) | (~robust & (rel > FALLBACK_RELATIVE))
    )
    med, mad = st["median"].astype("float64"), st["mad"].astype("float64")
    z_p = 0.6745 * (value - med) / mad.where(mad > 0)
    far = (value - med).abs() > MIN_RELATIVE * med.abs()
    flag_peer = (st["n"].fillna(0) >= MIN_GROUP) & (z_p.abs() > Z_LIMIT) & far
    return pd.DataFrame(
        {
            "flag_change": flag_change.fillna(False).astype(bool),
            "prev": prev["prev"],
            "prev_period": prev["prev_period"],
            "flag_peer": flag_peer.fillna(False).astype(bool),
            "peer_median": med,
        },
        index=cur.index,
    )


def _without_peers(cur: pd.DataFrame, prev: pd.DataFrame) -> pd.DataFrame:
    """:func:`_change_and_peer` where every peer statistic is missing (NaN): the modified
    z-scores are undefined, so no value is a peer outlier and a change is tested only against
    ``FALLBACK_RELATIVE`` of the previous value (nothing to test when no row has one)."""
    previous = prev["prev"].astype("float64")
    flag_change = np.zeros(len(cur), dtype=bool)
    has_prev = previous.notna().to_numpy()
    if has_prev.any():
        change = cur["value"].astype("float64") - previous
        rel = change.abs() / previous.abs().clip(lower=1e-9)
        flag_change = (previous.notna() & (rel > FALLBACK_RELATIVE)).fillna(False).to_numpy(dtype=bool)
    return pd.DataFrame(
        {
            "flag_change": flag_change,
            "prev": prev["prev"].to_numpy(),
            "prev_period": prev["prev_period"].to_numpy(),
            "flag_peer": np.zeros(len(cur), dtype=bool),
            "peer_median": np.full(len(cur), np.nan),
        },
        index=cur.index,
    )


def _standard(cur: pd.DataFrame, ctx: Context) -> pd.Series:
    ind = ctx.indicators
    floor = lookup(cur["indicator_code"], ind["national_floor"], dtype="float64")
    if not len(ctx.binding):  # no local standard: fmax and fmin of the floor and NaN are the floor
        return floor
    # higher is better unless the catalogue says otherwise (unknown and missing codes: higher)
    higher = ~lookup(cur["indicator_code"], ind["direction"] != "higher", False, dtype="bool")
    b = ctx.binding[["region_code", "period", "indicator_code", "local_standard"]]
    b = key_frame(b).assign(local_standard=b["local_standard"].astype("float64")).drop_duplicates(_KEYS)
    local = key_frame(cur).merge(b, how="left", on=_KEYS)["local_standard"].to_numpy()
    local = pd.Series(local, index=cur.index, dtype="float64")
    stricter = np.where(higher, np.fmax(floor, local), np.fmin(floor, local))
    return pd.Series(stricter, index=cur.index, dtype="float64", copy=False)


def _period_population(cur: pd.DataFrame, ctx: Context) -> pd.Series:
    """The resident population of each row's region in the row's period (NaN for an unknown
    region or period), vectorised over the distinct periods."""
    if not ctx.tree.has_yearly_populations:
        return lookup(cur["region_code"], {r.code: float(r.population) for r in ctx.tree}, dtype="float64")
    codes = cur["region_code"].astype("string").astype(object)
    period = pd.to_numeric(cur["period"], errors="coerce")
    known = period.notna().to_numpy()
    frame = ctx.tree.population_frame(period[known].astype("int64").unique().tolist())
    index = pd.MultiIndex.from_arrays([frame["region_code"].astype(object), frame["period"]])
    at = index.get_indexer(pd.MultiIndex.from_arrays([codes, period.fillna(-1).astype("int64")]))
    pop = np.where(at >= 0, frame["population"].to_numpy(dtype="float64")[at], np.nan)
    return pd.Series(pop, index=cur.index, dtype="float64", copy=False)


def _bunched(cur: pd.DataFrame, exact: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """(per row of ``cur``: its value is at its standard with at least ``BUNCH_MIN`` of its region
    and period, the count of them by row label). Counted on the rows at their standard only: the
    other rows of a group add nothing to its count, and no warning is theirs."""
    at_standard = exact.to_numpy(dtype=bool)
    bunched = np.zeros(len(cur), dtype=bool)
    if not at_standard.any():
        return bunched, pd.Series(dtype="int64")
    groups = _group_id([cur["region_code"][at_standard], cur["period"][at_standard]])
    count = exact[at_standard].groupby(groups, sort=False).transform("sum")
    bunched[at_standard] = (count >= BUNCH_MIN).to_numpy(dtype=bool)
    return bunched, count


def _nothing_to_compare(
    cur: pd.DataFrame, history: pd.DataFrame | None, peers: pd.DataFrame | PeerSource | None
) -> bool:
    """No statistics to be had (no ``peers``, no ``history`` to compute them from) and no row
    with a previous value (one period, no history): no change or peer outlier can be flagged."""
    return peers is None and (history is None or not len(history)) and _one_period(cur["period"])


def plausibility_warnings(
    checked: pd.DataFrame,
    raw: RawTable,
    ctx: Context,
    history: pd.DataFrame | None = None,
    peers: pd.DataFrame | PeerSource | None = None,
) -> list[Problem]:
    """The warnings for the rows of ``checked`` that passed every rule.

    ``peers``: the anonymised statistics of :mod:`assessment.intake.peer_stats` (a frame, or a
    function of the rows' regions and periods returning one, as ``Store.peer_statistics``). When
    not given, they are computed from ``history`` (which then must hold the peers' values: the
    command line, run as a user who sees them). Either way only aggregates are compared with."""
    if not len(checked):
        return []
    sink = ProblemSink(raw, ctx, checked)
    usable = (~checked["error"] & checked["value"].notna() & checked["kind"].notna()).to_numpy()
    if not usable.any():
        return []
    columns = ["region_code", "period", "indicator_code", "kind", "value", "numerator", "denominator"]
    cur = checked if usable.all() else checked.loc[usable, columns]  # (read by column name only)
    pos = np.flatnonzero(usable)

    def full(mask: pd.Series | np.ndarray) -> np.ndarray:
        out = np.zeros(len(checked), dtype=bool)
        out[pos] = np.asarray(mask, dtype=bool)
        return out

    kind = cur["kind"]
    ind = ctx.indicators
    optimum = lookup(cur["indicator_code"], ind["optimum"], dtype="float64")
    fraction = (kind == "rate") & (cur["value"] > 0) & (cur["value"] <= 1) & (optimum > 10)
    fraction &= cur["numerator"].isna() & cur["denominator"].isna()
    sink.add(full(fraction), "W_RATE_AS_FRACTION", "value", suggested=cur["value"] * 100)

    population = _period_population(cur, ctx)
    over = cur["denominator"].notna() & population.notna() & (cur["denominator"] > population)
    sink.add(full(over), "W_DENOMINATOR_OVER_POPULATION", "denominator", population=population)

    standard = _standard(cur, ctx)
    exact = (cur["value"] - standard).abs() <= 1e-9 * standard.abs().clip(lower=1.0)
    exact &= (kind != "boolean") & ~((kind == "rate") & (standard == 100))
    bunched, count = _bunched(cur, exact)
    sink.add(full(bunched), "W_BUNCHED_AT_STANDARD", "value", standard=standard, count=count)

    testable = kind != "boolean"
    if _nothing_to_compare(cur, history, peers):
        return sink.problems
    if testable.any():
        sub = cur.loc[testable.to_numpy(dtype=bool), columns]
        if peers is None and history is not None and len(history):
            regions, periods = _regions(sub), _periods(sub)
            peers = peer_stats.peer_statistics(history, ctx.tree, regions, periods)
        flags = _change_and_peer(sub, ctx, history, peers)
        tested = np.flatnonzero(testable.to_numpy(dtype=bool))  # the positions of sub's rows in cur

        def on_cur(flag: str) -> np.ndarray:
            out = np.zeros(len(cur), dtype=bool)
            out[tested] = flags[flag].to_numpy(dtype=bool)
            return out

        change = full(on_cur("flag_change"))
        sink.add(
            change,
            "W_IMPLAUSIBLE_CHANGE",
            "value",
            previous=flags["prev"],
            previous_period=flags["prev_period"],
        )
        peer = full(on_cur("flag_peer"))
        sink.add(peer, "W_PEER_OUTLIER", "value", median=flags["peer_median"])
    return sink.problems
