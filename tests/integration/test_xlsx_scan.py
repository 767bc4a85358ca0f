"""The faster xlsx paths of issue 20 point 4 give exactly what the paths they replace gave.

- the safety scan of an XML part (:func:`assessment.intake.safety._declares`: declarations, row
  tags per chunk, cell markers), which no longer joins each chunk to its predecessor's tail and
  looks for a rare byte before each search, against the scan that joined every window (kept here
  as it was), on parts cut into chunks of every small size so that every tag and marker straddles
  a seam somewhere;
- the styled-cell marker, only looked for when the workbook has a percent style: the cell flags
  of workbooks with and without one against a second scan;
- the batch table built column by column (:func:`assessment.intake.upload_tables._batch_frame`)
  against the frame of objects it replaces, cell by cell and dtype by dtype.
"""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from assessment.intake import safety, upload_tables
from assessment.intake.safety import _DECL, _ROW_TAGS, CELL_MARKERS, SCAN_CHUNK
from assessment.intake.xlsx_reader import cell_flags, open_workbook, percent_styles
from tests.fixtures import BILLION_LAUGHS, batch_xlsx, good_batch_rows, rewrite_zip, xml_bomb

# ---- the scan of an XML part --------------------------------------------------------------------


def _declares_joined(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    rows: list[int] | None = None,
    markers: set[bytes] | None = None,
    chunk_size: int = SCAN_CHUNK,
) -> bool:
    """The scan as it was before issue 20.4's rework: every window joined (the reference)."""
    overlap = 64
    tail = b""
    row_tail = b""
    row_overlap = max(len(t) for t in _ROW_TAGS) - 1
    marker_tail = b""
    marker_overlap = max(len(m) for m in CELL_MARKERS) - 1
    encoding: str | None = None
    first = True
    with zf.open(info) as fh:
        while True:
            chunk = fh.read(chunk_size)
            if not chunk:
                return False
            if rows is not None:
                window = row_tail + chunk
                rows.append(sum(window.count(t) for t in _ROW_TAGS))
                row_tail = window[-row_overlap:]
            if markers is not None and len(markers) < len(CELL_MARKERS):
                window = marker_tail + chunk
                markers.update(m for m in CELL_MARKERS if m not in markers and m in window)
                marker_tail = window[-marker_overlap:]
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


_ROW = b'<row r="1"><c r="A1" t="n"><v>1.5</v></c></row>'
PARTS = {
    "plain": b"<worksheet><sheetData>" + _ROW * 40 + b"</sheetData></worksheet>",
    "namespaced": b'<x:worksheet xmlns:x="urn:x"><x:sheetData>'
    + b'<x:row r="1"><x:c r="A1"><x:v>2</x:v></x:c></x:row>' * 30
    + b"</x:sheetData></x:worksheet>",
    "formula": b"<worksheet><sheetData>" + _ROW * 20 + b'<row><c r="B2"><f>1+1</f></c></row>' + _ROW * 5,
    "bool": b"<worksheet><sheetData>" + _ROW * 20 + b'<row><c r="B2" t="b"><v>1</v></c></row>' + _ROW * 5,
    "styled": b"<worksheet><sheetData>" + _ROW * 20 + b'<row><c r="B2" s="3"><v>1</v></c></row>',
    "all markers": b'<row><c s="1" t="b"><f>A1</f></c></row>' * 3,
    "letters near": b"<worksheet>" + b"f b s= t=b row ROW <ro w :ro f >! <! " * 20 + b"</worksheet>",
    "doctype late": b"<worksheet>" + b"<!-- x -->" * 50 + b"<!DOCTYPE x>" + _ROW * 3,
    "entity spaced": b"<a>" + _ROW * 10 + b"<!   entity x>",
    "bang only": b"<a>" + b"!" * 100 + b"<!-- not a declaration -->" + _ROW * 4 + b"</a>",
    "doctype first": BILLION_LAUGHS + b"<worksheet/>",
    "utf-16": '<?xml version="1.0" encoding="UTF-16"?><w><row r="1"/><!DOCTYPE z></w>'.encode("utf-16"),
    "utf-16 clean": '<w><row r="1"/><row r="2"/><c s="1" t="b"><f>1</f></c></w>'.encode("utf-16-le"),
    "empty": b"",
    "tiny": b"<a/>",
}


