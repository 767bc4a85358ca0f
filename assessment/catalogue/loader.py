"""Load a catalogue edition folder into an :class:`assessment.domain.model.Edition`, refusing a malformed one.

An edition folder holds ``edition.toml`` (id, titles, date, provenance, expected counts) and five
CSV files: ``aspects.csv``, ``categories.csv``, ``items.csv``, ``indicators.csv`` and
``sources.csv`` (the tags cited in the ``source`` columns). ``SOURCES.md`` beside them explains
every figure. Every defect found is collected and raised together as one
:class:`~assessment.domain.errors.DataFileError`, each problem naming file, row, column and value.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from assessment.catalogue.checks import check_indicator_row, check_references, check_sources
from assessment.catalogue.tables import Cells, Row, Table, problem, read_table, read_toml
from assessment.domain.editions import EditionSchedule
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.model import DIRECTIONS, KINDS, Aspect, Category, Edition, Indicator, ServiceItem

DEFAULT_EDITION = "CN-2021"
STANDARDS_DIR: Path = Path(__file__).resolve().parent / "editions"

EDITION_FILE = "edition.toml"
COLUMNS: dict[str, tuple[str, ...]] = {
    "aspects.csv": ("code", "order", "name_zh", "name_en"),
    "categories.csv": ("code", "aspect_code", "order", "name_zh", "name_en"),
    "items.csv": (
        "no", "code", "category_code", "name_zh", "name_en", "served_population_zh", "content_zh",
        "standard_zh", "expenditure_zh", "central_share", "lead_department_zh", "verified", "source",
    ),
    "indicators.csv": (
        "code", "item_code", "name_zh", "name_en", "definition_zh", "definition_en", "kind", "unit",
        "direction", "national_floor", "floor_confirmed", "optimum", "lower_bound", "weight",
        "unit_cost", "source",
    ),
    "sources.csv": ("tag", "document", "title", "url"),
}  # fmt: skip
TEXT_KEYS = ("id", "title_zh", "title_en", "provenance")
COUNT_KEYS = ("aspects", "categories", "items")


@dataclass(frozen=True)
class _Meta:
    id: str
    title_zh: str
    title_en: str
    published: str
    provenance: str
    expected: dict[str, int]
    effective_from: int | None = None


def list_editions() -> list[str]:
    """Ids of the editions shipped under :data:`STANDARDS_DIR` (folders holding an edition.toml)."""
    return sorted(p.name for p in STANDARDS_DIR.iterdir() if (p / EDITION_FILE).is_file())


def load_edition(edition_id: str = DEFAULT_EDITION) -> Edition:
    """The shipped edition ``edition_id`` (cached). Raises DataFileError if unknown or malformed.

    ``load_edition()`` and ``load_edition("CN-2021")`` return the same object;
    ``load_edition.cache_clear()`` empties the cache.

    >>> load_edition().id
    'CN-2021'
    """
    return _load_cached(edition_id)


@lru_cache(maxsize=8)
def _load_cached(edition_id: str) -> Edition:
    if edition_id not in list_editions():
        known = ", ".join(list_editions())
        raise DataFileError([problem("unknown_edition", EDITION_FILE, value=edition_id, known=known)])
    edition = load_edition_dir(STANDARDS_DIR / edition_id)
    if edition.id != edition_id:
        raise DataFileError(
            [problem("id_mismatch", EDITION_FILE, column="id", value=edition.id, folder=edition_id)]
        )
    return edition


load_edition.cache_clear = _load_cached.cache_clear  # type: ignore[attr-defined]


def shipped_schedule() -> EditionSchedule:
    """Every shipped edition in force from the period its edition.toml names (CN-2021 up to 2022,
    CN-2023 from 2023): the schedule of a database where no administrator changed it, and of the
    demo without a database."""
    return EditionSchedule(tuple(load_edition(e) for e in list_editions()))


def load_edition_dir(path: Path) -> Edition:
    """Load the edition folder at ``path`` (uncached). Raises DataFileError listing every defect."""
    path = Path(path)
    problems: list[Problem] = []
    meta = _read_meta(path, problems)
    tables = {name: read_table(path, name, cols, problems) for name, cols in COLUMNS.items()}
    aspects = _aspects(tables["aspects.csv"], problems)
    categories = _categories(tables["categories.csv"], problems)
    items = _items(tables["items.csv"], problems)
    indicators = _indicators(tables["indicators.csv"], problems)
    check_references(tables, meta.expected if meta else None, problems)
    check_sources(tables, problems)
    if problems:
        raise DataFileError(problems)
    assert meta is not None  # no problems means the metadata was read
    item_no = {i.code: i.no for i in items}
    return Edition(
        id=meta.id,
        title_zh=meta.title_zh,
        title_en=meta.title_en,
        published=meta.published,
        provenance=meta.provenance,
        aspects=tuple(sorted(aspects, key=lambda a: a.order)),
        categories=tuple(sorted(categories, key=lambda c: c.order)),
        items=tuple(sorted(items, key=lambda i: i.no)),
        indicators=tuple(sorted(indicators, key=lambda ind: item_no[ind.item_code])),
        effective_from=meta.effective_from,
    )


def summary(edition: Edition) -> dict[str, Any]:
    """Counts for ``python -m assessment catalogue --json`` and the editions page.

    >>> summary(load_edition())["items"]
    80
    """
    return {
        "edition": edition.id,
        "aspects": len(edition.aspects),
        "categories": len(edition.categories),
        "items": len(edition.items),
        "indicators": len(edition.indicators),
    }


# -- edition.toml ---------------------------------------------------------------------------------


def _read_meta(path: Path, problems: list[Problem]) -> _Meta | None:
    data = read_toml(path, EDITION_FILE, problems)
    if data is None:
        return None
    found: list[Problem] = []

    def bad(key: str, code: str, value: object = "") -> None:
        found.append(problem(code, EDITION_FILE, column=key, value=str(value)))

    texts: dict[str, str] = {}
    for key in TEXT_KEYS:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            bad(key, "toml_missing_key", value if value is not None else "")
        else:
            texts[key] = value.strip()
    published = data.get("published")
    if isinstance(published, dt.date):
        published = published.isoformat()
    try:
        dt.date.fromisoformat(str(published))
    except ValueError:
        bad("published", "toml_bad_date", published if published is not None else "")
    expected_table = data.get("expected")
    expected: dict[str, int] = {}
    for key in COUNT_KEYS:
        value = expected_table.get(key) if isinstance(expected_table, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            expected[key] = value
        else:
            bad(f"expected.{key}", "toml_bad_count", value if value is not None else "")
    effective = data.get("effective_from")
    if effective is not None and (
        not isinstance(effective, int) or isinstance(effective, bool) or not 1990 <= effective <= 2100
    ):
        bad("effective_from", "toml_bad_period", effective)
    problems.extend(found)
    if found:
        return None
    return _Meta(
        id=texts["id"],
        title_zh=texts["title_zh"],
        title_en=texts["title_en"],
        published=str(published),
        provenance=texts["provenance"],
        expected=expected,
        effective_from=effective,
    )


# -- one builder per CSV file ---------------------------------------------------------------------


def _ordered_rows(
    table: Table, problems: list[Problem], columns: tuple[str, ...]
) -> list[tuple[int, list[str]]]:
    """The order and the texts of ``columns`` of each row whose order is a positive integer (every
    bad cell is recorded in ``problems``)."""
    cells = Cells(table.name, problems)
    out = []
    for row in table.rows:
        order = cells.integer(row, "order")
        texts = [cells.text(row, c) for c in columns]
        if order is not None:
            out.append((order, texts))
    return out


def _aspects(table: Table, problems: list[Problem]) -> list[Aspect]:
    return [
        Aspect(code=code, order=order, name_zh=zh, name_en=en)
        for order, (code, zh, en) in _ordered_rows(table, problems, ("code", "name_zh", "name_en"))
    ]


def _categories(table: Table, problems: list[Problem]) -> list[Category]:
    columns = ("code", "aspect_code", "name_zh", "name_en")
    return [
        Category(code=code, aspect_code=aspect, order=order, name_zh=zh, name_en=en)
        for order, (code, aspect, zh, en) in _ordered_rows(table, problems, columns)
    ]


def _items(table: Table, problems: list[Problem]) -> list[ServiceItem]:
    cells = Cells(table.name, problems)
    out = []
    for row in table.rows:
        no = cells.integer(row, "no")
        share = cells.number(row, "central_share")
        if share is not None and not 0 <= share <= 1:
            problems.append(
                problem("share_out_of_range", table.name, row.number, "central_share", row["central_share"])
            )
            share = None
        verified = cells.flag(row, "verified")
        texts = {
            c: cells.text(row, c)
            for c in COLUMNS["items.csv"]
            if c not in ("no", "central_share", "verified")
        }
        if no is not None and share is not None and verified is not None:
            out.append(ServiceItem(no=no, central_share=share, verified=verified, **texts))
    return out


def _indicators(table: Table, problems: list[Problem]) -> list[Indicator]:
    cells = Cells(table.name, problems)
    out = []
    for row in table.rows:
        parsed = _indicator_fields(cells, row)
        if parsed is not None and check_indicator_row(table.name, row, parsed, problems):
            out.append(Indicator(**parsed))
    return out


def _indicator_fields(cells: Cells, row: Row) -> dict[str, Any] | None:
    """Typed fields of one indicator row, or None if any cell is unusable (problems recorded)."""
    fields: dict[str, Any] = {
        c: cells.text(row, c)
        for c in (
            "code",
            "item_code",
            "name_zh",
            "name_en",
            "unit",
            "source",
            "definition_zh",
            "definition_en",
        )
    }
    fields["kind"] = cells.choice(row, "kind", KINDS)
    fields["direction"] = cells.choice(row, "direction", DIRECTIONS)
    fields["floor_confirmed"] = cells.flag(row, "floor_confirmed")
    for col in ("optimum", "lower_bound", "weight"):
        fields[col] = cells.number(row, col)
    for col in ("national_floor", "unit_cost"):
        fields[col] = cells.number(row, col, required=False)
    required = ("kind", "direction", "floor_confirmed", "optimum", "lower_bound", "weight")
    bad_optional = any(row[c] and fields[c] is None for c in ("national_floor", "unit_cost"))
    if any(fields[c] is None for c in required) or bad_optional:
        return None
    return fields
