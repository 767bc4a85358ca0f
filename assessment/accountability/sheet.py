"""The actions sheet (整改措施 / Actions) of a region's feedback workbook, read back (issue 17 point 1).

The sheet is written by :mod:`assessment.reports.actions_sheet`; its shape lives here, so that the
writer and this reader can never disagree: :data:`COLUMNS` in order (header cell = Chinese label
and machine key, ``整改措施 measures``, as in the data template), the input columns, and three hidden
machine keys (region, period, indicator) that say which gap a row is. The reader finds the header
row and every column by the machine key, so inserted rows or moved columns do not matter.

:func:`import_actions_sheet` opens an upload through the intake layer's safe path (size, zip and
XML bombs, macros, encryption: :func:`assessment.intake.safety.inspect_upload` with the upload limit,
then calamine) and checks every row:

- a row is skipped when nothing was typed into it: no measures, budget or reason, and department,
  due period and status still the pre-filled defaults (item's lead department, period + 1, planned),
  even when the gap has a stored action (a workbook made before the action was recorded on the web
  page leaves it as it is; an action is never cleared from a sheet);
- the machine keys must name a gap of the approved figures in a region the actor reports for, and
  the visible indicator code must match the hidden one (a tampered key);
- the draft rules of :func:`assessment.domain.actions.check_draft` (measures, department, budget
  not negative and adding up, due period not before the gap), and the status step against the
  stored status (:func:`~assessment.domain.actions.check_transition`).

Every problem is placed at its sheet and cell in Chinese and English. When there is any, nothing is
stored; else all rows are saved in one transaction (:meth:`Store.save_actions`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import python_calamine as pc

from assessment.domain.actions import STATUSES, ActionDraft, Gap, check_draft, check_transition
from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.domain.i18n import t
from assessment.intake.ingest import DEFAULT_MAX_BYTES
from assessment.intake.safety import ZIP_ERRORS, inspect_upload
from assessment.intake.workbook_layout import column_letter
from assessment.intake.xlsx_reader import open_workbook, read_grid, sheets
from assessment.scoring.analysis import Assessment
from assessment.store import Store

__all__ = [
    "COLUMNS",
    "HIDDEN_KEYS",
    "INPUT_KEYS",
    "SHEET_NAMES",
    "ActionsImport",
    "header_label",
    "import_actions_sheet",
    "status_label",
]

# the sheet's name in each report language; the reader accepts either
SHEET_NAMES = {"zh": "整改措施", "en": "Actions"}
# (machine key, where its Chinese label comes from) in column order, A, B, C...
COLUMNS: tuple[str, ...] = (
    "indicator_code",
    "indicator",
    "gap_kind",
    "value",
    "threshold",
    "shortfall",
    "measures",
    "department",
    "central_share",
    "budget_total",
    "budget_central",
    "budget_local",
    "due_period",
    "status",
    "reason",
    "key_region",
    "key_period",
    "key_indicator",
)
INPUT_KEYS = (
    "measures",
    "department",
    "budget_total",
    "budget_central",
    "budget_local",
    "due_period",
    "status",
    "reason",
)
HIDDEN_KEYS = ("key_region", "key_period", "key_indicator")
BUDGET_KEYS = ("budget_total", "budget_central", "budget_local")
HEADER_SEARCH_ROWS = 40  # the header is looked for in the first rows only


def _zh_label(key: str) -> str:
    if key in INPUT_KEYS:  # labels from locales/actions.toml (actions.field.*)
        return t(f"actions.field.{key}", "zh")
    return t(f"actions_sheet.col.{key}", "zh")


def header_label(key: str) -> str:
    """The header cell of a column: Chinese label and machine key (``整改措施 measures``)."""
    return f"{_zh_label(key)} {key}"


def status_label(status: str, lang: str) -> str:
    """The word a status is shown as in the sheet (and in its drop-down list)."""
    return t(f"actions.status.{status}", lang)


def _status_of(text: str) -> str | None:
    """A status typed as its machine key or its label in either language (None: unknown)."""
    plain = text.strip()
    if plain in STATUSES:
        return plain
    for status in STATUSES:
        if plain in (status_label(status, "zh"), status_label(status, "en")):
            return status
    return None


@dataclass(frozen=True)
class ActionsImport:
    """What an upload of the actions sheet did: rows stored (created or changed), unchanged, skipped
    (nothing typed), and the problems (any error: nothing stored)."""

    changed: int = 0
    unchanged: int = 0
    skipped: int = 0
    problems: tuple[Problem, ...] = ()

    @property
    def stored(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)


def sheet_problem(
    key: str, *, sheet: str = "", cell: str = "", row: int | None = None, **fill: object
) -> Problem:
    """A Problem whose texts are ``actions_sheet.error.<key>``, at ``sheet!cell``."""
    where = f"{sheet}!{cell}" if sheet and cell else sheet
    per_lang = {
        lang: {"allowed": ("、" if lang == "zh" else ", ").join(status_label(s, lang) for s in STATUSES)}
        for lang in ("zh", "en")
    }
    return localized_problem(
        f"actions_sheet.error.{key}",
        {"where": where, **fill},
        per_lang=per_lang,
        sheet=sheet,
        cell=cell,
        row=row,
        value=str(fill.get("value", "")),
    )


# -- reading the grid ----------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _header_key(cell: Any) -> str | None:
    """The machine key a header cell names (``整改措施 measures``, ``measures`` or ``整改措施``)."""
    text = _text(cell)
    if not text:
        return None
    last = text.split()[-1]
    if last in COLUMNS:
        return last
    for key in COLUMNS:
        if text == _zh_label(key):
            return key
    return None


@dataclass(frozen=True)
class _Row:
    number: int  # 1-based, as Excel shows it
    cells: dict[str, Any]


def _find_sheet(names: list[str]) -> str | None:
    for name in (SHEET_NAMES["zh"], SHEET_NAMES["en"]):
        if name in names:
            return name
    return None


def _read_rows(grid: list[list[Any]], sheet: str) -> tuple[dict[str, str], list[_Row]]:
    """The column letter of every key and the data rows below the header (DataFileError when the
    header is not there)."""
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        keys = {_header_key(c): i for i, c in enumerate(row)}
        keys.pop(None, None)
        if "measures" in keys and all(k in keys for k in HIDDEN_KEYS):
            missing = [k for k in ("indicator_code", *INPUT_KEYS) if k not in keys]
            if missing:
                raise DataFileError(
                    [
                        sheet_problem(
                            "missing_columns",
                            sheet=sheet,
                            cell=f"A{r + 1}",
                            row=r + 1,
                            columns=", ".join(header_label(k) for k in missing),
                        )
                    ]
                )
            letters = {k: column_letter(i) for k, i in keys.items() if k is not None}
            rows = []
            for n, data in enumerate(grid[r + 1 :], start=r + 2):
                cells = {k: (data[i] if i < len(data) else None) for k, i in keys.items() if k is not None}
                if any(_text(v) for v in cells.values()):
                    rows.append(_Row(n, cells))
            return letters, rows
    raise DataFileError([sheet_problem("no_header", sheet=sheet, cell="A1", row=1)])


def _read(data: bytes, filename: str) -> tuple[str, dict[str, str], list[_Row]]:
    """The actions sheet's name, column letters and rows (DataFileError: not a workbook we may open,
    no actions sheet, no header)."""
    inspection = inspect_upload(data, filename, DEFAULT_MAX_BYTES)
    if inspection.kind != "xlsx":
        raise DataFileError(
            list(inspection.problems) or [sheet_problem("not_xlsx", file=filename, value=filename)]
        )
    try:
        wb = open_workbook(data)
    except pc.PasswordError:
        raise DataFileError([localized_problem("E_ENCRYPTED", key="ingest.E_ENCRYPTED")]) from None
    except Exception:  # calamine's Zip/Xml errors and anything else from a damaged file
        raise DataFileError([sheet_problem("not_xlsx", file=filename, value=filename)]) from None
    try:
        name = _find_sheet([s.name for s in sheets(wb)])
        if name is None:
            raise DataFileError(
                [sheet_problem("no_sheet", file=filename, zh=SHEET_NAMES["zh"], en=SHEET_NAMES["en"])]
            )
        letters, rows = _read_rows(read_grid(wb, name), name)
        return name, letters, rows
    except ZIP_ERRORS:
        raise DataFileError([sheet_problem("not_xlsx", file=filename, value=filename)]) from None
    finally:
        wb.close()


# -- checking the rows ---------------------------------------------------------------------------
def _number(value: Any) -> Any:
    """A number cell as float, text as typed (check_draft refuses text that is not a number)."""
    if value is None or isinstance(value, bool):
        return None if value is None else str(value)
    if isinstance(value, int | float):
        return None if isinstance(value, float) and math.isnan(value) else float(value)
    text = str(value).strip().replace(",", "").replace("，", "")
    return text or None


def _year(value: Any) -> Any:
    """A due period: an int when the cell holds a whole number, else what was typed."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return int(value) if float(value).is_integer() else value
    text = _text(value)
    if text.isdigit():
        return int(text)
    return text or None


