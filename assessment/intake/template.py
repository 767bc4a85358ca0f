"""The Excel template an official fills for one region and period (issue 3 item 1, DESIGN section 5).

Sheets:

- ``填报`` (data, opened first): title rows, then a header of Chinese label + machine key and one
  row per indicator of the edition: code, aspect, category, item, indicator, unit, national floor,
  binding local standard, required, then the input cells value / numerator / denominator / note,
  then whether the floor is confirmed and a short hint. Only input cells are unlocked; numerator
  and denominator are open for rates only. Excel data validation guards them (rates 0-100, others
  >= 0, denominators > 0, yes/no 0 or 1). Sheet protection has **no password** (it prevents
  accidents, it is not security); the workbook structure is locked the same way.
- ``说明 instructions``: how to fill it in, in Chinese and English.
- ``meta`` (very hidden): template_version, edition, region_code, period, generated_at, lang.
  :func:`assessment.intake.ingest.read_upload` reads it to recognise the template.

Required values (``必填``): indicators with a national floor or a binding local standard; see
:mod:`assessment.intake.validation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assessment.domain.i18n import t
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.intake.workbook_layout import (
    DATA_SHEET,
    FIRST_DATA_ROW,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    TEMPLATE_COLUMNS,
    TEMPLATE_VERSION,
    column_letter,
    header_text,
)
from assessment.intake.xlsx_write import put_text, put_value, workbook_bytes

COL = {key: column_letter(i) for i, (key, _zh) in enumerate(TEMPLATE_COLUMNS)}
WIDTHS = {
    "indicator_code": 15,
    "aspect": 12,
    "category": 16,
    "item": 22,
    "indicator": 38,
    "unit": 10,
    "national_floor": 15,
    "local_standard": 15,
    "required": 10,
    "value": 13,
    "numerator": 13,
    "denominator": 14,
    "note": 30,
    "floor_confirmed": 16,
    "guidance": 36,
}
GREY = PatternFill("solid", fgColor="EDEDED")
HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
WRAP = Alignment(wrap_text=True, vertical="top")


def _binding_for(
    local_standards: Sequence[LocalStandard], tree: RegionTree, edition: Edition, region: str, period: int
) -> dict[str, float]:
    if not local_standards:
        return {}
    from assessment.catalogue.local_standards import binding_standards

    b = binding_standards(local_standards, tree, edition, period)
    b = b[(b["region_code"].astype(str) == region) & b["local_standard"].notna()]
    return dict(zip(b["indicator_code"].astype(str), b["local_standard"].astype(float), strict=True))


def _prefill(values: pd.DataFrame | None, region: str, period: int) -> dict[str, dict[str, object]]:
    if values is None or not len(values):
        return {}
    v = values[(values["region_code"].astype(str) == region) & (values["period"].astype(int) == period)]
    out: dict[str, dict[str, object]] = {}
    for rec in v.to_dict("records"):
        cells: dict[str, object] = {}
        for key in ("value", "numerator", "denominator"):
            x = rec.get(key)
            cells[key] = None if x is None or pd.isna(x) else (int(x) if float(x).is_integer() else float(x))
        note = rec.get("note")
        cells["note"] = None if note is None or pd.isna(note) or note == "" else str(note)
        out[str(rec["indicator_code"])] = cells
    return out


def _validations(ws: Worksheet, lang: str) -> dict[str, DataValidation]:
    title = t("ingest.template.validation_title", lang)
    specs = {
        "rate": ("decimal", "between", "0", "100", "rate"),
        "nonnegative": ("decimal", "greaterThanOrEqual", "0", None, "nonnegative"),
        "positive": ("decimal", "greaterThan", "0", None, "positive"),
        "boolean": ("whole", "between", "0", "1", "boolean"),
    }
    out = {}
    for name, (typ, op, f1, f2, msg) in specs.items():
        text = (
            f"{t(f'ingest.template.validation.{msg}', 'zh')} {t(f'ingest.template.validation.{msg}', 'en')}"
        )
        dv = DataValidation(type=typ, operator=op, formula1=f1, formula2=f2, allow_blank=True)
        dv.error, dv.errorTitle, dv.showErrorMessage = text[:255], title[:32], True
        dv.prompt, dv.promptTitle, dv.showInputMessage = text[:255], title[:32], True
        ws.add_data_validation(dv)
        out[name] = dv
    return out


def _data_sheet(
    ws: Worksheet,
    rows: pd.DataFrame,
    lang: str,
    title: str,
    subtitle: str,
    local: dict[str, float],
    prefill: dict[str, dict[str, object]],
) -> None:
    """Title rows, header and one row per indicator (``rows`` = edition.indicator_frame())."""
    last = COL["guidance"]
    put_text(ws["A1"], title)
    ws["A1"].font = Font(bold=True, size=14)
    put_text(ws["A2"], subtitle)
    ws["A2"].font = Font(italic=True, color="595959")
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    for i, (key, zh) in enumerate(TEMPLATE_COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, i, header_text(key, zh))
        cell.font, cell.fill, cell.border, cell.alignment = Font(bold=True), HEADER_FILL, BORDER, WRAP
        ws.column_dimensions[column_letter(i - 1)].width = WIDTHS[key]
    ws.row_dimensions[HEADER_ROW].height = 34
    dvs = _validations(ws, lang)
    sfx = "zh" if lang == "zh" else "en"
    yes, no = t("ingest.template.yes", lang), t("ingest.template.no", lang)
    for r, rec in enumerate(rows.to_dict("records"), start=FIRST_DATA_ROW):
        code, kind = rec["indicator_code"], rec["kind"]
        floor = rec["national_floor"]
        has_floor = pd.notna(floor)
        hint = t(f"ingest.template.kind.{kind}", lang)
        if rec["direction"] == "lower":
            hint += f"（{t('ingest.template.lower_is_better', lang)}）"
        confirmed = (
            ""
            if not has_floor
            else (yes if rec["floor_confirmed"] else t("ingest.template.unconfirmed", lang))
        )
        fixed = {
            "indicator_code": code,
            "aspect": rec[f"aspect_{sfx}"],
            "category": rec[f"category_{sfx}"],
            "item": rec[f"item_{sfx}"],
            "indicator": rec[f"name_{sfx}"],
            "unit": rec["unit"],
            "national_floor": float(floor) if has_floor else None,
            "local_standard": local.get(code),
            "required": yes if has_floor or code in local else no,
            "floor_confirmed": confirmed,
            "guidance": hint,
        }
        for key, val in fixed.items():
            cell = put_value(ws[f"{COL[key]}{r}"], val)
            cell.fill, cell.border = GREY, BORDER
            if key in ("item", "indicator", "guidance", "category"):
                cell.alignment = WRAP
        inputs = ["value", "note"] + (["numerator", "denominator"] if kind == "rate" else [])
        filled = prefill.get(code, {})
        for key in ("value", "numerator", "denominator", "note"):
            cell = ws[f"{COL[key]}{r}"]
            cell.border = BORDER
            if key in inputs:
                cell.fill, cell.protection = INPUT_FILL, UNLOCKED
                put_value(cell, filled.get(key))
            else:
                cell.fill = GREY
        value_rule = {"rate": "rate", "boolean": "boolean"}.get(kind, "nonnegative")
        dvs[value_rule].add(f"{COL['value']}{r}")
        if kind == "rate":
            dvs["nonnegative"].add(f"{COL['numerator']}{r}")
            dvs["positive"].add(f"{COL['denominator']}{r}")
    ws.freeze_panes = f"B{FIRST_DATA_ROW}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{max(HEADER_ROW, FIRST_DATA_ROW + len(rows) - 1)}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # officials may widen columns...
    ws.protection.formatRows = False
    ws.protection.autoFilter = False  # ...and filter rows
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _instructions_sheet(ws: Worksheet, lang: str, fill: dict[str, object]) -> None:
    order = ("zh", "en") if lang == "zh" else ("en", "zh")
    r = 1
    for lng in order:
        for i, line in enumerate(t("ingest.template.instructions", lng, **fill).splitlines()):
            cell = put_text(ws.cell(r, 1), line)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if i == 0:
                cell.font = Font(bold=True, size=13)
            r += 1
        r += 1
    ws.column_dimensions["A"].width = 120
    ws.protection.sheet = True


def build_template(
    edition: Edition,
    tree: RegionTree,
    region_code: str,
    period: int,
    local_standards: Sequence[LocalStandard] = (),
    lang: str = "zh",
    values: pd.DataFrame | None = None,
    *,
    generated_at: datetime | None = None,
) -> bytes:
    """The .xlsx template of ``region_code`` for ``period`` under ``edition``, as bytes.

    ``values`` (tidy: region_code, period, indicator_code, value, numerator, denominator, note)
    pre-fills the input cells. ``generated_at`` (default: now, UTC) is written into the metadata
    and into every timestamp of the file, so a fixed time gives byte-identical output.
    Raises KeyError for a region code that is not in ``tree``.
    """
    region = tree.get(region_code)
    when = (generated_at or datetime.now(UTC)).replace(microsecond=0)
    when_naive = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    name = region.name_zh if lang == "zh" else region.name_en
    fill = {"region": name, "code": region_code, "period": period, "edition": edition.id}
    title = t("ingest.template.title", lang, **fill)
    subtitle = t(
        "ingest.template.subtitle",
        lang,
        edition=edition.id,
        version=TEMPLATE_VERSION,
        generated=when_naive.strftime("%Y-%m-%d %H:%M UTC"),
    )
    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    rows = edition.indicator_frame()
    local = _binding_for(local_standards, tree, edition, region_code, period)
    _data_sheet(ws, rows, lang, title, subtitle, local, _prefill(values, region_code, period))
    _instructions_sheet(wb.create_sheet(INSTRUCTIONS_SHEET), lang, fill)
    meta = wb.create_sheet(META_SHEET)
    for key, val in (
        ("template_version", TEMPLATE_VERSION),
        ("edition", edition.id),
        ("region_code", region_code),
        ("period", str(period)),
        ("generated_at", when_naive.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("lang", lang),
    ):
        meta.append([key, val])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.active = 0
    wb.security = WorkbookProtection(lockStructure=True)
    wb.properties.creator = "assessment"
    wb.properties.title = f"{edition.id} {region_code} {period}"
    wb.properties.created = when_naive
    return workbook_bytes(wb, when_naive)
