"""Cost to close the gaps (issue 5 item 5, DESIGN section 4). Indicative figures.

One row per region x indicator x period whose value falls short of the threshold (the binding
standard by default, or the national floor with ``against="floor"``):

* ``shortfall``: how far the value is from the threshold, in the indicator's unit, positive
  (direction-aware: ``max(0, −gap)``).
* **coverage** (``rate``) indicators: ``beneficiaries`` = the denominator (the eligible
  population); ``beneficiaries_short = shortfall / 100 · denominator`` (people who must be reached
  to meet the threshold); ``cost_total = beneficiaries_short · unit_cost`` (catalogue, CNY per
  beneficiary short).
* **amount** indicators (CNY per beneficiary per period): ``cost_total = shortfall · beneficiaries
  · annual_factor`` with ``beneficiaries`` = the denominator when reported, else the resident
  population when the unit is per resident, else unknown; ``annual_factor`` turns the unit's period
  into a year: 12 for a monthly amount, 200 for an amount per school day (the school-year basis of
  the national student-meal subsidy), 1 otherwise.
* ``per_capita``, ``count`` and ``boolean`` indicators are not costed (``cost_basis =
  "not_costed"``): closing them needs facilities or staff whose cost the catalogue does not give.
* ``cost_central = cost_total · central_share`` of the item's expenditure responsibility and
  ``cost_local = cost_total − cost_central``.

The resident population is the region's *of the period*
(:meth:`~assessment.domain.model.RegionTree.population_frame`); ``population_carried_forward`` is
True on a row costed on the population (``cost_basis = "amount_population"``) whose figure is not
that period's own but carried forward.

Where a figure is missing (no denominator, no unit cost), the cost is NaN and ``cost_basis``
says why, rather than a guess. Unit costs in the catalogue are indicative (see its SOURCES.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.domain.model import Edition, RegionTree
from assessment.scoring.inputs import index_codes, indicator_table, missing_columns_error
from assessment.scoring.rollup import period_population

__all__ = ["COST_BASES", "COST_COLUMNS", "annual_factor", "cost_to_close"]

COST_BASES = (
    "rate_denominator",
    "amount_denominator",
    "amount_population",
    "no_denominator",
    "no_unit_cost",
    "not_costed",
)
COST_COLUMNS = (
    "edition",
    "region_code",
    "period",
    "indicator_code",
    "kind",
    "status",
    "threshold",
    "value",
    "shortfall",
    "beneficiaries",
    "beneficiaries_short",
    "unit_cost",
    "annual_factor",
    "cost_total",
    "central_share",
    "cost_central",
    "cost_local",
    "cost_basis",
    "population_carried_forward",
)


def annual_factor(unit: str) -> float:
    """Periods per year of an amount's unit: 12 per month, 200 per school day, else 1."""
    u = unit.lower()
    if "月" in u or "month" in u:
        return 12.0
    if "天" in u or "day" in u or "日" in u:
        return 200.0
    return 1.0


def _per_resident(unit: str) -> bool:
    u = unit.lower()
    return "resident" in u or "居民" in u


def cost_to_close(
    scores: pd.DataFrame, edition: Edition, tree: RegionTree, *, against: str = "standard"
) -> pd.DataFrame:
    """Indicative cost of bringing every region up to the threshold (see the module docstring).

    ``scores``: the table of :func:`~assessment.scoring.indicators.score_indicators`. ``against``:
    ``"standard"`` (binding standard, default) or ``"floor"`` (national floor only). Returns a new
    frame with :data:`COST_COLUMNS`, only rows with a positive shortfall, sorted by region,
    period and indicator.
    """
    if against not in ("standard", "floor"):
        raise ValueError(f"against must be 'standard' or 'floor', got {against!r}")
    threshold_col = "standard" if against == "standard" else "national_floor"
    needed = ("region_code", "period", "indicator_code", "value", "denominator", "status", threshold_col)
    missing = [c for c in needed if c not in scores.columns]
    if missing:
        raise missing_columns_error("scoring.what_scores", missing)
    ind = indicator_table(edition)
    ii = index_codes(scores["indicator_code"], pd.Index(ind["indicator_code"].astype("string")))
    sign_i = np.where(ind["direction"].eq("lower").to_numpy(), -1.0, 1.0)
    x = scores["value"].to_numpy(dtype="float64", na_value=np.nan)
    threshold = scores[threshold_col].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        shortfall = np.maximum(0.0, -sign_i[ii] * (x - threshold))
        short = (ii >= 0) & (shortfall > 1e-9 * np.maximum(1.0, np.abs(threshold)))
    s = scores.loc[short]
    ii, shortfall, threshold = ii[short], shortfall[short], threshold[short]
    kind = ind["kind"].to_numpy(dtype=object)[ii]
    unit = ind["unit"].fillna("").astype(str).to_numpy(dtype=object)[ii]
    den = s["denominator"].to_numpy(dtype="float64", na_value=np.nan)
    pop, carried = period_population(tree, s["region_code"], s["period"])
    unit_cost = ind["unit_cost"].to_numpy(dtype="float64", na_value=np.nan)[ii]
    central = ind["central_share"].to_numpy(dtype="float64", na_value=np.nan)[ii]
    factor = np.array([annual_factor(u) if k == "amount" else 1.0 for k, u in zip(kind, unit, strict=True)])
    per_resident = np.array([_per_resident(u) for u in unit], dtype=bool)
    code = ind["indicator_code"].astype(str).to_numpy(dtype=object)[ii]

    is_rate = kind == "rate"
    is_amount = kind == "amount"
    has_den = ~np.isnan(den) & (den > 0)
    beneficiaries = np.select(
        [is_rate, is_amount & has_den, is_amount & per_resident],
        [den, den, pop],
        default=np.nan,
    )
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        b_short = np.select(
            [is_rate, is_amount],
            [shortfall / 100.0 * beneficiaries, beneficiaries],
            default=np.nan,
        )
        cost = np.select(
            [is_rate, is_amount],
            [b_short * unit_cost, shortfall * beneficiaries * factor],
            default=np.nan,
        )
    basis = np.select(
        [
            is_rate & ~has_den,
            is_rate & np.isnan(unit_cost),
            is_rate,
            is_amount & has_den,
            is_amount & per_resident,
            is_amount,
        ],
        [
            "no_denominator",
            "no_unit_cost",
            "rate_denominator",
            "amount_denominator",
            "amount_population",
            "no_denominator",
        ],
        default="not_costed",
    )
    out = pd.DataFrame(
        {
            "edition": edition.label,
            "region_code": s["region_code"].astype("string").to_numpy(),
            "period": s["period"].to_numpy(dtype="int64"),
            "indicator_code": code,
            "kind": kind,
            "status": s["status"].astype("string").to_numpy(),
            "threshold": threshold,
            "value": s["value"].to_numpy(dtype="float64", na_value=np.nan),
            "shortfall": shortfall,
            "beneficiaries": beneficiaries,
            "beneficiaries_short": b_short,
            "unit_cost": np.where(is_rate, unit_cost, np.nan),
            "annual_factor": factor,
            "cost_total": cost,
            "central_share": central,
            "cost_central": cost * central,
            "cost_local": cost - cost * central,
            "cost_basis": pd.Categorical(basis, categories=list(COST_BASES)),
            "population_carried_forward": carried & (basis == "amount_population"),
        },
        copy=False,  # fresh arrays: no consolidation copy
    )
    for col in ("edition", "region_code", "indicator_code", "kind", "status"):
        out[col] = out[col].astype("string")
    return out.sort_values(["region_code", "period", "indicator_code"], ignore_index=True)
