"""The annotated copy of an upload (issue 3 item 4): every problem marked where it is.

- An xlsx upload comes back as the **same workbook** (openpyxl, with defusedxml) with each
  offending cell filled (red for errors, amber for warnings) and explained in a cell comment in
  both languages, plus a first sheet ``错误清单 errors`` listing every problem with a link to its
  cell. The template's protection, validation and hidden metadata are kept, so the official can
  fix the copy and upload it again.
- A csv upload, or an xlsx too large to rewrite in place (over ``IN_PLACE_MAX_BYTES``), comes
  back as a new workbook holding the summary and the rows that have problems (sheet
  ``问题行 rows``, with their original row numbers), marked the same way.
- A file refused as a container (encrypted, corrupt, bomb...) is never opened again: the
  workbook holds the summary only.

All text we write goes through :func:`assessment.intake.xlsx_write.put_text`, so a value such as
``=HYPERLINK(...)`` taken from an upload is shown as text and never becomes a formula.
"""

from __future__ import annotations

import io
import logging
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from assessment.domain.errors import Problem
from assessment.domain.i18n import t
from assessment.intake.ingest import UploadResult
from assessment.intake.safety import inspect_upload
from assessment.intake.upload_problems import CONTAINER_CODES
from assessment.intake.upload_tables import FIELDS, batch_csv_table, batch_xlsx_table, template_table
from assessment.intake.validation import RawTable
from assessment.intake.workbook_layout import BATCH_COLUMNS, DATA_SHEET, ERRORS_SHEET, ROWS_SHEET, header_text
from assessment.intake.xlsx_reader import open_workbook, sheets
from assessment.intake.xlsx_write import put_text, put_value, workbook_bytes

log = logging.getLogger(__name__)

IN_PLACE_MAX_BYTES = 5 * 1024 * 1024
ERROR_FILL = PatternFill("solid", fgColor="FFC7CE")
WARNING_FILL = PatternFill("solid", fgColor="FFEB9C")
COMMENT_AUTHOR = "上传检查 upload check"


def _comment_text(problems: list[Problem]) -> str:
    parts = [f"[{p.code}] {p.message_zh}\n{p.message_en}" for p in problems]
    return "\n\n".join(parts)[:30000]


def _mark(ws: Worksheet, ref: str, problems: list[Problem]) -> None:
    cell = ws[ref]
    if not hasattr(cell, "comment"):  # a merged cell's hidden part: mark its anchor instead
        return
    cell.fill = ERROR_FILL if any(p.severity == "error" for p in problems) else WARNING_FILL
    text = _comment_text(problems)
    if cell.comment is not None and cell.comment.author != COMMENT_AUTHOR:
        text = f"{cell.comment.text}\n\n{text}"
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width, comment.height = 420, min(80 + 90 * len(problems), 600)
    cell.comment = comment


def _where(p: Problem) -> str:
    """Short location for the summary: ``填报!J12``, ``D12`` (csv) or the row."""
    if p.sheet and p.cell:
        return f"{p.sheet}!{p.cell}"
    if p.cell:
        return p.cell
    if p.row is not None:
        return f"{p.row}"
    return p.sheet


def _summary(ws: Worksheet, result: UploadResult, lang: str, link_sheet: dict[str, str]) -> None:
    """The problem list; ``link_sheet`` maps a problem's sheet to the sheet to link to."""
    other = "en" if lang == "zh" else "zh"
    ws.append(
        [t("ingest.annotate.summary_title", lang, errors=len(result.errors), warnings=len(result.warnings))]
    )
    ws["A1"].font = Font(bold=True, size=13)
    heads = ("severity", "code", "where", "value", "message")
    ws.append(
        [t(f"ingest.annotate.col.{h}", lang) for h in heads] + [t("ingest.annotate.col.message", other)]
    )
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for r, p in enumerate(result.problems, start=3):
        sev = t(f"ingest.annotate.{p.severity}", lang)
        msg = {"zh": p.message_zh, "en": p.message_en}
        texts = (sev, p.code, _where(p), p.value, msg[lang if lang in msg else "zh"], msg[other])
        for c, text in enumerate(texts, start=1):
            put_text(ws.cell(r, c), text).alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(r, 1).fill = ERROR_FILL if p.severity == "error" else WARNING_FILL
        target = link_sheet.get(p.sheet)
        if target and p.cell:
            ws.cell(r, 3).hyperlink = Hyperlink(ref=f"C{r}", location=f"'{target}'!{p.cell}")
            ws.cell(r, 3).font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEF", (8, 32, 14, 16, 70, 70), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A3"


