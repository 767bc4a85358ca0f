"""Small helpers for every workbook we write with openpyxl: safe text and reproducible bytes.

**Formula injection** (platform notes 3.4, OWASP CSV injection): openpyxl turns any string that
starts with ``=`` into a live formula. :func:`put_text` writes user text as a plain string and,
when it starts with ``= + - @``, TAB or CR, also sets the cell's ``quotePrefix`` style (the
xlsx equivalent of typing a leading apostrophe), so Excel and LibreOffice keep showing it as text
even after the cell is edited. The text itself is not changed.

**Reproducible files**: openpyxl stamps the save time into ``docProps/core.xml`` and into every
zip entry. :func:`workbook_bytes` with ``fixed_time`` rewrites both, so the same workbook gives
byte-identical files (the committed sample reports).
"""

from __future__ import annotations

import io
import math
import numbers
import re
import zipfile
from datetime import datetime

from openpyxl.cell.cell import Cell
from openpyxl.workbook import Workbook

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def is_dangerous(text: str) -> bool:
    """True when a spreadsheet application could run ``text`` as a formula."""
    return text.startswith(DANGEROUS_PREFIXES)


def put_text(cell: Cell, text: str) -> Cell:
    """Write ``text`` into ``cell`` as a string that can never become a formula."""
    cell.value = text
    if text and is_dangerous(text):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def put_value(cell: Cell, value: object) -> Cell:
    """Write a number as a number and anything else as safe text (None and NaN leave the cell
    empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        cell.value = None
        return cell
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        # numpy scalars too; only integers are written as int (a float32 1.5 stays 1.5)
        cell.value = int(value) if isinstance(value, numbers.Integral) else float(value)
        return cell
    return put_text(cell, str(value))


def _normalise_zip(data: bytes, when: datetime) -> bytes:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = _CORE_TIME.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            fixed = zipfile.ZipInfo(info.filename, date_time=date_time)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, body)
    return out.getvalue()


def workbook_bytes(wb: Workbook, fixed_time: datetime | None = None) -> bytes:
    """The workbook as .xlsx bytes; with ``fixed_time`` every timestamp inside is that time."""
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    return _normalise_zip(data, fixed_time) if fixed_time is not None else data
