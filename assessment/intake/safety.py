"""Look at an uploaded file's container before anything parses it (DESIGN section 7).

:func:`inspect_upload` decides what the bytes are (``xlsx`` or ``csv``) and refuses, with a
Problem, files that are empty, too large, password-protected (OLE2 ``EncryptedPackage``), legacy
``.xls``, other formats (PDF, images, ODS, Word...), macro-enabled, zip bombs or XML bombs.

Zip bomb defence reads only the zip central directory: entry count, total uncompressed size,
per-entry compression ratio, encrypted entries and unsafe paths. XML bomb defence reads the prolog
of every XML part (the bytes before its root element, where a DOCTYPE must sit) and refuses any
DOCTYPE or ENTITY declaration; OOXML never needs one. Calamine refuses entity expansion and
openpyxl uses defusedxml as a second line of defence.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from assessment.domain.errors import Problem
from assessment.intake import active_content
from assessment.intake.upload_problems import make_problem

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_ENTRIES = 2_000
# Size and row limits, from what a real file needs (issue 15.3; docs/UPLOADS.md has the figures):
# - a national batch file holds every region of the country at every level (about 2,850 counties,
#   340 prefectures and 31 provinces: ~3,220 regions) x the largest edition's indicators (116 in
#   CN-2023) plus a margin of 20 local indicators: 3,220 x 136 ~ 438,000 rows and a header row.
#   With a 20 % margin, MAX_ROWS = 525,000 rows in all sheets (it also admits the 500,060-row
#   batch of whole counties issue 3 benchmarks); a template (one region, ~140 indicator rows and
#   ~10 header rows) is far below it.
# - a batch row is at most ~400 bytes of sheet XML (Excel: 8 cells with styles, row spans and
#   17-digit floats; openpyxl writes ~230), so 525,000 rows are ~210 MB; the shared strings of
#   codes and notes add a few MB. MAX_UNCOMPRESSED = 256 MiB in total (and so per part).
# The probe's hostile file (599 MB of XML, 4.9 M rows) is refused by either, before parsing.
MAX_ROWS = 525_000
MAX_UNCOMPRESSED = 256 * 1024 * 1024
DIMENSION_PEEK = 64 * 1024  # a sheet's <dimension> sits in its first bytes (after sheetPr)
MAX_RATIO = 200  # uncompressed / compressed, for entries over RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1024 * 1024
SCAN_CHUNK = 1024 * 1024  # XML parts are scanned whole for DTD declarations, a megabyte at a time
# The largest styles part parsed during the scan to learn whether it has a percent format (Excel's
# own stay under a few hundred KB); a larger one is only parsed after the scan, as it always was.
STYLES_PEEK = 1024 * 1024
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_MAGIC_NAMES = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF8", "GIF image"),
    (b"Rar!", "RAR archive"),
    (b"7z\xbc\xaf", "7z archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"{\\rtf", "RTF document"),
)
# What zipfile raises on a damaged or exotic archive (NotImplementedError: unsupported version or
# compression method; struct.error: a truncated header; RuntimeError: an encrypted member).
ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    struct.error,
    ValueError,
    OSError,
    EOFError,
    RuntimeError,
    NotImplementedError,
    UnicodeDecodeError,
)
_DECL = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class Inspection:
    """What the bytes are (``xlsx``, ``csv`` or ``""`` when refused) and why they were refused."""

    kind: str
    problems: tuple[Problem, ...]
    # For an accepted xlsx: the row tags counted in each worksheet part, chunk by chunk, during the
    # declaration scan (which inflates every part anyway), so that :func:`count_rows` need not
    # inflate the sheets a second time. Empty when not counted.
    row_counts: tuple[tuple[str, tuple[int, ...]], ...] = ()
    # For an accepted xlsx: which of :data:`CELL_MARKERS` each worksheet part holds, found in the
    # same pass, so that :func:`assessment.intake.xlsx_reader.cell_flags` need not inflate a sheet
    # again to learn that it holds no formula, no TRUE/FALSE cell and no styled cell. The styled
    # cell marker is only looked for when the workbook's styles define a percent format (the only
    # use cell_flags has for it): without one it is never in the set, whatever the sheet holds.
    cell_markers: tuple[tuple[str, frozenset[bytes]], ...] = ()


def _refuse(code: str, filename: str, value: str = "", **fill: Any) -> Inspection:
    return Inspection("", (make_problem(code, file=filename, value=value, **fill),))


def _declares(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    rows: list[int] | None = None,
    markers: set[bytes] | None = None,
    wanted: tuple[bytes, ...] = (),
) -> bool:
    """Whether an XML part holds a DOCTYPE or ENTITY declaration anywhere (read whole, in chunks:
    a declaration after a long comment must not slip past a prefix check). Spreadsheet XML never
    contains one: text is escaped, so a literal ``<!DOCTYPE`` can only be markup. ``rows``, when
    given, receives the row tags of each chunk as :func:`count_rows` counts them; ``markers``
    the markers of ``wanted`` (:data:`CELL_MARKERS` by default) found in the raw bytes.

    Each chunk is searched as the window of its predecessor's last bytes and itself, without
    joining the two (a megabyte copied for each search): a tag is counted in the chunk and in the
    few bytes across the seam. A search for a declaration or a marker first looks for one byte of
    it that sheet XML seldom holds (``!``, ``f``, ``b``: a ``memchr``, ten times faster than the
    search); a chunk without that byte cannot hold it. (tests/integration/test_xlsx_scan.py
    compares it with the scan that joined every window.)"""
    overlap = 64
    tail = b""
    row_tail = b""
    row_overlap = max(len(t) for t in _ROW_TAGS) - 1
    marker_tail = b""
    wanted = wanted or CELL_MARKERS
    marker_overlap = max(len(m) for m in wanted) - 1
    encoding: str | None = None
    first = True
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(SCAN_CHUNK)
            if not chunk:
                return False
            if rows is not None:
                rows.append(sum(_count_across(row_tail, chunk, t) for t in _ROW_TAGS))
                row_tail = _last(row_tail, chunk, row_overlap)
            if markers is not None and len(markers) < len(wanted):
                markers.update(m for m in wanted if m not in markers and _holds(marker_tail, chunk, m))
                marker_tail = _last(marker_tail, chunk, marker_overlap)
            if first:
                first = False
                if (
                    chunk.startswith((b"\xff\xfe", b"\xfe\xff"))
                    or chunk[1:2] == b"\x00"
                    or chunk[:1] == b"\x00"
                ):
                    encoding = (
                        "utf-16-be" if chunk.startswith(b"\xfe\xff") or chunk[:1] == b"\x00" else "utf-16-le"
                    )
            if encoding:
                chunk = chunk.decode(encoding, errors="ignore").encode("utf-8")
            if (b"!" in chunk or b"!" in tail) and _DECL.search(tail + chunk):  # _DECL starts "<!"
                return True
            tail = chunk[-overlap:]


# A byte of each marker that sheet XML seldom holds outside it: where a chunk lacks it, the marker
# is not searched for. None: no such byte (every byte of ' s="' is in most sheets' cells).
_MARKER_GATES = {b"f>": b"f", b't="b"': b"b", b' s="': None, b"<row": None, b":row": b":"}


def _count_across(tail: bytes, chunk: bytes, tag: bytes) -> int:
    """``(tail + chunk).count(tag)`` without joining them: the chunk's own count and the count
    across the seam (``tail`` is shorter than ``tag``, and a row tag cannot overlap itself, so
    the two never count one occurrence twice)."""
    gate = _MARKER_GATES.get(tag)
    if gate is not None and gate not in chunk and gate not in tail:
        return 0
    return _count_tag(chunk, tag) + (tail + chunk[: len(tag) - 1]).count(tag)


def _count_tag(chunk: bytes, tag: bytes) -> int:
    """``chunk.count(tag)`` for a tag that cannot overlap itself, with numpy: the places of its
    last byte (the ``w`` of a row tag, rare in sheet XML) checked for the bytes before it, half the
    time of ``bytes.count`` (whose search for a short tag steps over the digits of the cell values
    nearly one byte at a time). Where that byte is dense (over one in 32 bytes), ``bytes.count``."""
    cells = np.frombuffer(chunk, dtype=np.uint8)
    k = len(tag) - 1
    last = cells[k:] == tag[k]
    if np.count_nonzero(last) > len(chunk) >> 5:
        return chunk.count(tag)
    at = np.flatnonzero(last)  # where the tag would start
    found = np.ones(len(at), dtype=bool)
    for i in range(k):
        found &= cells[at + i] == tag[i]
    return int(np.count_nonzero(found))


def _holds(tail: bytes, chunk: bytes, marker: bytes) -> bool:
    """``marker in tail + chunk`` without joining them."""
    gate = _MARKER_GATES.get(marker)
    if gate is not None and gate not in chunk and gate not in tail:
        return False
    return marker in chunk or marker in tail + chunk[: len(marker) - 1]


def _last(tail: bytes, chunk: bytes, n: int) -> bytes:
    """``(tail + chunk)[-n:]`` without joining a long chunk."""
    return chunk[-n:] if len(chunk) >= n else (tail + chunk)[-n:]


def _inspect_zip(data: bytes, filename: str, max_rows: int = MAX_ROWS) -> Inspection:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except ZIP_ERRORS:
        return _refuse("E_CORRUPT", filename)
    if len(infos) > MAX_ENTRIES:
        return _refuse("E_ZIP_BOMB", filename, value=f"{len(infos)} entries")
    names = [i.filename for i in infos]
    lower = [n.lower() for n in names]
    if any(i.flag_bits & 0x1 for i in infos):
        return _refuse("E_ENCRYPTED", filename)
    if any(n.startswith(("/", "\\")) or ".." in n.replace("\\", "/").split("/") for n in names):
        return _refuse("E_CORRUPT", filename, value="unsafe path in archive")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        return _refuse(
            "E_TOO_LARGE",
            filename,
            value=f"{total // (1024 * 1024)} MB uncompressed",
            key="E_TOO_LARGE_UNPACKED",
            size_mb=f"{total / 1024 / 1024:.0f}",
            limit_mb=f"{MAX_UNCOMPRESSED / 1024 / 1024:.0f}",
        )
    for info in infos:
        if info.file_size > RATIO_MIN_SIZE and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            return _refuse("E_ZIP_BOMB", filename, value=f"{info.filename}: ratio {ratio}:1")
    if "xl/workbook.xml" not in lower:
        if "xl/workbook.bin" in lower:
            return _refuse("E_NOT_XLSX", filename, value="xlsb", detected="Excel 二进制 .xlsb / binary .xlsb")
        if "mimetype" in lower and b"opendocument" in zf.read(infos[lower.index("mimetype")])[:100]:
            return _refuse("E_NOT_XLSX", filename, value="ods", detected="OpenDocument .ods")
        if "word/document.xml" in lower:
            return _refuse("E_NOT_XLSX", filename, value="docx", detected="Word .docx")
        return _refuse("E_NOT_XLSX", filename, value="zip", detected="zip")
    try:
        too_many = _declared_rows_over(zf, infos, filename, max_rows)
        if too_many is not None:
            return too_many
        if any(n.endswith("vbaproject.bin") for n in lower):
            return _refuse("E_MACRO", filename, value="vbaProject.bin")
        if "[content_types].xml" in lower:
            ctypes = zf.read(infos[lower.index("[content_types].xml")])
            if b"macroenabled" in ctypes.lower():
                return _refuse("E_MACRO", filename, value="macroEnabled")
        if xlm := active_content.macro_content(zf):  # Excel 4.0 macro sheets, refused like VBA
            return _refuse("E_MACRO", filename, value=xlm, key="E_MACRO_XLM")
        sheets = worksheet_parts(zf)  # count_rows' parts, in its order (every one ends in .xml)
        counted: dict[int, list[int]] = {id(i): [] for i in sheets}
        marked: dict[int, set[bytes]] = {id(i): set() for i in sheets}
        wanted = CELL_MARKERS if sheets and _percent_wanted(zf) else _UNSTYLED_MARKERS
        for info, low in zip(infos, lower, strict=True):
            if low.endswith(_XML_SUFFIXES) and _declares(
                zf, info, counted.get(id(info)), marked.get(id(info)), wanted
            ):
                return _refuse("E_XML_BOMB", filename, value=info.filename)
    except ZIP_ERRORS:
        return _refuse("E_CORRUPT", filename)
    if not all(i.filename.lower().endswith(_XML_SUFFIXES) for i in sheets):
        return Inspection("xlsx", ())  # a part the scan skipped: count_rows streams the sheets itself
    return Inspection(
        "xlsx",
        (),
        tuple((i.filename, tuple(counted[id(i)])) for i in sheets),
        tuple((i.filename, frozenset(marked[id(i)])) for i in sheets),
    )


def _looks_like_text(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 text (Excel's "Unicode text")
    return b"\x00" not in head


def inspect_upload(data: bytes, filename: str, max_bytes: int, max_rows: int = MAX_ROWS) -> Inspection:
    """Classify ``data`` as ``xlsx`` or ``csv``, or refuse it with one Problem. Never raises.
    ``max_rows``: the most rows a worksheet may declare (its ``<dimension>``)."""
    size = len(data)
    if size == 0:
        return _refuse("E_EMPTY_FILE", filename)
    if size > max_bytes:
        return _refuse(
            "E_TOO_LARGE",
            filename,
            value=str(size),
            size_mb=f"{size / 1024 / 1024:.1f}",
            limit_mb=f"{max_bytes / 1024 / 1024:.0f}",
        )
    if data.startswith(OLE2_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            return _refuse("E_ENCRYPTED", filename)
        return _refuse("E_LEGACY_XLS", filename)
    if data.startswith(ZIP_MAGIC):
        return _inspect_zip(data, filename, max_rows)
    for magic, name in _MAGIC_NAMES:
        if data.startswith(magic):
            return _refuse("E_NOT_XLSX", filename, value=name, detected=name)
    if _looks_like_text(data):
        head = data[:2048].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html", b"<?xml")):
            return _refuse("E_NOT_XLSX", filename, value="html/xml", detected="HTML/XML")
        return Inspection("csv", ())
    return _refuse("E_NOT_XLSX", filename, value="binary", detected="binary")


# ---- Row limits (issue 15.3): the declared dimension before parsing, the real count while streaming

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*(\d*)(?::[A-Z]*(\d+))?"')
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_ROW_TAGS = (b"<row", b":row")
# What :func:`assessment.intake.xlsx_reader.cell_flags` looks for in a sheet: the end of a formula
# tag, a TRUE/FALSE cell, a cell style (a percent format can only come with one).
CELL_MARKERS = (b"f>", b't="b"', b' s="')  # "<row " and "<x:row " (a namespaced one also holds "<x:row")
_UNSTYLED_MARKERS = CELL_MARKERS[:2]  # without a percent style, cell_flags has no use for b' s="'


def _percent_wanted(zf: zipfile.ZipFile) -> bool:
    """Whether :func:`~assessment.intake.xlsx_reader.cell_flags` may look for styled cells: the
    styles it reads (``xl/styles.xml``) define a percent format, or cannot be read here (a
    declaration, which the scan refuses, or damage), or are too large to parse before the scan
    (:data:`STYLES_PEEK`): then the scan looks for them as it always did. False only where
    cell_flags' own reading of the same part finds no percent style."""
    from assessment.intake.xlsx_reader import percent_styles

    try:
        info = zf.getinfo("xl/styles.xml")  # the entry zf.read("xl/styles.xml") reads
    except KeyError:
        return False  # cell_flags finds no styles either
    if info.file_size > STYLES_PEEK:
        return True
    try:
        return _declares(zf, info) or bool(percent_styles(zf))
    except Exception:  # anything a damaged or hostile part raises: scan as before
        return True


