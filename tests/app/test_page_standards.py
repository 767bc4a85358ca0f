"""AppTest of the local-standards page (app_pages/standards.py) as the demo evaluators.

Edits reach the keyed ``st.data_editor`` the way AppTest allows: its edit state (edited_rows,
added_rows, deleted_rows) is assigned in session state before the run. Saving works on a copy of
the seeded demo database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assessment.store import Store
from tests.app.test_page_upload import (
    ROOT,
    clear_caches,
    copy_demo_db,
    open_page,
    open_page_file,
    table,
    texts,
)
from tests.fixtures import sign_in_browser

JIA = "demo-jia"  # Sample Jia City, 990100: S05.1 = 95 (the province: 93; the national floor: 90)


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def db_copy(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return copy_demo_db(demo_db_url, tmp_path, monkeypatch)


def edit(username: str, lang: str, edits: dict) -> AppTest:
    """The page with ``edits`` pending in the editor."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    sign_in_browser(at, username)
    at.session_state["standards_editor"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": []} | edits
    at.switch_page(str(ROOT / "app_pages" / "standards.py"))
    return at.run()


@pytest.mark.parametrize(
    ("lang", "title"), [("zh", "地方标准：示例甲市"), ("en", "Local standards: Sample Jia City")]
)
def test_page_renders_own_inherited_and_history(demo_env: str, lang: str, title: str) -> None:
    at = open_page(JIA, lang, "standards.py")
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [title]
    (editor,) = at.data_editor
    assert editor.editing_mode == "add", "rows can be added, never deleted"
    assert editor.value["indicator_code"].tolist() == ["S05.1", "S11.2", "S31.1", "S47.1", "S79.1"]
    assert editor.value["national_floor"].tolist()[1].endswith("*"), "an unconfirmed floor is marked"
    inherited = table(at, "制定地区" if lang == "zh" else "Set by jurisdiction")
    assert len(inherited) == 18
    assert at.button(key="standards_save").disabled, "nothing to save yet"
    assert "*" in texts(at, "caption")


def test_the_top_jurisdiction_inherits_nothing(demo_env: str) -> None:
    at = open_page("demo-province", "en", "standards.py")
    assert not at.exception
    assert "yours is the top jurisdiction" in texts(at, "info")
    assert len(at.data_editor[0].value) == 18
    below = table(at, "Set by jurisdiction")
    assert set(below["Set by jurisdiction"]) == {"Sample Jia City"}


def test_a_weaker_standard_is_refused_in_place_naming_the_row(demo_env: str) -> None:
    at = edit(JIA, "en", {"edited_rows": {0: {"threshold": 80}}, "added_rows": [{"threshold": 95}]})
    assert not at.exception, [e.value for e in at.exception]
    error = texts(at, "error")
    assert "Fix these 4 problems before saving" in error
    assert "Row 1 (S05.1): Threshold 80 is weaker than the national floor" in error
    assert (
        "Row 1 (S05.1): Threshold 80 is weaker than the standard 93" in error and "Sample Province" in error
    )
    assert "Row 6 (?): No indicator chosen" in error
    assert at.button(key="standards_save").disabled
    with Store(demo_env) as store:
        jia = [
            s
            for s in store.local_standards()
            if s.jurisdiction_code == "990100" and s.indicator_code == "S05.1"
        ]
    assert [s.threshold for s in jia] == [95.0], "nothing was written"


def test_valid_edits_are_saved_and_kept_in_the_history(db_copy: str) -> None:
    added = {"indicator_code": "S02.1", "threshold": 95, "effective_from": 2025, "note": "试行"}
    at = edit(JIA, "zh", {"edited_rows": {0: {"threshold": 96}}, "added_rows": [added]})
    assert not at.error, texts(at, "error")
    assert "2 行修改待保存" in texts(at, "caption")
    at.button(key="standards_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert texts(at, "success").splitlines() == ["第 1 行（S05.1）已保存。", "第 6 行（S02.1）已保存。"]
    assert not at.error
    assert sorted(at.data_editor[0].value["indicator_code"]) == [
        "S02.1",
        "S05.1",
        "S11.2",
        "S31.1",
        "S47.1",
        "S79.1",
    ]
    with Store(db_copy) as store:
        mine = {
            (s.indicator_code, s.threshold, s.effective_from)
            for s in store.local_standards()
            if s.jurisdiction_code == "990100"
        }
        history = store.local_standard_history()
    assert {("S05.1", 96.0, 2022), ("S02.1", 95.0, 2025)} <= mine and ("S05.1", 95.0, 2022) not in mine
    superseded = history[(history["jurisdiction_code"] == "990100") & ~history["in_force"]]
    assert superseded["threshold"].tolist() == [95.0], "the old standard is kept, superseded"
    assert at.button(key="standards_save").disabled, "the editor starts afresh from what is stored"


def test_raising_the_province_standard_warns_about_the_city_below(db_copy: str) -> None:
    at = open_page("demo-province", "zh", "standards.py")
    row = at.data_editor[0].value["indicator_code"].tolist().index("S05.1")
    at = edit("demo-province", "en", {"edited_rows": {row: {"threshold": 97}}})
    assert not at.error
    assert "Sample Jia City (990100)" in texts(at, "warning"), "Jia City's 95 would no longer bind"
    at.button(key="standards_save").click().run()
    assert f"Row {row + 1} (S05.1) saved." in texts(at, "success")
    assert "no longer bind" in texts(at, "warning")


def test_an_admin_cannot_set_standards(demo_env: str) -> None:
    landed = open_page("demo-admin", "en", "standards.py")  # not in the admin's navigation
    assert landed.title[0].value.startswith("Overview") and not landed.data_editor
    at = open_page_file("demo-admin", "en", "standards.py")  # and the page refuses on its own
    assert not at.exception
    assert "may not set local standards" in texts(at, "error") and not at.data_editor
