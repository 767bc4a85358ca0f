"""The web sign-in gate (ui/auth.py) driven through Streamlit's AppTest, offline.

Right and wrong password, lockout, idle expiry, sign-out, disabling while signed in, single sign-on
mapped through ``at.user`` and ``at.secrets`` (known and unknown identities), and demo mode. The
browser's session cookie is stood in for by tests/app/conftest.py: ``browser_token`` gives an AppTest
a cookie, and a second AppTest with the same cookie is a reload of the same browser.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assessment.auth import accounts, sessions
from assessment.auth import signin as auth
from assessment.demo import demo_tree
from assessment.domain.i18n import t
from assessment.store import Store
from tests.fixtures import TEST_COOKIES, browser_token, shown, sign_in_browser, use_fast_hashing

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"

GATE = """
import streamlit as st
from ui.auth import sign_in_gate, sign_out_button

user = sign_in_gate()
sign_out_button()
st.markdown(f"WELCOME {user.username} {user.role} {user.scope_region_code}")
"""

SSO_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-secret",
        "client_id": "dashboard",
        "client_secret": "x",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}


SSO_ISSUER = "https://sso.example.gov.cn"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database with the demo tree, an official with a password and an SSO evaluator."""
    from ui import data

    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    monkeypatch.delenv("ASSESSMENT_DEMO", raising=False)
    monkeypatch.chdir(ROOT)
    use_fast_hashing(monkeypatch)
    monkeypatch.setenv("ASSESSMENT_SSO_EMAIL_ISSUERS", SSO_ISSUER)
    with Store(url) as store:
        store.save_region_tree("system", demo_tree())
        accounts.create_account(
            store, "system", "wang", "official", "990123", display_name="王芳", password=PASSWORD
        )
        accounts.create_account(store, "system", "li", "evaluator", "990100", identity="li@example.gov.cn")
    data.store.clear()
    yield url
    data.store.clear()


def app(token: str | None = None) -> AppTest:
    """The gate in a browser that has the server's session cookie (``token``: that browser again)."""
    at = AppTest.from_string(GATE, default_timeout=30)
    if token:
        at.session_state[TEST_COOKIES] = {sessions.COOKIE: token}
    else:
        browser_token(at)
    return at.run()


def token_of(at: AppTest) -> str:
    return str(at.session_state[TEST_COOKIES][sessions.COOKIE])


def age_session(db: str, token: str, *, idle: timedelta, age: timedelta | None = None) -> None:
    """Move a session's last activity (and start) into the past."""
    import hashlib

    import sqlalchemy as sa

    from assessment.store.schema import user_sessions

    key = hashlib.sha256(token.encode()).hexdigest()
    now = datetime.now(UTC)
    values = {"last_seen": now - idle} | ({"created_at": now - age} if age else {})
    with Store(db) as store, store.transaction() as conn:
        conn.execute(sa.update(user_sessions).where(user_sessions.c.token_hash == key).values(**values))


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.error, *at.warning, *at.info, *at.caption)]
    return "\n".join(str(p) for p in parts)


def sign_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="auth_username").input(username)
    at.text_input(key="auth_password").input(password)
    return at.button(key="auth_submit").click().run()


def welcomed(at: AppTest) -> bool:
    return any(str(m.value).startswith("WELCOME") for m in at.markdown)


def test_gate_stops_the_page_until_signed_in(db: str) -> None:
    at = app()
    assert not at.exception
    assert at.title[0].value == t("auth.ui.title", "zh")
    assert not welcomed(at)
    assert not [b for b in at.button if b.key == "auth_sso"]  # no [auth] section: no SSO button


def test_right_password_signs_in_and_sign_out_ends_the_session(db: str) -> None:
    at = sign_in(app(), "wang", PASSWORD)
    assert not at.exception
    assert "WELCOME wang official 990123" in texts(at)
    assert "王芳" in texts(at)  # sidebar: signed in as
    assert at.session_state["user"] == "wang"
    assert "auth_password" not in at.session_state or at.session_state["auth_password"] == ""
    at.button(key="auth_sign_out").click().run()
    assert not welcomed(at) and "user" not in at.session_state
    with Store(db) as store:
        assert store.audit_log(actor="wang")["action"].tolist() == ["sign_in", "sign_out"]


