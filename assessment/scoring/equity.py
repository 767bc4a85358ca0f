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
fell between the first and the last period.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.domain.model import Edition, RegionTree
from assessment.scoring.aggregation import aggregate
from assessment.scoring.inputs import missing_columns_error
from assessment.scoring.rollup import ancestry, parent_codes, period_population, scope_regions
from assessment.scoring.stats import INEQUALITY_COLUMNS, inequality

__all__ = ["EQUITY_COLUMNS", "SIGMA_COLUMNS", "equity", "sigma_convergence"]

EQUITY_COLUMNS = (
    *("edition", "period", "by", "code"),
    *INEQUALITY_COLUMNS,
    *("n_below_floor", "pop_share_below_floor"),
    "population_carried_forward",
)
SIGMA_COLUMNS = (
    "edition",
    "by",
    "code",
    "first_period",
    "last_period",
    "n_periods",
    "cv_first",
    "cv_last",
    "cv_change",
    "sd_log_first",
    "sd_log_last",
    "sd_log_change",
    "converging",
)


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
        frame = agg.loc[agg["level"] == "aspect", ["region_code", "period", "code", "status", "score"]]
        measure = "score"
    if within is not None:
        scope_regions(tree, [within])  # refuses an unknown code with a clear message
        anc = ancestry(tree)
        inside = anc.loc[anc["ancestor_code"] == within, "region_code"]
        frame = frame.loc[frame["region_code"].isin(set(inside))]
    group = _per_region(frame["region_code"], _group_of(tree, group_level))
    pop, carried = period_population(tree, frame["region_code"], frame["period"])
    reported = frame[measure].notna().to_numpy()
    below = (frame["status"] == "below_floor").to_numpy(dtype=bool, na_value=False) & reported
    frame = frame.assign(
        population=pop if weighted else 1.0,
        _group=group,
        _below=below.astype("int64"),
        _pop_rep=np.where(reported, pop, 0.0),
        _pop_below=np.where(below, pop, 0.0),
        _carried=(carried & reported).astype("int64"),
    )
    stats = inequality(frame, ["period", "code"], value=measure, weight="population", subgroup="_group")
    counts = frame.groupby(["period", "code"], observed=True, sort=True)[
        ["_below", "_pop_rep", "_pop_below", "_carried"]
    ].sum()
    counts = counts.reset_index()
    out = counts.merge(stats, on=["period", "code"], how="left")
    out["n_regions"] = out["n_regions"].fillna(0).astype("int64")
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

    ``converging`` is True when the CV fell, False when it rose or stayed, NA with fewer than two
    periods with a CV. Returns a new frame with :data:`SIGMA_COLUMNS`.
    """
    needed: Sequence[str] = ("period", "code", "cv", "sd_log")
    missing = [c for c in needed if c not in equity_frame.columns]
    if missing:
        raise missing_columns_error("scoring.what_scores", missing)
    e = equity_frame.loc[equity_frame["cv"].notna()].sort_values(["code", "period"], kind="stable")
    g = e.groupby("code", observed=True, sort=True)
    first = g.first()
    last = g.last()
    out = pd.DataFrame(
        {
            "first_period": first["period"].astype("int64"),
            "last_period": last["period"].astype("int64"),
            "n_periods": g.size().astype("int64"),
            "cv_first": first["cv"],
            "cv_last": last["cv"],
            "sd_log_first": first["sd_log"],
            "sd_log_last": last["sd_log"],
        }
    )
    out["cv_change"] = out["cv_last"] - out["cv_first"]
    out["sd_log_change"] = out["sd_log_last"] - out["sd_log_first"]
    conv = pd.array(out["cv_change"] < 0, dtype="boolean")
    conv[(out["n_periods"] < 2).to_numpy()] = pd.NA
    out["converging"] = conv
    out = out.reset_index()
    out["edition"] = (
        equity_frame["edition"].iloc[0] if "edition" in equity_frame and len(equity_frame) else ""
    )
    out["by"] = equity_frame["by"].iloc[0] if "by" in equity_frame and len(equity_frame) else ""
    return out.loc[:, list(SIGMA_COLUMNS)]
