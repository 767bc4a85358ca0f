"""Signed-in sessions bound to the browser (issue 15.1).

The web server gives every browser a random token in an HttpOnly, SameSite=Strict cookie
(:data:`COOKIE`; set by ``ui/middleware.py`` on the requests the page makes before it opens its
websocket). Signing in binds that token to the account in the database (:func:`bind`); every run of
the app resolves the token the browser sent with its websocket (:func:`resolve`). So:

* a second websocket that joins an existing Streamlit session by its id, without the cookie,
  resolves to nobody: it gets the sign-in screen, not the victim's session;
* a reload (or a deep link opened in another tab of the same browser) stays signed in while the
  session is alive;
* a session ends after :data:`~assessment.auth.signin.IDLE_TIMEOUT` without activity, after
  :data:`MAX_AGE` in any case, on sign-out, when the account is disabled or its password changes.

Only SHA-256 of the token is stored. The token is minted before sign-in and not rotated at sign-in:
planting a known token in a victim's browser (session fixation) needs the power to set cookies for
this host, which HTTPS and the ``__Host-`` cookie prefix (used on HTTPS) take away; see the README.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from assessment.auth.signin import IDLE_TIMEOUT, session_expired, sign_out
from assessment.store import sessions, users
from assessment.store.engine import BUSY_TIMEOUT_MS
from assessment.store.users import User

if TYPE_CHECKING:
    from assessment.store.service import Store

COOKIE = "assessment_session"
SECURE_COOKIE = "__Host-assessment_session"  # the name on HTTPS: only this host can set it
MAX_AGE = timedelta(hours=12)  # a session ends after this whatever the activity
TOUCH_EVERY = timedelta(seconds=60)  # last activity is written at most this often
TOUCH_WAIT_MS = 100  # how long writing the last activity waits for another writer's lock
log = logging.getLogger(__name__)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh browser token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def valid_token(token: object) -> bool:
    return isinstance(token, str) and _TOKEN.fullmatch(token) is not None


def token_of(cookies: object) -> str | None:
    """The session token among a request's cookies (the HTTPS name first), or None."""
    get = getattr(cookies, "get", None)
    if get is None:
        return None
    for name in (SECURE_COOKIE, COOKIE):
        value = get(name)
        if valid_token(value):
            return str(value)
    return None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


@dataclass(frozen=True)
class Resolved:
    """Who a browser token belongs to: ``user`` (None: nobody) and whether a session just ended
    for idleness or age (``expired``: the sign-in screen says so)."""

    user: User | None
    method: str | None = None
    expired: bool = False


def bind(store: Store, token: str, user: User, method: str, now: datetime | None = None) -> None:
    """Sign the browser holding ``token`` in as ``user`` (after the password, SSO or demo check)."""
    if not valid_token(token):
        raise ValueError("not a session token")
    moment = _now(now)
    with store.transaction() as conn:
        sessions.delete_idle(conn, moment - max(IDLE_TIMEOUT, MAX_AGE))
        sessions.put(conn, _hash(token), user.username, method, moment)


def resolve(store: Store, token: str | None, now: datetime | None = None) -> Resolved:
    """The user signed in on the browser holding ``token``, or nobody.

    Ends (deletes) the session when it has been idle for ``IDLE_TIMEOUT``, is older than
    :data:`MAX_AGE`, or its account is disabled or gone; counts this call as activity.
    """
    if not valid_token(token):
        return Resolved(None)
    assert token is not None
    moment = _now(now)
    key = _hash(token)
    with store.read() as conn:
        row = sessions.get(conn, key)
        user = users.get(conn, row.username) if row else None
    if row is None:
        return Resolved(None)
    idle = session_expired(row.last_seen, moment)
    old = moment - row.created_at >= MAX_AGE
    if idle or old or user is None or user.disabled:
        with store.transaction() as conn:
            sessions.delete(conn, key)
        if idle or old:
            sign_out(store, row.username, reason="session_expired")
        return Resolved(None, expired=idle or old)
    if moment - row.last_seen >= TOUCH_EVERY:
        _touch(store, key, moment)
    return Resolved(user, row.method)


def _touch(store: Store, key: str, moment: datetime) -> None:
    """Write the session's last activity, best effort: while another session holds the database's
    write lock (a batch import of seconds on SQLite) this run does not wait for it; it gives up
    after :data:`TOUCH_WAIT_MS` and the next run (or the one after) writes it. Skipping costs
    nothing but a last activity up to a minute or two older than true (idle limit: 30 minutes)."""
    try:
        with store.engine.connect() as conn:
            sqlite = store.dialect == "sqlite"
            raw = conn.connection.dbapi_connection
            if sqlite:  # before BEGIN IMMEDIATE: give up quickly instead of the usual 15 s
                raw.execute(f"PRAGMA busy_timeout={TOUCH_WAIT_MS}")  # type: ignore[union-attr]
            try:
                with conn.begin():
                    if not sqlite:
                        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{TOUCH_WAIT_MS}ms'")
                    sessions.touch(conn, key, moment)
            finally:
                if sqlite:
                    raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")  # type: ignore[union-attr]
    except DBAPIError as err:
        log.info("session activity not written (%s); a later run writes it", type(err).__name__)


def end(store: Store, token: str | None, *, reason: str = "sign_out") -> str | None:
    """Sign the browser holding ``token`` out; audited as ``reason``. The user name, or None."""
    if not valid_token(token):
        return None
    assert token is not None
    key = _hash(token)
    with store.transaction() as conn:
        row = sessions.get(conn, key)
        if row is None:
            return None
        sessions.delete(conn, key)
    sign_out(store, row.username, reason=reason)
    return row.username
