"""Corrective actions in the database (issue 17): one row per gap, its changes audited.

The rules of a draft and of a status change are :mod:`assessment.domain.actions`; access is checked
by the caller (:mod:`.service_actions`) in the same transaction. Every change writes one audit event
(object type ``action``): ``action.create``, ``action.update`` (the fields that changed, old and new),
``action.status`` and ``action.review``. The history of an action is read back from those events.
All text is stored as typed and is plain text to every reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.domain.actions import (
    REVIEW_STATES,
    TEXT_MAX,
    ActionDraft,
    Gap,
    action_problem,
    check_transition,
)
from assessment.domain.errors import DataFileError
from assessment.store import audit
from assessment.store.schema import audit_log, corrective_actions

ACTION_COLUMNS = [
    "id",
    "region_code",
    "period",
    "indicator_code",
    "gap_kind",
    "gap_value",
    "gap_threshold",
    "measures",
    "department",
    "budget_total",
    "budget_central",
    "budget_local",
    "due_period",
    "status",
    "reason",
    "review",
    "review_comment",
    "reviewed_by",
    "reviewed_at",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
]
# the fields whose change sends an accepted or returned plan back to review
PLAN_FIELDS = ("measures", "department", "budget_total", "budget_central", "budget_local", "due_period")
HISTORY_COLUMNS = ["at", "actor", "action", "details"]


def refused(key: str, *, field: str = "", value: object = "", **fmt: object) -> DataFileError:
    """A refusal with the text ``actions.error.<key>``, at ``field``."""
    return DataFileError([action_problem(key, field=field, value=value, **fmt)])


def list_actions(
    conn: Connection,
    region_codes: Iterable[str] | None,
    *,
    period: int | None = None,
    action_id: int | None = None,
) -> pd.DataFrame:
    """Actions of ``region_codes`` (None: every region), oldest first."""
    query = sa.select(*(corrective_actions.c[c] for c in ACTION_COLUMNS)).order_by(corrective_actions.c.id)
    if region_codes is not None:
        codes = list(region_codes)
        if not codes:
            return pd.DataFrame(columns=ACTION_COLUMNS)
        query = query.where(corrective_actions.c.region_code.in_(codes))
    if period is not None:
        query = query.where(corrective_actions.c.period == int(period))
    if action_id is not None:
        query = query.where(corrective_actions.c.id == int(action_id))
    rows = conn.execute(query).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows], columns=ACTION_COLUMNS)
    for column in ("id", "period", "due_period"):
        frame[column] = frame[column].astype("int64")
    for column in ("gap_value", "gap_threshold", "budget_total", "budget_central", "budget_local"):
        frame[column] = frame[column].astype("float64")
    return frame


def get(conn: Connection, action_id: object) -> dict[str, Any]:
    """One action row; refused as unknown when there is none."""
    try:
        ident = int(str(action_id))
    except (TypeError, ValueError):
        raise refused("unknown_action", field="", id=action_id) from None
    row = (
        conn.execute(
            sa.select(*(corrective_actions.c[c] for c in ACTION_COLUMNS)).where(
                corrective_actions.c.id == ident
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise refused("unknown_action", id=action_id)
    return dict(row)


def find(conn: Connection, region_code: str, period: int, indicator_code: str) -> dict[str, Any] | None:
    """The action of one gap, if any."""
    row = (
        conn.execute(
            sa.select(*(corrective_actions.c[c] for c in ACTION_COLUMNS)).where(
                corrective_actions.c.region_code == region_code,
                corrective_actions.c.period == int(period),
                corrective_actions.c.indicator_code == indicator_code,
            )
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def _plain(value: Any) -> Any:
    return None if value is None else (float(value) if isinstance(value, float) else value)


def save(
    conn: Connection, actor: str, draft: ActionDraft, gap: Gap, *, now: datetime | None = None
) -> tuple[int, bool]:
    """Create the action of ``gap`` or change it (``draft`` checked by the caller); returns its id and
    whether anything changed. A status change must be a legal step; a changed plan goes back to review."""
    now = now or audit.utcnow()
    old = find(conn, draft.region_code, draft.period, draft.indicator_code)
    fields = {
        "measures": draft.measures,
        "department": draft.department,
        "budget_total": draft.budget_total,
        "budget_central": draft.budget_central,
        "budget_local": draft.budget_local,
        "due_period": int(draft.due_period),
        "status": draft.status,
        "reason": draft.reason or None,
    }
    if old is None:
        if draft.status not in ("planned", "in_progress"):
            problem = check_transition("planned", draft.status)
            if problem is not None:
                raise DataFileError([problem])
        row = {
            "region_code": draft.region_code,
            "period": int(draft.period),
            "indicator_code": draft.indicator_code,
            "gap_kind": gap.kind,
            "gap_value": gap.value,
            "gap_threshold": gap.threshold,
            **fields,
            "review": "pending",
            "created_by": actor,
            "created_at": now,
            "updated_by": actor,
            "updated_at": now,
        }
        ident = int(
            conn.execute(sa.insert(corrective_actions).returning(corrective_actions.c.id), [row]).scalar_one()
        )
        details = {
            k: _plain(v)
            for k, v in row.items()
            if k not in ("created_at", "updated_at", "created_by", "updated_by")
        }
        audit.record(
            conn,
            [
                audit.event(
                    actor,
                    "action.create",
                    "action",
                    ident,
                    region_code=draft.region_code,
                    details=details,
                    at=now,
                )
            ],
        )
        return ident, True
    ident = int(old["id"])
    problem = check_transition(str(old["status"]), draft.status)
    if problem is not None:
        raise DataFileError([problem])
    changed = {k: v for k, v in fields.items() if _plain(old.get(k)) != _plain(v)}
    if not changed:
        return ident, False
    values: dict[str, Any] = {**changed, "updated_by": actor, "updated_at": now}
    replanned = any(k in PLAN_FIELDS for k in changed)
    if replanned and old["review"] != "pending":
        values["review"] = "pending"
    conn.execute(sa.update(corrective_actions).where(corrective_actions.c.id == ident).values(**values))
    events = []
    if "status" in changed:
        events.append(
            audit.event(
                actor,
                "action.status",
                "action",
                ident,
                region_code=draft.region_code,
                details={"from": old["status"], "to": draft.status, "reason": draft.reason or None},
                at=now,
            )
        )
    plan = {
        k: {"from": _plain(old.get(k)), "to": _plain(v)}
        for k, v in changed.items()
        if k not in ("status", "reason")
    }
    if plan:
        if "review" in values:
            plan["review"] = {"from": old["review"], "to": "pending"}
        events.append(
            audit.event(
                actor, "action.update", "action", ident, region_code=draft.region_code, details=plan, at=now
            )
        )
    audit.record(conn, events)
    return ident, True


def review(
    conn: Connection,
    actor: str,
    row: dict[str, Any],
    decision: str,
    comment: str,
    *,
    now: datetime | None = None,
) -> None:
    """An evaluator accepts a plan or returns it with a comment."""
    comment = (comment or "").strip()
    if decision not in REVIEW_STATES or decision == "pending":
        raise refused("bad_review", field="review", value=decision)
    if decision == "returned" and not comment:
        raise refused("comment_required", field="comment")
    if len(comment) > TEXT_MAX:
        raise refused("text_too_long", field="comment", limit=TEXT_MAX, length=len(comment))
    if row["status"] == "dropped":
        raise refused("review_dropped", id=row["id"])
    now = now or audit.utcnow()
    conn.execute(
        sa.update(corrective_actions)
        .where(corrective_actions.c.id == int(row["id"]))
        .values(review=decision, review_comment=comment or None, reviewed_by=actor, reviewed_at=now)
    )
    audit.record(
        conn,
        [
            audit.event(
                actor,
                "action.review",
                "action",
                int(row["id"]),
                region_code=str(row["region_code"]),
                details={"from": row["review"], "to": decision, "comment": comment or None},
                at=now,
            )
        ],
    )


def history(conn: Connection, action_id: int) -> pd.DataFrame:
    """Every audited change of one action, oldest first: at, actor, action, details."""
    rows = conn.execute(
        sa.select(audit_log.c.at, audit_log.c.actor, audit_log.c.action, audit_log.c.details)
        .where(audit_log.c.object_type == "action", audit_log.c.object_id == str(int(action_id)))
        .order_by(audit_log.c.id)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=HISTORY_COLUMNS)
