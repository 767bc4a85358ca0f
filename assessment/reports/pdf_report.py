"""The evaluation report of a jurisdiction and period as a print-ready PDF (issue 18 item 1).

Built from the same :class:`~assessment.reports.context.ReportData` and
:func:`~assessment.reports.evaluation.evaluation_tables` as the workbook, so every figure in the
PDF is the workbook's. Sections: cover, contents, summary (headline figures and two charts), map,
one section per aspect, ranking, largest gaps, equity (between/within split), cost to close
(central/local), corrective actions (only when given), completeness and timeliness, and the
methodology annex generated from the catalogue.

Readable on A4: body 10.5 pt, tables 8.5 pt (headers 8 pt), nothing smaller. Wide tables are
split, never shrunk: an aspect's items go into tables of at most :data:`ITEMS_PER_TABLE` columns.
A jurisdiction with more than :data:`DETAIL_LIMIT` regions (a province's or the country's
counties) is printed by the regions directly under it (means of their regions' scores), with the
highest and lowest regions listed; every region's figures stay in the workbook.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.timefmt import beijing
from assessment.reports import pdf_charts as charts
from assessment.reports import summary as sm
from assessment.reports import tables as tb
from assessment.reports.context import ReportData
from assessment.reports.evaluation import EvaluationTables
from assessment.reports.pdf import Col, document, esc, fmt_number, legend, render, table, unit_text
from assessment.reports.workbook import FMT_COUNT, FMT_MONEY, FMT_RATIO, FMT_SCORE, FMT_SHARE, FMT_VALUE
from assessment.scoring import accountability as acc
from assessment.scoring.costing import costed_share_note, costed_share_texts, costed_share_value

__all__ = ["DETAIL_LIMIT", "ITEMS_PER_TABLE", "evaluation_html", "evaluation_pdf"]

ITEMS_PER_TABLE = 7
DETAIL_LIMIT = 60  # more regions than this: tables by the regions directly under the jurisdiction
LIST_ENDS = 15  # highest and lowest regions listed in a large jurisdiction
LARGEST_GAPS = 30
MAP_LABELS = 40  # regions named on the map up to this many
EQUITY_INDICATORS = 15
ACTION_COLUMNS = (
    "region_code",
    "period",
    "indicator_code",
    "measures",
    "department",
    "budget_total",
    "due_period",
    "status",
    "outcome",
)


def evaluation_pdf(
    data: ReportData,
    completeness: pd.DataFrame | None = None,
    *,
    boundaries: Mapping[str, Mapping[str, Any]] | None = None,
    actions: pd.DataFrame | None = None,
    fictional: bool = False,
    made_at: datetime | None = None,
) -> bytes:
    """The PDF bytes of the evaluation report (see the module docstring).

    ``boundaries``: region code -> GeoJSON geometry (the map; none: the map section says so).
    ``actions``: corrective actions (columns :data:`ACTION_COLUMNS`), a section when given.
    ``fictional``: the "fictional data" mark on the cover (demo databases).
    """
    html_text = evaluation_html(
        data, completeness, boundaries=boundaries, actions=actions, fictional=fictional, made_at=made_at
    )
    return render(html_text)


def _p(key: str, lang: str, **fmt: object) -> str:
    return t(f"pdf.{key}", lang, **fmt)


def evaluation_html(
    data: ReportData,
    completeness: pd.DataFrame | None = None,
    *,
    boundaries: Mapping[str, Mapping[str, Any]] | None = None,
    actions: pd.DataFrame | None = None,
    fictional: bool = False,
    made_at: datetime | None = None,
) -> str:
    """The report as one HTML document (what :func:`evaluation_pdf` prints)."""
    tables = _pdf_tables(data, completeness)
    lang = data.lang
    ctx = _Context(data, tables)
    parts: list[tuple[str, str]] = [
        ("summary", _summary(ctx)),
        ("map", _map(ctx, boundaries)),
        *((f"aspect-{a.code}", _aspect(ctx, a.code)) for a in data.edition.aspects),
        ("ranking", _ranking(ctx)),
        ("gaps", _gaps(ctx)),
        ("equity", _equity(ctx)),
        ("cost", _cost(ctx)),
    ]
    if actions is not None:
        parts.append(("actions", _actions(ctx, actions)))
    parts += [("completeness", _completeness(ctx)), ("annex", _annex(ctx))]
    title = t("reports.title.evaluation", lang)
    place = (
        f"{data.name(data.code)}（{data.code}）" if lang == "zh" else f"{data.name(data.code)} ({data.code})"
    )
    sections = [_cover(ctx, title, fictional, made_at), _contents(ctx, parts), *(body for _, body in parts)]
    return document(title, place, data.edition.label, sections, lang)


def _pdf_tables(data: ReportData, completeness: pd.DataFrame | None) -> EvaluationTables:
    """The workbook's tables that the PDF prints (the same functions, so the same figures); the
    data sheet (every value reported) and the summary sheet's lists are left out: the PDF never
    prints them, and at national size the data table is the largest."""
    comp, derived = tb.completeness_table(data, completeness)
    empty = pd.DataFrame()
    return EvaluationTables(
        completeness=comp,
        completeness_derived=derived,
        figures=sm.summary_figures(data, comp),
        parents=empty,
        lowest=empty,
        below_floor=empty,
        by_aspect=empty,
        ranking=tb.ranking_table(data),
        aspects=tb.aspect_tables(data),
        gaps=tb.gaps_table(data),
        equity=tb.equity_table(data),
        indicators=tb.indicators_table(data),
        data=empty,
    )


class _Context:
    """The report data, its tables and what the sections share (large or not, the labels)."""

    def __init__(self, data: ReportData, tables: EvaluationTables) -> None:
        self.data, self.tables, self.lang = data, tables, data.lang
        self.n_regions = int(tables.ranking["region_code"].nunique())
        self.large = self.n_regions > DETAIL_LIMIT
        self.group = _group_of(data, tables.ranking["region_code"].astype(str).tolist())

    def label(self, key: str) -> str:
        return t(f"reports.col.{key}", self.lang)

    def section(self, anchor: str, title: str, body: str, *, wide: bool = False) -> str:
        cls = "wide" if wide else ""
        return f'<section class="{cls}" id="{anchor}"><h2>{esc(title)}</h2>{body}</section>'


def _group_of(data: ReportData, codes: list[str]) -> dict[str, str]:
    """Each region's ancestor directly under the jurisdiction (itself when it is one)."""
    out = {}
    for code in codes:
        chain = [code, *(r.code for r in data.tree.ancestors(code))]
        out[code] = next((c for c in chain if data.tree.get(c).parent_code == data.code), code)
    return out


