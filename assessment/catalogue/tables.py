"""Reading an edition's data files into plain rows, collecting every defect as a :class:`Problem`.

Nothing here raises on bad content: each reader returns what it could read plus the problems it
found, so the loader can report every defect of an edition at once (STYLE 7). Rows are numbered the
way a spreadsheet shows them: the header is row 1 and the first data row is row 2.
"""

from __future__ import annotations

import csv
import io
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assessment.domain.errors import Problem, localized_problem

YES, NO = "yes", "no"


def problem(
    code: str, file: str, row: int | None = None, column: str = "", value: str = "", **kw: Any
) -> Problem:
    """A catalogue problem whose zh/en text is ``catalogue.<code>`` in locales/catalogue.toml."""
    fmt = {"file": file, "row": row, "column": column, "value": value, **kw}
    return localized_problem(
        code, fmt, key=f"catalogue.{code}", file=file, row=row, column=column, value=value
    )


@dataclass(frozen=True)
class Row:
    """One data row: its spreadsheet row number and its cells (stripped strings)."""

    number: int
    cells: dict[str, str]

    def __getitem__(self, column: str) -> str:
        return self.cells.get(column, "")


@dataclass
class Table:
    """The rows of one CSV file. ``complete`` is False when the file or a required column is
    missing: cross-file checks then skip it rather than report a cascade of follow-on defects."""

    name: str
    rows: list[Row] = field(default_factory=list)
    complete: bool = False


def _read_text(folder: Path, name: str, problems: list[Problem]) -> str | None:
    """The text of ``folder/name`` (UTF-8, a BOM is accepted), or None with the problem recorded."""
    path = folder / name
    if not path.is_file():
        problems.append(problem("missing_file", name))
        return None
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(problem("unreadable", name))
        return None


def read_table(folder: Path, name: str, columns: tuple[str, ...], problems: list[Problem]) -> Table:
    """Read ``folder/name`` as UTF-8 CSV (a BOM is accepted) with the required ``columns``.

    Extra columns are ignored; blank lines are skipped but still counted in the row numbers.
    """
    table = Table(name)
    text = _read_text(folder, name, problems)
    if text is None:
        return table
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records or not any(cell.strip() for cell in records[0]):
        problems.append(problem("empty_file", name, 1, required=", ".join(columns)))
        return table
    header = [cell.strip() for cell in records[0]]
    missing = [c for c in columns if c not in header]
    for col in missing:
        problems.append(problem("missing_column", name, 1, col, required=", ".join(columns)))
    if missing:
        return table
    index = {col: header.index(col) for col in columns}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(
                problem("field_count", name, number, value=str(len(record)), expected=len(header))
            )
            continue
        table.rows.append(Row(number, {col: record[i].strip() for col, i in index.items()}))
    table.complete = True
    return table


def read_toml(folder: Path, name: str, problems: list[Problem]) -> dict[str, Any] | None:
    """Parse ``folder/name`` as TOML, or record why it could not be read."""
    text = _read_text(folder, name, problems)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        problems.append(problem("toml_invalid", name, value=str(err)))
        return None


class Cells:
    """Typed access to cells that records a problem for every bad or missing value.

    Each accessor returns ``None`` when the cell is unusable, so later checks can skip it.
    """

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file = file
        self.problems = problems

    def _flag(self, code: str, row: Row, column: str, **kw: Any) -> None:
        self.problems.append(problem(code, self.file, row.number, column, row[column], **kw))

    def text(self, row: Row, column: str, required: bool = True) -> str:
        value = row[column]
        if required and not value:
            self._flag("empty_value", row, column)
        return value

    def number(self, row: Row, column: str, required: bool = True) -> float | None:
        raw = row[column]
        if not raw:
            if required:
                self._flag("empty_value", row, column)
            return None
        try:
            value = float(raw.replace(",", ""))
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self._flag("not_a_number", row, column)
            return None
        return value

    def integer(self, row: Row, column: str) -> int | None:
        value = self.number(row, column)
        if value is None:
            return None
        if not value.is_integer() or value < 1:
            self._flag("not_a_positive_integer", row, column)
            return None
        return int(value)

    def flag(self, row: Row, column: str) -> bool | None:
        raw = row[column].lower()
        if raw in (YES, NO):
            return raw == YES
        self._flag("bad_flag", row, column)
        return None

    def choice(self, row: Row, column: str, choices: tuple[str, ...]) -> str | None:
        raw = row[column]
        if raw in choices:
            return raw
        self._flag("bad_choice", row, column, choices=", ".join(choices))
        return None
