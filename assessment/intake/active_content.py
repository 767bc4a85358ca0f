"""Active content in an uploaded workbook: what is refused and what is recorded (issue 15 point 6).

Only typed values are imported (cached results of formulas are read like typed values, see
:mod:`assessment.intake.xlsx_reader`); nothing in a workbook is ever run or evaluated. Two kinds of
active content are told apart:

**Refused like a VBA project** (:func:`macro_content`, called by
:mod:`assessment.intake.safety`): Excel 4.0 (XLM) macro sheets and dialog sheets, found by their
parts (``xl/macrosheets/``, ``xl/dialogsheets/``), their content types
(``application/vnd.ms-excel.macrosheet+xml``, ``...intlmacrosheet+xml``, ``...dialogsheet+xml``),
the workbook's sheet relationships of those types, and defined names that run macros
(``Auto_Open`` and its kin, or the ``xlm``/``function``/``vbProcedure`` flags).

**Recorded** (:func:`findings`): formulas (any ``<f>`` element of a sheet), DDE formulas
(``cmd|' /C calc'!A0``, ``DDE(...)``/``DDEAUTO``), ``HYPERLINK`` formulas, formulas that reach
into another workbook (``[1]Sheet!A1``), external link parts and relationships, hyperlinks to
external targets, defined names that refer outside and data connections. They are kept in the
import's audit details and listed to reviewers; what evaluators download is the values-only copy
of :mod:`assessment.intake.values_copy`, never the original.

The refusal check reads only ``[Content_Types].xml``, ``xl/workbook.xml`` and its relationships
with byte patterns (no XML parser: it runs before the DOCTYPE check). :func:`findings` runs on
bytes that passed :mod:`assessment.intake.safety`.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass

# What reading a damaged package can raise (a file that passed the safety checks rarely is one).
PACKAGE_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
)

# -- Excel 4.0 macro sheets (refused) -------------------------------------------------------------
_MACRO_PARTS = ("xl/macrosheets/", "xl/dialogsheets/")
_MACRO_TYPES = re.compile(rb"ms-excel\.(?:intl)?macrosheet\+xml|dialogsheet\+xml", re.IGNORECASE)
# relationship types .../xlMacrosheet, .../xlIntlMacrosheet, .../dialogsheet
_MACRO_REL = re.compile(rb"Type\s*=\s*[\"'][^\"']*/(?:xl(?:Intl)?Macrosheet|dialogsheet)[\"']", re.IGNORECASE)
_DEFINED_NAME = re.compile(rb"<(?:\w+:)?definedName\b([^>]*)>", re.IGNORECASE)
_NAME_ATTR = re.compile(rb"""\bname\s*=\s*["']([^"']*)["']""")
_MACRO_FLAG = re.compile(rb"""\b(?:xlm|function|vbProcedure)\s*=\s*["'](?:1|true)["']""", re.IGNORECASE)
_AUTO_NAME = re.compile(r"^(?:_xlnm\.)?auto_(?:open|close|activate|deactivate)", re.IGNORECASE)


def macro_content(zf: zipfile.ZipFile) -> str:
    """What marks ``zf`` as holding Excel 4.0 macros (a part, content type or name), or ``""``."""
    names = {i.filename.lower(): i for i in zf.infolist()}
    for low, info in names.items():
        if low.startswith(_MACRO_PARTS):
            return info.filename
    ctypes = names.get("[content_types].xml")
    if ctypes is not None and _MACRO_TYPES.search(zf.read(ctypes)):
        return "macrosheet content type"
    rels = names.get("xl/_rels/workbook.xml.rels")
    if rels is not None and _MACRO_REL.search(zf.read(rels)):
        return "macrosheet relationship"
    workbook = names.get("xl/workbook.xml")
    if workbook is not None:
        for m in _DEFINED_NAME.finditer(zf.read(workbook)):
            attrs = m.group(1)
            name = _NAME_ATTR.search(attrs)
            text = name.group(1).decode("utf-8", "replace") if name else ""
            if _MACRO_FLAG.search(attrs) or _AUTO_NAME.match(text):
                return f"defined name {text}"[:100]
    return ""


# -- recorded findings --------------------------------------------------------------------------------
KINDS = (
    "formula",
    "dde",
    "hyperlink_formula",
    "external_reference",
    "external_link",
    "hyperlink",
    "defined_name",
    "connection",
)
MAX_FINDINGS = 50  # listed one by one in the audit details; the counts cover all
MAX_DETAIL = 200

_NS_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_REF = re.compile(rb"""\br\s*=\s*["']([^"']*)["']""")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*?)/?>", re.S)
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_SHEET = re.compile(rb"<(?:\w+:)?sheet\b([^>]*?)/?>", re.S)
_HYPERLINK = re.compile(rb"<(?:\w+:)?hyperlink\b([^>]*?)/?>", re.S)
_DEFINED = re.compile(rb"<(?:\w+:)?definedName\b([^>]*)>(.*?)</(?:\w+:)?definedName>", re.S)
_DDE = re.compile(r"\|[^!]*!|\bDDE(?:AUTO)?\s*\(", re.IGNORECASE)
_HYPERLINK_FN = re.compile(r"\bHYPERLINK\s*\(", re.IGNORECASE)
_EXTERNAL = re.compile(r"\[[^\]]+\]|\b(?:https?|file|ftp)://", re.IGNORECASE)
_QUOTED_SHEET = re.compile(r"'(?:[^']|'')*'")
_PLAIN_REFERENCE = re.compile(r"^[A-Za-z0-9_.$:!,# ]*$")


