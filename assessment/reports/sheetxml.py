"""Cell XML for the report sheets, generated column by column, and its splice into the saved file.

openpyxl builds the workbook (sheets, widths, frozen panes, conditional formatting, print setup,
styles) but writing millions of cells through its cell objects is slow: a national data sheet
(2,850 counties x 115 indicators) took minutes. So the rows of every report sheet are written here
as SpreadsheetML text, the form openpyxl's own write-only mode produces (numbers as ``<v>``, text
as inline strings), vectorised over whole columns, into a temporary file per sheet; after openpyxl
has saved the workbook, :func:`splice` puts each sheet's rows into its ``<sheetData>``.

Style ids come from openpyxl (``cell.style_id`` registers a cell's style in the workbook), so the
styles part stays openpyxl's. Text is escaped here; characters XML cannot carry were removed
before (:func:`assessment.reports.workbook.clean_text`).
"""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Mapping
from datetime import date, datetime
from typing import IO
from xml.etree import ElementTree

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel

from assessment.domain.timefmt import BEIJING, to_beijing

__all__ = [
    "cell_xml",
    "clean_column",
    "column_xml",
    "dangerous_rows",
    "escape",
    "is_datetime",
    "is_text",
    "row_xml",
    "rows_xml",
    "splice",
]

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
_SHEET_DATA = re.compile(rb"<sheetData\s*/>|<sheetData>.*?</sheetData>", re.DOTALL)
_TEXT_OPEN = ' t="inlineStr"><is><t xml:space="preserve">'
_TEXT_OPEN_PLAIN = ' t="inlineStr"><is><t>'
_TEXT_CLOSE = "</t></is></c>"


def escape(text: str) -> str:
    """XML text escaping (& < >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _number(value: float | np.integer | np.floating) -> str:
    return str(int(value)) if isinstance(value, int | np.integer) else repr(float(value))


def cell_xml(col: int, row: int, value: object, style_id: int = 0) -> str:
    """One cell: a number, a boolean, a date (as a serial number) or text; "" when empty and plain."""
    ref = f"{get_column_letter(col)}{row}"
    s = f' s="{style_id}"' if style_id else ""
    if value is None or (isinstance(value, float | np.floating) and not np.isfinite(value)):
        return f'<c r="{ref}"{s}/>' if style_id else ""
    if value is pd.NA or value is pd.NaT or value == "":
        return f'<c r="{ref}"{s}/>' if style_id else ""
    if isinstance(value, bool | np.bool_):
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | np.integer | np.floating):
        return f'<c r="{ref}"{s}><v>{_number(value)}</v></c>'
    if isinstance(value, datetime | date):
        if isinstance(value, datetime):  # stored in UTC (naive = UTC), shown in Beijing time
            value = to_beijing(value).replace(tzinfo=None)
        return f'<c r="{ref}"{s}><v>{_number(to_excel(value))}</v></c>'
    return f'<c r="{ref}"{s}{_TEXT_OPEN}{escape(str(value))}{_TEXT_CLOSE}'


def row_xml(row: int, cells: str, height: float | None = None) -> str:
    """One ``<row>`` element around already encoded cells."""
    ht = f' ht="{height:g}" customHeight="1"' if height else ""
    return f'<row r="{row}"{ht}>{cells}</row>'


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _flat(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous array (pandas' Arrow-backed strings may come in chunks)."""
    if isinstance(arr, pa.ChunkedArray):
        return arr.combine_chunks() if arr.num_chunks else pa.array([], arr.type)
    return arr


