"""The catalogue of an edition as an Excel workbook: downloaded, corrected, imported as a new revision.

:func:`edition_workbook` writes the sheets

- ``说明`` / ``About`` (localized, first): what the workbook is, the edition's facts and how to use it;
  nothing in it is imported;
- ``edition``: key/value rows ``id``, ``title_zh``, ``title_en``, ``published``, ``provenance``
  (all but the id may be corrected: a new title or provenance is a revision too);
- ``aspects``, ``categories``, ``items``, ``indicators``, ``sources``: one row per entry with the
  columns of :data:`assessment.catalogue.loader.COLUMNS`.

Every imported sheet has a stable machine name (so an import does not depend on the language the
workbook was downloaded in), the machine column names in row 1, the column labels (zh or en) in
row 2 and the data from row 3. Booleans are ``yes``/``no`` as in the CSV files, numbers are numbers,
an empty optional number is an empty cell, and every text goes through
:func:`~assessment.intake.xlsx_write.put_text` (never a live formula).

:func:`read_edition_workbook` reads such a workbook back, through the same safe path as an upload
(:func:`~assessment.intake.safety.inspect_upload` with the upload size limit, then calamine), and
validates it with the loader's own builders and :mod:`assessment.catalogue.checks`, so a workbook
is held to exactly the rules of an edition folder. On top of them:

- the edition ``id`` must be the current one's;
- no cell of an imported sheet may hold a formula (officials type values);
- a revision never removes: every aspect, category, item and indicator code of the current revision
  must still be there; items, indicators and sources may be added, aspects and categories may not
  (the national standard fixes them). So the counts of aspects and categories stay, the count of
  items may only grow. Source tags no longer cited may be dropped.

Every problem is collected and raised together as one :class:`DataFileError`; each names the
sheet and the cell (``indicators!J7``), with the row and the machine column, in zh and en. The
result is an Edition with ``revision = current.revision + 1`` and ``current.effective_from``.

An :class:`Edition` does not carry its sources (the views read ``sources.csv`` of the shipped
folder): the ``sources`` sheet is filled from the shipped folder (or the ``sources`` given),
checked on import, and returned by :func:`parse_edition_workbook` for a caller that keeps them.

:func:`diff_editions` lists every changed cell between two editions or two revisions, by code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import defusedxml.ElementTree as SafeET
import pandas as pd
import python_calamine as pc
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from assessment.catalogue.checks import check_references, check_sources

# The loader's builders are private to it, but they are the one definition of how a row becomes an
# Aspect, Category, ServiceItem or Indicator (and which cells are refused): a workbook must be held
# to the same rules as an edition folder, so they are called here rather than copied.
from assessment.catalogue.loader import (
    COLUMNS,
    STANDARDS_DIR,
    _aspects,
    _categories,
    _indicators,
    _items,
    list_editions,
)
from assessment.catalogue.tables import NO, YES, Row, Table, read_table
from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.domain.i18n import t
from assessment.domain.model import Edition
from assessment.intake.ingest import DEFAULT_MAX_BYTES, READ_ERRORS
from assessment.intake.safety import inspect_upload
from assessment.intake.workbook_layout import column_letter
from assessment.intake.xlsx_reader import _sheet_part, cell_flags, open_workbook, read_grid, sheets
from assessment.intake.xlsx_write import put_text, put_value, workbook_bytes

log = logging.getLogger(__name__)

EDITION_SHEET = "edition"
TABLE_SHEETS = ("aspects", "categories", "items", "indicators", "sources")
SHEETS = (EDITION_SHEET, *TABLE_SHEETS)  # the imported sheets, in the order problems are listed
EDITION_KEYS = ("id", "title_zh", "title_en", "published", "provenance")
EDITION_COLUMNS = ("key", "value", "about")  # "about" is written for the reader, never read
EDITION_REQUIRED = ("key", "value")
HEADER_ROW, LABEL_ROW, FIRST_DATA_ROW = 1, 2, 3
KEY_COLUMN = {
    "aspects": "code",
    "categories": "code",
    "items": "code",
    "indicators": "code",
    "sources": "tag",
}
KEPT_SHEETS = ("aspects", "categories", "items", "indicators")  # no code of these may disappear
FIXED_SHEETS = ("aspects", "categories")  # ...and these may not grow either
DIFF_TABLES = ("edition", "aspects", "categories", "items", "indicators", "sources")
DIFF_COLUMNS = ("table", "code", "field", "old", "new", "change", "label")
DIFF_EDITION_FIELDS = (*EDITION_KEYS, "effective_from")
# A number shown as a percent is read as the number shown (92% -> 92), as in an upload; the central
# share is itself a fraction, so 50% there means 0.5.
FRACTION_COLUMNS = frozenset({"central_share"})

WIDTHS = {
    "code": 11, "order": 8, "no": 7, "aspect_code": 12, "category_code": 13, "item_code": 12,
    "name_zh": 28, "name_en": 34, "served_population_zh": 26, "content_zh": 48, "standard_zh": 40,
    "expenditure_zh": 26, "central_share": 12, "lead_department_zh": 20, "verified": 10, "source": 20,
    "definition_zh": 44, "definition_en": 48, "kind": 12, "unit": 10, "direction": 11,
    "national_floor": 14, "floor_confirmed": 14, "optimum": 11, "lower_bound": 12, "weight": 9,
    "unit_cost": 12, "tag": 12, "document": 30, "title": 56, "url": 56,
    "key": 14, "value": 90, "about": 40,
}  # fmt: skip
WRAPPED = frozenset(
    {
        "name_zh", "name_en", "served_population_zh", "content_zh", "standard_zh", "expenditure_zh",
        "lead_department_zh", "definition_zh", "definition_en", "document", "title", "url", "value",
        "about",
    }
)  # fmt: skip
HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
LABEL_FILL = PatternFill("solid", fgColor="EDEDED")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
_REF = re.compile(r"^([A-Z]+)(\d+)$")
ABOUT_WIDTHS = (22, 110)  # columns A (what) and B (the fact or instruction) of the About sheet
LINE_HEIGHT = 15  # points per line of wrapped text
MAX_ROW_HEIGHT = 409  # Excel's limit


@dataclass(frozen=True)
class CatalogueSource:
    """One row of an edition's ``sources.csv``: a tag cited in the ``source`` columns."""

    tag: str
    document: str
    title: str
    url: str


