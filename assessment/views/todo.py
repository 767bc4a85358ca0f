"""The to-do lists of the landing pages and the deadline panel of the review page (issue 16, points
2, 3). Pure: built from store data passed in (no store, no Streamlit).

* Evaluators (overview page): reports waiting for review, regions past their deadline that have
  not reported, late reports, open value queries, the next deadline of their jurisdiction.
* Officials (region page): a returned report, open value queries, the next deadline of their region
  with the days left (or how long ago it passed without a report).

Days left count Beijing calendar days (:func:`assessment.notify.times.days_left`); times are shown
in Beijing time, with the zone named by the texts.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.model import RegionTree
from assessment.notify.times import beijing_text, days_left

REVIEW_PAGE = "app_pages/review.py"
UPLOAD_PAGE = "app_pages/upload.py"
OVERDUE_NAMES = 10  # overdue regions named in the item; the rest counted


@dataclass(frozen=True)
class Deadline:
    """A region's effective deadline for a period, as shown."""

    period: int
    deadline: datetime
    set_by: str
    text: str  # Beijing time
    days_left: int  # 0 on the last day, negative once passed


@dataclass(frozen=True)
class TodoItem:
    """One line of a to-do list: a locale key with its fields, how it is shown, where it links."""

    kind: str
    key: str
    fields: Mapping[str, object] = field(default_factory=dict)
    level: str = "info"  # info | warning | error | success
    page: str | None = None
    link_key: str | None = None


def deadline_of(period: int, found: tuple[datetime, str] | None, now: datetime) -> Deadline | None:
    """The :class:`Deadline` of a store's ``effective_deadline`` answer (None stays None)."""
    if found is None:
        return None
    return Deadline(int(period), found[0], found[1], beijing_text(found[0]), days_left(found[0], now))


def next_deadline(candidates: Mapping[int, Deadline | None]) -> Deadline | None:
    """Among the deadlines of several periods: the soonest that has not passed, else the latest."""
    known = [d for d in candidates.values() if d is not None]
    coming = [d for d in known if d.days_left >= 0]
    if coming:
        return min(coming, key=lambda d: d.deadline)
    return max(known, key=lambda d: d.deadline) if known else None


def open_queries(frame: pd.DataFrame | None) -> int | None:
    """How many value queries are open (a frame of ``Store.value_queries``; None: not available)."""
    if frame is None:
        return None
    if "status" in frame.columns:
        return int((frame["status"].astype("string") == "open").sum())
    return len(frame)


def deadline_item(due: Deadline | None, reported: bool | None = None) -> TodoItem | None:
    """The deadline line: days left, today, or passed (a warning when not reported)."""
    if due is None:
        return None
    fields = {"period": due.period, "date": due.text, "days": abs(due.days_left)}
    if due.days_left > 0:
        level = "warning" if due.days_left <= 7 and reported is False else "info"
        return TodoItem("deadline", "todo.deadline_next", fields, level)
    if due.days_left == 0:
        return TodoItem("deadline", "todo.deadline_today", fields, "warning" if reported is False else "info")
    if reported is False:
        return TodoItem("deadline", "todo.deadline_missed", fields, "error", UPLOAD_PAGE, "todo.link_upload")
    return TodoItem("deadline", "todo.deadline_passed", fields, "info")


def evaluator_items(
    queue: pd.DataFrame,
    completeness: pd.DataFrame | None,
    queries: pd.DataFrame | None,
    due: Deadline | None,
    tree: RegionTree,
    lang: str,
) -> list[TodoItem]:
    """An evaluator's to-do: ``queue`` (``Store.review_queue``), ``completeness`` of the current
    period (``Store.completeness``, with ``overdue``), ``queries`` (``Store.value_queries``, or None
    when that is not available), ``due`` the jurisdiction's deadline."""
    items: list[TodoItem] = []
    if len(queue):
        items.append(
            TodoItem(
                "waiting",
                "todo.waiting_review",
                {"n": len(queue)},
                "warning",
                REVIEW_PAGE,
                "todo.link_review",
            )
        )
    if completeness is not None and len(completeness):
        late = (
            completeness.loc[completeness["overdue"].astype(bool)]
            if "overdue" in completeness
            else completeness.iloc[:0]
        )
        if len(late):
            names = [_name(tree, str(c), lang) for c in late["region_code"]]
            shown = "、".join(names[:OVERDUE_NAMES]) if lang == "zh" else ", ".join(names[:OVERDUE_NAMES])
            more = len(names) - OVERDUE_NAMES
            fields = {
                "n": len(names),
                "period": int(late["period"].iloc[0]),
                "names": shown,
                "more": max(more, 0),
            }
            key = "todo.overdue_more" if more > 0 else "todo.overdue"
            items.append(TodoItem("overdue", key, fields, "error", REVIEW_PAGE, "todo.link_review"))
        n_late = int((completeness["status"].astype("string") == "late").sum())
        if n_late:
            period = int(completeness["period"].iloc[0])
            items.append(
                TodoItem(
                    "late",
                    "todo.late",
                    {"n": n_late, "period": period},
                    "info",
                    REVIEW_PAGE,
                    "todo.link_review",
                )
            )
    n_open = open_queries(queries)
    if n_open:
        items.append(
            TodoItem(
                "queries",
                "todo.open_queries_evaluator",
                {"n": n_open},
                "info",
                REVIEW_PAGE,
                "todo.link_review",
            )
        )
    line = deadline_item(due)
    if line is not None:
        items.append(line)
    return items


