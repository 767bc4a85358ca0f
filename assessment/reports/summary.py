"""The summary sheet's tables: headline figures, parent regions, lowest ranked, below the floor.

Pure pandas over a :class:`~assessment.reports.context.ReportData`, like
:mod:`assessment.reports.tables`.
"""

from __future__ import annotations

import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.reporting_status import reporting_counts
from assessment.reports.context import ReportData
from assessment.reports.tables import status_labels, with_names
from assessment.scoring.costing import costed_share_texts, costed_share_value

__all__ = ["aspect_table", "below_floor_table", "lowest_table", "parent_table", "summary_figures"]

LOWEST = 10


def _overall(data: ReportData) -> pd.DataFrame:
    aggs = data.aggregates
    return aggs.loc[(aggs["level"] == "overall").to_numpy()]


def lowest_table(data: ReportData, n: int = LOWEST) -> pd.DataFrame:
    """The ``n`` regions with the lowest overall score (the bottom of the ranking), lowest first."""
    overall = _overall(data)
    low = overall.loc[overall["score"].notna()].nsmallest(n, "score", keep="all").head(n)
    frame = with_names(low, data)
    return frame.assign(
        rank=frame["rank_in_level"],
        overall_score=frame["score"],
        status_key=frame["status"].astype("string"),
        status=status_labels(frame["status"], data.lang),
    ).reset_index(drop=True)


def below_floor_table(data: ReportData) -> pd.DataFrame:
    """Regions with at least one indicator below the national floor, most failures first."""
    s = data.scores
    below = s.loc[(s["status"].astype("string") == "below_floor").fillna(False).to_numpy()]
    weak = ~below["floor_confirmed"].astype(bool)
    counts = (
        below.assign(region_code=below["region_code"].astype("string"), weak=weak.astype("int64"), one=1)
        .groupby("region_code", sort=False)[["one", "weak"]]
        .sum()
        .rename(columns={"one": "n_below_floor", "weak": "n_below_floor_unconfirmed"})
        .reset_index()
    )
    overall = _overall(data)
    overall = overall.loc[:, ["region_code", "score", "status"]].assign(
        region_code=lambda f: f["region_code"].astype("string")
    )
    frame = with_names(counts.merge(overall, on="region_code", how="left"), data)
    frame = frame.assign(
        overall_score=frame["score"],
        status_key=frame["status"].astype("string"),
        status=status_labels(frame["status"], data.lang),
    )
    return frame.sort_values(["n_below_floor", "order"], ascending=[False, True], ignore_index=True)


def parent_table(data: ReportData) -> pd.DataFrame:
    """Per parent region: regions, reported, mean overall score, regions below floor, cost to close
    and how many of the parent's gaps that cost covers (``costed``)."""
    overall = _overall(data)
    frame = with_names(overall, data).assign(
        parent_code=lambda f: f["parent_code"].astype("string"),
        reported=lambda f: (f["n_reported"] > 0).astype("int64"),
        below=lambda f: (f["n_below_floor"] > 0).astype("int64"),
        one=1,
    )
    cost = data.costs.assign(region_code=data.costs["region_code"].astype("string"))
    cost = cost.groupby("region_code")["cost_total"].sum(min_count=1)
    frame = frame.assign(cost_total=frame["region_code"].map(cost))
    parent_of = frame.set_index(frame["region_code"].astype("string"))["parent_code"]
    cost_parent = data.costs["region_code"].astype("string").map(parent_of)
    g = frame.groupby("parent_code", sort=False, dropna=False)
    out = pd.DataFrame(
        {
            "counties": g["one"].sum(),
            "reported": g["reported"].sum(),
            "mean_score": g["score"].mean(),
            "below_floor_regions": g["below"].sum(),
            "cost_total": g["cost_total"].sum(min_count=1),
            "_order": g["order"].min(),
        }
    ).reset_index()
    names = data.regions.set_index("region_code")["name"]
    out = out.assign(parent=out["parent_code"].map(names).fillna(t("reports.summary.total", data.lang)))
    out = out.assign(costed=costed_share_texts(data.costs, cost_parent, out["parent_code"], data.lang))
    return out.sort_values("_order", ignore_index=True)


