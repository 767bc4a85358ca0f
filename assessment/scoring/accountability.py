"""What the approved figures say of the gaps and of the actions taken on them (issue 17 points 2-4).

Pure pandas over the score table of :func:`~assessment.scoring.indicators.score_indicators` (scored
against the binding standard) and the actions table of the store; nothing here is stored, so it
never goes stale.

* **Gaps** (:func:`gaps`): the rows whose status is ``below_floor`` or ``below_local``; the threshold
  missed is the national floor for the first, the binding local standard for the second.
* **A gap closes** in a later period when its figure there is no longer in the gap's kind: a
  ``below_floor`` gap closes when the figure meets the floor, a ``below_local`` gap when it meets the
  binding standard (status ``meets``). A period without a figure closes nothing.
* **The data decide an action** (:func:`judge`), as of a period ``as_of`` (the period a page shows):
  ``dropped`` (the official dropped it); ``closed_by_data`` in the first period after the gap's in
  which the figure closed it (``closed_in``; ``closed_late`` when after the due period); ``reopened``
  when a later period shows the gap again (``reopened_in``: the gap's history reopens);
  ``escalated`` when the due period has passed (due ≤ as_of), figures after the gap exist from the
  due period on and none closed it: the evaluator one level up sees it flagged; ``awaiting_data`` when
  due but no figure from the due period on has been approved; ``open`` while not yet due. ``due_now``
  marks actions due in ``as_of``; ``overdue`` those due before it and not closed by the data.
* **Closure** (:func:`closure`): of the gaps of the previous period with figures, how many closed in
  this one ("gaps closed: 12 of 31, 39%"), per region and in total.
* **Early warning** (:func:`early_warnings`, 监测预警): indicators still meeting the national floor
  whose latest change, kept up for one more year, takes them below it: the value minus the floor
  (direction-aware) is smaller than the yearly fall. Computed from the trends engine's ``change``
  and ``prev_period``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from assessment.domain.actions import Gap
from assessment.domain.model import Edition
from assessment.scoring.indicators import meets_threshold

__all__ = [
    "GAP_COLUMNS",
    "JUDGED_COLUMNS",
    "WARNING_COLUMNS",
    "closes",
    "closure",
    "early_warnings",
    "find_gap",
    "gaps",
    "judge",
]

GAP_STATUSES = ("below_floor", "below_local")
GAP_COLUMNS = (
    "region_code",
    "period",
    "indicator_code",
    "gap_kind",
    "value",
    "national_floor",
    "standard",
    "threshold",
    "gap_floor",
    "gap_standard",
    "rel_gap_standard",
    "evidence",
)
JUDGED_COLUMNS = (
    "outcome",
    "closed_in",
    "closed_late",
    "reopened_in",
    "latest_value",
    "latest_period",
    "due_now",
    "overdue",
)
WARNING_COLUMNS = (
    "region_code",
    "indicator_code",
    "period",
    "value",
    "national_floor",
    "prev_period",
    "change_per_year",
    "projected",
    "margin",
    "years_to_floor",
)


def gaps(scores: pd.DataFrame, period: int | None = None) -> pd.DataFrame:
    """The gaps of ``scores`` (of ``period``, or every period): :data:`GAP_COLUMNS`."""
    rows = scores
    if period is not None:
        rows = rows.loc[rows["period"].to_numpy() == int(period)]
    rows = rows.loc[rows["status"].isin(GAP_STATUSES).to_numpy()]
    out = pd.DataFrame(
        {
            "region_code": rows["region_code"].astype(str).to_numpy(),
            "period": rows["period"].astype("int64").to_numpy(),
            "indicator_code": rows["indicator_code"].astype(str).to_numpy(),
            "gap_kind": rows["status"].astype(str).to_numpy(),
            "value": rows["value"].astype("float64").to_numpy(),
            "national_floor": rows["national_floor"].astype("float64").to_numpy(),
            "standard": rows["standard"].astype("float64").to_numpy(),
        }
    )
    out["threshold"] = np.where(out["gap_kind"].eq("below_floor"), out["national_floor"], out["standard"])
    for column in ("gap_floor", "gap_standard", "rel_gap_standard"):
        out[column] = rows[column].astype("float64").to_numpy()
    out["evidence"] = (
        rows["evidence_standard"].astype("string").to_numpy() if "evidence_standard" in rows else pd.NA
    )
    return out.reset_index(drop=True)


def find_gap(scores: pd.DataFrame, edition: Edition, region: str, period: int, indicator: str) -> Gap | None:
    """The gap of one region, period and indicator, with the item's lead department and central
    share from ``edition`` (the edition the period was scored by); None when there is none."""
    rows = scores.loc[
        (scores["region_code"].astype(str).to_numpy() == region)
        & (scores["period"].to_numpy() == int(period))
        & (scores["indicator_code"].astype(str).to_numpy() == indicator)
    ]
    found = gaps(rows)
    if found.empty:
        return None
    row = found.iloc[0]
    ind = edition.indicator_by_code.get(indicator)
    item = edition.item_by_code.get(ind.item_code) if ind is not None else None
    share = (
        None
        if item is None or item.central_share is None or math.isnan(item.central_share)
        else float(item.central_share)
    )
    return Gap(
        region_code=region,
        period=int(period),
        indicator_code=indicator,
        kind=str(row["gap_kind"]),
        value=float(row["value"]),
        threshold=float(row["threshold"]),
        lead_department=item.lead_department_zh if item is not None else "",
        central_share=share,
    )


def closes(kind: str, status: str) -> bool:
    """Whether a figure of ``status`` closes a gap of ``kind``."""
    if status == "no_data":
        return False
    if kind == "below_floor":
        return status != "below_floor"
    return status in ("meets", "no_standard")


def _codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes and their categories of a code column (categorical or not)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), pd.Index(column.cat.categories.astype(str))
    codes, uniques = pd.factorize(column.astype(str))
    return codes, pd.Index(uniques)


def _series(
    scores: pd.DataFrame, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[tuple[int, str, float]]]:
    """(period, status, value) by (region, indicator), periods ascending, for ``keys`` only."""
    wanted = pd.DataFrame(sorted(set(keys)), columns=["region_code", "indicator_code"])
    if wanted.empty:
        return {}
    # narrow the (large, categorical) score table to the wanted series before any conversion
    r_codes, r_cats = _codes(scores["region_code"])
    i_codes, i_cats = _codes(scores["indicator_code"])
    wr = r_cats.get_indexer(wanted["region_code"])
    wi = i_cats.get_indexer(wanted["indicator_code"])
    found = (wr >= 0) & (wi >= 0)
    keys_wanted = wr[found].astype("int64") * len(i_cats) + wi[found]
    part = scores.loc[np.isin(r_codes.astype("int64") * len(i_cats) + i_codes, keys_wanted)]
    part = pd.DataFrame(
        {
            "region_code": part["region_code"].astype(str).to_numpy(),
            "indicator_code": part["indicator_code"].astype(str).to_numpy(),
            "period": part["period"].to_numpy(dtype="int64"),
            "status": part["status"].astype(str).to_numpy(),
            "value": part["value"].to_numpy(dtype="float64", na_value=np.nan),
        }
    )
    part = part.merge(wanted, on=["region_code", "indicator_code"]).sort_values("period", kind="stable")
    out: dict[tuple[str, str], list[tuple[int, str, float]]] = {}
    for r, i, p, s, v in part.itertuples(index=False, name=None):
        out.setdefault((r, i), []).append((int(p), s, float(v)))
    return out


def judge(actions: pd.DataFrame, scores: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """``actions`` (the store's table) with :data:`JUDGED_COLUMNS` added: what the approved figures
    up to ``as_of`` say of each (see the module docstring)."""
    out = actions.copy()
    keys = list(zip(out["region_code"].astype(str), out["indicator_code"].astype(str), strict=True))
    series = _series(scores, keys)
    results: list[tuple[object, ...]] = []
    for (region, indicator), period, due, kind, status in zip(
        keys,
        out["period"].astype("int64"),
        out["due_period"].astype("int64"),
        out["gap_kind"].astype(str),
        out["status"].astype(str),
        strict=True,
    ):
        later = [
            (p, s, v)
            for p, s, v in series.get((region, indicator), [])
            if period < p <= as_of and s != "no_data"
        ]
        closed_in = next((p for p, s, _ in later if closes(kind, s)), None)
        reopened_in = None
        if closed_in is not None:
            reopened_in = next((p for p, s, _ in later if p > closed_in and not closes(kind, s)), None)
        latest = later[-1] if later else None
        if status == "dropped":
            outcome = "dropped"
        elif closed_in is not None:
            outcome = "reopened" if reopened_in is not None else "closed_by_data"
        elif due <= as_of:
            outcome = "escalated" if any(p >= due for p, _, _ in later) else "awaiting_data"
        else:
            outcome = "open"
        results.append(
            (
                outcome,
                closed_in,
                closed_in is not None and closed_in > due,
                reopened_in,
                latest[2] if latest else math.nan,
                latest[0] if latest else None,
                due == as_of and outcome not in ("closed_by_data", "dropped"),
                due < as_of and outcome in ("escalated", "awaiting_data", "reopened"),
            )
        )
    judged = pd.DataFrame(results, columns=list(JUDGED_COLUMNS), index=out.index)
    for column in ("closed_in", "reopened_in", "latest_period"):
        judged[column] = judged[column].astype("Int64")
    judged["latest_value"] = judged["latest_value"].astype("float64")
    for column in ("closed_late", "due_now", "overdue"):
        judged[column] = judged[column].astype(bool)
    return pd.concat([out, judged], axis=1)


def closure(scores: pd.DataFrame, period: int) -> pd.DataFrame:
    """Per region: the gaps of the previous period with figures (``gaps_before``), how many the
    figures of ``period`` closed (``closed``), how many have no figure in ``period``
    (``not_reported``) and the share closed (``closed / (gaps_before - not_reported)``, NaN when
    none), with the previous period in ``before``. Empty when no earlier period has data."""
    columns = ["region_code", "before", "gaps_before", "closed", "not_reported", "share_closed"]
    periods = sorted(int(p) for p in pd.unique(scores["period"]) if int(p) < int(period))
    if not periods:
        return pd.DataFrame(columns=columns)
    before = periods[-1]
    prev = gaps(scores, before)[["region_code", "indicator_code", "gap_kind"]]
    now = scores.loc[
        (scores["period"].to_numpy() == int(period))
        & scores["region_code"].isin(set(prev["region_code"])).to_numpy(),
        ["region_code", "indicator_code", "status"],
    ]
    now = now.assign(
        region_code=now["region_code"].astype(str), indicator_code=now["indicator_code"].astype(str)
    )
    both = prev.merge(now, on=["region_code", "indicator_code"], how="left")
    status = both["status"].astype("string").fillna("no_data")
    both["closed"] = [closes(k, s) for k, s in zip(both["gap_kind"], status, strict=True)]
    both["not_reported"] = status.eq("no_data").to_numpy()
    per = both.groupby("region_code", sort=True).agg(
        gaps_before=("gap_kind", "size"), closed=("closed", "sum"), not_reported=("not_reported", "sum")
    )
    per = per.reset_index()
    per.insert(1, "before", before)
    comparable = per["gaps_before"] - per["not_reported"]
    per["share_closed"] = np.where(
        comparable > 0, per["closed"] / comparable.where(comparable > 0, 1), np.nan
    )
    for column in ("gaps_before", "closed", "not_reported"):
        per[column] = per[column].astype("int64")
    return per[columns]


def closure_total(per_region: pd.DataFrame) -> dict[str, float | int | None]:
    """The jurisdiction's closure from :func:`closure`: gaps_before, comparable, closed, share."""
    if per_region.empty:
        return {"before": None, "gaps_before": 0, "comparable": 0, "closed": 0, "share": math.nan}
    gaps_before = int(per_region["gaps_before"].sum())
    comparable = gaps_before - int(per_region["not_reported"].sum())
    closed = int(per_region["closed"].sum())
    return {
        "before": int(per_region["before"].iloc[0]),
        "gaps_before": gaps_before,
        "comparable": comparable,
        "closed": closed,
        "share": closed / comparable if comparable else math.nan,
    }


def early_warnings(
    scores: pd.DataFrame, trend_table: pd.DataFrame, edition: Edition, period: int
) -> pd.DataFrame:
    """Indicators of ``period`` that meet the national floor but whose latest yearly change would take
    them below it within a year (see the module docstring): :data:`WARNING_COLUMNS`, the nearest to
    the floor first."""
    now = scores.loc[scores["period"].to_numpy() == int(period)]
    now = now.loc[
        now["status"].isin(("below_local", "meets", "no_standard")).to_numpy()
        & now["national_floor"].notna().to_numpy()
    ]
    tr = trend_table.loc[
        trend_table["period"].to_numpy() == int(period),
        ["region_code", "indicator_code", "prev_period", "change"],
    ]
    merged = now[["region_code", "indicator_code", "period", "value", "national_floor"]].merge(
        tr, on=["region_code", "indicator_code"], how="inner"
    )
    merged = merged.loc[merged["change"].notna().to_numpy() & merged["prev_period"].notna().to_numpy()]
    if merged.empty:
        return pd.DataFrame(columns=list(WARNING_COLUMNS))
    direction = {i.code: (-1.0 if i.direction == "lower" else 1.0) for i in edition.indicators}
    sign = merged["indicator_code"].astype(str).map(direction).fillna(1.0).to_numpy(dtype="float64")
    years = merged["period"].to_numpy(dtype="float64") - merged["prev_period"].to_numpy(dtype="float64")
    per_year = merged["change"].to_numpy(dtype="float64") / np.where(years > 0, years, np.nan)
    value = merged["value"].to_numpy(dtype="float64")
    floor = merged["national_floor"].to_numpy(dtype="float64")
    projected = value + per_year
    margin = sign * (value - floor)  # how far above the floor, in the indicator's unit (>= 0 here)
    falling = sign * per_year < 0
    crosses = falling & ~meets_threshold(projected, floor, sign)
    out = merged.assign(change_per_year=per_year, projected=projected, margin=margin)
    out["years_to_floor"] = np.where(
        falling, margin / np.abs(np.where(per_year == 0, np.nan, per_year)), np.nan
    )
    out = out.loc[crosses]
    out = out.assign(
        region_code=out["region_code"].astype(str),
        indicator_code=out["indicator_code"].astype(str),
        prev_period=out["prev_period"].astype("int64"),
    )
    return out.sort_values(["years_to_floor", "region_code", "indicator_code"])[
        list(WARNING_COLUMNS)
    ].reset_index(drop=True)