def _title(ctx: _Context, key: str) -> str:
    return _p(f"section.{key}", ctx.lang)


# -- cover and contents ------------------------------------------------------------------------------
def _cover(ctx: _Context, title: str, fictional: bool, made_at: datetime | None) -> str:
    data, lang = ctx.data, ctx.lang
    reg = data.tree.get(data.code)
    made = made_at or datetime.now(UTC).replace(microsecond=0)
    revision = _p("revision", lang, revision=data.edition.revision)
    facts = [
        (t("reports.cover.jurisdiction", lang), f"{data.name(data.code)}（{data.code}）"),
        (t("reports.cover.level", lang), t(f"reports.region_level.{reg.level}", lang)),
        (t("reports.cover.period", lang), _p("period_value", lang, period=data.period)),
        (t("reports.cover.edition", lang), f"{data.edition.id} {revision}"),
        (t("reports.cover.regions", lang), str(ctx.n_regions)),
        (t("reports.cover.data_as_of", lang), beijing(data.data_as_of, lang)),
        (_p("made_at", lang), beijing(made, lang)),
    ]
    rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(v)}</td></tr>" for k, v in facts)
    mark = f'<div class="fictional">{esc(_p("fictional", lang))}</div>' if fictional else ""
    return (
        f'<div class="cover"><div class="issuer">{esc(_p("issuer", lang))}</div>'
        f'<h1>{esc(title)}</h1><div class="sans">{esc(data.name(data.code))}　'
        f"{esc(_p('period_value', lang, period=data.period))}</div>"
        f'<div class="rule"></div><table class="facts">{rows}</table>{mark}</div>'
    )


def _contents(ctx: _Context, parts: list[tuple[str, str]]) -> str:
    items = []
    for anchor, _ in parts:
        if anchor.startswith("aspect-"):
            code = anchor.removeprefix("aspect-")
            text = _aspect_name(ctx, code)
        else:
            text = _title(ctx, anchor)
        items.append(f'<li><a href="#{anchor}">{esc(text)}</a></li>')
    return (
        f'<section id="contents"><h2>{esc(t("reports.cover.contents", ctx.lang))}</h2>'
        f'<ul class="toc">{"".join(items)}</ul></section>'
    )