class _Checker:
    """Checks the rows of one sheet for one actor; keeps one assessment per region."""

    def __init__(self, store: Store, actor: str, sheet: str, letters: dict[str, str]) -> None:
        self.store, self.actor, self.sheet, self.letters = store, actor, sheet, letters
        self.results: dict[str, Assessment | None] = {}
        self.stored: dict[tuple[str, int, str], dict[str, Any]] = {}
        self.problems: list[Problem] = []
        self.refused: set[str] = set()

    def at(self, key: str, row: _Row, name: str, **fill: object) -> None:
        cell = f"{self.letters.get(key, 'A')}{row.number}"
        self.problems.append(sheet_problem(name, sheet=self.sheet, cell=cell, row=row.number, **fill))

    def placed(self, problem: Problem, row: _Row) -> Problem:
        """A draft problem (at a field: ``整改措施 measures``) placed at its cell."""
        field = problem.column.split()[-1] if problem.column else "indicator_code"
        letter = self.letters.get(field, self.letters.get("indicator_code", "A"))
        return dataclasses.replace(problem, sheet=self.sheet, cell=f"{letter}{row.number}", row=row.number)

    def region(self, code: str) -> Assessment | None:
        """The region's assessment when the actor reports for it (None: not theirs or unknown)."""
        if code not in self.results:
            from assessment.accountability.service import region_assessment
            from assessment.domain.access import AccessDenied

            try:
                self.store.authorize(self.actor, "upload", code)
                self.results[code] = region_assessment(self.store, self.actor, code)
                for rec in self.store.actions(self.actor, region_code=code).to_dict("records"):
                    key = (str(rec["region_code"]), int(rec["period"]), str(rec["indicator_code"]))
                    self.stored[key] = rec
            except (AccessDenied, DataFileError):
                self.results[code] = None
        return self.results[code]

    def row(self, row: _Row) -> tuple[ActionDraft, Gap] | None:
        """The checked draft of a row and its gap, None when the row is skipped or refused."""
        cells = row.cells
        region, indicator = _text(cells.get("key_region")), _text(cells.get("key_indicator"))
        period = _year(cells.get("key_period"))
        shown = _text(cells.get("indicator_code"))
        before = len(self.problems)
        if not region or not indicator or not isinstance(period, int):
            self.at("key_region", row, "bad_keys")
            return None
        if shown and shown != indicator:
            self.at("indicator_code", row, "key_mismatch", shown=shown, hidden=indicator, value=shown)
            return None
        result = self.region(region)
        if result is None:
            if region not in self.refused:  # once per region: a whole sheet of another region is one problem
                self.refused.add(region)
                self.at("key_region", row, "not_your_region", region=region, value=region)
            return None
        from assessment.scoring import accountability as acc

        gap = acc.find_gap(result.scores, result.edition_of(period), region, period, indicator)
        old = self.stored.get((region, period, indicator))
        typed = {k: cells.get(k) for k in INPUT_KEYS}
        status_text = _text(typed["status"])
        status = _status_of(status_text) if status_text else None
        if not self._has_input(typed, gap, period, status):
            return None
        if gap is None:
            self.at("indicator_code", row, "unknown_row", region=region, period=period, indicator=indicator)
            return None
        if status_text and status is None:
            self.at("status", row, "bad_status", value=status_text)  # the labels of each language
        if status is None:
            status = str(old["status"]) if old is not None else "planned"
        elif old is not None:
            step = check_transition(str(old["status"]), status)
            if step is not None:
                self.problems.append(self.placed(step, row))
        elif status not in ("planned", "in_progress"):
            step = check_transition("planned", status)
            if step is not None:
                self.problems.append(self.placed(step, row))
        draft = ActionDraft(
            region_code=region,
            period=period,
            indicator_code=indicator,
            measures=_text(typed["measures"]),
            department=_text(typed["department"]),
            due_period=_year(typed["due_period"]),
            budget_total=_number(typed["budget_total"]),
            budget_central=_number(typed["budget_central"]),
            budget_local=_number(typed["budget_local"]),
            status=status,
            reason=_text(typed["reason"]),
        )
        from assessment.accountability.service import DUE_HORIZON

        try:
            clean = check_draft(draft, gap, known_periods=DUE_HORIZON)
        except DataFileError as err:
            self.problems.extend(self.placed(p, row) for p in err.problems)
            return None
        if len(self.problems) > before:
            return None
        return clean, gap

    @staticmethod
    def _has_input(typed: dict[str, Any], gap: Gap | None, period: int, status: str | None) -> bool:
        """Whether anything was typed into a row (the pre-filled defaults do not count)."""
        if any(_text(typed[k]) for k in ("measures", "reason", *BUDGET_KEYS)):
            return True
        department = _text(typed["department"])
        if department and (gap is None or department != gap.lead_department):
            return True
        due = _year(typed["due_period"])
        if due is not None and due != period + 1:
            return True
        return bool(_text(typed["status"])) and status != "planned"


