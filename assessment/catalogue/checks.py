"""Integrity rules of a catalogue edition: per indicator row, across files, and source tags.

Each check appends :class:`Problem` objects and never raises, so one run reports every defect.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assessment.catalogue.tables import Row, Table, problem
from assessment.domain.errors import Problem

RATE_RANGE = (0.0, 100.0)
BOOLEAN_VALUES = (0.0, 1.0)
BOUND_COLUMNS = ("national_floor", "optimum", "lower_bound")
SOURCE_SEPARATOR = ";"
EXPECTED_FILE = {"aspects": "aspects.csv", "categories": "categories.csv", "items": "items.csv"}


def check_indicator_row(file: str, row: Row, f: dict[str, Any], problems: list[Problem]) -> bool:
    """Scoring rules of one parsed indicator row. True when the row is usable."""
    found: list[Problem] = []

    def bad(code: str, column: str, **kw: Any) -> None:
        found.append(problem(code, file, row.number, column, row[column], **kw))

    floor, optimum, lower = f["national_floor"], f["optimum"], f["lower_bound"]
    if not f["code"].startswith(f"{f['item_code']}."):
        bad("code_prefix", "code", item=f["item_code"])
    if optimum == lower:
        bad("bounds_equal", "lower_bound", optimum=row["optimum"])
    elif (optimum > lower) != (f["direction"] == "higher"):
        bad("bounds_direction", "lower_bound", optimum=row["optimum"], direction=f["direction"])
    if floor is not None and optimum != lower and not min(optimum, lower) <= floor <= max(optimum, lower):
        bad("floor_out_of_bounds", "national_floor", low=row["lower_bound"], high=row["optimum"])
    for col in BOUND_COLUMNS:
        value = f[col]
        if value is None:
            continue
        if f["kind"] == "rate" and not RATE_RANGE[0] <= value <= RATE_RANGE[1]:
            bad("rate_out_of_range", col)
        if f["kind"] == "boolean" and value not in BOOLEAN_VALUES:
            bad("boolean_out_of_range", col)
    if f["weight"] <= 0:
        bad("bad_weight", "weight")
    if f["unit_cost"] is not None and f["unit_cost"] < 0:
        bad("negative_number", "unit_cost")
    if f["floor_confirmed"] and floor is None:
        bad("confirmed_without_floor", "floor_confirmed")
    problems.extend(found)
    return not found


def _first_rows(table: Table, column: str, problems: list[Problem]) -> dict[str, int]:
    """Value -> first row for ``column``; a later row repeating a value is a duplicate."""
    first: dict[str, int] = {}
    for row in table.rows:
        value = row[column]
        if not value:
            continue
        if value in first:
            problems.append(
                problem("duplicate_code", table.name, row.number, column, value, first_row=first[value])
            )
        else:
            first[value] = row.number
    return first


def _dangling(
    child: Table, column: str, parent: Table, known: dict[str, int], problems: list[Problem]
) -> None:
    if not (child.complete and parent.complete):
        return
    for row in child.rows:
        if row[column] and row[column] not in known:
            problems.append(
                problem("dangling_reference", child.name, row.number, column, row[column], target=parent.name)
            )


def _childless(parent: Table, children: Table, column: str, problems: list[Problem]) -> None:
    if not (parent.complete and children.complete):
        return
    used = {row[column] for row in children.rows}
    code = "item_without_indicator" if children.name == "indicators.csv" else "no_children"
    for row in parent.rows:
        if row["code"] and row["code"] not in used:
            problems.append(problem(code, parent.name, row.number, "code", row["code"], target=children.name))


def check_references(
    tables: dict[str, Table], expected: dict[str, int] | None, problems: list[Problem]
) -> None:
    """Unique codes, references that resolve, no empty branch, and counts as edition.toml states."""
    aspects, categories = tables["aspects.csv"], tables["categories.csv"]
    items, indicators = tables["items.csv"], tables["indicators.csv"]
    aspect_codes = _first_rows(aspects, "code", problems)
    category_codes = _first_rows(categories, "code", problems)
    item_codes = _first_rows(items, "code", problems)
    _first_rows(items, "no", problems)
    _first_rows(indicators, "code", problems)
    _dangling(categories, "aspect_code", aspects, aspect_codes, problems)
    _dangling(items, "category_code", categories, category_codes, problems)
    _dangling(indicators, "item_code", items, item_codes, problems)
    _childless(aspects, categories, "aspect_code", problems)
    _childless(categories, items, "category_code", problems)
    _childless(items, indicators, "item_code", problems)
    for key, count in (expected or {}).items():
        table = tables[EXPECTED_FILE[key]]
        if table.complete and len(table.rows) != count:
            problems.append(
                problem("count_mismatch", table.name, value=str(len(table.rows)), expected=count, what=key)
            )


def _tags(cell: str) -> Iterable[str]:
    return (tag.strip() for tag in cell.split(SOURCE_SEPARATOR) if tag.strip())


def check_sources(tables: dict[str, Table], problems: list[Problem]) -> None:
    """Every tag in a ``source`` column is defined in sources.csv (a full URL is accepted too)."""
    sources = tables["sources.csv"]
    known = _first_rows(sources, "tag", problems)
    if not sources.complete:
        return
    for name in ("items.csv", "indicators.csv"):
        for row in tables[name].rows:
            for tag in _tags(row["source"]):
                if tag not in known and not tag.startswith(("http://", "https://")):
                    problems.append(problem("unknown_source", name, row.number, "source", tag))
