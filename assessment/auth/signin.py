"""Sign-in: local passwords (Argon2id), throttling, idle timeout, single sign-on mapping, demo accounts.

Local accounts keep an Argon2id hash (``argon2-cffi``'s :class:`PasswordHasher`, RFC 9106
low-memory profile; hashes made with older parameters are upgraded at the next sign-in). A session
that has been idle for :data:`IDLE_TIMEOUT` ends. Single sign-on (OpenID Connect through Streamlit's
``st.login``) proves who someone is; what they may do comes from the user record linked to that
identity: an unknown identity is refused politely and no account is created.

Failed sign-ins are throttled, never locked (issue 15, point 5). Failures are counted per user name
as typed (stripped, case-folded; a name nobody has counts exactly like a real one) and, separately,
per source (the client address the web app passes; the CLI passes none). After
:data:`FREE_ATTEMPTS` failures of a name (:data:`FREE_SOURCE_ATTEMPTS` of a source: one office's
address may serve many people) within :data:`WINDOW` of each other, each further failure makes that
name or source wait, 1 s doubling up to :data:`MAX_DELAY` (15 minutes). While it waits every attempt
is refused with ``auth.throttled`` -- the right password too, or the throttle would tell a guesser
when a guess was right -- but once the wait is over the right password works: nobody can keep an
account out for longer than :data:`MAX_DELAY` at a time, and an administrator clears the wait at
once (``users unlock``, or a new password). The per-source limit stops one address hammering many
names; attackers spread over many addresses can still keep one name waiting, for at most
:data:`MAX_DELAY` after their last failure.

Every refusal is an :class:`AuthError` with one message in Chinese and English. An unknown name, an
account without a local password and a wrong password get the same answer in content and in time:
the same Argon2 verification (against a dummy hash), the same counting writes and the same message.
A disabled account is only said to be disabled after the right password. Every sign-in, failed
sign-in and sign-out is written to the audit log.

Demo accounts (one per role) exist only in a database seeded as the demo province, and the demo
one-click sign-in only works when ``ASSESSMENT_DEMO=1`` *and* the database is a demo database.
Creating accounts, resetting passwords and disabling live in :mod:`assessment.auth.accounts`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from assessment.domain.access import SYSTEM_USER
from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.store import accounts, audit, users
from assessment.store.users import User

if TYPE_CHECKING:
    from assessment.store.service import Store

FREE_ATTEMPTS = 5  # failures of one user name before it has to wait
FREE_SOURCE_ATTEMPTS = 20  # failures from one source address before it has to wait
FIRST_DELAY = timedelta(seconds=1)  # the first wait; each further failure doubles it...
MAX_DELAY = timedelta(minutes=15)  # ... up to this
WINDOW = timedelta(hours=1)  # failures are forgotten after this long without one
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
def throttle_delay(kind: str, failures: int) -> timedelta | None:
    """How long a name (``kind`` "name") or a source ("source") waits after ``failures`` failures in a
    row: nothing for the first few, then 1 s, doubling, at most :data:`MAX_DELAY`.

    >>> [throttle_delay("name", n) for n in (4, 5, 6)]
    [None, datetime.timedelta(seconds=1), datetime.timedelta(seconds=2)]
    >>> throttle_delay("name", 40), throttle_delay("source", 19)
    (datetime.timedelta(seconds=900), None)
    """
    free = FREE_ATTEMPTS if kind == "name" else FREE_SOURCE_ATTEMPTS
    if failures < free:
        return None
    steps = failures - free
    if steps >= 32:  # far past the cap: no huge powers of two
        return MAX_DELAY
    return min(FIRST_DELAY * (2**steps), MAX_DELAY)


def throttled_error(until: datetime, now: datetime) -> AuthError:
    """``auth.throttled_seconds`` / ``auth.throttled_minutes``: how long to wait (rounded up)."""
    seconds = max(1, -(-int((until - now).total_seconds() * 1000) // 1000))
    if seconds < 60:
        return auth_error("throttled_seconds", seconds=seconds)
    return auth_error("throttled_minutes", minutes=-(-seconds // 60))


def _attempt_keys(name: str, source: str | None) -> list[accounts.Key]:
    keys = [("name", accounts.attempt_key("name", name))]
    if source and source.strip():
        keys.append(("source", accounts.attempt_key("source", source)))
    return keys


def authenticate(
    store: Store,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    source: str | None = None,
    hasher: PasswordHasher | None = None,
) -> User:
    """The user whose local password this is; AuthError otherwise (audited either way).

    ``source`` is where the attempt comes from (the web app passes the client address; None for
    none): failures are counted per name and per source, and either may have to wait.

    Refusals: ``auth.bad_credentials`` (unknown name, no local password, or wrong password: one
    message, one cost, one set of writes for all), ``auth.throttled_seconds`` /
    ``auth.throttled_minutes`` (too many failures for this name or source: wait; even the right
    password is refused meanwhile), ``auth.disabled`` (only said after the right password, so it
    reveals nothing to a guesser).
    """
    now = _now(now)
    name = (username or "").strip()
    if not name:
        verify_password(_dummy_hash(), password or "")
        raise auth_error("bad_credentials")
    actor = accounts.clip(name)
    keys = _attempt_keys(name, source)
    where = {"source": accounts.clip(source.strip())} if source and source.strip() else {}
    with store.read() as conn:
        user = users.get(conn, name)
        until = accounts.blocked_until(conn, keys, now)
    if until is not None:
        store.audit(actor, "sign_in_failed", "user", actor, {"reason": "throttled", **where})
        raise throttled_error(until, now)
    hasher = hasher or HASHER
    known = user is not None and bool(user.password_hash) and user.username != SYSTEM_USER
    if known:
        assert user is not None and user.password_hash
        right = verify_password(user.password_hash, password or "", hasher=hasher)
    else:
        verify_password(_dummy_hash(), password or "")
        right = False
    if not right or user is None:
        reason = "password" if known else "unknown"
        with store.transaction() as conn:
            until = accounts.record_failure(conn, keys, now, throttle_delay, window=WINDOW)
            details = {"reason": reason, **where}
            audit.record(conn, [audit.event(actor, "sign_in_failed", "user", actor, details=details, at=now)])
        if until is not None:
            raise throttled_error(until, now)
        raise auth_error("bad_credentials")
    if user.disabled:
        store.audit(name, "sign_in_failed", "user", name, {"reason": "disabled", **where})
        raise auth_error("disabled")
    assert user.password_hash
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
EMAIL_ISSUERS_ENV = "ASSESSMENT_SSO_EMAIL_ISSUERS"
EMAIL_PREFIX = "email:"
IDENTITY_MAX = 255  # width of users.external_identity
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_issuers(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The OpenID Connect issuers whose verified e-mail addresses may identify a user:
    ``$ASSESSMENT_SSO_EMAIL_ISSUERS``, issuer URLs separated by spaces or commas, compared exactly.
    Empty (the default): e-mail addresses never identify anybody, only (issuer, subject) pairs do."""
    env = os.environ if environ is None else environ
    return frozenset(i for i in re.split(r"[\s,]+", env.get(EMAIL_ISSUERS_ENV, "")) if i)


