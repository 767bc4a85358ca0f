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
from typing import IO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell import WriteOnlyCell
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.page import PageMargins

from assessment.reports import sheetxml as sx
from assessment.reports.workbook import (
    FMT_DATE,
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
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
        landscape: bool = True,
    ) -> None:
        ws = wb.create_sheet(sheet_title(title))
        self.ws = ws
        self.widths = [float(w) for w in widths]
        self.row = 0
        # closed by ReportBook.to_bytes; an unnamed temporary file, so nothing is left behind
        self.body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115
        for idx, width in enumerate(widths, start=1):
            dim = ws.column_dimensions[get_column_letter(idx)]
            dim.width = width
            if hidden_from is not None and idx >= hidden_from:
                dim.hidden = True
        if freeze:
            ws.freeze_panes = freeze
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.paperSize = PAPER_A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.6, header=0.3, footer=0.3)
        ws.print_options.horizontalCentered = True
        ws.oddFooter.left.text = footer_text(footer_left)
        ws.oddFooter.left.size = 8
        ws.oddFooter.center.text = page_label
        ws.oddFooter.center.size = 8
        ws.oddFooter.right.text = footer_text(footer_right)
        ws.oddFooter.right.size = 8

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
            cell.font = font
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

    def _style(self, *, fmt: str | None = None, wrap: bool = False, quote: bool = False) -> int:
        """The workbook's style id for a plain cell with these attributes (0 = default)."""
        if fmt is None and not wrap and not quote:
            return 0
        cell = WriteOnlyCell(self.ws)
        if fmt is not None:
            cell.number_format = fmt
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if quote:
            cell.quotePrefix = True
        return int(cell.style_id)

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
        height = 15.0 * text_lines(str(value), width) if isinstance(value, str) else None
        return self.append([label_cell, cell], height=height if height and height > 15 else None)

    def title(self, text: str, subtitle: str | None = None) -> None:
        """The sheet's title row (and an optional subtitle row)."""
        self.append([self.styled(text, font=TITLE_FONT)], height=22)
        if subtitle:
            self.append([self.styled(subtitle, font=Font(italic=True, color="595959"))])

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
            lines = max(lines, text_lines(label, self._width(len(cells) - 1) * 0.9))
        return self.append(cells, height=max(15.0, 13.0 * lines + 4))

    def _width(self, idx: int) -> float:
        return self.widths[idx] if idx < len(self.widths) else 9.0

    def header(self, labels: Sequence[str], widths: Sequence[float] | None = None) -> int:
        """A header row: bold white text on navy, wrapped, bordered, tall enough for its labels."""
        widths = widths or [self._width(i) for i in range(len(labels))]
        lines = max((text_lines(lb, w * 0.9) for lb, w in zip(labels, widths, strict=True)), default=1)
        height = max(20.0, 13.0 * lines + 6)
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
        header_row = self.header([c.label for c in columns], [c.width for c in columns])
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
        styles = [
            (
                self._style(
                    fmt=c.fmt or FMT_DATE if c.fmt or sx.is_datetime(frame[c.key]) else None, wrap=c.wrap
                ),
                self._style(wrap=c.wrap),
                self._style(wrap=c.wrap, quote=True),
            )
            for c in specs
        ]
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
            self.body.write(sx.rows_xml(numbers, cells))
            self.row += len(part)

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
        """Print titles (rows 1..header_row repeat on every page) and an autofilter on the table."""
        if header_row is not None:
            self.ws.print_title_rows = f"1:{header_row}"
            if last_col is not None and self.row > header_row:
                self.ws.auto_filter.ref = f"A{header_row}:{get_column_letter(last_col)}{self.row}"


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

    def sheet(self, title: str, **options: object) -> SheetWriter:
        """A new sheet (see :class:`SheetWriter` for the options)."""
        writer = SheetWriter(self.wb, title, **options)  # type: ignore[arg-type]
        self.sheets.append(writer)
        return writer

    def to_bytes(self) -> bytes:
        """The finished .xlsx file."""
        buf = io.BytesIO()
        self.wb.save(buf)
        try:
            return sx.splice(buf.getvalue(), {w.ws.title: w.body for w in self.sheets})
        finally:
            for writer in self.sheets:
                writer.body.close()
