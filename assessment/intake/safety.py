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

from assessment.domain.errors import Problem
from assessment.intake import active_content
from assessment.intake.upload_problems import make_problem

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_ENTRIES = 2_000
MAX_UNCOMPRESSED = 600 * 1024 * 1024  # a 500,000-row batch sheet is ~150 MB of XML
MAX_RATIO = 200  # uncompressed / compressed, for entries over RATIO_MIN_SIZE
RATIO_MIN_SIZE = 1024 * 1024
SCAN_CHUNK = 1024 * 1024  # XML parts are scanned whole for DTD declarations, a megabyte at a time
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


def _refuse(code: str, filename: str, value: str = "", **fill: Any) -> Inspection:
    return Inspection("", (make_problem(code, file=filename, value=value, **fill),))


def _declares(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether an XML part holds a DOCTYPE or ENTITY declaration anywhere (read whole, in chunks:
    a declaration after a long comment must not slip past a prefix check). Spreadsheet XML never
    contains one: text is escaped, so a literal ``<!DOCTYPE`` can only be markup."""
    overlap = 64
    tail = b""
    encoding: str | None = None
    first = True
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(SCAN_CHUNK)
            if not chunk:
                return False
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
            if _DECL.search(tail + chunk):
                return True
            tail = chunk[-overlap:]


def _inspect_zip(data: bytes, filename: str) -> Inspection:
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
        return _refuse("E_ZIP_BOMB", filename, value=f"{total // (1024 * 1024)} MB uncompressed")
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
        if any(n.endswith("vbaproject.bin") for n in lower):
            return _refuse("E_MACRO", filename, value="vbaProject.bin")
        if "[content_types].xml" in lower:
            ctypes = zf.read(infos[lower.index("[content_types].xml")])
            if b"macroenabled" in ctypes.lower():
                return _refuse("E_MACRO", filename, value="macroEnabled")
        if xlm := active_content.macro_content(zf):  # Excel 4.0 macro sheets, refused like VBA
            return _refuse("E_MACRO", filename, value=xlm, key="E_MACRO_XLM")
        for info, low in zip(infos, lower, strict=True):
            if low.endswith(_XML_SUFFIXES) and _declares(zf, info):
                return _refuse("E_XML_BOMB", filename, value=info.filename)
    except ZIP_ERRORS:
        return _refuse("E_CORRUPT", filename)
    return Inspection("xlsx", ())


def _looks_like_text(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 text (Excel's "Unicode text")
    return b"\x00" not in head


def inspect_upload(data: bytes, filename: str, max_bytes: int) -> Inspection:
    """Classify ``data`` as ``xlsx`` or ``csv``, or refuse it with one Problem. Never raises."""
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
        return _inspect_zip(data, filename)
    for magic, name in _MAGIC_NAMES:
        if data.startswith(magic):
            return _refuse("E_NOT_XLSX", filename, value=name, detected=name)
    if _looks_like_text(data):
        head = data[:2048].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html", b"<?xml")):
            return _refuse("E_NOT_XLSX", filename, value="html/xml", detected="HTML/XML")
        return Inspection("csv", ())
    return _refuse("E_NOT_XLSX", filename, value="binary", detected="binary")