def email_identity(address: str) -> str | None:
    """The canonical e-mail identity ``email:<local>@<domain>`` (the domain in lower case: domains
    are case-insensitive, the local part is kept as given), or None when it is no e-mail address.

    >>> email_identity(" Wang.Wei@Example.GOV.cn "), email_identity("not an address")
    ('email:Wang.Wei@example.gov.cn', None)
    """
    text = (address or "").strip()
    if not _EMAIL.match(text):
        return None
    local, domain = text.rsplit("@", 1)
    return f"{EMAIL_PREFIX}{local}@{domain.lower()}"


def subject_identity(issuer: object, subject: object) -> str | None:
    """The canonical identity ``"<issuer> <subject>"`` of an OpenID Connect subject (both exactly as
    the provider sends them), or None when either is missing or the issuer holds white space."""
    if not isinstance(issuer, str) or not isinstance(subject, str):
        return None
    if not issuer or any(c.isspace() for c in issuer) or not subject.strip():
        return None
    return f"{issuer} {subject}"


def parse_identity(text: str | None) -> str | None:
    """An identity typed by an administrator (``users add --identity``, the administration page), in
    its canonical stored form; None for nothing; AuthError ``auth.identity_format`` otherwise.

    Accepted: ``ISSUER SUBJECT`` (the issuer URL as the provider's ``iss`` claim gives it, one space,
    then the ``sub`` claim, both case-sensitive), ``email:ADDRESS`` or a bare e-mail address.

    >>> parse_identity("https://sso.example.gov.cn  AbC-123"), parse_identity("Li@Example.cn")
    ('https://sso.example.gov.cn AbC-123', 'email:Li@example.cn')
    """
    raw = (text or "").strip()
    if not raw:
        return None
    out: str | None
    if raw.startswith(EMAIL_PREFIX):
        out = email_identity(raw[len(EMAIL_PREFIX) :])
    elif any(c.isspace() for c in raw):
        issuer, subject = raw.split(None, 1)
        out = subject_identity(issuer, subject) if re.match(r"^https?://\S+$", issuer) else None
    else:
        out = email_identity(raw)
    if out is None or len(out) > IDENTITY_MAX:
        raise auth_error("identity_format", max=IDENTITY_MAX)
    return out


