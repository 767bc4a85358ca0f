"""Account upkeep: passwords, failed sign-ins and throttling, disabling, single sign-on identities.

Functions take a :class:`~sqlalchemy.engine.Connection` inside the caller's write transaction and
write their audit events in it (so the trail and the table never disagree). Sign-in rules (how
many failures, how long to wait...) live in :mod:`assessment.auth.signin`; this module only stores
what they decide. :mod:`assessment.store.users` keeps get/add/require.

Failed sign-ins are counted in ``sign_in_attempts`` per user name (known or unknown alike) and per
source address; accounts are never locked. The ``users.failed_attempts`` and ``users.locked_until``
columns are retired (migration 0007 cleared them; nothing reads or writes them any more).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.domain.errors import localized_problem
from assessment.store import audit
from assessment.store.errors import StoreError, refuse
from assessment.store.schema import SYSTEM_USER, sign_in_attempts, users
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
    """Store a new password hash (clears the name's sign-in throttle) and audit ``user.password``."""
    user = _existing(conn, username)
    if user.username == SYSTEM_USER:
        raise _refuse("system_no_password")
    conn.execute(sa.update(users).where(users.c.username == username).values(password_hash=password_hash))
    clear_attempts(conn, [("name", attempt_key("name", username))])
    audit.record(conn, [audit.event(actor, "user.password", "user", username, details={"reason": reason})])


def rehash(conn: Connection, username: str, password_hash: str) -> None:
    """Replace a hash made with older parameters (no audit event: the password did not change)."""
    conn.execute(sa.update(users).where(users.c.username == username).values(password_hash=password_hash))


def attempt_key(kind: str, text: str) -> str:
    """The ``sign_in_attempts.key`` of a user name or source address: a SHA-256 of the normalised text
    (stripped, case-folded), so every spelling of one name shares a counter and nothing typed by a
    stranger is stored in clear.

    >>> attempt_key("name", " Wang ") == attempt_key("name", "wang") != attempt_key("source", "wang")
    True
    """
    norm = f"{kind}:{(text or '').strip().casefold()}"
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


Key = tuple[str, str]  # (kind, key) of sign_in_attempts


def blocked_until(conn: Connection, keys: Sequence[Key], now: datetime) -> datetime | None:
    """The latest time until which any of ``keys`` is throttled, if later than ``now``; else None."""
    if not keys:
        return None
    cond = sa.or_(*(sa.and_(sign_in_attempts.c.kind == k, sign_in_attempts.c.key == v) for k, v in keys))
    until = conn.execute(
        sa.select(sa.func.max(sign_in_attempts.c.blocked_until)).where(
            cond, sign_in_attempts.c.blocked_until > now
        )
    ).scalar()
    return _aware(until)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def record_failure(
    conn: Connection,
    keys: Sequence[Key],
    now: datetime,
    delay: Callable[[str, int], timedelta | None],
    *,
    window: timedelta,
) -> datetime | None:
    """Count one failed sign-in against each of ``keys`` and throttle the keys that reached their limit.

    A count whose last failure is older than ``window`` starts again at 1. ``delay(kind, failures)``
    says how long that key must wait (None: not yet). The counters are incremented in the database
    (an upsert), so two simultaneous failures both count. Returns the end of the longest throttle now
    in force for these keys, or None. Audit events are the caller's (one per attempt, whoever it is).
    """
    t = sign_in_attempts
    for kind, key in keys:
        insert = _insert(conn)(t).values(kind=kind, key=key, failures=1, last_failure=now)
        fresh = t.c.last_failure < now - window
        conn.execute(
            insert.on_conflict_do_update(
                index_elements=[t.c.kind, t.c.key],
                set_={
                    "failures": sa.case((fresh, 1), else_=t.c.failures + 1),
                    "blocked_until": sa.case((fresh, None), else_=t.c.blocked_until),
                    "last_failure": now,
                },
            )
        )
        failures = conn.execute(sa.select(t.c.failures).where(t.c.kind == kind, t.c.key == key)).scalar_one()
        wait = delay(kind, failures)
        if wait is not None:
            conn.execute(
                sa.update(t).where(t.c.kind == kind, t.c.key == key).values(blocked_until=now + wait)
            )
    return blocked_until(conn, keys, now)


def _insert(conn: Connection) -> Callable[..., Any]:
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def clear_attempts(conn: Connection, keys: Sequence[Key]) -> int:
    """Forget the failures (and any throttle) of ``keys``; the number of counters removed."""
    if not keys:
        return 0
    t = sign_in_attempts
    cond = sa.or_(*(sa.and_(t.c.kind == k, t.c.key == v) for k, v in keys))
    return int(conn.execute(sa.delete(t).where(cond)).rowcount or 0)


def unthrottle(conn: Connection, actor: str, username: str) -> bool:
    """Clear the throttle and failure count of an existing account's name (audited ``user.unlock``,
    with whether there was anything to clear). The per-source counters are left alone."""
    user = _existing(conn, username)
    cleared = clear_attempts(conn, [("name", attempt_key("name", user.username))]) > 0
    audit.record(
        conn, [audit.event(actor, "user.unlock", "user", user.username, details={"cleared": cleared})]
    )
    return cleared


def throttled(conn: Connection, usernames: Iterable[str], now: datetime) -> dict[str, datetime]:
    """The accounts among ``usernames`` that must wait before their next sign-in attempt, and until when."""
    by_key = {attempt_key("name", u): u for u in usernames}
    if not by_key:
        return {}
    t = sign_in_attempts
    rows = conn.execute(
        sa.select(t.c.key, t.c.blocked_until).where(
            t.c.kind == "name", t.c.key.in_(list(by_key)), t.c.blocked_until > now
        )
    ).all()
    return {by_key[key]: until for key, until in rows if until is not None}


def record_success(conn: Connection, username: str, now: datetime, *, method: str) -> None:
    """Forget the name's failed attempts; audit ``sign_in`` with the method used."""
    clear_attempts(conn, [("name", attempt_key("name", username))])
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
    """Link an account to a single sign-on identity in its canonical form (``"<issuer> <subject>"``
    or ``"email:<address>"``, made by :func:`assessment.auth.signin.parse_identity`); None unlinks.
    Identities are compared exactly (case-sensitive), as they are matched at sign-in."""
    user = _existing(conn, username)
    if user.username == SYSTEM_USER:
        raise _refuse("system_fixed")
    identity = identity or None
    if identity is not None:
        taken = conn.execute(
            sa.select(users.c.username).where(users.c.external_identity == identity)
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
    """The user linked to exactly ``identity`` (case-sensitive, canonical form), never ``system``."""
    if not identity:
        return None
    row = (
        conn.execute(
            sa.select(users).where(users.c.external_identity == identity, users.c.username != SYSTEM_USER)
        )
        .mappings()
        .first()
    )
    return User(**dict(row)) if row else None
