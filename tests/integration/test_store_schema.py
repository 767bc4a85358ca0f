"""Engine, URL and migrations: the migrated schema equals the metadata; SQLite settings; bad URLs."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from assessment.store import Store, StoreError
from assessment.store import engine as store_engine
from assessment.store.schema import metadata

ROOT = Path(__file__).resolve().parents[2]


def test_migrated_schema_equals_the_metadata(store_url: str) -> None:
    with Store(store_url) as store, store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        assert diffs == []
        assert store_engine.current_revision(store.engine) == store_engine.head_revision()
        assert set(sa.inspect(conn).get_table_names()) >= set(metadata.tables)
        assert conn.execute(sa.text("SELECT role FROM users WHERE username = 'system'")).scalar() == "admin"


def test_opening_twice_does_not_migrate_again(store_url: str) -> None:
    Store(store_url).close()
    with Store(store_url) as again:
        assert store_engine.current_revision(again.engine) == store_engine.head_revision()


def test_downgrade_and_upgrade_again(store_url: str) -> None:
    with Store(store_url) as store, store.engine.connect() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(store_engine.MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
        assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        command.upgrade(cfg, "head")
        assert set(sa.inspect(conn).get_table_names()) >= set(metadata.tables)


def test_alembic_ini_points_at_the_migrations() -> None:
    cfg = Config(str(ROOT / "alembic.ini"))
    assert Path(cfg.get_main_option("script_location")).resolve() == store_engine.MIGRATIONS


def test_sqlite_settings(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'a.db'}") as store, store.engine.connect() as conn:
        pragma = {
            p: conn.exec_driver_sql(f"PRAGMA {p}").scalar()
            for p in ("journal_mode", "foreign_keys", "busy_timeout")
        }
        assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 15000}


def test_sqlite_write_transactions_take_the_lock_at_begin(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    with Store(f"sqlite:///{path}") as store, store.engine.begin():  # no statement yet
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_sqlite_reads_do_not_block_a_writer(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'a.db'}") as store, store.read() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM users").scalar()
        start = time.perf_counter()
        store.set_setting("system", "k", "v")  # a writer gets through while the read is open (WAL)
        assert time.perf_counter() - start < 2


def test_default_url_is_a_sqlite_file_under_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASSESSMENT_DB_URL", raising=False)
    url = store_engine.resolve_url()
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database) == ROOT / "data" / "assessment.db"


@pytest.mark.parametrize(
    ("raw", "driver", "database"),
    [
        ("postgresql://u@h:5432/db", "postgresql+psycopg", "db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg", "db"),
        ("sqlite:///data/other.db", "sqlite", str(ROOT / "data" / "other.db")),
        ("sqlite:////tmp/x.db", "sqlite", "/tmp/x.db"),
    ],
)
def test_url_resolution(monkeypatch: pytest.MonkeyPatch, raw: str, driver: str, database: str) -> None:
    monkeypatch.setenv("ASSESSMENT_DB_URL", raw)
    url = store_engine.resolve_url()
    assert (url.drivername, url.database) == (driver, database)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("not a url", "store.bad_url"),
        ("mysql://u@h/db", "store.unsupported_backend"),
        ("postgresql+psycopg://nobody:secret@127.0.0.1:1/none", "store.db_unreachable"),
    ],
)
def test_bad_urls_give_a_clear_message(url: str, code: str) -> None:
    with pytest.raises(StoreError) as err:
        Store(url)
    assert err.value.code == code
    assert "secret" not in str(err.value)
    assert "127.0.0.1" not in str(err.value) and "mysql" not in str(err.value)  # never the URL itself
    # a configuration mistake names the variable to check; a server that does not answer, what to do
    hint = "Try again in a few minutes" if code == "store.db_unreachable" else "ASSESSMENT_DB_URL"
    assert hint in err.value.messages("en")


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError) as err:
        Store(f"sqlite:///{path}")
    assert err.value.code == "store.db_unreachable"
    assert "notes.db" not in str(err.value)  # the path goes to the log only (issue 15 point 12)
    assert "not this program's database" in str(err.value)


def test_in_memory_sqlite_is_one_shared_database() -> None:
    with Store("sqlite://") as store:
        store.set_setting("system", "k", "v")
        assert store.setting("k") == "v" and store.get_user("system") is not None


def test_migration_0007_clears_locks_and_makes_identities_canonical(store_url: str) -> None:
    """Issue 15 points 5 and 9: an old lock is cleared (the columns are retired), a stored bare
    e-mail becomes ``email:`` with its domain in lower case, a bare subject is left as it is (it no
    longer matches: it has no issuer), and a downgrade gives the bare e-mail back."""
    from assessment.auth import signin

    with Store(store_url) as store, store.engine.connect() as conn:
        cfg = Config()
        cfg.set_main_option("script_location", str(store_engine.MIGRATIONS))
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0007-1")  # just before 0007
        rows = [("m1", "Li@Example.GOV.cn", 3, "2030-01-01 00:00:00"), ("m2", "bare-sub", 0, None)]
        for name, identity, failures, until in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO users (username, display_name, role, external_identity, disabled, "
                    "failed_attempts, locked_until, created_at) VALUES "
                    "(:n, :n, 'admin', :i, false, :f, :u, '2025-01-01 00:00:00')"
                ),
                {"n": name, "i": identity, "f": failures, "u": until},
            )
        conn.commit()
        command.upgrade(cfg, "head")
        got = conn.execute(
            sa.text(
                "SELECT username, external_identity, failed_attempts, locked_until FROM users "
                "WHERE username IN ('m1', 'm2') ORDER BY username"
            )
        ).all()
        assert [tuple(r) for r in got] == [
            ("m1", "email:Li@example.gov.cn", 0, None),
            ("m2", "bare-sub", 0, None),
        ]
        conn.commit()
        assert signin.identity_user(store, "email:Li@example.gov.cn").username == "m1"
        assert signin.claim_identities({"iss": "https://x", "sub": "bare-sub"}) == ["https://x bare-sub"]
        assert signin.identity_user(store, "https://x bare-sub") is None
        command.downgrade(cfg, "0006")  # through 0007's downgrade (and any later one)
        assert conn.execute(
            sa.text("SELECT external_identity FROM users WHERE username = 'm1'")
        ).scalar() == ("Li@example.gov.cn")
        command.upgrade(cfg, "head")
