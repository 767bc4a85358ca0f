"""The :class:`Store`: one object the pages, the command line and the tests call.

Every call that reads or changes region data takes the acting user's username first and checks, in
the same transaction, that the user exists, is enabled and may do this for these regions
(:mod:`assessment.domain.access`, applied by :mod:`.scope`); writes record their audit events in that
transaction too. Reads are limited to the actor's regions; asking for a region or a submission
outside them is refused with a message that reveals nothing about it.
Database failures (unreachable server, a file that is not a database, a lock held too long) come out
as :class:`StoreError` with a message in Chinese and English, never as a driver traceback.

This module holds the plumbing (engine, migrations, transactions, retries); the methods come from
:class:`~assessment.store.service_reads.StoreReads` (everything that reads) and
:class:`~assessment.store.service_writes.StoreWrites` (everything that changes data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from alembic.util.exc import CommandError
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from assessment.store import engine, users
from assessment.store.errors import StorageFailure, StoreError, storage_failure
from assessment.store.service_actions import StoreActions
from assessment.store.service_conversation import StoreConversation
from assessment.store.service_deadlines import StoreDeadlines
from assessment.store.service_peers import StorePeers
from assessment.store.service_reads import StoreReads
from assessment.store.service_users_admin import StoreUsersAdmin
from assessment.store.service_writes import StoreWrites

T = TypeVar("T")
RETRIES = 3
# What the database raises when it fails: turned into a StorageFailure. Opening it, the file
# system too (a SQLite file or folder that cannot be created or read).
STORAGE_ERRORS = (DBAPIError, PoolTimeout)
OPEN_ERRORS = (*STORAGE_ERRORS, OSError)


class Store(
    StoreReads, StoreWrites, StoreConversation, StoreDeadlines, StorePeers, StoreUsersAdmin, StoreActions
):
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
        except OPEN_ERRORS as err:
            self.engine.dispose()
            raise self._db_error(err, "db_unreachable") from None
        except CommandError as err:
            self.engine.dispose()
            raise self._db_error(err, "db_unknown_revision") from None

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

    def _db_error(self, err: BaseException, key: str = "db_error") -> StorageFailure:
        """The plain message with a reference; the URL and the driver's text go to the log only."""
        return storage_failure(err, key, database=engine.redacted(self.url))

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (``BEGIN DEFERRED`` on SQLite: it does not block writers)."""
        try:
            with self.engine.connect() as conn:
                conn.execution_options(sqlite_begin="DEFERRED")
                with conn.begin():
                    yield conn
        except STORAGE_ERRORS as err:
            raise self._db_error(err) from None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction for other modules' tables (``BEGIN IMMEDIATE`` on SQLite).

        Write the audit event in it too (:func:`assessment.store.audit.record`).
        """
        try:
            with self.engine.begin() as conn:
                yield conn
        except STORAGE_ERRORS as err:
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
            except STORAGE_ERRORS as err:
                raise self._db_error(err) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _check_actor(self, actor: str) -> None:
        with self.read() as conn:
            users.require(conn, actor)


def open_store(url: str | None = None) -> Store:
    """Open (and migrate) the store at ``url`` or ``$ASSESSMENT_DB_URL``."""
    return Store(url)


__all__: Sequence[str] = ["Store", "StoreError", "open_store"]