@dataclass(frozen=True)
class ParsedWorkbook:
    """What an imported catalogue workbook holds: the new revision and its sources."""

    edition: Edition
    sources: tuple[CatalogueSource, ...]


# -- shared ---------------------------------------------------------------------------------------


def _file(sheet: str) -> str:
    return f"{sheet}.csv"


def _columns(sheet: str) -> tuple[str, ...]:
    return EDITION_COLUMNS if sheet == EDITION_SHEET else COLUMNS[_file(sheet)]


def column_label(sheet: str, column: str, lang: str = "zh") -> str:
    """The label of a column shown in row 2 of ``sheet`` (``indicators``, ``national_floor`` ->
    ``全国底线（可空）``)."""
    return t(f"edition_workbook.column.{sheet}.{column}", lang)


def cell_text(value: object) -> str:
    """A cell as the CSV files write it: ``90`` not ``90.0``, ``yes``/``no``, dates ``YYYY-MM-DD``,
    nothing for an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def shipped_sources(edition_id: str) -> tuple[CatalogueSource, ...]:
    """The sources of the shipped edition ``edition_id`` (``sources.csv``); none for an edition that is
    not shipped."""
    if edition_id not in list_editions():
        return ()
    table = read_table(STANDARDS_DIR / edition_id, "sources.csv", COLUMNS["sources.csv"], [])
    return tuple(CatalogueSource(*(row[c] for c in COLUMNS["sources.csv"])) for row in table.rows)


def _records(edition: Edition, sources: Sequence[CatalogueSource]) -> dict[str, list[dict[str, Any]]]:
    """The rows of every table sheet, typed (numbers, booleans, None), in the edition's order."""

    def fields(obj: object, sheet: str) -> dict[str, Any]:
        return {c: getattr(obj, c) for c in _columns(sheet)}

    return {
        "aspects": [fields(a, "aspects") for a in edition.aspects],
        "categories": [fields(c, "categories") for c in edition.categories],
        "items": [fields(i, "items") for i in edition.items],
        "indicators": [fields(i, "indicators") for i in edition.indicators],
        "sources": [fields(s, "sources") for s in sources],
    }


# -- writing --------------------------------------------------------------------------------------


