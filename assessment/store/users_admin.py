"""User administration in one transaction (issue 16, point 9): role, scope and display name changes,
and the guards every change of an administrator goes through.

Functions take a :class:`~sqlalchemy.engine.Connection` inside the caller's write transaction and
write their audit events in it. Refusals are ``store.users_admin.<key>`` (``users_admin.toml``).

Rules:

* nobody disables or demotes themselves, and the last enabled administrator (the built-in
  ``system`` account does not count: it cannot sign in) is never disabled or demoted;
* an official's scope is a county (the region it reports for); an evaluator's scope is any region
  of the tree; an administrator has no scope;
* a role or scope change ends the account's signed-in sessions (its rights changed).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assessment.domain.model import RegionTree
from assessment.store import audit, sessions
from assessment.store.errors import StoreError, refuse
from assessment.store.schema import ROLES, SYSTEM_USER, users
from assessment.store.users import User, get

DISPLAY_NAME_MAX = 200  # users.display_name


def existing(conn: Connection, username: str) -> User:
    """The account ``username``; ``store.unknown_user`` otherwise, ``users_admin.system`` for ``system``."""
    user = get(conn, username)
    if user is None:
        raise refuse("unknown_user", username=username)
    if user.username == SYSTEM_USER:
        raise refuse("users_admin.system")
    return user


def enabled_admins(conn: Connection) -> set[str]:
    """The enabled administrators that can sign in (``system`` left out)."""
    rows = conn.execute(
        sa.select(users.c.username).where(
            users.c.role == "admin", users.c.disabled.is_(False), users.c.username != SYSTEM_USER
        )
    ).scalars()
    return set(rows)


def guard_admin(
    conn: Connection, actor: str, user: User, *, disabling: bool = False, role: str | None = None
) -> None:
    """Refuse disabling or demoting oneself, and disabling or demoting the last enabled administrator."""
    demoting = role is not None and role != user.role and user.role == "admin"
    if user.username == actor and (disabling or demoting):
        raise refuse("users_admin.self", username=user.username)
    losing = user.role == "admin" and not user.disabled and (disabling or demoting)
    if losing and not (enabled_admins(conn) - {user.username}):
        raise refuse("users_admin.last_admin", username=user.username)


def scope_problem(tree: RegionTree, role: str, scope: str | None) -> StoreError | None:
    """What is wrong with ``scope`` for ``role`` (None: acceptable)."""
    if role not in ROLES:
        return refuse("bad_role", role=role, roles=", ".join(ROLES))
    if role == "admin":
        return None
    if not scope:
        return refuse(f"users_admin.scope_required_{role}")
    if scope not in tree:
        return refuse("users_admin.unknown_scope", code=scope)
    if role == "official" and tree.get(scope).level != "county" and tree.children(scope):
        return refuse("users_admin.official_county", code=scope)
    return None


def update(
    conn: Connection,
    actor: str,
    tree: RegionTree,
    username: str,
    *,
    role: str | None = None,
    scope_region_code: str | None = None,
    display_name: str | None = None,
) -> User:
    """Change an account's role and scope (given together: ``role`` None keeps both) and/or its
    display name (None keeps it). Audited ``user.role`` (before and after) and ``user.display_name``."""
    user = existing(conn, username)
    events = []
    if role is not None:
        scope = None if role == "admin" else (scope_region_code or "").strip() or None
        problem = scope_problem(tree, role, scope)
        if problem is not None:
            raise problem
        guard_admin(conn, actor, user, role=role)
        if (role, scope) != (user.role, user.scope_region_code):
            conn.execute(
                sa.update(users)
                .where(users.c.username == username)
                .values(role=role, scope_region_code=scope)
            )
            sessions.delete_user(conn, username)
            details = {"role": [user.role, role], "scope_region_code": [user.scope_region_code, scope]}
            events.append(
                audit.event(actor, "user.role", "user", username, region_code=scope, details=details)
            )
    if display_name is not None:
        name = display_name.strip() or username
        if len(name) > DISPLAY_NAME_MAX:
            raise refuse("users_admin.display_name_long", max=DISPLAY_NAME_MAX)
        if name != user.display_name:
            conn.execute(sa.update(users).where(users.c.username == username).values(display_name=name))
            details = {"display_name": [user.display_name, name]}
            events.append(audit.event(actor, "user.display_name", "user", username, details=details))
    audit.record(conn, events)
    out = get(conn, username)
    assert out is not None
    return out