@dataclass(frozen=True)
class Finding:
    """One piece of active content: its kind (:data:`KINDS`), where (sheet and cell; part name for
    workbook-level items) and what (the formula or target, shortened)."""

    kind: str
    sheet: str
    cell: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def attributes(raw: bytes) -> dict[str, str]:
    """The attributes of a start tag's attribute text, by name (namespace prefix kept)."""
    return {k.decode(): html.unescape((a or b).decode("utf-8", "replace")) for k, a, b in _ATTR.findall(raw)}


def formula_kind(text: str) -> str:
    """How dangerous a formula's text is: ``dde``, ``hyperlink_formula``, ``external_reference`` or
    ``formula``.

    >>> formula_kind("cmd|' /C calc'!A0"), formula_kind('HYPERLINK("http://x")'), formula_kind("SUM(A1:A3)")
    ('dde', 'hyperlink_formula', 'formula')
    >>> formula_kind("[1]Sheet1!A1")
    'external_reference'
    """
    if _DDE.search(text):
        return "dde"
    if _HYPERLINK_FN.search(text):
        return "hyperlink_formula"
    if _EXTERNAL.search(text):
        return "external_reference"
    return "formula"


def is_plain_reference(text: str) -> bool:
    """True for a defined name's text that only points into this workbook (``'数据'!$A$1:$B$3``).

    >>> is_plain_reference("'数据 (2024)'!$A$1:$B$3"), is_plain_reference("[1]Sheet1!$A$1")
    (True, False)
    >>> is_plain_reference('HYPERLINK("http://x")'), is_plain_reference("cmd|'/c calc'!A0")
    (False, False)
    """
    return bool(_PLAIN_REFERENCE.match(_QUOTED_SHEET.sub("S", text.strip().lstrip("="))))


def rel_target(rels_part: str, target: str) -> str:
    """The zip path of a relationship's internal target, relative to the part its rels belong to."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    base = posixpath.dirname(posixpath.dirname(rels_part))  # xl/_rels/workbook.xml.rels -> xl
    return posixpath.normpath(posixpath.join(base, target))


def relationships(zf: zipfile.ZipFile, rels_part: str) -> list[dict[str, str]]:
    """The relationships of one ``.rels`` part (``[]`` when it is missing)."""
    try:
        xml = zf.read(rels_part)
    except KeyError:
        return []
    return [attributes(m.group(1)) for m in _RELATIONSHIP.finditer(xml)]


def rels_of(part: str) -> str:
    """The ``.rels`` part of ``part`` (of ``xl/a/s.xml``: ``xl/a/_rels/s.xml.rels``)."""
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, zip path) of every sheet of the workbook, in workbook order."""
    targets = {
        r.get("Id", ""): rel_target("xl/_rels/workbook.xml.rels", r.get("Target", ""))
        for r in relationships(zf, "xl/_rels/workbook.xml.rels")
        if r.get("TargetMode", "") != "External"
    }
    out = []
    for m in _SHEET.finditer(zf.read("xl/workbook.xml")):
        attrs = attributes(m.group(1))
        rid = next((v for k, v in attrs.items() if k.endswith(":id") or k == "id"), "")
        if rid in targets:
            out.append((attrs.get("name", ""), targets[rid]))
    return out


def _short(text: str) -> str:
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"


_CELL_START = re.compile(rb"<(?:\w+:)?c[\s>]")
_CELL_END = re.compile(rb"</(?:\w+:)?c>")


