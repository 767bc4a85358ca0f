"""Account administration: create accounts, set passwords, disable, clear a sign-in wait, link single
sign-on identities.

Every function takes the acting user's name and refuses (:class:`~assessment.domain.access.AccessDenied`)
unless that user may manage users; the checks and the change share one transaction. Passwords are
checked and hashed by :mod:`assessment.auth.signin`; there is never a default password (the first
administrator is created with ``python -m assessment users add NAME --role admin``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from sqlalchemy.engine import Connection

from assessment.auth.signin import (
    AuthError,
    auth_error,
    hash_password,
    identity_user,
    parse_identity,
    password_problems,
)
from assessment.domain import access
from assessment.domain.errors import Problem
from assessment.store import accounts, reference, sessions, users, users_admin
from assessment.store.errors import StoreError, refuse
from assessment.store.schema import SYSTEM_USER
from assessment.store.users import User

if TYPE_CHECKING:
    from assessment.store.service import Store


def _manager(conn: Connection, actor: str) -> None:
    tree = reference.region_tree(conn)
    access.require(users.require(conn, actor), "manage_users", None, tree)


def set_password(
    store: Store,
    actor: str,
    username: str,
    password: str,
    *,
    reason: str = "reset",
    hasher: PasswordHasher | None = None,
) -> None:
    """Give ``username`` a new password (checked, hashed, sign-in wait cleared; audited ``user.password``).

    ``actor`` must be allowed to manage users. Every signed-in session of ``username`` ends.
    """
    pw_hash = hash_password(password, username, hasher=hasher)
    with store.transaction() as conn:
        _manager(conn, actor)
        accounts.set_password_hash(conn, actor, username, pw_hash, reason=reason)
        sessions.delete_user(conn, username)


def unthrottle(store: Store, actor: str, username: str) -> bool:
    """Let ``username`` try to sign in again at once: clear its failure count and wait (audited
    ``user.unlock``). True when there was something to clear. ``actor`` must manage users."""
    with store.transaction() as conn:
        _manager(conn, actor)
        return accounts.unthrottle(conn, actor, username)


def set_disabled(store: Store, actor: str, username: str, disabled: bool = True) -> User:
    """Disable (or re-enable) an account; ``actor`` must be allowed to manage users. Audited.
    Disabling ends every signed-in session of the account at once. Nobody disables themselves, and
    the last enabled administrator stays enabled (``store.users_admin.self`` / ``last_admin``)."""
    with store.transaction() as conn:
        _manager(conn, actor)
        target = users.get(conn, username)
        if (
            disabled and target is not None and target.username != SYSTEM_USER
        ):  # not oneself, not the last admin
            users_admin.guard_admin(conn, actor, target, disabling=True)
        user = accounts.set_disabled(conn, actor, username, disabled)
        if disabled:
            sessions.delete_user(conn, username)
        return user


def link_identity(store: Store, actor: str, username: str, identity: str | None) -> User:
    """Link an account to a single sign-on identity (None unlinks); ``actor`` manages users.

    ``identity`` as :func:`~assessment.auth.signin.parse_identity` reads it: ``ISSUER SUBJECT`` or an
    e-mail address (AuthError ``auth.identity_format`` otherwise)."""
    identity = parse_identity(identity)
    with store.transaction() as conn:
        _manager(conn, actor)
        return accounts.set_identity(conn, actor, username, identity)


def check_new_account(
    store: Store,
    actor: str,
    username: str,
    role: str,
    scope_region_code: str | None,
    *,
    identity: str | None = None,
) -> None:
    """Refuse an account that could not be created, before anyone types a password.

    Checks: ``actor`` may manage users; the name is free; officials and evaluators have a scope
    region in the tree; the single sign-on identity is not linked to another account.
    """
    with store.read() as conn:
        _manager(conn, actor)
        if users.get(conn, (username or "").strip()) is not None:
            raise refuse("user_exists", username=username)
        tree = reference.region_tree(conn)
    if role in ("official", "evaluator"):
        if not scope_region_code:
            raise auth_error("scope_required", role=role)
        if scope_region_code not in tree:
            raise auth_error("unknown_scope", code=scope_region_code)
    identity = parse_identity(identity)
    if identity is not None and identity_user(store, identity) is not None:
        raise auth_error("identity_taken")


def create_account(
    store: Store,
    actor: str,
    username: str,
    role: str,
    scope_region_code: str | None,
    *,
    display_name: str = "",
    password: str | None = None,
    identity: str | None = None,
    hasher: PasswordHasher | None = None,
) -> User:
    """Add a user with an optional local password and/or single sign-on identity.

    Officials and evaluators need a scope region that is in the region tree; the password must pass
    :func:`password_problems`. ``actor`` must be allowed to manage users (checked by the store).
    """
    check_new_account(store, actor, username, role, scope_region_code, identity=identity)
    pw_hash = hash_password(password, username, hasher=hasher) if password is not None else None
    identity = parse_identity(identity)
    return store.add_user(
        actor,
        username,
        display_name or username,
        role,
        scope_region_code or None,
        password_hash=pw_hash,
        external_identity=identity,
    )


def new_account_problems(
    store: Store,
    actor: str,
    username: str,
    role: str,
    scope_region_code: str | None,
    *,
    password: str | None = None,
    identity: str | None = None,
) -> dict[str, list[Problem]]:
    """Everything wrong with a new account, by field (``username``, ``role``, ``scope``,
    ``password``, ``identity``; empty: it can be created), for a form that marks each field.

    ``actor`` must manage users (AccessDenied otherwise). The rules are those of
    :func:`create_account` plus the administration page's: an official's scope is a county
    (:func:`assessment.store.users_admin.scope_problem`)."""
    name = (username or "").strip()
    out: dict[str, list[Problem]] = {}

    def add(field: str, err: StoreError | AuthError | None) -> None:
        if err is not None:
            out.setdefault(field, []).extend(err.problems)

    with store.read() as conn:
        _manager(conn, actor)
        tree = reference.region_tree(conn)
        if not name or len(name) > accounts.ACTOR_MAX:
            add("username", refuse("bad_username", username=name))
        elif users.get(conn, name) is not None:
            add("username", refuse("user_exists", username=name))
    scope_err = users_admin.scope_problem(tree, role, (scope_region_code or "").strip() or None)
    add(
        "role" if scope_err is not None and scope_err.problems[0].code == "store.bad_role" else "scope",
        scope_err,
    )
    if password:
        out.setdefault("password", []).extend(password_problems(password, name))
    elif not (identity or "").strip():
        add("password", refuse("users_admin.password_or_identity"))
    try:
        parsed = parse_identity(identity)
        if parsed is not None and identity_user(store, parsed) is not None:
            add("identity", auth_error("identity_taken"))
    except AuthError as err:
        add("identity", err)
    return {field: found for field, found in out.items() if found}
