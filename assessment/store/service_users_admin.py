"""User administration: create, enable, disable, reset password, role and scope (issue 16, point 9).

:class:`StoreUsersAdmin` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.

What was there already: creating (:meth:`Store.add_user`, :func:`assessment.auth.accounts.create_account`),
disabling and enabling (:func:`assessment.auth.accounts.set_disabled`, which now refuses disabling
oneself or the last enabled administrator) and new passwords
(:func:`assessment.auth.accounts.set_password`, ending the account's sessions). Added here: role,
scope and display name changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import Connection

from assessment.store import reference, scope, users_admin
from assessment.store.users import User

T = TypeVar("T")


class StoreUsersAdmin:
    """Methods mixed into :class:`~assessment.store.service.Store`."""

    if TYPE_CHECKING:  # provided by Store

        def _write(
            self,
            actor: str | None,
            work: Callable[[Connection], T],
            check: Callable[[Connection], object] | None = None,
        ) -> T: ...

    def update_user(
        self,
        actor: str,
        username: str,
        *,
        role: str | None = None,
        scope_region_code: str | None = None,
        display_name: str | None = None,
    ) -> User:
        """Change ``username``'s role and scope (together; ``role`` None keeps both) and/or display
        name (None keeps it); ``actor`` must manage users. Refused: an unknown role or region, an
        official whose scope is not a county, an evaluator without a scope, demoting oneself or the
        last enabled administrator. A role or scope change ends the account's sessions. Audited
        ``user.role`` / ``user.display_name`` with the values before and after."""

        def work(conn: Connection) -> User:
            tree = reference.region_tree(conn)
            return users_admin.update(
                conn,
                actor,
                tree,
                username,
                role=role,
                scope_region_code=scope_region_code,
                display_name=display_name,
            )

        return self._write(actor, work, lambda c: scope.authorize(c, actor, "manage_users"))
