"""Value queries and the exchange between a reviewer and an official (issue 16, points 1 and 4).

A **value query** is an evaluator's question about one value: a region, a period, an indicator, on
the submission version the evaluator was looking at (DHIS2 calls it a "follow-up"). Its life::

    open  --official answers-->  answered  --evaluator closes-->  closed
    open  --evaluator closes------------------------------------>  closed

The official may also correct the value in a new version instead of (or as well as) answering: the
query then reads "corrected in version N", computed on every read by comparing the indicator's value,
numerator and denominator in the later versions with the version the query was raised on (nothing
is stored for it, so it cannot go stale). A closed query is final.

The **exchange** of a region and period is everything said in its reporting round, in time order:
uploads (with the official's reply to a return), review decisions (approve, return, reopen) with
their comments, and queries raised, answered and closed.

Access is checked by the caller (:mod:`.service_conversation`); every change writes its audit event
(``query.raise``, ``query.answer``, ``query.close``; object type ``query``) in the same transaction.
All text is stored as typed and is plain text to every reader.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.store import audit
from assessment.store.errors import refuse
from assessment.store.schema import reviews, submission_values, submissions, value_queries
from assessment.store.workflow import Submission

TEXT_MAX = 2000  # characters of a question, an answer or a closing note
QUERY_COLUMNS = [
    "id",
    "region_code",
    "period",
    "indicator_code",
    "submission_id",
    "question",
    "raised_by",
    "raised_at",
    "status",
    "answer",
    "answered_by",
    "answered_at",
    "closed_by",
    "closed_at",
    "closing_note",
]
# the columns :func:`list_queries` adds: the version the query was raised on, and the later version
# that changed the value (<NA> while none did)
EXTRA_COLUMNS = ["version", "corrected_in"]
EXCHANGE_COLUMNS = [
    "at",
    "kind",
    "actor",
    "submission_id",
    "version",
    "reason_code",
    "indicator_code",
    "query_id",
    "text",
]
# the order of events that share a time stamp
KIND_ORDER = {
    "upload": 0,
    "return": 1,
    "approve": 1,
    "reopen": 1,
    "query_raise": 2,
    "query_answer": 3,
    "query_close": 4,
}


def clean_text(text: str | None, what: str, *, required: bool = True) -> str:
    """``text`` stripped; refused when empty (if ``required``) or longer than TEXT_MAX."""
    out = (text or "").strip()
    if required and not out:
        raise refuse(f"query_text_required.{what}")
    if len(out) > TEXT_MAX:
        raise refuse("query_text_too_long", limit=TEXT_MAX, length=len(out))
    return out


def get(conn: Connection, query_id: object) -> dict[str, Any]:
    """One query row; ``store.unknown_query`` when there is none."""
    try:
        ident = int(str(query_id))
    except (TypeError, ValueError):
        raise refuse("unknown_query", id=query_id) from None
    row = (
        conn.execute(
            sa.select(*(value_queries.c[c] for c in QUERY_COLUMNS)).where(value_queries.c.id == ident)
        )
        .mappings()
        .first()
    )
    if row is None:
        raise refuse("unknown_query", id=query_id)
    return dict(row)


def _details(row: dict[str, Any], **more: object) -> dict[str, Any]:
    return {
        "period": int(row["period"]),
        "indicator_code": row["indicator_code"],
        "submission_id": int(row["submission_id"]),
        **more,
    }


def raise_query(
    conn: Connection,
    actor: str,
    sub: Submission,
    indicator_code: str,
    question: str,
    *,
    now: datetime | None = None,
) -> int:
    """Open a query on ``indicator_code`` of submission ``sub``; returns its id."""
    question = clean_text(question, "question")
    code = (indicator_code or "").strip()
    if sub.status == "superseded":
        raise refuse("query_superseded", id=sub.id, version=sub.version)
    found = conn.execute(
        sa.select(submission_values.c.indicator_code).where(
            submission_values.c.submission_id == sub.id, submission_values.c.indicator_code == code
        )
    ).first()
    if found is None:
        raise refuse("query_unknown_indicator", indicator=code, id=sub.id, version=sub.version)
    now = now or audit.utcnow()
    row = {
        "region_code": sub.region_code,
        "period": sub.period,
        "indicator_code": code,
        "submission_id": sub.id,
        "question": question,
        "raised_by": actor,
        "raised_at": now,
        "status": "open",
    }
    ident = int(conn.execute(sa.insert(value_queries).returning(value_queries.c.id), [row]).scalar_one())
    event = audit.event(
        actor,
        "query.raise",
        "query",
        ident,
        region_code=sub.region_code,
        details=_details(row, version=sub.version, question=question),
        at=now,
    )
    audit.record(conn, [event])
    return ident


def answer(
    conn: Connection, actor: str, row: dict[str, Any], text: str, *, now: datetime | None = None
) -> None:
    """The official's answer (replaces an earlier answer while the query is not closed)."""
    text = clean_text(text, "answer")
    now = now or audit.utcnow()
    values = {"status": "answered", "answer": text, "answered_by": actor, "answered_at": now}
    _change(conn, actor, row, "query.answer", values, {"answer": text}, now)


