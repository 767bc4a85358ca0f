"""The crosswalk between two editions: what became of each item and indicator code.

One CSV per pair of editions under ``editions/crosswalks/`` named ``<from>_<to>.csv`` (for example
``CN-2021_CN-2023.csv``), columns ``level, from_code, to_code, change, confirmed, note_zh, note_en,
source``: ``level`` is ``item`` or ``indicator``; ``change`` one of :data:`CHANGES`; ``from_code`` is
empty for a ``new`` code and ``to_code`` for a ``removed`` one; ``confirmed`` (yes/no) says whether a
source names the change (``unchanged`` with ``confirmed = no`` means "not known to have changed").
Every code of either edition must appear, and only codes of the edition named. A malformed file is
refused with every problem at its row and column (DataFileError).

Trend lines and tables across editions mark the codes whose standard changed
(:func:`breaks`): ``standard_changed``, ``new`` and ``removed`` rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from assessment.catalogue.loader import STANDARDS_DIR, list_editions, load_edition
from assessment.catalogue.tables import Cells, read_table
from assessment.catalogue.tables import problem as catalogue_problem
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.model import Edition

CROSSWALK_DIR: Path = STANDARDS_DIR / "crosswalks"
COLUMNS = ("level", "from_code", "to_code", "change", "confirmed", "note_zh", "note_en", "source")
LEVELS = ("item", "indicator")
CHANGES = ("unchanged", "reworded", "standard_changed", "new", "removed")
BREAKS = ("standard_changed", "new", "removed")  # a trend across the editions is not like for like


@dataclass(frozen=True)
class CrosswalkRow:
    level: str
    from_code: str
    to_code: str
    change: str
    confirmed: bool
    note_zh: str
    note_en: str
    source: str

    @property
    def code(self) -> str:
        """The code the row is about (the new one, or the old one for a removed code)."""
        return self.to_code or self.from_code


def _p(code: str, file: str, row: int | None, column: str = "", value: str = "", **kw: object) -> Problem:
    return catalogue_problem(f"crosswalk_{code}", file, row, column, value, **kw)


def list_crosswalks() -> list[tuple[str, str]]:
    """(from, to) edition pairs that have a crosswalk file."""
    if not CROSSWALK_DIR.is_dir():
        return []
    pairs = []
    for path in sorted(CROSSWALK_DIR.glob("*_*.csv")):
        old, _, new = path.stem.partition("_")
        if old in list_editions() and new in list_editions():
            pairs.append((old, new))
    return pairs


def parse_crosswalk(folder: Path, name: str, old: Edition, new: Edition) -> tuple[CrosswalkRow, ...]:
    """Read and check ``folder/name`` against the two editions; DataFileError with every problem."""
    problems: list[Problem] = []
    table = read_table(folder, name, COLUMNS, problems)
    cells = Cells(name, problems)
    rows: list[CrosswalkRow] = []
    codes = {
        "item": (set(old.item_by_code), set(new.item_by_code)),
        "indicator": (set(old.indicator_by_code), set(new.indicator_by_code)),
    }
    seen: dict[tuple[str, str, str], int] = {}
    for row in table.rows:
        level = cells.choice(row, "level", LEVELS)
        change = cells.choice(row, "change", CHANGES)
        confirmed = cells.flag(row, "confirmed")
        frm, to = row["from_code"], row["to_code"]
        if level is None or change is None or confirmed is None:
            continue
        before, after = codes[level]
        found = len(problems)
        if change == "new" and frm:
            problems.append(_p("new_with_from", name, row.number, "from_code", frm))
        if change == "removed" and to:
            problems.append(_p("removed_with_to", name, row.number, "to_code", to))
        if change != "new" and not frm:
            problems.append(_p("missing_code", name, row.number, "from_code", "", edition=old.id))
        if change != "removed" and not to:
            problems.append(_p("missing_code", name, row.number, "to_code", "", edition=new.id))
        if frm and frm not in before:
            problems.append(
                _p("unknown_code", name, row.number, "from_code", frm, edition=old.id, level=level)
            )
        if to and to not in after:
            problems.append(_p("unknown_code", name, row.number, "to_code", to, edition=new.id, level=level))
        for side, code in (("from_code", frm), ("to_code", to)):
            if code and (level, side, code) in seen:
                problems.append(
                    _p("duplicate", name, row.number, side, code, first=seen[(level, side, code)])
                )
            elif code:
                seen[(level, side, code)] = row.number
        if len(problems) == found:
            rows.append(
                CrosswalkRow(level, frm, to, change, confirmed, row["note_zh"], row["note_en"], row["source"])
            )
    if table.complete:
        for level, (before, after) in codes.items():
            for side, everyone, ed in (("from_code", before, old), ("to_code", after, new)):
                absent = sorted(c for c in everyone if (level, side, c) not in seen)
                if absent:
                    problems.append(
                        _p(
                            "missing_rows",
                            name,
                            None,
                            side,
                            ", ".join(absent[:10]),
                            edition=ed.id,
                            level=level,
                            count=len(absent),
                        )
                    )
    if problems:
        raise DataFileError(problems)
    return tuple(rows)


@lru_cache(maxsize=8)
def load_crosswalk(old_id: str, new_id: str) -> tuple[CrosswalkRow, ...]:
    """The shipped crosswalk from ``old_id`` to ``new_id`` (cached; empty when there is none)."""
    name = f"{old_id}_{new_id}.csv"
    if not (CROSSWALK_DIR / name).is_file():
        return ()
    return parse_crosswalk(CROSSWALK_DIR, name, load_edition(old_id), load_edition(new_id))


def crosswalk_frame(rows: tuple[CrosswalkRow, ...], lang: str = "zh") -> pd.DataFrame:
    """The rows as a table: level, from_code, to_code, change, confirmed, note (in ``lang``), source."""
    return pd.DataFrame(
        [
            {
                "level": r.level,
                "from_code": r.from_code,
                "to_code": r.to_code,
                "change": r.change,
                "confirmed": r.confirmed,
                "note": r.note_zh if lang == "zh" else r.note_en,
                "source": r.source,
            }
            for r in rows
        ],
        columns=["level", "from_code", "to_code", "change", "confirmed", "note", "source"],
    )


def breaks(old: Edition, new: Edition) -> dict[str, str]:
    """Indicator code -> change, for the indicators whose series is not like for like from ``old``
    to ``new``: the crosswalk's ``standard_changed``/``new``/``removed`` rows where the pair has one,
    plus (always) every indicator whose national floor, kind, unit or direction differs."""
    out: dict[str, str] = {}
    if old.id != new.id:
        for r in load_crosswalk(old.id, new.id):
            if r.level == "indicator" and r.change in BREAKS:
                out[r.code] = r.change
    for code, ind in new.indicator_by_code.items():
        before = old.indicator_by_code.get(code)
        if before is None:
            out.setdefault(code, "new")
        elif (before.national_floor, before.kind, before.unit, before.direction) != (
            ind.national_floor,
            ind.kind,
            ind.unit,
            ind.direction,
        ):
            out.setdefault(code, "standard_changed")
    for code in old.indicator_by_code:
        if code not in new.indicator_by_code:
            out.setdefault(code, "removed")
    return out


def raised_unknown(edition: Edition) -> dict[str, float]:
    """Indicator code -> the earlier edition's floor, for the indicators whose standard ``edition``
    raised without the new figure being known (no floor in ``edition``; the crosswalk into it says
    ``standard_changed``). The new floor is then known only to exceed that figure."""
    out: dict[str, float] = {}
    for old_id, new_id in list_crosswalks():
        if new_id != edition.id:
            continue
        old = load_edition(old_id)
        for r in load_crosswalk(old_id, new_id):
            ind = edition.indicator_by_code.get(r.to_code)
            before = old.indicator_by_code.get(r.from_code)
            if (
                r.level == "indicator"
                and r.change == "standard_changed"
                and ind is not None
                and ind.national_floor is None
                and before is not None
                and before.national_floor is not None
            ):
                out[r.to_code] = before.national_floor
    return out
