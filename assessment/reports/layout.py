"""Sheet layouts shared by the evaluation and feedback workbooks: the cover and the status table.

A :class:`Report` is one workbook being written for one :class:`ReportData`: it knows the
language, the footer (edition id left, page numbers centre, region and period right) and the sheet
names. :func:`status_table_sheet` writes the common sheet shape: a title row, a legend or note row,
a header row (frozen, repeated on every printed page), the table, colour rules and an autofilter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pandas as pd
from openpyxl.styles import Font
from openpyxl.utils import column_index_from_string, get_column_letter

from assessment.domain.i18n import t
from assessment.domain.timefmt import beijing
from assessment.reports.context import ReportData
from assessment.reports.workbook import LEGEND_STATUSES, STATUS_COLOURS, STATUS_FONT_COLOURS, Column
from assessment.reports.writer import ReportBook, SheetWriter

__all__ = [
    "SHEET_KEYS",
    "Formatting",
    "Report",
    "cover_sheet",
    "keyed_status_sheet",
    "running_title",
    "status_table_sheet",
]

SHEET_KEYS = (
    "cover",
    "summary",
    "ranking",
    "gaps",
    "equity",
    "completeness",
    "indicators",
    "data",
    "scores",
    "detail",
    "trends",
    "priorities",
)
# (first column, last column, status-key column, absolute): colour columns first..last (1-based) of
# every table row by the key in the status column; absolute = every target column reads the same
# key column, else the key column moves with the target column (a matrix of keys).
Formatting = tuple[int, int, int, bool]


def as_of_text(when: datetime | None, lang: str) -> str:
    """``data_as_of`` as ``YYYY-MM-DD HH:MM 北京时间`` (naive = UTC; or "not given")."""
    if when is None:
        return t("reports.cover.not_given", lang)
    return beijing(when, lang)


def running_title(data: ReportData, key: str) -> str:
    """The running header of every printed page: the report's title (``key``), region and period."""
    return f"{t(key, data.lang)} · {data.name(data.code)} · {data.period}"


class Report:
    """One workbook being written for ``data``: its language, footer and sheet names."""

    def __init__(self, data: ReportData, title: str = "") -> None:
        self.data = data
        self.lang = data.lang
        self.book = ReportBook()
        self.title = title
        self.footer_left = t("reports.title.footer", self.lang, edition=data.edition.id)
        self.footer_right = f"{data.name(data.code)} ({data.code}) · {data.period}"

    def sheet_name(self, key: str) -> str:
        """The sheet name for a known key (``summary``...) or ``key`` itself (aspect sheets)."""
        return t(f"reports.sheet.{key}", self.lang) if key in SHEET_KEYS else key

    def sheet_title(self, key: str) -> str:
        """The title row text: sheet, region, period and edition."""
        return t(
            "reports.title.sheet",
            self.lang,
            sheet=self.sheet_name(key),
            region=f"{self.data.name(self.data.code)} ({self.data.code})",
            period=self.data.period,
            edition=self.data.edition.id,
        )

    def sheet(
        self,
        key: str,
        *,
        widths: Sequence[float],
        freeze: str | None = None,
        hidden_from: int | None = None,
        repeat_cols: int = 0,
    ) -> SheetWriter:
        """A new sheet with the report's running header (its title), footer (edition, page of
        pages, region and period) and print setup (``repeat_cols`` columns repeat on every page
        when the sheet is too wide for one, see :mod:`assessment.reports.pagesetup`)."""
        return self.book.sheet(
            self.sheet_name(key),
            widths=widths,
            freeze=freeze,
            hidden_from=hidden_from,
            footer_left=self.footer_left,
            footer_right=self.footer_right,
            page_label=t("reports.title.page", self.lang),
            header_text=self.title,
            repeat_cols=repeat_cols,
        )

    def legend_labels(self) -> dict[str, str]:
        return {s: t(f"reports.status.{s}", self.lang) for s in LEGEND_STATUSES}


def status_table_sheet(
    report: Report,
    key: str,
    frame: pd.DataFrame,
    columns: Sequence[Column],
    hidden: Sequence[str],
    *,
    freeze: str,
    title: str | None = None,
    note: str | None = None,
    formatting: Sequence[Formatting] = (),
) -> SheetWriter:
    """Title, legend (when cells are coloured) and/or note, header, table, colours, autofilter.

    ``freeze``: the first column left unfrozen (``"D"``); rows down to the header are frozen.
    """
    leading = list(columns[: column_index_from_string(freeze) - 1])  # they name a row: repeated
    columns, formatting, dropped = _without_empty(frame, columns, formatting)
    repeat = len([c for c in leading if c not in dropped])
    freeze = get_column_letter(repeat + 1)
    notes = [note] if note else []
    if dropped:  # no empty column on paper: say which were left out and why
        notes.append(t("print.dropped_columns", report.lang, columns="、".join(c.label for c in dropped)))
        if any(c.key.startswith("cost_") for c in dropped):
            notes.append(t("print.no_costs", report.lang))
    widths = [c.width for c in columns] + [4.0] * len(hidden)
    w = report.sheet(
        key,
        widths=widths,
        hidden_from=len(columns) + 1 if hidden else None,
        repeat_cols=repeat,
    )
    w.title(title or report.sheet_title(key))
    if formatting:
        w.legend(report.legend_labels(), t("reports.legend.label", report.lang))
    if notes:
        w.note(" ".join(notes))
    if w.row < 2:
        w.blank()
    header_row = w.row + 1
    w.ws.freeze_panes = f"{freeze}{header_row + 1}"
    h, last = w.table(frame, columns, hidden=hidden)
    if last > h:
        first = h + 1
        for first_col, last_col, key_col, absolute in formatting:
            target = f"{get_column_letter(first_col)}{first}:{get_column_letter(last_col)}{last}"
            ref = f"{'$' if absolute else ''}{get_column_letter(key_col)}{first}"
            w.status_formatting(target, ref)
    w.finish(header_row=h, last_col=len(columns))
    return w


