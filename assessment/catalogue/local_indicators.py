"""Local-only indicators (DESIGN section 3): the rules, and the standards file that carries them.

A jurisdiction (the national root, a province, a prefecture) adds indicators of its own for the
regions below it: its implementation standard's extra items, or plan targets such as the 14th
Five-Year Plan's. The local-standards file carries them beside the higher standards, one row each::

    jurisdiction_code,indicator_code,item_code,name_zh,kind,unit,direction,threshold,lower_bound,
    effective_from,effective_to,set_by,note                      (one header line in the file)
    990000,P99.01,,每千人口执业（助理）医师数,per_capita,人/千人,higher,3.2,0,2023,,,规划目标

(``jurisdiction`` is accepted for ``jurisdiction_code``.) A row whose ``indicator_code`` is a
national indicator, or a local indicator of a jurisdiction above, is a higher local standard for it
(:mod:`assessment.catalogue.local_standards`, checked against the floor and the parent's
threshold); any other row defines a local indicator and needs ``name_zh``, ``kind``, ``direction``
and ``lower_bound``. Rules of a definition: the jurisdiction exists and is not a county; the code
is 1-32 letters, digits, ``.``, ``_`` or ``-`` and collides with no item or indicator code of any
edition, nor with another jurisdiction's local indicator (``L`` + digits is reserved); the item is
empty or an item of the edition; the threshold and the lower bound are numbers, distinct and in the
direction's order, within 0..100 for a rate and 0 or 1 for a yes/no indicator; the periods are years
in order; a code is defined once per file.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import replace

from assessment.catalogue.local_standards import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    check_local_standard,
    parse_local_standards,
)
from assessment.catalogue.regions import decode_text, problem, read_csv_table
from assessment.domain.editions import LOCAL_ASPECT, LOCAL_PREFIX, LocalIndicator, with_local_indicators
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.model import DIRECTIONS, KINDS, LEVEL_RANK, Edition, LocalStandard, RegionTree

DEFINITION_COLUMNS = ("item_code", "name_zh", "name_en", "kind", "unit", "direction", "lower_bound")
ALIASES = {"jurisdiction": "jurisdiction_code", "code": "indicator_code"}
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
RESERVED = re.compile(rf"({LOCAL_ASPECT}|{LOCAL_PREFIX}C?\d+)", re.IGNORECASE)


def _p(key: str, column: str, value: object, **kw: object) -> Problem:
    return problem(f"local_indicators.{key}", file="", row=None, column=column, value=str(value), **kw)


def national_codes(editions: Sequence[Edition]) -> set[str]:
    """Every item and indicator code of the given editions."""
    return {c for e in editions for c in (*e.indicator_by_code, *e.item_by_code)}


def check_local_indicator(
    li: LocalIndicator,
    editions: Sequence[Edition],
    existing: Sequence[LocalIndicator],
    tree: RegionTree,
) -> list[Problem]:
    """Every problem with the definition ``li`` beside the ``existing`` local indicators (the same
    jurisdiction's earlier definition of the same code is replaced, not a collision)."""
    out: list[Problem] = []
    jur = li.jurisdiction_code
    if jur not in tree:
        out.append(_p("unknown_jurisdiction", "jurisdiction_code", jur))
    elif LEVEL_RANK.get(tree.get(jur).level, 0) >= LEVEL_RANK["county"]:
        reg = tree.get(jur)
        out.append(_p("county_jurisdiction", "jurisdiction_code", jur, name=(reg.name_zh, reg.name_en)))
    if not CODE_PATTERN.fullmatch(li.code) or RESERVED.fullmatch(li.code):
        out.append(_p("bad_code", "indicator_code", li.code))
    elif li.code in national_codes(editions):
        out.append(_p("national_code", "indicator_code", li.code))
    else:
        for other in existing:
            if other.code == li.code and other.jurisdiction_code != jur:
                out.append(_p("code_taken", "indicator_code", li.code, other=other.jurisdiction_code))
                break
    items = {c for e in editions for c in e.item_by_code}
    if li.item_code and li.item_code not in items:
        out.append(_p("unknown_item", "item_code", li.item_code))
    if not li.name_zh.strip():
        out.append(_p("name_missing", "name_zh", ""))
    if li.kind not in KINDS:
        out.append(_p("bad_kind", "kind", li.kind, allowed=", ".join(KINDS)))
    if li.direction not in DIRECTIONS:
        out.append(_p("bad_direction", "direction", li.direction))
    if li.effective_to is not None and li.effective_to < li.effective_from:
        out.append(_p("period_order", "effective_to", li.effective_to, effective_from=li.effective_from))
    if li.direction in DIRECTIONS:
        higher = li.direction == "higher"
        if li.threshold == li.lower_bound or (li.threshold > li.lower_bound) != higher:
            out.append(_p("bounds_order", "lower_bound", _fmt(li.lower_bound), threshold=_fmt(li.threshold)))
    for col, value in (("threshold", li.threshold), ("lower_bound", li.lower_bound)):
        if li.kind == "rate" and not 0 <= value <= 100:
            out.append(_p("rate_range", col, _fmt(value)))
        elif li.kind == "boolean" and value not in (0, 1):
            out.append(_p("boolean_value", col, _fmt(value)))
    return out


def check_local_indicators(
    items: Sequence[LocalIndicator],
    editions: Sequence[Edition],
    existing: Sequence[LocalIndicator],
    tree: RegionTree,
) -> list[Problem]:
    """Problems of several definitions saved together (a code defined twice among them included)."""
    out: list[Problem] = []
    seen: set[str] = set()
    for li in items:
        if li.code in seen:
            out.append(_p("duplicate_code", "indicator_code", li.code))
        seen.add(li.code)
        out += check_local_indicator(li, editions, [*existing, *items], tree)
    return out


def _fmt(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def with_aliases(data: bytes | str, filename: str) -> str:
    """The file's text with the header's aliases renamed (``jurisdiction`` -> ``jurisdiction_code``)."""
    text = decode_text(data, filename)
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return text
    header = [h.strip().lower().removeprefix("\ufeff") for h in rows[0]]
    if not any(h in ALIASES and ALIASES[h] not in header for h in header):
        return text
    rows[0] = [ALIASES.get(h, h) if ALIASES.get(h, h) not in header else h for h in header]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def parse_standards_file(
    data: bytes | str,
    edition: Edition,
    tree: RegionTree,
    existing: Sequence[LocalIndicator] = (),
    filename: str = "local_standards.csv",
    *,
    editions: Sequence[Edition] = (),
) -> tuple[tuple[LocalIndicator, ...], tuple[LocalStandard, ...]]:
    """The local indicators a standards file defines and the higher standards it sets, or refuse it.

    ``edition``: the edition standards are checked against (its floors); ``editions``: every
    edition, for code collisions (default: ``edition`` alone); ``existing``: the local indicators on
    record. Raises DataFileError with every problem at its row and column; nothing is returned then.
    """
    text = with_aliases(data, filename)
    frame = read_csv_table(text, filename, REQUIRED_COLUMNS, (*OPTIONAL_COLUMNS, *DEFINITION_COLUMNS))
    all_editions = list(editions) or [edition]
    known = set(edition.indicator_by_code) | {li.code for li in existing}
    problems: list[Problem] = []
    defined: list[LocalIndicator] = []
    rows: dict[str, int] = {}
    for rec in frame.to_dict("records"):
        code, row = str(rec["indicator_code"]), int(rec["_row"])
        if code in known or not any(str(rec[c]) for c in ("kind", "name_zh", "direction")):
            continue
        li, found = _definition(rec)
        if li is not None:
            found += check_local_indicator(li, all_editions, existing, tree)
            if code in rows:
                found.append(_p("duplicate_code", "indicator_code", code, first=rows[code]))
            rows.setdefault(code, row)
            defined.append(li)
        problems += [replace(p, file=filename, row=row) for p in found]
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise DataFileError(problems)
    everyone = [*(e for e in existing if e.code not in rows), *defined]
    extended = with_local_indicators(edition, everyone, tree)
    standards = parse_local_standards(text, extended, tree, filename)
    own = {li.as_standard() for li in defined}
    # a standard on a local indicator may not be weaker than the threshold its jurisdiction set
    thresholds = [li.as_standard() for li in everyone]
    for row, std in zip(frame["_row"], standards, strict=True):
        if std in own:
            continue
        found = check_local_standard(std, thresholds, extended, tree)
        problems += [replace(p, file=filename, row=int(row)) for p in found if p.severity == "error"]
    if problems:
        raise DataFileError(problems)
    return tuple(defined), tuple(s for s in standards if s not in own)


def _definition(rec: dict[str, object]) -> tuple[LocalIndicator | None, list[Problem]]:
    """A LocalIndicator from one row's cells, or None with the problems of its unreadable cells."""
    found: list[Problem] = []

    def number(col: str) -> float | None:
        raw = str(rec.get(col, "")).replace(",", "")
        try:
            value = float(raw)
        except ValueError:
            found.append(_p("bad_number", col, raw))
            return None
        if value != value or value in (float("inf"), float("-inf")):
            found.append(_p("bad_number", col, raw))
            return None
        return value

    def year(col: str, required: bool) -> int | None:
        raw = str(rec.get(col, ""))
        if not raw and not required:
            return None
        if not raw.isdigit() or not 1900 <= int(raw) <= 2200:
            found.append(_p("bad_period", col, raw))
            return None
        return int(raw)

    threshold, lower = number("threshold"), number("lower_bound")
    start, end = year("effective_from", True), year("effective_to", False)
    if found or threshold is None or lower is None or start is None:
        return None, found
    li = LocalIndicator(
        jurisdiction_code=str(rec["jurisdiction_code"]),
        code=str(rec["indicator_code"]),
        item_code=str(rec.get("item_code", "")),
        name_zh=str(rec.get("name_zh", "")),
        name_en=str(rec.get("name_en", "")),
        kind=str(rec.get("kind", "")),
        unit=str(rec.get("unit", "")),
        direction=str(rec.get("direction", "")),
        threshold=threshold,
        lower_bound=lower,
        effective_from=start,
        effective_to=end,
        note=str(rec.get("note", "")),
        set_by=str(rec.get("set_by", "")),
    )
    return li, found


FILE_COLUMNS = (
    "jurisdiction_code", "indicator_code", "item_code", "name_zh", "name_en", "kind", "unit", "direction",
    "threshold", "lower_bound", "effective_from", "effective_to", "set_by", "note",
)  # fmt: skip


def local_indicators_csv(items: Sequence[LocalIndicator]) -> bytes:
    """Local indicators as the standards file defines them (UTF-8 with a byte-order mark for Excel):
    what the local-standards page downloads and ``standards import`` reads back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FILE_COLUMNS)
    for li in sorted(items, key=lambda x: (x.jurisdiction_code, x.code)):
        writer.writerow(
            [
                li.jurisdiction_code, li.code, li.item_code, li.name_zh, li.name_en, li.kind, li.unit,
                li.direction, format(li.threshold, ".15g"), format(li.lower_bound, ".15g"),
                li.effective_from, "" if li.effective_to is None else li.effective_to, li.set_by, li.note,
            ]
        )  # fmt: skip
    return out.getvalue().encode("utf-8-sig")