def _aspect_name(ctx: _Context, code: str) -> str:
    a = ctx.data.edition.aspect_by_code[code]
    return f"{code} {a.name_zh if ctx.lang == 'zh' else a.name_en}"


# -- summary and map ---------------------------------------------------------------------------------
# the headline figures shown as boxes (locale keys of summary_figures' labels)
SUMMARY_FIGURES = (
    "reports.summary.regions",
    "counts.report.reported",
    "counts.report.late",
    "counts.report.not_reported",
    "reports.summary.mean_score",
    "reports.summary.regions_below_floor",
    "reports.summary.pop_below_floor",
    "reports.summary.values_below_floor",
    "reports.summary.cost_total",
    "reports.summary.costed_share",
    "reports.summary.cost_central",
    "reports.summary.cost_local",
)


def _figure_boxes(ctx: _Context) -> str:
    by_label = {label: (value, fmt) for label, value, fmt in ctx.tables.figures}
    boxes = []
    for key in SUMMARY_FIGURES:
        label = t(key, ctx.lang)
        value, fmt = by_label.get(label, (None, None))
        if value is None:
            continue
        shown = fmt_number(value, "#,##0.0" if fmt == "0.0" else fmt) if fmt else esc(value)
        boxes.append(f'<div class="fig"><div class="v">{shown}</div><div class="l">{esc(label)}</div></div>')
    return f'<div class="figures">{"".join(boxes)}</div>'


def _aspect_means(ctx: _Context) -> tuple[list[str], list[float | None]]:
    rank = ctx.tables.ranking
    labels, means = [], []
    for a in ctx.data.edition.aspects:
        col = rank[f"s_{a.code}"].astype("float64")
        labels.append(_aspect_name(ctx, a.code))
        means.append(float(col.mean()) if col.notna().any() else None)
    return labels, means


def _summary(ctx: _Context) -> str:
    lang = ctx.lang
    labels, means = _aspect_means(ctx)
    aspect_chart = charts.bar_chart(
        labels, means, ["meets"] * len(labels), xlabel=_p("chart.mean_aspect", lang), bar_mm=5.2
    )
    status = ctx.tables.ranking["status_key"].astype("string").fillna("no_data")
    keys = ["below_floor", "below_local", "meets", "no_standard", "insufficient_data", "no_data"]
    counts = [int((status == k).sum()) for k in keys]
    shown = [(k, n) for k, n in zip(keys, counts, strict=True) if n]
    status_chart = charts.bar_chart(
        [t(f"reports.status.{k}", lang) for k, _ in shown],
        [float(n) for _, n in shown],
        [k for k, _ in shown],
        xlabel=_p("chart.regions_by_status", lang),
        bar_mm=5.2,
        xmax=None,
        fmt="{:.0f}",
    )
    body = (
        _figure_boxes(ctx)
        + f"<h3>{esc(_p('chart.mean_aspect_title', lang))}</h3><div class='chart'>{aspect_chart}</div>"
        + f"<h3>{esc(_p('chart.status_title', lang))}</h3><div class='chart'>{status_chart}</div>"
    )
    return ctx.section("summary", _title(ctx, "summary"), body)


def _map(ctx: _Context, boundaries: Mapping[str, Mapping[str, Any]] | None) -> str:
    lang = ctx.lang
    rank = ctx.tables.ranking
    status = dict(
        zip(
            rank["region_code"].astype(str),
            rank["status_key"].astype("string").fillna("no_data"),
            strict=True,
        )
    )
    names = {c: ctx.data.name(c) for c in status} if len(status) <= MAP_LABELS else None
    drawn = charts.map_chart(boundaries or {}, status, labels=names, height_mm=175) if boundaries else None
    if drawn is None:
        body = f"<p>{esc(_p('map.none', lang))}</p>"
    else:
        body = f"<p>{esc(_p('map.text', lang))}</p><div class='chart'>{drawn}</div>" + legend(lang)
    return ctx.section("map", _title(ctx, "map"), body)


