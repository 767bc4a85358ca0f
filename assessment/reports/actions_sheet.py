"""The actions sheet (整改措施 / Actions) of a region's feedback workbook (issue 17 point 1).

One row per gap of the region in the report period (the figure below the national floor, or
meeting it but below the binding local standard): indicator code and name, the gap's kind, value,
threshold and shortfall, then the input cells an official fills: measures, responsible department
(pre-filled with the item's lead department), the item's central share (shown, locked), budget total
/ central / local in yuan, due period (pre-filled with the next period), status (a drop-down list)
and the reason for dropping. A gap that already has an action is pre-filled with it, so the sheet
can be downloaded, changed and uploaded again. Three hidden columns carry the machine keys (region,
period, indicator) that :mod:`assessment.accountability.sheet` reads back; its :data:`COLUMNS`
fix the order and the header cells (``整改措施 measures``, as in the data template).

The sheet is protected without a password (it prevents accidents, not a security measure): only the
input cells are unlocked; columns may be widened and rows filtered. An instruction block above the
table says how to fill it in and upload it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from assessment.accountability.sheet import COLUMNS, HIDDEN_KEYS, INPUT_KEYS, SHEET_NAMES, header_label
from assessment.accountability.sheet import status_label as _status_label
from assessment.domain.actions import STATUSES
from assessment.domain.i18n import t
from assessment.reports.context import ReportData
from assessment.reports.layout import Report
from assessment.reports.workbook import (
    FMT_MONEY,
    FMT_SHARE,
    FMT_VALUE,
    STATUS_COLOURS,
    STATUS_FONT_COLOURS,
    clean_text,
    is_dangerous,
    rgb,
)
from assessment.reports.writer import SheetWriter, Styled
from assessment.scoring import accountability as acc

__all__ = ["actions_rows", "actions_sheet", "sheet_name"]

WIDTHS = {
    "indicator_code": 15,
    "indicator": 30,
    "gap_kind": 13,
    "value": 11,
    "threshold": 12,
    "shortfall": 12,
    "measures": 40,
    "department": 18,
    "central_share": 14,
    "budget_total": 15,
    "budget_central": 16,
    "budget_local": 15,
    "due_period": 12,
    "status": 12,
    "reason": 24,
}
FORMATS = {
    "value": FMT_VALUE,
    "threshold": FMT_VALUE,
    "shortfall": FMT_VALUE,
    "central_share": FMT_SHARE,
    "budget_total": FMT_MONEY,
    "budget_central": FMT_MONEY,
    "budget_local": FMT_MONEY,
    "due_period": "0",
}
WRAPPED = ("indicator", "measures", "department", "reason")
LOCKED_FILL = "EDEDED"
INPUT_FILL = "FFFFFF"
_THIN = Side(style="thin", color="BFBFBF")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def sheet_name(lang: str) -> str:
    """The actions sheet's name in the report language."""
    return SHEET_NAMES["zh" if lang == "zh" else "en"]


def _plain(value: object) -> object:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float | np.floating) and math.isnan(float(value)):
        return None
    return value


