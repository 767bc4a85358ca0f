"""The reporting round as a conversation, ready to display (issue 16, points 1 and 4). Pure pandas.

* :func:`return_notice`: what the official's banner says about a returned version (full comment,
  reason, reviewer, date in Beijing time).
* :func:`returned_latest`: which periods of a region have a returned latest version.
* :func:`exchange_table`: returns, replies, reopenings, approvals and queries in time order.
* :func:`queries_table`: value queries with their state ("corrected in version N" when a later
  version changed the value).

All user text (comments, replies, questions, answers) stays plain text in table cells.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.model import Edition
from assessment.store.workflow import Submission
from assessment.views.upload import beijing_time, column_headers, time_text

EXCHANGE_COLUMNS = ("at", "actor", "kind", "version", "indicator", "reason", "text")
QUERY_COLUMNS = ("id", "indicator", "version", "question", "state", "answer", "raised_by", "raised_at")


@dataclass(frozen=True)
class ReturnNotice:
    """A returned version as the official's banner shows it."""

    submission_id: int
    period: int
    version: int
    comment: str
    reason: str
    reviewer: str
    at: str  # Beijing time text


def return_notice(sub: Submission, lang: str) -> ReturnNotice | None:
    """The banner's content when ``sub`` is returned, else None.

    >>> from datetime import datetime, UTC
    >>> s = Submission(3, "990123", 2024, "CN-2023", 1, "returned", "template", "", "", "f.xlsx", 1,
    ...                "o", datetime(2025, 1, 1, tzinfo=UTC), "ev", datetime(2025, 3, 31, 16, tzinfo=UTC),
    ...                "请核实", "implausible", None, None)
    >>> n = return_notice(s, "en"); (n.reason, n.at, n.comment)
    ('Implausible values', '2025-04-01 00:00 Beijing time', '请核实')
    """
    if sub.status != "returned":
        return None
    return ReturnNotice(
        submission_id=sub.id,
        period=sub.period,
        version=sub.version,
        comment=sub.review_comment or "",
        reason=t(f"store.reason.{sub.reason_code or 'other'}", lang),
        reviewer=sub.reviewed_by or "",
        at=beijing_time(sub.reviewed_at, lang) if sub.reviewed_at else "",
    )


def returned_latest(submissions: pd.DataFrame, period: int | None = None) -> list[int]:
    """Ids of the latest versions (per region and period) that are returned, newest period first.

    >>> f = pd.DataFrame({"id": [1, 2, 3, 4], "region_code": ["a"] * 4,
    ...                   "period": [2023, 2023, 2024, 2024], "version": [1, 2, 1, 2],
    ...                   "status": ["superseded", "returned", "returned", "submitted"]})
    >>> returned_latest(f), returned_latest(f, 2024)
    ([2], [])
    """
    if submissions.empty:
        return []
    frame = (
        submissions if period is None else submissions.loc[submissions["period"].astype(int) == int(period)]
    )
    latest = frame.sort_values("version").drop_duplicates(["region_code", "period"], keep="last")
    latest = latest.loc[latest["status"].astype(str) == "returned"].sort_values("period", ascending=False)
    return [int(i) for i in latest["id"]]


def _indicator_text(codes: pd.Series, edition: Edition | None, lang: str) -> pd.Series:
    codes = codes.astype("string")
    if edition is None:
        return codes.fillna("")
    names = {c: (i.name_zh if lang == "zh" else i.name_en) for c, i in edition.indicator_by_code.items()}
    return (codes + " " + codes.map(names).fillna("")).str.strip().fillna("").astype("string")


def indicator_label(code: str, edition: Edition | None, lang: str) -> str:
    """``S02.1 name`` (the code alone when the edition does not know it)."""
    return str(_indicator_text(pd.Series([code]), edition, lang).iloc[0])


def exchange_table(exchange: pd.DataFrame, edition: Edition | None, lang: str) -> pd.DataFrame:
    """:meth:`Store.exchange` for reading: time (Beijing), who, what, version, indicator, reason, text."""
    kind = exchange["kind"].astype(str)
    upload_reply = (kind == "upload") & (exchange["text"].astype(str) != "")
    what = kind.where(~upload_reply, "upload_reply").map(lambda k: t(f"conv.kind.{k}", lang))
    reason = exchange["reason_code"].astype("string")
    out = pd.DataFrame(
        {
            "at": time_text(exchange["at"]),
            "actor": exchange["actor"].astype("string").fillna(""),
            "kind": what.astype("string"),
            "version": exchange["version"].astype("Int64"),
            "indicator": _indicator_text(exchange["indicator_code"], edition, lang),
            "reason": reason.map(lambda r: t(f"store.reason.{r}", lang), na_action="ignore")
            .astype("string")
            .fillna(""),
            "text": exchange["text"].astype("string").fillna(""),
        }
    )
    return out.rename(columns=column_headers("conv.exchange", EXCHANGE_COLUMNS, lang))


def query_state(status: str, corrected_in: object, lang: str) -> str:
    """The state of a query in words, with "corrected in version N" when a later version changed it.

    >>> query_state("open", 3, "en"), query_state("answered", None, "en")
    ('Open · corrected in version 3', 'Answered')
    """
    text = t(f"conv.query_status.{status}", lang)
    if corrected_in is not None and not pd.isna(corrected_in):
        text += " · " + t("conv.corrected_in", lang, version=int(corrected_in))  # type: ignore[call-overload]
    return text


def queries_table(queries: pd.DataFrame, edition: Edition | None, lang: str) -> pd.DataFrame:
    """:meth:`Store.value_queries` for reading (newest first). Headers in ``lang``."""
    state = [
        query_state(str(s), c, lang) for s, c in zip(queries["status"], queries["corrected_in"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "id": queries["id"].astype("Int64"),
            "indicator": _indicator_text(queries["indicator_code"], edition, lang),
            "version": queries["version"].astype("Int64"),
            "question": queries["question"].astype("string").fillna(""),
            "state": pd.Series(state, index=queries.index, dtype="string"),
            "answer": queries["answer"].astype("string").fillna(""),
            "raised_by": queries["raised_by"].astype("string").fillna(""),
            "raised_at": time_text(queries["raised_at"]),
        }
    )
    return out.rename(columns=column_headers("conv.queries", QUERY_COLUMNS, lang))


def unresolved(queries: pd.DataFrame) -> pd.DataFrame:
    """The queries not closed yet (open or answered)."""
    return queries.loc[queries["status"].astype(str) != "closed"].reset_index(drop=True)
