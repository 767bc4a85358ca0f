"""How driver errors become plain messages (issue 15 point 12): the cause is recognised from the
driver's text or SQLSTATE; the message never carries that text; the log does, under the reference."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from assessment.store.errors import FAILURE_LOGGER, failure_cause, storage_failure


class _PgError(Exception):
    def __init__(self, text: str, sqlstate: str) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate


def _wrapped(orig: Exception, kind: type = OperationalError) -> Exception:
    return kind("INSERT INTO users VALUES (?)", ("secret-param",), orig)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("err", "cause"),
    [
        (_wrapped(sqlite3.OperationalError("database or disk is full")), "disk_full"),
        (_wrapped(sqlite3.OperationalError("attempt to write a readonly database")), "read_only"),
        (_wrapped(sqlite3.OperationalError("database is locked")), "locked"),
        (_wrapped(sqlite3.OperationalError("unable to open database file")), "unreachable"),
        (_wrapped(sqlite3.DatabaseError("file is not a database")), "not_a_database"),
        (_wrapped(_PgError('could not extend file "base/1/2": No space left', "53100")), "disk_full"),
        (_wrapped(_PgError("deadlock detected", "40P01")), "locked"),
        (_wrapped(_PgError('connection to server at "db" failed', "08006")), "unreachable"),
        (_wrapped(_PgError("cannot execute INSERT in a read-only transaction", "25006")), "read_only"),
        (
            _wrapped(sqlite3.IntegrityError("UNIQUE constraint failed: users.username"), IntegrityError),
            "conflict",
        ),
        (_wrapped(sqlite3.OperationalError("something new")), "other"),
    ],
)
def test_cause_and_plain_message(err: Exception, cause: str, caplog: pytest.LogCaptureFixture) -> None:
    assert failure_cause(err) == cause
    caplog.set_level(logging.ERROR, FAILURE_LOGGER)
    failure = storage_failure(err, database="postgresql+psycopg://u@db.internal:5432/prod")
    assert failure.cause == cause
    assert failure.code == ("store.db_conflict" if cause == "conflict" else "store.db_error")
    orig_text = str(err.orig)  # type: ignore[attr-defined]
    for lang in ("zh", "en"):
        text = failure.messages(lang)
        assert failure.reference in text
        for word in (orig_text, "db.internal", "://", "secret-param", "INSERT", "Error"):
            assert word not in text
    (record,) = [r.getMessage() for r in caplog.records if r.name == FAILURE_LOGGER]
    assert failure.reference in record and orig_text.split(":")[0] in record and "db.internal" in record
    assert "secret-param" not in record  # the statement's values stay out of the log too


def test_references_differ() -> None:
    err = _wrapped(sqlite3.OperationalError("database is locked"))
    assert len({storage_failure(err).reference for _ in range(50)}) == 50
