"""The notification outbox (issue 16, point 2): e-mails queued in the transaction of the action that
causes them, delivered after it commits, best effort.

* :func:`on_audit` is called by :func:`assessment.store.audit.record` for every batch of audit
  events: ``submission.return``, ``submission.approve``, ``query.raise`` and ``query.answer`` queue
  one mail per recipient (``notification_outbox``) when notifications are switched on (settings
  ``notify.enabled``, ``smtp.host``, ``smtp.from``; off by default: then nothing is queued).
  Recipients: the officials whose scope covers the region (return, approve, query raised), the
  evaluators whose jurisdiction covers it (query answered); disabled users, users without an
  e-mail address and the actor are skipped.
* Delivery runs after the commit: :func:`on_audit` marks the connection, and when it goes back to
  the pool (after the commit, or the rollback: then nothing new is found) a background thread sends
  what is due (:func:`deliver`). A failure never reaches the user's action: the row keeps
  ``failed``, the attempt count and the error, and is retried by the next delivery (at most
  :data:`MAX_ATTEMPTS` times) or by ``python -m assessment notify send``.
* :func:`remind` queues a deadline reminder to the officials of each region that has not reported
  and whose effective deadline is within the next N days, once per region, period and recipient
  (``dedupe_key``); run daily by ``python -m assessment notify remind`` from cron.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assessment.notify import config as cfgmod
from assessment.notify.config import SmtpConfig, config_from_settings
from assessment.notify.mail import compose, message
from assessment.notify.smtp import send as smtp_send
from assessment.notify.times import beijing_text, days_left
from assessment.store import audit, reference
from assessment.store.schema import (
    jurisdiction_deadlines,
    notification_outbox,
    regions,
    settings,
    submissions,
    users,
)
from assessment.store.scope import access_tree

LOG = logging.getLogger("assessment.notify")
NOTIFY_ACTIONS = {
    "submission.return": "return",
    "submission.approve": "approve",
    "query.raise": "query_raised",
    "query.answer": "query_answered",
}
MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=10)  # a "sending" row older than this was lost by a crashed sender
FLAG = "assessment_notify_pending"
OUTBOX_COLUMNS = [
    "id",
    "created_at",
    "kind",
    "region_code",
    "period",
    "recipient",
    "email",
    "subject",
    "status",
    "attempts",
    "last_error",
    "sent_at",
]
Sender = Callable[[SmtpConfig, Sequence[EmailMessage]], list[str | None]]


def _now() -> datetime:
    return audit.utcnow()


# -- configuration ------------------------------------------------------------------------------
def stored_settings(conn: Connection) -> dict[str, str | None]:
    """The notification settings stored (absent keys missing)."""
    rows = conn.execute(
        sa.select(settings.c.key, settings.c.value).where(settings.c.key.in_(cfgmod.SETTING_KEYS))
    )
    return {str(k): v for k, v in rows}


def current_config(conn: Connection) -> SmtpConfig:
    """The SMTP configuration now (password from the environment)."""
    return config_from_settings(stored_settings(conn))


# -- recipients ---------------------------------------------------------------------------------
def recipients(
    conn: Connection, role: str, region_code: str, skip: str | None = None
) -> list[tuple[str, str]]:
    """(username, e-mail) of the enabled users of ``role`` whose scope covers ``region_code``."""
    tree = access_tree(conn)
    if region_code not in tree:
        return []
    rows = conn.execute(
        sa.select(users.c.username, users.c.email, users.c.scope_region_code)
        .where(users.c.role == role, users.c.disabled.is_(False), users.c.email.is_not(None))
        .order_by(users.c.username)
    ).all()
    return [
        (str(name), str(email).strip())
        for name, email, scope in rows
        if str(email or "").strip()
        and name != skip
        and scope
        and scope in tree
        and tree.is_within(region_code, str(scope))
    ]


def _region_names(conn: Connection, code: str) -> dict[str, str]:
    row = conn.execute(sa.select(regions.c.name_zh, regions.c.name_en).where(regions.c.code == code)).first()
    zh, en = (row[0], row[1]) if row else (code, code)
    return {"region_code": code, "region_zh": zh or code, "region_en": en or zh or code}


# -- queueing -----------------------------------------------------------------------------------
def enqueue(
    conn: Connection,
    kind: str,
    region_code: str | None,
    period: int | None,
    recipient: str,
    email: str,
    subject: str,
    body: str,
    dedupe_key: str | None = None,
) -> bool:
    """Queue one mail; False (nothing queued) when ``dedupe_key`` was queued before."""
    o = notification_outbox
    if dedupe_key is not None and conn.execute(sa.select(o.c.id).where(o.c.dedupe_key == dedupe_key)).first():
        return False
    conn.execute(
        sa.insert(o).values(
            created_at=_now(),
            kind=kind,
            region_code=region_code,
            period=period,
            recipient=recipient,
            email=email,
            subject=subject,
            body=body,
            status="pending",
            attempts=0,
            dedupe_key=dedupe_key,
        )
    )
    return True


def on_audit(conn: Connection, events: Iterable[Mapping[str, Any]]) -> int:
    """Queue the mails of the notifying events among ``events`` (when switched on); how many."""
    wanted = [(NOTIFY_ACTIONS[str(e.get("action"))], e) for e in events if e.get("action") in NOTIFY_ACTIONS]
    if not wanted:
        return 0
    config = current_config(conn)
    if not config.usable:
        return 0
    queued = 0
    for kind, event in wanted:
        region = event.get("region_code")
        if not region:
            continue
        details = dict(event.get("details") or {})
        role = "evaluator" if kind == "query_answered" else "official"
        people = recipients(conn, role, str(region), skip=str(event.get("actor") or ""))
        if not people:
            continue
        context: dict[str, object] = {
            **_region_names(conn, str(region)),
            "period": details.get("period", ""),
            "version": details.get("version", ""),
            "comment": details.get("comment", "") if kind in ("return", "approve") else "",
            "reason_code": details.get("reason_code") or "",
            "indicator": details.get("indicator_code", ""),
            "text": details.get("text") or details.get("question") or details.get("answer") or "",
            "app_url": config.app_url,
        }
        subject, body = compose(kind, context)
        period = details.get("period")
        for username, email in people:
            enqueue(conn, kind, str(region), _int(period), username, email, subject, body)
            queued += 1
    if queued:
        mark_for_delivery(conn)
    return queued


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def remind(conn: Connection, now: datetime | None = None, days: int | None = None) -> int:
    """Queue deadline reminders (see the module doc); how many were queued (0 when switched off).
    Not delivered here: :meth:`Store.remind` sends them after the commit."""
    config = current_config(conn)
    if not config.usable:
        return 0
    now = now or _now()
    horizon = now + timedelta(days=days if days is not None else config.remind_days)
    d = jurisdiction_deadlines
    periods = sorted(
        conn.execute(
            sa.select(d.c.period).where(d.c.deadline > now, d.c.deadline <= horizon).distinct()
        ).scalars()
    )
    if not periods:
        return 0
    tree = reference.region_tree(conn)
    queued = 0
    for period in periods:
        due = reference.effective_deadlines(tree, reference.deadlines_set(conn, period))
        reported = set(
            conn.execute(sa.select(submissions.c.region_code).where(submissions.c.period == period)).scalars()
        )
        for leaf in tree.leaves():
            found = due.get(leaf.code)
            if found is None or leaf.code in reported or not now < found[0] <= horizon:
                continue
            left = days_left(found[0], now)
            context = {
                **_region_names(conn, leaf.code),
                "period": period,
                "deadline": beijing_text(found[0]),
                "days": left,
                "app_url": config.app_url,
            }
            subject, body = compose("remind", context)
            for username, email in recipients(conn, "official", leaf.code):
                key = f"remind:{leaf.code}:{period}:{username}"
                queued += enqueue(conn, "remind", leaf.code, period, username, email, subject, body, key)
    return queued  # the caller delivers (Store.remind, synchronously)


# -- delivery -----------------------------------------------------------------------------------
def deliver(engine: Engine, *, limit: int = 200, sender: Sender | None = None) -> dict[str, int]:
    """Send the mails due (pending, failed fewer than MAX_ATTEMPTS times, or stuck), each claimed
    first so two senders never send one twice. Returns counts ``sent`` and ``failed``."""
    sender = sender or smtp_send
    o = notification_outbox
    now = _now()
    with engine.begin() as conn:
        config = current_config(conn)
        if not config.usable:
            return {"sent": 0, "failed": 0}
        due = (
            (o.c.status == "pending")
            | ((o.c.status == "failed") & (o.c.attempts < MAX_ATTEMPTS))
            | ((o.c.status == "sending") & (o.c.last_attempt_at < now - STUCK_AFTER))
        )
        rows = conn.execute(
            sa.select(o.c.id, o.c.status, o.c.email, o.c.subject, o.c.body)
            .where(due)
            .order_by(o.c.id)
            .limit(limit)
        ).all()
        claimed = []
        for row in rows:
            got = conn.execute(
                sa.update(o)
                .where(o.c.id == row.id, o.c.status == row.status)
                .values(status="sending", last_attempt_at=now)
            ).rowcount
            if got == 1:
                claimed.append(row)
    if not claimed:
        return {"sent": 0, "failed": 0}
    try:
        results = sender(config, [message(config, r.email, r.subject, r.body) for r in claimed])
    except Exception as err:  # the sender must never break delivery bookkeeping
        results = [f"{type(err).__name__}: {err}"[:500]] * len(claimed)
    done = _now()
    with engine.begin() as conn:
        for row, error in zip(claimed, results, strict=True):
            values: dict[str, Any] = {"attempts": o.c.attempts + 1, "last_attempt_at": done}
            if error is None:
                values |= {"status": "sent", "sent_at": done, "last_error": None}
            else:
                values |= {"status": "failed", "last_error": _redact(error, config)}
            conn.execute(sa.update(o).where(o.c.id == row.id).values(values))
    sent = sum(1 for e in results if e is None)
    return {"sent": sent, "failed": len(results) - sent}


def _redact(error: str, config: SmtpConfig) -> str:
    return error.replace(config.password, "***") if config.password else error


_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()
_THREADS: list[threading.Thread] = []
_LOCK = threading.Lock()


def mark_for_delivery(conn: Connection) -> None:
    """Deliver once this connection's transaction is over (when it goes back to the pool)."""
    conn.info[FLAG] = True
    engine = conn.engine
    with _LOCK:
        if engine not in _ENGINES:
            ref = weakref.ref(engine)
            sa.event.listen(engine, "checkin", lambda _dbapi, record: _checked_in(ref, record))
            _ENGINES.add(engine)


