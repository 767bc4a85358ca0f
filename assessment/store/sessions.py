"""Rows of signed-in sessions (``user_sessions``): the storage under :mod:`assessment.auth.sessions`.

Only the SHA-256 of a browser's token is stored, so a copy of the database does not let anyone
sign in as a user. Every function takes the token's hash, never the token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.store.schema import user_sessions

T = user_sessions.c


@dataclass(frozen=True)
class SessionRow:
    token_hash: str
    username: str
    method: str
    created_at: datetime
    last_seen: datetime


def get(conn: Connection, token_hash: str) -> SessionRow | None:
    row = conn.execute(sa.select(user_sessions).where(T.token_hash == token_hash)).mappings().first()
    return SessionRow(**dict(row)) if row else None


def put(conn: Connection, token_hash: str, username: str, method: str, now: datetime) -> None:
    """Bind ``token_hash`` to ``username`` (replacing whatever that browser had before)."""
    conn.execute(sa.delete(user_sessions).where(T.token_hash == token_hash))
    conn.execute(
        sa.insert(user_sessions).values(
            token_hash=token_hash, username=username, method=method, created_at=now, last_seen=now
        )
    )


def touch(conn: Connection, token_hash: str, now: datetime) -> None:
    conn.execute(sa.update(user_sessions).where(T.token_hash == token_hash).values(last_seen=now))


def delete(conn: Connection, token_hash: str) -> int:
    return conn.execute(sa.delete(user_sessions).where(T.token_hash == token_hash)).rowcount or 0


def delete_user(conn: Connection, username: str) -> int:
    """End every session of ``username`` (disabled account, new password)."""
    return conn.execute(sa.delete(user_sessions).where(T.username == username)).rowcount or 0


def delete_idle(conn: Connection, before: datetime) -> int:
    """Forget sessions last active before ``before`` (housekeeping; they are refused anyway)."""
    return conn.execute(sa.delete(user_sessions).where(T.last_seen < before)).rowcount or 0


def for_user(conn: Connection, username: str) -> tuple[SessionRow, ...]:
    rows = conn.execute(
        sa.select(user_sessions).where(T.username == username).order_by(T.created_at)
    ).mappings()
    return tuple(SessionRow(**dict(r)) for r in rows)
