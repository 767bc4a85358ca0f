"""Database URL, engine and migrations (platform notes section 5).

* ``ASSESSMENT_DB_URL`` chooses the database; the default is ``sqlite:///<repo>/data/assessment.db``
  (the folder is created). ``postgresql://`` is read as ``postgresql+psycopg://`` (psycopg 3).
* SQLite: every connection gets ``journal_mode=WAL``, ``foreign_keys=ON``, ``busy_timeout=15000``
  and ``synchronous=NORMAL``. Transactions start with ``BEGIN IMMEDIATE`` (the write lock is taken at
  once, so two writers queue on the busy timeout instead of failing with "database is locked");
  read-only work asks for ``BEGIN DEFERRED`` with ``conn.execution_options(sqlite_begin="DEFERRED")``.
* :func:`migrate` runs ``alembic upgrade head`` in one transaction that holds the SQLite write lock
  or a PostgreSQL advisory lock, so processes opening a fresh database together do not race.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from assessment.store.errors import storage_failure

ENV_VAR = "ASSESSMENT_DB_URL"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE = REPO_ROOT / "data" / "assessment.db"
MIGRATIONS = Path(__file__).resolve().with_name("migrations")
BUSY_TIMEOUT_MS = 15000
MIGRATION_LOCK_KEY = 4_202_611  # pg_advisory_xact_lock key for migrations


def resolve_url(url: str | None = None) -> URL:
    """The database URL: ``url``, else ``$ASSESSMENT_DB_URL``, else the SQLite file under data/.

    A relative SQLite path is taken from the repository root. Raises StorageFailure for a malformed
    URL (the message does not repeat it; the log does, without the password).
    """
    raw = url or os.environ.get(ENV_VAR) or f"sqlite:///{DEFAULT_SQLITE}"
    try:
        parsed = make_url(raw)
    except ArgumentError as err:
        raise storage_failure(err, "bad_url", database=_redact(raw)) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database)
        if not path.is_absolute():
            path = REPO_ROOT / path
        parsed = parsed.set(database=str(path))
    return parsed


def _redact(raw: str) -> str:
    try:
        return make_url(raw).render_as_string(hide_password=True)
    except ArgumentError:
        return raw.split("@")[-1]


def redacted(url: URL) -> str:
    """The URL for messages: the password hidden."""
    return url.render_as_string(hide_password=True)


def make_engine(url: URL) -> Engine:
    """An engine for ``url`` with the SQLite settings above; PostgreSQL gets a 5 s connect timeout."""
    backend = url.get_backend_name()
    kwargs: dict = {"future": True}
    if backend == "sqlite":
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        if url.database in (None, "", ":memory:"):  # one shared in-memory database (tests, demos)
            kwargs["poolclass"] = sa.pool.StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
        else:
            try:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as err:  # a folder that cannot be created: the message names no path
                raise storage_failure(err, "db_unreachable", database=redacted(url)) from None
    elif backend == "postgresql":
        if "connect_timeout" not in url.query:
            kwargs["connect_args"] = {"connect_timeout": 5}
        kwargs["pool_pre_ping"] = True
    else:
        raise storage_failure(
            ValueError(f"unsupported backend {backend}"), "unsupported_backend", database=redacted(url)
        )
    try:
        engine = sa.create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as err:
        raise storage_failure(err, "bad_url", database=redacted(url)) from None
    if backend == "sqlite":
        _sqlite_hooks(engine)
    return engine


def _sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # let the "begin" hook below emit BEGIN itself
        cur = dbapi_conn.cursor()
        for pragma in (
            "journal_mode=WAL",
            "foreign_keys=ON",
            f"busy_timeout={BUSY_TIMEOUT_MS}",
            "synchronous=NORMAL",
        ):
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (``alembic upgrade head``), under a lock."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        if conn.in_transaction():  # pragma: no cover - env.py commits; be safe on odd drivers
            conn.commit()


def head_revision() -> str:
    """The newest migration's revision id."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="DEFERRED")
        return MigrationContext.configure(conn).get_current_revision()
