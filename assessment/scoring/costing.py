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

A cost total therefore covers only the gaps that could be costed. :func:`costed_share` counts them
(issue 19 point 7) and :func:`costed_share_note` words it; every place that shows a cost total shows
that note beside it ("costed gaps: 53 of 873 (6%)"), so a total is never read as the cost of all
the gaps.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.model import Edition, RegionTree
from assessment.scoring.inputs import index_codes, indicator_table, missing_columns_error
from assessment.scoring.rollup import period_population

__all__ = [
    "COST_BASES",
    "COST_COLUMNS",
    "CostedShare",
    "annual_factor",
    "cost_to_close",
    "costed_share",
    "costed_share_by",
    "costed_share_note",
    "costed_share_texts",
    "costed_share_value",
    "share_text",
]

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


class CostedShare(NamedTuple):
    """How many gaps a cost total covers: ``n_gaps`` rows with a positive shortfall, ``n_costed`` of
    them with a cost (``cost_total`` not NaN), ``share`` = n_costed / n_gaps (NaN without gaps)."""

    n_gaps: int
    n_costed: int
    share: float


def costed_share(costs: pd.DataFrame) -> CostedShare:
    """The share of the gaps that carry a cost, over the rows of ``costs`` (a
    :func:`cost_to_close` frame, or any slice of one: a region, a period, an indicator).

    A gap is a row whose ``shortfall`` is positive; it is costed when its ``cost_total`` is not NaN.
    A frame without a ``shortfall`` column counts every row as a gap. ``share`` is NaN when there
    is no gap (nothing to cover, not 0% covered).

    >>> frame = pd.DataFrame({"shortfall": [5.0, 2.0, 0.0, 1.0], "cost_total": [10.0, None, None, 0.0]})
    >>> costed_share(frame)
    CostedShare(n_gaps=3, n_costed=2, share=0.6666666666666666)
    """
    if "cost_total" not in costs.columns:
        raise missing_columns_error("scoring.what_scores", ["cost_total"])
    gap = (
        pd.to_numeric(costs["shortfall"], errors="coerce").gt(0).to_numpy(dtype=bool)
        if "shortfall" in costs.columns
        else np.ones(len(costs), dtype=bool)
    )
    cost = pd.to_numeric(costs["cost_total"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    n_gaps = int(gap.sum())
    n_costed = int((gap & ~np.isnan(cost)).sum())
    return CostedShare(n_gaps, n_costed, n_costed / n_gaps if n_gaps else float("nan"))


def costed_share_by(costs: pd.DataFrame, by: pd.Series | str) -> pd.DataFrame:
    """:func:`costed_share` per group (a column name or a series aligned on ``costs``): a frame
    indexed by group with ``n_gaps``, ``n_costed`` and ``share``, for tables whose rows are cost
    subtotals (per place, per aspect). Rows whose group is NA are left out, as in a groupby."""
    if "cost_total" not in costs.columns:
        raise missing_columns_error("scoring.what_scores", ["cost_total"])
    key = costs[by] if isinstance(by, str) else by
    gap = (
        pd.to_numeric(costs["shortfall"], errors="coerce").gt(0)
        if "shortfall" in costs.columns
        else pd.Series(True, index=costs.index)
    )
    costed = gap & pd.to_numeric(costs["cost_total"], errors="coerce").notna()
    g = pd.DataFrame({"n_gaps": gap.astype("int64"), "n_costed": costed.astype("int64")}).groupby(
        key.to_numpy(), sort=False
    )
    out = g.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = out["n_costed"] / out["n_gaps"].where(out["n_gaps"] > 0)
    return out.astype({"share": "float64"})


def share_text(share: float) -> str:
    """A share as a whole percentage that never overstates coverage: "6%"; "<1%" for a share above
    0 that would round to 0; ">99%" for one below 1 that would round to 100; "–" for NaN.

    >>> [share_text(x) for x in (53 / 873, 0.001, 0.999, 1.0, 0.0, float("nan"))]
    ['6%', '<1%', '>99%', '100%', '0%', '–']
    """
    if np.isnan(share):
        return "–"
    pct = round(share * 100)
    if share > 0 and pct == 0:
        return "<1%"
    if share < 1 and pct == 100:
        return ">99%"
    return f"{pct}%"


def _share_args(costs: pd.DataFrame | CostedShare) -> tuple[CostedShare, dict[str, str]]:
    share = costs if isinstance(costs, CostedShare) else costed_share(costs)
    return share, {
        "costed": f"{share.n_costed:,}",
        "gaps": f"{share.n_gaps:,}",
        "share": share_text(share.share),
    }


def costed_share_note(costs: pd.DataFrame | CostedShare, lang: str) -> str:
    """The note printed beside a cost total: "其中已测算成本的差距 53/873（6%）" / "costed gaps: 53
    of 873 (6%)"; "no gaps to cost" when there is none."""
    share, args = _share_args(costs)
    return t("costed_share.note", lang, **args) if share.n_gaps else t("costed_share.no_gaps", lang)


def costed_share_value(costs: pd.DataFrame | CostedShare, lang: str) -> str:
    """The same figure without its words, for a cell labelled "costed gaps": "53/873（6%）" / "53
    of 873 (6%)"; "–" when there is no gap."""
    share, args = _share_args(costs)
    return t("costed_share.value", lang, **args) if share.n_gaps else "–"


def costed_share_texts(costs: pd.DataFrame, by: pd.Series, groups: pd.Series, lang: str) -> list[str]:
    """:func:`costed_share_value` of each group of a table of cost subtotals, in ``groups`` order
    (``by`` gives each row of ``costs`` its group); "–" for a group with no gap."""
    share = costed_share_by(costs, by)
    out = []
    for g in groups:
        if pd.isna(g) or g not in share.index:
            out.append("–")
            continue
        r = share.loc[g]
        one = CostedShare(int(r["n_gaps"]), int(r["n_costed"]), float(r["share"]))
        out.append(costed_share_value(one, lang))
    return out
