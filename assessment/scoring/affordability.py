"""Fiscal affordability (issue 19 point 7; docs/METHOD_FISCAL.md). Pure pandas, indicative figures.

Can a region's finances bear the cost of closing its gaps? From the cost-to-close rows
(:func:`~assessment.scoring.costing.cost_to_close`) and the region's fiscal figures of the period
(``Region.finances``: general public budget revenue per resident and transfers received per
resident, CNY):

* :func:`affordability`: per region and period, the number of gaps (``n_gaps``: rows with a
  shortfall) and how many of them carry a cost (``n_costed``), the cost of the costed ones
  (``cost_total``, its central part ``cost_central`` by the item's expenditure responsibility, and
  the local part ``cost_local``), the region's own revenue ``revenue = revenue_per_head ×
  population of the period`` and transfers, and three ratios: ``cost_share_revenue = cost_total /
  revenue``, ``local_share_revenue = cost_local / revenue`` and ``local_share_resources =
  cost_local / (revenue + transfers)``. The ``band`` reads ``local_share_revenue``:
  ``affordable`` under 2 %, ``demanding`` from 2 % to under 10 %, ``strained`` from 10 %
  (:data:`DEFAULT_BANDS`, our own reading, not an official rule); ``no_finances`` when the period
  has no revenue figure (never 0 or a guess), ``not_costed`` when none of the gaps has a cost.
* :func:`best_yuan`: where a yuan closes the most gaps: every costed gap, with the gaps it closes
  per 10,000 CNY (``10,000 / cost_total``: one gap closed in full) and the beneficiaries reached per
  10,000 CNY, best first.
* :func:`local_standard_costs`: what a local standard above the floor costs the regions below it:
  for the regions under the jurisdiction that set it, in the periods it is in force, the cost to
  close against the standard (the stricter of it and the floor) minus the cost against the floor
  alone, i.e. the extra cost of the standard, and that as a share of those regions' own revenue.

Costs are known only for the gaps the catalogue can price: every total carries ``n_gaps`` and
``n_costed`` beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.scoring.costing import cost_to_close
from assessment.scoring.inputs import indicator_table
from assessment.scoring.rollup import period_population

__all__ = [
    "AFFORDABILITY_COLUMNS",
    "BANDS",
    "BEST_YUAN_COLUMNS",
    "DEFAULT_BANDS",
    "LOCAL_STANDARD_COST_COLUMNS",
    "PER",
    "affordability",
    "band",
    "best_yuan",
    "finance_table",
    "local_standard_costs",
]

BANDS = ("affordable", "demanding", "strained", "not_costed", "no_finances")
# local cost as a share of own revenue: under the first = affordable, under the second = demanding,
# else strained (a documented default of this product, not an official threshold)
DEFAULT_BANDS = (0.02, 0.10)
PER = 10_000.0  # the "best yuan" list counts per 10,000 CNY
AFFORDABILITY_COLUMNS = (
    "region_code",
    "period",
    "n_gaps",
    "n_costed",
    "cost_total",
    "cost_central",
    "cost_local",
    "population",
    "revenue_per_head",
    "transfers_per_head",
    "revenue",
    "transfers",
    "cost_share_revenue",
    "local_share_revenue",
    "local_share_resources",
    "band",
)
BEST_YUAN_COLUMNS = (
    "rank",
    "region_code",
    "period",
    "indicator_code",
    "status",
    "cost_total",
    "cost_central",
    "cost_local",
    "beneficiaries_short",
    "gaps_per_10k",
    "beneficiaries_per_10k",
)
LOCAL_STANDARD_COST_COLUMNS = (
    "jurisdiction_code",
    "indicator_code",
    "threshold",
    "period",
    "n_regions",
    "n_below_standard",
    "n_meet_floor_miss_standard",
    "n_costed",
    "extra_cost_total",
    "extra_cost_central",
    "extra_cost_local",
    "revenue",
    "n_without_finances",
    "extra_share_revenue",
)


def finance_table(tree: RegionTree, codes: Sequence[str], periods: Sequence[int]) -> pd.DataFrame:
    """The population and fiscal figures of every (region, period) pair of ``codes`` x ``periods``:
    region_code, period, population, revenue_per_head, transfers_per_head, revenue, transfers
    (NaN where the period has no figure: a year's figures are never carried to another year)."""
    grid = pd.DataFrame(
        {
            "region_code": np.repeat(np.asarray(list(codes), dtype=object), len(periods)),
            "period": np.tile(np.asarray(list(periods), dtype="int64"), len(codes)),
        }
    )
    pop, _ = period_population(tree, grid["region_code"], grid["period"])
    money = tree.finance_frame()
    grid = grid.merge(money, on=["region_code", "period"], how="left", validate="one_to_one")
    grid["population"] = pop
    grid["revenue"] = grid["revenue_per_head"] * pop
    grid["transfers"] = grid["transfers_per_head"] * pop
    return grid[
        [
            "region_code",
            "period",
            "population",
            "revenue_per_head",
            "transfers_per_head",
            "revenue",
            "transfers",
        ]
    ].astype({"region_code": "string"})


def band(local_share_revenue: float, *, bands: tuple[float, float] = DEFAULT_BANDS) -> str:
    """The band of one local cost share (NaN: ``no_finances``).

    >>> band(0.01), band(0.02), band(0.1), band(float("nan"))
    ('affordable', 'demanding', 'strained', 'no_finances')
    """
    out = _bands(np.array([local_share_revenue], dtype="float64"), np.array([True]), bands)
    return str(out[0])


def _bands(share: np.ndarray, costed: np.ndarray, bands: tuple[float, float]) -> np.ndarray:
    low, high = bands
    return np.select(
        [~costed, np.isnan(share), share < low, share < high],
        ["not_costed", "no_finances", "affordable", "demanding"],
        default="strained",
    )


def affordability(
    costs: pd.DataFrame,
    tree: RegionTree,
    *,
    regions: Iterable[str] | None = None,
    periods: Iterable[int] | None = None,
    bands: tuple[float, float] = DEFAULT_BANDS,
) -> pd.DataFrame:
    """Cost to close against each region's own finances, per region and period (module docstring).

    ``costs``: rows of :func:`~assessment.scoring.costing.cost_to_close`. ``regions`` and
    ``periods``: the rows to give (default: those in ``costs``); a region without gaps in a period
    gets ``n_gaps = 0`` and costs of 0. Sorted by burden: ``local_share_revenue`` highest first,
    regions without a figure last.

    >>> import pandas as pd
    >>> from assessment.domain.model import Region, RegionTree
    >>> tree = RegionTree((Region("990101", "甲", "A", "county", None, 100_000,
    ...                           finances=((2024, 2_000.0, 3_000.0),)),))
    >>> costs = pd.DataFrame({"region_code": ["990101"], "period": [2024], "cost_total": [40e6],
    ...                       "cost_central": [30e6], "cost_local": [10e6]})
    >>> row = affordability(costs, tree).iloc[0]
    >>> shares = float(row["cost_share_revenue"]), float(row["local_share_revenue"])
    >>> float(row["revenue"]), *shares, row["band"]
    (200000000.0, 0.2, 0.05, 'demanding')
    """
    c = costs
    codes = list(dict.fromkeys(c["region_code"].astype(str))) if regions is None else list(regions)
    years = sorted({int(p) for p in c["period"]}) if periods is None else sorted({int(p) for p in periods})
    base = finance_table(tree, [x for x in codes if x in tree], years)
    key = ["region_code", "period"]
    costed = c["cost_total"].notna()
    frame = pd.DataFrame(
        {
            "region_code": c["region_code"].astype("string").to_numpy(),
            "period": c["period"].to_numpy(dtype="int64"),
            "gap": np.ones(len(c), dtype="int64"),
            "costed": costed.to_numpy(dtype="int64"),
            **{
                col: c[col].to_numpy(dtype="float64", na_value=np.nan)
                for col in ("cost_total", "cost_central", "cost_local")
            },
        }
    )
    sums = frame.groupby(key, sort=False).agg(
        n_gaps=("gap", "sum"),
        n_costed=("costed", "sum"),
        cost_total=("cost_total", "sum"),
        cost_central=("cost_central", "sum"),
        cost_local=("cost_local", "sum"),
    )
    out = base.merge(sums.reset_index(), on=key, how="left")
    out[["n_gaps", "n_costed"]] = out[["n_gaps", "n_costed"]].fillna(0).astype("int64")
    none_costed = (out["n_gaps"] > 0) & (out["n_costed"] == 0)
    for col in ("cost_total", "cost_central", "cost_local"):
        out[col] = out[col].astype("float64").fillna(0.0).mask(none_costed)
    with np.errstate(invalid="ignore", divide="ignore"):
        revenue = out["revenue"].where(out["revenue"] > 0)
        out["cost_share_revenue"] = out["cost_total"] / revenue
        out["local_share_revenue"] = out["cost_local"] / revenue
        resources = (out["revenue"] + out["transfers"]).where(lambda r: r > 0)
        out["local_share_resources"] = out["cost_local"] / resources
    out["band"] = _bands(out["local_share_revenue"].to_numpy(dtype="float64"), ~none_costed.to_numpy(), bands)
    out["band"] = out["band"].astype("string")
    out = out.sort_values(
        ["local_share_revenue", "region_code", "period"], ascending=[False, True, True], na_position="last"
    )
    return out[list(AFFORDABILITY_COLUMNS)].reset_index(drop=True)


def best_yuan(costs: pd.DataFrame, *, per: float = PER) -> pd.DataFrame:
    """Where a yuan closes the most gaps: every costed gap (``cost_total > 0``), with
    ``gaps_per_10k = per / cost_total`` (closing the gap in full is one gap) and
    ``beneficiaries_per_10k = beneficiaries_short / cost_total · per``; the most gaps per 10,000 CNY
    first (ties: more beneficiaries, then region, period, indicator), ranked from 1.

    >>> import pandas as pd
    >>> costs = pd.DataFrame({"region_code": ["a", "b"], "period": [2024, 2024],
    ...     "indicator_code": ["S1", "S2"], "status": ["below_floor"] * 2,
    ...     "cost_total": [50_000.0, 5_000.0],
    ...     "cost_central": [0.0, 0.0], "cost_local": [50_000.0, 5_000.0],
    ...     "beneficiaries_short": [100.0, 2.0]})
    >>> best_yuan(costs)[["region_code", "gaps_per_10k", "beneficiaries_per_10k"]].values.tolist()
    [['b', 2.0, 4.0], ['a', 0.2, 20.0]]
    """
    cost = costs["cost_total"].astype("float64")
    rows = costs.loc[cost.notna() & (cost > 0)]
    out = pd.DataFrame(
        {
            "region_code": rows["region_code"].astype("string").to_numpy(),
            "period": rows["period"].to_numpy(dtype="int64"),
            "indicator_code": rows["indicator_code"].astype("string").to_numpy(),
            "status": rows["status"].astype("string").to_numpy(),
            **{
                col: rows[col].to_numpy(dtype="float64", na_value=np.nan)
                for col in ("cost_total", "cost_central", "cost_local", "beneficiaries_short")
            },
        }
    )
    out["gaps_per_10k"] = per / out["cost_total"]
    out["beneficiaries_per_10k"] = out["beneficiaries_short"] / out["cost_total"] * per
    out = out.sort_values(
        ["gaps_per_10k", "beneficiaries_per_10k", "region_code", "period", "indicator_code"],
        ascending=[False, False, True, True, True],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1, dtype="int64"))
    return out[list(BEST_YUAN_COLUMNS)]


