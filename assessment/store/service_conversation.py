"""Replies to returns and value queries (issue 16, points 1, 4, 6).

:class:`StoreConversation` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.

Who may do what with a value query (:mod:`.value_queries`), checked in the same transaction:

* an evaluator raises and closes queries on the regions they may review (their jurisdiction);
* an official answers the queries of the regions they may upload for (their own region);
* both see the queries of those regions; nobody else does (an administrator sees none).

A query outside the actor's regions is refused as if it did not exist (``store.unknown_query``).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from sqlalchemy.engine import Connection

from assessment.domain import access
from assessment.domain.model import RegionTree
from assessment.store import scope
from assessment.store import value_queries as vq
from assessment.store.errors import refuse
from assessment.store.users import User

T = TypeVar("T")


def _converses(user: User, region_code: str, tree: RegionTree) -> bool:
    """True when ``user`` takes part in the round of ``region_code`` (reviews or uploads there)."""
    return access.allowed(user, "review", region_code, tree) or access.allowed(
        user, "upload", region_code, tree
    )


def _query_for(conn: Connection, actor: str, query_id: object, action: str) -> dict[str, Any]:
    """The query when ``actor`` may ``action`` ("review": raise/close, "upload": answer) on its region."""
    user, tree = scope.actor_and_tree(conn, actor)
    row = vq.get(conn, query_id)
    region = str(row["region_code"])
    if access.allowed(user, action, region, tree):
        return row
    if _converses(user, region, tree):  # sees it, may not do this
        raise refuse("query_evaluator_only" if action == "review" else "query_official_only", id=row["id"])
    raise refuse("unknown_query", id=query_id)


class StoreConversation:
    """Methods mixed into :class:`~assessment.store.service.Store`."""

    if TYPE_CHECKING:  # provided by Store

        def read(self) -> AbstractContextManager[Connection]: ...

        def _write(
            self,
            actor: str | None,
            work: Callable[[Connection], T],
            check: Callable[[Connection], object] | None = None,
        ) -> T: ...

    # -- value queries ----------------------------------------------------------------------
    def value_queries(
        self,
        actor: str,
        *,
        period: int | None = None,
        region_code: str | None = None,
        status: str | None = None,
        submission_id: int | None = None,
    ) -> pd.DataFrame:
        """Value queries of the actor's regions (those they review or report for), newest first.

        Columns: id, region_code, period, indicator_code, submission_id, question, raised_by,
        raised_at, status, answer, answered_by, answered_at, closed_by, closed_at, closing_note,
        and ``version`` (of the submission raised on) and ``corrected_in`` (the later version that
        changed the value, <NA> while none did). ``region_code`` outside the actor's regions is
        refused; ``status``: open, answered or closed; ``submission_id``: only the queries of the
        region and period of that submission (refused as unknown outside the actor's regions).
        """
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            if region_code is not None:
                scope.authorize_region(conn, actor, "view", region_code)
            if submission_id is not None:
                sub = scope.submission(conn, actor, submission_id)
                if region_code is not None and region_code != sub.region_code:
                    return vq.list_queries(conn, [], period=period)
                region_code, period = sub.region_code, sub.period
            if status is not None and status not in ("open", "answered", "closed"):
                raise refuse("query_bad_status", status=status)
            codes = [region_code] if region_code is not None else scope.region_filter(conn, actor)
            frame = vq.list_queries(conn, codes, period=period, status=status)
            keep = frame["region_code"].astype(str).map(lambda r: _converses(user, r, tree)).astype(bool)
            return frame.loc[keep].reset_index(drop=True)

    def raise_query(
        self,
        actor: str,
        submission_id: int,
        indicator_code: str,
        question: str,
        *,
        now: datetime | None = None,
    ) -> int:
        """An evaluator asks about one value of a submission they may review; returns the query id.
        Audited as ``query.raise``."""

        def work(c: Connection) -> int:
            sub = scope.submission(c, actor, submission_id, "review")
            return vq.raise_query(c, actor, sub, indicator_code, question, now=now)

        return self._write(actor, work)

    def answer_query(self, actor: str, query_id: int, answer: str, *, now: datetime | None = None) -> None:
        """The official of the query's region answers it (until it is closed). ``query.answer``."""
        self._write(
            actor, lambda c: vq.answer(c, actor, _query_for(c, actor, query_id, "upload"), answer, now=now)
        )

    def close_query(self, actor: str, query_id: int, note: str = "", *, now: datetime | None = None) -> None:
        """An evaluator of the query's region closes it (resolved). ``query.close``."""
        self._write(
            actor, lambda c: vq.close(c, actor, _query_for(c, actor, query_id, "review"), note, now=now)
        )

    # -- the exchange -------------------------------------------------------------------------
    def exchange(self, actor: str, region_code: str, period: int) -> pd.DataFrame:
        """Everything said in the round of one region and period, oldest first: uploads (with the
        official's reply), decisions (return, approve, reopen) with comments, and the queries
        raised, answered and closed (only for those who take part in the round). Columns:
        at, kind, actor, submission_id, version, reason_code, indicator_code, query_id, text."""
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            scope.authorize_region(conn, actor, "view", region_code)
            return vq.exchange(
                conn, region_code, int(period), with_queries=_converses(user, region_code, tree)
            )