def actions_rows(data: ReportData, actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """The rows of the sheet: one per gap of ``data.code`` in ``data.period`` (below the floor first,
    then catalogue order), with the stored action's fields where there is one, else the defaults."""
    gaps = acc.gaps(data.scores, data.period)
    # actions are recorded per county: a prefecture's or province's sheet lists none
    county = not data.tree.children(data.code)
    gaps = gaps.loc[(gaps["region_code"].to_numpy() == data.code) & county].reset_index(drop=True)
    ed = data.edition
    ind = data.indicators.set_index("indicator_code")
    own: dict[str, dict[str, Any]] = {}
    if actions is not None and len(actions):
        mine = actions.loc[
            (actions["region_code"].astype(str).to_numpy() == data.code)
            & (actions["period"].astype("int64").to_numpy() == data.period)
        ]
        own = {str(r["indicator_code"]): r for r in mine.to_dict("records")}
    records = []
    for g in gaps.to_dict("records"):
        code = str(g["indicator_code"])
        indicator = ed.indicator_by_code.get(code)
        item = ed.item_by_code.get(indicator.item_code) if indicator is not None else None
        share = None if item is None or item.central_share is None else float(item.central_share)
        share = None if share is not None and math.isnan(share) else share
        action = own.get(code)
        shortfall = g["gap_floor"] if g["gap_kind"] == "below_floor" else g["gap_standard"]
        records.append(
            {
                "indicator_code": code,
                "indicator": str(ind["name"].get(code, code)) if code in ind.index else code,
                "gap_kind": str(g["gap_kind"]),
                "value": g["value"],
                "threshold": g["threshold"],
                "shortfall": abs(float(shortfall)) if pd.notna(shortfall) else None,
                "measures": action["measures"] if action else None,
                "department": action["department"] if action else (item.lead_department_zh if item else None),
                "central_share": share,
                "budget_total": action["budget_total"] if action else None,
                "budget_central": action["budget_central"] if action else None,
                "budget_local": action["budget_local"] if action else None,
                "due_period": int(action["due_period"]) if action else data.period + 1,
                "status": str(action["status"]) if action else "planned",
                "reason": action["reason"] if action else None,
                "key_region": data.code,
                "key_period": int(data.period),
                "key_indicator": code,
                "_order": (0 if g["gap_kind"] == "below_floor" else 1, int(ind["order"].get(code, 0))),
                "_action": int(action["id"]) if action else None,
            }
        )
    frame = pd.DataFrame(records, columns=[*COLUMNS, "_order", "_action"])
    return frame.sort_values("_order", kind="stable", ignore_index=True) if len(frame) else frame


def _cell(
    w: SheetWriter,
    value: object,
    *,
    fmt: str | None = None,
    wrap: bool = False,
    unlocked: bool = False,
    fill: str | None = None,
    font: Font | None = None,
) -> Styled:
    """A bordered table cell; ``unlocked`` for an input cell (the sheet is protected)."""
    cell = WriteOnlyCell(w.ws)
    cell.border = BORDER
    colour = fill or (INPUT_FILL if unlocked else LOCKED_FILL)
    cell.fill = PatternFill("solid", fgColor=rgb(colour), bgColor=rgb(colour))
    if unlocked:
        cell.protection = Protection(locked=False)
    if fmt is not None and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = fmt
    cell.alignment = Alignment(wrap_text=wrap, vertical="top")
    if font is not None:
        cell.font = font
    if isinstance(value, str) and is_dangerous(clean_text(value)):
        cell.quotePrefix = True
    return Styled(value, int(cell.style_id))


def _validations(w: SheetWriter, lang: str, first: int, last: int) -> None:
    """Drop-down list of statuses; budgets >= 0; due period a year (Excel's own checks, the upload
    checks again)."""
    letter = {k: _letter(k) for k in COLUMNS}
    title = t("actions_sheet.validation_title", lang)[:32]
    specs = [
        (
            DataValidation(
                type="list",
                formula1='"' + ",".join(_status_label(s, lang) for s in STATUSES) + '"',
                allow_blank=True,
            ),
            [letter["status"]],
            "status",
        ),
        (
            DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True),
            [letter[k] for k in ("budget_total", "budget_central", "budget_local")],
            "budget",
        ),
        (
            DataValidation(
                type="whole", operator="between", formula1="2000", formula2="2100", allow_blank=True
            ),
            [letter["due_period"]],
            "due",
        ),
    ]
    for dv, letters, msg in specs:
        text = t(f"actions_sheet.validation.{msg}", lang)
        dv.error, dv.errorTitle, dv.showErrorMessage = text[:255], title, True
        dv.prompt, dv.promptTitle, dv.showInputMessage = text[:255], title, True
        for col in letters:
            dv.add(f"{col}{first}:{col}{last}")
        w.ws.data_validations.append(dv)


def _letter(key: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(COLUMNS.index(key) + 1)


def actions_sheet(report: Report) -> SheetWriter:
    """Write the actions sheet of ``report`` (a feedback workbook), pre-filled with ``data.actions``."""
    data, lang = report.data, report.lang
    frame = actions_rows(data, data.actions)
    name = sheet_name(lang)
    visible = [k for k in COLUMNS if k not in HIDDEN_KEYS]
    widths = [float(WIDTHS[k]) for k in visible] + [4.0] * len(HIDDEN_KEYS)
    w = report.sheet(name, widths=widths, hidden_from=len(visible) + 1, repeat_cols=2)
    w.title(report.sheet_title(name))
    note = Font(italic=True, size=9, color="595959")
    for line in t("actions_sheet.instructions", lang, period=data.period, next=data.period + 1).splitlines():
        w.append([w.styled(line, font=Font(bold=True, size=10) if not line.startswith(" ") else note)])
    if not len(frame):
        key = "actions_sheet.no_gaps" if not data.tree.children(data.code) else "actions_sheet.not_county"
        w.append([w.styled(t(key, lang, period=data.period), font=Font(bold=True))])
    w.blank()
    header = w.header([header_label(k) for k in COLUMNS], widths)
    gap_labels = {k: t(f"actions.gap.{k}", lang) for k in acc.GAP_STATUSES}
    for rec in frame.to_dict("records"):
        cells: list[object] = []
        for key in COLUMNS:
            value = _plain(rec[key])
            if key == "gap_kind":
                kind = str(value)
                font = Font(bold=True, color=rgb(STATUS_FONT_COLOURS[kind]))
                cells.append(_cell(w, gap_labels.get(kind, kind), fill=STATUS_COLOURS[kind], font=font))
            elif key == "status":
                cells.append(_cell(w, _status_label(str(value), lang), unlocked=True))
            else:
                cells.append(
                    _cell(w, value, fmt=FORMATS.get(key), wrap=key in WRAPPED, unlocked=key in INPUT_KEYS)
                )
        w.append(cells, height=30)
    first, last = header + 1, max(header + 1, w.row)
    _validations(w, lang, first, max(last, header + 200))
    ws = w.ws
    ws.freeze_panes = f"C{header + 1}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # officials may widen columns...
    ws.protection.formatRows = False
    ws.protection.autoFilter = False  # ...and filter rows
    w.finish(header_row=header, last_col=len(visible))
    return w