@pytest.mark.parametrize(("username", "password"), [("wang", "wrong password"), ("nobody", PASSWORD)])
def test_wrong_credentials_show_one_clear_message(db: str, username: str, password: str) -> None:
    at = sign_in(app(), username, password)
    assert not welcomed(at)
    assert [shown(e.value) for e in at.error] == [t("auth.bad_credentials", "zh")]


def test_empty_fields_are_asked_for(db: str) -> None:
    at = sign_in(app(), "wang", "")
    assert [shown(e.value) for e in at.error] == [t("auth.ui.empty_fields", "zh")]


def test_throttle_message_after_five_failures(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "FIRST_DELAY", timedelta(minutes=10))  # a wait the test cannot outlast
    at = app()
    for i in range(auth.FREE_ATTEMPTS):
        at = sign_in(at, "wang", f"wrong {i}")
    assert [shown(e.value) for e in at.error] == [t("auth.throttled_minutes", "zh", minutes=10)]
    at = sign_in(at, "wang", PASSWORD)  # the right password does not get through while waiting
    assert not welcomed(at) and "次数过多" in at.error[0].value


def test_idle_session_expires_with_a_message(db: str) -> None:
    at = sign_in(app(), "wang", PASSWORD)
    assert welcomed(at)
    age_session(db, token_of(at), idle=timedelta(minutes=31))
    at.run()
    assert not welcomed(at)
    assert "30" in at.warning[0].value and "重新登录" in at.warning[0].value
    with Store(db) as store:
        assert store.audit_log(actor="wang")["action"].tolist()[-1] == "session_expired"
    assert not welcomed(app(token_of(at))), "a reload after the expiry is signed out too"


def test_an_active_session_stays_signed_in(db: str) -> None:
    at = sign_in(app(), "wang", PASSWORD)
    age_session(db, token_of(at), idle=timedelta(minutes=29))
    at.run()
    assert welcomed(at)


def test_a_session_ends_after_twelve_hours_whatever_the_activity(db: str) -> None:
    at = sign_in(app(), "wang", PASSWORD)
    age_session(db, token_of(at), idle=timedelta(seconds=5), age=sessions.MAX_AGE + timedelta(minutes=1))
    at.run()
    assert not welcomed(at)


def test_a_reload_in_the_same_browser_stays_signed_in(db: str) -> None:
    """A reload is a new Streamlit session with the same cookie: signed in, no password asked."""
    at = sign_in(app(), "wang", PASSWORD)
    reloaded = app(token_of(at))
    assert "WELCOME wang official 990123" in texts(reloaded)


def test_joining_a_session_without_its_cookie_is_signed_out(db: str) -> None:
    """What a second websocket that joins the session by its id brings: the same session state, but
    another browser's cookie (or none). It gets the sign-in screen and the state is dropped."""
    at = sign_in(app(), "wang", PASSWORD)
    assert welcomed(at)
    victim = token_of(at)
    at.session_state[TEST_COOKIES] = {sessions.COOKIE: sessions.new_token()}  # the attacker's browser
    at.run()
    assert not welcomed(at) and "user" not in at.session_state
    at.session_state[TEST_COOKIES] = {}  # a client without any cookie
    at.run()
    assert not welcomed(at)
    assert welcomed(app(victim)), "the victim's own browser is still signed in"


def test_without_the_cookie_nobody_can_sign_in(db: str) -> None:
    """A client that did not get the server's cookie (cookies blocked, or the app served without
    server.py) is told so; nothing is bound."""
    at = AppTest.from_string(GATE, default_timeout=30).run()
    at = sign_in(at, "wang", PASSWORD)
    assert not welcomed(at)
    assert [shown(e.value) for e in at.error] == [t("auth.ui.no_cookie", "zh")]
    with Store(db) as store, store.read() as conn:
        from assessment.store import sessions as rows

        assert rows.for_user(conn, "wang") == ()


def test_sign_out_ends_the_session_for_every_tab_of_the_browser(db: str) -> None:
    at = sign_in(app(), "wang", PASSWORD)
    other_tab = app(token_of(at))
    assert welcomed(other_tab)
    at.button(key="auth_sign_out").click().run()
    assert not welcomed(other_tab.run())


def test_a_new_password_ends_every_session(db: str) -> None:
    at = sign_in(app(), "wang", PASSWORD)
    with Store(db) as store:
        accounts.set_password(store, "system", "wang", "another long passphrase 42")
    assert not welcomed(at.run())


def test_disabling_an_account_ends_its_session_at_once(db: str) -> None:
    at = sign_in(app(), "wang", PASSWORD)
    with Store(db) as store:
        accounts.set_disabled(store, "system", "wang")
    at.run()
    assert not welcomed(at)


