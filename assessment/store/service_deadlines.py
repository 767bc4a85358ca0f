"""Deadlines per jurisdiction, reminders, notifications and the to-do lists (issue 16, points 2, 3).

:class:`StoreDeadlines` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.

Deadlines: a jurisdiction's evaluator (the province's for the province, a prefecture's for the
prefecture) or an admin sets the reporting deadline of a period for that jurisdiction; a region's
effective deadline is the earliest one set on its way up (:func:`reference.effective_deadline`),
and a lower jurisdiction may not set one later than the one above it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from assessment.notify import config as notify_config
from assessment.notify.config import SmtpConfig, check_settings, is_email
from assessment.store import audit, notifications, reference, scope
from assessment.store.errors import StoreError, problem, refuse
from assessment.store.schema import users as users_table

T = TypeVar("T")
DEADLINE_COLUMNS = ["jurisdiction_code", "period", "deadline", "set_by", "set_at"]


class StoreDeadlines:
    """Methods mixed into :class:`~assessment.store.service.Store`."""

    if TYPE_CHECKING:  # provided by Store
        engine: Engine

        def _write(
            self,
            actor: str | None,
            work: Callable[[Connection], T],
            check: Callable[[Connection], object] | None = None,
        ) -> T: ...

        def read(self) -> Any: ...

        def transaction(self) -> Any: ...

    # -- deadlines ----------------------------------------------------------------------------
    def deadline(self, period: int, jurisdiction: str | None = None) -> datetime | None:
        """The deadline ``jurisdiction`` set for ``period`` (None: the root's, province-wide), or None.
        Deadlines are public within the service: no actor needed."""
        with self.read() as conn:
            return reference.get_deadline(conn, period, jurisdiction)

    def effective_deadline(self, actor: str, region_code: str, period: int) -> tuple[datetime, str] | None:
        """The deadline that binds ``region_code`` for ``period`` and the jurisdiction that set it."""
        with self.read() as conn:
            scope.authorize_region(conn, actor, "view", region_code)
            tree = reference.region_tree(conn)
            return reference.effective_deadline(tree, reference.deadlines_set(conn, period), region_code)

    def deadlines(self, actor: str, periods: list[int] | None = None) -> pd.DataFrame:
        """Every deadline set (any jurisdiction: they are not secret), newest period first.
        Columns: DEADLINE_COLUMNS."""
        with self.read() as conn:
            scope.actor_and_tree(conn, actor)
            rows = reference.deadline_rows(conn, periods)
        return pd.DataFrame(rows, columns=DEADLINE_COLUMNS)

    def set_deadline(
        self, actor: str, period: int, deadline: datetime, jurisdiction: str | None = None
    ) -> None:
        """Set the reporting deadline ``jurisdiction`` (None: the root, province-wide) gives its regions
        for ``period`` (naive = UTC). Refused when a jurisdiction above set an earlier one."""
        self._write(
            actor,
            lambda c: reference.set_deadline(c, actor, period, deadline, jurisdiction),
            lambda c: scope.deadline(c, actor, jurisdiction),
        )

    def clear_deadline(self, actor: str, period: int, jurisdiction: str) -> bool:
        """Remove ``jurisdiction``'s own deadline for ``period`` (the one above applies again)."""
        return self._write(
            actor,
            lambda c: reference.clear_deadline(c, actor, period, jurisdiction),
            lambda c: scope.deadline(c, actor, jurisdiction),
        )

    # -- e-mail addresses and notification settings -------------------------------------------
    def set_user_email(self, actor: str, username: str, email: str | None) -> None:
        """Set (or clear, with None or "") the e-mail address notifications go to. Audited."""
        address = (email or "").strip() or None
        if address is not None and not is_email(address):
            raise refuse("bad_email", email=address)

        def work(conn: Connection) -> None:
            found = conn.execute(
                sa.update(users_table).where(users_table.c.username == username).values(email=address)
            ).rowcount
            if not found:
                raise refuse("unknown_user", username=username)
            audit.record(
                conn,
                [audit.event(actor, "user.email", "user", username, details={"set": address is not None})],
            )

        self._write(actor, work, lambda c: scope.authorize(c, actor, "manage_users"))

    def notification_settings(self, actor: str) -> dict[str, str]:
        """The stored notification settings with their defaults (never a password)."""
        with self.read() as conn:
            scope.authorize(conn, actor, "manage_settings")
            stored = notifications.stored_settings(conn)
        return {k: (stored.get(k) or notify_config.DEFAULTS.get(k, "")) for k in notify_config.SETTING_KEYS}

    def notification_config(self) -> SmtpConfig:
        """The configuration in force (for the command line and the sender)."""
        with self.read() as conn:
            return notifications.current_config(conn)

    def set_notification_settings(self, actor: str, values: Mapping[str, str]) -> None:
        """Store notification settings (keys of ``assessment.notify.config.SETTING_KEYS``), checked
        first: nothing is stored when one is wrong."""
        unknown = sorted(set(values) - set(notify_config.SETTING_KEYS))
        if unknown:
            raise refuse("notify_unknown_setting", setting=", ".join(unknown))
        clean = {k: str(v).strip() for k, v in values.items()}
        merged = {**self.notification_settings(actor), **clean}
        problems = check_settings(merged)
        if problems:
            raise StoreError(
                [
                    problem(f"notify_bad_{key}", per_lang={"zh": fields, "en": fields})
                    for key, fields in problems
                ]
            )

        def work(conn: Connection) -> None:
            for key, value in clean.items():
                if reference.get_setting(conn, key) != value:
                    reference.set_setting(conn, actor, key, value)

        self._write(actor, work, lambda c: scope.authorize(c, actor, "manage_settings"))

    # -- outbox ------------------------------------------------------------------------------
    def outbox(self, actor: str, limit: int = 100) -> pd.DataFrame:
        """The newest queued, sent and failed mails (no bodies)."""
        with self.read() as conn:
            scope.authorize(conn, actor, "manage_settings")
            return notifications.outbox(conn, limit)

    def send_notifications(self, actor: str) -> dict[str, int]:
        """Send the mails due now (pending, or failed and to be retried); counts sent and failed."""
        with self.read() as conn:
            scope.authorize(conn, actor, "manage_settings")
        notifications.wait_for_delivery()
        return notifications.deliver(self.engine)

    def remind(self, actor: str, *, now: datetime | None = None, days: int | None = None) -> dict[str, int]:
        """Queue the deadline reminders due (once per region, period and official) and send what is
        due; counts ``queued``, ``sent``, ``failed``."""
        queued = self._write(
            actor,
            lambda c: notifications.remind(c, now, days),
            lambda c: scope.authorize(c, actor, "manage_settings"),
        )
        notifications.wait_for_delivery()
        return {"queued": queued, **notifications.deliver(self.engine)}

    def send_test_mail(self, actor: str, to: str) -> str | None:
        """Send one test message to ``to`` now; None when sent, else the error text."""
        from assessment.notify import compose, message, send

        if not is_email(to):
            raise refuse("bad_email", email=to)
        with self.read() as conn:
            scope.authorize(conn, actor, "manage_settings")
            config = notifications.current_config(conn)
        if not config.host or not config.sender:
            raise refuse("notify_bad_enabled_incomplete")
        subject, body = compose("test", {"app_url": config.app_url})
        result = send(config, [message(config, to, subject, body)])[0]
        with self.transaction() as conn:
            audit.record(
                conn, [audit.event(actor, "notify.test", "setting", "smtp", details={"ok": result is None})]
            )
        return result