def _by_cell(problems: tuple[Problem, ...]) -> dict[tuple[str, str], list[Problem]]:
    out: dict[tuple[str, str], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.sheet and p.cell:
            out[(p.sheet, p.cell)].append(p)
    return out


def _select_first(wb: Workbook) -> None:
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = False
    wb.active = 0
    wb.worksheets[0].sheet_view.tabSelected = True


def _in_place(data: bytes, result: UploadResult, lang: str) -> bytes:
    wb = load_workbook(io.BytesIO(data), keep_links=False, rich_text=False)
    for (sheet, ref), probs in _by_cell(result.problems).items():
        if sheet in wb.sheetnames:
            _mark(wb[sheet], ref, probs)
    if ERRORS_SHEET in wb.sheetnames:  # annotating an annotated copy: replace the old list
        del wb[ERRORS_SHEET]
    ws = wb.create_sheet(ERRORS_SHEET, 0)
    _summary(ws, result, lang, {s: s for s in wb.sheetnames})
    _select_first(wb)
    return workbook_bytes(wb)


def _raw_table(data: bytes, kind: str) -> RawTable | None:
    if kind == "csv":
        return batch_csv_table(data, "")[0]
    wb = open_workbook(data)
    try:
        if DATA_SHEET in [s.name for s in sheets(wb)]:
            return template_table(wb, data, "")[0]
        return batch_xlsx_table(wb, data, "")[0]
    finally:
        wb.close()


def _rows_copy(data: bytes, result: UploadResult, lang: str, kind: str) -> bytes:
    wb = Workbook()
    summary = wb.active
    summary.title = ERRORS_SHEET
    raw = _raw_table(data, kind) if result.problems else None
    link: dict[str, str] = {}
    if raw is not None:
        rows_ws = wb.create_sheet(ROWS_SHEET)
        keys = [k for k in FIELDS if k in raw.letters]
        labels = dict(BATCH_COLUMNS)
        rows_ws.append(
            [t("ingest.annotate.source_row", lang)] + [header_text(k, labels.get(k, k)) for k in keys]
        )
        wanted = {p.row for p in result.problems if p.row is not None}
        sub = raw.frame[raw.frame["row"].isin(wanted)]
        where: dict[int, int] = {}
        for out_row, rec in enumerate(sub.to_dict("records"), start=2):
            where[int(rec["row"])] = out_row
            rows_ws.cell(out_row, 1, int(rec["row"]))
            for c, key in enumerate(keys, start=2):
                val = rec[key]
                blank = val is None or val == "" or (isinstance(val, float) and val != val)
                put_value(rows_ws.cell(out_row, c), None if blank else val)
        col_of = {k: i for i, k in enumerate(keys, start=2)}
        grouped: dict[tuple[int, int], list[Problem]] = defaultdict(list)
        for p in result.problems:
            if p.row in where:
                grouped[(where[p.row], col_of.get(p.column, 1))].append(p)
        for (r, c), probs in grouped.items():
            _mark(rows_ws, rows_ws.cell(r, c).coordinate, probs)
        rows_ws.freeze_panes = "B2"
    _summary(summary, result, lang, link)
    _select_first(wb)
    return workbook_bytes(wb)


def annotate(data: bytes, result: UploadResult, lang: str = "zh") -> bytes:
    """The annotated copy of ``data`` (see the module docstring) as .xlsx bytes. Never raises on
    a bad upload: if the original cannot be rewritten, the copy holds the summary alone."""
    data = bytes(data)
    refused = any(p.code in CONTAINER_CODES for p in result.problems)
    kind = "" if refused else inspect_upload(data, "", max_bytes=len(data) + 1).kind
    try:
        if kind == "xlsx" and len(data) <= IN_PLACE_MAX_BYTES:
            return _in_place(data, result, lang)
        if kind in ("xlsx", "csv"):
            return _rows_copy(data, result, lang, kind)
    except Exception:  # a workbook openpyxl cannot rewrite: fall back to the list of problems
        log.exception("annotate: could not rewrite the upload; sending the summary only")
    wb = Workbook()
    wb.active.title = ERRORS_SHEET
    _summary(wb.active, result, lang, {})
    return workbook_bytes(wb)
