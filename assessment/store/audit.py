"""The audit trail: who did what, when, on which object (DESIGN section 3).

Every state change writes its audit event in the same transaction as the change itself, so the trail
and the data can never disagree. The log is append-only: this module has no update or delete, and a
database trigger refuses UPDATE and DELETE on ``audit_log`` (and on ``reviews``).

Actions written by the store: ``submission.import``, ``submission.supersede``, ``submission.approve``,
``submission.return``, ``submission.reopen``, ``regions.save``, ``edition.register``,
``local_standard.set``, ``local_standard.supersede``, ``deadline.set``, ``user.add``, ``setting.set``,
``demo.seed``. Other modules add their own through :meth:`Store.audit`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.store.schema import audit_log

NOTIFY_ACTIONS = frozenset({"submission.return", "submission.approve", "query.raise", "query.answer"})
# Called with (conn, events) in the same transaction when a batch holds one of NOTIFY_ACTIONS:
# assessment.store.notifications registers its outbox here when it is imported (by the Store).
HOOKS: list[Callable[[Connection, Sequence[Mapping[str, Any]]], object]] = []

AUDIT_COLUMNS = ["id", "at", "actor", "action", "object_type", "object_id", "region_code", "details"]


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def event(
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    *,
    region_code: str | None = None,
    details: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """One audit row (a plain dict) ready for :func:`record`."""
    return {
        "at": at or utcnow(),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "region_code": region_code,
        "details": dict(details) if details else None,
    }


def record(conn: Connection, events: Sequence[Mapping[str, Any]]) -> None:
    """Append audit events inside the caller's transaction (no-op for an empty list).

    Events that notify someone (a return, an approval, a value query) go to the :data:`HOOKS` in the
    same transaction: the notification outbox queues their e-mails when switched on
    (:mod:`assessment.store.notifications`)."""
    if events:
        conn.execute(sa.insert(audit_log), [dict(e) for e in events])
        if any(e.get("action") in NOTIFY_ACTIONS for e in events):
            for hook in HOOKS:
                hook(conn, events)


def read(
    conn: Connection,
    *,
    actor: str | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    region_code: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Audit events, oldest first, filtered by any of the arguments. Columns: AUDIT_COLUMNS."""
    query = sa.select(*(audit_log.c[c] for c in AUDIT_COLUMNS)).order_by(audit_log.c.id)
    filters = {
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "region_code": region_code,
    }
    for column, wanted in filters.items():
        if wanted is not None:
            query = query.where(audit_log.c[column] == wanted)
    if since is not None:
        query = query.where(audit_log.c.at >= since)
    if limit is not None:
        query = query.order_by(None).order_by(audit_log.c.id.desc()).limit(limit)
    rows = conn.execute(query).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows], columns=AUDIT_COLUMNS)
    if limit is not None:
        frame = frame.iloc[::-1].reset_index(drop=True)
    return frame
