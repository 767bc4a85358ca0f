"""End to end in a real browser: the reporting round as a conversation (issue 16, points 1 and 4).

The evaluator raises a query on one value of a pending report, the official sees it on their
landing page and answers it on the upload page, and the evaluator approves only after confirming
that a query is still open. The official of a returned report reads the full comment on landing.
Runs against its own copy of the demo database (the other journeys' server is left untouched).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessment.store import Store
from tests.e2e.conftest import SHOTS, demo_sign_in, go_to, serve_app, wait_idle

pytestmark = pytest.mark.e2e
REGION = "990381"


def _new_page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    page.set_default_timeout(90_000)
    return context, page


def _pick(page, key: str, text: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(f".st-key-{key}")
    box.scroll_into_view_if_needed()  # the page is long: open the list where it is shown
    box.click()
    page.get_by_role("option").filter(has_text=text).first.click()
    wait_idle(page)


def test_a_query_raised_answered_and_approved_with_confirmation(
    browser, demo_db_url: str, tmp_path: Path
) -> None:
    db = tmp_path / "assessment.db"
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), db)
    url = f"sqlite:///{db}"
    with serve_app(url, tmp_path) as app:
        # the official of the returned report reads the whole comment on their landing page
        context, off = _new_page(browser)
        demo_sign_in(off, app, "demo-990123", lang="zh")
        banner = (
            off.get_by_test_id("stAlertContentWarning").filter(has_text="已被退回修改").first.inner_text()
        )
        assert "已被退回修改" in banner and "请核实后重报" in banner and "北京时间" in banner, banner
        off.screenshot(path=str(SHOTS / "conversation_return_banner.png"), full_page=True)
        context.close()

        # (a) the evaluator raises a query on one value of 990381's pending report
        context, ev = _new_page(browser)
        demo_sign_in(ev, app, "demo-province", lang="zh")
        go_to(ev, "review")
        _pick(ev, "review_pick", f"({REGION})")
        _pick(ev, "conv_raise_indicator", "S02.1")
        ev.locator(".st-key-conv_raise_question textarea").fill("S02.1 比上年高出许多，统计口径是否有变？")
        ev.locator(".st-key-conv_raise_go button").click()
        wait_idle(ev)
        assert ev.get_by_test_id("stAlertContentSuccess").filter(has_text="已提出询问").count() == 1
        with Store(url) as store:
            (query,) = store.value_queries("system", region_code=REGION)["id"].tolist()

        # (b) the official sees it on landing and answers it on the upload page
        context_o, off = _new_page(browser)
        demo_sign_in(off, app, f"demo-{REGION}", lang="zh")
        assert off.get_by_test_id("stAlertContentInfo").filter(has_text="1 个待答复的询问").count() == 1
        go_to(off, "upload")
        box = off.locator(f".st-key-conv_answer_{query} textarea")
        box.fill("口径未变：上年漏报了两个乡镇，今年已补齐。")
        box.press("Control+Enter")  # commit the text area before the click
        wait_idle(off)
        off.locator(f".st-key-conv_answer_go_{query} button").click()
        wait_idle(off)
        assert (
            off.get_by_test_id("stAlertContentSuccess").filter(has_text=f"已答复询问 #{query}").count() == 1
        )
        off.screenshot(path=str(SHOTS / "conversation_answered.png"), full_page=True)
        context_o.close()
        with Store(url) as store:
            answered = store.value_queries("system", region_code=REGION).iloc[0]
        assert (answered["status"], answered["answer"]) == (
            "answered",
            "口径未变：上年漏报了两个乡镇，今年已补齐。",
        )

        # (c) approving with the query still open asks for a confirmation first
        go_to(ev, "review")
        _pick(ev, "review_pick", f"({REGION})")
        ev.locator(".st-key-review_decision").get_by_text("通过", exact=True).click()
        wait_idle(ev)
        ev.locator(".st-key-review_submit button").click()
        wait_idle(ev)
        assert (
            ev.get_by_test_id("stAlertContentWarning").filter(has_text="还有 1 个数值询问未关闭").count() == 1
        )
        with Store(url) as store:
            assert (
                store.submissions("system", region_code=REGION, period=2024)["status"].iloc[0] == "submitted"
            )
        ev.locator(".st-key-review_confirm_open label").click()
        ev.locator(".st-key-review_submit button").click()
        wait_idle(ev)
        ev.get_by_test_id("stAlertContentSuccess").first.wait_for()
        ev.screenshot(path=str(SHOTS / "conversation_review.png"), full_page=True)
        selected = ev.locator(".st-key-review_pick").evaluate(
            "e => e.textContent + ' ' + Array.from(e.querySelectorAll('input')).map(i => i.value).join(' ')"
        )
        assert "已通过" in selected, f"the selector shows the new state: {selected}"
        context.close()
        with Store(url) as store:
            assert (
                store.submissions("system", region_code=REGION, period=2024)["status"].iloc[0] == "approved"
            )