# -- per aspect ----------------------------------------------------------------------------------------
def _aspect(ctx: _Context, code: str) -> str:
    data, lang = ctx.data, ctx.lang
    frame, items = ctx.tables.aspects[code]
    score = frame["score"].astype("float64")
    below = int((frame["status_key"] == "below_floor").sum())
    intro = _p(
        "aspect.text",
        lang,
        mean=fmt_number(score.mean() if score.notna().any() else None, FMT_SCORE),
        n=int(score.notna().sum()),
        below=below,
        items=len(items),
    )
    if ctx.large:
        frame = _by_group(ctx, frame, ["score", *(f"s_{c}" for c in items)])
        place = [
            Col("region", _p("col.group", lang), width=30),
            Col("n", _p("col.n_regions", lang), FMT_COUNT, width=12),
        ]
        first = [Col("score", _p("col.mean_score", lang) + f" {code}", FMT_SCORE, width=14)]
        intro += " " + _p("large_note", lang, n=ctx.n_regions)
        coloured = False  # means have no status of their own
    else:
        place = [Col("region", ctx.label("region"), width=24), Col("parent", ctx.label("parent"), width=22)]
        if lang != "zh":  # English names are long: the parent region is in the ranking
            place = [Col("region", ctx.label("region"), width=30)]
        first = [
            Col("score", t("reports.col.score", lang) + f" {code}", FMT_SCORE, "status_key", width=13),
            Col("rank", _p("col.rank", lang), FMT_COUNT, width=10),
        ]
        coloured = True
    blocks = []
    per_table = math.ceil(len(items) / math.ceil(len(items) / ITEMS_PER_TABLE))  # balanced tables
    for start in range(0, len(items), per_table):
        chunk = items[start : start + per_table]
        cols = [*place, *first]
        for c in chunk:
            item = data.edition.item_by_code[c]
            cols.append(
                Col(
                    f"s_{c}",
                    f"{c} {item.name_zh if lang == 'zh' else item.name_en}",
                    FMT_SCORE,
                    f"k_{c}" if coloured else None,
                )
            )
        blocks.append(table(frame, cols))
    body = f"<p>{esc(intro)}</p>" + (legend(lang) if coloured else "") + "".join(blocks)
    return ctx.section(f"aspect-{code}", _aspect_name(ctx, code), body)