def aspect_table(data: ReportData) -> pd.DataFrame:
    """Per aspect (catalogue order): its name, the mean score of the regions and how many regions
    have at least one indicator of it below the national floor (the summary sheet's charts)."""
    aggs = data.aggregates
    rows = aggs.loc[(aggs["level"] == "aspect").to_numpy()]
    rows = rows.assign(code=rows["code"].astype("string"), below=(rows["n_below_floor"] > 0).astype("int64"))
    g = rows.groupby("code", sort=False)
    mean, below = g["score"].mean(), g["below"].sum()
    lang = data.lang
    aspects = data.edition.aspects
    return pd.DataFrame(
        {
            "aspect": [f"{a.code} {a.name_zh if lang == 'zh' else a.name_en}" for a in aspects],
            "mean_score": [float(mean.get(a.code, float("nan"))) for a in aspects],
            "below_floor_regions": [int(below.get(a.code, 0)) for a in aspects],
        }
    )


def _partial_count(completeness: pd.DataFrame) -> int | None:
    """Reports with fewer indicators than the edition; None when the counts are unknown."""
    if "indicators_expected" not in completeness or completeness["indicators_expected"].isna().all():
        return None
    return int(completeness["partial"].astype(bool).sum())


def summary_figures(data: ReportData, completeness: pd.DataFrame) -> list[tuple[str, object, str | None]]:
    """Headline figures as (label, value, number format) rows."""
    lang = data.lang
    overall = _overall(data)
    n = len(overall)
    s = data.scores
    status = s["status"].astype("string")
    below_regions = overall.loc[overall["n_below_floor"] > 0, "region_code"].astype("string")
    pop = data.regions.set_index("region_code")["population"].astype("float64")
    codes = overall["region_code"].astype("string")
    pop_total = float(codes.map(pop).astype("float64").sum())
    pop_below = float(below_regions.map(pop).astype("float64").sum())
    floor_fail = (status == "below_floor").fillna(False)
    keys = completeness.assign(
        status=completeness["status_key"], latest_status=completeness["latest_status_key"]
    )
    counts = reporting_counts(keys)
    known = bool(keys["latest_status"].notna().any())
    review = {  # unknown when the completeness was inferred from the values (no submission records)
        key: getattr(counts, key) if known else None for key in ("approved", "pending", "returned")
    }

    def total(frame: pd.DataFrame, col: str) -> float:
        return float(frame[col].sum(min_count=1)) if len(frame) else 0.0

    rows: list[tuple[str, object, str | None]] = [  # the counts as defined in reporting_status
        ("regions", n, "#,##0"),
        ("counts.reported", counts.reported, "#,##0"),
        ("counts.approved", review["approved"], "#,##0"),
        ("counts.pending", review["pending"], "#,##0"),
        ("counts.returned", review["returned"], "#,##0"),
        ("counts.late", counts.late, "#,##0"),
        ("partial", _partial_count(completeness), "#,##0"),
        ("counts.not_reported", counts.not_reported, "#,##0"),
        ("counts.scored", int(overall["score"].notna().sum()), "#,##0"),
        ("mean_score", float(overall["score"].mean()) if overall["score"].notna().any() else None, "0.0"),
        ("regions_below_floor", len(below_regions), "#,##0"),
        ("pop_below_floor", pop_below / pop_total if pop_total else None, "0.0%"),
        ("regions_below_local", int((overall["n_below_local"] > 0).sum()), "#,##0"),
        ("values_below_floor", int(floor_fail.sum()), "#,##0"),
        (
            "values_below_floor_unconfirmed",
            int((floor_fail & ~s["floor_confirmed"].astype(bool)).sum()),
            "#,##0",
        ),
        ("cost_floor", total(data.costs_floor, "cost_total"), "#,##0"),
        ("costed_share_floor", costed_share_value(data.costs_floor, lang), None),  # beside every total
        ("cost_total", total(data.costs, "cost_total"), "#,##0"),
        ("costed_share", costed_share_value(data.costs, lang), None),
        ("cost_central", total(data.costs, "cost_central"), "#,##0"),
        ("cost_local", total(data.costs, "cost_local"), "#,##0"),
    ]
    carried = data.regions.set_index("region_code")["population_carried_forward"].astype(bool)
    if bool(codes.map(carried).fillna(False).astype(bool).any()):  # the share above weighs by them
        note = t("analysis.population_carried_forward", lang, periods=str(data.period))
        rows.insert(11, ("population_carried_forward", note, None))
    return [(_label(key, lang), value, fmt) for key, value, fmt in rows]


def _label(key: str, lang: str) -> str:
    if key.startswith("counts."):  # the shared definitions' terms (counts.toml)
        return t(f"counts.report.{key.removeprefix('counts.')}", lang)
    return t(f"reports.summary.{key}", lang)
