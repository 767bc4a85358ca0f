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


def test_official_uploads_a_corrected_report_and_submits_it(page, app_url, tmp_path) -> None:
    import openpyxl

    from tests.e2e.conftest import ROOT

    # a real workbook: the county's 2024 report with one value changed, and a broken copy
    wb = openpyxl.load_workbook(ROOT / "sample_reports" / "990102_2024.xlsx")
    ws = wb["填报"]
    ws["M4"] = "corrected after review"
    good = tmp_path / "990102_2024_v2.xlsx"
    wb.save(good)
    ws["J4"] = "not a number"
    bad = tmp_path / "990102_2024_bad.xlsx"
    wb.save(bad)

    demo_sign_in(page, app_url, "demo-990102")
    go_to(page, "upload")
    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(str(bad))
    wait_idle(page)
    page.get_by_test_id("stAlertContentError").first.wait_for()
    assert "填报!J4" in page.get_by_test_id("stTable").first.inner_text(), "the error names its cell"
    assert page.locator(".st-key-upload_submit").count() == 0, "no submit while errors remain"

    uploader.set_input_files(str(good))  # a single-file uploader replaces its file
    wait_idle(page)
    page.locator(".st-key-upload_submit button").click()
    wait_idle(page)
    alerts = page.get_by_test_id("stAlertContentSuccess").all_inner_texts()
    assert any("2" in a and "115" not in a for a in alerts), f"version 2 is announced: {alerts}"