def formula_cells(xml: bytes) -> Iterator[tuple[int, int, int]]:
    """(cell start, formula start, cell end) of every cell of a sheet's XML holding a formula, in
    order. Only the formulas are visited (a formula is a cell's first child, so the tag just before
    it opens the cell): a 500,000-cell sheet with a handful of formulas costs one scan."""
    end = 0
    for m in _HAS_FORMULA.finditer(xml):
        pos = m.start()
        if pos < end:
            continue
        start = xml.rfind(b"<", end, pos)
        if start < 0 or not _CELL_START.match(xml, start):
            continue  # a formula outside a cell (an extension list's): not a cell's
        close = _CELL_END.search(xml, pos)
        if close is None:
            return
        end = close.end()
        yield start, pos, end


def _cell_findings(xml: bytes, sheet: str) -> list[Finding]:
    out: list[Finding] = []
    for start, pos, _ in formula_cells(xml):
        ref = _REF.search(xml, start, pos)
        f = _FORMULA.match(xml, pos)
        text = html.unescape((f.group(1) or b"").decode("utf-8", "replace")) if f else ""
        out.append(Finding(formula_kind(text), sheet, ref.group(1).decode() if ref else "", _short(text)))
    return out


def _sheet_findings(zf: zipfile.ZipFile, sheet: str, part: str) -> list[Finding]:
    out: list[Finding] = []
    external = {
        r.get("Id", ""): r.get("Target", "")
        for r in relationships(zf, rels_of(part))
        if r.get("TargetMode", "") == "External"
    }
    if not contains_any(zf, part, (b"f>", b"<hyperlink", b":hyperlink", b"f/>")):
        return out
    xml = zf.read(part)
    if _HAS_FORMULA.search(xml):
        out += _cell_findings(xml, sheet)
    for m in _HYPERLINK.finditer(xml):
        attrs = attributes(m.group(1))
        rid = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        if rid in external:
            out.append(Finding("hyperlink", sheet, attrs.get("ref", ""), _short(external[rid])))
    return out


def contains_any(zf: zipfile.ZipFile, part: str, markers: tuple[bytes, ...], chunk: int = 4 << 20) -> bool:
    """Whether any marker occurs in a zip member, streamed (memory stays one chunk)."""
    overlap = max(len(m) for m in markers) - 1
    tail = b""
    with zf.open(part) as fh:
        while block := fh.read(chunk):
            window = tail + block
            if any(m in window for m in markers):
                return True
            tail = window[-overlap:]
    return False


def _workbook_findings(zf: zipfile.ZipFile) -> list[Finding]:
    out: list[Finding] = []
    names = zf.namelist()
    for rel in relationships(zf, "xl/_rels/workbook.xml.rels"):
        kind = rel.get("Type", "").rsplit("/", 1)[-1]
        if kind == "externalLink":
            out.append(Finding("external_link", "", "", _short(rel.get("Target", ""))))
        elif kind == "connections":
            out.append(Finding("connection", "", "", _short(rel.get("Target", ""))))
    for name in names:
        if name.startswith("xl/externalLinks/") and name.endswith(".xml"):
            for rel in relationships(zf, rels_of(name)):
                out.append(Finding("external_link", "", name, _short(rel.get("Target", ""))))
    for m in _DEFINED.finditer(zf.read("xl/workbook.xml")):
        text = html.unescape(m.group(2).decode("utf-8", "replace"))
        if not is_plain_reference(text):
            name = attributes(m.group(1)).get("name", "")
            out.append(Finding("defined_name", "", name, _short(text)))
    return out


def findings(data: bytes) -> list[Finding]:
    """The active content of an .xlsx (``[]`` for anything else): every formula cell, external
    link, external hyperlink, defined name pointing outside and data connection, in sheet order.
    Never runs or evaluates anything; never raises on a damaged file (it finds nothing there)."""
    if not data.startswith(b"PK"):
        return []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            out = _workbook_findings(zf)
            for sheet, part in sheet_parts(zf):
                if part in zf.namelist():
                    out += _sheet_findings(zf, sheet, part)
            return out
    except PACKAGE_ERRORS:
        return []


def summary(found: list[Finding]) -> dict[str, object]:
    """The findings as the import's audit details hold them: counts by kind, the first
    :data:`MAX_FINDINGS` one by one."""
    counts: dict[str, int] = {}
    for f in found:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    return {"counts": counts, "items": [f.as_dict() for f in found[:MAX_FINDINGS]]}