def import_actions_sheet(store: Store, actor: str, data: bytes, filename: str) -> ActionsImport:
    """Read a filled actions sheet and store its rows for ``actor`` (see the module docstring):
    all rows in one transaction, or nothing and the problems at their cells."""
    try:
        sheet, letters, rows = _read(data, filename)
    except DataFileError as err:
        return ActionsImport(problems=tuple(err.problems))
    checker = _Checker(store, actor, sheet, letters)
    drafts: list[tuple[ActionDraft, Gap]] = []
    seen: dict[tuple[str, int, str], int] = {}
    skipped = 0
    for row in rows:
        before = len(checker.problems)
        found = checker.row(row)
        if found is None:
            skipped += len(checker.problems) == before
            continue
        draft = found[0]
        key = (draft.region_code, draft.period, draft.indicator_code)
        if key in seen:
            checker.at("indicator_code", row, "duplicate_row", first=seen[key], value=draft.indicator_code)
            continue
        seen[key] = row.number
        drafts.append(found)
    if checker.problems:
        return ActionsImport(problems=tuple(checker.problems))
    if not drafts:
        return ActionsImport(skipped=skipped)
    try:
        changed, unchanged = store.save_actions(actor, drafts)
    except DataFileError as err:  # refused in the transaction (a right or status changed meanwhile)
        return ActionsImport(problems=tuple(err.problems))
    return ActionsImport(changed=changed, unchanged=unchanged, skipped=skipped)
