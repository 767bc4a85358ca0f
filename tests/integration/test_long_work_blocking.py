"""Long work in one session does not hold up other users' page runs (issue 20 point 7).

Every page run resolves the browser's session and, at most once a minute, writes its last
activity. On SQLite a batch import holds the database's write lock for its whole transaction
(seconds at national scale), and that write used to queue behind it for up to 15 s: every other
user's page waited. Now it gives up after ``TOUCH_WAIT_MS`` and a later run writes it. Report
generation and the snapshot rebuild only read (tests/integration/test_snapshots_rebuild.py shows a
write getting through while the rebuild reads; here while a report is built). The figures with
national data are printed by ``bench/bench_blocking.py``. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from assessment.auth import sessions
from assessment.reports.service import build_export, build_report
from assessment.store import Store, users
from assessment.store.schema import user_sessions
from assessment.store.users import User
from tests.fixtures import EVALUATOR, OFFICIAL, batch, frame

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _user(store: Store, name: str) -> User:
    with store.read() as conn:
        user = users.get(conn, name)
    assert user is not None
    return user


def _last_seen(store: Store, token: str) -> datetime:
    with store.read() as conn:
        value = conn.execute(
            sa.select(user_sessions.c.last_seen).where(user_sessions.c.token_hash == sessions._hash(token))
        ).scalar_one()
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_a_page_run_does_not_wait_for_another_sessions_write_lock(store: Store) -> None:
    token = sessions.new_token()
    sessions.bind(store, token, _user(store, EVALUATOR), "password", now=T0)
    later = T0 + sessions.TOUCH_EVERY + timedelta(seconds=1)  # the last activity is due to be written
    with store.engine.connect() as other:
        tx = other.begin()  # SQLite: BEGIN IMMEDIATE, the write lock, as an import holds it
        if store.dialect == "postgresql":  # the row the touch updates, locked by another transaction
            # (ended by the server after 20 s idle: were the touch to wait, it would then go through
            # and the assertion below fail, instead of the test hanging)
            other.exec_driver_sql("SET LOCAL idle_in_transaction_session_timeout = '20s'")
            other.execute(
                sa.select(user_sessions.c.token_hash)
                .where(user_sessions.c.token_hash == sessions._hash(token))
                .with_for_update()
            )
        resolved = sessions.resolve(store, token, now=later)  # would wait 15 s, then fail
        tx.rollback()
    assert resolved.user is not None and resolved.user.username == EVALUATOR
    assert _last_seen(store, token) == T0  # not written while the lock was held...
    assert sessions.resolve(store, token, now=later).user is not None
    assert _last_seen(store, token) == later  # ...and written by the next run


def test_other_users_write_while_a_report_is_built(store: Store) -> None:
    frames = [frame({"S01.1": (90.0, None, None)}, c, 2024) for c in ("990101", "990102", "990103")]
    data, result = batch(frames)
    for item in store.import_upload(OFFICIAL, data, "batch.csv", result).items:
        store.review(EVALUATOR, item.id, "approve")
    token = sessions.new_token()
    sessions.bind(store, token, _user(store, OFFICIAL), "password", now=T0)
    seen: list[str] = []
    moment = [T0]

    def progress(fraction: float, step: str) -> None:
        if step in ("progress.report.values", "progress.report.scoring", "progress.report.writing"):
            moment[0] += sessions.TOUCH_EVERY  # another user's page run, with its write, meanwhile
            assert sessions.resolve(store, token, now=moment[0]).user is not None
            store.audit(OFFICIAL, "probe", "test", step)
            seen.append(step)

    build_report(store, EVALUATOR, "evaluation", "990000", 2024, progress=progress)
    build_export(store, EVALUATOR, "scores", "990000", progress=progress)
    assert seen == [
        "progress.report.values",
        "progress.report.scoring",
        "progress.report.values",
        "progress.report.scoring",
        "progress.report.writing",
    ]
    assert _last_seen(store, token) == moment[0]  # every one of those runs wrote its activity
