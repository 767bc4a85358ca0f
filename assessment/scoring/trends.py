"""Trends per region and indicator across periods (issue 5 item 4, DESIGN section 4).

One row per region x indicator x period of the score table, from the reported values:

* ``prev_period``/``change``: the previous period with a value and ``value − previous value``.
* ``base_period``/``base_value``: the first period with a value (the baseline).
* ``cagr``: compound annual growth from the baseline, ``(y/y₀)^(1/(t − t₀)) − 1`` (a fraction:
  0.05 = 5% a year; NaN unless both values are positive).
* ``target``: the binding standard of the period, or the optimum where none applies (the same S as
  the score, so ``achieved`` ⇔ score 100).
* ``observed_pace = (y − y₀)/(t − t₀)`` and ``required_pace = (S − y₀)/(T − t₀)`` in the
  indicator's unit per year, T = ``target_year`` (default 2025, the "clearly improved" milestone).
  Paces are linear (as the SDG Index does), which behaves well for bounded percentages and for
  values of 0; ``pace_ratio = observed/required``.
* ``arrow`` (SDG Index / Statistics Canada categories): ``achieved`` (the value meets the target),
  ``on_track`` (ratio ≥ 1), ``moderately_improving`` (≥ 0.5), ``stagnating`` (≥ 0),
  ``deteriorating`` (< 0), ``insufficient_data`` (no value, or no earlier value to compare with).
  Direction-aware: for lower-is-better both paces are negative when improving, so the ratio is
  positive. Two edge cases follow the same logic: a region that met the target at the baseline and
  no longer does is ``deteriorating``; where the target year is not after the baseline the pace
  needed is unbounded, so the ratio tends to 0: ``stagnating`` if the value did not move away from
  the target, else ``deteriorating`` (pace_ratio is then NaN).
* ``projected_year``: the first whole year in which the value reaches the target if it keeps the
  observed pace, ``ceil(t + (S − y)/observed_pace)`` (the period itself when achieved; NA when not
  improving).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.domain.model import Edition
from assessment.scoring.indicators import meets_threshold
from assessment.scoring.inputs import index_codes, indicator_table, missing_columns_error

__all__ = ["ARROWS", "TREND_COLUMNS", "trends"]

ARROWS = ("achieved", "on_track", "moderately_improving", "stagnating", "deteriorating", "insufficient_data")
TREND_COLUMNS = (
    "edition",
    "region_code",
    "indicator_code",
    "period",
    "value",
    "target",
    "prev_period",
    "change",
    "base_period",
    "base_value",
    "cagr",
    "observed_pace",
    "required_pace",
    "pace_ratio",
    "arrow",
    "projected_year",
)
_EPS = 1e-9


def trends(scores: pd.DataFrame, edition: Edition, *, target_year: int = 2025) -> pd.DataFrame:
    """Change, growth, pace and arrow per region x indicator x period (see the module docstring).

    ``scores``: the table of :func:`~assessment.scoring.indicators.score_indicators` (needs region_code,
    period, indicator_code, value, standard). Returns a new frame with :data:`TREND_COLUMNS`
    sorted by region, indicator and period.
    """
    needed = ("region_code", "period", "indicator_code", "value", "standard")
    missing = [c for c in needed if c not in scores.columns]
    if missing:
        raise missing_columns_error("scoring.what_scores", missing)
    ind = indicator_table(edition)
    i_index = pd.Index(ind["indicator_code"].astype("string"))
    ii = index_codes(scores["indicator_code"], i_index)
    s = scores.loc[ii >= 0] if (ii < 0).any() else scores
    ii = ii[ii >= 0]
    r_ids, r_uniques = pd.factorize(s["region_code"], sort=True)
    r_index = pd.Index(np.asarray(r_uniques, dtype=object), dtype="string")
    t = s["period"].to_numpy(dtype="int64")
    order = np.lexsort((t, ii, r_ids))
    r_ids, ii, t = r_ids[order], ii[order], t[order]
    y = s["value"].to_numpy(dtype="float64", na_value=np.nan)[order]
    standard = s["standard"].to_numpy(dtype="float64", na_value=np.nan)[order]
    sign = np.where(ind["direction"].eq("lower").to_numpy(), -1.0, 1.0)[ii]
    target = np.where(np.isnan(standard), ind["optimum"].to_numpy(dtype="float64")[ii], standard)
    n = len(y)
    # each row keeps the edition it was scored by (a mixed-edition table spans two)
    if "edition" in s.columns and isinstance(s["edition"].dtype, pd.CategoricalDtype):
        ed = s["edition"].cat
        edition_column = pd.Categorical.from_codes(ed.codes.to_numpy()[order], categories=ed.categories)
    elif "edition" in s.columns:
        edition_column = pd.Categorical(s["edition"].to_numpy()[order])
    else:
        edition_column = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[edition.label])

    # previous and first reported value within each (region, indicator) series
    has = ~np.isnan(y)
    series = r_ids.astype(np.int64) * len(i_index) + ii
    new_series = np.r_[True, series[1:] != series[:-1]] if n else np.zeros(0, dtype=bool)
    idx = np.arange(n)
    last_seen = np.where(has, idx, -1)
    # forward-fill the last reported row, restarting at every new series
    start = np.maximum.accumulate(np.where(new_series, idx, 0)) if n else idx
    seen = np.maximum.accumulate(last_seen) if n else last_seen
    seen = np.where(seen >= start, seen, -1)
    prev = np.r_[-1, seen[:-1]] if n else seen
    prev = np.where(new_series | (prev < start), -1, prev)
    first_cand = np.where(has, idx, n)
    first = _series_min(first_cand, series, new_series)
    first = np.where(first < n, first, -1)

    def pick(a: np.ndarray, at: np.ndarray) -> np.ndarray:
        out = np.full(n, np.nan)
        ok = at >= 0
        out[ok] = a[at[ok]]
        return out

    tf = t.astype("float64")
    prev_value, prev_period = pick(y, prev), pick(tf, prev)
    base_value, base_period = pick(y, first), pick(tf, first)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        years = tf - base_period
        later = has & (years > 0)
        change = np.where(has, y - prev_value, np.nan)
        cagr = np.where(
            later & (base_value > 0) & (y > 0),
            (y / base_value) ** (1.0 / np.where(later, years, 1.0)) - 1.0,
            np.nan,
        )
        observed = np.where(later, (y - base_value) / np.where(later, years, 1.0), np.nan)
        horizon = target_year - base_period
        base_met = meets_threshold(base_value, target, sign)
        usable = later & (horizon > 0) & ~base_met
        required = np.where(usable, (target - base_value) / np.where(usable, horizon, 1.0), np.nan)
        ratio = np.where(usable, observed / np.where(usable, required, 1.0), np.nan)
        achieved = has & meets_threshold(y, target, sign)
        improving = sign * observed > 0
        away = sign * observed < 0
        arrow = np.select(
            [
                ~has,
                achieved,
                ~later,
                base_met,
                ~usable & away,
                ~usable,
                ratio >= 1.0 - _EPS,
                ratio >= 0.5 - _EPS,
                ratio >= -_EPS,
            ],
            [5, 0, 5, 4, 4, 3, 1, 2, 3],
            default=4,
        ).astype(np.int8)
        years_left = (target - y) / np.where(improving, observed, 1.0)
        projected = np.where(
            achieved, tf, np.where(later & improving, np.ceil(tf + years_left - _EPS), np.nan)
        )
    out = pd.DataFrame(
        {
            "edition": edition_column,
            "region_code": pd.Categorical.from_codes(r_ids, categories=r_index),
            "indicator_code": pd.Categorical.from_codes(ii, categories=i_index),
            "period": t,
            "value": y,
            "target": target,
            "prev_period": pd.array(prev_period, dtype="Float64").astype("Int64"),
            "change": change,
            "base_period": pd.array(np.where(has, base_period, np.nan), dtype="Float64").astype("Int64"),
            "base_value": np.where(has, base_value, np.nan),
            "cagr": cagr,
            "observed_pace": observed,
            "required_pace": required,
            "pace_ratio": ratio,
            "arrow": pd.Categorical.from_codes(arrow, categories=list(ARROWS)),
            "projected_year": pd.array(projected, dtype="Float64").astype("Int64"),
        },
        copy=False,  # fresh arrays: no consolidation copy
    )
    return out


def _series_min(a: np.ndarray, series: np.ndarray, new_series: np.ndarray) -> np.ndarray:
    """The minimum of ``a`` over each series (rows grouped by series), broadcast to its rows."""
    if a.size == 0:
        return a
    starts = np.flatnonzero(new_series)
    mins = np.minimum.reduceat(a, starts)
    lengths = np.diff(np.r_[starts, a.size])
    return np.repeat(mins, lengths)