@pytest.mark.parametrize("name", list(PARTS))
@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5, 7, 13, 64, 1 << 20])
def test_the_scan_of_a_part_matches_the_joined_scan(
    monkeypatch: pytest.MonkeyPatch, name: str, chunk: int
) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", PARTS[name])
    monkeypatch.setattr(safety, "SCAN_CHUNK", chunk)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
        rows: list[int] = []
        markers: set[bytes] = set()
        found = safety._declares(zf, info, rows, markers)
        rows_ref: list[int] = []
        markers_ref: set[bytes] = set()
        expected = _declares_joined(zf, info, rows_ref, markers_ref, chunk)
        assert found == expected
        assert rows == rows_ref  # chunk by chunk, as count_rows adds them up
        assert markers == markers_ref
        assert safety._declares(zf, info) == expected  # no counts asked for


@pytest.mark.parametrize(
    "chunk",
    [
        b"",
        b"<ro",
        b"<row",
        b"<row<row",
        b"w" * 100,
        b"<row" * 50,
        b'<x:row r="1"/>' * 9 + b" " * 999,
        b"a<rowb",
    ],
)
def test_the_tag_count_is_bytes_count(chunk: bytes) -> None:
    for tag in _ROW_TAGS:
        assert safety._count_tag(chunk, tag) == chunk.count(tag)
    sparse = b" " * 4000 + chunk + b" " * 4000  # the numpy count, not the dense fallback
    for tag in _ROW_TAGS:
        assert safety._count_tag(sparse, tag) == sparse.count(tag)


def test_the_gates_are_bytes_of_their_markers() -> None:
    for marker, gate in safety._MARKER_GATES.items():
        assert gate is None or gate in marker
    for tag in _ROW_TAGS:  # _count_across: a tag must not overlap itself, nor be shorter than the tail
        assert all(tag[:k] != tag[-k:] for k in range(1, len(tag)))
        assert max(len(t) for t in _ROW_TAGS) - 1 < len(tag)


# ---- the styled-cell marker -----------------------------------------------------------------------


def _styled_batch(number_format: str | None, styled: bool) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"])
    for r in good_batch_rows():
        ws.append(r)
    if number_format:
        ws["D4"].number_format = number_format
    if styled:
        ws["D6"].number_format = "0.00"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


STYLE_CASES = [(f, s) for f in (None, "0%", "0.0%", '0.0"%"', "0.00") for s in (False, True)]


@pytest.mark.parametrize(("number_format", "styled"), STYLE_CASES)
def test_the_styled_marker_is_sought_where_cell_flags_needs_it(
    number_format: str | None, styled: bool
) -> None:
    data = _styled_batch(number_format, styled)
    inspection = safety.inspect_upload(data, "s.xlsx", 20 * 1024 * 1024)
    assert inspection.kind == "xlsx" and inspection.cell_markers
    markers = dict(inspection.cell_markers)
    assert cell_flags(data, "data", markers) == cell_flags(data, "data")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        pct = percent_styles(zf)
        assert safety._percent_wanted(zf) == bool(pct)
    if pct:  # sought, and found where the sheet has a styled cell
        assert (b' s="' in markers["xl/worksheets/sheet1.xml"]) == (number_format is not None or styled)


def test_styles_that_cannot_be_read_are_scanned_as_before() -> None:
    data = _styled_batch(None, True)
    with zipfile.ZipFile(io.BytesIO(rewrite_zip(data, change={"xl/styles.xml": b"<broken"}))) as zf:
        assert safety._percent_wanted(zf)
    with zipfile.ZipFile(io.BytesIO(rewrite_zip(data, change={"xl/styles.xml": None}))) as zf:
        assert not safety._percent_wanted(zf) and not percent_styles(zf)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        styles = zf.read("xl/styles.xml")
    padded = styles.replace(b"<fonts", b" " * safety.STYLES_PEEK + b"<fonts", 1)  # no percent format
    with zipfile.ZipFile(io.BytesIO(rewrite_zip(data, change={"xl/styles.xml": padded}))) as zf:
        assert safety._percent_wanted(zf) and not percent_styles(zf)  # too large: sought as before


def test_a_declaration_in_the_styles_is_still_refused_by_its_name() -> None:
    data = xml_bomb(_styled_batch("0%", False), part="xl/styles.xml")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert safety._percent_wanted(zf)  # not parsed: scanned as before, then refused
    inspection = safety.inspect_upload(data, "b.xlsx", 20 * 1024 * 1024)
    assert [(p.code, p.value) for p in inspection.problems] == [("E_XML_BOMB", "xl/styles.xml")]


