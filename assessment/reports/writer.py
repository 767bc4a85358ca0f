"""Writing report sheets: :class:`ReportBook` (one workbook) and :class:`SheetWriter` (one sheet).

A :class:`ReportBook` is an openpyxl write-only workbook: openpyxl writes its structure (sheets,
widths, hidden columns, frozen panes, colour rules, print setup) and its styles. The rows of each
sheet are encoded by :mod:`assessment.reports.sheetxml` into a temporary file, tables a whole
column at a time, and spliced into the saved file by :meth:`ReportBook.to_bytes`: a national data
sheet of a third of a million rows takes seconds, not minutes, and little memory.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell import WriteOnlyCell
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from assessment.reports import sheetxml as sx
from assessment.reports.pagesetup import MARGINS_IN, PagePlan, plan_page
from assessment.reports.workbook import (
    BODY_FONT_NAME,
    BODY_FONT_SIZE,
    CELL_BORDER,
    FMT_DATE,
    FOOTER_FONT_SIZE,
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    LINE_PT,
    NOTE_FONT_SIZE,
    NOTE_WIDTH,
    PAPER_A4,
    STATUS_COLOURS,
    STATUS_FONT_COLOURS,
    SUBTITLE_FONT,
    TITLE_FONT,
    Column,
    clean_text,
    footer_text,
    is_dangerous,
    is_number,
    rgb,
    sheet_title,
    text_lines,
)

__all__ = ["ReportBook", "SheetWriter", "Styled"]


@dataclass(frozen=True)
class Styled:
    """A value with the workbook style id it is written with (see :meth:`SheetWriter.styled`)."""

    value: object
    style: int


class SheetWriter:
    """Writes the rows of one sheet, top to bottom, with the house styles (see the module docstring).

    The sheet itself (widths, hidden columns, frozen panes, colour rules, print setup) is an
    openpyxl worksheet; its rows are encoded by :mod:`assessment.reports.sheetxml` into a
    temporary file that :meth:`ReportBook.to_bytes` splices in when the workbook is saved.
    """

    def __init__(
        self,
        wb: Workbook,
        title: str,
        *,
        widths: Sequence[float],
        freeze: str | None = None,
        hidden_from: int | None = None,
        footer_left: str = "",
        footer_right: str = "",
        page_label: str = "&P / &N",
        header_text: str = "",
        repeat_cols: int = 0,
        portrait: bool = True,
        style_ids: dict[tuple[object, ...], int] | None = None,
    ) -> None:
        ws = wb.create_sheet(sheet_title(title))
        self.ws = ws
        self.widths = [float(w) for w in widths]
        self.visible = len(self.widths) if hidden_from is None else hidden_from - 1
        self.repeat_cols = repeat_cols
        self.portrait = portrait
        # the smallest font printed on the sheet (it sets the print scale): the running header
        # and footer, which LibreOffice scales with the sheet, and any smaller text written
        self.smallest_font = min(BODY_FONT_SIZE, FOOTER_FONT_SIZE)
        self.row = 0
        # the style ids of plain cells (:meth:`_style`), shared by the sheets of one workbook
        self.style_ids: dict[tuple[object, ...], int] = style_ids if style_ids is not None else {}
        # closed by ReportBook.to_bytes; an unnamed temporary file, so nothing is left behind
        self.body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
        for idx, width in enumerate(widths, start=1):
            dim = ws.column_dimensions[get_column_letter(idx)]
            dim.width = width
            if hidden_from is not None and idx >= hidden_from:
                dim.hidden = True
        if freeze:
            ws.freeze_panes = freeze
        ws.page_setup.paperSize = PAPER_A4
        left, right, top, bottom, head, foot = MARGINS_IN
        ws.page_margins = PageMargins(
            left=left, right=right, top=top, bottom=bottom, header=head, footer=foot
        )
        ws.print_options.horizontalCentered = True
        ws.print_options.gridLines = False  # the tables carry their own borders
        if header_text:
            ws.oddHeader.center.text = footer_text(header_text)
            ws.oddHeader.center.size = FOOTER_FONT_SIZE
            ws.oddHeader.center.color = "595959"
        ws.oddFooter.left.text = footer_text(footer_left)
        ws.oddFooter.left.size = FOOTER_FONT_SIZE
        ws.oddFooter.center.text = page_label
        ws.oddFooter.center.size = FOOTER_FONT_SIZE
        ws.oddFooter.right.text = footer_text(footer_right)
        ws.oddFooter.right.size = FOOTER_FONT_SIZE
        self.plan: PagePlan | None = None

    def page_setup(self) -> PagePlan:
        """Orientation, scale, print area, repeated columns and column breaks from the widths of
        the visible columns and the smallest font written (see :mod:`assessment.reports.pagesetup`);
        called by :meth:`ReportBook.to_bytes` once every row is written."""
        ws = self.ws
        plan = plan_page(
            self.widths[: self.visible],
            smallest_font=self.smallest_font,
            repeat_cols=self.repeat_cols,
            portrait=self.portrait,
        )
        ws.page_setup.orientation = "landscape" if plan.landscape else "portrait"
        ws.sheet_properties.pageSetUpPr.fitToPage = plan.fit_width
        if plan.fit_width:
            ws.page_setup.fitToWidth = 1
            ws.page_setup.fitToHeight = 0
        else:
            ws.page_setup.scale = round(plan.scale * 100)
            ws.page_setup.pageOrder = "overThenDown"  # a row's pages across come one after another
            if plan.repeat_cols:
                ws.print_title_cols = f"A:{get_column_letter(plan.repeat_cols)}"
            for col in plan.breaks:
                ws.col_breaks.append(Break(id=col))
        if self.row and self.visible:
            ws.print_area = f"A1:{get_column_letter(self.visible)}{self.row}"
        self.plan = plan
        return plan

    # -- cells ------------------------------------------------------------------------------
    def styled(
        self,
        value: object,
        *,
        font: Font | None = None,
        fill: str | None = None,
        fmt: str | None = None,
        wrap: bool = False,
        border: Border | None = None,
        align: Alignment | None = None,
    ) -> Styled:
        """``value`` with a style, for :meth:`append` (text beginning with = + - @ gets the quote prefix)."""
        cell = WriteOnlyCell(self.ws)
        if font is not None:
            if font.name is None:  # the body's typeface (a font without a name prints in a serif)
                font = Font(name=BODY_FONT_NAME, sz=font.sz, b=font.b, i=font.i, color=font.color)
            cell.font = font
            if font.size is not None and value not in (None, ""):
                self.smallest_font = min(self.smallest_font, float(font.size))
        if fill is not None:
            cell.fill = PatternFill("solid", fgColor=rgb(fill), bgColor=rgb(fill))
        if fmt is not None and is_number(value):
            cell.number_format = fmt
        if align is not None:
            cell.alignment = align
        elif wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if border is not None:
            cell.border = border
        if isinstance(value, str) and is_dangerous(clean_text(value)):
            cell.quotePrefix = True
        return Styled(value, int(cell.style_id) if cell.has_style else 0)

    def _style(
        self,
        *,
        fmt: str | None = None,
        wrap: bool = False,
        quote: bool = False,
        table: bool = False,
        centre: bool = False,
    ) -> int:
        """The workbook's style id for a plain cell with these attributes (0 = default); a
        ``table`` cell has a thin border and is centred vertically (beside wrapped neighbours)."""
        if fmt is None and not wrap and not quote and not table:
            return 0
        key = (fmt, wrap, quote, table, centre)
        if key in self.style_ids:
            return self.style_ids[key]
        cell = WriteOnlyCell(self.ws)
        if fmt is not None:
            cell.number_format = fmt
        if wrap or table:
            cell.alignment = Alignment(
                wrap_text=wrap or None, vertical="center", horizontal="center" if centre else None
            )
        if table:
            cell.border = CELL_BORDER
        if quote:
            cell.quotePrefix = True
        self.style_ids[key] = int(cell.style_id)
        return self.style_ids[key]

    def _write(self, text: str) -> None:
        self.body.write(text.encode("utf-8"))

    def append(self, cells: Iterable[object], height: float | None = None) -> int:
        """Append one row (plain values or :meth:`styled` cells); returns its 1-based row number."""
        self.row += 1
        parts = []
        for col, item in enumerate(cells, start=1):
            if isinstance(item, Styled):
                value, style = item.value, item.style
            else:
                value, style = item, 0
                if isinstance(value, str) and is_dangerous(clean_text(value)):
                    style = self._style(quote=True)
            if isinstance(value, str):
                value = clean_text(value)
            parts.append(sx.cell_xml(col, self.row, value, style))
        self._write(sx.row_xml(self.row, "".join(parts), height))
        return self.row

    def blank(self) -> int:
        """An empty row."""
        self.row += 1
        return self.row

    def pair(self, label: str, value: object, width: float) -> int:
        """A label (bold) and a value (wrapped, left-aligned) in the first two columns."""
        cell = self.styled(value, align=Alignment(wrap_text=True, vertical="top", horizontal="left"))
        label_cell = self.styled(label, font=Font(bold=True), align=Alignment(vertical="top"))
        height = LINE_PT * text_lines(str(value), width) if isinstance(value, str) else None
        return self.append([label_cell, cell], height=height if height and height > LINE_PT else None)

    def title(self, text: str, subtitle: str | None = None) -> None:
        """The sheet's title row (and an optional subtitle row)."""
        self.append([self.styled(text, font=TITLE_FONT)], height=22)
        if subtitle:
            self.append([self.styled(subtitle, font=Font(italic=True, color="595959"))])

    def note(self, text: str) -> int:
        """A note in italics on one row: wrapped in a cell merged over the first columns of the
        table, as many as one printed page holds (:data:`NOTE_WIDTH` characters at most), the row
        as tall as its lines. No text runs past the table or off the page."""
        span, room = 0, 0.0
        for width in self.widths[: self.visible]:
            if span and room + width > NOTE_WIDTH:
                break
            span, room = span + 1, room + width
        font = Font(italic=True, size=NOTE_FONT_SIZE, color="595959")
        cell = self.styled(text, font=font, align=Alignment(wrap_text=True, vertical="top"))
        lines = text_lines(text, room)
        row = self.append([cell], height=LINE_PT * lines + 2 if lines > 1 else None)
        if span > 1:
            self.ws.merged_cells.add(f"A{row}:{get_column_letter(span)}{row}")
        return row

    def page_break(self) -> None:
        """The next row begins a new printed page (a section that should not be split)."""
        if self.row:
            self.ws.row_breaks.append(Break(id=self.row))

    def heading(self, text: str) -> int:
        """A section heading inside a sheet."""
        return self.append([self.styled(text, font=SUBTITLE_FONT)], height=18)

    def legend(self, labels: dict[str, str], lead: str = "", start_col: int = 1) -> int:
        """One row of coloured legend cells, one per status in ``labels``."""
        cells: list[object] = [None] * (start_col - 1)
        if lead:
            cells.append(self.styled(lead, font=Font(bold=True)))
        lines = 1
        for status, label in labels.items():
            font = Font(color=rgb(STATUS_FONT_COLOURS[status]), bold=True)
            cells.append(self.styled(label, font=font, fill=STATUS_COLOURS[status], wrap=True))
            lines = max(lines, text_lines(label, self._width(len(cells) - 1)))
        return self.append(cells, height=max(16.0, LINE_PT * lines + 2))

    def _width(self, idx: int) -> float:
        return self.widths[idx] if idx < len(self.widths) else 9.0

    def header(self, labels: Sequence[str], widths: Sequence[float] | None = None) -> int:
        """A header row: bold white text on navy, wrapped, bordered, tall enough for its labels."""
        widths = widths or [self._width(i) for i in range(len(labels))]
        lines = max((text_lines(lb, w) for lb, w in zip(labels, widths, strict=True)), default=1)
        height = max(20.0, LINE_PT * lines + 4)
        cells = [
            self.styled(label, font=HEADER_FONT, fill=HEADER_FILL, wrap=True, border=HEADER_BORDER)
            for label in labels
        ]
        return self.append(cells, height=height)

    def table(
        self, frame: pd.DataFrame, columns: Sequence[Column], *, hidden: Sequence[str] = ()
    ) -> tuple[int, int]:
        """A header row then one row per frame row; returns (header row, last data row).

        ``hidden``: frame columns written after ``columns`` (e.g. status keys that the
        conditional formatting reads). Numeric cells get the column's number format.
        """
        header_row = self.header([c.label for c in columns])  # wrapped at the sheet's widths
        self.rows(frame, columns, hidden=hidden)
        return header_row, self.row

    def rows(
        self,
        frame: pd.DataFrame,
        columns: Sequence[Column],
        *,
        hidden: Sequence[str] = (),
        chunk: int = 20_000,
    ) -> None:
        """Data rows only (see :meth:`table`), encoded a column at a time, ``chunk`` rows at a time."""
        specs = [*columns, *(Column(k, k) for k in hidden)]
        n_visible = len(columns)
        styles = []
        for idx, c in enumerate(specs):
            fmt = c.fmt or FMT_DATE if c.fmt or sx.is_datetime(frame[c.key]) else None
            look = partial(self._style, wrap=c.wrap, table=idx < n_visible, centre=c.centre)
            styles.append((look(fmt=fmt), look(), look(quote=True)))
        wrapped = [(c.key, c.width) for c in columns if c.wrap]
        for start in range(0, len(frame), chunk):
            part = frame.iloc[start : start + chunk]
            numbers = pa.array(np.arange(self.row + 1, self.row + 1 + len(part))).cast(pa.string())
            cells = []
            for col, (spec, (number_style, text_style, quoted_style)) in enumerate(
                zip(specs, styles, strict=True), start=1
            ):
                series = sx.clean_column(part[spec.key])
                cells.append(
                    _cells(series, col, numbers, (number_style, text_style, quoted_style), bool(spec.fmt))
                )
            heights = _row_heights(part, wrapped) if wrapped else None
            self.body.write(sx.rows_xml(numbers, cells, heights))
            self.row += len(part)

    # -- charts ------------------------------------------------------------------------------
    def bar_chart(
        self,
        title: str,
        *,
        categories: tuple[int, int, int],
        values: tuple[int, int, int],
        anchor: str,
        size_cm: tuple[float, float],
        y_max: float | None = None,
        colour: str = "#1F3B5A",
    ) -> BarChart:
        """A native horizontal bar chart of rows already written: ``categories`` and ``values``
        are (column, first row, last row), the values' first row being their header (the series
        name). Its text stays legible on paper: 10 pt labels, the value on every bar."""
        chart = BarChart()
        chart.type = "bar"
        chart.style = 10
        chart.title = title
        chart.legend = None
        chart.width, chart.height = size_cm
        col, first, last = values
        chart.add_data(Reference(self.ws, min_col=col, min_row=first, max_row=last), titles_from_data=True)
        col, first, last = categories
        chart.set_categories(Reference(self.ws, min_col=col, min_row=first, max_row=last))
        series = chart.series[0]
        series.graphicalProperties.solidFill = rgb(colour)
        series.graphicalProperties.line.solidFill = rgb(colour)
        chart.dataLabels = DataLabelList(
            showVal=True, showCatName=False, showSerName=False, showLegendKey=False, showPercent=False
        )
        chart.x_axis.scaling.orientation = "maxMin"  # the first aspect on top, as in the table
        chart.x_axis.delete = False
        chart.x_axis.tickLblSkip = 1  # every category named, long English names too
        chart.y_axis.delete = False
        chart.y_axis.scaling.min = 0
        if y_max is not None:
            chart.y_axis.scaling.max = y_max
        chart.y_axis.majorGridlines = None
        self.ws.add_chart(chart, anchor)
        return chart

    # -- conditional formatting ------------------------------------------------------------
    def status_formatting(self, target: str, status_cell: str, statuses: Iterable[str] | None = None) -> None:
        """Colour ``target`` (e.g. ``"D5:K40"``) by the status key in ``status_cell``.

        ``status_cell`` is the reference, relative to the top-left cell of ``target``, of the
        hidden cell holding the key (``"P5"``: the same row, a fixed column offset).
        """
        for status in statuses or STATUS_COLOURS:
            colour = rgb(STATUS_COLOURS[status])
            rule = FormulaRule(
                formula=[f'{status_cell}="{status}"'],
                stopIfTrue=True,
                fill=PatternFill("solid", fgColor=colour, bgColor=colour),
                font=Font(color=rgb(STATUS_FONT_COLOURS[status])),
            )
            self.ws.conditional_formatting.add(target, rule)

    def finish(self, *, header_row: int | None = None, last_col: int | None = None) -> None:
        """Print titles (the header row repeats on every page; the running header names the sheet's
        report, region and period) and an autofilter on the table."""
        if header_row is not None:
            self.ws.print_title_rows = f"{header_row}:{header_row}"
            if last_col is not None and self.row > header_row:
                self.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(last_col)}{self.row}"


