"""Sign-in: local passwords (Argon2id), lockout, idle timeout, single sign-on mapping, demo accounts.

Local accounts keep an Argon2id hash (``argon2-cffi``'s :class:`PasswordHasher`, RFC 9106
low-memory profile; hashes made with older parameters are upgraded at the next sign-in). After
:data:`MAX_ATTEMPTS` failed sign-ins in a row an account is locked for :data:`LOCKOUT`. A session
that has been idle for :data:`IDLE_TIMEOUT` ends. Single sign-on (OpenID Connect through Streamlit's
``st.login``) proves who someone is; what they may do comes from the user record linked to that
identity: an unknown identity is refused politely and no account is created.

Every refusal is an :class:`AuthError` with one message in Chinese and English. Wrong user name and
wrong password get the same message, so the form does not tell a stranger which names exist.
Every sign-in, failed sign-in and sign-out is written to the audit log.

Demo accounts (one per role) exist only in a database seeded as the demo province, and the demo
one-click sign-in only works when ``ASSESSMENT_DEMO=1`` *and* the database is a demo database.
Creating accounts, resetting passwords and disabling live in :mod:`assessment.auth.accounts`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from assessment.domain.access import SYSTEM_USER
from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.store import accounts, users
from assessment.store.users import User

if TYPE_CHECKING:
    from assessment.store.service import Store

MAX_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
IDLE_TIMEOUT = timedelta(minutes=30)
MIN_PASSWORD = 12
MIN_STRENGTH = 3  # zxcvbn score 0-4: 3 = about 10^8 guesses or more (no common password or pattern)
MAX_PASSWORD = 1024
DEMO_ENV = "ASSESSMENT_DEMO"

HASHER = PasswordHasher()  # Argon2id, t=3, m=64 MiB, p=4 (RFC 9106 low-memory)


class AuthError(DataFileError):
    """A sign-in or account request was refused; ``code`` names why (``auth.bad_credentials``...)."""

    @property
    def code(self) -> str:
        return self.problems[0].code if self.problems else ""


def auth_error(key: str, **kwargs: object) -> AuthError:
    """An AuthError for the locale key ``auth.<key>`` (texts in ``assessment/locales/auth.toml``)."""
    return AuthError([localized_problem(f"auth.{key}", kwargs)])


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


# -- passwords --------------------------------------------------------------------------------------
def password_problems(password: str, username: str = "") -> list[Problem]:
    """What is wrong with a new password (empty list: acceptable). No composition rules (NIST SP
    800-63B): at least :data:`MIN_PASSWORD` characters, not the user name, and not a common password
    or an easily guessed pattern (``aaaaaaaaaaaa``, ``password1234``, ``qwertyuiop12``, spaces):
    the ``zxcvbn`` estimator's score must reach :data:`MIN_STRENGTH`."""
    out = []
    if len(password) < MIN_PASSWORD:
        out.append(("weak_password_short", {"min": MIN_PASSWORD}))
    elif len(password) > MAX_PASSWORD:
        out.append(("weak_password_long", {"max": MAX_PASSWORD}))
    if username and password.strip().lower() == username.strip().lower():
        out.append(("weak_password_username", {}))
    elif not out and _strength(password, username) < MIN_STRENGTH:
        out.append(("weak_password_common", {}))
    return [localized_problem(f"auth.{k}", kw) for k, kw in out]


def _strength(password: str, username: str) -> int:
    """zxcvbn's score (0-4) of ``password``, the user name counted as known to an attacker."""
    from zxcvbn import zxcvbn

    return int(zxcvbn(password, user_inputs=[username] if username else [])["score"])


def hash_password(password: str, username: str = "", *, hasher: PasswordHasher | None = None) -> str:
    """An Argon2id hash of an acceptable password; AuthError (weak_password_*) otherwise."""
    problems = password_problems(password, username)
    if problems:
        raise AuthError(problems)
    return (hasher or HASHER).hash(password)


def verify_password(password_hash: str, password: str, *, hasher: PasswordHasher | None = None) -> bool:
    """True when ``password`` matches ``password_hash`` (a malformed hash never matches)."""
    try:
        return (hasher or HASHER).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash("not a password: equalises the time of a sign-in with an unknown name")


