"""AppTest of every page on an empty database (a fresh install with only its first administrator):
each shows the next step instead of an error; the administration page shows the first-run
checklist and loads the region tree; with a tree but no reports yet every page still opens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from assessment.auth import accounts
from assessment.demo import DEMO_DIR, demo_tree
from assessment.domain.i18n import t
from assessment.store import Store
from tests.fixtures import shown, sign_in_browser, use_fast_hashing
from ui.admin_setup import DONE
from ui.pages import page_files

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a-Long-enough-passw0rd"


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()  # the process-wide store too: it must open this test's database


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh SQLite database holding only the first administrator ("admin")."""
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    monkeypatch.delenv("ASSESSMENT_DEMO", raising=False)
    monkeypatch.chdir(ROOT)
    use_fast_hashing(monkeypatch)
    with Store(url) as store:
        accounts.create_account(store, "system", "admin", "admin", None, password=PASSWORD)
    _clear_caches()
    yield url
    _clear_caches()


def open_page(username: str, page: str, lang: str = "zh"):  # type: ignore[no-untyped-def]
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    sign_in_browser(at, username)
    at.switch_page(str(ROOT / "app_pages" / page))
    return at.run()


def _clean(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", [p for p in page_files("admin") if p != "admin.py"])
def test_every_page_shows_the_next_step_on_an_empty_database(empty_db: str, page: str, lang: str) -> None:
    at = open_page("admin", page, lang)
    _clean(at)
    if page == "methodology.py":  # the catalogue needs no data
        assert at.dataframe
        return
    assert [i.value for i in at.info] == [t("onboarding.no_tree_admin", lang)]
    assert "regions import" in at.info[0].value


def _markdown(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(shown(m.value) for m in at.markdown)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admin_page_on_an_empty_database_shows_the_checklist(empty_db: str, lang: str) -> None:
    at = open_page("admin", "admin.py", lang)
    _clean(at)
    text = _markdown(at)
    for step in ("region_tree", "boundaries", "editions", "local_standards", "accounts", "deadlines"):
        assert t(f"onboarding.step.{step}", lang) in text
    assert text.count(DONE) == 1, "only the shipped editions are done"
    assert t("onboarding.next.region_tree", lang) in text
    infos = [i.value for i in at.info]
    assert t("onboarding.regions_empty", lang) in infos
    assert t("onboarding.boundaries_need_tree", lang) in infos
    assert "admin" in set(at.dataframe[0].value.iloc[:, 0]), "the users table works without a tree"


def test_admin_loads_the_region_tree_then_the_pages_open(empty_db: str) -> None:
    at = open_page("admin", "admin.py", "en")
    at.file_uploader(key="admin_region_csv").set_value(
        ("regions.csv", (DEMO_DIR / "regions.csv").read_bytes(), "text/csv")
    )
    at.run()
    at.button(key="admin_region_save").click().run()
    _clean(at)
    assert any("24 added" in shown(s.value) for s in at.success), [s.value for s in at.success]
    text = _markdown(at)
    assert text.count(DONE) == 2, text
    assert t("onboarding.next.boundaries", "en") in text
    assert t("onboarding.regions_empty", "en") not in [i.value for i in at.info]
    with Store(empty_db) as store:
        assert len(store.region_tree()) == 24

    at = open_page("admin", "overview.py", "en")
    _clean(at)
    assert t("onboarding.no_tree_admin", "en") not in [i.value for i in at.info]


def test_admin_refused_region_file_stores_nothing(empty_db: str) -> None:
    at = open_page("admin", "admin.py", "en")
    broken = (DEMO_DIR / "regions.csv").read_bytes().replace(b"990102,", b"99O102,", 1)
    at.file_uploader(key="admin_region_csv").set_value(("regions.csv", broken, "text/csv"))
    at.run()
    at.button(key="admin_region_save").click().run()
    assert not at.exception
    assert at.error and "regions.csv" in shown(at.error[0].value)
    with Store(empty_db) as store:
        assert len(store.region_tree()) == 0


def test_admin_sets_a_reporting_deadline(empty_db: str) -> None:
    with Store(empty_db) as store:
        store.save_region_tree("system", demo_tree())
    at = open_page("admin", "admin.py", "en")
    at.number_input(key="admin_deadline_period").set_value(2025)
    at.date_input(key="admin_deadline_date").set_value(datetime(2026, 3, 31).date())
    next(b for b in at.button if b.label == t("onboarding.deadline_save", "en")).click().run()
    _clean(at)
    assert any("2025" in shown(s.value) and "2026-03-31" in shown(s.value) for s in at.success), [
        s.value for s in at.success
    ]
    with Store(empty_db) as store:
        due = store.deadline(2025)
    assert due is not None and (due.year, due.month, due.day, due.hour) == (2026, 3, 31, 16)  # 24:00 Beijing


@pytest.mark.parametrize(
    ("username", "role", "scope"),
    [("admin", "admin", None), ("eva", "evaluator", "990000"), ("off", "official", "990102")],
)
def test_with_a_tree_but_no_reports_every_page_opens(
    empty_db: str, username: str, role: str, scope: str
) -> None:
    with Store(empty_db) as store:
        store.save_region_tree("system", demo_tree())
        if role != "admin":
            accounts.create_account(store, "system", username, role, scope, password=PASSWORD)
    for page in page_files(role):
        at = open_page(username, page, "zh")
        _clean(at)
