"""End to end (issue 17): an official plans a corrective action from a red gap of the region profile,
the prefecture's evaluator accepts the plan, and the official sees it accepted."""

from __future__ import annotations

import pytest

from assessment.domain.i18n import t
from tests.e2e.conftest import SHOTS, demo_sign_in, go_to, wait_idle

pytestmark = pytest.mark.e2e

REGION, PERIOD = "990123", 2023  # Jianan County: its 2024 report was returned, 2023 is its latest


def _target_gap(db_url: str) -> tuple[int, str]:
    """The row (as the region profile orders its gaps) of the first gap below the national floor
    without an action yet, and its indicator."""
    from assessment.scoring.analysis import assess
    from assessment.store import Store
    from assessment.views import region as region_view

    with Store(db_url) as s:
        tree = s.region_tree()
        result = assess(
            s.values("demo-990123", region_codes=[REGION]),
            s.edition_schedule(),
            tree,
            s.local_standards(),
            jurisdiction=REGION,
            local_indicators=s.local_indicators(),
        )
        planned = set(s.actions("demo-990123", period=PERIOD)["indicator_code"])
    gaps = region_view.gaps(result, REGION, PERIOD, "zh")
    for row, (code, status) in enumerate(zip(gaps["indicator_code"], gaps["status"], strict=True)):
        if status == "below_floor" and code not in planned:
            return row, str(code)
    raise AssertionError("the demo has no unplanned gap below the floor")


def _click_row(pg, key: str, row: int) -> None:
    """Select a row of an ``st.dataframe`` with single-row selection: its row marker at the left."""
    grid = pg.locator(f".st-key-{key} [data-testid='stDataFrameResizable']")
    grid.wait_for()
    box = grid.bounding_box()
    assert box is not None
    header = 35  # Streamlit's default header and row height (px)
    grid.click(position={"x": 16, "y": header + row * 35 + 17})
    wait_idle(pg)


def test_official_plans_an_action_from_a_red_gap_and_the_evaluator_accepts_it(
    page, browser, app_url, demo_db_url
) -> None:
    row, indicator = _target_gap(demo_db_url)
    suffix = f"{REGION}_{PERIOD}_{indicator}".replace(".", "_")
    # (a) the official's landing page is the region profile; a click on the gap's row opens its form
    demo_sign_in(page, app_url, "demo-990123", lang="zh")
    page.locator(".st-key-region_period").get_by_text(str(2024)).count()
    period_box = page.locator(".st-key-region_period")
    if str(PERIOD) not in period_box.inner_text():
        period_box.click()
        page.get_by_role("option", name=str(PERIOD)).click()
        wait_idle(page)
    page.locator(".st-key-region_gaps").scroll_into_view_if_needed()
    _click_row(page, "region_gaps", row)
    form = page.locator(f".st-key-am_{suffix}")
    form.wait_for()
    assert "整改跟踪" in page.get_by_test_id("stHeading").first.inner_text()
    assert page.get_by_test_id("stHeading").filter(has_text=f"整改措施：{indicator}").count() == 1
    department = page.locator(f".st-key-ad_{suffix} input").input_value()
    assert department, "the responsible department is pre-filled with the item's lead department"
    form.locator("textarea").fill("增加财政投入，年内补齐服务缺口；按季度通报进度。")
    budget = page.locator(f".st-key-abudget_total_{suffix} input")
    budget.fill("300000")
    budget.press("Tab")
    page.locator(".st-key-actions_save button").click()
    wait_idle(page)
    page.get_by_test_id("stAlertContentSuccess").filter(has_text="已保存整改措施").wait_for()
    page.screenshot(path=str(SHOTS / "actions_official.png"), full_page=True)

    # (b) the prefecture's evaluator accepts the plan
    evaluator = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
    evaluator.set_default_timeout(90_000)
    demo_sign_in(evaluator, app_url, "demo-jia", lang="zh")
    go_to(evaluator, "actions")
    period_box = evaluator.locator(".st-key-actions_period")
    if str(PERIOD) not in period_box.inner_text():
        period_box.click()
        evaluator.get_by_role("option", name=str(PERIOD)).click()
        wait_idle(evaluator)
    evaluator.locator(".st-key-actions_review_pick").click()
    evaluator.get_by_role("option").filter(has_text=indicator).filter(has_text="甲南县").first.click()
    wait_idle(evaluator)
    evaluator.locator(".st-key-actions_accept button").click()
    wait_idle(evaluator)
    evaluator.get_by_test_id("stAlertContentSuccess").filter(has_text="已认可整改计划").wait_for()
    evaluator.screenshot(path=str(SHOTS / "actions_evaluator.png"), full_page=True)
    evaluator.context.close()

    # (c) the official sees the plan accepted
    go_to(page, "region")
    period_box = page.locator(".st-key-region_period")
    if str(PERIOD) not in period_box.inner_text():
        period_box.click()
        page.get_by_role("option", name=str(PERIOD)).click()
        wait_idle(page)
    _click_row(page, "region_gaps", row)
    page.get_by_test_id("stAlertContentSuccess").filter(
        has_text=t("actions_ui.accepted_banner", "zh")
    ).wait_for()
    assert t("actions.review.accepted", "zh") == "已认可"
