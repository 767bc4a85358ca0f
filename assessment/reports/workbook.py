"""The look of every report workbook: status palette, number formats, fonts, and safe text.

**Status colours** are the dashboard's (:data:`STATUS_COLOURS`; ``ui/charts.py`` will import them
from here). Report cells are coloured by *conditional formatting* that reads the machine status
key (``below_floor``...) from hidden columns beside the table, so a visible cell keeps its number.

**Safety** (platform notes 3.4, OWASP CSV injection): text that begins with ``= + - @``, TAB or CR
(:func:`is_dangerous`) is written to a workbook as a string cell with the ``quotePrefix`` style, so
no spreadsheet program runs it as a formula while the text stays as typed; :func:`safe_text`
prefixes an apostrophe instead, for csv. :func:`clean_text` drops the characters XML cannot carry.
No formulas, hyperlinks or external links are ever written: every figure is a stored number.

Sheets are written by :class:`assessment.reports.writer.SheetWriter` with these constants.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Border, Font, Side

__all__ = [
    "CHART_HEIGHT_CM",
    "DANGEROUS_PREFIXES",
    "FMT_COUNT",
    "FMT_DATE",
    "FMT_MONEY",
    "FMT_RATIO",
    "FMT_SCORE",
    "FMT_SHARE",
    "FMT_VALUE",
    "LEGEND_STATUSES",
    "STATUS_COLOURS",
    "STATUS_FONT_COLOURS",
    "Column",
    "clean_text",
    "footer_text",
    "is_dangerous",
    "is_number",
    "rgb",
    "safe_text",
    "sheet_title",
    "text_lines",
    "text_units",
]

# The dashboard's status palette (ui/charts.py): red = below the national floor, amber = below the
# local standard, green = meets, dark grey = no standard set, light grey = no data.
STATUS_COLOURS: dict[str, str] = {  # Okabe-Ito based: tells apart with red-green colour blindness
    "below_floor": "#d55e00",  # vermillion
    "below_local": "#e69f00",  # orange
    "meets": "#0072b2",  # blue
    "no_standard": "#999999",
    "no_data": "#d0d3d4",
    "insufficient_data": "#d0d3d4",
}
# Text on a coloured cell: white where the fill is dark, black where it is light.
STATUS_FONT_COLOURS: dict[str, str] = {
    "below_floor": "#ffffff",
    "below_local": "#000000",
    "meets": "#ffffff",
    "no_standard": "#ffffff",
    "no_data": "#000000",
    "insufficient_data": "#000000",
}
LEGEND_STATUSES = ("below_floor", "below_local", "meets", "no_standard", "no_data")
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

FMT_SCORE = "0.0"
FMT_VALUE = "#,##0.00"
FMT_COUNT = "#,##0"
FMT_MONEY = "#,##0"
FMT_SHARE = "0.0%"
FMT_RATIO = "0.000"
FMT_DATE = "yyyy-mm-dd hh:mm"

BODY_FONT_NAME = "Calibri"  # openpyxl's default body font (LibreOffice: its metric twin Carlito)
BODY_FONT_SIZE = 11.0  # the workbook's default font (openpyxl's Calibri 11)
NOTE_FONT_SIZE = 11.0  # notes (italics): no smaller than the body, which sets the print scale
FOOTER_FONT_SIZE = 11.0  # the running header and footer: LibreOffice scales them with the sheet
NOTE_WIDTH = 140.0  # the widest note line (characters): a landscape A4 page at 100 %
LINE_PT = 15.0  # one line of 11 pt text, CJK included (Noto CJK lines are taller than Calibri's)
# a bar chart of the aspects: tall enough to name every aspect (English names wrap over 3 lines)
CHART_HEIGHT_CM = {"zh": 9.5, "en": 11.5}
HEADER_FILL = "1F3B5A"
TITLE_FONT = Font(bold=True, size=14, color="1F3B5A")
SUBTITLE_FONT = Font(bold=True, size=11, color="1F3B5A")
HEADER_FONT = Font(bold=True, color="FFFFFF")
_THIN = Side(style="thin", color="BFBFBF")
HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
CELL_BORDER = HEADER_BORDER  # every table cell: rows and columns stay apart on paper
MAX_SHEET_TITLE = 31
PAPER_A4 = "9"  # the xlsx paper-size code of A4
_BAD_TITLE_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def rgb(colour: str) -> str:
    """``#c0392b`` -> ``C0392B`` (openpyxl's colour form)."""
    return colour.lstrip("#").upper()


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet program could run ``text`` as a formula (= + - @, TAB, CR first)."""
    return text.startswith(DANGEROUS_PREFIXES)


def safe_text(text: str) -> str:
    """``text`` made inert for csv: an apostrophe is put before a dangerous first character.

    >>> safe_text("=HYPERLINK(\\"http://x\\")"), safe_text("@SUM(A1)"), safe_text("Jia County")
    ('\\'=HYPERLINK("http://x")', "'@SUM(A1)", 'Jia County')
    """
    return "'" + text if is_dangerous(text) else text


def clean_text(text: str) -> str:
    """``text`` without the control characters XML cannot store (openpyxl would refuse them)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def sheet_title(text: str) -> str:
    """A legal, at most 31-character sheet name."""
    return " ".join(text.translate(_BAD_TITLE_CHARS).split())[:MAX_SHEET_TITLE].strip() or "Sheet"


def text_units(text: str) -> float:
    """The width of ``text`` in digit widths of the default font: a CJK character (or full-width
    punctuation) is about 2.1 digits wide at the same size."""
    return sum(2.1 if ord(ch) >= 0x2E80 else 1.0 for ch in text)


def text_lines(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` characters wide (a character of
    padding is lost at the cell's edges; lines break between characters, so round up)."""
    per_line = max(width - 1.0, 1.0)
    lines = 0
    for part in str(text).split("\n"):
        lines += max(1, math.ceil(text_units(part) / per_line))
    return lines


def footer_text(text: str) -> str:
    """Header/footer text with ``&`` escaped (a lone ``&`` starts a footer code)."""
    return clean_text(text).replace("&", "&&")


@dataclass(frozen=True)
class Column:
    """One column of a report table: the frame column, its header, number format and width."""

    key: str
    label: str
    fmt: str | None = None  # number format for numeric cells; None = text
    width: float = 12.0
    wrap: bool = False
    centre: bool = False  # centred (ranks, codes): a right-aligned rank never runs into the next column


def is_number(value: object) -> bool:
    """A real number (not a bool)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