def worksheet_parts(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The zip entries of the worksheets (``xl/worksheets/*.xml``) of an xlsx."""
    return [i for i in zf.infolist() if _WORKSHEET.match(i.filename.lower())]


def declared_rows(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> int | None:
    """The last row a worksheet declares in ``<dimension ref="A1:H330601"/>`` (None when it has no
    dimension). Only the first :data:`DIMENSION_PEEK` bytes are inflated."""
    with zf.open(info) as fh:
        head = fh.read(DIMENSION_PEEK)
    m = _DIMENSION.search(head)
    if m is None:
        return None
    last = m.group(2) or m.group(1)
    return int(last) if last else None


def _too_many_rows(filename: str, sheet: str, rows: int, limit: int, counting: bool = False) -> Problem:
    """``counting``: the count stopped at ``rows`` (the file has at least that many)."""
    return make_problem(
        "E_TOO_MANY_ROWS",
        file=filename,
        sheet=sheet,
        value=str(rows),
        key="E_TOO_MANY_ROWS_COUNTED" if counting else None,
        rows=f"{rows:,}",
        limit=f"{limit:,}",
    )


def _declared_rows_over(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], filename: str, max_rows: int
) -> Inspection | None:
    """Refuse a workbook whose sheets declare more than ``max_rows`` rows in all (cheap: reads
    each sheet's first bytes). A missing or lying dimension is caught by :func:`count_rows`."""
    total = 0
    for info in worksheet_parts(zf):
        rows = declared_rows(zf, info) or 0
        total += rows
        if total > max_rows:
            return Inspection("", (_too_many_rows(filename, "", total, max_rows),))
    return None


def count_rows(
    data: bytes, filename: str, max_rows: int, counted: tuple[tuple[str, tuple[int, ...]], ...] = ()
) -> Problem | None:
    """Count the rows of every worksheet of an xlsx while inflating it a megabyte at a time (memory
    stays one chunk; stops as soon as the count passes ``max_rows``): the check that holds when the
    declared dimension is missing or lies. A Problem when over the limit, else None.
    ``counted``: the counts :func:`inspect_upload` took per chunk (``Inspection.row_counts``), added
    up here in the same order instead of inflating the sheets again."""
    total = 0
    if counted:
        for _, chunks in counted:
            for n in chunks:
                total += n
                if total > max_rows:
                    return _too_many_rows(filename, "", total, max_rows, counting=True)
        return None
    overlap = max(len(t) for t in _ROW_TAGS) - 1
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in worksheet_parts(zf):
            tail = b""
            with zf.open(info) as fh:
                while chunk := fh.read(SCAN_CHUNK):
                    window = tail + chunk
                    total += sum(window.count(t) for t in _ROW_TAGS)
                    tail = window[-overlap:]
                    if total > max_rows:
                        return _too_many_rows(filename, "", total, max_rows, counting=True)
    return None


def count_csv_rows(data: bytes, filename: str, max_rows: int) -> Problem | None:
    """The line count of a CSV upload against ``max_rows`` (UTF-16 counted on the decoded text)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        lines = data.decode("utf-16", errors="ignore").count("\n")
    else:
        lines = data.count(b"\n")
    if lines > max_rows:
        return _too_many_rows(filename, "", lines, max_rows)
    return None