def _put(cell: Any, value: object) -> None:
    if isinstance(value, bool):
        put_text(cell, YES if value else NO)
    elif isinstance(value, str):
        put_text(cell, value)
    else:
        put_value(cell, value)  # int, float; None leaves the cell empty


def _lines(text: str, width: float) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide (a Chinese character
    takes two): openpyxl cannot measure text, and a row height left unset shows one line in some
    viewers."""
    per_line = max(int(width) - 1, 1)
    total = 0
    for line in text.splitlines() or [""]:
        units = sum(2 if ord(ch) >= 0x2E80 else 1 for ch in line)
        total += max(1, -(-units // per_line))
    return total


def _fit_row(ws: Worksheet, row: int, texts: Sequence[tuple[str, float]]) -> None:
    """Make ``row`` tall enough for the longest of its wrapped (text, column width) cells."""
    lines = max((_lines(text, width) for text, width in texts), default=1)
    if lines > 1:
        ws.row_dimensions[row].height = min(LINE_HEIGHT * lines, MAX_ROW_HEIGHT)


def _header(ws: Worksheet, sheet: str, lang: str) -> None:
    for i, col in enumerate(_columns(sheet), start=1):
        key = put_text(ws.cell(HEADER_ROW, i), col)
        key.font, key.fill, key.border = Font(bold=True), HEADER_FILL, BORDER
        label = put_text(ws.cell(LABEL_ROW, i), column_label(sheet, col, lang))
        label.font, label.fill, label.border = Font(italic=True, color="595959"), LABEL_FILL, BORDER
        label.alignment = WRAP
        ws.column_dimensions[column_letter(i - 1)].width = WIDTHS.get(col, 14)
    ws.row_dimensions[LABEL_ROW].height = 32


def _body(ws: Worksheet, sheet: str, rows: Sequence[dict[str, Any]]) -> None:
    columns = _columns(sheet)
    for r, rec in enumerate(rows, start=FIRST_DATA_ROW):
        for i, col in enumerate(columns, start=1):
            cell = ws.cell(r, i)
            _put(cell, rec.get(col))
            cell.border = BORDER
            cell.alignment = WRAP if col in WRAPPED else TOP
        _fit_row(ws, r, [(str(rec.get(c) or ""), WIDTHS.get(c, 14)) for c in columns if c in WRAPPED])


def _print_setup(ws: Worksheet, title_rows: str | None) -> None:
    """Printed landscape, as wide as the page, the header rows repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if title_rows:
        ws.print_title_rows = title_rows


def _table_sheet(ws: Worksheet, sheet: str, rows: Sequence[dict[str, Any]], lang: str) -> None:
    _header(ws, sheet, lang)
    _body(ws, sheet, rows)
    ws.freeze_panes = f"B{FIRST_DATA_ROW}"
    last = column_letter(len(_columns(sheet)) - 1)
    ws.auto_filter.ref = f"A{LABEL_ROW}:{last}{max(LABEL_ROW, FIRST_DATA_ROW + len(rows) - 1)}"
    _print_setup(ws, f"{HEADER_ROW}:{LABEL_ROW}")


def _edition_sheet(ws: Worksheet, edition: Edition, lang: str) -> None:
    _header(ws, EDITION_SHEET, lang)
    rows = [
        {"key": key, "value": getattr(edition, key), "about": t(f"edition_workbook.key.{key}", lang)}
        for key in EDITION_KEYS
    ]
    _body(ws, EDITION_SHEET, rows)
    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    _print_setup(ws, f"{HEADER_ROW}:{LABEL_ROW}")


