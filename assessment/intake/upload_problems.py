"""Problem codes of an upload check and the factory that builds their messages.

Every code is stable (tests, the CLI's ``--json`` and the annotated copy use it). ``E_*`` codes
block the upload; ``W_*`` codes are warnings. Texts live in ``locales/ingest.toml`` under
``ingest.<CODE>`` (or a variant key of the same code).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from assessment.domain.errors import Problem, localized_problem

# Refusals of the file as a container: nothing inside it was read.
CONTAINER_CODES = frozenset(
    {
        "E_EMPTY_FILE",
        "E_TOO_LARGE",
        "E_NOT_XLSX",
        "E_LEGACY_XLS",
        "E_BAD_ENCODING",
        "E_CORRUPT",
        "E_ENCRYPTED",
        "E_MACRO",
        "E_ZIP_BOMB",
        "E_XML_BOMB",
        "E_UNREADABLE",
        "E_TOO_MANY_ROWS",
        "E_PARSE_LIMIT",
    }
)
ERROR_CODES = CONTAINER_CODES | {
    "E_CSV_SHAPE",
    "E_MISSING_SHEET",
    "E_MISSING_COLUMN",
    "E_NO_DATA",
    "E_TEMPLATE_VERSION",
    "E_WRONG_EDITION",
    "E_WRONG_REGION",
    "E_WRONG_PERIOD",
    "E_UNKNOWN_REGION",
    "E_OUT_OF_SCOPE",
    "E_BAD_PERIOD",
    "E_MISSING_KEY",
    "E_UNKNOWN_INDICATOR",
    "E_NO_INDICATOR_CODE",
    "E_DUPLICATE_INDICATOR",
    "E_NOT_NUMBER",
    "E_NOT_BOOLEAN",
    "E_NEGATIVE",
    "E_RATE_OVER_100",
    "E_NUM_OVER_DEN",
    "E_ZERO_DENOMINATOR",
    "E_HALF_RATIO",
    "E_RATE_MISMATCH",
    "E_FORMULA_NO_VALUE",
    "E_REQUIRED",
}
WARNING_CODES = frozenset(
    {
        "W_IMPLAUSIBLE_CHANGE",
        "W_PEER_OUTLIER",
        "W_BUNCHED_AT_STANDARD",
        "W_DENOMINATOR_OVER_POPULATION",
        "W_RATE_AS_FRACTION",
        "W_MISSING_INDICATORS",
        "W_EDITION_NOT_IN_FORCE",
    }
)
# At most this many problems of one code are listed one by one; the rest are counted.
MAX_PER_CODE = 500


def fmt_number(x: float | int | None) -> str:
    """A number as an official would write it: no trailing ``.0``, at most 4 decimals."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if float(x).is_integer():
        return f"{int(x)}"
    return f"{x:.4f}".rstrip("0").rstrip(".")


def make_problem(
    code: str,
    *,
    file: str = "",
    sheet: str = "",
    cell: str = "",
    row: int | None = None,
    column: str = "",
    value: str = "",
    key: str | None = None,
    **fill: object,
) -> Problem:
    """A Problem with its zh/en texts from ``ingest.<key or code>``; ``value`` also fills ``{found}``."""
    return localized_problem(
        code,
        {"found": value, **fill},
        key=f"ingest.{key or code}",
        file=file,
        row=row,
        column=column,
        value=value,
        sheet=sheet,
        cell=cell,
        severity="warning" if code.startswith("W_") else "error",
    )


def cap_problems(
    problems: list[Problem], limit: int | None = None, omitted: Mapping[str, int] | None = None
) -> list[Problem]:
    """Keep the first ``limit`` problems of each code (default :data:`MAX_PER_CODE`) and add one
    line counting the rest; ``omitted``: problems of a code left out before (never built), counted
    in that line too."""
    limit = MAX_PER_CODE if limit is None else limit
    kept: list[Problem] = []
    counts: dict[str, int] = {}
    first: dict[str, Problem] = {}
    for p in problems:
        n = counts.get(p.code, 0)
        counts[p.code] = n + 1
        first.setdefault(p.code, p)
        if n < limit:
            kept.append(p)
    for code, n in (omitted or {}).items():
        if code in counts:
            counts[code] += n
    for code, n in counts.items():
        if n > limit:
            kept.append(make_problem(code, file=first[code].file, key="more", count=n - limit))
    return kept
