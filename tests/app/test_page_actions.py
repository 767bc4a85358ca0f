"""AppTest: the corrective-actions page (issue 17) for a county official and for evaluators.

Each test works on its own copy of the seeded demo database (the page writes actions and reviews)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st

from assessment.domain.i18n import t
from tests.fixtures import app_as

ROOT = Path(__file__).resolve().parents[2]
GAP = ("990123", 2023, "S05.1")  # Jianan County, 2023: below the local standard, no action yet


@pytest.fixture
def actions_db(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private copy of the seeded demo database for one test."""
    from ui import data

    target = tmp_path / "actions.db"
    with (
        contextlib.closing(sqlite3.connect(demo_db_url.removeprefix("sqlite:///"))) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    monkeypatch.chdir(ROOT)
    data.store.clear()
    st.cache_resource.clear()
    yield url
    data.store.clear()
    st.cache_resource.clear()


def _open_gap(user: str, lang: str = "zh", gap: tuple[str, int, str] = GAP):
    from streamlit.testing.v1 import AppTest

    from tests.fixtures import sign_in_browser

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    at.query_params["period"] = str(gap[1])
    at.query_params["indicator"] = gap[2]
    sign_in_browser(at, user)
    at.switch_page(str(ROOT / "app_pages" / "actions.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _suffix(gap: tuple[str, int, str] = GAP) -> str:
    return f"{gap[0]}_{gap[1]}_{gap[2]}".replace(".", "_")


def _actions(url: str, actor: str = "demo-province"):
    from assessment.store import Store

    with Store(url) as s:
        return s.actions(actor)


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(str(x.value) for x in (*at.markdown, *at.caption, *at.error, *at.warning, *at.success))


def test_official_records_an_action_from_a_gap(actions_db: str) -> None:
    before = len(_actions(actions_db))
    at = _open_gap("demo-990123")
    s = _suffix()
    # pre-filled: the item's lead department, due the next period, status planned only
    assert at.text_input(key=f"ad_{s}").value, "the lead department is pre-filled"
    assert at.number_input(key=f"adue_{s}").value == GAP[1] + 1
    assert at.selectbox(key=f"astatus_{s}").options == [t("actions.status.planned", "zh")]
    at.text_area(key=f"am_{s}").set_value("增加巡回服务，年内补齐缺口")
    at.number_input(key=f"abudget_total_{s}").set_value(200000.0)
    at.button(key="actions_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = _actions(actions_db)
    assert len(after) == before + 1
    mine = after["region_code"].eq(GAP[0]) & after["indicator_code"].eq(GAP[2]) & after["period"].eq(GAP[1])
    row = after.loc[mine].iloc[0]
    assert row["status"] == "planned" and row["review"] == "pending" and row["created_by"] == "demo-990123"
    assert row["budget_total"] == 200000.0
    assert row["budget_central"] + row["budget_local"] == pytest.approx(200000.0), "split by the share"
    assert t("actions_ui.saved", "zh", id=int(row["id"])) in _texts(at)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("abudget_total", -5.0, "budget_negative"),
        ("adue", 2020, "due_before_gap"),
    ],
)
def test_bad_input_is_shown_at_its_field_and_nothing_is_stored(
    actions_db: str, field: str, value: float, error: str
) -> None:
    before = _actions(actions_db)
    at = _open_gap("demo-990123")
    s = _suffix()
    at.text_area(key=f"am_{s}").set_value("措施")
    at.number_input(key=f"{field}_{s}").set_value(value)
    at.button(key="actions_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(_actions(actions_db)) == len(before), "nothing stored"
    errors = [e.value for e in at.error]
    assert t("actions_ui.refused", "zh") in errors
    expected = {"budget_negative": "预算不能为负数", "due_before_gap": "早于差距所在年度"}[error]
    assert any(expected in e for e in errors), errors
    # the message sits at its field: the first thing after the field's widget in the form
    form = next(iter(at.get("form")))
    flat = list(_walk(form))
    at_field = next(i for i, e in enumerate(flat) if getattr(e, "key", None) == f"{field}_{s}")
    assert type(flat[at_field + 1]).__name__ == "Error" and expected in flat[at_field + 1].value


def _walk(node):  # type: ignore[no-untyped-def]
    """The elements under an AppTest block, in page order."""
    children = getattr(node, "children", None)
    if not children:
        yield node
        return
    for index in sorted(children):
        yield from _walk(children[index])


def test_evaluator_accepts_and_returns_with_a_comment(actions_db: str) -> None:
    pending = _actions(actions_db)
    pending = pending.loc[pending["review"].eq("pending") & pending["status"].ne("dropped")]
    assert len(pending) >= 2
    first, second = (int(i) for i in pending["id"].iloc[:2])
    at = app_as("demo-province", "zh", page="actions.py")
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="actions_review_pick").set_value(first)
    at.button(key="actions_accept").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert t("actions_ui.reviewed.accepted", "zh", id=first) in _texts(at)
    # returning needs a comment: refused without one, stored with one
    at.selectbox(key="actions_review_pick").set_value(second)
    at.button(key="actions_return").click().run()
    assert any("审核说明" in e.value for e in at.error), [e.value for e in at.error]
    at.text_area(key="actions_review_comment").set_value("预算依据不足，请补充")
    at.button(key="actions_return").click().run()
    assert not at.exception, [e.value for e in at.exception]
    after = _actions(actions_db).set_index("id")
    assert after.loc[first, "review"] == "accepted"
    assert after.loc[second, "review"] == "returned"
    assert after.loc[second, "review_comment"] == "预算依据不足，请补充"


def test_the_official_sees_the_returned_comment(actions_db: str) -> None:
    from assessment.store import Store

    with Store(actions_db) as s:
        own = s.actions("demo-990123")
        action = own.loc[own["period"].eq(2023)].iloc[0]
        s.review_action("demo-province", int(action["id"]), "returned", "请写明时间表")
    at = _open_gap("demo-990123", gap=("990123", 2023, str(action["indicator_code"])))
    assert any("请写明时间表" in w.value for w in at.warning), [w.value for w in at.warning]


def test_a_county_official_cannot_see_another_countys_actions(actions_db: str) -> None:
    from assessment.store import Store

    with Store(actions_db) as s:
        others = s.actions("demo-province")
        tree = s.region_tree()
    others = others.loc[others["region_code"].ne("990123")]
    at = app_as("demo-990123", "zh", page="actions.py")
    assert not at.exception, [e.value for e in at.exception]
    # a crafted link to another county changes nothing: the official's own region only
    at.query_params["region"] = "990122"
    at.run()
    assert "甲南县" in at.title[0].value and "甲西县" not in at.title[0].value
    shown = " ".join(d.value.to_csv() for d in at.dataframe) + _texts(at)
    for region in set(others["region_code"]):
        assert tree.get(region).name_zh not in shown
    for measures in set(others["measures"]) - set(_actions(actions_db, "demo-990123")["measures"]):
        assert measures not in shown
    # the admin has no such page and the store gives them no action
    from ui.pages import page_files

    assert "actions.py" not in page_files("admin")
    assert _actions(actions_db, "demo-admin").empty
    at = app_as("demo-admin", "zh", page="actions.py")
    assert not at.exception, [e.value for e in at.exception]
    assert not any(t("actions_ui.panel_title", "zh") in x.value for x in (*at.title, *at.markdown))


@pytest.mark.parametrize(("user", "code"), [("demo-province", "990000"), ("demo-jia", "990100")])
def test_the_counts_on_the_page_equal_the_register(actions_db: str, user: str, code: str) -> None:
    from assessment.accountability.service import register
    from assessment.scoring.analysis import assess
    from assessment.store import Store

    at = app_as(user, "zh", page="actions.py")
    assert not at.exception, [e.value for e in at.exception]
    period = int(at.selectbox(key="actions_period").value)
    with Store(actions_db) as s:
        tree = s.region_tree()
        result = assess(
            s.values(user, region_codes=tree.leaf_codes(code)),
            s.edition_schedule(),
            tree,
            s.local_standards(),
            jurisdiction=code,
            local_indicators=s.local_indicators(),
        )
        counts = register(s, user, result, period).counts()
    shown = {m.label: int(m.value) for m in at.metric}
    for name, number in counts.items():
        assert shown[t(f"actions_ui.count.{name}", "zh")] == number, name
    assert counts["gaps"] > 0


def test_panels_on_overview_and_region_link_to_the_actions_page(actions_db: str) -> None:
    for user, page in (
        ("demo-province", "overview.py"),
        ("demo-jia", "region.py"),
        ("demo-990123", "region.py"),
    ):
        at = app_as(user, "zh", page=page)
        assert not at.exception, [e.value for e in at.exception]
        assert any(t("actions_ui.panel_title", "zh") in m.value for m in at.markdown), (user, page)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_open_form_is_in_the_language_of_the_page_and_shows_earlier_actions(
    actions_db: str, lang: str
) -> None:
    """S06.1 of Jianan County: its 2022 action was escalated (still below when due), the 2023 gap
    carries the story on; every visible text of the open form passes the language check."""
    from tests.app.language_texts import visible_texts
    from tests.app.test_language import names, offences

    at = _open_gap("demo-990123", lang, gap=("990123", 2023, "S06.1"))
    assert any(t("actions_ui.earlier_title", lang) in m.value for m in at.markdown)
    earlier = next(d.value for d in at.dataframe if "outcome_text" in d.value.columns)  # headers: configs
    assert earlier["period"].tolist() == [2022]
    assert (
        t("actions_ui.outcome_text.escalated", lang, due=2023, period=2023, value="71.55", threshold="90")
        in earlier["outcome_text"].tolist()
    )
    known = names(actions_db, lang)
    bad = [
        f"{element}: {p} in {text[:120]!r}"
        for element, text in visible_texts(at)
        for p in offences(text, lang, known)
    ]
    assert not bad, "\n".join(bad)


def test_an_evaluator_cannot_open_a_region_outside_the_jurisdiction(actions_db: str) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.fixtures import sign_in_browser

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = "zh"
    at.query_params["region"] = "990321"  # a county of another prefecture
    sign_in_browser(at, "demo-jia")
    at.switch_page(str(ROOT / "app_pages" / "actions.py"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "示例甲市" in at.title[0].value and at.warning, "refused with a message, the home shown"
    shown = " ".join(d.value.to_csv() for d in at.dataframe)
    assert "丙山县" not in shown


def test_typed_text_of_actions_is_never_rendered_as_markup(actions_db: str) -> None:
    """Measures, department, reason and the reviewer's comment hold markdown, HTML and an address:
    every markdown body of the official's form and of the evaluator's register shows them escaped."""
    from tests.app.test_no_markup import _markdown_of, _unescaped
    from tests.fixtures import markup_payload

    with contextlib.closing(sqlite3.connect(actions_db.removeprefix("sqlite:///"))) as conn:
        conn.execute(
            "update corrective_actions set measures = ?, department = ?, reason = ?, review_comment = ?,"
            " review = 'returned'",
            (markup_payload("m"), markup_payload("d"), markup_payload("r"), markup_payload("c")),
        )
        conn.commit()
    at = _open_gap("demo-990123", gap=("990123", 2023, "S06.1"))
    assert any("点我" in w.value for w in at.warning), "the returned plan's comment is shown"
    assert not _unescaped(_markdown_of(at))
    at = app_as("demo-province", "zh", page="actions.py")
    assert not at.exception, [e.value for e in at.exception]
    assert not _unescaped(_markdown_of(at))
    # the audited history of an action recorded with such measures (shown with st.table: markdown)
    from assessment.accountability.service import record_action
    from assessment.domain.actions import ActionDraft
    from assessment.store import Store

    with Store(actions_db) as s:
        draft = ActionDraft(*GAP, measures=markup_payload("h"), department="卫生健康局", due_period=2024)
        new = record_action(s, "demo-990123", draft)
    at = app_as("demo-province", "zh", page="actions.py")
    at.selectbox(key="actions_history_pick").set_value(new).run()
    assert not at.exception, [e.value for e in at.exception]
    history = " ".join(str(c) for x in at.table for c in x.value.to_numpy().ravel())
    assert "点我" in history and not _unescaped(history)


def test_a_status_step_is_offered_only_when_legal_and_dropping_needs_a_reason(actions_db: str) -> None:
    gap = ("990123", 2023, "S06.1")  # a planned, accepted action
    at = _open_gap("demo-990123", gap=gap)
    s = _suffix(gap)
    words = {t(f"actions.status.{k}", "zh"): k for k in ("planned", "in_progress", "done", "dropped")}
    status = at.selectbox(key=f"astatus_{s}")
    assert [words[o] for o in status.options] == ["planned", "in_progress", "dropped"], "no skip to done"
    status.set_value("dropped")
    at.button(key="actions_save").click().run()
    flat = list(_walk(next(iter(at.get("form")))))
    at_reason = next(i for i, e in enumerate(flat) if getattr(e, "key", None) == f"areason_{s}")
    assert type(flat[at_reason + 1]).__name__ == "Error" and "终止原因" in flat[at_reason + 1].value
    row = _actions(actions_db).query(
        "region_code == '990123' and period == 2023 and indicator_code == 'S06.1'"
    )
    assert row["status"].iloc[0] == "planned", "nothing stored"
    at.selectbox(key=f"astatus_{s}").set_value("dropped")
    at.text_input(key=f"areason_{s}").set_value("项目已并入省级统筹")
    at.button(key="actions_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    row = _actions(actions_db).query(
        "region_code == '990123' and period == 2023 and indicator_code == 'S06.1'"
    )
    assert row["status"].iloc[0] == "dropped" and row["reason"].iloc[0] == "项目已并入省级统筹"
