"""The evaluation report workbook for a jurisdiction and period (issue 8 item 1).

Sheets, in order: cover (jurisdiction, period, edition, data as of, method in brief, legend,
contents), summary (headline figures, figures by parent region, the lowest-ranked regions, regions
below the floor), ranking (every region ranked, with its aspect scores), one sheet per aspect
(regions x service items), gaps with the cost to close split central/local, equity, completeness
(who reported, late, never), the indicator catalogue (national floors, confirmed or not) and the
data reported. Status colours are the dashboard's, applied by conditional formatting; every sheet
carries the edition id in its title and footer; numbers are stored as numbers with formats.

>>> from assessment.catalogue import load_edition  # doctest: +SKIP
>>> from assessment.demo import demo_tree, demo_local_standards, synthetic_values  # doctest: +SKIP
>>> ed, tree = load_edition("CN-2021"), demo_tree()  # doctest: +SKIP
>>> xlsx = evaluation_workbook(synthetic_values(ed, tree), ed, tree, demo_local_standards(ed),
...                            jurisdiction="990000", period=2024)  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from openpyxl.styles import Font

from assessment.domain.i18n import t
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.reports import summary as sm
from assessment.reports import tables as tb
from assessment.reports.accountability_sheet import accountability_sheet
from assessment.reports.accountability_sheet import sheet_names as accountability_sheet_names
from assessment.reports.columns import (
    col,
    cost_cols,
    indicator_cols,
    place_cols,
    rank_col,
    shortfall_cols,
    standard_cols,
)
from assessment.reports.context import ReportData, evaluation_data
from assessment.reports.layout import (
    Report,
    cover_sheet,
    keyed_status_sheet,
    running_title,
    status_table_sheet,
)
from assessment.reports.workbook import (
    CHART_HEIGHT_CM,
    FMT_COUNT,
    FMT_MONEY,
    FMT_RATIO,
    FMT_SCORE,
    FMT_SHARE,
    FMT_VALUE,
    STATUS_COLOURS,
    Column,
)
from assessment.reports.writer import SheetWriter

__all__ = ["EvaluationTables", "evaluation_tables", "evaluation_workbook", "write_evaluation"]


def evaluation_workbook(
    values: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    *,
    jurisdiction: str,
    period: int,
    lang: str = "zh",
    completeness: pd.DataFrame | None = None,
    data_as_of: datetime | None = None,
    actions: pd.DataFrame | None = None,
) -> bytes:
    """The evaluation report of ``jurisdiction`` for ``period`` as .xlsx bytes (``actions``: the
    stored corrective actions, for the accountability sheet).

    ``values``: tidy values (region_code, period, indicator_code, value[, numerator, denominator,
    note]) of every period available (earlier periods feed the trends and convergence).
    ``completeness``: the store's completeness frame for the period (who reported, late, never);
    None infers reported / missing / never from the values. Raises
    :class:`~assessment.domain.errors.DataFileError` for an unknown jurisdiction, language or period, or
    a period in which the jurisdiction has no data.
    """
    data = evaluation_data(
        values,
        edition,
        tree,
        local_standards,
        jurisdiction=jurisdiction,
        period=period,
        lang=lang,
        data_as_of=data_as_of,
    )
    return write_evaluation(dataclasses.replace(data, actions=actions), completeness)


@dataclass(frozen=True)
class EvaluationTables:
    """Every table of the evaluation report (see :mod:`assessment.reports.tables`)."""

    completeness: pd.DataFrame
    completeness_derived: bool
    figures: list[tuple[str, object, str | None]]
    parents: pd.DataFrame
    lowest: pd.DataFrame
    below_floor: pd.DataFrame
    by_aspect: pd.DataFrame
    ranking: pd.DataFrame
    aspects: dict[str, tuple[pd.DataFrame, list[str]]]
    gaps: pd.DataFrame
    equity: pd.DataFrame
    indicators: pd.DataFrame
    data: pd.DataFrame


def evaluation_tables(data: ReportData, completeness: pd.DataFrame | None = None) -> EvaluationTables:
    """Compute every table of the report (nothing is written until all of them exist)."""
    comp, derived = tb.completeness_table(data, completeness)
    return EvaluationTables(
        completeness=comp,
        completeness_derived=derived,
        figures=sm.summary_figures(data, comp),
        parents=sm.parent_table(data),
        lowest=sm.lowest_table(data),
        below_floor=sm.below_floor_table(data),
        by_aspect=sm.aspect_table(data),
        ranking=tb.ranking_table(data),
        aspects=tb.aspect_tables(data),
        gaps=tb.gaps_table(data),
        equity=tb.equity_table(data),
        indicators=tb.indicators_table(data),
        data=tb.data_table(data),
    )


def write_evaluation(data: ReportData, completeness: pd.DataFrame | None = None) -> bytes:
    """Write the workbook for already computed report data (see :func:`evaluation_workbook`)."""
    tables = evaluation_tables(data, completeness)
    report = Report(data, running_title(data, "reports.title.evaluation"))
    _cover(report)
    _summary(report, tables)
    _ranking(report, tables.ranking)
    for code, (frame, items) in tables.aspects.items():
        _aspect(report, code, frame, items)
    _gaps(report, tables.gaps)
    _equity(report, tables.equity)
    _completeness(report, tables.completeness, tables.completeness_derived)
    _indicators(report, tables.indicators)
    _data(report, tables.data)
    accountability_sheet(report)  # gaps, actions and what the data say of them (issue 17)
    return report.book.to_bytes()


# -- sheets ---------------------------------------------------------------------------------------
def _cover(report: Report) -> None:
    data, lang = report.data, report.lang
    reg = data.tree.get(data.code)
    keys = ("summary", "ranking", "aspect", "gaps", "equity", "completeness", "indicators", "data")
    contents = [
        ("A1 … A9" if k == "aspect" else t(f"reports.sheet.{k}", lang), t(f"reports.contents.{k}", lang))
        for k in keys
    ] + [(" / ".join(accountability_sheet_names(lang)), t("actions_sheet.eval.contents", lang))]
    facts = [
        (t("reports.cover.jurisdiction", lang), f"{data.name(data.code)} ({data.code})"),
        (t("reports.cover.level", lang), t(f"reports.region_level.{reg.level}", lang)),
        (t("reports.cover.regions", lang), int(data.scores["region_code"].nunique())),
    ]
    cover_sheet(report, t("reports.title.evaluation", lang), facts, contents)


def _summary(report: Report, tables: EvaluationTables) -> None:
    lang = report.lang
    below = tables.below_floor
    widths = [50, 16, 22, 16, 16, 14, 24, 4]
    w = report.sheet("summary", widths=widths, hidden_from=8)
    w.title(report.sheet_title("summary"))
    w.blank()
    w.heading(t("reports.summary.headline", lang))
    w.header([t("reports.col.figure", lang), t("reports.col.figure_value", lang)], widths[:2])
    for label, value, fmt in tables.figures:
        w.append([label, w.styled(value, fmt=fmt)])
    w.blank()
    _aspect_charts(w, tables.by_aspect, lang)
    w.blank()
    w.heading(t("reports.summary.by_parent", lang))
    parent_cols = [
        col("parent", lang, width=50),
        col("counties", lang, FMT_COUNT),
        Column("reported", t("counts.report.with_data", lang), FMT_COUNT, 12.0, False),  # not "reported"
        col("mean_score", lang, FMT_SCORE),
        col("below_floor_regions", lang, FMT_COUNT),
        col("cost_total", lang, FMT_MONEY),
        Column("costed", t("costed_share.label", lang), None, 18.0, False),  # beside the cost total
    ]
    w.table(tables.parents, parent_cols)
    region_cols = [col("region", lang), col("region_code", lang), col("parent", lang)]
    status_cols = [col("overall_score", lang, FMT_SCORE), col("status", lang)]
    sections = [
        (
            "lowest",
            tables.lowest,
            [rank_col("rank", _level(report.data), lang, FMT_COUNT, 12), col("coverage", lang, FMT_SHARE)],
        ),
        (
            "below_floor",
            below,
            [col("n_below_floor", lang, FMT_COUNT), col("n_below_floor_unconfirmed", lang, FMT_COUNT)],
        ),
    ]
    for key, frame, middle in sections:  # columns F:G coloured by the key in hidden column H
        w.blank()
        w.heading(t(f"reports.summary.{key}", lang))
        if frame.empty:
            w.append([t("reports.summary.none_below", lang)])
            continue
        first = w.row + 2
        w.table(frame, [*region_cols, *middle, *status_cols], hidden=["status_key"])
        w.status_formatting(f"F{first}:G{w.row}", f"$H{first}")
    w.note(t("reports.floor.marker_note", lang))


def _aspect_charts(w: SheetWriter, frame: pd.DataFrame, lang: str) -> None:
    """The aspects' mean scores and regions below the floor: a table and two native bar charts
    of it side by side (columns A:C and D:G), tall enough to read when the sheet is printed."""
    w.page_break()  # the table and its charts on one page
    w.heading(t("print.summary.by_aspect", lang))
    cols = [
        col("aspect", lang, width=50),
        Column("mean_score", t("print.col.aspect_mean", lang), FMT_SCORE, 16.0),
        Column("below_floor_regions", t("print.col.aspect_below", lang), FMT_COUNT, 22.0),
    ]
    header, last = w.table(frame, cols)
    if last <= header:
        return
    top = w.row + 2
    height = CHART_HEIGHT_CM[lang]
    w.bar_chart(
        t("print.chart.mean_score", lang),
        categories=(1, header + 1, last),
        values=(2, header, last),
        anchor=f"A{top}",
        size_cm=(15.5, height),
        y_max=100.0,
    )
    w.bar_chart(
        t("print.chart.below_floor", lang),
        categories=(1, header + 1, last),
        values=(3, header, last),
        anchor=f"D{top}",
        size_cm=(14.0, height),
        colour=STATUS_COLOURS["below_floor"],
    )
    for _ in range(round(height / 0.5)):  # the rows under the charts (15 pt rows: 0.53 cm)
        w.blank()
    w.page_break()  # the next section begins a page


def _level(data: ReportData) -> str:
    """The level of the jurisdiction the ranks are taken in (the report's region)."""
    return data.tree.get(data.code).level


def _ranking(report: Report, frame: pd.DataFrame) -> None:
    data, lang = report.data, report.lang
    aspects = list(data.edition.aspects)
    cols = [
        rank_col("rank", _level(data), lang, FMT_COUNT, width=9),
        *place_cols(lang, 18, 16),
        col("overall_score", lang, FMT_SCORE, width=10),
        col("status", lang, width=22),
        col("quintile", lang, FMT_COUNT, width=10),
        col("coverage", lang, FMT_SHARE, width=10),
        col("n_below_floor", lang, FMT_COUNT, width=10),
        col("n_below_local", lang, FMT_COUNT, width=10),
    ]
    cols += [
        Column(f"s_{a.code}", f"{a.code} {a.name_zh if lang == 'zh' else a.name_en}", FMT_SCORE, 11)
        for a in aspects
    ]
    hidden = ["status_key", *(f"k_{a.code}" for a in aspects)]
    first_aspect = len(cols) - len(aspects) + 1
    status_table_sheet(
        report,
        "ranking",
        frame,
        cols,
        hidden,
        freeze="E",
        formatting=[
            (5, 6, len(cols) + 1, True),  # overall score and status by the overall status
            (first_aspect, len(cols), len(cols) + 2, False),  # aspect scores by their statuses
        ],
    )


def _aspect(report: Report, aspect_code: str, frame: pd.DataFrame, items: list[str]) -> None:
    data, lang = report.data, report.lang
    aspect = data.edition.aspect_by_code[aspect_code]
    name = aspect.name_zh if lang == "zh" else aspect.name_en
    marks = tb.item_marks(data)
    cols = [
        *place_cols(lang, 18, 16),
        Column("score", t("reports.col.score", lang) + f"\n{aspect_code}", FMT_SCORE, 10),
        rank_col("rank", _level(data), lang, FMT_COUNT, width=9),
    ]
    for code in items:
        item = data.edition.item_by_code[code]
        label = f"{code} {item.name_zh if lang == 'zh' else item.name_en}" + (" †" if marks.get(code) else "")
        cols.append(Column(f"s_{code}", label, FMT_SCORE, 13))
    hidden = ["status_key", *(f"k_{c}" for c in items)]
    status_table_sheet(
        report,
        f"{aspect_code} {name}",
        frame,
        cols,
        hidden,
        freeze="D",
        title=t(
            "reports.title.aspect",
            lang,
            aspect=f"{aspect_code} {name}",
            region=f"{data.name(data.code)} ({data.code})",
            period=data.period,
            edition=data.edition.label,
        ),
        note=t("reports.floor.marker_note", lang) if any(marks.get(c) for c in items) else None,
        formatting=[(4, 4, len(cols) + 1, True), (6, len(cols), len(cols) + 2, False)],
    )


def _gaps(report: Report, frame: pd.DataFrame) -> None:
    lang = report.lang
    cols = [
        *place_cols(lang, 14, 14),
        *indicator_cols(lang, item=18, indicator=30),
        col("value", lang, FMT_VALUE, 10),
        *standard_cols(lang),
        col("standard", lang, FMT_VALUE, 10),
        col("status", lang, width=14),
        *shortfall_cols(lang),
        col("cost_floor", lang, FMT_MONEY, 14),
        *cost_cols(lang, 14),
        col("cost_basis", lang, width=20, wrap=True),
    ]
    w = keyed_status_sheet(report, "gaps", frame, cols, freeze="D", coloured=[(14, 14)])
    w.blank()
    money = {c.key: i for i, c in enumerate(cols) if c.key.startswith("cost_") and c.fmt}
    totals: list[object] = [None] * len(cols)
    totals[0] = w.styled(t("reports.summary.total", lang), font=Font(bold=True))
    for key, idx in money.items():
        value = float(frame[key].sum(min_count=1)) if len(frame) else 0.0
        totals[idx] = w.styled(value, fmt=FMT_MONEY, font=Font(bold=True))
    w.append(totals)


def _equity(report: Report, frame: pd.DataFrame) -> None:
    lang = report.lang
    cols = [
        col("level", lang, width=9),
        col("code", lang, width=8),
        col("name", lang, width=30, wrap=True),
        col("floor_confirmed", lang, width=11),
        col("n_regions", lang, FMT_COUNT, 8),
        col("mean", lang, FMT_VALUE, 10),
        col("weighted_mean", lang, FMT_VALUE, 11),
        col("cv", lang, FMT_RATIO, 9),
        col("gini", lang, FMT_RATIO, 9),
        col("theil", lang, FMT_RATIO, 9),
        col("theil_between", lang, FMT_RATIO, 9),
        col("theil_within", lang, FMT_RATIO, 9),
        col("max_min_ratio", lang, FMT_VALUE, 9),
        col("n_below_floor", lang, FMT_COUNT, 9),
        col("pop_share_below_floor", lang, FMT_SHARE, 10),
        col("cv_change", lang, FMT_RATIO, 11),
        col("converging", lang, width=10),
    ]
    note = t("reports.equity.note", lang)
    carried = frame["population_carried_forward"].fillna(False).astype(bool) if len(frame) else pd.Series([])
    if carried.any():  # a weighted figure uses a population carried forward from an earlier year
        periods = ", ".join(str(int(p)) for p in sorted(frame.loc[carried.to_numpy(), "period"].unique()))
        note += " " + t("analysis.population_carried_forward", lang, periods=periods)
    status_table_sheet(report, "equity", frame, cols, [], freeze="D", note=note)


def _completeness(report: Report, comp: pd.DataFrame, derived: bool) -> None:
    lang = report.lang
    cols = [
        *place_cols(lang, 18, 16),
        col("completeness", lang, width=16),
        Column("first_uploaded_at", t("print.col.first_uploaded_at", lang), None, 18.0),
        col("days_late", lang, FMT_VALUE, 10),
        col("latest_version", lang, FMT_COUNT, 10),
        col("latest_status", lang, width=12),
        col("approved_version", lang, FMT_COUNT, 10),
        col("indicators_reported", lang, FMT_COUNT, 10),
        col("indicators_expected", lang, FMT_COUNT, 10),
    ]
    notes = [t("reports.summary.completeness_derived", lang)] if derived else []
    expected = comp["indicators_expected"].dropna()
    if len(expected):
        partial = int(comp["partial"].sum())
        notes.append(t("reports.summary.completeness_partial", lang, n=partial, expected=int(expected.max())))
    note = " ".join(notes) or None
    status_table_sheet(report, "completeness", comp, cols, [], freeze="D", note=note)


def _indicators(report: Report, frame: pd.DataFrame) -> None:
    lang = report.lang
    cols = [
        *indicator_cols(lang, aspect=14, item=24, indicator=40, unit=12),
        col("direction", lang, width=10),
        col("national_floor", lang, FMT_VALUE, 10),
        col("floor_confirmed", lang, width=11),
        col("weight", lang, FMT_VALUE, 8),
        col("source", lang, width=16),
    ]
    status_table_sheet(
        report,
        "indicators",
        frame,
        cols,
        [],
        freeze="D",
        note=t("reports.floor.marker_note", lang),
    )


def _data(report: Report, frame: pd.DataFrame) -> None:
    lang = report.lang
    cols = [
        col("region_code", lang, width=10),
        col("region", lang, width=16),
        col("indicator_code", lang, width=9),
        col("indicator", lang, width=46, wrap=True),
        col("unit", lang, width=14, wrap=True),
        col("value", lang, FMT_VALUE, 11),
        col("numerator", lang, FMT_VALUE, 11),
        col("denominator", lang, FMT_VALUE, 11),
        col("note", lang, width=20),
        col("status", lang, width=16),
        col("score", lang, FMT_SCORE, 8),
    ]
    keyed_status_sheet(report, "data", frame, cols, freeze="C", coloured=[(10, 11)])
