"""AppTest: user administration on the administration page (issue 16, point 9).

Each test works on its own copy of the seeded demo database (accounts are changed here)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from assessment.auth import sessions
from assessment.domain.i18n import t
from assessment.store import Store
from assessment.store import sessions as session_rows
from assessment.store.schema import ROLES
from tests.fixtures import app_as, shown

TARGET = "demo-990123"


@pytest.fixture
def own_db(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    path = tmp_path / "assessment.db"
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    st.cache_resource.clear()  # the app's store is opened once per process: open this copy
    yield url
    st.cache_resource.clear()  # and let the next test open the shared demo database again


def _ok(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]


def _button(at, key: str, lang: str = "zh"):  # type: ignore[no-untyped-def]
    label = t(key, lang)
    return next(b for b in at.button if b.label == label)


def _errors(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(shown(e.value) for e in at.error)


def _audit(url: str, action: str, username: str) -> list[dict]:
    with Store(url) as store:
        log = store.audit_log(action=action)
    return [dict(r) for _, r in log.iterrows() if r["object_id"] == username]


def test_a_refused_new_user_keeps_what_was_typed_and_says_where(own_db: str) -> None:
    at = app_as("demo-admin", "zh", page="admin.py")
    _ok(at)
    at.text_input(key="admin_new_username").input("wang-fang")
    at.text_input(key="admin_new_display").input("王芳")
    at.text_input(key="admin_new_scope").input("990100")  # a prefecture: not an official's county
    at.text_input(key="admin_new_password").input("short")
    _button(at, "admin.create").click()
    at.run()
    _ok(at)
    errors = _errors(at)
    assert t("users_admin.not_created", "zh") in errors
    assert "填报员的所属地区必须是县" in errors and "990100" in errors
    assert "密码太短" in errors
    kept = {
        k: at.text_input(key=k).value for k in ("admin_new_username", "admin_new_display", "admin_new_scope")
    }
    assert kept == {
        "admin_new_username": "wang-fang",
        "admin_new_display": "王芳",
        "admin_new_scope": "990100",
    }
    assert at.text_input(key="admin_new_password").value == "short"
    with Store(own_db) as store:
        assert store.get_user("wang-fang") is None, "nothing stored"
    # an unknown region, at its field, then corrected: created, and the form is empty again
    at.text_input(key="admin_new_scope").input("999999")
    at.text_input(key="admin_new_password").input("Gentle-river-7-lanterns")
    _button(at, "admin.create").click()
    at.run()
    assert "999999" in _errors(at) and "不在区划树中" in _errors(at)
    at.text_input(key="admin_new_scope").input("990123")
    _button(at, "admin.create").click()
    at.run()
    _ok(at)
    assert any("wang-fang" in shown(s.value) for s in at.success), _errors(at)
    assert at.text_input(key="admin_new_username").value == ""
    with Store(own_db) as store:
        made = store.get_user("wang-fang")
    assert made is not None and made.scope_region_code == "990123" and made.display_name == "王芳"
    assert _audit(own_db, "user.add", "wang-fang")


def test_disable_ends_sessions_and_enable_restores(own_db: str) -> None:
    with Store(own_db) as store:
        sessions.bind(store, sessions.new_token(), store.get_user(TARGET), "password")
    at = app_as("demo-admin", "zh", page="admin.py")
    at.selectbox(key="admin_edit_target").set_value(TARGET).run()
    at.button(key=f"admin_toggle_{TARGET}").click().run()
    _ok(at)
    assert any(TARGET in shown(s.value) for s in at.success)
    with Store(own_db) as store:
        assert store.get_user(TARGET).disabled
        with store.read() as conn:
            assert session_rows.for_user(conn, TARGET) == ()
    assert at.button(key=f"admin_toggle_{TARGET}").label == t("users_admin.enable", "zh")
    at.button(key=f"admin_toggle_{TARGET}").click().run()
    with Store(own_db) as store:
        assert not store.get_user(TARGET).disabled
    assert _audit(own_db, "user.disable", TARGET) and _audit(own_db, "user.enable", TARGET)


def test_reset_password_ends_that_users_sessions(own_db: str) -> None:
    with Store(own_db) as store:
        sessions.bind(store, sessions.new_token(), store.get_user(TARGET), "password")
        sessions.bind(store, sessions.new_token(), store.get_user("demo-990102"), "password")
    at = app_as("demo-admin", "zh", page="admin.py")
    at.selectbox(key="admin_edit_target").set_value(TARGET).run()
    at.text_input(key=f"admin_reset_pw_{TARGET}").input("1234")
    _button(at, "users_admin.reset").click()
    at.run()
    assert "密码太短" in _errors(at)
    with Store(own_db) as store, store.read() as conn:
        assert len(session_rows.for_user(conn, TARGET)) == 1, "refused: nothing changed"
    at.text_input(key=f"admin_reset_pw_{TARGET}").input("Quiet-harbour-42-kites")
    _button(at, "users_admin.reset").click()
    at.run()
    _ok(at)
    with Store(own_db) as store:
        assert store.get_user(TARGET).password_hash
        with store.read() as conn:
            assert session_rows.for_user(conn, TARGET) == ()
            assert len(session_rows.for_user(conn, "demo-990102")) == 1, "other users stay signed in"
    assert [e["details"] for e in _audit(own_db, "user.password", TARGET)]


def test_role_and_scope_change_and_a_bad_scope_is_refused_at_the_field(own_db: str) -> None:
    at = app_as("demo-admin", "en", page="admin.py")
    at.selectbox(key="admin_edit_target").set_value(TARGET).run()
    at.selectbox(key=f"admin_edit_role_{TARGET}").select_index(ROLES.index("evaluator"))
    at.text_input(key=f"admin_edit_scope_{TARGET}").input("")
    _button(at, "users_admin.save", "en").click()
    at.run()
    assert "An evaluator needs a jurisdiction" in _errors(at)
    with Store(own_db) as store:
        assert store.get_user(TARGET).role == "official", "nothing stored"
    at.text_input(key=f"admin_edit_scope_{TARGET}").input("990100")
    at.text_input(key=f"admin_edit_display_{TARGET}").input("Jia prefecture desk")
    _button(at, "users_admin.save", "en").click()
    at.run()
    _ok(at)
    with Store(own_db) as store:
        user = store.get_user(TARGET)
    assert (user.role, user.scope_region_code, user.display_name) == (
        "evaluator",
        "990100",
        "Jia prefecture desk",
    )
    (event,) = _audit(own_db, "user.role", TARGET)
    assert event["details"]["role"] == ["official", "evaluator"]
    assert _audit(own_db, "user.display_name", TARGET)


def test_an_admin_cannot_demote_or_disable_themselves(own_db: str) -> None:
    at = app_as("demo-admin", "zh", page="admin.py")
    at.selectbox(key="admin_edit_target").set_value("demo-admin").run()
    at.selectbox(key="admin_edit_role_demo-admin").select_index(ROLES.index("evaluator"))
    at.text_input(key="admin_edit_scope_demo-admin").input("990000")
    _button(at, "users_admin.save").click()
    at.run()
    _ok(at)
    assert "不能停用自己的账户" in _errors(at)
    at.button(key="admin_toggle_demo-admin").click().run()
    assert "不能停用自己的账户" in _errors(at)
    with Store(own_db) as store:
        me = store.get_user("demo-admin")
    assert me.role == "admin" and not me.disabled
