"""Database fixtures of the integration tests.

* ``store_url``: a fresh database per test, once on SQLite (a real file in tmp_path) and once on
  PostgreSQL (a fresh schema on ``$ASSESSMENT_TEST_PG_URL``, dropped afterwards; marked
  ``postgres``; skipped with the reason when no server answers, failed instead when
  ``ASSESSMENT_REQUIRE_PG=1``, as in CI).
* ``store``: a :class:`Store` on that database with the small storage tree and three users
  (``tests.fixtures.prepare``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from assessment.store import Store
from tests.fixtures import PG_URL, pg_schema_url, prepare, use_fast_hashing


def _pg_reachable() -> str | None:
    try:
        eng = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        eng.dispose()
        return None
    except Exception as err:  # any failure means "no server here"
        return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


@pytest.fixture(scope="session")
def pg_admin_engine() -> Iterator[sa.Engine]:
    reason = _pg_reachable()
    if reason:
        msg = f"PostgreSQL not reachable at {PG_URL} ({reason}); set ASSESSMENT_TEST_PG_URL"
        if os.environ.get("ASSESSMENT_REQUIRE_PG") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    eng = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL to a fresh, empty database: SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin = request.getfixturevalue("pg_admin_engine")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated store with the small region tree and users official1, evaluator1, admin1."""
    st = prepare(Store(store_url))
    yield st
    st.close()


@pytest.fixture
def db(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty database (SQLite file or PostgreSQL schema) pointed to by ASSESSMENT_DB_URL, for the
    command-line tests; passwords hashed fast."""
    monkeypatch.setenv("ASSESSMENT_DB_URL", store_url)
    monkeypatch.delenv("ASSESSMENT_USER", raising=False)
    use_fast_hashing(monkeypatch)
    return store_url