def _checked_in(ref: weakref.ref[Engine], record: Any) -> None:
    if not record.info.pop(FLAG, False):
        return
    engine = ref()
    if engine is None:
        return
    thread = threading.Thread(target=_deliver_quietly, args=(engine,), name="notify-deliver", daemon=True)
    with _LOCK:
        _THREADS[:] = [t for t in _THREADS if t.is_alive()]
        _THREADS.append(thread)
    thread.start()


def _deliver_quietly(engine: Engine) -> None:
    try:
        deliver(engine)
    except Exception:  # best effort: the rows stay due and are retried
        LOG.exception("delivering notifications failed")


def wait_for_delivery(timeout: float = 30.0) -> None:
    """Wait for the background deliveries started so far (tests, the command line)."""
    with _LOCK:
        threads = list(_THREADS)
    for thread in threads:
        thread.join(timeout)


# -- reading ------------------------------------------------------------------------------------
def outbox(conn: Connection, limit: int = 100) -> pd.DataFrame:
    """The newest outbox rows (no bodies). Columns: OUTBOX_COLUMNS."""
    o = notification_outbox
    rows = conn.execute(
        sa.select(*(o.c[c] for c in OUTBOX_COLUMNS)).order_by(o.c.id.desc()).limit(limit)
    ).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=OUTBOX_COLUMNS)


audit.HOOKS.append(on_audit)  # every audit batch with a notifying action passes through the outbox