def _by_group(ctx: _Context, frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Means of ``cols`` over the regions of each region directly under the jurisdiction."""
    grouped = frame.assign(_g=frame["region_code"].astype(str).map(ctx.group), n=1)
    g = grouped.groupby("_g", sort=False)
    out = g[cols].mean().join(g["n"].sum()).reset_index()
    names = {c: ctx.data.name(c) for c in out["_g"]}
    return out.assign(region=out["_g"].map(names), region_code=out["_g"])


# -- ranking, gaps, equity, cost ---------------------------------------------------------------------------
def _ranking_cols(ctx: _Context) -> list[Col]:
    return [
        Col("rank", _p("col.rank", ctx.lang), FMT_COUNT, width=12),
        Col("region", ctx.label("region"), width=30),
        Col("parent", ctx.label("parent"), width=28),
        Col("overall_score", ctx.label("overall_score"), FMT_SCORE, "status_key", width=18),
        Col("status", ctx.label("status"), None, "status_key"),
        Col("coverage", ctx.label("coverage"), FMT_SHARE, width=16),
        Col("n_below_floor", ctx.label("n_below_floor"), FMT_COUNT, width=16),
        Col("n_below_local", ctx.label("n_below_local"), FMT_COUNT, width=16),
    ]


def _ranking(ctx: _Context) -> str:
    lang = ctx.lang
    rank = ctx.tables.ranking
    cols = _ranking_cols(ctx)
    if not ctx.large:
        body = f"<p>{esc(_p('ranking.text', lang, n=ctx.n_regions))}</p>" + table(rank, cols)
        return ctx.section("ranking", _title(ctx, "ranking"), body)
    ranked = rank.loc[rank["rank"].notna()]
    groups = _by_group(ctx, rank, ["overall_score", "n_below_floor"])
    groups = groups.sort_values("overall_score", ascending=False, ignore_index=True)
    groups = groups.assign(rank=np.arange(1, len(groups) + 1))
    group_cols = [
        Col("rank", _p("col.rank", lang), FMT_COUNT, width=12),
        Col("region", _p("col.group", lang)),
        Col("n", _p("col.n_regions", lang), FMT_COUNT, width=20),
        Col("overall_score", _p("col.mean_score", lang), FMT_SCORE, width=24),
        Col("n_below_floor", _p("col.mean_below_floor", lang), "0.0", width=30),
    ]
    body = (
        f"<p>{esc(_p('ranking.large', lang, n=ctx.n_regions, k=LIST_ENDS))}</p>"
        + table(groups, group_cols, caption=_p("ranking.by_group", lang))
        + table(ranked.head(LIST_ENDS), cols, caption=_p("ranking.top", lang, k=LIST_ENDS))
        + table(ranked.tail(LIST_ENDS), cols, caption=_p("ranking.bottom", lang, k=LIST_ENDS))
    )
    return ctx.section("ranking", _title(ctx, "ranking"), body)


def _gaps(ctx: _Context) -> str:
    lang = ctx.lang
    gaps = ctx.tables.gaps
    top = gaps.assign(_rel=gaps["rel_gap_standard"].astype("float64").abs())
    top = top.sort_values(["_sev", "_rel"], ascending=[True, False], kind="stable").head(LARGEST_GAPS)
    top = top.assign(unit=top["unit"].map(lambda u: unit_text(u, lang)))
    cols = [
        Col("region", ctx.label("region"), width=20),
        Col("indicator", ctx.label("indicator")),
        Col("unit", ctx.label("unit"), width=20),
        Col("value", ctx.label("value"), FMT_VALUE, width=16),
        Col("standard", ctx.label("standard"), FMT_VALUE, width=16),
        Col("rel_gap_standard", ctx.label("rel_gap_standard"), FMT_SHARE, width=15),
        Col("status", ctx.label("status"), None, "status_key", width=25),
    ]
    text = _p("gaps.text", lang, n=len(gaps), k=min(LARGEST_GAPS, len(gaps)))
    body = f"<p>{esc(text)}</p>" + (table(top, cols) if len(top) else "")
    return ctx.section("gaps", _title(ctx, "gaps"), body)


def _equity(ctx: _Context) -> str:
    lang = ctx.lang
    eq = ctx.tables.equity
    aspects = eq.loc[eq["by"] == "aspect"].copy()
    theil = aspects["theil"].astype("float64")
    aspects["between_share"] = aspects["theil_between"].astype("float64") / theil.where(theil > 0)
    cols = [
        Col("name", ctx.label("name")),
        Col("n_regions", ctx.label("n_regions"), FMT_COUNT, width=13),
        Col("mean", ctx.label("mean"), FMT_VALUE, width=15),
        Col("cv", ctx.label("cv"), FMT_RATIO, width=14),
        Col("gini", ctx.label("gini"), FMT_RATIO, width=14),
        Col("theil", ctx.label("theil"), FMT_RATIO, width=14),
        Col("theil_between", ctx.label("theil_between"), FMT_RATIO, width=16),
        Col("theil_within", ctx.label("theil_within"), FMT_RATIO, width=16),
        Col("between_share", _p("col.between_share", lang), FMT_SHARE, width=16),
        Col("converging", ctx.label("converging"), width=14),
    ]
    ind = eq.loc[eq["by"] == "indicator"]
    ind = ind.loc[ind["cv"].notna()].sort_values("cv", ascending=False).head(EQUITY_INDICATORS)
    ind_cols = [c for c in cols if c.key != "between_share"]
    body = (
        f"<p>{esc(_p('equity.text', lang))}</p><p class='note'>{esc(t('reports.equity.note', lang))}</p>"
        + table(aspects, cols, caption=t("reports.equity.by_aspect", lang))
        + table(ind, ind_cols, caption=_p("equity.top_indicators", lang, k=EQUITY_INDICATORS))
    )
    return ctx.section("equity", _title(ctx, "equity"), body)


def _cost(ctx: _Context) -> str:
    data, lang = ctx.data, ctx.lang
    costs = data.costs.assign(
        region_code=data.costs["region_code"].astype(str),
        indicator_code=data.costs["indicator_code"].astype(str),
    )
    key = costs["region_code"].map(ctx.group)  # the regions directly under the jurisdiction
    money = ["cost_total", "cost_central", "cost_local"]
    by_place = costs.assign(_g=key).groupby("_g", sort=False)[money].sum(min_count=1)
    order = [r.code for r in data.tree.children(data.code) if r.code in set(ctx.group.values())]
    by_place = by_place.reindex(order or list(by_place.index)).rename_axis("_g").reset_index()
    by_place = by_place.assign(region=by_place["_g"].map(lambda c: data.name(c) if c in data.tree else "—"))
    by_place = by_place.assign(costed=costed_share_texts(costs, key, by_place["_g"], lang))
    aspect_of = data.indicators.set_index("indicator_code")["aspect_code"]
    aspect_key = costs["indicator_code"].map(aspect_of)
    by_aspect = costs.assign(_a=aspect_key).groupby("_a")[money].sum(min_count=1)
    by_aspect = by_aspect.reset_index().assign(region=lambda f: f["_a"].map(lambda c: _aspect_name(ctx, c)))
    by_aspect = by_aspect.assign(costed=costed_share_texts(costs, aspect_key, by_aspect["_a"], lang))
    total = {m: float(costs[m].sum(min_count=1)) if len(costs) else 0.0 for m in money}
    total_row = pd.DataFrame(
        [{"region": t("reports.summary.total", lang), **total, "costed": costed_share_value(costs, lang)}]
    )
    cols = [
        Col("region", _p("col.group", lang)),
        Col("cost_total", ctx.label("cost_total"), FMT_MONEY, width=36),
        Col("costed", t("costed_share.label", lang), width=30),
        Col("cost_central", ctx.label("cost_central"), FMT_MONEY, width=36),
        Col("cost_local", ctx.label("cost_local"), FMT_MONEY, width=36),
    ]
    aspect_cols = [Col("region", ctx.label("aspect")), *cols[1:]]
    share = total["cost_central"] / total["cost_total"] if total["cost_total"] else None
    text = _p(
        "cost.text",
        lang,
        total=fmt_number(total["cost_total"], FMT_MONEY),
        central=fmt_number(total["cost_central"], FMT_MONEY),
        local=fmt_number(total["cost_local"], FMT_MONEY),
        share=fmt_number(share, FMT_SHARE),
    )
    body = (
        f"<p>{esc(text)}</p><p>{esc(costed_share_note(costs, lang))}</p>"
        f"<p class='note'>{esc(t('reports.cover.method_5', lang))}</p>"
        + table(pd.concat([by_place, total_row], ignore_index=True), cols, caption=_p("cost.by_place", lang))
        + table(by_aspect, aspect_cols, caption=_p("cost.by_aspect", lang))
    )
    return ctx.section("cost", _title(ctx, "cost"), body)


# -- corrective actions, completeness, annex ---------------------------------------------------------
def _actions(ctx: _Context, actions: pd.DataFrame) -> str:
    """The corrective actions of the regions in the report, recorded on gaps up to the report period
    and judged by the approved figures as of it (issue 17): what the data say first (escalated,
    awaiting data, reopened, open, closed by the data, dropped)."""
    data, lang = ctx.data, ctx.lang
    frame = actions.copy()
    for c in ACTION_COLUMNS:
        if c not in frame:
            frame[c] = pd.NA
    period = pd.to_numeric(frame["period"], errors="coerce")
    inside = set(ctx.tables.ranking["region_code"].astype(str))
    frame = frame.loc[
        ((period <= data.period) | period.isna()).to_numpy()
        & frame["region_code"].astype(str).isin(inside).to_numpy()
    ]
    judgeable = {"gap_kind", "due_period", "indicator_code"} <= set(actions.columns)
    if judgeable and len(frame) and frame["outcome"].isna().all():  # as stored: judge them here
        stored = frame.drop(columns=["outcome"]).reset_index(drop=True)
        frame = acc.judge(stored, data.scores_all, data.period)
    order = {
        k: i
        for i, k in enumerate(("escalated", "awaiting_data", "reopened", "open", "closed_by_data", "dropped"))
    }
    names = data.indicators.set_index("indicator_code")["name"]
    outcome = frame["outcome"].astype("string") if "outcome" in frame else pd.Series(pd.NA, index=frame.index)
    frame = frame.assign(
        region=frame["region_code"].astype(str).map(lambda c: data.name(c) if c in data.tree else c),
        indicator=frame["indicator_code"].astype("string").map(names),
        status=frame["status"].map(lambda s: t(f"actions.status.{s}", lang) if isinstance(s, str) else ""),
        outcome_text=outcome.map(lambda o: t(f"actions.outcome.{o}", lang) if isinstance(o, str) else ""),
        order=outcome.map(lambda o: order.get(o, 9) if isinstance(o, str) else 9),
    ).sort_values(["order", "region_code", "indicator_code"], kind="stable")
    cols = [
        Col("region", ctx.label("region"), width=18),
        Col("indicator", ctx.label("indicator"), width=28),
        Col("measures", _p("col.measures", lang)),
        Col("department", _p("col.department", lang), width=18),
        Col("budget_total", _p("col.budget", lang), FMT_MONEY, width=18),
        Col("due_period", _p("col.due", lang), width=12),
        Col("status", ctx.label("status"), width=12),
        Col("outcome_text", t("actions.outcome.title", lang), width=22),
    ]
    body = f"<p>{esc(_p('actions.text', lang, n=len(frame)))}</p>" + (
        table(frame, cols) if len(frame) else ""
    )
    return ctx.section("actions", _title(ctx, "actions"), body)


def _completeness(ctx: _Context) -> str:
    lang = ctx.lang
    comp = ctx.tables.completeness
    status = comp["status_key"].astype("string")
    keys = ("reported", "late", "missing", "never_reported")
    counts = pd.DataFrame(
        {
            "label": [t(f"reports.completeness_status.{k}", lang) for k in keys],
            "n": [int((status == k).sum()) for k in keys],
        }
    )
    cols = [
        Col("region", ctx.label("region"), width=28),
        Col("parent", ctx.label("parent"), width=26),
        Col("completeness", ctx.label("completeness")),
        Col("first_uploaded_at", _p("col.first_uploaded", lang), width=34),
        Col("days_late", ctx.label("days_late"), FMT_COUNT, width=14),
        Col("indicators_reported", ctx.label("indicators_reported"), FMT_COUNT, width=16),
    ]
    shown = comp if not ctx.large else comp.loc[(status != "reported").fillna(True).to_numpy()]
    shown = shown.assign(
        first_uploaded_at=[beijing(v, lang) if not pd.isna(v) else "—" for v in shown["first_uploaded_at"]]
    )
    notes = []
    if ctx.tables.completeness_derived:
        notes.append(t("reports.summary.completeness_derived", lang))
    body = (
        table(
            counts,
            [
                Col("label", ctx.label("completeness")),
                Col("n", _p("col.n_regions", lang), FMT_COUNT, width=30),
            ],
        )
        + "".join(f"<p class='note'>{esc(n)}</p>" for n in notes)
        + (table(shown, cols, caption=_p("completeness.list", lang)) if len(shown) else "")
    )
    return ctx.section("completeness", _title(ctx, "completeness"), body)


def _annex(ctx: _Context) -> str:
    data, lang = ctx.data, ctx.lang
    method = "".join(f"<li>{esc(t(f'reports.cover.method_{i}', lang))}</li>" for i in range(1, 6))
    ind = ctx.tables.indicators
    ind = ind.assign(unit=ind["unit"].map(lambda u: unit_text(u, lang)))
    unconfirmed = data.unconfirmed_floors
    cols = [
        Col("aspect_code", _p("col.aspect_code", lang), width=11),
        Col("item", ctx.label("item"), width=27),
        Col("indicator_code", ctx.label("indicator_code"), width=16),
        Col("indicator", ctx.label("indicator")),
        Col("unit", ctx.label("unit"), width=16),
        Col("direction", ctx.label("direction"), width=15),
        Col("national_floor", ctx.label("national_floor"), FMT_VALUE, width=16),
        Col("floor_confirmed", ctx.label("floor_confirmed"), width=14),
        Col("weight", ctx.label("weight"), "0.00", width=11),
    ]
    edition = data.edition
    title, published = (edition.title_zh if lang == "zh" else edition.title_en), edition.published
    n = len(ind)
    body = (
        f"<p>{esc(_p('annex.text', lang, edition=edition.label, title=title, published=published, n=n))}</p>"
        + f"<p>{esc(t('reports.cover.basis_text', lang))}</p><ol>{method}</ol>"
        + (
            f"<p class='note'>{esc(t('reports.cover.unconfirmed_text', lang, count=unconfirmed))}</p>"
            if unconfirmed
            else ""
        )
        + table(ind, cols, caption=_p("annex.catalogue", lang))
    )
    return ctx.section("annex", _title(ctx, "annex"), body)