@pytest.mark.parametrize("name", ["ghost", "wang"])
def test_crafted_session_state_is_not_a_sign_in(db: str, name: str) -> None:
    """Session state alone (what the old gate trusted) signs nobody in, known name or not."""
    at = AppTest.from_string(GATE, default_timeout=30)
    browser_token(at)
    at.session_state["user"] = name
    at.run()
    assert not welcomed(at)


def test_english_sign_in_screen(db: str) -> None:
    at = AppTest.from_string(GATE, default_timeout=30)
    at.session_state["lang"] = "en"
    browser_token(at)
    at.run()
    at = sign_in(at, "wang", "nope nope nope")
    assert shown(at.error[0].value) == t("auth.bad_credentials", "en")


# -- single sign-on ---------------------------------------------------------------------------------
def sso_app(user: dict) -> AppTest:
    at = AppTest.from_string(GATE, default_timeout=30)
    browser_token(at)
    at.secrets = SSO_SECRETS
    at.user = user
    return at.run()


def test_sso_button_shown_when_auth_is_configured(db: str) -> None:
    at = sso_app({"is_logged_in": False})
    assert [b.label for b in at.button if b.key == "auth_sso"] == [t("auth.ui.sso", "zh")]
    assert not welcomed(at)


def test_sso_identity_maps_to_the_user_record(db: str) -> None:
    at = sso_app(
        {
            "is_logged_in": True,
            "iss": SSO_ISSUER,
            "sub": "abc",
            "email": "li@EXAMPLE.gov.cn",
            "email_verified": True,
        }
    )
    assert not at.exception
    assert "WELCOME li evaluator 990100" in texts(at)
    with Store(db) as store:
        assert store.audit_log(action="sign_in").iloc[-1]["details"] == {"method": "sso"}


@pytest.mark.parametrize(
    "user",
    [
        {
            "is_logged_in": True,
            "iss": SSO_ISSUER,
            "sub": "x",
            "email": "stranger@example.com",
            "email_verified": True,
        },
        {"is_logged_in": True, "iss": SSO_ISSUER, "sub": "abc", "email": "li@example.gov.cn"},  # not verified
        {
            "is_logged_in": True,
            "iss": "https://other.example",
            "sub": "x",
            "email": "li@example.gov.cn",
            "email_verified": True,
        },
        {
            "is_logged_in": True,
            "iss": SSO_ISSUER,
            "sub": "li@example.gov.cn",
            "email_verified": True,
        },  # a sub
    ],
)
def test_unknown_sso_identity_is_refused_politely(db: str, user: dict) -> None:
    at = sso_app(user)
    assert not welcomed(at)
    assert [shown(e.value) for e in at.error] == [t("auth.sso_unknown", "zh")]
    with Store(db) as store:
        assert {u.username for u in store.users()} == {"system", "wang", "li"}  # nothing created


def test_named_sso_providers_get_one_button_each(db: str) -> None:
    provider = {
        k: v
        for k, v in SSO_SECRETS["auth"].items()
        if k in ("client_id", "client_secret", "server_metadata_url")
    }
    at = AppTest.from_string(GATE, default_timeout=30)
    at.secrets = {
        "auth": {
            "redirect_uri": "http://localhost:8501/oauth2callback",
            "cookie_secret": "s",
            "microsoft": provider,
            "keycloak": provider,
        }
    }
    browser_token(at)
    at.run()
    assert {b.key for b in at.button if b.key.startswith("auth_sso")} == {
        "auth_sso_microsoft",
        "auth_sso_keycloak",
    }


