"""A small reference-data spreadsheet (local standards, local indicators) as CSV text.

The reference-data loaders of :mod:`assessment.catalogue` read CSV; officials often keep these
tables in Excel. :func:`table_text` accepts either: a CSV file is returned as it is, an ``.xlsx``
passes the same safety checks as an upload (size, zip and XML limits, no macros or encryption)
and its first visible sheet becomes CSV text, numbers written as people type them (``95``, not
``95.0``), parsed in a child process with a memory limit and a timeout like an upload (issue
15.3). A formula cell is refused with its cell, since only typed values are imported.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from assessment.domain.errors import DataFileError, Problem
from assessment.intake.isolation import MEMORY, ParseLimits, run_limited
from assessment.intake.safety import count_rows, inspect_upload
from assessment.intake.upload_problems import make_problem
from assessment.intake.xlsx_reader import cell_flags, open_workbook, read_grid, sheets

MAX_BYTES = 20 * 1024 * 1024


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).strip()


def table_text(data: bytes, filename: str, max_bytes: int = MAX_BYTES) -> bytes:
    """The CSV bytes of ``data`` (CSV as it is; the first visible sheet of an xlsx converted).
    Raises DataFileError for a refused file."""
    found = inspect_upload(data, filename, max_bytes)
    if found.problems:
        raise DataFileError(list(found.problems))
    if found.kind == "csv":
        return data
    limits = ParseLimits.from_env()
    try:
        outcome = run_limited(xlsx_csv, (data, filename, limits.max_rows), limits)
    except RuntimeError:  # a bug in the child (logged there): refused, never a traceback
        raise DataFileError([make_problem("E_UNREADABLE", file=filename)]) from None
    if outcome.failure:  # the parse was stopped at its memory or time limit (issue 15.3)
        key = "E_PARSE_LIMIT" if outcome.failure == MEMORY else "E_PARSE_LIMIT_TIME"
        problem = make_problem(
            "E_PARSE_LIMIT",
            file=filename,
            key=key,
            memory_mb=limits.memory_mb,
            seconds=f"{limits.timeout_s:g}",
        )
        raise DataFileError([problem])
    if isinstance(outcome.value, list):
        raise DataFileError(outcome.value)
    return outcome.value


def xlsx_csv(data: bytes, filename: str, max_rows: int) -> bytes | list[Problem]:
    """The first visible sheet of an xlsx as CSV bytes, or the problems refusing it: the part of
    :func:`table_text` that runs in the child process of :mod:`assessment.intake.isolation`."""
    too_many = count_rows(data, filename, max_rows)
    if too_many is not None:
        return [too_many]
    try:
        wb = open_workbook(data)
        sheet = next(s.name for s in sheets(wb) if s.visible)
        grid = read_grid(wb, sheet)
        flags = cell_flags(data, sheet)
    except (StopIteration, Exception):  # a damaged workbook: refused, never a traceback
        return [make_problem("E_UNREADABLE", file=filename)]
    if flags.formula_no_value:
        cell = sorted(flags.formula_no_value)[0]
        return [make_problem("E_FORMULA_NO_VALUE", file=filename, sheet=sheet, cell=cell)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([[_text(v) for v in row] for row in grid])
    return out.getvalue().encode("utf-8")