# ---- the batch table --------------------------------------------------------------------------------

_COLS = {"region_code": 0, "period": 1, "indicator_code": 2, "value": 3, "numerator": 4, "note": 6}
_DAY = dt.datetime(2024, 5, 1)
GRIDS: dict[str, tuple[list[list[Any]], int, dict[str, int]]] = {
    "batch": ([["h"] * 7] + [["990101", 2024.0, "S01.1", 95.5, "", 3.0, ""]] * 5, 1, _COLS),
    "text and numbers": (
        [["h"] * 7, ["a", 1.0, "b", "abc", 2.0, "", "x"], ["c", "", "d", 1.5, "", 2.0, ""]],
        1,
        _COLS,
    ),
    "datetimes": (
        [["h"] * 7, [_DAY, _DAY, "x", _DAY, "", dt.date(2024, 1, 1), dt.timedelta(1)]] * 2,
        1,
        _COLS,
    ),
    "bools and ints": ([["h"] * 7, [True, 1, "x", False, 2, 3.5, None]] * 3, 1, _COLS),
    "nan and text": ([["h"] * 7, ["a", float("nan"), "b", float("nan"), "", "", "z"], ["b"] * 7], 1, _COLS),
    "all empty": ([["h"] * 7] + [[""] * 7] * 4, 1, _COLS),
    "all nan": ([["h"] * 7] + [[float("nan")] * 6 + [""]] * 3, 1, _COLS),
    "empty and nan": ([["h"] * 7, ["", float("nan"), "", 1.0, None, "", ""]] * 3, 1, _COLS),
    "narrow": ([["h", "h"], ["990101", 2024.0], ["990102", 2023.0]], 1, _COLS),
    "header lower": (
        [["title"] * 7, ["h"] * 7, ["a", 1.0, "b", 2.0, 3.0, 4.0, "n"]],
        2,
        {**_COLS, "edition": 5},
    ),
    "one row": ([["h"] * 7, ["a", 1.0, "b", 2.0, 3.0, 4.0, "n"]], 1, {"indicator_code": 2}),
}


@pytest.mark.parametrize("name", list(GRIDS))
def test_the_batch_frame_matches_the_frame_of_objects(name: str) -> None:
    grid, start, cols = GRIDS[name]
    fast = upload_tables._batch_frame(grid, start, cols)
    assert fast is not None
    objects = upload_tables._frame(upload_tables._object_frame(grid, start), start + 1, cols, {})
    slow = upload_tables.typed_columns(objects)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.dtypes.tolist() == slow.dtypes.tolist()
    for key in fast.columns:  # cell by cell, each cell's type too (1.0 is not True, "" is not NaN)
        assert [type(v) for v in fast[key]] == [type(v) for v in slow[key]], key


@pytest.mark.parametrize("grid", [[["h", "h"], [1.0], [1.0, 2.0]], [["h"]], [["h"], []]])
def test_ragged_or_empty_rows_are_left_to_the_frame_of_objects(grid: list[list[Any]]) -> None:
    assert upload_tables._batch_frame(grid, 1, {"region_code": 0}) is None


def test_the_batch_frame_is_taken_on_a_plain_xlsx_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the whole-upload comparisons (tests/integration/test_ingest_fast_paths.py, whose
    slow path switches it off) against comparing the frame of objects with itself."""
    calls: list[bool] = []
    real = upload_tables._batch_frame

    def spy(grid: list[list[Any]], start: int, cols: dict[str, int]) -> pd.DataFrame | None:
        out = real(grid, start, cols)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(upload_tables, "_batch_frame", spy)
    data = batch_xlsx(good_batch_rows())
    wb = open_workbook(data)
    try:
        raw, problems = upload_tables.batch_xlsx_table(wb, data, "b.xlsx")
    finally:
        wb.close()
    assert calls == [True] and raw is not None and not problems
    assert raw.frame["numerator"].dtype == np.dtype("float64")


def test_the_preloaded_modules_allocate_no_arrow_memory() -> None:
    """pyarrow's first allocation reserves a GiB of address space: made while the parsing
    forkserver imports its modules, every child would start over its memory limit."""
    from assessment.intake import isolation

    modules = ", ".join(isolation.PRELOAD)
    code = f"import {modules}, pyarrow as pa; print(pa.default_memory_pool().max_memory() or 0)"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) == 0