def _is_empty(values: pd.Series) -> bool:
    """Nothing in any row: missing, or blank text."""
    present = values.dropna()
    if present.empty:
        return True
    if pd.api.types.is_numeric_dtype(present.dtype) or pd.api.types.is_datetime64_any_dtype(present.dtype):
        return False
    return not bool(present.astype("string").str.strip().ne("").any())


def _without_empty(
    frame: pd.DataFrame, columns: Sequence[Column], formatting: Sequence[Formatting]
) -> tuple[list[Column], list[Formatting], list[Column]]:
    """``columns`` without those that hold nothing in any row of ``frame`` (none dropped from an
    empty table, nor inside a matrix of keys), the colour rules renumbered, and the dropped ones."""
    if frame.empty:
        return list(columns), list(formatting), []
    keep_anyway = {i for first, last, _, fixed in formatting if not fixed for i in range(first, last + 1)}
    kept: list[Column] = []
    dropped: list[Column] = []
    new_pos: dict[int, int] = {}
    for pos, c in enumerate(columns, start=1):
        if pos not in keep_anyway and _is_empty(frame[c.key]):
            dropped.append(c)
            continue
        kept.append(c)
        new_pos[pos] = len(kept)
    shift = len(columns) - len(kept)
    rules: list[Formatting] = []
    for first, last, key_col, absolute in formatting:
        inside = [new_pos[p] for p in range(first, last + 1) if p in new_pos]
        if not inside:
            continue
        key = key_col - shift if key_col > len(columns) else new_pos.get(key_col, key_col)
        rules.append((min(inside), max(inside), key, absolute))
    return kept, rules, dropped


def keyed_status_sheet(
    report: Report,
    key: str,
    frame: pd.DataFrame,
    columns: Sequence[Column],
    *,
    freeze: str,
    coloured: Sequence[tuple[int, int]],
    note: str | None = None,
) -> SheetWriter:
    """:func:`status_table_sheet` with one hidden ``status_key`` column after the table that colours
    the columns of every ``(first, last)`` span in ``coloured`` (1-based, inclusive)."""
    return status_table_sheet(
        report,
        key,
        frame,
        columns,
        ["status_key"],
        freeze=freeze,
        note=note,
        formatting=[(first, last, len(columns) + 1, True) for first, last in coloured],
    )


def cover_sheet(
    report: Report,
    title: str,
    facts: Sequence[tuple[str, object]],
    contents: Sequence[tuple[str, str]],
    intro: str | None = None,
) -> SheetWriter:
    """The cover: title, facts (region, period, edition, data as of...), method, legend, contents."""
    data, lang = report.data, report.lang
    ed = data.edition
    widths = [22.0, 76.0]  # one portrait A4 page wide at 100 %
    w = report.sheet("cover", widths=widths)
    w.title(title, ed.title_zh if lang == "zh" else ed.title_en)
    w.blank()
    rows: list[tuple[str, object]] = [
        *facts,
        (t("reports.cover.period", lang), data.period),
        (t("reports.cover.edition", lang), f"{ed.label} · {ed.title_zh if lang == 'zh' else ed.title_en}"),
        (t("reports.cover.data_as_of", lang), as_of_text(data.data_as_of, lang)),
        (t("reports.cover.basis", lang), t("reports.cover.basis_text", lang)),
        (t("reports.cover.indicators", lang), len(ed.indicators)),
        (
            t("reports.cover.unconfirmed", lang),
            t("reports.cover.unconfirmed_text", lang, count=data.unconfirmed_floors),
        ),
    ]
    for label, value in rows:
        w.pair(label, value, widths[1])
    if data.code.startswith("99"):
        w.append([None, w.styled(t("reports.cover.fictional", lang), font=Font(bold=True, color="C0392B"))])
    if intro:
        w.blank()
        w.pair("", intro, widths[1])
    w.blank()
    w.heading(t("reports.cover.method", lang))
    for i in range(1, 6):
        w.pair(f"{i}.", t(f"reports.cover.method_{i}", lang), widths[1])
    w.blank()
    w.heading(t("reports.cover.legend", lang))
    for status, label in report.legend_labels().items():
        font = Font(bold=True, color=STATUS_FONT_COLOURS[status].lstrip("#").upper())
        w.append([w.styled(label, font=font, fill=STATUS_COLOURS[status])])
    w.pair("†", t("reports.floor.marker_note", lang), widths[1])
    w.blank()
    w.heading(t("reports.cover.contents", lang))
    w.header([t("reports.col.contents", lang), t("reports.col.description", lang)], widths)
    for name, text in contents:
        w.append([name, text])
    return w
