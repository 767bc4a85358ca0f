"""Database failures reach users as a plain message and a reference, never the URL, a path or the
driver's text; the log has the details under the same reference (issue 15 point 12).

Simulated: a PostgreSQL port where nothing listens, a SQLite path that cannot be opened, a read-only
database (SQLite ``mode=ro``, PostgreSQL ``default_transaction_read_only``) and a full disk (SQLite
``PRAGMA max_page_count`` on a real file).
"""

from __future__ import annotations

import logging
import re
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessment.cli import main
from assessment.domain.i18n import t
from assessment.store import Store
from assessment.store.errors import FAILURE_LOGGER, StorageFailure
from tests.fixtures import prepare

CLOSED_PORT = "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/assessment"
FORBIDDEN = (
    "sqlite",
    "postgresql",
    "psycopg",
    "://",
    "OperationalError",
    "DatabaseError",
    "Traceback",
    "127.0.0.1",
    "s3cret",
)


def _assert_plain(failure: StorageFailure, *secrets: str) -> None:
    """Both languages: no URL, path or driver text; the reference in each."""
    assert re.fullmatch(r"[0-9a-f]{8}", failure.reference)
    for lang in ("zh", "en"):
        text = failure.messages(lang)
        assert failure.reference in text
        for word in (*FORBIDDEN, *secrets):
            assert word.lower() not in text.lower(), (word, text)


def _logged(caplog: pytest.LogCaptureFixture, reference: str) -> str:
    records = [
        r.getMessage() for r in caplog.records if r.name == FAILURE_LOGGER and reference in r.getMessage()
    ]
    assert len(records) == 1, [r.getMessage() for r in caplog.records]
    return records[0]


def test_postgresql_server_down(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, FAILURE_LOGGER)
    with pytest.raises(StorageFailure) as err:
        Store(CLOSED_PORT)
    failure = err.value
    assert failure.code == "store.db_unreachable" and failure.cause == "unreachable"
    _assert_plain(failure)
    assert t("store.cause.unreachable", "en") in failure.messages("en")
    detail = _logged(caplog, failure.reference)
    assert "127.0.0.1:1" in detail and "s3cret" not in detail  # the URL, without its password


@pytest.mark.parametrize("kind", ["parent_is_a_file", "file_is_a_folder"])
def test_sqlite_path_that_cannot_be_opened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    # the tests run as root, where chmod 0444 does not stop a write: paths that cannot be a database
    blocker = tmp_path / "hidden_folder"
    if kind == "parent_is_a_file":
        blocker.write_text("not a folder")
        path = blocker / "assessment.db"
    else:
        blocker.mkdir()
        path = blocker
    caplog.set_level(logging.ERROR, FAILURE_LOGGER)
    with pytest.raises(StorageFailure) as err:
        Store(f"sqlite:///{path}")
    assert err.value.code == "store.db_unreachable"
    _assert_plain(err.value, str(tmp_path), "hidden_folder")
    assert str(path) in _logged(caplog, err.value.reference)


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "assessment.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StorageFailure) as err:
        Store(f"sqlite:///{path}")
    assert err.value.cause == "not_a_database"
    _assert_plain(err.value, str(tmp_path))
    assert t("store.cause.not_a_database", "zh") in err.value.messages("zh")


def _read_only(url: str) -> Store:
    """A store on ``url`` whose connections may only read (a read-only file or account)."""
    store = Store(url)
    store.engine.dispose()
    sqlite = url.startswith("sqlite")

    @sa.event.listens_for(store.engine, "connect")
    def _only_read(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        sql = "PRAGMA query_only=ON" if sqlite else "SET default_transaction_read_only = on"
        dbapi_conn.execute(sql)
        if not sqlite:
            dbapi_conn.commit()

    return store


def test_read_only_database_refuses_writes_plainly(store_url: str, caplog: pytest.LogCaptureFixture) -> None:
    prepare(Store(store_url)).close()
    caplog.set_level(logging.ERROR, FAILURE_LOGGER)
    with _read_only(store_url) as store:
        assert store.get_user("admin1") is not None  # reading still works
        with pytest.raises(StorageFailure) as err:
            store.add_user("system", "newcomer", "New", "official", "990101")
    failure = err.value
    assert failure.code == "store.db_error" and failure.cause == "read_only"
    folder = str(Path(store_url.removeprefix("sqlite:///")).parent) if "sqlite" in store_url else "5432"
    _assert_plain(failure, folder)
    assert t("store.cause.read_only", "en") in failure.messages("en")
    assert _logged(caplog, failure.reference)
    with Store(store_url) as store:
        assert store.get_user("newcomer") is None


def _full_disk(path: Path) -> Store:
    """A store on ``path`` whose connections may not grow the file (as on a full disk)."""
    conn = sqlite3.connect(path)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    store = Store(f"sqlite:///{path}")
    store.engine.dispose()

    @sa.event.listens_for(store.engine, "connect")
    def _limit(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    return store


def test_disk_full_on_sqlite(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "assessment.db"
    prepare(Store(f"sqlite:///{path}")).close()
    caplog.set_level(logging.ERROR, FAILURE_LOGGER)
    store = _full_disk(path)
    with pytest.raises(StorageFailure) as err:
        for i in range(500):  # fills the few free pages, then the file may not grow
            store.add_user("system", f"user{i:03d}", "x" * 2000, "official", "990101")
    store.close()
    failure = err.value
    assert failure.code == "store.db_error" and failure.cause == "disk_full"
    _assert_plain(failure, str(tmp_path))
    assert t("store.cause.disk_full", "zh") in failure.messages("zh")
    assert "database or disk is full" in _logged(caplog, failure.reference)


# -- the command line ------------------------------------------------------------------------------
def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out + err


def test_cli_prints_the_plain_message_and_the_reference(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSESSMENT_DB_URL", CLOSED_PORT)
    code, text = _cli(capsys, "users", "list")
    assert code == 1
    for word in FORBIDDEN:
        assert word not in text, (word, text)
    assert re.search(r"[0-9a-f]{8}", text) and "--debug" in text
    code, text = _cli(capsys, "--debug", "users", "list")  # the operator asked for the details
    assert code == 1 and "Connection refused" in text and "s3cret" not in text


def test_cli_write_on_a_full_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "assessment.db"
    prepare(Store(f"sqlite:///{path}")).close()
    full = _full_disk(path)
    monkeypatch.setattr("assessment.store.Store", lambda *a, **k: full)
    monkeypatch.setenv("ASSESSMENT_DB_URL", f"sqlite:///{path}")
    for i in range(500):
        code, text = _cli(
            capsys,
            "users",
            "add",
            f"u{i:03d}",
            "--role",
            "official",
            "--scope",
            "990101",
            "--no-password",
            "--display-name",
            "x" * 2000,
        )
        if code:
            break
    assert code == 1 and t("store.cause.disk_full", "en") in text
    for word in (*FORBIDDEN, str(tmp_path)):
        assert word not in text, (word, text)