def test_secrets_example_is_valid_toml_with_every_setting_st_login_needs() -> None:
    import tomllib

    example = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8"))
    needed = {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"}
    assert needed <= set(example["auth"])
    assert example["auth"]["redirect_uri"].endswith("/oauth2callback")
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


# -- demo mode --------------------------------------------------------------------------------------
def test_demo_banner_and_one_click_sign_in_only_in_demo_mode(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = app()
    assert not [b for b in at.button if b.key.startswith("auth_demo_")]  # not a demo database
    with Store(db) as store:
        store.set_setting("system", "demo", "1")
        auth.seed_demo_accounts(store)
    at = app()
    assert not [b for b in at.button if b.key.startswith("auth_demo_")]  # ASSESSMENT_DEMO not set
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    at = app()
    assert t("auth.ui.demo_banner", "zh") in texts(at)
    keys = {b.key for b in at.button if b.key.startswith("auth_demo_")}
    assert keys == {f"auth_demo_{a.username}" for a in auth.DEMO_ACCOUNTS}
    at.button(key="auth_demo_demo-990123").click().run()
    assert "WELCOME demo-990123 official 990123" in texts(at)
    assert t("auth.ui.demo_badge", "zh") in texts(at)  # the badge stays on every page


# -- the real app: dashboard.py on a copy of the seeded demo database -------------------------------
EVALUATOR_PAGES = {
    "overview.py",
    "indicator.py",
    "equity.py",
    "compare.py",
    "review.py",
    "standards.py",
    "reports.py",
    "admin.py",
}


@pytest.fixture
def demo_copy(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private copy of the session's demo database, with a password account for Jia City's
    evaluator ("zhou"), so the shared database is never changed."""
    import sqlite3

    from ui import data

    src = demo_db_url.removeprefix("sqlite:///")
    dst = tmp_path / "demo-copy.db"
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)
    url = f"sqlite:///{dst}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    monkeypatch.chdir(ROOT)
    use_fast_hashing(monkeypatch)
    with Store(url) as store:
        accounts.create_account(store, "system", "zhou", "evaluator", "990100", password=PASSWORD)
    data.store.clear()
    yield url
    data.store.clear()


def dashboard(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = "zh"
    browser_token(at)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def shown_data(at: AppTest) -> str:
    """Everything the page shows as data: tables, charts, texts (for leak checks)."""
    parts = [str(e.value) for e in (*at.markdown, *at.title, *at.caption, *at.metric, *at.error, *at.info)]
    parts += [e.value.to_csv() for e in at.dataframe]
    parts += [str(e.proto) for e in at.get("plotly_chart")]
    return "\n".join(parts)


def test_dashboard_wrong_then_right_password(demo_copy: str) -> None:
    at = dashboard()
    assert not at.exception
    assert not at.get("plotly_chart"), "nothing but the sign-in screen before signing in"
    at = sign_in(at, "zhou", "not the password")
    assert [shown(e.value) for e in at.error] == [t("auth.bad_credentials", "zh")]
    assert not at.get("plotly_chart")
    at = sign_in(at, "zhou", PASSWORD)
    assert at.session_state["user"] == "zhou"
    assert not [e for e in at.error if e.value == t("auth.bad_credentials", "zh")]


def test_dashboard_throttle_message(demo_copy: str) -> None:
    at = dashboard()
    for i in range(auth.FREE_ATTEMPTS):
        at = sign_in(at, "zhou", f"wrong {i}")
    assert "次数过多" in at.error[0].value
    assert not at.get("plotly_chart")


def test_dashboard_demo_mode_offers_one_click_sign_ins(demo_copy: str) -> None:
    at = dashboard()
    assert t("auth.ui.demo_banner", "zh") in texts(at)
    assert {f"auth_demo_{a.username}" for a in auth.DEMO_ACCOUNTS} <= {b.key for b in at.button}


def test_official_menu_has_no_evaluator_pages() -> None:
    from ui.pages import PAGES

    official = {f for _, f, _, _, roles in PAGES if "official" in roles}
    assert official and not official & EVALUATOR_PAGES


@pytest.mark.parametrize(
    "query",
    [{}, {"region": "990202", "jurisdiction": "990000", "code": "990202", "id": "1", "period": "2024"}],
)
def test_official_never_sees_other_regions_data_on_any_page(demo_copy: str, query: dict[str, str]) -> None:
    """Signed in as the official of 990123: evaluator pages are not in the navigation (switching to
    one is refused), and no page, whatever the query string, shows a figure of another region."""
    from assessment.demo import demo_tree

    others = [r for r in demo_tree() if r.level == "county" and r.code != "990123"]
    for page in sorted(p.name for p in (ROOT / "app_pages").glob("*.py")):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
        at.query_params["lang"] = "zh"
        sign_in_browser(at, "demo-990123", "demo")
        at.run()
        if page in EVALUATOR_PAGES:  # not in the official's navigation: cannot be switched to
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(str(ROOT / "app_pages" / page))
        else:
            at.switch_page(str(ROOT / "app_pages" / page))
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        seen = shown_data(at)
        leaked = [r.code for r in others if r.code in seen or r.name_zh in seen]
        assert not leaked, f"{page} {query}: shows {leaked} to the official of 990123"
