"""Review workflow: submitted -> approved | returned; reopen; who decided what (DESIGN section 3).

Transitions (anything else is refused with a message saying why and what to do)::

    submitted  --approve-->  approved     (locked: values can no longer change; an older approved
                                           version of the same region and period becomes superseded)
    submitted  --return--->  returned     (a comment is required; a reason code, default "other")
    approved   --reopen--->  submitted    (an evaluator withdraws the approval; comment required)
    returned   --reopen--->  submitted    (an evaluator takes the return back; comment required)
    submitted/returned  --new upload-->  superseded   (see :mod:`assessment.store.submissions`)

Only the latest version of a region and period can be reopened. Every decision is appended to
``reviews`` (never updated) and to the audit log, in the same transaction as the status change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.domain.i18n import t
from assessment.store import audit
from assessment.store.errors import refuse
from assessment.store.schema import regions, reviews, submissions

REASON_CODES = (
    "incomplete",
    "implausible",
    "inconsistent",
    "wrong_region_or_period",
    "missing_evidence",
    "other",
)
TRANSITIONS: dict[tuple[str, str], str] = {
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
    ("approved", "reopen"): "submitted",
    ("returned", "reopen"): "submitted",
}


@dataclass(frozen=True)
class Submission:
    """One submission version (without its file bytes and values)."""

    id: int
    region_code: str
    period: int
    edition: str
    version: int
    status: str
    kind: str
    sha256: str
    values_sha256: str
    filename: str
    value_count: int
    uploaded_by: str
    uploaded_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_comment: str | None
    reason_code: str | None
    superseded_by_id: int | None
    superseded_at: datetime | None
    reply: str | None = None  # the official's answer to the previous version's return

    @property
    def locked(self) -> bool:
        """An approved version is locked: it cannot be reviewed again until reopened."""
        return self.status == "approved"


def get(conn: Connection, submission_id: int, *, lock: bool = False) -> Submission:
    """One submission; StoreError ``store.unknown_submission`` when there is none."""
    try:
        ident = int(submission_id)
    except (TypeError, ValueError):
        raise refuse("unknown_submission", id=submission_id) from None
    cols = [submissions.c[f] for f in Submission.__dataclass_fields__]
    row = conn.execute(sa.select(*cols).where(submissions.c.id == ident)).mappings().first()
    if row is None:
        raise refuse("unknown_submission", id=submission_id)
    if lock and conn.dialect.name == "postgresql":
        conn.execute(sa.select(regions.c.code).where(regions.c.code == row["region_code"]).with_for_update())
        row = conn.execute(sa.select(*cols).where(submissions.c.id == ident)).mappings().one()
    return Submission(**dict(row))


def reason_label(code: str, lang: str = "zh") -> str:
    """The display text of a return reason code."""
    return t(f"store.reason.{code}", lang)


def _check(sub: Submission, decision: str) -> str:
    target = TRANSITIONS.get((sub.status, decision))
    if target is None:
        raise refuse(
            f"transition.{sub.status}",
            id=sub.id,
            version=sub.version,
            per_lang={lang: {"action": t(f"store.decision.{decision}", lang)} for lang in ("zh", "en")},
        )
    return target


def _latest_version(conn: Connection, sub: Submission) -> int:
    return int(
        conn.execute(
            sa.select(sa.func.max(submissions.c.version)).where(
                submissions.c.region_code == sub.region_code, submissions.c.period == sub.period
            )
        ).scalar_one()
    )


def decide(
    conn: Connection,
    actor: str,
    submission_id: int,
    decision: str,
    comment: str = "",
    reason_code: str | None = None,
    *,
    now: datetime | None = None,
) -> Submission:
    """Apply ``decision`` ("approve", "return" or "reopen") to a submission; returns it updated."""
    if decision not in ("approve", "return", "reopen"):
        raise refuse("bad_decision", decision=decision)
    comment = (comment or "").strip()
    if decision in ("return", "reopen") and not comment:
        raise refuse(f"comment_required.{decision}")
    if decision == "return":
        reason_code = reason_code or "other"
        if reason_code not in REASON_CODES:
            raise refuse("bad_reason", reason=reason_code, reasons=", ".join(REASON_CODES))
    else:
        reason_code = None
    sub = get(conn, submission_id, lock=True)
    target = _check(sub, decision)
    if decision == "reopen" and _latest_version(conn, sub) != sub.version:
        raise refuse("reopen_not_latest", id=sub.id, version=sub.version)
    now = now or audit.utcnow()
    events = []
    if decision == "approve":
        older = (
            conn.execute(
                sa.select(submissions.c.id).where(
                    submissions.c.region_code == sub.region_code,
                    submissions.c.period == sub.period,
                    submissions.c.status == "approved",
                    submissions.c.id != sub.id,
                )
            )
            .scalars()
            .all()
        )
        if older:
            conn.execute(
                sa.update(submissions)
                .where(submissions.c.id.in_(older))
                .values(status="superseded", superseded_by_id=sub.id, superseded_at=now)
            )
            events += [
                audit.event(
                    actor,
                    "submission.supersede",
                    "submission",
                    old,
                    region_code=sub.region_code,
                    details={"superseded_by": sub.id},
                    at=now,
                )
                for old in older
            ]
    updated = conn.execute(
        sa.update(submissions)
        .where(submissions.c.id == sub.id, submissions.c.status == sub.status)
        .values(
            status=target, reviewed_by=actor, reviewed_at=now, review_comment=comment, reason_code=reason_code
        )
    )
    if updated.rowcount != 1:  # pragma: no cover - guarded by the region lock
        raise refuse("concurrent_change", id=sub.id)
    conn.execute(
        sa.insert(reviews).values(
            submission_id=sub.id,
            decision=decision,
            from_status=sub.status,
            to_status=target,
            comment=comment,
            reason_code=reason_code,
            actor=actor,
            at=now,
        )
    )
    events.append(
        audit.event(
            actor,
            f"submission.{decision}",
            "submission",
            sub.id,
            region_code=sub.region_code,
            details={
                "period": sub.period,
                "version": sub.version,
                "from": sub.status,
                "to": target,
                "comment": comment,
                "reason_code": reason_code,
            },
            at=now,
        )
    )
    audit.record(conn, events)
    return get(conn, sub.id)