def _serial(values: pd.Series) -> pd.Series:
    """Datetimes (naive = UTC) as Excel serial day numbers of their Beijing time: every time a
    report shows is Beijing time, and its column header names the zone."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize("UTC")
    values = values.dt.tz_convert(BEIJING).dt.tz_localize(None)
    return (values - _EXCEL_EPOCH) / pd.Timedelta(days=1)


def column_xml(
    values: pd.Series,
    col: int,
    rows: pa.Array,
    *,
    number_style: int,
    text_style: int,
    quoted_style: int,
    dangerous: np.ndarray | None = None,
) -> pa.Array:
    """The cells of one column for the given row numbers (a string array; "" where empty).

    Numeric columns become numbers with ``number_style`` (shortest round-trip text, so the stored
    number is exactly the computed one); datetimes become serial numbers; every other column
    becomes text with ``text_style``, or ``quoted_style`` where ``dangerous`` is True.
    Vectorised with Arrow compute: a national data sheet is millions of cells.
    """
    prefix = f'<c r="{get_column_letter(col)}'
    dtype = values.dtype
    if isinstance(dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(dtype):
        values = _serial(values)
        dtype = values.dtype
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        arr = values.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(arr)
        if pd.api.types.is_integer_dtype(dtype):
            numbers = pa.array(np.where(finite, arr, 0).astype(np.int64), mask=~finite)
        else:
            numbers = pa.array(arr, mask=~finite)
        text = pc.cast(numbers, pa.string())
        cells = pc.binary_join_element_wise(prefix, rows, f'" s="{number_style}"><v>', text, "</v></c>", "")
        return _empty_cells(cells, prefix, rows, number_style)
    strings = _flat(pa.array(values.astype("string"), type=pa.string()))
    strings = pc.if_else(pc.equal(strings, ""), pa.scalar(None, pa.string()), strings)
    escaped = pc.replace_substring(strings, "&", "&amp;")
    escaped = pc.replace_substring(pc.replace_substring(escaped, "<", "&lt;"), ">", "&gt;")
    if dangerous is not None and dangerous.any():
        styles = pa.array(np.where(dangerous, str(quoted_style), str(text_style)).astype(object), pa.string())
    else:
        styles = pa.array(np.full(len(values), str(text_style), dtype=object), pa.string())
    # xml:space="preserve" only where leading or trailing white space would otherwise be lost
    spaced = pc.fill_null(pc.match_substring_regex(escaped, r"^\s|\s$"), False)
    opens = pc.if_else(spaced, '"' + _TEXT_OPEN, '"' + _TEXT_OPEN_PLAIN)
    cells = pc.binary_join_element_wise(prefix, rows, '" s="', styles, opens, escaped, _TEXT_CLOSE, "")
    return _empty_cells(cells, prefix, rows, text_style)


def _empty_cells(cells: pa.Array, prefix: str, rows: pa.Array, style: int) -> pa.Array:
    """``cells`` with its missing values written as empty cells of ``style`` (a table cell keeps
    its border when it has nothing in it), or left out when the style is the default."""
    if not style or not cells.null_count:
        return pc.fill_null(cells, "")
    empty = pc.binary_join_element_wise(prefix, rows, f'" s="{style}"/>', "")
    return pc.if_else(pc.is_null(cells), empty, cells)


def rows_xml(rows: pa.Array, cells: list[pa.Array], heights: np.ndarray | None = None) -> bytes:
    """``<row>`` elements around the cells of each row, as one UTF-8 byte string (zero copies);
    ``heights``: a row height in points per row (0 = the default height)."""
    opens: pa.Array | str = '">'
    if heights is not None and (heights > 0).any():
        text = pa.array(np.char.mod('" ht="%g" customHeight="1">', heights).astype(object), pa.string())
        opens = pc.if_else(pa.array(heights > 0), text, pa.scalar('">'))
    joined = _flat(pc.binary_join_element_wise('<row r="', rows, opens, *cells, "</row>", ""))
    joined = pa.concat_arrays([joined]) if joined.offset else joined
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int32)[: len(joined) + 1]
    return joined.buffers()[2].to_pybytes()[offsets[0] : offsets[-1]]


def _sheet_parts(src: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip part name, from the workbook part and its relationships."""
    book = ElementTree.fromstring(src.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(src.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", _NS)}
    out = {}
    for sheet in book.findall("m:sheets/m:sheet", _NS):
        target = targets[sheet.get(f"{{{_NS['r']}}}id")]
        out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return out


def splice(saved: bytes, bodies: Mapping[str, IO[bytes]]) -> bytes:
    """``saved`` (an openpyxl .xlsx) with each named sheet's ``<sheetData>`` filled from its body."""
    out = io.BytesIO()
    # level 3: a national data sheet (~250 MB of XML) deflates twice as fast as at the default 6,
    # for a file about 10% larger
    with (
        zipfile.ZipFile(io.BytesIO(saved)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as dst,
    ):
        parts = {part: bodies[name] for name, part in _sheet_parts(src).items() if name in bodies}
        for info in src.infolist():
            data = src.read(info)
            body = parts.get(info.filename)
            if body is None:
                dst.writestr(info.filename, data)
                continue
            match = _SHEET_DATA.search(data)
            if match is None:  # pragma: no cover - openpyxl always writes sheetData
                raise ValueError(f"{info.filename} has no sheetData")
            with dst.open(info.filename, "w") as fh:
                fh.write(data[: match.start()])
                fh.write(b"<sheetData>")
                body.seek(0)
                shutil.copyfileobj(body, fh, 1 << 20)
                fh.write(b"</sheetData>")
                fh.write(data[match.end() :])
    return out.getvalue()


# -- column checks ---------------------------------------------------------------------------------
_ILLEGAL = ILLEGAL_CHARACTERS_RE.pattern
_DANGER = r"^[=+\-@\t\r]"


def is_datetime(series: pd.Series) -> bool:
    """A datetime column (zoned or not)."""
    return isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series.dtype)


def is_text(series: pd.Series) -> bool:
    """A column written as text (anything not numeric or datetime; booleans too)."""
    dtype = series.dtype
    numeric = pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    return not (numeric or is_datetime(series))


def clean_column(series: pd.Series) -> pd.Series:
    """A text column without the characters XML cannot carry (other columns unchanged)."""
    if not is_text(series):
        return series
    text = series.astype("string")
    if text.str.contains(_ILLEGAL, regex=True).fillna(False).any():
        text = text.str.replace(_ILLEGAL, "", regex=True)
    return text


def dangerous_rows(series: pd.Series) -> np.ndarray | None:
    """Where a (cleaned) text column begins with = + - @, TAB or CR (None for other columns)."""
    if not is_text(series):
        return None
    return series.astype("string").str.contains(_DANGER, regex=True).fillna(False).to_numpy(dtype=bool)
