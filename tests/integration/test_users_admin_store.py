"""User administration in the core (issue 16, point 9) on a real database (SQLite and PostgreSQL):
role, scope and display name changes, the self and last-administrator guards, new-account checks."""

from __future__ import annotations

import pytest

from assessment.auth import sessions
from assessment.auth.accounts import new_account_problems, set_disabled, set_password
from assessment.domain.access import AccessDenied
from assessment.store import Store, StoreError
from assessment.store import sessions as session_rows
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, count_rows, use_fast_hashing


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_hashing(monkeypatch)


def _code(err: pytest.ExceptionInfo) -> str:
    return err.value.problems[0].code


def _sessions(store: Store, username: str) -> int:
    with store.read() as conn:
        return len(session_rows.for_user(conn, username))


def test_role_scope_and_display_name_change_audited_and_sessions_end(store: Store) -> None:
    sessions.bind(store, sessions.new_token(), store.get_user(OFFICIAL), "password")
    user = store.update_user(
        ADMIN, OFFICIAL, role="official", scope_region_code="990102", display_name=" 王 "
    )
    assert (user.role, user.scope_region_code, user.display_name) == ("official", "990102", "王")
    assert _sessions(store, OFFICIAL) == 0, "its rights changed: signed out"
    log = store.audit_log(action="user.role")
    assert log.iloc[-1]["details"] == {
        "role": ["official", "official"],
        "scope_region_code": ["990000", "990102"],
    }
    assert store.audit_log(action="user.display_name").iloc[-1]["details"] == {
        "display_name": ["Official", "王"]
    }
    promoted = store.update_user(ADMIN, EVALUATOR, role="admin", scope_region_code="990100")
    assert (promoted.role, promoted.scope_region_code) == ("admin", None), "an administrator has no scope"
    # the display name alone: role and scope kept, no role event
    before = len(store.audit_log(action="user.role"))
    kept = store.update_user(ADMIN, OFFICIAL, display_name="")
    assert kept.display_name == OFFICIAL and kept.scope_region_code == "990102"
    assert len(store.audit_log(action="user.role")) == before


@pytest.mark.parametrize(
    ("role", "scope", "code"),
    [
        ("official", "990100", "store.users_admin.official_county"),  # a prefecture
        ("official", None, "store.users_admin.scope_required_official"),
        ("evaluator", "", "store.users_admin.scope_required_evaluator"),
        ("evaluator", "123456", "store.users_admin.unknown_scope"),
        ("superuser", "990000", "store.bad_role"),
    ],
)
def test_bad_role_or_scope_is_refused_and_nothing_stored(
    store: Store, role: str, scope: str, code: str
) -> None:
    rows = count_rows(store)
    with pytest.raises(StoreError) as err:
        store.update_user(ADMIN, OFFICIAL, role=role, scope_region_code=scope)
    assert _code(err) == code
    assert count_rows(store) == rows
    assert store.get_user(OFFICIAL).role == "official"


def test_only_user_managers_change_accounts(store: Store) -> None:
    with pytest.raises(AccessDenied):
        store.update_user(EVALUATOR, OFFICIAL, role="evaluator", scope_region_code="990000")
    with pytest.raises(StoreError) as err:
        store.update_user(ADMIN, "system", display_name="x")
    assert _code(err) == "store.users_admin.system"


def test_nobody_disables_or_demotes_themselves_nor_the_last_admin(store: Store) -> None:
    with pytest.raises(StoreError) as err:
        set_disabled(store, ADMIN, ADMIN)
    assert _code(err) == "store.users_admin.self"
    with pytest.raises(StoreError) as err:
        store.update_user(ADMIN, ADMIN, role="evaluator", scope_region_code="990000")
    assert _code(err) == "store.users_admin.self"
    # the built-in system account acts for the command line: admin1 is the last enabled admin
    with pytest.raises(StoreError) as err:
        set_disabled(store, "system", ADMIN)
    assert _code(err) == "store.users_admin.last_admin"
    with pytest.raises(StoreError) as err:
        store.update_user("system", ADMIN, role="official", scope_region_code="990101")
    assert _code(err) == "store.users_admin.last_admin"
    assert store.get_user(ADMIN).role == "admin" and not store.get_user(ADMIN).disabled
    # with a second administrator, either may be disabled by the other
    store.update_user(ADMIN, EVALUATOR, role="admin")
    set_disabled(store, ADMIN, EVALUATOR)
    assert store.get_user(EVALUATOR).disabled
    set_disabled(store, ADMIN, EVALUATOR, False)  # enabling is never refused
    assert not store.get_user(EVALUATOR).disabled


def test_reset_password_ends_only_that_users_sessions(store: Store) -> None:
    sessions.bind(store, sessions.new_token(), store.get_user(OFFICIAL), "password")
    sessions.bind(store, sessions.new_token(), store.get_user(EVALUATOR), "password")
    set_password(store, ADMIN, OFFICIAL, "Quiet-harbour-42-kites")
    assert _sessions(store, OFFICIAL) == 0 and _sessions(store, EVALUATOR) == 1


def test_new_account_problems_by_field(store: Store) -> None:
    found = new_account_problems(store, ADMIN, OFFICIAL, "official", "990200", password="short")
    assert [p.code for p in found["username"]] == ["store.user_exists"]
    assert found["scope"][0].code == "store.users_admin.official_county"
    assert found["password"][0].code == "auth.weak_password_short"
    assert set(found) == {"username", "scope", "password"}
    none = new_account_problems(store, ADMIN, "li", "evaluator", "990200", identity="not an identity")
    assert set(none) == {"identity"} and none["identity"][0].code == "auth.identity_format"
    assert (
        new_account_problems(store, ADMIN, "li", "official", "990201", password="Quiet-harbour-42-kites")
        == {}
    )
    assert new_account_problems(store, ADMIN, "li", "official", "990201")["password"][0].code == (
        "store.users_admin.password_or_identity"
    )
    with pytest.raises(AccessDenied):
        new_account_problems(store, OFFICIAL, "li", "official", "990201")
