"""With the database down or unreadable, the app shows its own page (title, a plain message with a
reference), never Streamlit's generic error, a traceback or the database URL (issue 15 point 12)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.domain.i18n import t
from assessment.store import Store
from tests.fixtures import browser_token, sign_in_browser

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("sqlite", "postgresql", "psycopg", "://", "OperationalError", "Traceback", "127.0.0.1")


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()  # the process-wide store: it must open this test's database


@pytest.fixture(autouse=True)
def _fresh_caches(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("ASSESSMENT_DEMO", raising=False)
    monkeypatch.chdir(ROOT)
    _clear_caches()
    yield
    _clear_caches()


def _run(lang: str, user: str | None = None):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = lang
    if user:  # signed in through the server-side session (the database answers at this point)
        sign_in_browser(at, user)
    else:
        browser_token(at)
    return at.run()


def _page_text(at) -> str:  # type: ignore[no-untyped-def]
    parts = [e.value for e in (*at.title, *at.subheader, *at.error, *at.markdown, *at.warning, *at.info)]
    return " ".join(str(p) for p in parts)


def _assert_unavailable_page(at, lang: str, secret: str) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.title] == [t("app.title", lang)]
    (error,) = [e.value for e in at.error]
    ref = re.search(r"[0-9a-f]{8}", error)
    assert ref and error == t("app.db_unavailable", lang, ref=ref.group(0))
    text = _page_text(at)
    for word in (*FORBIDDEN, secret):
        assert word not in text, word


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_postgresql_server_down(monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv("ASSESSMENT_DB_URL", "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/assessment")
    _assert_unavailable_page(_run(lang), lang, "s3cret")


@pytest.mark.parametrize("kind", ["parent_is_a_file", "file_is_a_folder"])
def test_unreadable_sqlite_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, kind: str) -> None:
    # the tests run as root, so a chmod 0444 file would still open: a path that cannot be one
    blocker = tmp_path / "secret_folder_name"
    if kind == "parent_is_a_file":
        blocker.write_text("not a folder")
        path = blocker / "assessment.db"
    else:
        blocker.mkdir()
        path = blocker
    monkeypatch.setenv("ASSESSMENT_DB_URL", f"sqlite:///{path}")
    _assert_unavailable_page(_run("en"), "en", "secret_folder_name")


def test_database_lost_while_signed_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The store was opened, then the database file is replaced by something that is not one."""
    path = tmp_path / "secret_name.db"
    url = f"sqlite:///{path}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    with Store(url) as store:
        store.add_user("system", "boss", "Boss", "admin")
    at = _run("en", "boss")
    assert not at.exception and not [e for e in at.error if "reference" in e.value]
    from ui import data

    data.store().close()  # drop pooled connections, as a restarted server would
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(b"this is not a database file" * 200)
    at.run()
    _assert_unavailable_page(at, "en", "secret_name")


@pytest.mark.parametrize("page", ["overview.py", "upload.py", "methodology.py"])
def test_a_page_opened_directly(monkeypatch: pytest.MonkeyPatch, page: str) -> None:
    """Streamlit runs a page of app_pages/ without dashboard.py: the store's opening and its data
    version (where pages start) show the same page."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ASSESSMENT_DB_URL", "postgresql+psycopg://nobody:s3cret@127.0.0.1:1/assessment")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params["lang"] = "zh"
    browser_token(at)  # a browser with a cookie, whose session the database cannot be asked about
    at.session_state["user"] = "someone"
    at.switch_page(str(ROOT / "app_pages" / page))
    _assert_unavailable_page(at.run(), "zh", "s3cret")
