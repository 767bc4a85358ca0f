"""AppTest of the reporting round as a conversation (issue 16, points 1, 4, 6), as the demo users.

The demo leaves 990123's 2024 report returned (with a long comment) and three 2024 reports pending.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.store import Store
from tests.app.test_page_upload import XLSX, clear_caches, copy_demo_db, open_page, table, texts

PROVINCE, OFFICIAL, REGION = "demo-province", "demo-990123", "990123"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def db_copy(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return copy_demo_db(demo_db_url, tmp_path, monkeypatch)


def _latest(url: str, region: str, period: int = 2024):  # type: ignore[no-untyped-def]
    with Store(url) as store:
        sid = int(store.submissions("system", region_code=region, period=period)["id"].iloc[0])
        return store.submission("system", sid)


def _corrected_2024(url: str) -> bytes:
    """990123's 2024 template filled with its returned figures, one of them corrected."""
    from assessment.catalogue import shipped_schedule
    from assessment.intake.template import build_template

    returned = _latest(url, REGION)
    with Store(url) as store:
        values = store.submission_values("system", returned.id).assign(region_code=REGION, period=2024)
        values.loc[values["indicator_code"] == "S79.1", "value"] = 3.3
        edition, tree = shipped_schedule().for_period(2024), store.region_tree()
        return build_template(edition, tree, REGION, 2024, store.local_standards(), "zh", values)


@pytest.mark.parametrize("page", ["upload.py", "region.py"])
def test_a_returned_report_shows_the_banner_with_the_full_comment(demo_env: str, page: str) -> None:
    returned = _latest(demo_env, REGION)
    assert returned.status == "returned" and len(returned.review_comment or "") > 60
    at = open_page(OFFICIAL, "zh", page)
    assert not at.exception, [e.value for e in at.exception]
    banner = texts(at, "warning")
    assert "已被退回修改" in banner
    assert returned.review_comment in banner, "the comment in full, not cut off"
    assert "数值不合理" in banner, "the reason, translated"
    assert "2025-03-10 17:00 北京时间" in banner, "the date in Beijing time"
    # the evaluator's pages carry no such banner
    at = open_page(PROVINCE, "zh", "region.py")
    assert "已被退回修改" not in texts(at, "warning")