def identity_user(store: Store, identity: str) -> User | None:
    """The user record linked to a canonical single sign-on identity (exact match), or None."""
    if not identity:
        return None
    with store.read() as conn:
        return accounts.by_identity(conn, identity)


def claim_identities(
    claims: Mapping[str, object], email_issuers_allowed: Iterable[str] | None = None
) -> list[str]:
    """The identities to look up for an OIDC claims set: ``"<iss> <sub>"``, then the e-mail.

    The subject counts with its issuer, exactly (another provider's user with the same ``sub`` is
    somebody else). The e-mail counts only when the provider says ``email_verified`` is true AND the
    issuer is one of ``email_issuers_allowed`` (default :func:`email_issuers`, from the
    environment); otherwise anybody who can register that address at some provider could take over
    the account. A ``sub`` that looks like an e-mail address is never taken for one.
    """
    out = []
    issuer = claims.get("iss")
    subject = subject_identity(issuer, claims.get("sub"))
    if subject is not None:
        out.append(subject)
    allowed = email_issuers() if email_issuers_allowed is None else frozenset(email_issuers_allowed)
    email = claims.get("email")
    if isinstance(email, str) and claims.get("email_verified") is True and issuer in allowed:
        found = email_identity(email)
        if found is not None:
            out.append(found)
    return out


def sso_sign_in(store: Store, identities: Iterable[str], now: datetime | None = None) -> User:
    """The user linked to the first known identity (audited ``sign_in``, method ``sso``).

    ``identities`` are canonical forms as :func:`claim_identities` makes them, matched exactly.
    Refusals: ``auth.sso_unknown`` (no account is linked: ask an administrator; nothing is
    created; the audit event holds the identity, for the administrator to link), ``auth.disabled``.
    """
    now = _now(now)
    wanted = [i for i in identities if i]
    user = next((u for u in (identity_user(store, i) for i in wanted) if u is not None), None)
    if user is None:
        who = accounts.clip(f"sso:{wanted[0]}" if wanted else "sso:?")
        details = {"reason": "unknown_identity", "identity": wanted[0] if wanted else ""}
        store.audit(who, "sign_in_failed", "user", who, details)
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
