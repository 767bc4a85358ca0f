"""The feedback workbook of one region for its officials (issue 8 item 2).

Sheets: cover, priorities (the indicators that need action first), scores (overall, aspects and
items, with the region's rank among its siblings and in its province and the siblings' mean),
indicator detail (every indicator: value, floor, local standard, gaps, evidence), gaps with the
cost to close (central/local) and trends (values by period, change, pace to the standard). Only
the region's own figures appear; other regions enter only through ranks, counts and means, and
only where at least 3 regions other than the region's own are behind them (the small-cell rule of
:mod:`assessment.domain.disclosure`, whoever makes the file: its readers are the region's
officials); elsewhere the cell reads "—" with a note.

Priority tiers, in order: 1 below the national floor, 2 below the local standard, 3 meets the
standard but deteriorating, 4 not reported. Within a tier: indicators clearly below the binding
standard first (the whole Wilson interval short of it, or a figure without an interval), then
those too close to call, then the largest relative shortfall, then catalogue order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from assessment.domain import disclosure
from assessment.domain.i18n import t
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.reports import tables as tb
from assessment.reports.actions_sheet import actions_sheet
from assessment.reports.actions_sheet import sheet_name as actions_sheet_name
from assessment.reports.columns import col, cost_cols, indicator_cols, rank_col, shortfall_cols, standard_cols
from assessment.reports.context import ReportData, feedback_data, label_map, peer_scope
from assessment.reports.layout import Report, cover_sheet, keyed_status_sheet, running_title
from assessment.reports.workbook import CHART_HEIGHT_CM, FMT_COUNT, FMT_SCORE, FMT_SHARE, FMT_VALUE, Column
from assessment.reports.writer import SheetWriter
from assessment.scoring.indicators import EVIDENCE
from assessment.scoring.trends import ARROWS, trends

__all__ = [
    "TIERS",
    "detail_table",
    "feedback_tables",
    "feedback_workbook",
    "priorities_table",
    "scores_table",
    "trends_table",
    "write_feedback",
]

TIERS = ("below_floor", "below_local", "deteriorating", "no_data")
_EVIDENCE_ORDER = {"clearly_below": 0, "too_close_to_call": 1, "too_few_cases": 1, "clearly_meets": 2}


def feedback_workbook(
    values: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    *,
    region: str,
    period: int,
    lang: str = "zh",
    data_as_of: datetime | None = None,
    target_year: int = 2025,
    actions: pd.DataFrame | None = None,
) -> bytes:
    """The feedback workbook of ``region`` for ``period`` as .xlsx bytes (``actions``: the stored
    corrective actions, pre-filled in the actions sheet).

    ``values``: tidy values of every period (earlier periods feed the trends; other regions of the
    province feed the ranks). Raises :class:`~assessment.domain.errors.DataFileError` for an unknown
    region, language or period, or a period in which the region has no data.
    """
    data = feedback_data(
        values, edition, tree, local_standards, region=region, period=period, lang=lang, data_as_of=data_as_of
    )
    return write_feedback(dataclasses.replace(data, actions=actions), target_year=target_year)


# -- tables ------------------------------------------------------------------------------------------
def scores_table(data: ReportData) -> pd.DataFrame:
    """The region's overall, aspect and item scores with ranks and the siblings' mean; peer figures
    of fewer than 3 other regions are emptied and flagged (``hidden_parent``/``hidden_level``)."""
    aggs = data.aggregates.loc[(data.aggregates["level"] != "category").to_numpy()]
    aggs = aggs.assign(
        level=aggs["level"].astype("string"),
        code=aggs["code"].astype("string"),
        region_code=aggs["region_code"].astype("string"),
    )
    scored = aggs["score"].notna().astype("int64")
    by_parent = aggs.assign(n=scored).groupby(["level", "code", "parent_code"], dropna=False)
    by_level = aggs.assign(n=scored).groupby(["level", "code"])
    aggs = aggs.assign(
        peer_mean=by_parent["score"].transform("mean"),
        n_in_parent=by_parent["n"].transform("sum"),
        n_in_level=by_level["n"].transform("sum"),
    )
    own = _small_cells(aggs, aggs.loc[(aggs["region_code"] == data.code).to_numpy()], data)
    ed, lang = data.edition, data.lang
    marks = tb.item_marks(data)
    aspect_of_item = {i.code: ed.category_by_code[i.category_code].aspect_code for i in ed.items}
    item_pos = {i.code: n for n, i in enumerate(ed.items)}

    def names(level: str, code: str) -> tuple[str, float]:
        if level == "overall":
            return t("reports.level.overall", lang), -1.0
        if level == "aspect":
            a = ed.aspect_by_code[code]
            return f"{code} {a.name_zh if lang == 'zh' else a.name_en}", a.order * 1000.0
        item = ed.item_by_code[code]
        label = f"    {code} {item.name_zh if lang == 'zh' else item.name_en}" + (
            " †" if marks.get(code) else ""
        )
        return label, ed.aspect_by_code[aspect_of_item[code]].order * 1000.0 + 1 + item_pos[code]

    pairs = [names(lv, c) for lv, c in zip(own["level"], own["code"], strict=True)]
    own = own.assign(
        name=[p[0] for p in pairs],
        _order=[p[1] for p in pairs],
        level=label_map(own["level"], "reports.level", ("overall", "aspect", "item"), lang),
        status_key=own["status"].astype("string"),
        status=tb.status_labels(own["status"], lang),
    )
    return own.sort_values("_order", ignore_index=True)


# the peer figures of a scores row, by the set of regions they are computed from
PARENT_PEER_COLUMNS = ("peer_mean", "rank_in_parent", "n_in_parent")
LEVEL_PEER_COLUMNS = ("rank_in_level", "n_in_level", "quintile")


def _small_cells(aggs: pd.DataFrame, own: pd.DataFrame, data: ReportData) -> pd.DataFrame:
    """``own`` with the peer figures its readers (officials of the region) may not see emptied:
    :func:`assessment.domain.disclosure.showable` over the siblings scored (mean, rank and count
    in the parent region), then the regions of the level scored (rank, count, quintile).
    Flags ``hidden_parent`` / ``hidden_level`` say where."""

    def keys(frame: pd.DataFrame) -> list[tuple[str, str, str]]:
        cols = [
            frame[c].astype("string").fillna("").to_numpy(dtype=str) for c in ("level", "code", "parent_code")
        ]
        return list(zip(*cols, strict=True))

    scored = aggs.loc[aggs["score"].notna().to_numpy()]
    by_parent: dict[tuple[str, str, str], set[str]] = {}
    by_level: dict[tuple[str, str], set[str]] = {}
    for (level, code, parent), region in zip(keys(scored), scored["region_code"].astype(str), strict=True):
        by_parent.setdefault((level, code, parent), set()).add(region)
        by_level.setdefault((level, code), set()).add(region)
    viewer = disclosure.audience_of(data.code)
    hide_parent, hide_level = [], []
    for level, code, parent in keys(own):
        groups = [by_parent.get((level, code, parent), set()), by_level.get((level, code), set())]
        show = disclosure.showable(viewer, data.tree, groups)
        hide_parent.append(not show[0])
        hide_level.append(not show[1])
    own = disclosure.suppress(own, PARENT_PEER_COLUMNS, hide_parent, "hidden_parent")
    return disclosure.suppress(own, LEVEL_PEER_COLUMNS, hide_level, "hidden_level")


def detail_table(data: ReportData) -> pd.DataFrame:
    """Every indicator of the region for the period: value, standards, gaps, score, evidence, note."""
    s = data.scores.loc[(data.scores["region_code"] == data.code).to_numpy()]
    s = s.assign(indicator_code=s["indicator_code"].astype("string"))
    v = data.values.loc[(data.values["region_code"] == data.code).to_numpy()]
    if "note" in v.columns:
        notes = v.assign(indicator_code=v["indicator_code"].astype("string")).drop_duplicates(
            "indicator_code"
        )
        s = s.merge(notes.loc[:, ["indicator_code", "note"]], on="indicator_code", how="left")
    else:
        s = s.assign(note=pd.Series(pd.NA, index=s.index, dtype="string"))
    ind = data.indicators.set_index("indicator_code")
    names = data.regions.set_index("region_code")["name"]
    code = s["indicator_code"]
    return s.assign(
        aspect=code.map(ind["aspect"]),
        item=code.map(ind["item"]),
        indicator=code.map(ind["name"]),
        unit=code.map(ind["unit"]),
        _order=code.map(ind["order"]),
        floor_confirmed=tb.floor_label(s["national_floor"], s["floor_confirmed"], data.lang),
        local_set_by=s["local_set_by"].astype("string").map(names).astype("string"),
        status_key=s["status"].astype("string"),
        status=tb.status_labels(s["status"], data.lang),
        evidence=label_map(s["evidence"], "reports.evidence", EVIDENCE, data.lang),
    ).sort_values("_order", ignore_index=True)


def trends_table(data: ReportData, target_year: int = 2025) -> pd.DataFrame:
    """Values by period (``p_<year>`` columns) with the latest change, growth, pace and arrow."""
    own = data.scores_all.loc[(data.scores_all["region_code"] == data.code).to_numpy()]
    tr = trends(own, data.edition, target_year=target_year)
    tr = tr.assign(indicator_code=tr["indicator_code"].astype("string"))
    wide = tr.pivot(index="indicator_code", columns="period", values="value")
    wide.columns = [f"p_{p}" for p in wide.columns]
    latest = tr.loc[tr["period"] == data.period].set_index("indicator_code")
    detail = detail_table(data).set_index("indicator_code")
    out = (
        detail.loc[:, ["aspect", "item", "indicator", "unit", "floor_confirmed", "_order", "status_key"]]
        .join(wide)
        .join(latest.loc[:, ["target", "change", "cagr", "pace_ratio", "arrow", "projected_year"]])
    )
    out = out.assign(arrow_key=out["arrow"].astype("string"))
    out = out.assign(arrow=label_map(out["arrow"], "reports.arrow", ARROWS, data.lang))
    return out.reset_index().sort_values("_order", ignore_index=True)


def priorities_table(data: ReportData, target_year: int = 2025) -> pd.DataFrame:
    """The indicators that need action first (see the module docstring for the order)."""
    detail = detail_table(data)
    arrows = trends_table(data, target_year).set_index("indicator_code")["arrow_key"]
    key = detail["status_key"]
    arrow = detail["indicator_code"].map(arrows).astype("string")
    deteriorating = key.isin(["meets", "no_standard"]) & (arrow == "deteriorating").fillna(False)
    tier = np.select(
        [
            (key == "below_floor").to_numpy(),
            (key == "below_local").to_numpy(),
            deteriorating.to_numpy(),
            (key == "no_data").to_numpy(),
        ],
        list(TIERS),
        default="",
    )
    cost = data.costs.assign(indicator_code=data.costs["indicator_code"].astype("string"))
    cost = cost.loc[(cost["region_code"] == data.code).to_numpy()].set_index("indicator_code")
    out = detail.assign(
        tier_key=tier,
        arrow=label_map(arrow, "reports.arrow", ARROWS, data.lang),
        cost_total=detail["indicator_code"].map(cost["cost_total"]),
        cost_central=detail["indicator_code"].map(cost["cost_central"]),
        cost_local=detail["indicator_code"].map(cost["cost_local"]),
        _tier=pd.Series(tier).map({k: i for i, k in enumerate(TIERS)}).to_numpy(),
        # no interval (not a rate, or no denominator): the shortfall is taken at face value
        _evidence=detail["evidence_standard"].astype("string").map(_EVIDENCE_ORDER).fillna(0),
        evidence=label_map(detail["evidence_standard"], "reports.evidence", EVIDENCE, data.lang),
    )
    out = out.loc[out["tier_key"] != ""]
    out = out.sort_values(
        ["_tier", "_evidence", "rel_gap_standard", "_order"],
        na_position="last",
        kind="stable",
        ignore_index=True,
    )
    return out.assign(
        priority=np.arange(1, len(out) + 1),
        tier=label_map(out["tier_key"], "reports.tier", TIERS, data.lang),
    )


def feedback_tables(data: ReportData, *, target_year: int = 2025) -> dict[str, pd.DataFrame]:
    """Every table of the feedback workbook, keyed by sheet (priorities, scores, detail, gaps, trends)."""
    return {
        "priorities": priorities_table(data, target_year),
        "scores": scores_table(data),
        "detail": detail_table(data),
        "gaps": tb.gaps_table(data, region_codes=[data.code]),
        "trends": trends_table(data, target_year),
    }


# -- the workbook --------------------------------------------------------------------------------------
def write_feedback(data: ReportData, *, target_year: int = 2025) -> bytes:
    """Write the feedback workbook for already computed report data."""
    tables = feedback_tables(data, target_year=target_year)  # all of them before writing starts
    report = Report(data, running_title(data, "reports.title.feedback"))
    lang = data.lang
    reg = data.tree.get(data.code)
    parent = data.name(reg.parent_code) if reg.parent_code else "—"
    contents = [
        (t(f"reports.sheet.{k}", lang), t(f"reports.contents.{k}", lang))
        for k in ("priorities", "scores", "detail", "gaps", "trends")
    ] + [(actions_sheet_name(lang), t("actions_sheet.contents", lang))]
    facts = [
        (t("reports.cover.region", lang), f"{data.name(data.code)} ({data.code})"),
        (t("reports.cover.level", lang), t(f"reports.region_level.{reg.level}", lang)),
        (t("reports.col.parent", lang), parent),
    ]
    cover = cover_sheet(
        report,
        t("reports.title.feedback", lang),
        facts,
        contents,
        intro=t("reports.cover.feedback_intro", lang),
    )
    _aspect_chart(report, cover)
    _priorities(report, tables["priorities"])
    _scores(report, tables["scores"])
    _detail(report, tables["detail"])
    _gaps(report, tables["gaps"])
    _trends(report, tables["trends"])
    actions_sheet(report)  # the corrective actions an official fills and uploads (issue 17)
    return report.book.to_bytes()


def _priorities(report: Report, frame: pd.DataFrame) -> None:
    lang = report.lang
    cols = [
        col("priority", lang, FMT_COUNT, 7),
        col("tier", lang, width=18, wrap=True),
        *indicator_cols(lang),
        col("value", lang, FMT_VALUE, 10),
        col("standard", lang, FMT_VALUE, 10),
        col("floor_confirmed", lang, width=10),
        *shortfall_cols(lang, floor=False),
        col("arrow", lang, width=12),
        *cost_cols(lang, 13),
    ]
    keyed_status_sheet(report, "priorities", frame, cols, freeze="C", coloured=[(2, 2)])


def _scores(report: Report, frame: pd.DataFrame) -> None:
    lang = report.lang
    cols = [
        col("level", lang, width=9),
        col("name", lang, width=40, wrap=True),
        col("score", lang, FMT_SCORE, 9),
        col("status", lang, width=16),
        col("peer_mean", lang, FMT_SCORE, 10),
        rank_col("rank_in_parent", "parent", lang, FMT_COUNT, 11),
        col("n_in_parent", lang, FMT_COUNT, 9),
        rank_col(
            "rank_in_level",
            report.data.tree.get(peer_scope(report.data.tree, report.data.code)).level,
            lang,
            FMT_COUNT,
            11,
        ),
        col("n_in_level", lang, FMT_COUNT, 9),
        col("quintile", lang, FMT_COUNT, 9),
        col("n_indicators", lang, FMT_COUNT, 8),
        col("n_reported", lang, FMT_COUNT, 8),
        col("n_below_floor", lang, FMT_COUNT, 9),
        col("n_below_local", lang, FMT_COUNT, 9),
        col("coverage", lang, FMT_SHARE, 9),
    ]
    note = t("reports.floor.marker_note", lang)
    hidden = frame["hidden_parent"].any() or frame["hidden_level"].any()
    if hidden:  # the readers are the region's officials: the small-cell rule's mark and its note
        note = f"{note}　{disclosure.note(lang)}" if lang == "zh" else f"{note}  {disclosure.note(lang)}"
        frame = disclosure.marked(frame, PARENT_PEER_COLUMNS, "hidden_parent")
        frame = disclosure.marked(frame, LEVEL_PEER_COLUMNS, "hidden_level")
    keyed_status_sheet(report, "scores", frame, cols, freeze="C", coloured=[(3, 4)], note=note)


def _aspect_chart(report: Report, w: SheetWriter) -> None:
    """The region's aspect scores at the foot of the cover (the workbook's summary): a table and
    a native bar chart of it, one portrait page wide."""
    data, lang = report.data, report.lang
    aggs = data.aggregates
    mine = (aggs["level"] == "aspect") & (aggs["region_code"].astype("string") == data.code)
    own = aggs.loc[mine.to_numpy()]
    score = own.assign(code=own["code"].astype("string")).set_index("code")["score"]
    aspects = data.edition.aspects
    frame = pd.DataFrame(
        {
            "aspect": [f"{a.code} {a.name_zh if lang == 'zh' else a.name_en}" for a in aspects],
            "score": [float(score.get(a.code, np.nan)) for a in aspects],
        }
    )
    if frame["score"].isna().all():
        return
    w.page_break()  # the scores and their chart on a page of their own
    w.heading(t("print.chart.scores", lang))
    cols = [col("aspect", lang, width=22, wrap=True), col("score", lang, FMT_SCORE, 76)]
    header, last = w.table(frame, cols)  # in the cover's two columns
    top = w.row + 2
    w.bar_chart(
        t("print.chart.scores", lang),
        categories=(1, header + 1, last),
        values=(2, header, last),
        anchor=f"A{top}",
        size_cm=(16.0, CHART_HEIGHT_CM[lang]),
        y_max=100.0,
    )
    for _ in range(round(CHART_HEIGHT_CM[lang] / 0.5)):  # the rows under the chart
        w.blank()


def _detail(report: Report, frame: pd.DataFrame) -> None:
    lang = report.lang
    cols = [
        *indicator_cols(lang),
        col("value", lang, FMT_VALUE, 10),
        col("numerator", lang, FMT_VALUE, 10),
        col("denominator", lang, FMT_VALUE, 10),
        *standard_cols(lang),
        col("local_set_by", lang, width=12),
        col("standard", lang, FMT_VALUE, 10),
        col("status", lang, width=15),
        col("gap_floor", lang, FMT_VALUE, 10),
        col("gap_standard", lang, FMT_VALUE, 10),
        col("score", lang, FMT_SCORE, 8),
        col("ci_low", lang, FMT_VALUE, 9),
        col("ci_high", lang, FMT_VALUE, 9),
        col("evidence", lang, width=11),
        col("note", lang, width=24, wrap=True),
    ]
    keyed_status_sheet(report, "detail", frame, cols, freeze="E", coloured=[(14, 14), (17, 17)])


def _gaps(report: Report, frame: pd.DataFrame) -> None:
    lang = report.lang
    cols = [
        *indicator_cols(lang),
        col("value", lang, FMT_VALUE, 10),
        *standard_cols(lang),
        col("status", lang, width=15),
        *shortfall_cols(lang),
        *cost_cols(lang, 13),
        col("cost_basis", lang, width=20, wrap=True),
    ]
    keyed_status_sheet(report, "gaps", frame, cols, freeze="E", coloured=[(10, 10)])


def _trends(report: Report, frame: pd.DataFrame) -> None:
    data, lang = report.data, report.lang
    periods = [
        Column(f"p_{p}", t("reports.col.period_value", lang, period=p), FMT_VALUE, 10) for p in data.periods
    ]
    cols = [
        *indicator_cols(lang),
        *periods,
        col("target", lang, FMT_VALUE, 10),
        col("floor_confirmed", lang, width=10),
        col("change", lang, FMT_VALUE, 10),
        col("cagr", lang, FMT_SHARE, 9),
        col("pace_ratio", lang, "0.00", 9),
        col("arrow", lang, width=12),
        col("projected_year", lang, "0", 10),
    ]
    current = 5 + len(periods)  # the report period's value column
    keyed_status_sheet(report, "trends", frame, cols, freeze="E", coloured=[(current, current)])
