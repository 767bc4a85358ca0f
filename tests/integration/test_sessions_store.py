"""Server-side sign-in sessions (issue 15.1) on a real SQLite file and a real PostgreSQL server:
bind, resolve, idle and age limits, sign-out, disabling and new passwords end sessions, only the
token's hash is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from assessment.auth import accounts, sessions
from assessment.auth.signin import IDLE_TIMEOUT
from assessment.store import Store
from assessment.store.schema import user_sessions
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _user(store: Store, name: str):  # type: ignore[no-untyped-def]
    user = store.get_user(name)
    assert user is not None
    return user


def test_a_bound_token_resolves_to_its_user_and_nothing_else_does(store: Store) -> None:
    token = sessions.new_token()
    sessions.bind(store, token, _user(store, EVALUATOR), "password", now=T0)
    got = sessions.resolve(store, token, now=T0 + timedelta(minutes=1))
    assert got.user is not None and got.user.username == EVALUATOR and got.method == "password"
    for other in (sessions.new_token(), None, "", "short", token[:-1] + ("A" if token[-1] != "A" else "B")):
        assert sessions.resolve(store, other, now=T0).user is None


def test_only_the_hash_of_the_token_is_stored(store: Store) -> None:
    token = sessions.new_token()
    sessions.bind(store, token, _user(store, OFFICIAL), "demo", now=T0)
    with store.read() as conn:
        rows = conn.execute(sa.select(user_sessions)).mappings().all()
    assert len(rows) == 1 and token not in str(dict(rows[0])) and len(rows[0]["token_hash"]) == 64


def test_activity_keeps_a_session_alive_and_idleness_ends_it(store: Store) -> None:
    token = sessions.new_token()
    sessions.bind(store, token, _user(store, OFFICIAL), "password", now=T0)
    t = T0
    for _ in range(6):  # three hours of a click every 29 minutes
        t += IDLE_TIMEOUT - timedelta(minutes=1)
        assert sessions.resolve(store, token, now=t).user is not None
    ended = sessions.resolve(store, token, now=t + IDLE_TIMEOUT)
    assert ended.user is None and ended.expired
    assert sessions.resolve(store, token, now=t + IDLE_TIMEOUT).expired is False  # gone, said once
    assert store.audit_log(actor=OFFICIAL)["action"].tolist()[-1] == "session_expired"


def test_a_session_ends_after_its_maximum_age(store: Store) -> None:
    token = sessions.new_token()
    sessions.bind(store, token, _user(store, OFFICIAL), "password", now=T0)
    t = T0
    while t + IDLE_TIMEOUT / 2 < T0 + sessions.MAX_AGE:
        t += IDLE_TIMEOUT / 2
        assert sessions.resolve(store, token, now=t).user is not None
    assert sessions.resolve(store, token, now=T0 + sessions.MAX_AGE).user is None


def test_sign_out_ends_only_that_browser(store: Store) -> None:
    office, home = sessions.new_token(), sessions.new_token()
    sessions.bind(store, office, _user(store, OFFICIAL), "password", now=T0)
    sessions.bind(store, home, _user(store, OFFICIAL), "password", now=T0)
    assert sessions.end(store, office) == OFFICIAL
    assert sessions.resolve(store, office, now=T0).user is None
    assert sessions.resolve(store, home, now=T0).user is not None
    assert store.audit_log(actor=OFFICIAL)["action"].tolist()[-1] == "sign_out"
    assert sessions.end(store, office) is None  # twice: nothing to end


def test_disabling_an_account_or_a_new_password_ends_its_sessions(store: Store) -> None:
    a, b = sessions.new_token(), sessions.new_token()
    sessions.bind(store, a, _user(store, OFFICIAL), "password")
    sessions.bind(store, b, _user(store, EVALUATOR), "password")
    accounts.set_disabled(store, ADMIN, OFFICIAL)
    with store.read() as conn:
        left = conn.execute(sa.select(user_sessions.c.username)).scalars().all()
    assert left == [EVALUATOR]
    accounts.set_disabled(store, ADMIN, OFFICIAL, disabled=False)
    assert sessions.resolve(store, a).user is None, "re-enabling does not revive an ended session"
    accounts.set_password(store, ADMIN, EVALUATOR, "a much longer passphrase 2026")
    assert sessions.resolve(store, b).user is None


def test_a_browser_signed_in_again_belongs_to_the_new_user_only(store: Store) -> None:
    token = sessions.new_token()
    sessions.bind(store, token, _user(store, OFFICIAL), "password", now=T0)
    sessions.end(store, token)
    sessions.bind(store, token, _user(store, EVALUATOR), "password", now=T0)
    got = sessions.resolve(store, token, now=T0)
    assert got.user is not None and got.user.username == EVALUATOR
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(user_sessions)).scalar_one() == 1


def test_token_of_prefers_the_https_cookie_and_ignores_malformed_values() -> None:
    good, other = sessions.new_token(), sessions.new_token()
    assert sessions.token_of({sessions.SECURE_COOKIE: good, sessions.COOKIE: other}) == good
    assert sessions.token_of({sessions.COOKIE: other}) == other
    assert sessions.token_of({sessions.COOKIE: "x' OR 1=1 --"}) is None
    assert sessions.token_of(None) is None
