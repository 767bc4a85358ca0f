"""Turn an upload's bytes into a :class:`~assessment.intake.validation.RawTable` (cells with positions).

Three shapes are read (DESIGN section 5):

- a **template** (xlsx with a sheet ``填报`` and the hidden sheet ``meta``): one row per indicator;
  region and period come from the metadata;
- a **batch** xlsx: the first sheet whose header names ``region_code``, ``period`` and
  ``indicator_code``;
- a **batch** csv in UTF-8 (with or without BOM), GB18030/GBK (Excel on Chinese Windows) or
  UTF-16 (Excel's "Unicode text"), comma-, semicolon- or tab-separated.

Headers are found in the first rows by their machine key or Chinese label, in any column order.
Problems are structural only (missing sheet or column, bad CSV shape); row rules live in
:mod:`assessment.intake.validation`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import python_calamine as pc

from assessment.domain.errors import Problem
from assessment.intake.upload_problems import make_problem
from assessment.intake.validation import RawTable
from assessment.intake.workbook_layout import (
    BATCH_COLUMNS,
    BATCH_REQUIRED,
    DATA_SHEET,
    META_SHEET,
    column_letter,
    header_map,
)
from assessment.intake.xlsx_reader import cell_flags, read_grid, sheets

HEADER_SEARCH_ROWS = 30
FIELDS = ("region_code", "period", "indicator_code", "value", "numerator", "denominator", "note", "edition")
_CSV_LINE = re.compile(r"line (\d+), saw (\d+)")
_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _find_header(rows: Sequence[Sequence[Any]], needed: tuple[str, ...]) -> tuple[int, dict[str, int]] | None:
    """(0-based row index, key -> column index) of the first row naming all ``needed`` keys."""
    for idx, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = header_map(list(row))
        if all(k in keys for k in needed):
            return idx, keys
    return None


def _frame(body: pd.DataFrame, first_row: int, cols: dict[str, int], fill: dict[str, str]) -> pd.DataFrame:
    """The FIELDS columns of ``body`` (cells as read, dtype kept) with their spreadsheet rows."""
    out: dict[str, object] = {}
    for key in FIELDS:
        if key in cols and cols[key] in body.columns:
            out[key] = body[cols[key]].reset_index(drop=True)
        else:
            out[key] = _constant(fill.get(key, ""), len(body))
    frame = pd.DataFrame(out)
    frame["row"] = np.arange(first_row, first_row + len(body), dtype="int64")
    return frame


def _constant(text: str, n: int) -> pd.Series:
    """``pandas.Series(numpy.full(n, text, dtype=object))`` (which pandas stores as pyarrow
    strings), built from one buffer instead of ``n`` Python strings."""
    if not n or pd.Series([text]).dtype != _ARROW_STRING:  # what pandas gives is another dtype
        return pd.Series(np.full(n, text, dtype=object))
    data = text.encode("utf-8")
    offsets = np.arange(n + 1, dtype=np.int64) * len(data)
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))
    return pd.Series(arr, dtype=_ARROW_STRING)


def _missing_columns(
    cols: dict[str, int], needed: tuple[str, ...], filename: str, sheet: str
) -> list[Problem]:
    labels = dict(BATCH_COLUMNS)
    return [
        make_problem(
            "E_MISSING_COLUMN", file=filename, sheet=sheet, column=k, field=f"{labels.get(k, k)} {k}"
        )
        for k in needed
        if k not in cols
    ]


def read_meta(grid: Sequence[Sequence[Any]]) -> dict[str, str]:
    """Key/value rows of the metadata sheet as strings (2024.0 -> '2024')."""
    meta: dict[str, str] = {}
    for row in grid:
        if len(row) >= 2 and isinstance(row[0], str) and row[0].strip():
            val = row[1]
            if isinstance(val, float) and val.is_integer():
                val = int(val)
            meta[row[0].strip()] = str(val).strip()
    return meta


def template_table(
    wb: pc.CalamineWorkbook, data: bytes, filename: str
) -> tuple[RawTable | None, list[Problem]]:
    """Read a filled template: the 填报 sheet and its hidden metadata."""
    names = [s.name for s in sheets(wb)]
    problems: list[Problem] = []
    if META_SHEET not in names:
        problems.append(
            make_problem("E_MISSING_SHEET", file=filename, sheet=META_SHEET, sheet_name=META_SHEET)
        )
    grid = read_grid(wb, DATA_SHEET)
    found = _find_header(grid, ("indicator_code",))
    if found is None:
        problems += _missing_columns({}, ("indicator_code", "value"), filename, DATA_SHEET)
        return None, problems
    hdr, cols = found
    problems += _missing_columns(cols, ("value",), filename, DATA_SHEET)
    if problems:
        return None, problems
    meta = read_meta(read_grid(wb, META_SHEET))
    body = pd.DataFrame(grid[hdr + 1 :], dtype=object)
    cols = {k: v for k, v in cols.items() if k not in ("region_code", "period", "edition")}
    frame = _frame(
        body, hdr + 2, cols, {"region_code": meta.get("region_code", ""), "period": meta.get("period", "")}
    )
    flags = cell_flags(data, DATA_SHEET)
    letters = {k: column_letter(i) for k, i in cols.items()}
    frame = _apply_percent(frame, flags.percent, letters.get("value", ""), hdr + 2)
    raw = RawTable("template", frame, DATA_SHEET, letters, flags.formula_no_value, meta)
    return raw, []


def _apply_percent(frame: pd.DataFrame, cells: frozenset[str], letter: str, first_row: int) -> pd.DataFrame:
    """Numbers shown with a percent format in the value column: 0.95 shown as 95% is read as 95."""
    hits = []
    for ref in cells:
        m = _REF.match(ref)
        if m and m.group(1) == letter and int(m.group(2)) >= first_row:
            hits.append(int(m.group(2)) - first_row)
    if not hits:
        return frame
    value = frame["value"].copy()
    for i in hits:
        if i < len(value) and isinstance(value.iat[i], int | float) and not isinstance(value.iat[i], bool):
            value.iat[i] = value.iat[i] * 100.0
    return frame.assign(value=value)


def _object_frame(grid: list[list[Any]], start: int) -> pd.DataFrame:
    """``pandas.DataFrame(grid[start:], dtype=object)`` of calamine's rows (scalar cells), through
    one 2-D object array when the rows are all as wide as the first (calamine gives a rectangle):
    half the time. Ragged rows are left to pandas, which pads them."""
    body = grid[start:]
    width = len(body[0]) if body else 0
    if width and all(len(r) == width for r in body):
        cells = np.empty((len(body), width), dtype=object)
        cells[:] = body
        return pd.DataFrame(cells)
    return pd.DataFrame(body, dtype=object)


def _batch_frame(grid: list[list[Any]], start: int, cols: dict[str, int]) -> pd.DataFrame | None:
    """``typed_columns(_frame(_object_frame(grid, start), start + 1, cols, {}))`` built from one
    column of calamine's cells at a time: each column is read by pandas as it reads it in the 2-D
    frame (text becomes strings, anything else stays objects) and then typed as
    :func:`typed_columns` types it, its kind inferred once; the frame of every cell as an object
    and its copy into the FIELDS columns are never made (half the cost of turning the rows into
    the table). None when the rows are not all as wide as the first, or there are none: the caller
    then takes the 2-D frame, where pandas pads short rows."""
    body = grid[start:]
    width = len(body[0]) if body else 0
    if not width or set(map(len, body)) != {width}:
        return None
    cells = np.empty((len(body), width), dtype=object, order="F")  # each column contiguous
    cells[:] = body
    out: dict[str, pd.Series] = {}
    for key in FIELDS:
        j = cols.get(key)
        column = cells[:, j] if j is not None and 0 <= j < width else np.full(len(body), "", dtype=object)
        kind = pd.api.types.infer_dtype(column, skipna=False)
        if kind == "floating":  # pandas keeps floats as objects, which typed_columns makes float64
            out[key] = pd.Series(column.astype("float64"))
            continue
        if kind == "string" and _text_read_as_arrow():  # what pandas makes of it, without its checks
            out[key] = pd.Series(pd.array(pa.array(column, type=pa.large_string()), dtype=_ARROW_STRING))
            continue
        col = pd.Series(column, copy=False)  # pandas' reading of the column
        typed = _typed(column, col.index, kind) if col.dtype == object else None
        out[key] = col if typed is None else typed
    frame = pd.DataFrame(out)
    frame["row"] = np.arange(start + 1, start + 1 + len(body), dtype="int64")
    return frame


def batch_xlsx_table(
    wb: pc.CalamineWorkbook, data: bytes, filename: str, markers: Mapping[str, frozenset[bytes]] | None = None
) -> tuple[RawTable | None, list[Problem]]:
    """Read a batch workbook: the first sheet with a batch header.

    The metadata scan of the sheet's XML (:func:`~assessment.intake.xlsx_reader.cell_flags`: mostly
    zlib, which releases the GIL) runs in a thread while calamine parses the same sheet; with
    ``markers`` (what the safety scan saw in each sheet part) it is skipped where it would find
    nothing."""
    infos = sorted(sheets(wb), key=lambda s: not s.visible)
    with ThreadPoolExecutor(max_workers=1) as pool:
        scans = {infos[0].name: pool.submit(cell_flags, data, infos[0].name, markers)} if infos else {}
        for info in infos:
            sheet = wb.get_sheet_by_name(info.name)  # calamine parses the whole sheet here, once
            head = sheet.to_python(skip_empty_area=False, nrows=HEADER_SEARCH_ROWS)
            found = _find_header(head, ("indicator_code",))
            if found is None or not ({"region_code", "period"} & set(found[1])):
                continue
            hdr, cols = found
            problems = _missing_columns(cols, BATCH_REQUIRED, filename, info.name)
            if problems:
                return None, problems
            grid = sheet.to_python(skip_empty_area=False)
            frame = _batch_frame(grid, hdr + 1, cols)  # typed
            scan = scans.get(info.name) or pool.submit(cell_flags, data, info.name, markers)
            flags = scan.result()
            letters = {k: column_letter(i) for k, i in cols.items()}
            if frame is None or flags.percent:  # ragged rows (pandas pads them) or percents to apply
                frame = _frame(_object_frame(grid, hdr + 1), hdr + 2, cols, {})
                frame = _apply_percent(frame, flags.percent, letters["value"], hdr + 2)
                frame = typed_columns(frame)
            del grid, sheet
            raw = RawTable(
                "batch", frame, info.name, letters, flags.formula_no_value, has_bools=flags.has_bools
            )
            return raw, []
    return None, [make_problem("E_MISSING_SHEET", file=filename, sheet=DATA_SHEET, sheet_name=DATA_SHEET)]


def typed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The object columns of a batch sheet in compact dtypes where that changes no reading: a
    column of text cells only becomes pyarrow-backed strings (as a CSV's cells are), a column of
    floats and empty cells (``""``, as calamine gives them) becomes float64 with NaN for the empty
    ones. Any other mix (TRUE/FALSE, dates, ints, numbers beside text) is left as it is.

    Both are blanks to every rule (and ``""`` in the texts of problems), and the typed columns
    cost a fraction to send back from the parsing child (no object per cell to pickle) and take
    the columnar paths of :mod:`assessment.intake.cleaning`."""
    out: dict[str, pd.Series] = {}
    for key in frame.columns:
        col = frame[key]
        if key == "row" or col.dtype != object or not len(col):
            continue
        cells = col.to_numpy()
        typed = _typed(cells, col.index, pd.api.types.infer_dtype(cells, skipna=False))
        if typed is not None:
            out[key] = typed
    return frame.assign(**out) if out else frame