def close(
    conn: Connection, actor: str, row: dict[str, Any], note: str = "", *, now: datetime | None = None
) -> None:
    """The evaluator closes the query (resolved); ``note`` optional."""
    note = clean_text(note, "note", required=False)
    now = now or audit.utcnow()
    values = {"status": "closed", "closed_by": actor, "closed_at": now, "closing_note": note or None}
    _change(conn, actor, row, "query.close", values, {"note": note, "was": row["status"]}, now)


def _change(
    conn: Connection,
    actor: str,
    row: dict[str, Any],
    action: str,
    values: dict[str, Any],
    details: dict[str, Any],
    now: datetime,
) -> None:
    """Apply ``values`` to a query that is not closed, and audit ``action`` with ``details``."""
    if row["status"] == "closed":
        raise refuse("query_closed", id=row["id"])
    done = conn.execute(
        sa.update(value_queries)
        .where(value_queries.c.id == int(row["id"]), value_queries.c.status != "closed")
        .values(**values)
    )
    if done.rowcount != 1:  # pragma: no cover - closed in between
        raise refuse("query_closed", id=row["id"])
    event = audit.event(
        actor,
        action,
        "query",
        row["id"],
        region_code=row["region_code"],
        details=_details(row, **details),
        at=now,
    )
    audit.record(conn, [event])


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame(columns=[*QUERY_COLUMNS, *EXTRA_COLUMNS])
    return frame.astype(
        {"id": "int64", "period": "int64", "submission_id": "int64", "version": "Int64"}
    ).astype({"corrected_in": "Int64"})


