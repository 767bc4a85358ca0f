"""Corrective actions, with access checked in the same transaction (issue 17 point 5).

:class:`StoreActions` is a mixin of :class:`~assessment.store.service.Store`. Who may do what:

* the officials of a region (``upload`` right there) record and change its actions;
* the evaluators of its jurisdiction (``review`` right) accept or return the plans;
* both see them; nobody else does (an administrator sees none). An action outside the actor's
  regions is refused as if it did not exist (``actions.error.unknown_action``).

The store does not score: :meth:`StoreActions.save_action` takes the :class:`~assessment.domain.actions.Gap`
the caller found in the approved figures (``assessment.accountability`` does, from the scores the
actor may see) and checks the draft against it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from sqlalchemy.engine import Connection

from assessment.domain import access
from assessment.domain.actions import ActionDraft, Gap, check_draft
from assessment.domain.model import RegionTree
from assessment.store import actions as act
from assessment.store import scope
from assessment.store.users import User

T = TypeVar("T")


def takes_part(user: User, region_code: str, tree: RegionTree) -> bool:
    """True when ``user`` reviews or reports for ``region_code`` (and so sees its actions)."""
    return access.allowed(user, "review", region_code, tree) or access.allowed(
        user, "upload", region_code, tree
    )


def _action_for(conn: Connection, actor: str, action_id: object, right: str) -> dict[str, Any]:
    """The action when ``actor`` has ``right`` ("upload": change, "review": review) on its region."""
    user, tree = scope.actor_and_tree(conn, actor)
    row = act.get(conn, action_id)
    region = str(row["region_code"])
    if access.allowed(user, right, region, tree):
        return row
    if takes_part(user, region, tree):
        raise act.refused("official_only" if right == "upload" else "evaluator_only", id=row["id"])
    raise act.refused("unknown_action", id=action_id)


class StoreActions:
    """Methods mixed into :class:`~assessment.store.service.Store`."""

    if TYPE_CHECKING:  # provided by Store

        def read(self) -> AbstractContextManager[Connection]: ...

        def _write(
            self,
            actor: str | None,
            work: Callable[[Connection], T],
            check: Callable[[Connection], object] | None = None,
        ) -> T: ...

    def actions(
        self,
        actor: str,
        *,
        region_code: str | None = None,
        jurisdiction: str | None = None,
        period: int | None = None,
    ) -> pd.DataFrame:
        """The corrective actions the actor sees (their region's, or their jurisdiction's), oldest
        first, columns :data:`assessment.store.actions.ACTION_COLUMNS`. ``region_code``: one region
        (refused outside the actor's regions); ``jurisdiction``: the regions under it; ``period``:
        the gaps of that period."""
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            codes: list[str] | None
            if region_code is not None:
                scope.authorize_region(conn, actor, "view", region_code)
                codes = [region_code]
            elif jurisdiction is not None:
                scope.authorize_region(conn, actor, "view", jurisdiction)
                codes = [jurisdiction, *(r.code for r in tree.descendants(jurisdiction))]
            else:
                codes = scope.region_filter(conn, actor)
            frame = act.list_actions(conn, codes, period=period)
            keep = frame["region_code"].astype(str).map(lambda r: takes_part(user, r, tree)).astype(bool)
            return frame.loc[keep].reset_index(drop=True)

    def action(self, actor: str, action_id: int) -> dict[str, Any]:
        """One action the actor sees (refused as unknown otherwise)."""
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            row = act.get(conn, action_id)
            if not takes_part(user, str(row["region_code"]), tree):
                raise act.refused("unknown_action", id=action_id)
            return row

    def save_action(
        self,
        actor: str,
        draft: ActionDraft,
        gap: Gap | None,
        *,
        known_periods: int | None = None,
        now: datetime | None = None,
    ) -> int:
        """Record or change the action of a gap (the region's officials only); returns its id.
        ``gap``: the gap the approved figures show (None: there is none, refused). Audited as
        ``action.create``, ``action.update`` and ``action.status``."""
        clean = check_draft(draft, gap, known_periods=known_periods)
        assert gap is not None  # check_draft refuses a draft without a gap

        def work(c: Connection) -> int:
            scope.authorize_region(c, actor, "upload", clean.region_code)
            return act.save(c, actor, clean, gap, now=now)[0]

        return self._write(actor, work)

    def save_actions(
        self, actor: str, drafts: list[tuple[ActionDraft, Gap]], *, now: datetime | None = None
    ) -> tuple[int, int]:
        """Several checked drafts in one transaction (an uploaded actions sheet): all or nothing.
        Returns (actions created or changed, unchanged)."""

        def work(c: Connection) -> tuple[int, int]:
            changed = same = 0
            for draft, gap in drafts:
                scope.authorize_region(c, actor, "upload", draft.region_code)
                if act.save(c, actor, draft, gap, now=now)[1]:
                    changed += 1
                else:
                    same += 1
            return changed, same

        return self._write(actor, work)

    def review_action(
        self, actor: str, action_id: int, decision: str, comment: str = "", *, now: datetime | None = None
    ) -> None:
        """An evaluator of the action's jurisdiction accepts (``accepted``) or returns (``returned``,
        with a comment) the plan. Audited as ``action.review``."""
        self._write(
            actor,
            lambda c: act.review(
                c, actor, _action_for(c, actor, action_id, "review"), decision, comment, now=now
            ),
        )

    def action_history(self, actor: str, action_id: int) -> pd.DataFrame:
        """The audited changes of one action the actor sees, oldest first (at, actor, action, details)."""
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            row = act.get(conn, action_id)
            if not takes_part(user, str(row["region_code"]), tree):
                raise act.refused("unknown_action", id=action_id)
            return act.history(conn, int(row["id"]))
