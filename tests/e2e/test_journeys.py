"""End to end in a real browser: the main journeys of an evaluator and an official."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import demo_sign_in, go_to, wait_idle

pytestmark = pytest.mark.e2e


def test_evaluator_sees_overview_heatmap_and_map_and_drills_into_a_region(page, app_url) -> None:
    demo_sign_in(page, app_url, "demo-province")
    assert "Overview" in page.get_by_test_id("stHeading").first.inner_text()
    charts = page.locator(".js-plotly-plot")
    charts.first.wait_for()
    assert charts.count() >= 2, "heatmap and map are drawn"
    # the heatmap shows numbers in cells (plotly text), the map has filled county shapes
    assert page.locator(".js-plotly-plot .heatmaplayer").count() >= 1
    assert page.locator(".js-plotly-plot .scatterlayer path.js-fill").count() >= 15
    go_to(page, "region")
    assert "Region profile" in page.get_by_test_id("stHeading").first.inner_text()
    assert page.locator(".js-plotly-plot").count() >= 2


def test_switching_language_changes_the_whole_page(page, app_url) -> None:
    demo_sign_in(page, app_url, "demo-province", lang="en")
    page.get_by_text("中文", exact=True).click()
    wait_idle(page)
    assert "总览" in page.get_by_test_id("stHeading").first.inner_text()


def test_official_sees_only_own_region_pages(page, app_url) -> None:
    demo_sign_in(page, app_url, "demo-990102")
    nav = page.get_by_test_id("stSidebarNav").inner_text()
    assert "Overview" not in nav and "Review" not in nav
    # the region profile is an official's first page
    assert "Jiacheng District" in page.get_by_test_id("stHeading").first.inner_text()
    assert page.locator("[data-testid='stSelectbox']").filter(has_text="Region").count() == 0