# -- signing in -------------------------------------------------------------------------------------
def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, -(-int((until - now).total_seconds()) // 60))


def authenticate(
    store: Store,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    hasher: PasswordHasher | None = None,
) -> User:
    """The user whose local password this is; AuthError otherwise (audited either way).

    Refusals: ``auth.bad_credentials`` (unknown name, no local password, or wrong password: one
    message for all), ``auth.locked`` (too many failures; minutes left given), ``auth.disabled``
    (only said after the right password, so it reveals nothing to a guesser).
    """
    now = _now(now)
    name = (username or "").strip()
    with store.read() as conn:
        user = users.get(conn, name) if name else None
    if user is None or not user.password_hash or user.username == SYSTEM_USER:
        verify_password(_dummy_hash(), password or "")
        if name:
            store.audit(
                accounts.clip(name), "sign_in_failed", "user", accounts.clip(name), {"reason": "unknown"}
            )
        raise auth_error("bad_credentials")
    if user.locked_until is not None and user.locked_until > now:
        store.audit(name, "sign_in_failed", "user", name, {"reason": "locked"})
        raise auth_error("locked", minutes=_minutes_left(user.locked_until, now))
    hasher = hasher or HASHER
    if not verify_password(user.password_hash, password or "", hasher=hasher):
        with store.transaction() as conn:
            until = accounts.record_failure(
                conn, name, now, max_attempts=MAX_ATTEMPTS, lockout=LOCKOUT, reason="password"
            )
        if until is not None:
            raise auth_error("locked", minutes=_minutes_left(until, now))
        raise auth_error("bad_credentials")
    if user.disabled:
        store.audit(name, "sign_in_failed", "user", name, {"reason": "disabled"})
        raise auth_error("disabled")
    with store.transaction() as conn:
        if hasher.check_needs_rehash(user.password_hash):
            accounts.rehash(conn, name, hasher.hash(password))
        accounts.record_success(conn, name, now, method="password")
        fresh = users.get(conn, name)
    assert fresh is not None
    return fresh


def sign_out(store: Store, username: str, *, reason: str = "sign_out") -> None:
    """Audit the end of a session (``sign_out`` or ``session_expired``)."""
    if username:
        store.audit(accounts.clip(username), reason, "user", accounts.clip(username))


def session_expired(
    last_seen: datetime | None, now: datetime | None = None, timeout: timedelta = IDLE_TIMEOUT
) -> bool:
    """True when a session last active at ``last_seen`` has been idle for ``timeout`` or more.

    >>> from datetime import datetime, timedelta
    >>> t0 = datetime(2025, 1, 1, 9, 0)
    >>> session_expired(t0, t0 + timedelta(minutes=29)), session_expired(t0, t0 + timedelta(minutes=30))
    (False, True)
    """
    if last_seen is None:
        return True
    return _now(now) - _now(last_seen) >= timeout


def session_expired_error() -> AuthError:
    """The message shown when an idle session ended."""
    return auth_error("session_expired", minutes=int(IDLE_TIMEOUT.total_seconds() // 60))


# -- single sign-on ---------------------------------------------------------------------------------
def identity_user(store: Store, issuer_sub_or_email: str) -> User | None:
    """The user record linked to a single sign-on identity (OIDC ``sub`` or e-mail), or None."""
    with store.read() as conn:
        return accounts.by_identity(conn, issuer_sub_or_email)


def claim_identities(claims: Mapping[str, object]) -> list[str]:
    """The identities to look up for an OIDC claims set: ``sub``, then ``email`` when verified.

    An e-mail counts only when the provider says ``email_verified`` is true; otherwise anybody who
    can register that address at the provider could take over the account.
    """
    out = []
    sub = claims.get("sub")
    if isinstance(sub, str) and sub.strip():
        out.append(sub.strip())
    email = claims.get("email")
    if isinstance(email, str) and email.strip() and claims.get("email_verified") is True:
        out.append(email.strip())
    return out


def sso_sign_in(store: Store, identities: Iterable[str], now: datetime | None = None) -> User:
    """The user linked to the first known identity (audited ``sign_in``, method ``sso``).

    Refusals: ``auth.sso_unknown`` (no account is linked: ask an administrator; nothing is
    created), ``auth.disabled``.
    """
    now = _now(now)
    wanted = [i for i in identities if i]
    user = next((u for u in (identity_user(store, i) for i in wanted) if u is not None), None)
    if user is None:
        who = accounts.clip(f"sso:{wanted[0]}" if wanted else "sso:?")
        store.audit(who, "sign_in_failed", "user", who, {"reason": "unknown_identity"})
        raise auth_error("sso_unknown")
    if user.disabled:
        store.audit(user.username, "sign_in_failed", "user", user.username, {"reason": "disabled"})
        raise auth_error("disabled")
    with store.transaction() as conn:
        accounts.record_success(conn, user.username, now, method="sso")
    return user


# -- demo -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class DemoAccount:
    """One demo sign-in."""

    username: str
    display_name: str
    role: str
    scope_region_code: str | None


DEMO_ACCOUNTS = (
    DemoAccount("demo-province", "省评估员（演示） / Provincial evaluator (demo)", "evaluator", "990000"),
    DemoAccount("demo-jia", "甲市评估员（演示） / Jia City evaluator (demo)", "evaluator", "990100"),
    DemoAccount("demo-990123", "甲南县填报员（演示） / Jianan County official (demo)", "official", "990123"),
    DemoAccount(
        "demo-990102", "甲城区填报员（演示） / Jiacheng District official (demo)", "official", "990102"
    ),
    DemoAccount("demo-990223", "乙南县填报员（演示） / Yinan County official (demo)", "official", "990223"),
    DemoAccount("demo-990381", "丙州市填报员（演示） / Bingzhou City official (demo)", "official", "990381"),
    DemoAccount("demo-admin", "管理员（演示） / Administrator (demo)", "admin", None),
)
# the fictional national demo (``python -m assessment demo --national``) adds an evaluator of the
# whole country 示例国 900000; its other sign-ins are the provincial demo's (示例省 is one province)
NATIONAL_DEMO_ACCOUNTS = (
    DemoAccount("demo-national", "国家评估员（演示） / National evaluator (demo)", "evaluator", "900000"),
)
ALL_DEMO_ACCOUNTS = NATIONAL_DEMO_ACCOUNTS + DEMO_ACCOUNTS


def demo_active(store: Store, environ: Mapping[str, str] | None = None) -> bool:
    """True only when ``ASSESSMENT_DEMO=1`` is set AND the database was seeded as a demo."""
    env = os.environ if environ is None else environ
    return env.get(DEMO_ENV) == "1" and store.is_demo()


def seed_demo_accounts(
    store: Store, actor: str = SYSTEM_USER, accounts: tuple[DemoAccount, ...] = DEMO_ACCOUNTS
) -> tuple[str, ...]:
    """Create the demo ``accounts`` that do not exist yet (no passwords: demo sign-in is one click).

    Refused (``auth.not_demo``) unless the database was seeded as a demo. Returns the new names.
    """
    if not store.is_demo():
        raise auth_error("not_demo")
    created = []
    with store.transaction() as conn:
        users.require(conn, actor)
        for acc in accounts:
            if users.get(conn, acc.username) is None:
                users.add(conn, actor, acc.username, acc.display_name, acc.role, acc.scope_region_code)
                created.append(acc.username)
    return tuple(created)


def demo_accounts(store: Store) -> tuple[DemoAccount, ...]:
    """The demo sign-ins this database holds (the national evaluator only in the national demo)."""
    with store.read() as conn:
        return tuple(a for a in ALL_DEMO_ACCOUNTS if users.get(conn, a.username) is not None)


def demo_sign_in(
    store: Store, username: str, now: datetime | None = None, environ: Mapping[str, str] | None = None
) -> User:
    """One-click sign-in as a demo account; refused (``auth.not_demo``) outside demo mode or for
    any account that is not a demo account."""
    if not demo_active(store, environ) or username not in {a.username for a in ALL_DEMO_ACCOUNTS}:
        raise auth_error("not_demo")
    with store.read() as conn:
        user = users.get(conn, username)
    if user is None or user.disabled:
        raise auth_error("not_demo")
    with store.transaction() as conn:
        accounts.record_success(conn, username, _now(now), method="demo")
    return user
