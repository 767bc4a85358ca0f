"""Alembic environment for the store.

Run by :func:`assessment.store.engine.migrate` (which passes its own connection in
``config.attributes["connection"]``) or by hand from the repository root with ``alembic upgrade head``
(the URL then comes from ``ASSESSMENT_DB_URL``, as for the app). The whole upgrade runs in one
transaction that holds the SQLite write lock (``BEGIN IMMEDIATE``) or a PostgreSQL advisory lock.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from assessment.store.engine import MIGRATION_LOCK_KEY, make_engine, resolve_url
from assessment.store.schema import metadata

config = context.config


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(resolve_url())
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():  # pragma: no cover
    raise SystemExit("offline (SQL script) mode is not supported: run against a database")
run_migrations_online()
