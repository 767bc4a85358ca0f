"""Who may do what, where: the access policy (issue 6, DESIGN sections 1 and 7). Pure.

Every user has a role and a scope region. The rules:

============  =====================================================================================
role          may
============  =====================================================================================
official      ``view``, ``download_template`` and ``upload`` for their own region. A county
              official's region is their county; an official scoped to a prefecture (who
              consolidates its counties' figures in one batch file) covers the counties below it.
evaluator     ``view``, ``download_template``, ``review`` and ``export`` anywhere within their
              jurisdiction (the scope region and everything below it); ``set_standard`` for their
              own jurisdiction only (a standard is set *by* a jurisdiction: a provincial evaluator
              does not set a prefecture's standards) and ``set_deadline`` likewise (the province
              sets the province's deadline, a prefecture may set an earlier one for its own).
admin         ``view``, ``download_template`` and ``export`` everywhere (scope ignored);
              ``manage_users``, ``manage_regions``, ``manage_editions``, ``manage_settings``,
              ``set_deadline``, ``view_audit`` and ``download_original`` (an upload's original bytes,
              which may hold formulas or links that run when opened; everyone else downloads the
              values-only copy). Admins do not upload, review or set standards: those are the
              officials' and evaluators' decisions.
system        the built-in maintenance account (``username == "system"``, role admin, no password
              and no external identity, so nobody can sign in as it): everything. Used by seeding
              and by operators at the server's shell, who hold the database anyway.
============  =====================================================================================

A disabled user may do nothing. A region code that is not in the tree is outside every scope
(except the global ones), so a crafted code never widens access. The messages of
:class:`AccessDenied` name only the action and the region the user asked for: never who else may
act there, nor which regions the user does see.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from assessment.domain.errors import DataFileError, localized_problem
from assessment.domain.i18n import t
from assessment.domain.model import RegionTree

SYSTEM_USER = "system"

ACTIONS = (
    "view",
    "download_template",
    "upload",
    "review",
    "set_standard",
    "set_deadline",
    "export",
    "manage_users",
    "manage_regions",
    "manage_editions",
    "manage_settings",
    "view_audit",
    "download_original",
)

# How an action's region must relate to the user's scope region.
WITHIN = "within"  # the scope region or below it
EXACT = "exact"  # the scope region itself
ROOT = "root"  # the scope region is the tree's root and the action is on it
GLOBAL = "global"  # anywhere (scope ignored)

RULES: dict[str, dict[str, str]] = {
    "official": {"view": WITHIN, "download_template": WITHIN, "upload": WITHIN},
    "evaluator": {
        "view": WITHIN,
        "download_template": WITHIN,
        "review": WITHIN,
        "export": WITHIN,
        "set_standard": EXACT,
        "set_deadline": EXACT,
    },
    "admin": {
        "view": GLOBAL,
        "download_template": GLOBAL,
        "export": GLOBAL,
        "set_deadline": GLOBAL,
        "manage_users": GLOBAL,
        "manage_regions": GLOBAL,
        "manage_editions": GLOBAL,
        "manage_settings": GLOBAL,
        "view_audit": GLOBAL,
        "download_original": GLOBAL,
    },
}


class UserLike(Protocol):
    """What the policy needs of a user (``assessment.store.users.User`` fits)."""

    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def scope_region_code(self) -> str | None: ...
    @property
    def disabled(self) -> bool: ...


class AccessDenied(DataFileError):
    """The acting user may not do this here. Printed like any refused file; leaks nothing."""

    @property
    def code(self) -> str:
        return self.problems[0].code if self.problems else ""


def is_system(user: UserLike) -> bool:
    """True for the built-in maintenance account."""
    return user.username == SYSTEM_USER and user.role == "admin"


def _check_action(action: str) -> None:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {', '.join(ACTIONS)}")


def _within(tree: RegionTree, code: str, scope: str) -> bool:
    return code in tree and scope in tree and tree.is_within(code, scope)


def allowed(user: UserLike | None, action: str, region_code: str | None, tree: RegionTree) -> bool:
    """True when ``user`` may do ``action`` on ``region_code`` (None: not tied to a region).

    >>> from assessment.domain.model import Region, RegionTree
    >>> from types import SimpleNamespace as U
    >>> tree = RegionTree((Region("990000", "省", "P", "province", None, 10),
    ...                    Region("990101", "县", "C", "county", "990000", 10)))
    >>> official = U(username="wang", role="official", scope_region_code="990101", disabled=False)
    >>> allowed(official, "upload", "990101", tree), allowed(official, "review", "990101", tree)
    (True, False)
    """
    _check_action(action)
    if user is None or user.disabled:
        return False
    if is_system(user):
        return True
    kind = RULES.get(user.role, {}).get(action)
    if kind is None:
        return False
    if kind == GLOBAL:
        return True
    scope = user.scope_region_code
    if region_code is None or not scope:
        return False
    if kind == WITHIN:
        return _within(tree, region_code, scope)
    if kind == EXACT:
        return region_code == scope and scope in tree
    # ROOT
    return len(tree) > 0 and region_code == scope == tree.root.code


def denied(action: str, region_code: str | None = None) -> AccessDenied:
    """The refusal for ``action`` (on ``region_code``), in Chinese and English."""
    key = "access.denied_region" if region_code else "access.denied"
    names = {lang: {"action": t(f"access.action.{action}", lang)} for lang in ("zh", "en")}
    return AccessDenied(
        [localized_problem("access.denied", {"region": region_code or ""}, key=key, per_lang=names)]
    )


def require(user: UserLike | None, action: str, region_code: str | None, tree: RegionTree) -> None:
    """Return quietly when :func:`allowed`, else raise :class:`AccessDenied`."""
    if not allowed(user, action, region_code, tree):
        if user is not None and user.disabled:
            raise AccessDenied([localized_problem("access.disabled")])
        raise denied(action, region_code)


def require_all(user: UserLike | None, action: str, region_codes: Iterable[str], tree: RegionTree) -> None:
    """:func:`require` for each code; the first refused code is named in the message."""
    for code in sorted(set(region_codes)):
        require(user, action, code, tree)


def is_global(user: UserLike | None, action: str = "view") -> bool:
    """True when ``user`` may do ``action`` anywhere (no region filter needed)."""
    if user is None or user.disabled:
        return False
    _check_action(action)
    return is_system(user) or RULES.get(user.role, {}).get(action) == GLOBAL


def visible_regions(user: UserLike | None, tree: RegionTree) -> set[str]:
    """The codes of the regions ``user`` may view (empty for a disabled or unknown user)."""
    if user is None or user.disabled:
        return set()
    if is_global(user):
        return {r.code for r in tree}
    scope = user.scope_region_code
    if not scope or scope not in tree or "view" not in RULES.get(user.role, {}):
        return set()
    return {r.code for r in tree if tree.is_within(r.code, scope)}


def region_filter(
    user: UserLike | None, tree: RegionTree, asked: Iterable[str] | None = None
) -> list[str] | None:
    """The region codes a query for ``user`` must be limited to; None means no limit (a global view,
    or a jurisdiction that covers the whole tree).

    ``asked`` (codes the caller wants) must all be visible, else :class:`AccessDenied` names the
    first one that is not.
    """
    if asked is not None:
        codes = sorted(set(asked))
        for code in codes:
            require(user, "view", code, tree)
        return codes
    if is_global(user):
        return None
    seen = visible_regions(user, tree)
    return None if len(tree) and len(seen) == len(tree) else sorted(seen)
