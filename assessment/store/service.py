"""The :class:`Store`: one object the pages, the command line and the tests call.

Every call that reads or changes region data takes the acting user's username first and checks, in
the same transaction, that the user exists, is enabled and may do this for these regions
(:mod:`assessment.domain.access`, applied by :mod:`.scope`); writes record their audit events in that
transaction too. Reads are limited to the actor's regions; asking for a region or a submission
outside them is refused with a message that reveals nothing about it.
Database failures (unreachable server, a file that is not a database, a lock held too long) come out
as :class:`StoreError` with a message in Chinese and English, never as a driver traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from assessment.domain.errors import Problem
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.store import (
    audit,
    engine,
    queries,
    reference,
    scope,
    snapshots,
    standards,
    users,
    workflow,
)
from assessment.store.errors import StoreError, refuse
from assessment.store.outcome import ImportOutcome, UploadResultLike
from assessment.store.schema import local_standards, regions, submissions
from assessment.store.submissions import import_upload
from assessment.store.users import User
from assessment.store.workflow import Submission

T = TypeVar("T")
RETRIES = 3


class Store:
    """Submissions, reviews, reference data and the audit trail in one database.

    ``Store()`` opens ``$ASSESSMENT_DB_URL`` (default: ``data/assessment.db``) and migrates it to the
    newest schema. Use as a context manager or call :meth:`close`.
    """

    def __init__(self, url: str | None = None, *, migrate: bool = True) -> None:
        self.url = engine.resolve_url(url)
        self.engine = engine.make_engine(self.url)
        try:
            if migrate and engine.current_revision(self.engine) != engine.head_revision():
                engine.migrate(self.engine)
        except DBAPIError as err:
            self.engine.dispose()
            raise self._db_error(err, "db_unreachable") from None
        except CommandError as err:
            self.engine.dispose()
            raise refuse("db_unknown_revision", url=engine.redacted(self.url), reason=str(err)) from None

    # -- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _db_error(self, err: DBAPIError, key: str = "db_error") -> StoreError:
        reason = str(getattr(err, "orig", err)).strip().splitlines()[0] if str(err) else type(err).__name__
        return refuse(key, url=engine.redacted(self.url), reason=reason[:300])

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (``BEGIN DEFERRED`` on SQLite: it does not block writers)."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(sqlite_begin="DEFERRED")
                with conn.begin():
                    yield conn
        except DBAPIError as err:
            raise self._db_error(err) from None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction for other modules' tables (``BEGIN IMMEDIATE`` on SQLite).

        Write the audit event in it too (:func:`assessment.store.audit.record`).
        """
        try:
            with self.engine.begin() as conn:
                yield conn
        except DBAPIError as err:
            raise self._db_error(err) from None

    def _write(
        self,
        actor: str | None,
        work: Callable[[Connection], T],
        check: Callable[[Connection], object] | None = None,
    ) -> T:
        """Run ``work`` in one write transaction, after checking the actor (and ``check``, the access
        rule, in the same transaction); retried on a lost race."""
        for attempt in range(RETRIES):
            try:
                with self.engine.begin() as conn:
                    if actor is not None:
                        users.require(conn, actor)
                    if check is not None:
                        check(conn)
                    return work(conn)
            except IntegrityError as err:
                if attempt == RETRIES - 1:
                    raise self._db_error(err, "db_conflict") from None
            except DBAPIError as err:
                raise self._db_error(err) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_actor(self, actor: str) -> None:
        with self.read() as conn:
            users.require(conn, actor)

    # -- users and settings -----------------------------------------------------------------
    def get_user(self, username: str) -> User | None:
        """The user called ``username``, or None."""
        with self.read() as conn:
            return users.get(conn, username)

    def users(self) -> tuple[User, ...]:
        """Every user."""
        with self.read() as conn:
            return users.all_users(conn)

    def add_user(
        self,
        actor: str,
        username: str,
        display_name: str,
        role: str,
        scope_region_code: str | None = None,
        *,
        password_hash: str | None = None,
        external_identity: str | None = None,
    ) -> User:
        """Create a user (role admin, evaluator or official; scope = own region or jurisdiction)."""
        return self._write(
            actor,
            lambda c: users.add(
                c,
                actor,
                username,
                display_name,
                role,
                scope_region_code,
                password_hash=password_hash,
                external_identity=external_identity,
            ),
            lambda c: scope.authorize(c, actor, "manage_users"),
        )

    def setting(self, key: str) -> str | None:
        """A stored setting's value, or None."""
        with self.read() as conn:
            return reference.get_setting(conn, key)

    def set_setting(self, actor: str, key: str, value: str) -> None:
        """Store a setting (audited)."""
        self._write(
            actor,
            lambda c: reference.set_setting(c, actor, key, value),
            lambda c: scope.authorize(c, actor, "manage_settings"),
        )

    def is_demo(self) -> bool:
        """True when the database was seeded as the demo province."""
        return self.setting("demo") == "1"

    def data_version(self) -> int:
        """A number that grows with every write (the newest audit event id): caches key on it, so
        an upload or a review shows on every page at once."""
        with self.read() as conn:
            return int(
                conn.execute(sa.select(sa.func.coalesce(sa.func.max(audit.audit_log.c.id), 0))).scalar_one()
            )

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

    def save_region_tree(self, actor: str, tree: RegionTree) -> dict[str, int]:
        """Save a region tree (new regions added, known ones updated, absent ones retired)."""
        return self._write(
            actor,
            lambda c: reference.save_region_tree(c, actor, tree),
            lambda c: scope.authorize(c, actor, "manage_regions"),
        )

    def boundaries(self) -> dict[str, dict[str, Any]]:
        """The stored map boundary (GeoJSON geometry) of every active region that has one."""
        with self.read() as conn:
            return reference.boundaries(conn)

    def save_boundaries(
        self, actor: str, geometries: Mapping[str, Mapping[str, Any]], source: str = ""
    ) -> dict[str, int]:
        """Replace the boundaries of the regions in ``geometries`` (checked with
        :func:`assessment.catalogue.boundaries.parse_boundaries`); admins only, audited."""
        return self._write(
            actor,
            lambda c: reference.save_boundaries(c, actor, geometries, source),
            lambda c: scope.authorize(c, actor, "manage_regions"),
        )

    def register_edition(self, actor: str, edition: Edition) -> None:
        """Record a catalogue edition's id, titles and publication date."""
        self._write(
            actor,
            lambda c: reference.register_edition(c, actor, edition),
            lambda c: scope.authorize(c, actor, "manage_editions"),
        )

    def local_standards(self) -> tuple[LocalStandard, ...]:
        """The local standards in force (each with its effective period)."""
        with self.read() as conn:
            return standards.in_force(conn)

    def local_standard_history(self) -> pd.DataFrame:
        """Every local standard ever set, superseded ones included."""
        with self.read() as conn:
            return standards.history(conn)

    def set_local_standard(
        self, actor: str, std: LocalStandard, edition: Edition, tree: RegionTree | None = None
    ) -> list[Problem]:
        """Set a local standard (checked; supersedes what it overlaps). Returns warnings."""
        tree = tree or self.region_tree()
        return self._write(
            actor,
            lambda c: standards.set_standard(c, actor, std, edition, tree),
            lambda c: scope.authorize(c, actor, "set_standard", std.jurisdiction_code),
        )

    def set_deadline(self, actor: str, period: int, deadline: datetime) -> None:
        """Set the reporting deadline of a period (naive = UTC)."""
        self._write(
            actor,
            lambda c: reference.set_deadline(c, actor, period, deadline),
            lambda c: scope.deadline(c, actor),
        )

    def deadline(self, period: int) -> datetime | None:
        """The stored reporting deadline of a period, or None."""
        with self.read() as conn:
            return reference.get_deadline(conn, period)

    # -- submissions ------------------------------------------------------------------------
    def import_upload(
        self, actor: str, data: bytes, filename: str, result: UploadResultLike, *, now: datetime | None = None
    ) -> ImportOutcome:
        """Store a validated upload as new submission version(s); see :mod:`.submissions`."""
        return self._write(
            actor,
            lambda c: import_upload(c, actor, data, filename, result, now=now),
            lambda c: scope.authorize_upload(c, actor, result),
        )

    def review(
        self,
        actor: str,
        submission_id: int,
        decision: str,
        comment: str = "",
        reason_code: str | None = None,
        *,
        now: datetime | None = None,
    ) -> Submission:
        """Approve or return a pending submission (return needs a comment; evaluators of its region)."""
        if decision not in ("approve", "return"):
            raise refuse("bad_decision", decision=decision)
        return self._write(
            actor,
            lambda c: workflow.decide(c, actor, submission_id, decision, comment, reason_code, now=now),
            lambda c: scope.submission(c, actor, submission_id, "review"),
        )

    def reopen(
        self, actor: str, submission_id: int, comment: str, *, now: datetime | None = None
    ) -> Submission:
        """Put an approved or returned latest version back to pending (comment required)."""
        return self._write(
            actor,
            lambda c: workflow.decide(c, actor, submission_id, "reopen", comment, now=now),
            lambda c: scope.submission(c, actor, submission_id, "review"),
        )

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
        """The uploaded file's name and exact bytes."""
        with self.read() as conn:
            scope.submission(conn, actor, submission_id)
            return queries.original_file(conn, submission_id)

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
    ) -> pd.DataFrame:
        """Who reported for ``period``, who was late, who is missing, who never reported (the actor's
        regions only; ``jurisdiction`` defaults to a scoped actor's scope)."""
        with self.read() as conn:
            return scope.completeness(conn, actor, period, deadline, regions, jurisdiction)

    # -- audit ------------------------------------------------------------------------------
    def audit(
        self,
        actor: str,
        action: str,
        object_type: str,
        object_id: object,
        details: Mapping[str, Any] | None = None,
        *,
        region_code: str | None = None,
    ) -> None:
        """Append one audit event (for events of other modules: sign-in, export...). Any actor name."""
        event = audit.event(actor, action, object_type, object_id, region_code=region_code, details=details)
        self._write(None, lambda c: audit.record(c, [event]))

    def audit_log(self, **filters: Any) -> pd.DataFrame:
        """Audit events, oldest first; filters: actor, action, object_type, object_id, region_code,
        since, limit."""
        with self.read() as conn:
            return audit.read(conn, **filters)

    # -- access (issue 6) ---------------------------------------------------------------------
    def authorize(self, actor: str, action: str, region_code: str | None = None) -> User:
        """The acting user when it may do ``action`` (on ``region_code``), else AccessDenied: for
        work done outside the store (templates, exports); then record it with :meth:`audit`."""
        with self.read() as conn:
            return scope.authorize(conn, actor, action, region_code)

    def visible_regions(self, actor: str) -> set[str]:
        """The codes of the regions ``actor`` may see."""
        with self.read() as conn:
            return scope.visible_regions(conn, actor)


def open_store(url: str | None = None) -> Store:
    """Open (and migrate) the store at ``url`` or ``$ASSESSMENT_DB_URL``."""
    return Store(url)


__all__: Sequence[str] = ["Store", "StoreError", "open_store"]
