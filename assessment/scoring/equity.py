"""Equity across the regions under a jurisdiction (issue 5 item 3, DESIGN section 4).

For every indicator (or aspect) and period, over the regions of a score table that lie under
``within`` (default: all of them) and have data:

* ``n_regions``, ``n_below_floor`` and ``pop_share_below_floor`` (the share of the population of
  the reporting regions that lives in a region below the national floor: "leave no one behind");
* ``mean`` (unweighted), ``weighted_mean`` (population-weighted), ``sd``, ``cv``, ``gini``,
  ``theil``, ``theil_between`` and ``theil_within`` (decomposed over the parent region, or over the
  ancestor at ``group_level``), ``max_min_ratio`` and ``sd_log``; population-weighted unless
  ``weighted=False``. Formulas: :mod:`assessment.scoring.stats`.
* ``population_carried_forward``: True when the population of a region counted in the row is not
  that period's own figure but carried forward (the populations are those *of the period*:
  :meth:`~assessment.domain.model.RegionTree.population_frame`).

The measured quantity is the indicator's ``value`` (in its own unit) for ``by="indicator"`` and
the aspect ``score`` (0-100) for ``by="aspect"``. Inequality measures are relative (they say how
unequal regions are, not whether they meet the standard): read them beside the counts below the
floor, never instead of them.

:func:`sigma_convergence` says, per indicator or aspect, whether dispersion (CV and SD of logs)
fell between the first and the last period, on the **balanced panel** (issue 19 point 5): only the
regions that report the code in every period of its window (the periods of the table in which
anyone reports it) count, so that a change of CV is not a change of who reported. Per row of
:func:`equity`: ``n_balanced`` (the regions of the code's balanced panel, the same in every
period), ``n_dropped`` (regions that report it in some period of the window but not all),
``cv_balanced`` and ``sd_log_balanced`` (over the balanced panel, with that period's populations).

Fewer than two regions: every inequality measure is NaN (undefined, not 0) with
``undefined_reason`` ``"fewer_than_2_regions"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from assessment.domain.model import Edition, RegionTree
from assessment.scoring import parallel
from assessment.scoring.aggregation import aggregate
from assessment.scoring.inputs import missing_columns_error
from assessment.scoring.rollup import ancestry, parent_codes, period_population, scope_regions
from assessment.scoring.stats import FEWER_THAN_2, INEQUALITY_COLUMNS, _dense_ids, inequality

__all__ = ["EQUITY_COLUMNS", "SIGMA_COLUMNS", "equity", "sigma_convergence"]

EQUITY_COLUMNS = (
    *("edition", "period", "by", "code"),
    *INEQUALITY_COLUMNS,
    *("n_below_floor", "pop_share_below_floor"),
    "population_carried_forward",
    *("n_balanced", "n_dropped", "cv_balanced", "sd_log_balanced"),
)
SIGMA_COLUMNS = (
    "edition",
    "by",
    "code",
    "first_period",
    "last_period",
    "n_periods",
    "n_first",
    "n_last",
    "n_balanced",
    "n_dropped",
    "cv_first",
    "cv_last",
    "cv_change",
    "sd_log_first",
    "sd_log_last",
    "sd_log_change",
    "converging",
)


_PARALLEL_ROWS = 200_000  # below this a second thread costs more than it saves


def _group_of(tree: RegionTree, group_level: str | None) -> dict[str, str]:
    """``{region: subgroup}``: the parent, or the ancestor at ``group_level``."""
    if group_level is None:
        return {k: v for k, v in parent_codes(tree).items() if v is not None}
    levels = {r.code: r.level for r in tree}
    anc = ancestry(tree)
    anc = anc.loc[anc["ancestor_code"].map(levels) == group_level]
    return dict(zip(anc["region_code"], anc["ancestor_code"], strict=True))


def _per_region(codes: pd.Series, group: dict[str, str]) -> np.ndarray:
    """Subgroup number of every row, looked up once per distinct region."""
    rid, uniq = pd.factorize(codes)
    names = [str(u) for u in np.asarray(uniq, dtype=object)]
    grp_u, _ = pd.factorize(np.array([group.get(n) for n in names] + [None], dtype=object))
    at = np.where(rid >= 0, rid, len(names))
    return grp_u[at].astype(np.int64)


def _balanced(frame: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Per period and code: the balanced panel's size, the regions dropped from it, and its CV and
    SD of logs (``frame`` as prepared in :func:`equity`: one row per region, period and code).

    Counted with integer ids and bincounts (linear in the rows) rather than groupby/nunique and a
    merge: ``n_balanced``/``n_dropped`` are whole numbers, the CV and SD of logs come from
    :func:`~assessment.scoring.stats.inequality` over the same panel rows as before."""
    rep = frame.loc[frame[measure].notna().to_numpy() & (frame["population"] > 0).to_numpy()]
    keys = ["period", "code"]
    code_id, code_u = pd.factorize(rep["code"])
    reg_id, reg_u = pd.factorize(rep["region_code"])
    per_id, per_u = pd.factorize(rep["period"])
    n_code, n_reg, n_per = len(code_u), len(reg_u), len(per_u)
    pair = code_id.astype(np.int64) * max(n_reg, 1) + reg_id
    # distinct (code, region, period) and (code, period): a region counted once per period
    trip_id, n_trip = _dense_ids(pair * max(n_per, 1) + per_id, n_code * max(n_reg, 1) * max(n_per, 1))
    first = np.zeros(n_trip, dtype=np.int64)
    first[trip_id[::-1]] = np.arange(len(trip_id))[::-1]
    periods_of_pair = np.bincount(pair[first], minlength=n_code * n_reg)
    cp_id, n_cp = _dense_ids(code_id.astype(np.int64) * max(n_per, 1) + per_id, n_code * max(n_per, 1))
    cp_first = np.zeros(n_cp, dtype=np.int64)
    cp_first[cp_id[::-1]] = np.arange(len(cp_id))[::-1]
    periods_of_code = np.bincount(code_id[cp_first], minlength=n_code)
    pairs = periods_of_pair.reshape(n_code, n_reg) if n_code * n_reg else np.zeros((n_code, 0), int)
    reporting = pairs > 0
    full = reporting & (pairs == periods_of_code[:, None])
    n_bal = full.sum(axis=1)
    n_dropped = reporting.sum(axis=1) - n_bal
    in_panel = full.reshape(-1)[pair] if len(pair) else np.zeros(0, dtype=bool)
    stats = inequality(rep.loc[in_panel], keys, value=measure, weight="population", subgroup=None)
    stats = stats.loc[:, [*keys, "cv", "sd_log"]].rename(
        columns={"cv": "cv_balanced", "sd_log": "sd_log_balanced"}
    )
    at = cp_first
    out = rep.iloc[at].loc[:, keys].reset_index(drop=True)
    code_of = code_id[at]
    # a code whose panel is empty has no n_balanced (NaN, as the merge with the groupby gave)
    out["n_balanced"] = np.where(n_bal[code_of] > 0, n_bal[code_of], np.nan)
    out["n_dropped"] = n_dropped[code_of].astype("float64")
    return out.merge(stats, on=keys, how="left")