def _typed(cells: np.ndarray, index: pd.Index, kind: str) -> pd.Series | None:
    """One object column of :func:`typed_columns` typed (``kind``: its ``infer_dtype``), or None
    where it is left as it is."""
    if not len(cells):
        return None
    if kind == "string":
        return pd.Series(cells, index=index, dtype=_ARROW_STRING)
    if kind != "mixed":
        return pd.Series(cells.astype("float64"), index=index) if kind == "floating" else None
    empty = np.equal(cells, "")  # elementwise; False for any non-string cell
    rest = cells[~empty]
    if len(rest) and pd.api.types.infer_dtype(rest, skipna=False) == "floating":
        values = np.full(len(cells), np.nan)
        values[~empty] = rest.astype("float64")
        return pd.Series(values, index=index)
    return None


def decode_csv(data: bytes) -> str | None:
    """The text of a CSV upload, or None when no known encoding fits."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _utf8(data: bytes) -> str | None:
    """The text of ``data`` when :func:`decode_csv` reads it as UTF-8, else None."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _separator(text: str) -> str:
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", "\t", ";")}
    return max(counts, key=lambda s: counts[s]) if any(counts.values()) else ","


_UTF8_BOM = b"\xef\xbb\xbf"
_NOT_BLANK = re.compile(rb"[^ \t\n\r\x0b\x0c]")  # a byte that bytes.strip() keeps
_ARROW_STRING = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas.read_csv(dtype=str) gives