def test_the_official_replies_when_resubmitting_and_the_reviewer_sees_it_beside_the_diff(
    db_copy: str,
) -> None:
    at = open_page(OFFICIAL, "zh", "upload.py")
    at.file_uploader(key="upload_file").set_value(("990123_2024_v2.xlsx", _corrected_2024(db_copy), XLSX))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    reply = "已核实：S79.1 原填报有误，已更正为 3.3。<script>alert(1)</script> **不是粗体**"
    at.text_area(key="upload_reply").input(reply)
    at.button(key="upload_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    new = _latest(db_copy, REGION)
    assert (new.version, new.status, new.reply) == (2, "submitted", reply)
    assert "已被退回修改" not in texts(at, "warning"), "the banner goes once the return is answered"
    exchange = table(at, "事项")
    assert exchange["事项"].tolist() == ["上传新版本", "退回修改", "上传新版本并答复"]
    assert exchange["内容"].iloc[-1] == reply
    clear_caches()
    at = open_page(PROVINCE, "zh", "review.py", query={"submission": str(new.id)})
    assert not at.exception, [e.value for e in at.exception]
    shown = texts(at, "info")
    assert reply in shown, "the reply as typed (escaped, never rendered)"
    assert "填报人员对退回意见的答复" in shown, "beside the diff"
    assert table(at, "新数值")["新数值"].tolist() == [3.3]


def test_a_query_is_raised_answered_and_approving_with_it_open_asks_for_confirmation(db_copy: str) -> None:
    sub = _latest(db_copy, "990381")  # pending in the demo; official demo-990381
    at = open_page(PROVINCE, "zh", "review.py", query={"submission": str(sub.id)})
    assert at.selectbox(key="conv_raise_indicator").value is None, "no indicator preselected"
    at.button(key="conv_raise_go").click().run()
    assert "请先选择要询问的指标" in texts(at, "error")
    at.selectbox(key="conv_raise_indicator").select("S02.1")
    at.text_area(key="conv_raise_question").input("S02.1 比上年高出许多，是否口径有变？")
    at.button(key="conv_raise_go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "已提出询问" in texts(at, "success")
    assert at.text_area(key="conv_raise_question").value == "", "the question box is emptied"
    queries = table(at, "问题")
    assert queries[["问题", "状态"]].values.tolist() == [["S02.1 比上年高出许多，是否口径有变？", "待答复"]]
    with Store(db_copy) as store:
        (query,) = store.value_queries("system", region_code="990381")["id"].tolist()

    clear_caches()
    official = open_page("demo-990381", "zh", "upload.py")
    assert not official.exception, [e.value for e in official.exception]
    assert "1 个待答复的询问" in texts(official, "info")
    assert "S02.1 比上年高出许多" in " ".join(str(t.value) for t in official.text)
    official.text_area(key=f"conv_answer_{query}").input("口径未变，上年数据偏低，已附说明。")
    official.button(key=f"conv_answer_go_{query}").click().run()
    assert not official.exception
    assert f"已答复询问 #{query}" in texts(official, "success")
    assert table(official, "答复")["状态"].tolist() == ["已答复"]

    clear_caches()
    at = open_page(PROVINCE, "zh", "review.py", query={"submission": str(sub.id)})
    assert table(at, "答复")["答复"].tolist() == ["口径未变，上年数据偏低，已附说明。"]
    at.radio(key="review_decision").set_value("approve").run()
    assert at.checkbox(key="review_confirm_open").label == "尽管还有 1 个询问未关闭，仍然通过"
    at.button(key="review_submit").click().run()
    assert "还有 1 个数值询问未关闭" in texts(at, "warning")
    assert _latest(db_copy, "990381").status == "submitted", "not approved without the confirmation"
    at.checkbox(key="review_confirm_open").check()
    at.button(key="review_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _latest(db_copy, "990381").status == "approved"
    at.selectbox(key="conv_close_pick").select(query)
    at.text_input(key="conv_close_note").input("说明已收到")
    at.button(key="conv_close_go").click().run()
    assert f"已关闭询问 #{query}" in texts(at, "success")
    assert table(at, "答复")["状态"].tolist() == ["已关闭"]
    assert at.selectbox(key="review_pick").value == sub.id


def test_the_decision_has_no_default_and_the_page_shows_the_new_state_after_a_return(db_copy: str) -> None:
    sub = _latest(db_copy, "990325")
    at = open_page(PROVINCE, "zh", "review.py", query={"submission": str(sub.id)})
    assert at.radio(key="review_decision").value is None, "no default decision"
    assert "没有默认选项" in texts(at, "caption")
    at.text_area(key="review_comment").input("请核实")
    at.button(key="review_submit").click().run()
    assert "尚未选择处理决定" in texts(at, "error")
    assert _latest(db_copy, "990325").status == "submitted", "nothing decided"
    at.radio(key="review_decision").set_value("return").run()
    at.text_area(key="review_comment").input("请补充佐证材料")
    at.button(key="review_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _latest(db_copy, "990325").status == "returned"
    pick = at.selectbox(key="review_pick")
    assert pick.value == sub.id
    labels = [o for o in pick.options if o.startswith(f"#{sub.id} ")]
    assert labels and labels[0].endswith("已退回"), labels
    assert at.text_area(key="review_comment").value == "", "the comment box is emptied"
    assert at.radio(key="review_decision").value is None
    assert at.radio(key="review_decision").options == ["重新打开（撤回已作出的决定）"]
    exchange = table(at, "事项")
    assert exchange["事项"].tolist()[-1] == "退回修改" and exchange["内容"].tolist()[-1] == "请补充佐证材料"