def _row_heights(part: pd.DataFrame, wrapped: Sequence[tuple[str, float]]) -> np.ndarray:
    """Row heights (points) that show every line of the wrapped columns ``(key, width)``; 0 where
    one line is enough (the row keeps its default height)."""
    lines = np.ones(len(part), dtype=np.int64)
    for key, width in wrapped:  # measured once per distinct text (a national sheet repeats them)
        codes, distinct = pd.factorize(part[key].astype("string"))
        text = pd.Series(distinct, dtype="string")
        cjk = text.str.count(r"[\u2e80-\uffff]").to_numpy(dtype="float64")
        units = text.str.len().to_numpy(dtype="float64") + 1.1 * cjk
        explicit = text.str.count("\n").to_numpy(dtype="int64")
        per_text = np.append(np.ceil(units / max(width - 1.0, 1.0)).astype(np.int64) + explicit, 1)
        lines = np.maximum(lines, per_text[codes])  # code -1 (missing): the appended 1 line
    return np.where(lines > 1, lines * LINE_PT + 2.0, 0.0)


def _cells(
    series: pd.Series, col: int, rows: pa.Array, styles: tuple[int, int, int], number: bool
) -> pa.Array:
    """The cells of one column; a number column may carry a text mark in some cells (a
    suppressed figure: "—"), written as text there and as numbers elsewhere."""

    def xml(values: pd.Series) -> pa.Array:
        return sx.column_xml(
            values,
            col,
            rows,
            number_style=styles[0],
            text_style=styles[1],
            quoted_style=styles[2],
            dangerous=sx.dangerous_rows(values),
        )

    marks = _text_marks(series) if number else None
    if marks is None:
        return xml(series)
    as_numbers = pd.to_numeric(series.mask(marks), errors="coerce").astype("float64")
    return pc.if_else(pa.array(marks), xml(series.where(marks).astype("string")), xml(as_numbers))


def _text_marks(series: pd.Series) -> np.ndarray | None:
    """Where an object column holds text among numbers (None when it is not such a column)."""
    if series.dtype != object:
        return None
    marks = np.fromiter((isinstance(v, str) for v in series), dtype=bool, count=len(series))
    return marks if marks.any() and not marks.all() else None


class ReportBook:
    """A report workbook: openpyxl for its structure and styles, streamed rows for its cells."""

    def __init__(self) -> None:
        self.wb = Workbook(write_only=True)
        self.sheets: list[SheetWriter] = []
        self.style_ids: dict[tuple[object, ...], int] = {}

    def sheet(self, title: str, **options: object) -> SheetWriter:
        """A new sheet (see :class:`SheetWriter` for the options)."""
        writer = SheetWriter(self.wb, title, style_ids=self.style_ids, **options)  # type: ignore[arg-type]
        self.sheets.append(writer)
        return writer

    def to_bytes(self) -> bytes:
        """The finished .xlsx file."""
        for writer in self.sheets:
            writer.page_setup()
        buf = io.BytesIO()
        self.wb.save(buf)
        try:
            return sx.splice(buf.getvalue(), {w.ws.title: w.body for w in self.sheets})
        finally:
            for writer in self.sheets:
                writer.body.close()
