"""Users: the minimal storage the access-control issue builds on.

The store checks that every acting user exists and is not disabled (an unknown user gets a clear
message). The built-in ``system`` user (role admin, no password, no external identity: it cannot
sign in) acts for seeding and maintenance. Sign-in, passwords and access rules live elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.store import audit
from assessment.store.errors import refuse
from assessment.store.schema import ROLES, users


@dataclass(frozen=True)
class User:
    """One row of the users table."""

    username: str
    display_name: str
    role: str
    scope_region_code: str | None
    password_hash: str | None
    external_identity: str | None
    disabled: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime
    email: str | None = None  # for notifications (migration 0009)


def get(conn: Connection, username: str) -> User | None:
    """The user called ``username``, or None."""
    row = conn.execute(sa.select(users).where(users.c.username == username)).mappings().first()
    return User(**dict(row)) if row else None


def all_users(conn: Connection) -> tuple[User, ...]:
    """Every user, by username."""
    rows = conn.execute(sa.select(users).order_by(users.c.username)).mappings().all()
    return tuple(User(**dict(r)) for r in rows)


def require(conn: Connection, username: str) -> User:
    """The acting user; StoreError ``store.unknown_user`` / ``store.disabled_user`` otherwise."""
    user = get(conn, username) if username else None
    if user is None:
        raise refuse("unknown_user", username=username)
    if user.disabled:
        raise refuse("disabled_user", username=username)
    return user


def add(
    conn: Connection,
    actor: str,
    username: str,
    display_name: str,
    role: str,
    scope_region_code: str | None = None,
    *,
    password_hash: str | None = None,
    external_identity: str | None = None,
) -> User:
    """Create a user (refused when the name is taken or the role unknown) and audit it."""
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise refuse("bad_username", username=username)
    if role not in ROLES:
        raise refuse("bad_role", role=role, roles=", ".join(ROLES))
    if get(conn, username) is not None:
        raise refuse("user_exists", username=username)
    now = audit.utcnow()
    conn.execute(
        sa.insert(users).values(
            username=username,
            display_name=display_name,
            role=role,
            scope_region_code=scope_region_code,
            password_hash=password_hash,
            external_identity=external_identity,
            disabled=False,
            failed_attempts=0,
            created_at=now,
        )
    )
    audit.record(
        conn,
        [
            audit.event(
                actor,
                "user.add",
                "user",
                username,
                region_code=scope_region_code,
                details={"role": role, "scope_region_code": scope_region_code},
                at=now,
            )
        ],
    )
    user = get(conn, username)
    assert user is not None
    return user