def official_items(
    submissions: pd.DataFrame, queries: pd.DataFrame | None, due: Deadline | None
) -> list[TodoItem]:
    """An official's to-do: ``submissions`` of their region(s) (``Store.submissions``, newest
    version first per region and period), ``queries`` their open value queries (or None), ``due``
    their region's next deadline."""
    items: list[TodoItem] = []
    if len(submissions):
        latest = submissions.sort_values("version").drop_duplicates(["region_code", "period"], keep="last")
        back = latest.loc[latest["status"] == "returned"].sort_values("period", ascending=False)
        for row in back.itertuples():
            fields = {"period": int(row.period), "version": int(row.version), "region": str(row.region_code)}
            items.append(
                TodoItem("returned", "todo.returned", fields, "error", UPLOAD_PAGE, "todo.link_upload")
            )
    n_open = open_queries(queries)
    if n_open:
        items.append(
            TodoItem(
                "queries",
                "todo.open_queries_official",
                {"n": n_open},
                "warning",
                UPLOAD_PAGE,
                "todo.link_upload",
            )
        )
    if due is not None:
        reported = bool(len(submissions)) and bool((submissions["period"] == due.period).any())
        line = deadline_item(due, reported)
        if line is not None:
            items.append(line)
    return items


def _name(tree: RegionTree, code: str, lang: str) -> str:
    if code not in tree:
        return code
    reg = tree.get(code)
    return reg.name_zh if lang == "zh" else (reg.name_en or reg.name_zh)


# -- the not-reported list of the review page --------------------------------------------------
EXPORT_STATUSES = ("late", "missing", "never_reported")


def not_reported(completeness: pd.DataFrame, tree: RegionTree, lang: str) -> pd.DataFrame:
    """Who has not reported, or reported late, for the period of ``completeness``: code, region,
    prefecture, status, deadline (Beijing time), days late, overdue, in the user's language."""
    rows = completeness.loc[completeness["status"].astype("string").isin(EXPORT_STATUSES)]
    yes, no = t("todo.yes", lang), t("todo.no", lang)
    out = pd.DataFrame(
        {
            "code": rows["region_code"].astype(str),
            "region": [_name(tree, str(c), lang) for c in rows["region_code"]],
            "parent": [_name(tree, str(c), lang) if isinstance(c, str) else "" for c in rows["parent_code"]],
            "status": [t(f"review.completeness.{s}", lang) for s in rows["status"]],
            "deadline": [beijing_text(d) if pd.notna(d) else "" for d in rows["deadline"]],
            "days_late": [round(float(d), 1) if pd.notna(d) else None for d in rows["days_late"]],
            "overdue": [
                yes if bool(o) else no for o in rows.get("overdue", pd.Series(False, index=rows.index))
            ],
        }
    )
    out.columns = [t(f"todo.col.{c}", lang) for c in out.columns]
    return out.reset_index(drop=True)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV with a BOM (Excel opens it as UTF-8)."""
    return frame.to_csv(index=False).encode("utf-8-sig")


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    """An .xlsx workbook of ``frame`` (one sheet; text cells are written as text, never formulas)."""
    buf = io.BytesIO()
    safe = frame.copy()
    for col in safe.columns:
        if safe[col].dtype == object:
            safe[col] = [("'" + v) if isinstance(v, str) and v[:1] in "=+-@" else v for v in safe[col]]
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buf.getvalue()