def local_standard_costs(
    scores: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    standards: Iterable[LocalStandard],
) -> pd.DataFrame:
    """What each local standard costs the regions below it, per period in force (module docstring).

    ``scores``: the table of :func:`~assessment.scoring.indicators.score_indicators` (its
    ``national_floor``, ``value`` and ``denominator`` are read; its ``standard`` is replaced by the
    stricter of the floor and the local standard in question, so another standard binding the same
    regions does not blur the figure). The regions are the reporting regions under the setter that
    have a value; ``n_meet_floor_miss_standard`` counts those at or above the floor but short of the
    standard, whose whole cost is the standard's. One row per standard and period.
    """
    ind = indicator_table(edition).set_index("indicator_code")
    rows: list[dict[str, object]] = []
    for std in standards:
        if std.indicator_code not in ind.index or std.jurisdiction_code not in tree:
            continue
        leaves = set(tree.leaf_codes(std.jurisdiction_code))
        periods = sorted({int(p) for p in scores["period"].unique() if std.in_force(int(p))})
        sub = scores.loc[
            (scores["indicator_code"].astype(str) == std.indicator_code).to_numpy()
            & scores["region_code"].astype(str).isin(leaves).to_numpy()
            & scores["period"].isin(periods).to_numpy()
            & scores["value"].notna().to_numpy()
        ]
        sign = -1.0 if ind.at[std.indicator_code, "direction"] == "lower" else 1.0
        floor = sub["national_floor"].to_numpy(dtype="float64", na_value=np.nan)
        thr = float(std.threshold)
        stricter = np.where(np.isnan(floor), thr, sign * np.maximum(sign * floor, sign * thr))
        with_std = sub.assign(standard=stricter)
        key = ["region_code", "period"]
        at_std = cost_to_close(with_std, edition, tree, against="standard")
        at_floor = cost_to_close(sub, edition, tree, against="floor")
        cols = ["cost_total", "cost_central", "cost_local"]
        both = at_std[[*key, *cols]].merge(
            at_floor[[*key, *cols]], on=key, how="left", suffixes=("", "_floor")
        )
        for col in cols:
            both[f"extra_{col}"] = both[col] - both[f"{col}_floor"].fillna(0.0)
        x = sub["value"].to_numpy(dtype="float64", na_value=np.nan)
        meets_floor = np.isnan(floor) | (sign * (x - floor) >= 0)
        misses = sign * (x - stricter) < 0
        money = finance_table(tree, sorted(leaves), periods) if periods else None
        for period in periods:
            here = (sub["period"] == period).to_numpy()
            b = both[both["period"] == period]
            costed = b["extra_cost_total"].notna()
            revenue = (
                money.loc[money["period"] == period].set_index("region_code")["revenue"]
                if money is not None
                else pd.Series(dtype="float64")
            )
            rev = b["region_code"].astype(str).map(revenue).astype("float64")
            with_rev = costed & rev.notna() & (rev > 0)
            total_rev = float(rev[with_rev].sum())
            rows.append(
                {
                    "jurisdiction_code": std.jurisdiction_code,
                    "indicator_code": std.indicator_code,
                    "threshold": thr,
                    "period": int(period),
                    "n_regions": int(here.sum()),
                    "n_below_standard": int((here & misses).sum()),
                    "n_meet_floor_miss_standard": int((here & misses & meets_floor).sum()),
                    "n_costed": int(costed.sum()),
                    **{
                        f"extra_{col}": float(b.loc[costed, f"extra_{col}"].sum()) if costed.any() else np.nan
                        for col in cols
                    },
                    "revenue": total_rev if with_rev.any() else np.nan,
                    "n_without_finances": int((rev.isna() | ~(rev > 0)).sum()),
                    "extra_share_revenue": (
                        float(b.loc[with_rev, "extra_cost_total"].sum()) / total_rev
                        if total_rev > 0
                        else np.nan
                    ),
                }
            )
    out = pd.DataFrame(rows, columns=list(LOCAL_STANDARD_COST_COLUMNS))
    return out.astype({"period": "int64"}) if len(out) else out
