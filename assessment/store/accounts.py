"""Account upkeep in the users table: passwords, failed sign-ins and lockout, disabling, identities.

Functions take a :class:`~sqlalchemy.engine.Connection` inside the caller's write transaction and
write their audit events in it (so the trail and the table never disagree). Sign-in rules
(lockout after 5 failures for 15 minutes...) live in :mod:`assessment.auth.signin`; this module only
stores what they decide. :mod:`assessment.store.users` keeps get/add/require.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.domain.errors import localized_problem
from assessment.store import audit
from assessment.store.errors import StoreError, refuse
from assessment.store.schema import SYSTEM_USER, users
from assessment.store.users import User, get

ACTOR_MAX = 64  # width of audit_log.actor and users.username


def clip(name: str) -> str:
    """A name cut to fit the audit log's actor column."""
    return (name or "")[:ACTOR_MAX]


def _refuse(key: str) -> StoreError:
    """A refusal whose texts live in ``assessment/locales/auth.toml`` (``auth.<key>``)."""
    return StoreError([localized_problem(f"auth.{key}")])


def _existing(conn: Connection, username: str) -> User:
    user = get(conn, username)
    if user is None:
        raise refuse("unknown_user", username=username)
    return user


def set_password_hash(
    conn: Connection, actor: str, username: str, password_hash: str, *, reason: str
) -> None:
    """Store a new password hash (unlocks the account) and audit ``user.password`` with ``reason``."""
    user = _existing(conn, username)
    if user.username == SYSTEM_USER:
        raise _refuse("system_no_password")
    conn.execute(
        sa.update(users)
        .where(users.c.username == username)
        .values(password_hash=password_hash, failed_attempts=0, locked_until=None)
    )
    audit.record(conn, [audit.event(actor, "user.password", "user", username, details={"reason": reason})])


def rehash(conn: Connection, username: str, password_hash: str) -> None:
    """Replace a hash made with older parameters (no audit event: the password did not change)."""
    conn.execute(sa.update(users).where(users.c.username == username).values(password_hash=password_hash))


def record_failure(
    conn: Connection, username: str, now: datetime, *, max_attempts: int, lockout: timedelta, reason: str
) -> datetime | None:
    """Count one failed sign-in; lock the account when it reaches ``max_attempts``.

    Returns the time the lock ends when this failure locked the account, else None. The counter is
    incremented in the database (``failed_attempts + 1``), so two simultaneous failures both count.
    Audits ``sign_in_failed`` (and ``user.locked``).
    """
    conn.execute(
        sa.update(users)
        .where(users.c.username == username)
        .values(failed_attempts=users.c.failed_attempts + 1)
    )
    attempts = conn.execute(
        sa.select(users.c.failed_attempts).where(users.c.username == username)
    ).scalar_one()
    events = [audit.event(username, "sign_in_failed", "user", username, details={"reason": reason}, at=now)]
    until = None
    if attempts >= max_attempts:
        until = now + lockout
        conn.execute(
            sa.update(users).where(users.c.username == username).values(failed_attempts=0, locked_until=until)
        )
        events.append(
            audit.event(
                username, "user.locked", "user", username, details={"until": until.isoformat()}, at=now
            )
        )
    audit.record(conn, events)
    return until


def record_success(conn: Connection, username: str, now: datetime, *, method: str) -> None:
    """Clear the failure counter and any expired lock; audit ``sign_in`` with the method used."""
    conn.execute(
        sa.update(users).where(users.c.username == username).values(failed_attempts=0, locked_until=None)
    )
    audit.record(
        conn, [audit.event(username, "sign_in", "user", username, details={"method": method}, at=now)]
    )


def set_disabled(conn: Connection, actor: str, username: str, disabled: bool = True) -> User:
    """Disable (or re-enable) an account and audit ``user.disable`` / ``user.enable``."""
    user = _existing(conn, username)
    if user.username == SYSTEM_USER:
        raise _refuse("system_fixed")
    conn.execute(sa.update(users).where(users.c.username == username).values(disabled=disabled))
    action = "user.disable" if disabled else "user.enable"
    audit.record(conn, [audit.event(actor, action, "user", username, region_code=user.scope_region_code)])
    return _existing(conn, username)


def set_identity(conn: Connection, actor: str, username: str, identity: str | None) -> User:
    """Link an account to a single sign-on identity (OIDC ``sub`` or e-mail); None unlinks."""
    user = _existing(conn, username)
    if user.username == SYSTEM_USER:
        raise _refuse("system_fixed")
    identity = (identity or "").strip() or None
    if identity is not None:
        taken = conn.execute(
            sa.select(users.c.username).where(sa.func.lower(users.c.external_identity) == identity.lower())
        ).scalar()
        if taken is not None and taken != username:
            raise _refuse("identity_taken")
    conn.execute(sa.update(users).where(users.c.username == username).values(external_identity=identity))
    audit.record(
        conn,
        [audit.event(actor, "user.identity", "user", username, details={"linked": identity is not None})],
    )
    return _existing(conn, username)


def by_identity(conn: Connection, identity: str) -> User | None:
    """The user linked to ``identity`` (exact match first, then case-insensitive), never ``system``."""
    identity = (identity or "").strip()
    if not identity:
        return None
    for cond in (
        users.c.external_identity == identity,
        sa.func.lower(users.c.external_identity) == identity.lower(),
    ):
        row = conn.execute(sa.select(users).where(cond, users.c.username != SYSTEM_USER)).mappings().first()
        if row:
            return User(**dict(row))
    return None
