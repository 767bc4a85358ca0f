"""The values-only copy of an upload: what evaluators and officials download (issue 15 point 6).

The stored original is kept byte for byte for the audit and only administrators may download it
(:meth:`assessment.store.Store.original_file`). Everyone else gets :func:`values_only_copy`:

**.xlsx** (the package XML rewritten, so values, styles, column widths, merged cells, hidden
sheets, comments and the template's metadata stay exactly as uploaded):

- every formula cell becomes its cached value: numbers stay numbers (the ``<v>`` text is copied
  unchanged), a text result becomes an inline string, a cached error stays an error, a formula
  without a cached value becomes an empty cell (keeping its style);
- removed: external link parts and every external relationship (hyperlinks to any target,
  ``javascript:``/``file:`` included, linked pictures, OLE links), the calculation chain, data
  connections and query tables, pivot tables and caches, slicers, embedded and ActiveX objects,
  drawings and charts (a chart's series are formulas), the ribbon customisation, VBA and Excel 4.0
  macro parts; in sheets the hyperlinks, conditional formats and data validations (they hold
  formulas), OLE objects and controls and the extension lists; in the workbook the external
  references, pivot caches, extension lists and defined names that are not plain references into
  the workbook; in table parts the calculated-column and totals formulas; in VML comment shapes
  the macro and link formulas (``x:FmlaMacro``...).

**.csv** (or any text): a CSV cannot hold a live formula, but a field starting with ``=``, ``+``,
``-``, ``@``, TAB or CR is run as one when the file is opened in a spreadsheet (CSV injection):
such fields get a leading apostrophe, except plain numbers such as ``-3.5``. The copy is UTF-8
with a byte-order mark and the file's own separator.

Never runs or evaluates anything. Bytes given here passed :mod:`assessment.intake.safety` when they
were imported.
"""

from __future__ import annotations

import csv
import html
import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from functools import partial

from assessment.intake.active_content import (
    PACKAGE_ERRORS,
    attributes,
    contains_any,
    formula_cells,
    is_plain_reference,
    rel_target,
)
from assessment.intake.upload_tables import decode_csv
from assessment.intake.xlsx_write import is_dangerous

# Parts that are dropped whole (prefixes of lower-case zip paths).
DROPPED_PREFIXES = (
    "xl/externallinks/",
    "xl/calcchain.xml",
    "xl/connections.xml",
    "xl/querytables/",
    "xl/pivottables/",
    "xl/pivotcache/",
    "xl/slicers/",
    "xl/slicercaches/",
    "xl/timelines/",
    "xl/timelinecaches/",
    "xl/model/",
    "xl/embeddings/",
    "xl/activex/",
    "xl/ctrlprops/",
    "xl/drawings/drawing",  # DrawingML (shapes, charts, pictures with links); VML comments stay
    "xl/drawings/_rels/drawing",
    "xl/charts/",
    "xl/chartsheets/",
    "xl/macrosheets/",
    "xl/dialogsheets/",
    "xl/vbaproject.bin",
    "xl/vbadata.xml",
    "customui/",
)

_CELL = re.compile(rb"<((?:\w+:)?)c\b([^>]*?)(/>|>(.*?)</(?:\w+:)?c>)", re.S)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>.*?</(?:\w+:)?f>)", re.S)
_VALUE = re.compile(rb"<((?:\w+:)?)v>(.*?)</(?:\w+:)?v>", re.S)
_TYPE = re.compile(rb"""\s+t\s*=\s*["']([^"']*)["']""")
_CM = re.compile(rb"""\s+cm\s*=\s*["'][^"']*["']""")  # a dynamic array formula's metadata


def _block(tag: str) -> re.Pattern[bytes]:
    """An element (any namespace prefix), self-closing or with content, non-greedy."""
    t = tag.encode()
    return re.compile(rb"<((?:\w+:)?)" + t + rb"\b[^>]*?(?:/>|>.*?</\1" + t + rb">)", re.S)