def _about_sheet(ws: Worksheet, edition: Edition, n_sources: int, lang: str) -> None:
    def fact(key: str) -> str:
        return t(f"edition_workbook.about.fact.{key}", lang)

    bold = Font(bold=True)
    put_text(ws["A1"], t("edition_workbook.about.title", lang, edition=edition.label)).font = Font(
        bold=True, size=14
    )
    intro = t("edition_workbook.about.intro", lang)
    put_text(ws["A2"], intro).alignment = WRAP
    ws.merge_cells("A2:B2")
    _fit_row(ws, 2, [(intro, ABOUT_WIDTHS[0] + ABOUT_WIDTHS[1])])
    put_text(ws["A4"], t("edition_workbook.about.facts", lang)).font = bold
    not_set = t("edition_workbook.about.not_set", lang)
    facts = [
        ("id", edition.id),
        ("title_zh", edition.title_zh),
        ("title_en", edition.title_en),
        (
            "revision",
            t("edition_workbook.about.revision_value", lang, label=edition.label, revision=edition.revision),
        ),
        ("published", edition.published),
        ("effective_from", str(edition.effective_from) if edition.effective_from is not None else not_set),
        (
            "counts",
            t(
                "edition_workbook.about.counts_value",
                lang,
                aspects=len(edition.aspects),
                categories=len(edition.categories),
                items=len(edition.items),
                indicators=len(edition.indicators),
                sources=n_sources,
            ),
        ),
        ("provenance", edition.provenance),
    ]
    r = 5
    for key, value in facts:
        put_text(ws.cell(r, 1), fact(key)).alignment = TOP
        put_text(ws.cell(r, 2), value).alignment = WRAP
        _fit_row(ws, r, [(value, ABOUT_WIDTHS[1])])
        r += 1
    r += 1
    put_text(ws.cell(r, 1), t("edition_workbook.about.instructions_heading", lang)).font = bold
    fill = {"edition": edition.id, "next": f"{edition.id} r{edition.revision + 1}"}
    for lng in (lang, "en" if lang == "zh" else "zh"):
        for line in t("edition_workbook.about.instructions", lng, **fill).splitlines():
            put_text(ws.cell(r, 2), line).alignment = WRAP
            _fit_row(ws, r, [(line, ABOUT_WIDTHS[1])])
            r += 1
        r += 1
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = ABOUT_WIDTHS
    _print_setup(ws, None)


