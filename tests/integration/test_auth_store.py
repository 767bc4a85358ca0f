"""Sign-in (issue 6 items 2-5): passwords, lockout, single sign-on mapping, demo accounts, and the
audit trail of each, on a real database (SQLite file and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from assessment.auth import signin as auth
from assessment.auth.accounts import create_account, set_disabled, set_password
from assessment.auth.signin import (
    DEMO_ACCOUNTS,
    LOCKOUT,
    MAX_ATTEMPTS,
    AuthError,
    authenticate,
    demo_active,
    demo_sign_in,
    identity_user,
    seed_demo_accounts,
    sso_sign_in,
)
from assessment.domain.access import AccessDenied
from assessment.store import Store, StoreError
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, count_rows, use_fast_hashing

PASSWORD = "correct horse battery"
T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap Argon2 parameters in tests (one test below checks the real ones and the upgrade)."""
    use_fast_hashing(monkeypatch)


@pytest.fixture
def accounts(store: Store) -> Iterator[Store]:
    """The store with passwords for official1 and evaluator1."""
    set_password(store, ADMIN, OFFICIAL, PASSWORD)
    set_password(store, ADMIN, EVALUATOR, PASSWORD + "!")
    yield store


def test_real_parameters_and_rehash_on_sign_in(accounts: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hash made with weaker parameters is upgraded to the current ones at the next sign-in."""
    monkeypatch.setattr(auth, "HASHER", PasswordHasher())  # the production parameters
    assert PasswordHasher().check_needs_rehash(accounts.get_user(OFFICIAL).password_hash)
    authenticate(accounts, OFFICIAL, PASSWORD, T0)
    new_hash = accounts.get_user(OFFICIAL).password_hash
    assert "m=65536,t=3,p=4" in new_hash and not PasswordHasher().check_needs_rehash(new_hash)
    assert authenticate(accounts, OFFICIAL, PASSWORD, T0).username == OFFICIAL


def test_password_changes_need_a_user_manager(accounts: Store) -> None:
    with pytest.raises(AccessDenied):
        set_password(accounts, EVALUATOR, OFFICIAL, "a brand new phrase")
    with pytest.raises(AccessDenied):
        set_disabled(accounts, OFFICIAL, EVALUATOR)
    with pytest.raises(StoreError) as err:
        set_password(accounts, ADMIN, "system", "a brand new phrase")
    assert err.value.code == "auth.system_no_password"
    log = accounts.audit_log(action="user.password")
    assert log["object_id"].tolist() == [OFFICIAL, EVALUATOR] and set(log["actor"]) == {ADMIN}


# -- signing in -------------------------------------------------------------------------------------
def test_right_password_signs_in_and_is_audited(accounts: Store) -> None:
    user = authenticate(accounts, f"  {OFFICIAL} ", PASSWORD, T0)
    assert (user.username, user.role, user.scope_region_code) == (OFFICIAL, "official", "990000")
    last = accounts.audit_log(action="sign_in").iloc[-1]
    assert (last["actor"], last["object_id"], last["details"]) == (OFFICIAL, OFFICIAL, {"method": "password"})


@pytest.mark.parametrize("username", [OFFICIAL, "nobody", "system", ADMIN])  # ADMIN has no password
def test_wrong_credentials_get_one_message_whoever_it_is(accounts: Store, username: str) -> None:
    with pytest.raises(AuthError) as err:
        authenticate(accounts, username, "wrong password!", T0)
    assert err.value.code == "auth.bad_credentials"
    text = str(err.value)
    assert username not in text and "990000" not in text
    failed = accounts.audit_log(action="sign_in_failed")
    assert failed["actor"].tolist() == [username]


def test_empty_username_fails_without_an_audit_row(accounts: Store) -> None:
    with pytest.raises(AuthError) as err:
        authenticate(accounts, "   ", PASSWORD, T0)
    assert err.value.code == "auth.bad_credentials"
    assert accounts.audit_log(action="sign_in_failed").empty


def test_lockout_after_five_failures_for_fifteen_minutes(accounts: Store) -> None:
    for i in range(MAX_ATTEMPTS - 1):
        with pytest.raises(AuthError) as err:
            authenticate(accounts, OFFICIAL, f"wrong {i}", T0 + timedelta(seconds=i))
        assert err.value.code == "auth.bad_credentials"
    assert accounts.get_user(OFFICIAL).failed_attempts == MAX_ATTEMPTS - 1
    with pytest.raises(AuthError) as err:
        authenticate(accounts, OFFICIAL, "wrong again", T0 + timedelta(seconds=10))
    assert err.value.code == "auth.locked"
    assert "15" in err.value.problems[0].message_en and "15" in err.value.problems[0].message_zh
    # even the right password is refused while locked, and the lock is not extended by trying
    with pytest.raises(AuthError) as err:
        authenticate(accounts, OFFICIAL, PASSWORD, T0 + timedelta(minutes=10, seconds=10))
    assert err.value.code == "auth.locked" and "5 minutes" in err.value.problems[0].message_en
    assert accounts.get_user(OFFICIAL).locked_until == T0 + timedelta(seconds=10) + LOCKOUT
    # another account is not affected
    assert authenticate(accounts, EVALUATOR, PASSWORD + "!", T0 + timedelta(minutes=1)).username == EVALUATOR
    # after the lockout the right password works and clears the counter
    user = authenticate(accounts, OFFICIAL, PASSWORD, T0 + timedelta(seconds=10) + LOCKOUT)
    assert (user.failed_attempts, user.locked_until) == (0, None)
    assert accounts.audit_log(action="user.locked")["object_id"].tolist() == [OFFICIAL]
    reasons = [d["reason"] for d in accounts.audit_log(action="sign_in_failed", actor=OFFICIAL)["details"]]
    assert reasons == ["password"] * MAX_ATTEMPTS + ["locked"]


def test_success_resets_the_failure_count(accounts: Store) -> None:
    for i in range(MAX_ATTEMPTS - 1):
        with pytest.raises(AuthError):
            authenticate(accounts, OFFICIAL, f"wrong {i}", T0)
    authenticate(accounts, OFFICIAL, PASSWORD, T0)
    with pytest.raises(AuthError) as err:
        authenticate(accounts, OFFICIAL, "wrong again", T0)
    assert err.value.code == "auth.bad_credentials"  # not locked: the count started again


def test_reset_password_unlocks(accounts: Store) -> None:
    for i in range(MAX_ATTEMPTS):
        with pytest.raises(AuthError):
            authenticate(accounts, OFFICIAL, f"wrong {i}", T0)
    set_password(accounts, ADMIN, OFFICIAL, "a brand new phrase")
    assert (
        authenticate(accounts, OFFICIAL, "a brand new phrase", T0 + timedelta(minutes=1)).username == OFFICIAL
    )


def test_disabled_account_is_told_only_after_the_right_password(accounts: Store) -> None:
    set_disabled(accounts, ADMIN, OFFICIAL)
    with pytest.raises(AuthError) as err:
        authenticate(accounts, OFFICIAL, "wrong password!", T0)
    assert err.value.code == "auth.bad_credentials"
    with pytest.raises(AuthError) as err:
        authenticate(accounts, OFFICIAL, PASSWORD, T0)
    assert err.value.code == "auth.disabled"
    assert accounts.audit_log(action="user.disable")["actor"].tolist() == [ADMIN]
    set_disabled(accounts, ADMIN, OFFICIAL, False)
    assert authenticate(accounts, OFFICIAL, PASSWORD, T0).username == OFFICIAL


def test_sso_maps_identity_to_the_user_record(store: Store) -> None:
    create_account(store, ADMIN, "sso.wang", "official", "990102", identity="Wang@Example.gov.cn")
    assert identity_user(store, "wang@example.gov.cn").username == "sso.wang"
    assert identity_user(store, "nobody@example.gov.cn") is None
    assert identity_user(store, "") is None
    user = sso_sign_in(store, ["some-sub", "wang@example.gov.cn"], T0)
    assert (user.username, user.scope_region_code) == ("sso.wang", "990102")
    assert store.audit_log(action="sign_in").iloc[-1]["details"] == {"method": "sso"}
    with pytest.raises(AuthError):  # no password: cannot sign in locally
        authenticate(store, "sso.wang", "anything at all", T0)


def test_unknown_sso_identity_is_refused_politely_and_no_account_is_made(store: Store) -> None:
    before = count_rows(store)["users"]
    with pytest.raises(AuthError) as err:
        sso_sign_in(store, ["stranger-sub", "stranger@example.com"], T0)
    assert err.value.code == "auth.sso_unknown"
    assert (
        "administrator" in err.value.problems[0].message_en and "管理员" in err.value.problems[0].message_zh
    )
    assert "stranger" not in str(err.value)
    assert count_rows(store)["users"] == before
    row = store.audit_log(action="sign_in_failed").iloc[-1]
    assert row["actor"] == "sso:stranger-sub" and row["details"] == {"reason": "unknown_identity"}


def test_disabled_sso_user_is_refused(store: Store) -> None:
    create_account(store, ADMIN, "sso.li", "evaluator", "990000", identity="li-sub")
    set_disabled(store, ADMIN, "sso.li")
    with pytest.raises(AuthError) as err:
        sso_sign_in(store, ["li-sub"], T0)
    assert err.value.code == "auth.disabled"


def test_identity_is_linked_to_one_account_only(store: Store) -> None:
    create_account(store, ADMIN, "a1", "official", "990101", identity="same@example.com")
    with pytest.raises(AuthError) as err:
        create_account(store, ADMIN, "a2", "official", "990102", identity="SAME@example.com")
    assert err.value.code == "auth.identity_taken"
    assert store.get_user("a2") is None


def test_system_account_cannot_be_reached_by_sso(store: Store) -> None:
    with pytest.raises(AuthError):
        sso_sign_in(store, ["system"], T0)


@pytest.mark.parametrize(
    ("role", "scope", "code"),
    [("official", None, "auth.scope_required"), ("evaluator", "123456", "auth.unknown_scope")],
)
def test_account_needs_a_known_scope(store: Store, role: str, scope: str | None, code: str) -> None:
    with pytest.raises(AuthError) as err:
        create_account(store, ADMIN, "newbie", role, scope, password=PASSWORD)
    assert err.value.code == code
    assert store.get_user("newbie") is None


def test_only_user_managers_create_accounts(store: Store) -> None:
    with pytest.raises(AccessDenied):
        create_account(store, EVALUATOR, "newbie", "official", "990101", password=PASSWORD)
    assert store.get_user("newbie") is None


# -- demo -------------------------------------------------------------------------------------------
def test_demo_accounts_only_in_a_demo_database(store: Store) -> None:
    before = count_rows(store)["users"]
    with pytest.raises(AuthError) as err:
        seed_demo_accounts(store)
    assert err.value.code == "auth.not_demo"
    assert count_rows(store)["users"] == before
    assert not demo_active(store, {"ASSESSMENT_DEMO": "1"})  # the variable alone is not enough
    with pytest.raises(AuthError):
        demo_sign_in(store, "demo-admin", environ={"ASSESSMENT_DEMO": "1"})


def test_demo_accounts_cover_every_role_and_sign_in_with_one_click(store: Store) -> None:
    store.set_setting("system", "demo", "1")
    created = seed_demo_accounts(store)
    assert created == tuple(a.username for a in DEMO_ACCOUNTS)
    assert seed_demo_accounts(store) == ()  # idempotent
    made = {u.username: u for u in store.users() if u.username.startswith("demo-")}
    assert {u.role for u in made.values()} == {"admin", "evaluator", "official"}
    assert made["demo-province"].scope_region_code == "990000"
    assert made["demo-jia"].scope_region_code == "990100"
    assert sum(u.role == "official" for u in made.values()) >= 3
    assert all(u.password_hash is None for u in made.values())  # no demo password anywhere
    assert not demo_active(store, {})  # the database alone is not enough either
    assert demo_active(store, {"ASSESSMENT_DEMO": "1"})
    user = demo_sign_in(store, "demo-990123", T0, environ={"ASSESSMENT_DEMO": "1"})
    assert user.scope_region_code == "990123"
    assert store.audit_log(action="sign_in").iloc[-1]["details"] == {"method": "demo"}
    for name in (OFFICIAL, ADMIN, "system"):  # only demo accounts have one-click sign-in
        with pytest.raises(AuthError):
            demo_sign_in(store, name, environ={"ASSESSMENT_DEMO": "1"})
    with pytest.raises(AuthError):
        demo_sign_in(store, "demo-admin", environ={"ASSESSMENT_DEMO": "0"})


def test_sign_out_is_audited(accounts: Store) -> None:
    auth.sign_out(accounts, OFFICIAL)
    auth.sign_out(accounts, OFFICIAL, reason="session_expired")
    assert accounts.audit_log(actor=OFFICIAL)["action"].tolist()[-2:] == ["sign_out", "session_expired"]