_SHEET_BLOCKS = [
    (t.encode(), _block(t))
    for t in (
        "hyperlinks",
        "conditionalFormatting",
        "dataValidations",
        "oleObjects",
        "controls",
        "AlternateContent",
        "extLst",
        "drawing",
        "picture",
    )
]
_WORKBOOK_BLOCKS = [_block(t) for t in ("externalReferences", "pivotCaches", "extLst", "fileRecoveryPr")]
_TABLE_BLOCKS = [_block(t) for t in ("calculatedColumnFormula", "totalsRowFormula", "extLst")]
_DRAWING_FORMULA = re.compile(rb"<(x:Fmla\w*|x:TextVLink|x:ClientData)\b[^>]*?(?:/>|>.*?</\1>)", re.S)
_VML_LINK = re.compile(rb"""\s(?:href|o:href|macro)\s*=\s*["'][^"']*["']""")
_DEFINED = re.compile(rb"<((?:\w+:)?)definedName\b([^>]*)>(.*?)</\1definedName>", re.S)
_EMPTY_NAMES = re.compile(rb"<((?:\w+:)?)definedNames\b[^>]*>\s*</\1definedNames>", re.S)
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)(?:/>|>\s*</(?:\w+:)?Relationship>)", re.S)
_OVERRIDE = re.compile(rb"<(?:\w+:)?Override\b([^>]*?)(?:/>|>\s*</(?:\w+:)?Override>)", re.S)
_REL_ID = re.compile(rb"""\br:id\s*=\s*["']([^"']*)["']""")
# sheet-level markers that make a sheet worth rewriting (else it is copied as it is, streamed)
_SHEET_MARKERS = (
    b"f>",
    b"f/>",
    b"<hyperlinks",
    b"conditionalFormatting",
    b"dataValidations",
    b"oleObjects",
    b"<controls",
    b"AlternateContent",
    b"extLst",
    b"<drawing",
    b"<picture",
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?$")


def _dropped(name: str) -> bool:
    return name.lower().startswith(DROPPED_PREFIXES)


def _clean_cell(m: re.Match[bytes]) -> bytes:
    prefix, attrs, body = m.group(1), m.group(2), m.group(4)
    if body is None or not _FORMULA.search(body):
        return m.group(0)
    attrs = _CM.sub(b"", attrs)
    body = _FORMULA.sub(b"", body)
    t = _TYPE.search(attrs)
    cell_type = t.group(1) if t else b"n"
    value = _VALUE.search(body)
    if value is None or (cell_type != b"str" and not value.group(2).strip()):
        return b"<" + prefix + b"c" + _TYPE.sub(b"", attrs) + b"/>"  # no cached value: an empty cell
    if cell_type == b"str":  # a text result: an inline string (t="str" means a formula's result)
        attrs = _TYPE.sub(b' t="inlineStr"', attrs)
        vp = value.group(1)
        text = b"<" + vp + b't xml:space="preserve">' + value.group(2) + b"</" + vp + b"t>"
        inline = b"<" + vp + b"is>" + text + b"</" + vp + b"is>"
        body = body[: value.start()] + inline + body[value.end() :]
    return b"<" + prefix + b"c" + attrs + b">" + body + b"</" + prefix + b"c>"


def _strip_dead_ids(xml: bytes, dead: AbstractSet[bytes]) -> bytes:
    """Remove self-closing elements that point at a removed relationship (``<x r:id="rId3"/>``)."""
    if not dead or b":id" not in xml:
        return xml

    def keep(m: re.Match[bytes]) -> bytes:
        rid = _REL_ID.search(m.group(0))
        return b"" if rid and rid.group(1) in dead else m.group(0)

    return re.sub(rb"<[\w:]+\b[^<>]*\br:id\s*=\s*[\"'][^\"']*[\"'][^<>]*/>", keep, xml)


def clean_sheet(xml: bytes, dead: AbstractSet[bytes] = frozenset()) -> bytes:
    """A worksheet's XML with every formula replaced by its cached value and the active parts gone."""
    for word, pattern in _SHEET_BLOCKS:
        if word in xml:  # a plain search first: the pattern is slow over a large sheet
            xml = pattern.sub(b"", xml)
    parts: list[bytes] = []
    last = 0
    for start, _, end in formula_cells(xml):  # only the cells holding a formula are rewritten
        cell = _CELL.fullmatch(xml, start, end)
        if cell is not None:
            parts += [xml[last:start], _clean_cell(cell)]
            last = end
    if parts:
        xml = b"".join([*parts, xml[last:]])
    return _strip_dead_ids(xml, dead)


def _clean_workbook(xml: bytes, dead: AbstractSet[bytes]) -> bytes:
    for pattern in _WORKBOOK_BLOCKS:
        xml = pattern.sub(b"", xml)

    def name(m: re.Match[bytes]) -> bytes:
        text = m.group(3).decode("utf-8", "replace")
        return m.group(0) if is_plain_reference(html.unescape(text)) else b""

    xml = _DEFINED.sub(name, xml)
    xml = _EMPTY_NAMES.sub(b"", xml)
    return _strip_dead_ids(xml, dead)


def _clean_rels(xml: bytes, rels_part: str, names: AbstractSet[str]) -> tuple[bytes, set[bytes]]:
    """A ``.rels`` part without external relationships and relationships to dropped or missing
    parts; and the ids it removed."""
    dead: set[bytes] = set()

    def keep(m: re.Match[bytes]) -> bytes:
        attrs = attributes(m.group(1))
        target = attrs.get("Target", "")
        external = attrs.get("TargetMode", "") == "External"
        if rels_part == "_rels/.rels":
            path = posixpath.normpath(target.lstrip("/"))
        else:
            path = rel_target(rels_part, target)
        if external or _dropped(path) or path.lower() not in names:
            dead.add(attrs.get("Id", "").encode())
            return b""
        return m.group(0)

    return _RELATIONSHIP.sub(keep, xml), dead


def _clean_content_types(xml: bytes, names: AbstractSet[str]) -> bytes:
    def keep(m: re.Match[bytes]) -> bytes:
        part = attributes(m.group(1)).get("PartName", "").lstrip("/").lower()
        return m.group(0) if part in names else b""

    return _OVERRIDE.sub(keep, xml)


def _clean_vml(xml: bytes) -> bytes:
    return _VML_LINK.sub(b"", _DRAWING_FORMULA.sub(b"", xml)) if b"Fmla" in xml or b"href" in xml else xml


def _needs_rewrite(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a sheet holds anything the copy must change (streamed, one chunk in memory)."""
    return contains_any(zf, info.filename, _SHEET_MARKERS)


def _copy_stream(zf: zipfile.ZipFile, info: zipfile.ZipInfo, dst: zipfile.ZipFile) -> None:
    out = zipfile.ZipInfo(info.filename, date_time=info.date_time)
    out.compress_type = zipfile.ZIP_DEFLATED
    with zf.open(info) as src, dst.open(out, "w", force_zip64=info.file_size > 1 << 30) as sink:
        while block := src.read(4 << 20):
            sink.write(block)


def xlsx_values_only(data: bytes) -> bytes:
    """The values-only copy of an .xlsx (see the module docstring)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        names = {i.filename for i in infos if not _dropped(i.filename)}
        lower = {n.lower() for n in names}
        # first the relationships: which ids die in which part
        dead_by_part: dict[str, set[bytes]] = {}
        rels_bodies: dict[str, bytes] = {}
        for info in infos:
            if info.filename in names and info.filename.endswith(".rels"):
                body, dead = _clean_rels(zf.read(info), info.filename, lower)
                rels_bodies[info.filename] = body
                owner = _owner_of(info.filename)
                dead_by_part[owner] = dead
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
            for info in infos:
                name = info.filename
                if name not in names:
                    continue
                low = name.lower()
                dead = dead_by_part.get(name, set())
                if name in rels_bodies:
                    dst.writestr(_info(info), rels_bodies[name])
                    continue
                sheet = low.startswith("xl/worksheets/") and low.endswith(".xml")
                if sheet and not dead and not _needs_rewrite(zf, info):
                    _copy_stream(zf, info, dst)  # nothing active: streamed as it is
                    continue
                transform = _transform(low, dead, lower)
                if transform is None:
                    _copy_stream(zf, info, dst)
                else:
                    dst.writestr(_info(info), transform(zf.read(info)))
        return out.getvalue()


def _transform(
    low: str, dead: AbstractSet[bytes], names: AbstractSet[str]
) -> Callable[[bytes], bytes] | None:
    """How one kept part is rewritten (None: copied as it is)."""
    if low == "[content_types].xml":
        return partial(_clean_content_types, names=names)
    if low == "xl/workbook.xml":
        return partial(_clean_workbook, dead=dead)
    if low.startswith("xl/worksheets/") and low.endswith(".xml"):
        return partial(clean_sheet, dead=dead)
    if low.startswith("xl/tables/") and low.endswith(".xml"):
        return _clean_table
    if low.endswith(".vml"):
        return _clean_vml
    if dead and low.endswith(".xml"):
        return partial(_strip_dead_ids, dead=dead)
    return None


def _clean_table(xml: bytes) -> bytes:
    for pattern in _TABLE_BLOCKS:
        xml = pattern.sub(b"", xml)
    return xml


def _owner_of(rels_part: str) -> str:
    """The part a ``.rels`` part belongs to (``""`` for the package's own ``_rels/.rels``)."""
    folder, name = posixpath.split(rels_part)
    if not folder.endswith("_rels"):
        return ""
    return posixpath.join(posixpath.dirname(folder), name[: -len(".rels")])


def _info(src: zipfile.ZipInfo) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(src.filename, date_time=src.date_time)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


# -- CSV ------------------------------------------------------------------------------------------
def neutralise(field: str) -> str:
    """A CSV field that no spreadsheet runs as a formula (a leading apostrophe when needed).

    >>> neutralise("=cmd|' /C calc'!A0"), neutralise("-3.5"), neutralise("+5"), neutralise("@SUM(A1)")
    ("'=cmd|' /C calc'!A0", '-3.5', '+5', "'@SUM(A1)")
    """
    if field and is_dangerous(field) and not _NUMBER.match(field):
        return "'" + field
    return field


def csv_values_only(data: bytes) -> bytes:
    """The neutralised copy of a CSV (UTF-8 with BOM, the file's separator kept)."""
    text = decode_csv(data)
    if text is None:
        text = data.decode("utf-8", errors="replace")
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", "\t", ";")}
    sep = max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\r\n")
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep):
        writer.writerow([neutralise(f) for f in row])
    return out.getvalue().encode("utf-8-sig")


def values_name(filename: str, xlsx: bool | None = None) -> str:
    """The file name of the values-only copy: the original's stem with ``_values`` and ``.xlsx``
    (``.csv`` for a text file; by the extension when ``xlsx`` is None).

    >>> values_name("甲县 2024.xlsx"), values_name("batch.CSV"), values_name("batch.csv", xlsx=True)
    ('甲县 2024_values.xlsx', 'batch_values.csv', 'batch_values.xlsx')
    """
    stem, ext = posixpath.splitext(filename.replace("\\", "/").rsplit("/", 1)[-1])
    if xlsx is None:
        xlsx = ext.lower() not in (".csv", ".txt")
    return f"{stem}_values{'.xlsx' if xlsx else '.csv'}"


def values_only_copy(data: bytes, filename: str) -> tuple[str, bytes]:
    """The file name (:func:`values_name`) and bytes of the values-only copy of a stored upload.

    An .xlsx package is rewritten (:func:`xlsx_values_only`); anything else is treated as the text
    it was accepted as (:func:`csv_values_only`)."""
    if data.startswith(b"PK"):
        try:
            return values_name(filename, xlsx=True), xlsx_values_only(data)
        except PACKAGE_ERRORS:
            pass  # not a readable package after all: it was accepted as text
    return values_name(filename, xlsx=False), csv_values_only(data)
