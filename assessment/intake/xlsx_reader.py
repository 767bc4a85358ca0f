"""Read the cells of an .xlsx upload fast (python-calamine) plus the little cell metadata we need.

Calamine gives values (cached results for formulas, blank when a formula has no saved result) but
neither formulas nor number formats, so one light pass over the sheet's XML finds the two things
that change the meaning of a value:

- a formula cell without a cached result (files written by programs): reported, not read as blank;
- a number shown with a percent format (Excel stores a typed ``95%`` as 0.95): read as 95, which is
  what the official saw.

The pass runs only when the sheet holds a formula or uses a percent style, so a plain 500,000-row
batch costs nothing extra. Bytes given here have passed :mod:`assessment.intake.safety`.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import defusedxml.ElementTree as SafeET
import python_calamine as pc

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_ATTR = re.compile(rb'\b([rst])="([^"]*)"')
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_BUILTIN_PERCENT = {9, 10}
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


@dataclass(frozen=True)
class CellFlags:
    """Cells (``"J12"``) holding a formula without a saved result, numbers shown as percent, and
    whether any cell is a TRUE/FALSE (which must not be read as 1/0)."""

    formula_no_value: frozenset[str] = field(default_factory=frozenset)
    percent: frozenset[str] = field(default_factory=frozenset)
    has_bools: bool = False  # the sheet holds TRUE/FALSE cells


@dataclass(frozen=True)
class SheetInfo:
    name: str
    visible: bool


def open_workbook(data: bytes) -> pc.CalamineWorkbook:
    """A calamine workbook over the bytes (raises calamine errors on damaged files)."""
    return pc.CalamineWorkbook.from_filelike(io.BytesIO(data))


def sheets(wb: pc.CalamineWorkbook) -> list[SheetInfo]:
    """Every sheet, hidden ones included, in workbook order."""
    return [SheetInfo(m.name, m.visible == pc.SheetVisibleEnum.Visible) for m in wb.sheets_metadata]


def read_grid(wb: pc.CalamineWorkbook, name: str) -> list[list[Any]]:
    """All rows of a sheet from A1 (row i of the list is spreadsheet row i + 1)."""
    return wb.get_sheet_by_name(name).to_python(skip_empty_area=False)


def _sheet_part(zf: zipfile.ZipFile, sheet_name: str) -> str | None:
    """Zip path of the XML part of ``sheet_name`` (via workbook.xml and its relationships)."""
    wb_xml = SafeET.fromstring(zf.read("xl/workbook.xml"))
    rel_id = None
    for el in wb_xml.iter(f"{_NS_MAIN}sheet"):
        if el.get("name") == sheet_name:
            rel_id = el.get(f"{_NS_REL}id")
    if rel_id is None:
        return None
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for el in rels.iter(f"{_NS_PKG}Relationship"):
        if el.get("Id") == rel_id:
            target = el.get("Target", "")
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


def percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """Indices of cell styles (``s="N"``) whose number format shows a percent sign."""
    try:
        root = SafeET.fromstring(zf.read("xl/styles.xml"))
    except KeyError:
        return set()
    custom = {}
    for el in root.iter(f"{_NS_MAIN}numFmt"):
        code = _QUOTED.sub("", el.get("formatCode", ""))
        custom[int(el.get("numFmtId", "0"))] = "%" in code
    out: set[int] = set()
    xfs = root.find(f"{_NS_MAIN}cellXfs")
    if xfs is None:
        return out
    for idx, xf in enumerate(xfs.findall(f"{_NS_MAIN}xf")):
        fmt = int(xf.get("numFmtId", "0"))
        if fmt in _BUILTIN_PERCENT or custom.get(fmt, False):
            out.add(idx)
    return out


def scan_cells(xml: bytes, percent_styles: set[int]) -> CellFlags:
    """Find formula cells without a cached result and numeric cells with a percent style."""
    has_formula = _HAS_FORMULA.search(xml) is not None
    pct_pattern = None
    if percent_styles:
        alternation = b"|".join(str(i).encode() for i in sorted(percent_styles))
        pct_pattern = re.compile(rb'\bs="(?:' + alternation + rb')"')
        if not pct_pattern.search(xml):
            pct_pattern = None
    if not has_formula and pct_pattern is None:
        return CellFlags()
    formulas: set[str] = set()
    percent: set[str] = set()
    pct_ids = {str(i).encode() for i in percent_styles}
    for m in _CELL.finditer(xml):
        attrs = dict(_ATTR.findall(m.group(1)))
        ref = attrs.get(b"r")
        if ref is None:
            continue
        body = m.group(2) or b""
        cell_type = attrs.get(b"t", b"n")
        if has_formula and _HAS_FORMULA.search(body) and cell_type not in (b"str", b"e", b"s", b"inlineStr"):
            v = _VALUE.search(body)
            if v is None or not v.group(1).strip():
                formulas.add(ref.decode())
        if pct_pattern is not None and attrs.get(b"s") in pct_ids and cell_type == b"n":
            percent.add(ref.decode())
    return CellFlags(frozenset(formulas), frozenset(percent))


def _markers_found(zf: zipfile.ZipFile, part: str, markers: list[bytes], chunk: int = 4 << 20) -> set[bytes]:
    """Stream a zip member (memory stays one chunk) and return which markers occur in it."""
    overlap = max(len(m) for m in markers) - 1
    found: set[bytes] = set()
    tail = b""
    with zf.open(part) as fh:
        while block := fh.read(chunk):
            window = tail + block
            found.update(m for m in markers if m not in found and m in window)
            if len(found) == len(markers):
                break
            tail = window[-overlap:]
    return found


# Every formula group has a closing tag </f> (or </x:f>), shared ones too: "f>" finds them all in
# one pass; a rare false hit only costs the cell-by-cell scan.
_FORMULA_MARKERS = [b"f>"]
_BOOL_MARKER = b't="b"'
_STYLED = b' s="'  # a percent style marker ' s="N"' holds it


def cell_flags(
    data: bytes, sheet_name: str, markers: Mapping[str, frozenset[bytes]] | None = None
) -> CellFlags:
    """:class:`CellFlags` of one sheet of an xlsx (empty when the part cannot be located).

    The sheet XML is first streamed looking for a formula tag, a percent style or a TRUE/FALSE
    cell; only a sheet with a formula or a percent style is read whole and scanned cell by cell.
    ``markers``: per worksheet part, the :data:`~assessment.intake.safety.CELL_MARKERS` the safety
    scan found in it; a part they show to hold no formula and no percent style is not streamed."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        part = _sheet_part(zf, sheet_name)
        if part is None or part not in zf.namelist():
            return CellFlags()
        pct = percent_styles(zf)
        pct_markers = [f' s="{i}"'.encode() for i in sorted(pct)]
        known = (markers or {}).get(part)
        if (
            known is not None
            and not (set(_FORMULA_MARKERS) & known)
            and not (pct_markers and _STYLED in known)
        ):
            return CellFlags(has_bools=_BOOL_MARKER in known)
        found = _markers_found(zf, part, [*_FORMULA_MARKERS, _BOOL_MARKER, *pct_markers])
        has_bools = _BOOL_MARKER in found
        if not found - {_BOOL_MARKER}:
            return CellFlags(has_bools=has_bools)
        flags = scan_cells(zf.read(part), pct)
        return CellFlags(flags.formula_no_value, flags.percent, has_bools)