def equity(
    scores: pd.DataFrame,
    tree: RegionTree,
    edition: Edition,
    *,
    by: str = "indicator",
    within: str | None = None,
    weighted: bool = True,
    group_level: str | None = None,
    aggregates: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Dispersion and compliance counts per code and period (see the module docstring).

    ``scores``: the indicator table of :func:`~assessment.scoring.indicators.score_indicators`. For
    ``by="aspect"`` the aspect rows of ``aggregates`` are used (computed from ``scores`` when not
    given). ``within``: a jurisdiction code (unknown codes raise DataFileError). Returns a new frame
    with :data:`EQUITY_COLUMNS`, one row per code and period (codes without any reported region
    have n_regions 0 and NaN measures).
    """
    if by not in ("indicator", "aspect"):
        raise ValueError(f"by must be 'indicator' or 'aspect', got {by!r}")
    needed = ("region_code", "period", "indicator_code", "status", "value", "score")
    missing = [c for c in needed if c not in scores.columns]
    if missing:
        raise missing_columns_error("scoring.what_scores", missing)
    if by == "indicator":
        frame = scores.loc[:, ["region_code", "period", "indicator_code", "status", "value"]].rename(
            columns={"indicator_code": "code"}
        )
        measure = "value"
    else:
        agg = aggregates if aggregates is not None else aggregate(scores, edition, tree)
        # the status without the coverage rule: an aspect below 80% coverage (insufficient_data) with
        # an indicator below the floor still counts below the floor
        status = "worst_status" if "worst_status" in agg.columns else "status"
        frame = agg.loc[agg["level"] == "aspect", ["region_code", "period", "code", status, "score"]]
        frame = frame.rename(columns={status: "status"})
        measure = "score"
    if within is not None:
        scope_regions(tree, [within])  # refuses an unknown code with a clear message
        anc = ancestry(tree)
        inside = anc.loc[anc["ancestor_code"] == within, "region_code"]
        frame = frame.loc[frame["region_code"].isin(set(inside))]
    group = _per_region(frame["region_code"], _group_of(tree, group_level))
    pop, carried = period_population(tree, frame["region_code"], frame["period"])
    reported = frame[measure].notna().to_numpy()
    if by == "aspect":  # counted below the floor whenever anything under the aspect was reported,
        # scored or not (coverage never hides a failure): the measures use the scored ones only
        reported = (frame["status"].astype("string") != "no_data").fillna(False).to_numpy()
    below = (frame["status"] == "below_floor").to_numpy(dtype=bool, na_value=False) & reported
    frame = frame.assign(
        population=pop if weighted else 1.0,
        _group=group,
        _below=below.astype("int64"),
        _pop_rep=np.where(reported, pop, 0.0),
        _pop_below=np.where(below, pop, 0.0),
        _carried=(carried & reported).astype("int64"),
    )

    def measures() -> tuple[pd.DataFrame, pd.DataFrame]:
        stats = inequality(frame, ["period", "code"], value=measure, weight="population", subgroup="_group")
        counts = frame.groupby(["period", "code"], observed=True, sort=True)[
            ["_below", "_pop_rep", "_pop_below", "_carried"]
        ].sum()
        return stats, counts.reset_index()

    # the balanced panel on the second core (numpy's sorts and gathers release the GIL), when one is
    # idle; both only read ``frame``
    if len(frame) >= _PARALLEL_ROWS and parallel.spare_core():
        with ThreadPoolExecutor(max_workers=1) as pool:
            later = pool.submit(_balanced, frame, measure)
            stats, counts = measures()
            balanced = later.result()
    else:
        stats, counts = measures()
        balanced = _balanced(frame, measure)
    out = counts.merge(stats, on=["period", "code"], how="left")
    out = out.merge(balanced, on=["period", "code"], how="left")
    out["n_regions"] = out["n_regions"].fillna(0).astype("int64")
    # codes nobody reported have no stats row: undefined too
    out["undefined_reason"] = (
        out["undefined_reason"].astype("string").mask(out["n_regions"] < 2, FEWER_THAN_2)
    )
    for col in ("n_balanced", "n_dropped"):
        out[col] = out[col].fillna(0).astype("int64")
    out["n_below_floor"] = out["_below"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["pop_share_below_floor"] = np.where(
            out["_pop_rep"] > 0, out["_pop_below"] / out["_pop_rep"], np.nan
        )
    out["population_carried_forward"] = out["_carried"].to_numpy() > 0
    out["by"] = by
    out["edition"] = edition.label
    out["period"] = out["period"].astype("int64")
    return out.loc[:, list(EQUITY_COLUMNS)].sort_values(["code", "period"], ignore_index=True)


def sigma_convergence(equity_frame: pd.DataFrame) -> pd.DataFrame:
    """σ-convergence per code: did the CV (and SD of logs) fall from the first to the last period?

    Compared on the balanced panel (``cv_balanced``, ``sd_log_balanced`` of :func:`equity`): the
    window of a code runs from the first to the last period in which any region reports it;
    ``n_first`` and ``n_last`` are the regions reporting in those periods, ``n_balanced`` those
    reporting in every period of the window (the only ones compared) and ``n_dropped`` the others.
    ``converging`` is True when the balanced CV fell, False when it rose or stayed, NA when the
    panel has fewer than two regions or the window fewer than two periods with a CV. A frame
    without the balanced columns (an export of an earlier version) is compared as it stands, with
    ``n_balanced`` and ``n_dropped`` empty. Returns a new frame with :data:`SIGMA_COLUMNS`.
    """
    needed: Sequence[str] = ("period", "code", "cv", "sd_log")
    missing = [c for c in needed if c not in equity_frame.columns]
    if missing:
        raise missing_columns_error("scoring.what_scores", missing)
    balanced = "cv_balanced" in equity_frame.columns and "sd_log_balanced" in equity_frame.columns
    e = equity_frame
    reported = e["n_regions"].fillna(0).to_numpy() > 0 if "n_regions" in e.columns else e["cv"].notna()
    e = e.loc[reported]
    e = e.sort_values(["code", "period"], kind="stable")
    cv_col, sd_col = ("cv_balanced", "sd_log_balanced") if balanced else ("cv", "sd_log")
    # the rows of the first and the last period of each code's window (not the first non-null value)
    first = e.drop_duplicates("code", keep="first").set_index("code").sort_index()
    last = e.drop_duplicates("code", keep="last").set_index("code").sort_index()
    with_cv = e.loc[e[cv_col].notna()].groupby("code", observed=True, sort=True)

    def counts(frame: pd.DataFrame, col: str) -> pd.arrays.IntegerArray:
        if col not in frame.columns:
            return pd.array([pd.NA] * len(frame), dtype="Int64")
        return pd.array(frame[col], dtype="Int64")

    out = pd.DataFrame(
        {
            "first_period": first["period"].astype("int64"),
            "last_period": last["period"].astype("int64"),
            "n_periods": with_cv.size().reindex(first.index).fillna(0).astype("int64"),
            "n_first": counts(first, "n_regions"),
            "n_last": counts(last, "n_regions"),
            "n_balanced": counts(first, "n_balanced") if balanced else counts(first, "-"),
            "n_dropped": counts(first, "n_dropped") if balanced else counts(first, "-"),
            "cv_first": first[cv_col].astype("float64"),
            "cv_last": last[cv_col].astype("float64"),
            "sd_log_first": first[sd_col].astype("float64"),
            "sd_log_last": last[sd_col].astype("float64"),
        },
        index=first.index,
    )
    out["cv_change"] = out["cv_last"] - out["cv_first"]
    out["sd_log_change"] = out["sd_log_last"] - out["sd_log_first"]
    conv = pd.array(out["cv_change"] < 0, dtype="boolean")
    conv[(out["n_periods"] < 2).to_numpy() | out["cv_change"].isna().to_numpy()] = pd.NA
    out["converging"] = conv
    out = out.reset_index()
    out["edition"] = (
        equity_frame["edition"].iloc[0] if "edition" in equity_frame and len(equity_frame) else ""
    )
    out["by"] = equity_frame["by"].iloc[0] if "by" in equity_frame and len(equity_frame) else ""
    return out.loc[:, list(SIGMA_COLUMNS)]
