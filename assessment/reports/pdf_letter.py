"""The feedback letter to one region as a print-ready PDF of 2-4 pages (issue 18 item 2).

Built from :func:`~assessment.reports.feedback.feedback_tables`, the feedback workbook's own
tables: its status, its gaps in order of importance (the workbook's priorities, at most
:data:`MAX_PRIORITIES`) with the binding standard and the shortfall, their trend, its place among
its peers and what is expected before the next period. Peers appear only as ranks, counts,
quintiles and means, already emptied by the small-cell rule of
:mod:`assessment.domain.disclosure` where fewer than 3 other regions are behind them: no other
region's figure is ever printed.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from assessment.domain import disclosure
from assessment.domain.i18n import t
from assessment.domain.timefmt import beijing
from assessment.reports import pdf_charts as charts
from assessment.reports.context import ReportData
from assessment.reports.feedback import LEVEL_PEER_COLUMNS, PARENT_PEER_COLUMNS, feedback_tables
from assessment.reports.pdf import Col, document, esc, fmt_number, legend, render, table, unit_text
from assessment.reports.workbook import FMT_COUNT, FMT_SCORE, FMT_SHARE, FMT_VALUE

__all__ = ["MAX_PRIORITIES", "letter_html", "letter_pdf"]

MAX_PRIORITIES = 12
MAX_EXPECTATIONS = 6
TREND_PERIODS = 4


def letter_pdf(
    data: ReportData, *, fictional: bool = False, made_at: datetime | None = None, target_year: int = 2025
) -> bytes:
    """The PDF bytes of the feedback letter of ``data.code`` (see the module docstring)."""
    return render(letter_html(data, fictional=fictional, made_at=made_at, target_year=target_year))


def _p(key: str, lang: str, **fmt: object) -> str:
    return t(f"pdf.letter.{key}", lang, **fmt)


def _c(key: str, lang: str) -> str:
    return t(f"reports.col.{key}", lang)


def letter_html(
    data: ReportData, *, fictional: bool = False, made_at: datetime | None = None, target_year: int = 2025
) -> str:
    """The letter as one HTML document (what :func:`letter_pdf` prints)."""
    lang = data.lang
    tables = feedback_tables(data, target_year=target_year)
    name = data.name(data.code)
    made = made_at or datetime.now(UTC).replace(microsecond=0)
    title = _p("title", lang)
    place = f"{name}（{data.code}）" if lang == "zh" else f"{name} ({data.code})"
    mark = f'<p class="fictional-line sans">{esc(t("pdf.fictional", lang))}</p>' if fictional else ""
    head = (
        f'<div class="letter-head"><h1>{esc(title)}</h1>{mark}'
        f'<p class="sans">{esc(t("pdf.period_value", lang, period=data.period))}　'
        f"{esc(t('reports.cover.edition', lang))} {esc(data.edition.label)}　"
        f"{esc(t('reports.cover.data_as_of', lang))} {esc(beijing(data.data_as_of, lang))}</p></div>"
        f"<p>{esc(_p('to', lang, region=name))}</p>"
        f"<p>{esc(_p('opening', lang, period=data.period, edition=data.edition.label))}</p>"
    )
    priorities = tables["priorities"]
    body = [
        head,
        _status(data, tables["scores"]),
        _gaps(data, priorities),
        _trend(data, tables["trends"], priorities),
        _peers(data, tables["scores"]),
        _expected(data, priorities),
        f'<div class="sign"><p>{esc(_p("sign", lang))}</p><p>{esc(beijing(made, lang))}</p></div>',
    ]
    return document(
        title, place, data.edition.label, ["<div class='letter'>" + "".join(body) + "</div>"], lang
    )


def _h(text: str) -> str:
    return f"<h3 class='lh'>{esc(text)}</h3>"


def _status(data: ReportData, scores: pd.DataFrame) -> str:
    lang = data.lang
    aggs = data.aggregates
    own = aggs.loc[((aggs["level"] == "overall") & (aggs["region_code"].astype(str) == data.code)).to_numpy()]
    row = own.iloc[0] if len(own) else None
    status_key = str(row["status"]) if row is not None else "no_data"
    text = _p(
        "status_text",
        lang,
        score=fmt_number(row["score"] if row is not None else None, FMT_SCORE),
        status=t(f"reports.status.{status_key}", lang),
        n=int(row["n_indicators"]) if row is not None else 0,
        reported=int(row["n_reported"]) if row is not None else 0,
        below_floor=int(row["n_below_floor"]) if row is not None else 0,
        below_local=int(row["n_below_local"]) if row is not None else 0,
    )
    aspects = scores.loc[
        (
            scores["status_key"].notna() & (scores["code"].isin([a.code for a in data.edition.aspects]))
        ).to_numpy()
    ]
    chart = charts.bar_chart(
        aspects["name"].astype(str).tolist(),
        [None if pd.isna(v) else float(v) for v in aspects["score"]],
        aspects["status_key"].astype("string").fillna("no_data").tolist(),
        xlabel=t("reports.col.score", lang),
        bar_mm=4.6,
        width_mm=165,
    )
    return _h(_p("status_title", lang)) + f"<p>{esc(text)}</p><div class='chart'>{chart}</div>" + legend(lang)


def _gaps(data: ReportData, priorities: pd.DataFrame) -> str:
    lang = data.lang
    if priorities.empty:
        return _h(_p("gaps_title", lang)) + f"<p>{esc(_p('gaps_none', lang))}</p>"
    shown = priorities.head(MAX_PRIORITIES)
    shown = shown.assign(unit=shown["unit"].map(lambda u: unit_text(u, lang)))
    cols = [
        Col("priority", _c("priority", lang), FMT_COUNT, width=10),
        Col("tier", _c("tier", lang), None, "status_key", width=27),
        Col("indicator", _c("indicator", lang)),
        Col("unit", _c("unit", lang), width=18),
        Col("value", _c("value", lang), FMT_VALUE, width=16),
        Col("standard", _c("standard", lang), FMT_VALUE, width=16),
        Col("gap_standard", _c("gap_standard", lang), FMT_VALUE, width=16),
        Col("rel_gap_standard", _c("rel_gap_standard", lang), FMT_SHARE, width=14),
    ]
    more = len(priorities) - len(shown)
    tail = f"<p class='note'>{esc(_p('gaps_more', lang, n=more))}</p>" if more > 0 else ""
    return _h(_p("gaps_title", lang)) + f"<p>{esc(_p('gaps_text', lang))}</p>" + table(shown, cols) + tail


def _trend(data: ReportData, trends: pd.DataFrame, priorities: pd.DataFrame) -> str:
    lang = data.lang
    periods = list(data.periods)[-TREND_PERIODS:]
    if len(periods) < 2:
        return _h(_p("trend_title", lang)) + f"<p>{esc(_p('trend_none', lang))}</p>"
    codes = priorities["indicator_code"].astype(str).head(MAX_PRIORITIES).tolist()
    if not codes:  # nothing to act on: the trend of the region's lowest-scoring indicators instead
        own = data.scores.loc[(data.scores["region_code"].astype(str) == data.code).to_numpy()]
        codes = own.sort_values("score", kind="stable")["indicator_code"].astype(str).head(8).tolist()
    rows = trends.set_index(trends["indicator_code"].astype(str)).reindex(codes).reset_index(drop=True)
    if rows.empty:
        return ""
    cols = [Col("indicator", _c("indicator", lang))]
    cols += [
        Col(f"p_{p}", t("reports.col.period_value", lang, period=p), FMT_VALUE, width=17) for p in periods
    ]
    cols += [
        Col("change", _c("change", lang), FMT_VALUE, width=16),
        Col("arrow", _c("arrow", lang), width=23),
    ]
    return _h(_p("trend_title", lang)) + f"<p>{esc(_p('trend_text', lang))}</p>" + table(rows, cols)


def _peers(data: ReportData, scores: pd.DataFrame) -> str:
    lang = data.lang
    keep = scores["code"].isin(["overall", *(a.code for a in data.edition.aspects)]) | (
        scores["level"] == t("reports.level.overall", lang)
    )
    frame = scores.loc[keep.to_numpy()].copy()
    frame = frame.assign(
        in_parent=_rank_text(frame, "rank_in_parent", "n_in_parent", "hidden_parent", lang),
        in_level=_rank_text(frame, "rank_in_level", "n_in_level", "hidden_level", lang),
    )
    frame = disclosure.marked(frame, PARENT_PEER_COLUMNS, "hidden_parent")
    frame = disclosure.marked(frame, LEVEL_PEER_COLUMNS, "hidden_level")
    cols = [
        Col("name", _c("name", lang)),
        Col("score", _c("score", lang), FMT_SCORE, "status_key", width=16),
        Col("status", _c("status", lang), None, "status_key", width=26),
        Col("in_parent", t("counts.rank_in.parent", lang), width=26),
        Col("in_level", _c("rank_in_level", lang), width=26),
        Col("quintile", _c("quintile", lang), FMT_COUNT, width=14),
        Col("peer_mean", _c("peer_mean", lang), FMT_SCORE, width=18),
    ]
    return (
        _h(_p("peers_title", lang))
        + f"<p class='note'>{esc(_p('peers_text', lang))}</p>"
        + table(frame, cols)
    )


def _rank_text(frame: pd.DataFrame, rank: str, n: str, hidden: str, lang: str) -> list[str]:
    out = []
    for r, k, h in zip(frame[rank], frame[n], frame[hidden], strict=True):
        if bool(h) or pd.isna(r) or pd.isna(k):
            out.append(disclosure.MARK)
        else:
            out.append(_p("rank_value", lang, rank=int(r), n=int(k)))
    return out


def _unit_after_number(unit: object, lang: str) -> str:
    """The unit written after a figure ("" for a yes/no indicator, whose unit explains the codes)."""
    text = unit_text(unit, lang)
    if not isinstance(text, str) or "=" in text:
        return ""
    return text if lang == "zh" or text == "%" else f" {text}"


def _expected(data: ReportData, priorities: pd.DataFrame) -> str:
    lang = data.lang
    items = []
    below = priorities.loc[priorities["tier_key"].isin(["below_floor", "below_local"]).to_numpy()]
    direction = data.indicators.set_index("indicator_code")["direction"]
    for _, row in below.head(MAX_EXPECTATIONS).iterrows():
        lower = direction.get(str(row["indicator_code"])) == "lower"
        items.append(
            _p(
                "expect_lower" if lower else "expect_raise",
                lang,
                indicator=row["indicator"],
                standard=fmt_number(row["standard"], FMT_VALUE),
                unit=_unit_after_number(row["unit"], lang),
                value=fmt_number(row["value"], FMT_VALUE),
            )
        )
    for _, row in priorities.loc[(priorities["tier_key"] == "deteriorating").to_numpy()].head(3).iterrows():
        items.append(_p("expect_hold", lang, indicator=row["indicator"]))
    missing = int((priorities["tier_key"] == "no_data").sum())
    if missing:
        items.append(_p("expect_report", lang, n=missing))
    items.append(_p("expect_general", lang, next=data.period + 1))
    listed = "".join(f"<li>{esc(i)}</li>" for i in items)
    return _h(_p("expect_title", lang)) + f"<ol class='expect'>{listed}</ol>"
