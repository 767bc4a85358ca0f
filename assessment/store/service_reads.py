"""The read side of :class:`~assessment.store.service.Store`: every method that only reads.

Users, settings, the region tree and boundaries, local standards, deadlines, submission lists and
versions, the values scoring uses (through the per-period snapshots), diffs, review history,
completeness, the audit trail and the access checks. Region data is read for an acting user and
limited to the user's regions by :mod:`.scope`, in the same read transaction.

:class:`StoreReads` is a mixin: it needs the connection plumbing that
:class:`~assessment.store.service.Store` provides (``engine``, ``dialect``, :meth:`read`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from assessment.domain import access
from assessment.domain.editions import EditionSchedule, LocalIndicator
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.intake.active_content import Finding, findings
from assessment.intake.values_copy import values_only_copy
from assessment.store import accounts, audit, engine, queries, reference, scope, snapshots, standards, users
from assessment.store import completeness as reporting
from assessment.store import editions as catalogue_editions
from assessment.store.outcome import MergeOrigin
from assessment.store.schema import local_standards, regions, submissions
from assessment.store.users import User
from assessment.store.workflow import Submission

# Audit events that change no data a page shows: authentication and downloads (``Store.data_version``).
NOT_DATA_EVENTS = ("sign_in", "sign_in_failed", "sign_out", "session_expired", "export")
# Audit events that change the values of the one region they name (``Store.changed_regions``) ...
REGION_VALUE_EVENTS = frozenset(
    {
        "submission.import",
        "submission.supersede",
        "submission.approve",
        "submission.return",
        "submission.reopen",
    }
)
# ... and those that change nothing an assessment is computed from (values, editions, the region tree,
# local standards and indicators): queries, corrective actions, deadlines, accounts, map boundaries.
ASSESSMENT_NEUTRAL_EVENTS = frozenset({"deadline.set", "deadline.clear", "notify.test", "boundaries.save"})
ASSESSMENT_NEUTRAL_PREFIXES = ("query.", "action.", "user.")
# what leaves the reference data alone too (boundaries are reference data: the maps key on them)
REFERENCE_NEUTRAL_EVENTS = ("deadline.set", "deadline.clear", "notify.test")
# more changed regions than this between two versions: rescoring everything is as quick
MAX_CHANGED_REGIONS = 64


class StoreReads:
    """Read methods of the store (mixed into :class:`~assessment.store.service.Store`)."""

    engine: Engine

    if TYPE_CHECKING:  # provided by Store

        @property
        def dialect(self) -> str: ...

        def read(self) -> AbstractContextManager[Connection]: ...

    # -- catalogue editions -----------------------------------------------------------------
    def edition_schedule(self) -> EditionSchedule:
        """Every edition at its newest revision, each with the period it is in force from: the
        catalogue is public (every signed-in user scores and reads by it)."""
        with self.read() as conn:
            return catalogue_editions.schedule(conn)

    def edition_revision(self, edition_id: str, revision: int | None = None) -> Edition:
        """Revision ``revision`` of an edition (the newest when None), to reproduce an old report."""
        with self.read() as conn:
            return catalogue_editions.revision(conn, edition_id, revision)

    def edition_revisions(self) -> pd.DataFrame:
        """Every revision of every edition (1 = as shipped): who imported it, when, with what note."""
        with self.read() as conn:
            return catalogue_editions.revisions(conn)

    def local_indicators(self) -> tuple[LocalIndicator, ...]:
        """The local-only indicators in force (public like the local standards)."""
        with self.read() as conn:
            return catalogue_editions.local_in_force(conn)

    # -- users and settings -----------------------------------------------------------------
    def get_user(self, username: str) -> User | None:
        """The user called ``username``, or None."""
        with self.read() as conn:
            return users.get(conn, username)

    def users(self) -> tuple[User, ...]:
        """Every user."""
        with self.read() as conn:
            return users.all_users(conn)

    def sign_in_waits(self, now: datetime | None = None) -> dict[str, datetime]:
        """The accounts whose name must wait after failed sign-ins, and until when."""
        with self.read() as conn:
            names = [u.username for u in users.all_users(conn)]
            return accounts.throttled(conn, names, now or datetime.now(UTC))

    def setting(self, key: str) -> str | None:
        """A stored setting's value, or None."""
        with self.read() as conn:
            return reference.get_setting(conn, key)

    def is_demo(self) -> bool:
        """True when the database was seeded as the demo province."""
        return self.setting("demo") == "1"

    def data_version(self) -> int:
        """A number that grows with every write of data (the newest audit event id that is not a
        sign-in, sign-out or download): caches key on it, so an upload or a review shows on every
        page at once, in every server process, while users signing in leave every cached assessment
        in place (each sign-in used to throw away every replica's national assessment). Read from the
        newest id backwards, so a run of sign-ins costs a short index scan, not a table scan."""
        log = audit.audit_log
        with self.read() as conn:
            newest = conn.execute(
                sa.select(log.c.id)
                .where(log.c.action.not_in(NOT_DATA_EVENTS))
                .order_by(log.c.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return int(newest or 0)

    def changed_regions(self, since: int, until: int) -> frozenset[str] | None:
        """The regions whose values changed between data versions ``since`` and ``until`` (audit ids,
        :meth:`data_version`), when nothing else an assessment is computed from changed: then only
        those regions need rescoring (issue 20 point 2). None when something else changed (a region
        tree, an edition, a local standard or indicator, a setting, an event this method does not
        know), when more than :data:`MAX_CHANGED_REGIONS` regions changed, or when ``since`` is not
        before ``until``: the caller then rescores everything."""
        if since >= until:
            return None if since > until else frozenset()
        log = audit.audit_log
        with self.read() as conn:
            rows = conn.execute(
                sa.select(log.c.action, log.c.region_code)
                .where(log.c.id > since, log.c.id <= until, log.c.action.not_in(NOT_DATA_EVENTS))
                .order_by(log.c.id)
                .limit(10 * MAX_CHANGED_REGIONS + 1)
            ).all()
        if len(rows) > 10 * MAX_CHANGED_REGIONS:
            return None
        changed: set[str] = set()
        for action, region in rows:
            if action in REGION_VALUE_EVENTS and region:
                changed.add(str(region))
            elif action not in ASSESSMENT_NEUTRAL_EVENTS and not str(action).startswith(
                ASSESSMENT_NEUTRAL_PREFIXES
            ):
                return None
        return frozenset(changed) if len(changed) <= MAX_CHANGED_REGIONS else None

    def reference_version(self) -> int:
        """A number that grows when the reference data may have changed: the region tree and its
        populations and finances, the editions, local standards and indicators, boundaries, settings
        (the newest audit id of a data event that is not a submission's, a query's, an action's, an
        account's or a deadline's). Caches of the tree and the catalogue key on it, so that an
        approval, which moves :meth:`data_version`, does not make every process read them again."""
        log = audit.audit_log
        skip = (*NOT_DATA_EVENTS, *sorted(REGION_VALUE_EVENTS), *REFERENCE_NEUTRAL_EVENTS)
        others = (~log.c.action.startswith(p) for p in ASSESSMENT_NEUTRAL_PREFIXES)
        with self.read() as conn:
            newest = conn.execute(
                sa.select(log.c.id)
                .where(log.c.action.not_in(skip), *others)
                .order_by(log.c.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            return int(newest or 0)

    def is_empty(self) -> bool:
        """True when there are no regions, local standards or submissions yet (users do not count)."""
        with self.read() as conn:
            return not any(
                conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()
                for t in (regions, local_standards, submissions)
            )

    # -- reference data ---------------------------------------------------------------------
    def region_tree(self) -> RegionTree:
        """The active region tree."""
        with self.read() as conn:
            return reference.region_tree(conn)

    def boundaries(self) -> dict[str, dict[str, Any]]:
        """The stored map boundary (GeoJSON geometry) of every active region that has one."""
        with self.read() as conn:
            return reference.boundaries(conn)

    def local_standards(self) -> tuple[LocalStandard, ...]:
        """The local standards in force (each with its effective period)."""
        with self.read() as conn:
            return standards.in_force(conn)

    def local_standard_history(self) -> pd.DataFrame:
        """Every local standard ever set, superseded ones included."""
        with self.read() as conn:
            return standards.history(conn)

    # -- submissions ------------------------------------------------------------------------
    def submission(self, actor: str, submission_id: int) -> Submission:
        """One submission version."""
        with self.read() as conn:
            return scope.submission(conn, actor, submission_id)

    def submissions(
        self,
        actor: str,
        region_code: str | None = None,
        period: int | None = None,
        status: str | None = None,
        *,
        region_codes: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Submission versions, newest first per region and period, filtered by any argument (and to
        the actor's regions: asking for one outside them is refused)."""
        codes = list(region_codes) if region_codes is not None else None
        if region_code is not None:
            codes = [region_code] if codes is None else [c for c in codes if c == region_code]
        with self.read() as conn:
            codes = scope.region_filter(conn, actor, codes)
            return queries.list_submissions(
                conn, codes, None if period is None else [period], None if status is None else [status]
            )

    def review_queue(self, actor: str, region_codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Versions waiting for a decision, oldest upload first."""
        frame = self.submissions(actor, status="submitted", region_codes=region_codes)
        return frame.sort_values(["uploaded_at", "id"], ignore_index=True)

    def submission_values(self, actor: str, submission_id: int) -> pd.DataFrame:
        """The values of one version."""
        with self.read() as conn:
            scope.submission(conn, actor, submission_id)
            return queries.submission_values(conn, submission_id)

    def original_file(self, actor: str, submission_id: int) -> tuple[str, bytes]:
        """The uploaded file's name and exact bytes, for administrators only (``download_original``):
        the original may hold formulas, DDE or links that run when it is opened. Everyone else
        gets :meth:`values_only_file`. A submission outside the actor's regions looks missing."""
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            sub = scope.submission(conn, actor, submission_id)
            if not access.allowed(user, "download_original", sub.region_code, tree):
                raise access.denied("download_original")
            return queries.original_file(conn, submission_id)

    def values_only_file(self, actor: str, submission_id: int) -> tuple[str, bytes]:
        """The name and bytes of the values-only copy of an upload (every formula replaced by its
        saved result, links, DDE and external references removed, CSV fields neutralised; see
        :mod:`assessment.intake.values_copy`): what anyone who may view the submission downloads."""
        with self.read() as conn:
            scope.submission(conn, actor, submission_id)
            filename, data = queries.original_file(conn, submission_id)
        return values_only_copy(data, filename)

    def active_content(self, actor: str, submission_id: int) -> list[Finding]:
        """The formulas, DDE, external links and external hyperlinks of an upload's original (kind,
        sheet, cell, formula or target), read from the stored bytes; nothing is run."""
        with self.read() as conn:
            scope.submission(conn, actor, submission_id)
            _, data = queries.original_file(conn, submission_id)
        return findings(data)

    def values(
        self,
        actor: str,
        periods: Iterable[int] | None = None,
        include_pending: bool = False,
        region_codes: Iterable[str] | None = None,
    ) -> pd.DataFrame:
        """Tidy values for scoring: the approved version per region and period (or newest pending), of
        the actor's regions (asking for one outside them is refused).

        Many versions (a province or more) are read through the per-period snapshots of
        :mod:`~assessment.store.snapshots`, patched and written back when stale; a few row by row.
        """
        with self.read() as conn:
            codes = scope.region_filter(conn, actor, region_codes)
            chosen = queries.chosen_submissions(conn, periods, include_pending, codes)
            if len(chosen) < snapshots.MIN_SUBMISSIONS:
                return queries.assemble(chosen, snapshots.fetch_rows(conn, chosen["submission_id"].tolist()))
            rows, stale = snapshots.rows(conn, chosen["period"].unique().tolist(), chosen["submission_id"])
        if stale:
            self._save_snapshots(stale)
        return queries.assemble(chosen, rows)

    def _save_snapshots(self, stale: Sequence[snapshots.Stale]) -> None:
        """Write patched value snapshots, best effort: a cache write never waits long for a lock
        and never fails the read that produced it (the next read patches again)."""
        try:
            with self.engine.connect() as conn:
                sqlite = self.dialect == "sqlite"
                if sqlite:  # before BEGIN IMMEDIATE: give up after 0.2 s instead of the usual 15 s
                    conn.connection.dbapi_connection.execute("PRAGMA busy_timeout=200")  # type: ignore[union-attr]
                try:
                    with conn.begin():
                        if not sqlite:
                            conn.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
                        snapshots.save(conn, stale)
                finally:
                    if sqlite:
                        conn.connection.dbapi_connection.execute(  # type: ignore[union-attr]
                            f"PRAGMA busy_timeout={engine.BUSY_TIMEOUT_MS}"
                        )
        except DBAPIError as err:
            snapshots.log.info("value snapshot not saved (%s); the next read rebuilds it", err)

    def diff(self, actor: str, submission_id_a: int, submission_id_b: int) -> pd.DataFrame:
        """Indicators added, removed or changed from version a (old) to version b (new)."""
        with self.read() as conn:
            scope.submission(conn, actor, submission_id_a)
            scope.submission(conn, actor, submission_id_b)
            return queries.diff(conn, submission_id_a, submission_id_b)

    def merged_from(self, actor: str, submission_id: int) -> MergeOrigin | None:
        """The version a partial batch upload was merged onto (diff against it), else None."""
        with self.read() as conn:
            scope.submission(conn, actor, submission_id)
            return queries.merged_from(conn, submission_id)

    def reviews(self, actor: str, submission_id: int | None = None) -> pd.DataFrame:
        """Review decisions, oldest first."""
        with self.read() as conn:
            return scope.review_history(conn, actor, submission_id)

    def completeness(
        self,
        actor: str,
        period: int,
        deadline: datetime | None = None,
        regions: RegionTree | None = None,
        *,
        jurisdiction: str | None = None,
        expected_indicators: int | None = None,
    ) -> pd.DataFrame:
        """Who reported for ``period``, who was late, who is missing, who never reported (the actor's
        regions only; ``jurisdiction`` defaults to a scoped actor's scope). ``expected_indicators``
        (the edition's number of indicators) fills ``indicators_expected`` and flags ``partial``."""
        with self.read() as conn:
            frame = scope.completeness(conn, actor, period, deadline, regions, jurisdiction)
        return reporting.mark_partial(frame, expected_indicators)

    # -- audit and access -------------------------------------------------------------------
    def audit_log(self, **filters: Any) -> pd.DataFrame:
        """Audit events, oldest first; filters: actor, action, object_type, object_id, region_code,
        since, limit."""
        with self.read() as conn:
            return audit.read(conn, **filters)

    def authorize(self, actor: str, action: str, region_code: str | None = None) -> User:
        """The acting user when it may do ``action`` (on ``region_code``), else AccessDenied: for
        work done outside the store (templates, exports); then record it with :meth:`audit`."""
        with self.read() as conn:
            return scope.authorize(conn, actor, action, region_code)

    def check_region(self, actor: str, region_code: str, action: str = "view") -> User:
        """The acting user when ``region_code`` is a region of the tree and the actor may do
        ``action`` there; else StoreError ``store.unknown_region_code`` (not in the tree) or
        AccessDenied (outside the actor's regions). For a region asked for by name (a command's
        ``--region``), before anything is read, so the refusal says why instead of showing nothing."""
        with self.read() as conn:
            return scope.authorize_region(conn, actor, action, region_code)

    def visible_regions(self, actor: str) -> set[str]:
        """The codes of the regions ``actor`` may see."""
        with self.read() as conn:
            return scope.visible_regions(conn, actor)