def list_queries(
    conn: Connection,
    region_codes: Iterable[str] | None = None,
    *,
    period: int | None = None,
    status: str | Iterable[str] | None = None,
    submission_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """Queries (newest first) filtered, with ``version`` and ``corrected_in`` (see module doc)."""
    query = sa.select(*(value_queries.c[c] for c in QUERY_COLUMNS)).order_by(value_queries.c.id.desc())
    if region_codes is not None:
        query = query.where(value_queries.c.region_code.in_(sorted(set(region_codes))))
    if period is not None:
        query = query.where(value_queries.c.period == int(period))
    if status is not None:
        wanted = [status] if isinstance(status, str) else list(status)
        query = query.where(value_queries.c.status.in_(wanted))
    if submission_ids is not None:
        query = query.where(value_queries.c.submission_id.in_([int(i) for i in submission_ids]))
    rows = conn.execute(query).all()
    if not rows:
        return _empty()
    frame = pd.DataFrame(rows, columns=QUERY_COLUMNS)
    frame = frame.astype({"id": "int64", "period": "int64", "submission_id": "int64"})
    for col in ("raised_at", "answered_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    versions, corrected = _corrections(conn, frame)
    return frame.assign(
        version=pd.array(versions, dtype="Int64"), corrected_in=pd.array(corrected, dtype="Int64")
    )


def _same(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> bool:
    if a is None or b is None:
        return a is b

    def norm(v: Any) -> Any:
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)

    return [norm(x) for x in a] == [norm(x) for x in b]


def _corrections(conn: Connection, frame: pd.DataFrame) -> tuple[list[int | None], list[int | None]]:
    """Per query: the version it was raised on, and the first later version of its region and
    period whose value, numerator or denominator of the indicator differs (None when none)."""
    regions_ = sorted(set(frame["region_code"].astype(str)))
    periods = sorted({int(p) for p in frame["period"]})
    subs = conn.execute(
        sa.select(
            submissions.c.id, submissions.c.region_code, submissions.c.period, submissions.c.version
        ).where(submissions.c.region_code.in_(regions_), submissions.c.period.in_(periods))
    ).all()
    version_of = {int(i): int(v) for i, _, _, v in subs}
    by_round: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for ident, region, period, version in subs:
        by_round.setdefault((str(region), int(period)), []).append((int(version), int(ident)))
    codes = sorted(set(frame["indicator_code"].astype(str)))
    vals = conn.execute(
        sa.select(
            submission_values.c.submission_id,
            submission_values.c.indicator_code,
            submission_values.c.value,
            submission_values.c.numerator,
            submission_values.c.denominator,
        ).where(
            submission_values.c.submission_id.in_(list(version_of)),
            submission_values.c.indicator_code.in_(codes),
        )
    ).all()
    value_of = {(int(s), str(c)): (v, n, d) for s, c, v, n, d in vals}
    versions: list[int | None] = []
    corrected: list[int | None] = []
    for region, period, code, sid in zip(
        frame["region_code"], frame["period"], frame["indicator_code"], frame["submission_id"], strict=True
    ):
        base = version_of.get(int(sid))
        versions.append(base)
        found = None
        if base is not None:
            before = value_of.get((int(sid), str(code)))
            for version, later in sorted(by_round.get((str(region), int(period)), [])):
                if version > base and not _same(value_of.get((later, str(code))), before):
                    found = version
                    break
        corrected.append(found)
    return versions, corrected


def exchange(conn: Connection, region_code: str, period: int, *, with_queries: bool = True) -> pd.DataFrame:
    """Everything said in the reporting round of one region and period, oldest first (columns
    EXCHANGE_COLUMNS; ``text``: the reply, comment, question, answer or closing note)."""
    subs = conn.execute(
        sa.select(
            submissions.c.id,
            submissions.c.version,
            submissions.c.uploaded_by,
            submissions.c.uploaded_at,
            submissions.c.reply,
        ).where(submissions.c.region_code == region_code, submissions.c.period == int(period))
    ).all()
    version_of = {int(i): int(v) for i, v, *_ in subs}
    events: list[dict[str, Any]] = [
        {
            "at": at,
            "kind": "upload",
            "actor": by,
            "submission_id": int(i),
            "version": int(v),
            "text": reply or "",
        }
        for i, v, by, at, reply in subs
    ]
    if version_of:
        decisions = conn.execute(
            sa.select(
                reviews.c.submission_id,
                reviews.c.decision,
                reviews.c.actor,
                reviews.c.at,
                reviews.c.comment,
                reviews.c.reason_code,
            ).where(reviews.c.submission_id.in_(list(version_of)))
        ).all()
        events += [
            {
                "at": at,
                "kind": decision,
                "actor": who,
                "submission_id": int(sid),
                "version": version_of[int(sid)],
                "reason_code": reason,
                "text": comment or "",
            }
            for sid, decision, who, at, comment, reason in decisions
        ]
    if with_queries:
        rows = conn.execute(
            sa.select(*(value_queries.c[c] for c in QUERY_COLUMNS)).where(
                value_queries.c.region_code == region_code, value_queries.c.period == int(period)
            )
        ).mappings()
        for q in rows:
            common = {
                "submission_id": int(q["submission_id"]),
                "version": version_of.get(int(q["submission_id"])),
                "indicator_code": q["indicator_code"],
                "query_id": int(q["id"]),
            }
            events.append(
                {
                    "at": q["raised_at"],
                    "kind": "query_raise",
                    "actor": q["raised_by"],
                    "text": q["question"],
                    **common,
                }
            )
            if q["answered_at"] is not None:
                events.append(
                    {
                        "at": q["answered_at"],
                        "kind": "query_answer",
                        "actor": q["answered_by"],
                        "text": q["answer"] or "",
                        **common,
                    }
                )
            if q["closed_at"] is not None:
                events.append(
                    {
                        "at": q["closed_at"],
                        "kind": "query_close",
                        "actor": q["closed_by"],
                        "text": q["closing_note"] or "",
                        **common,
                    }
                )
    frame = pd.DataFrame(events, columns=EXCHANGE_COLUMNS)
    if frame.empty:
        return frame.astype({"version": "Int64", "submission_id": "Int64", "query_id": "Int64"})
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    frame["_order"] = frame["kind"].map(KIND_ORDER)
    frame = frame.sort_values(["at", "_order", "query_id"], kind="stable", ignore_index=True).drop(
        columns="_order"
    )
    return frame.astype(
        {
            "version": "Int64",
            "submission_id": "Int64",
            "query_id": "Int64",
            "reason_code": "string",
            "indicator_code": "string",
        }
    )