@cache
def _text_read_as_arrow() -> bool:
    """Whether pandas reads a column of text objects as :data:`_ARROW_STRING` (pandas 3 with
    pyarrow): :func:`_batch_frame` may then build them straight from the texts. Asked on first use,
    not at import: this module is preloaded by the parsing forkserver
    (:mod:`assessment.intake.isolation`), and pyarrow's first allocation reserves a GiB of address
    space that every child would inherit, over its memory limit."""
    return bool(pd.Series(np.array(["a"], dtype=object)).dtype == _ARROW_STRING)


_MAX_ARROW_COLUMNS = 1024


def _arrow_csv_frame(data: bytes, sep: str) -> pd.DataFrame | None:
    """The cells of a UTF-8 CSV read by pyarrow's multi-threaded reader, exactly as
    :func:`read_csv_frame`'s pandas reader gives them; None when this reader does not apply (then
    the pandas reader decides, with its error messages).

    It applies when the file has no quote character at all (pyarrow accepts a quote left open at
    the end of the file, pandas refuses it; without quotes the two split lines and cells alike)
    and every row has as many cells as the first (pandas pads short rows, pyarrow refuses them)."""

    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    if b'"' in body or _NOT_BLANK.search(body) is None:  # (body.strip() would copy it)
        return None
    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True),
            parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                # large_string: what pandas stores, so the columns convert without a copy
                column_types={f"f{i}": pa.large_string() for i in range(_MAX_ARROW_COLUMNS)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    if table.num_columns > _MAX_ARROW_COLUMNS or table.num_rows == 0:
        return None
    return pd.DataFrame(
        {i: pd.Series(table.column(i), dtype=_ARROW_STRING) for i in range(table.num_columns)}
    )


def read_csv_frame(data: bytes) -> pd.DataFrame | str:
    """All cells of a CSV as strings (header=None, blank lines kept so row i is line i + 1),
    or an error code string ("E_BAD_ENCODING" or "E_CSV_SHAPE:<line>")."""
    text = _utf8(data)
    if text is not None:  # decode_csv would read it as UTF-8 too: pyarrow may read it
        fast = _arrow_csv_frame(data, _separator(text))
        if fast is not None:
            return fast
    else:
        text = decode_csv(data)
    if text is None:
        return "E_BAD_ENCODING"
    return pandas_csv_frame(text)


def pandas_csv_frame(text: str) -> pd.DataFrame | str:
    """:func:`read_csv_frame` of decoded text by pandas' C reader (the reference of the pyarrow
    reader, and what reads every file that one does not)."""
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=_separator(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    except pd.errors.ParserError as err:
        m = _CSV_LINE.search(str(err))
        return f"E_CSV_SHAPE:{m.group(1) if m else ''}"


def batch_csv_table(data: bytes, filename: str) -> tuple[RawTable | None, list[Problem]]:
    """Read a batch CSV file."""
    df = read_csv_frame(data)
    if isinstance(df, str):
        code, _, line = df.partition(":")
        row = int(line) if line else None
        return None, [make_problem(code, file=filename, row=row)]
    head = df.head(HEADER_SEARCH_ROWS).to_numpy().tolist() if len(df) else []
    found = _find_header(head, ("indicator_code",))
    if found is None:
        return None, _missing_columns({}, BATCH_REQUIRED, filename, "")
    hdr, cols = found
    problems = _missing_columns(cols, BATCH_REQUIRED, filename, "")
    if problems:
        return None, problems
    body = df.iloc[hdr + 1 :].reset_index(drop=True)
    frame = _frame(body, hdr + 2, cols, {})
    letters = {k: column_letter(i) for k, i in cols.items()}
    return RawTable("batch", frame, "", letters, has_bools=False), []
