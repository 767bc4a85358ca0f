"""Tables of the Administration -> Editions tab: editions in force, revisions, the crosswalk.

Pure pandas, no streamlit: the tab (``ui/admin_editions.py``) only draws what these return. Times
are Beijing time; codes (change, level) are translated through the i18n module.
"""

from __future__ import annotations

import re

import pandas as pd

from assessment.catalogue.crosswalk import CHANGES, CrosswalkRow
from assessment.domain.editions import EditionSchedule
from assessment.domain.i18n import t
from assessment.domain.labels import has_label, label
from assessment.domain.model import Edition
from assessment.views.upload import time_text


def editions_table(schedule: EditionSchedule, lang: str) -> pd.DataFrame:
    """One row per edition: id, title, published, the periods it is in force for, its current
    revision and its counts. Columns: edition, title, published, in_force, revision, items,
    indicators, unconfirmed_floors."""
    scheduled = list(schedule.scheduled)
    rows = []
    for e in schedule.editions:
        if e.effective_from is None or e not in scheduled:
            span = t("editions.never", lang)
        else:
            later = [
                x.effective_from
                for x in scheduled
                if x.effective_from and x.effective_from > e.effective_from
            ]
            end = min(later) - 1 if later else None
            span = t(
                "editions.span_open" if end is None else "editions.span",
                lang,
                start=e.effective_from,
                end=end,
            )
        floors = [i for i in e.indicators if i.national_floor is not None]
        rows.append(
            {
                "edition": e.id,
                "title": e.title_zh if lang == "zh" else e.title_en,
                "published": e.published,
                "in_force": span,
                "revision": f"r{e.revision}",
                "items": len(e.items),
                "indicators": len(e.indicators),
                "unconfirmed_floors": sum(not i.floor_confirmed for i in floors),
            }
        )
    return pd.DataFrame(rows)


def revisions_table(revisions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The revisions with who and when (Beijing time); revision 1 reads "as shipped"."""
    out = revisions.copy()
    shipped = out["revision"] == 1
    out["created_at"] = time_text(out["created_at"])
    out["created_by"] = out["created_by"].where(~shipped, t("editions.shipped", lang))
    out["revision"] = "r" + out["revision"].astype(str)
    return out.loc[:, ["edition_id", "revision", "created_by", "created_at", "note"]]


def revision_options(schedule: EditionSchedule, revisions: pd.DataFrame) -> list[str]:
    """``ID:rN`` for every revision of every edition, newest editions first."""
    out = []
    for e in reversed(schedule.editions):
        numbers = sorted(revisions.loc[revisions["edition_id"] == e.id, "revision"].astype(int), reverse=True)
        out += [f"{e.id}:r{n}" for n in numbers]
    return out


def crosswalk_table(rows: tuple[CrosswalkRow, ...], new: Edition, lang: str) -> pd.DataFrame:
    """The crosswalk with the indicator or item name (from the newer edition, else the older code)
    and the change in words. Columns: level, from_code, to_code, name, change, confirmed, note."""
    names: dict[str, tuple[str, str]] = {
        **{i.code: (i.name_zh, i.name_en) for i in new.items},
        **{i.code: (i.name_zh, i.name_en) for i in new.indicators},
    }
    out = []
    for r in rows:
        zh, en = names.get(r.code, ("", ""))
        name = zh if lang == "zh" else en
        out.append(
            {
                "level": t(f"editions.level.{r.level}", lang),
                "from_code": r.from_code,
                "to_code": r.to_code,
                "name": name,
                "change": t(f"editions.change.{r.change}", lang),
                "confirmed": t("editions.yes" if r.confirmed else "editions.no", lang),
                "note": r.note_zh if lang == "zh" else r.note_en,
            }
        )
    return pd.DataFrame(out, columns=["level", "from_code", "to_code", "name", "change", "confirmed", "note"])


def change_counts(rows: tuple[CrosswalkRow, ...], lang: str) -> pd.DataFrame:
    """How many items and indicators per change. Columns: change, items, indicators."""
    data = [
        {
            "change": t(f"editions.change.{c}", lang),
            "items": sum(r.level == "item" and r.change == c for r in rows),
            "indicators": sum(r.level == "indicator" and r.change == c for r in rows),
        }
        for c in CHANGES
    ]
    return pd.DataFrame(data)


# workbook fields whose cells hold codes (as the workbook writes them) and the family of their words
CODED_FIELDS = {"verified": "bool", "floor_confirmed": "bool", "kind": "kind", "direction": "direction"}
_ASCII_HINT = re.compile(r"（[^）]*[A-Za-z][^）]*）|，格式.*$")  # the workbook's typing hints


def diff_table(diff: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A catalogue diff (:func:`assessment.intake.edition_workbook.diff_editions`) for reading: the
    table and the change in words, the field by its label (without the workbook's typing hints such
    as "（yes/no）" in zh), coded cells (yes/no, kind, direction) as words. Columns: table, code,
    field, old, new, change.

    >>> d = pd.DataFrame({"table": ["indicators"], "code": ["S01.1"], "field": ["floor_confirmed"],
    ...     "label": ["底线已核实（yes/no）"], "old": ["no"], "new": ["yes"], "change": ["changed"]})
    >>> diff_table(d, "zh").iloc[0, 2:5].tolist()
    ['底线已核实', '否', '是']
    """

    def cell(field: str, value: object) -> str:
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        family = CODED_FIELDS.get(field)
        code = {"yes": True, "no": False}.get(str(value), value) if family == "bool" else value
        if family and (isinstance(code, bool) or has_label(family, code)):
            return label(family, code, lang)
        return str(value)

    labels = diff["label"].astype(str)
    return pd.DataFrame(
        {
            "table": [t(f"editions.table.{x}", lang) for x in diff["table"]],
            "code": diff["code"].astype(str),
            "field": [_ASCII_HINT.sub("", x) for x in labels] if lang == "zh" else labels,
            "old": [cell(f, v) for f, v in zip(diff["field"], diff["old"], strict=True)],
            "new": [cell(f, v) for f, v in zip(diff["field"], diff["new"], strict=True)],
            "change": [t(f"editions.change.{x}", lang) for x in diff["change"]],
        }
    )