def edition_workbook(
    edition: Edition,
    lang: str = "zh",
    *,
    sources: Sequence[CatalogueSource] | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """The catalogue of ``edition`` as .xlsx bytes (sheets as the module says), labels in ``lang``.

    ``sources`` default to the shipped ``sources.csv`` of the edition's id (none when it is not
    shipped). ``generated_at`` (default: now) is stamped into every timestamp of the file, so a
    fixed time gives byte-identical output.
    """
    rows = _records(edition, shipped_sources(edition.id) if sources is None else sources)
    wb = Workbook()
    about = wb.active
    about.title = t("edition_workbook.about.sheet", lang)
    _about_sheet(about, edition, len(rows["sources"]), lang)
    _edition_sheet(wb.create_sheet(EDITION_SHEET), edition, lang)
    for sheet in TABLE_SHEETS:
        _table_sheet(wb.create_sheet(sheet), sheet, rows[sheet], lang)
    wb.active = 0
    when = (generated_at or datetime.now(UTC)).replace(microsecond=0)
    when = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    wb.properties.creator = "assessment"
    wb.properties.title = f"{edition.label} catalogue"
    wb.properties.created = when
    return workbook_bytes(wb, when)


# -- reading --------------------------------------------------------------------------------------


def _problem(
    code: str,
    *,
    sheet: str = "",
    cell: str = "",
    row: int | None = None,
    column: str = "",
    value: str = "",
    **fill: object,
) -> Problem:
    """A problem whose zh/en text is ``edition_workbook.<code>``."""
    return localized_problem(
        code,
        {"sheet": sheet, "cell": cell, "column": column, "value": value, **fill},
        key=f"edition_workbook.{code}",
        per_lang={lang: {"sheet_words": _sheet_words(sheet, lang)} for lang in ("zh", "en")},
        sheet=sheet,
        cell=cell,
        row=row,
        column=column,
        value=value,
    )


def _sheet_words(sheet: str, lang: str) -> str:
    return t("edition_workbook.sheet_words", lang, sheet=sheet)


def _at_cell(p: Problem, letters: dict[str, dict[str, str]]) -> Problem:
    """A loader problem (file ``indicators.csv``, row, column) placed at its sheet and cell, its text
    naming sheets instead of files."""
    if not p.file.endswith(".csv"):
        return p
    sheet = p.file.removesuffix(".csv")
    letter = letters.get(sheet, {}).get(p.column, "")
    texts = {"zh": p.message_zh, "en": p.message_en}
    for lang in texts:
        for name in TABLE_SHEETS:
            # Chinese needs no spaces around a name in quotes: 在 items.csv 中 -> 在工作表“items”中
            file = re.escape(_file(name))
            pattern = rf" ?{file} ?" if lang == "zh" else file
            texts[lang] = re.sub(pattern, _sheet_words(name, lang), texts[lang])
    return dataclasses.replace(
        p,
        message_zh=texts["zh"],
        message_en=texts["en"],
        file="",
        sheet=sheet,
        cell=f"{letter}{p.row}" if letter and p.row is not None else "",
    )


def _formula_cells(data: bytes, sheet: str) -> list[tuple[str, str]]:
    """(cell, formula) of every cell of ``sheet`` holding a formula, with or without a saved result."""
    out: list[tuple[str, str]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        # the sibling reader's private lookup of a sheet's XML part, reused rather than copied
        part = _sheet_part(zf, sheet)
        if part is None or part not in zf.namelist():
            return out
        with zf.open(part) as fh:
            for _event, el in SafeET.iterparse(fh, events=("end",)):
                if el.tag.rsplit("}", 1)[-1] != "c":
                    continue
                formula = next((ch for ch in el if ch.tag.rsplit("}", 1)[-1] == "f"), None)
                if formula is not None:
                    out.append((el.get("r", ""), f"={formula.text or ''}"))
                el.clear()
    return out


@dataclass
class _Sheet:
    """One imported sheet read into the loader's Table (named like its CSV file) and the letter of each
    machine column."""

    table: Table
    letters: dict[str, str]


def _labels(sheet: str, column: str) -> set[str]:
    return {column_label(sheet, column, lang) for lang in ("zh", "en")}


def _read_sheet(wb: pc.CalamineWorkbook, data: bytes, sheet: str, problems: list[Problem]) -> _Sheet:
    """Rows of ``sheet`` from row 3 (row 2 too when it does not hold the labels), every cell as CSV
    text; columns found by their machine name in row 1, in any order, extra ones ignored."""
    columns = _columns(sheet)
    required = EDITION_REQUIRED if sheet == EDITION_SHEET else columns
    table = Table(_file(sheet))
    grid = read_grid(wb, sheet)
    header = [cell_text(v) for v in grid[0]] if grid else []
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        if name not in columns:
            continue
        if name in index:
            ref = f"{column_letter(i)}{HEADER_ROW}"
            problems.append(
                _problem("duplicate_column", sheet=sheet, cell=ref, row=HEADER_ROW, column=name, value=name)
            )
        else:
            index[name] = i
    letters = {col: column_letter(i) for col, i in index.items()}
    column_at = {letter: col for col, letter in letters.items()}
    for ref, formula in _formula_cells(data, sheet):
        m = _REF.match(ref)
        problems.append(
            _problem(
                "formula",
                sheet=sheet,
                cell=ref,
                row=int(m[2]) if m else None,
                column=column_at.get(m[1], "") if m else "",
                value=formula,
            )
        )
    missing = [c for c in required if c not in index]
    for col in missing:
        problems.append(
            _problem("missing_column", sheet=sheet, row=HEADER_ROW, column=col, required=", ".join(required))
        )
    if missing:
        return _Sheet(table, letters)
    percent = cell_flags(data, sheet).percent
    first = LABEL_ROW
    if len(grid) >= LABEL_ROW:
        label_row = grid[LABEL_ROW - 1]
        if any(
            i < len(label_row) and cell_text(label_row[i]) in _labels(sheet, col) for col, i in index.items()
        ):
            first = FIRST_DATA_ROW
    for number in range(first, len(grid) + 1):
        record = grid[number - 1]
        cells = {}
        for col, i in index.items():
            value = record[i] if i < len(record) else None
            if (
                f"{letters[col]}{number}" in percent
                and isinstance(value, float)
                and col not in FRACTION_COLUMNS
            ):
                value = round(value * 100, 10)
            cells[col] = cell_text(value)
        if any(cells.values()):
            table.rows.append(Row(number, cells))
    table.complete = True
    return _Sheet(table, letters)


def _edition_meta(sheet: _Sheet, current: Edition, problems: list[Problem]) -> tuple[dict[str, str], bool]:
    """The edition sheet's values by key, and whether its id is the current edition's."""
    found: dict[str, str] = {}
    first: dict[str, int] = {}
    letter = sheet.letters.get("value", "B")
    key_letter = sheet.letters.get("key", "A")

    def at(row: Row, code: str, column: str, value: str, **fill: object) -> None:
        col_letter = key_letter if column == "key" else letter
        problems.append(
            _problem(
                code,
                sheet=EDITION_SHEET,
                cell=f"{col_letter}{row.number}",
                row=row.number,
                column=column,
                value=value,
                **fill,
            )
        )

    for row in sheet.table.rows:
        key, value = row["key"], row["value"]
        if key not in EDITION_KEYS:
            at(row, "unknown_key", "key", key, keys=", ".join(EDITION_KEYS))
            continue
        if key in first:
            at(row, "duplicate_key", "key", key, first_row=first[key])
            continue
        first[key] = row.number
        if not value:
            at(row, "empty_meta", key, value)
            continue
        if key == "published":
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                at(row, "bad_date", key, value)
                continue
        if key == "id" and value != current.id:
            at(row, "wrong_edition", key, value, expected=current.id)
        found[key] = value
    if sheet.table.complete:
        for key in EDITION_KEYS:
            if key not in first:
                problems.append(_problem("missing_key", sheet=EDITION_SHEET, column=key, value=key))
    # a missing or empty id is reported above; the workbook is then taken to be of this edition
    return found, found.get("id", current.id) == current.id


def _code_changes(sheets: dict[str, _Sheet], current: Edition, problems: list[Problem]) -> None:
    """A revision keeps every code of the current one; aspects and categories are not added."""
    now: dict[str, list[Any]] = {
        "aspects": list(current.aspects),
        "categories": list(current.categories),
        "items": list(current.items),
        "indicators": list(current.indicators),
    }
    for name in KEPT_SHEETS:
        sheet = sheets.get(name)
        if sheet is None or not sheet.table.complete:
            continue
        codes = {row["code"] for row in sheet.table.rows}
        old = [x.code for x in now[name]]
        for code in old:
            if code not in codes:
                problems.append(_problem("code_removed", sheet=name, column="code", value=code))
        if name in FIXED_SHEETS:
            known = set(old)
            letter = sheet.letters["code"]
            for row in sheet.table.rows:
                if row["code"] and row["code"] not in known:
                    problems.append(
                        _problem(
                            "code_added",
                            sheet=name,
                            cell=f"{letter}{row.number}",
                            row=row.number,
                            column="code",
                            value=row["code"],
                        )
                    )


def _sort_key(p: Problem) -> tuple[int, int, int, str]:
    sheet = SHEETS.index(p.sheet) + 1 if p.sheet in SHEETS else 0
    columns = _columns(p.sheet) if p.sheet in SHEETS else ()
    column = columns.index(p.column) if p.column in columns else -1
    return (sheet, p.row or 0, column, p.code)


def _container_problems(data: bytes) -> list[Problem]:
    """Why the bytes are not a workbook we may open (the upload checks and limits), or nothing."""
    inspection = inspect_upload(data, "", DEFAULT_MAX_BYTES)
    if inspection.kind == "xlsx":
        return []
    if inspection.kind == "csv":
        return [_problem("not_xlsx", detected="text / CSV")]
    out = []
    for p in inspection.problems:
        if p.code == "E_NOT_XLSX":
            out.append(_problem("not_xlsx", value=p.value, detected=p.value))
        elif p.code == "E_CORRUPT":
            out.append(_problem("not_xlsx", value=p.value, detected="damaged / 已损坏"))
        else:  # empty, too large, encrypted, legacy .xls, macros, zip or XML bomb: the upload's texts
            out.append(p)
    return out


def _read_sheets(data: bytes, problems: list[Problem]) -> dict[str, _Sheet] | None:
    """Every imported sheet that is present, or None when the workbook cannot be opened."""
    try:
        wb = open_workbook(data)
    except pc.PasswordError:
        problems.append(localized_problem("E_ENCRYPTED", key="ingest.E_ENCRYPTED"))
        return None
    except Exception:  # calamine's Zip/Xml errors and anything else from a damaged file
        problems.append(_problem("not_xlsx", detected="damaged / 已损坏"))
        return None
    try:
        present = {s.name for s in sheets(wb)}
        out: dict[str, _Sheet] = {}
        for name in SHEETS:
            if name not in present:
                problems.append(_problem("missing_sheet", sheet=name, required=", ".join(SHEETS)))
            else:
                out[name] = _read_sheet(wb, data, name, problems)
        return out
    except READ_ERRORS:  # a damaged part that calamine or the XML scan could not read
        problems.append(_problem("not_xlsx", detected="damaged / 已损坏"))
        return None
    finally:
        wb.close()


def _empty(name: str) -> _Sheet:
    return _Sheet(Table(_file(name)), {})


def _parse(data: bytes, current: Edition) -> ParsedWorkbook:
    problems = _container_problems(data)
    if problems:
        raise DataFileError(problems)
    read = _read_sheets(data, problems)
    if read is None:
        raise DataFileError(problems)
    tables = {_file(name): read.get(name, _empty(name)).table for name in TABLE_SHEETS}
    found: list[Problem] = []  # the loader's problems, at file/row/column until placed below
    aspects = _aspects(tables["aspects.csv"], found)
    categories = _categories(tables["categories.csv"], found)
    items = _items(tables["items.csv"], found)
    indicators = _indicators(tables["indicators.csv"], found)
    check_references(tables, None, found)
    check_sources(tables, found)
    letters = {name: sheet.letters for name, sheet in read.items()}
    # a formula cell is reported as such, not again as whatever its (cached or missing) result breaks
    formulas = {(p.sheet, p.cell) for p in problems if p.code == "formula"}
    placed = (_at_cell(p, letters) for p in found)
    problems += [p for p in placed if (p.sheet, p.cell) not in formulas]
    meta, same_edition = _edition_meta(read.get(EDITION_SHEET, _empty(EDITION_SHEET)), current, problems)
    if same_edition:  # against another edition, "removed" codes would only be noise
        _code_changes(read, current, problems)
    if problems:
        raise DataFileError(sorted(problems, key=_sort_key))
    item_no = {i.code: i.no for i in items}
    edition = Edition(
        id=meta["id"],
        title_zh=meta["title_zh"],
        title_en=meta["title_en"],
        published=meta["published"],
        provenance=meta["provenance"],
        aspects=tuple(sorted(aspects, key=lambda a: a.order)),
        categories=tuple(sorted(categories, key=lambda c: c.order)),
        items=tuple(sorted(items, key=lambda i: i.no)),
        indicators=tuple(sorted(indicators, key=lambda ind: item_no[ind.item_code])),
        effective_from=current.effective_from,
        revision=current.revision + 1,
    )
    source_rows = tables["sources.csv"].rows
    sources = tuple(CatalogueSource(*(row[c] for c in COLUMNS["sources.csv"])) for row in source_rows)
    return ParsedWorkbook(edition, sources)


def parse_edition_workbook(data: bytes, current: Edition) -> ParsedWorkbook:
    """The new revision of ``current`` in the workbook ``data`` and its sources (see the module).

    Raises :class:`DataFileError` listing every problem, each at its sheet and cell."""
    try:
        data = bytes(data)
    except TypeError:  # not bytes-like at all: it will be refused as not a workbook
        data = str(data).encode("utf-8", errors="replace")
    try:
        return _parse(data, current)
    except DataFileError:
        raise
    except MemoryError:
        raise DataFileError(
            [localized_problem("E_TOO_LARGE", {"size_mb": "?", "limit_mb": "-"}, key="ingest.E_TOO_LARGE")]
        ) from None
    except Exception:  # the last line of defence: a bug must not become a traceback for the user
        log.exception("reading an edition workbook of %s failed", current.id)
        raise DataFileError([_problem("unreadable")]) from None


def read_edition_workbook(data: bytes, current: Edition) -> Edition:
    """The workbook ``data`` (from :func:`edition_workbook`, corrected) as revision
    ``current.revision + 1`` of ``current``. Raises :class:`DataFileError` listing every problem, each
    naming its sheet and cell, in zh and en."""
    return parse_edition_workbook(data, current).edition


# -- differences ----------------------------------------------------------------------------------


def _natural(code: str) -> tuple[object, ...]:
    """``S05.2`` before ``S05.10``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", code))


def _by_code(
    edition: Edition, sources: Sequence[CatalogueSource] | None
) -> dict[str, dict[str, dict[str, str]]]:
    """table -> code -> field -> text, the fields in column order."""
    out: dict[str, dict[str, dict[str, str]]] = {
        "edition": {"": {f: cell_text(getattr(edition, f)) for f in DIFF_EDITION_FIELDS}}
    }
    for sheet, rows in _records(edition, sources or ()).items():
        key = KEY_COLUMN[sheet]
        out[sheet] = {str(rec[key]): {c: cell_text(v) for c, v in rec.items() if c != key} for rec in rows}
    return out


def _field_label(table: str, field: str, lang: str) -> str:
    if table == "edition":
        return t(f"edition_workbook.key.{field}", lang)
    return column_label(table, field, lang)


def _changes(
    old: dict[str, dict[str, dict[str, str]]], new: dict[str, dict[str, dict[str, str]]], lang: str
) -> Iterator[tuple[tuple[object, ...], dict[str, object]]]:
    for rank, table in enumerate(DIFF_TABLES):
        before, after = old.get(table, {}), new.get(table, {})
        fields = DIFF_EDITION_FIELDS if table == "edition" else _columns(table)
        for code in set(before) | set(after):
            a, b = before.get(code), after.get(code)
            for pos, field in enumerate(fields):
                if field == KEY_COLUMN.get(table):
                    continue
                x = None if a is None else a[field]
                y = None if b is None else b[field]
                if a is not None and b is not None:
                    if x == y:
                        continue
                    change = "changed"
                elif (y if a is None else x) == "":  # an empty cell of an added or removed row
                    continue
                else:
                    change = "added" if a is None else "removed"
                row: dict[str, object] = {
                    "table": table,
                    "code": code,
                    "field": field,
                    "old": x,
                    "new": y,
                    "change": change,
                    "label": _field_label(table, field, lang),
                }
                yield (rank, _natural(code), pos), row


def diff_editions(
    old: Edition,
    new: Edition,
    lang: str = "zh",
    *,
    old_sources: Sequence[CatalogueSource] | None = None,
    new_sources: Sequence[CatalogueSource] | None = None,
) -> pd.DataFrame:
    """Every changed cell from ``old`` to ``new``, matched by code (two revisions of one edition, or
    two editions).

    One row per cell: ``table`` (edition, aspects, categories, items, indicators, sources), ``code``
    (the entry's code or source tag; empty for the edition's own fields), ``field`` (the machine
    column), ``old`` and ``new`` (the cell as the workbook writes it: ``90``, ``yes``, an empty
    string for an empty cell; None on the side where the entry does not exist), ``change``
    (``added``, ``removed``, ``changed``) and ``label`` (the column's label in ``lang``). Sorted by
    table in the order above, then code (``S05.2`` before ``S05.10``), then column order. Edition
    fields compared: id, titles, published, provenance and effective_from (the revision is not: it
    is what differs between two revisions). Sources are compared only when both ``old_sources`` and
    ``new_sources`` are given, since an Edition does not carry them. Empty (same columns) when
    nothing differs.
    """
    compare_sources = old_sources is not None and new_sources is not None
    before = _by_code(old, old_sources if compare_sources else ())
    after = _by_code(new, new_sources if compare_sources else ())
    rows = [row for _key, row in sorted(_changes(before, after, lang), key=lambda kv: kv[0])]
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DIFF_COLUMNS})
    return pd.DataFrame(rows, columns=list(DIFF_COLUMNS))


def workbook_edition_id(data: bytes, filename: str = "") -> str:
    """The edition id a catalogue workbook names (its ``edition`` sheet's ``id``), to pick the
    revision it is checked against. Raises DataFileError when the file is not such a workbook."""
    problems = _container_problems(data)
    if problems:
        raise DataFileError(problems)
    try:
        wb = open_workbook(data)
    except Exception:  # a damaged file: refused, never a traceback
        raise DataFileError([_problem("not_xlsx", detected="damaged / 已损坏")]) from None
    try:
        if EDITION_SHEET not in {s.name for s in sheets(wb)}:
            raise DataFileError([_problem("missing_sheet", sheet=EDITION_SHEET, required=", ".join(SHEETS))])
        for row in read_grid(wb, EDITION_SHEET):
            if len(row) >= 2 and str(row[0]).strip() == "id" and str(row[1]).strip():
                return str(row[1]).strip()
    except READ_ERRORS:
        raise DataFileError([_problem("not_xlsx", detected="damaged / 已损坏")]) from None
    finally:
        wb.close()
    raise DataFileError([_problem("missing_sheet", sheet=EDITION_SHEET, required="id")])
