"""End to end in a real browser: the main journeys of an evaluator and an official."""

from __future__ import annotations

import pytest

from assessment.domain.reporting_status import count_label
from tests.e2e.conftest import SHOTS, demo_sign_in, go_to, wait_idle

pytestmark = pytest.mark.e2e


def test_evaluator_sees_overview_heatmap_and_map_and_drills_into_a_region(page, app_url) -> None:
    demo_sign_in(page, app_url, "demo-province")
    assert "Overview" in page.get_by_test_id("stHeading").first.inner_text()
    charts = page.locator(".js-plotly-plot")
    charts.first.wait_for()
    assert charts.count() >= 2, "heatmap and map are drawn"
    # the heatmap shows numbers in cells (plotly text), the map has filled county shapes
    assert page.locator(".js-plotly-plot .heatmaplayer").count() >= 1
    the_map = page.locator(".st-key-overview_map")
    assert the_map.locator(".scatterlayer path.js-fill").count() >= 3, "counties filled, grouped by colour"
    assert the_map.locator(".scatterlayer path.point").count() == 20, "a hover point per county"
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)
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


def test_official_fixes_and_submits_then_the_evaluator_approves_and_the_overview_changes(
    page, browser, app_url, tmp_path
) -> None:
    import openpyxl

    from tests.e2e.conftest import ROOT

    # (a) Jianan County's 2024 report was returned; its official downloads the template, uploads a
    # workbook with an error, sees it at its cell, fixes it and submits a new version.
    demo_sign_in(page, app_url, "demo-990123")
    go_to(page, "upload")
    with page.expect_download() as download:
        page.locator(".st-key-upload_template button").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert openpyxl.load_workbook(template)["填报"]["A4"].value, "the template has indicator rows"

    wb = openpyxl.load_workbook(ROOT / "sample_reports" / "990123_2024.xlsx")
    ws = wb["填报"]
    ws["M4"] = "figures re-checked after the return"
    good = tmp_path / "990123_2024_v2.xlsx"
    wb.save(good)
    ws["J4"] = "not a number"
    bad = tmp_path / "990123_2024_bad.xlsx"
    wb.save(bad)

    uploader = page.get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(str(bad))
    wait_idle(page)
    page.get_by_test_id("stAlertContentError").first.wait_for()
    assert "填报!J4" in page.get_by_test_id("stTable").first.inner_text(), "the error names its cell"
    assert page.locator(".st-key-upload_submit").count() == 0, "no submit while errors remain"
    page.screenshot(path=str(SHOTS / "upload_error.png"), full_page=True)

    uploader.set_input_files(str(good))  # a single-file uploader replaces its file
    wait_idle(page)
    page.locator(".st-key-upload_submit button").click()
    wait_idle(page)
    page.get_by_test_id("stAlertContentSuccess").first.wait_for()  # a loaded machine: the run after the click
    alerts = page.get_by_test_id("stAlertContentSuccess").all_inner_texts()
    assert any("2" in a and "115" not in a for a in alerts), f"version 2 is announced: {alerts}"

    # (b) the provincial evaluator approves it, and the overview counts one more reporting county
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    ev = context.new_page()
    ev.set_default_timeout(90_000)
    demo_sign_in(ev, app_url, "demo-province")
    approved = ev.get_by_test_id("stMetric").filter(
        has_text=count_label("approved", "en")
    )  # approved / expected
    before = approved.get_by_test_id("stMetricValue").first.inner_text()
    go_to(ev, "review")
    ev.locator(".st-key-review_pick").scroll_into_view_if_needed()  # below the counts and deadlines
    ev.locator(".st-key-review_pick").click()
    ev.get_by_role("option").filter(has_text="Jianan").first.click()
    wait_idle(ev)
    ev.locator(".st-key-review_decision").get_by_text("Approve", exact=True).click()  # no default decision
    wait_idle(ev)
    ev.locator(".st-key-review_comment textarea").fill("Checked: figures agree with the county's records.")
    ev.locator(".st-key-review_submit button").click()
    wait_idle(ev)
    go_to(ev, "overview")
    after = approved.get_by_test_id("stMetricValue").first.inner_text()
    ev.screenshot(path=str(SHOTS / "overview_after_approval.png"), full_page=True)
    context.close()
    n_before, n_after = int(before.split()[0]), int(after.split()[0])
    assert n_after == n_before + 1, f"regions approved: {before} -> {after}"


@pytest.mark.parametrize(
    ("user", "pages"),
    [
        (
            "demo-province",
            ["region", "indicator", "equity", "compare", "review", "standards", "reports", "methodology"],
        ),
        ("demo-admin", ["admin"]),
    ],
)
def test_every_page_renders_in_the_browser_and_is_saved_as_a_screenshot(page, app_url, user, pages) -> None:
    demo_sign_in(page, app_url, user)
    page.screenshot(path=str(SHOTS / f"{user}_home.png"), full_page=True)
    for name in pages:
        go_to(page, name)
        heading = page.get_by_test_id("stHeading").first.inner_text()
        assert heading.strip(), f"{name} has a title"
        assert page.get_by_test_id("stException").count() == 0, f"{name} shows no exception"
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_admin_uploads_map_boundaries_in_the_browser(page, app_url, tmp_path) -> None:
    """A broken GeoJSON is explained and stores nothing; the demo's own boundaries (unchanged, so
    the other journeys see the same maps) are then checked and saved."""
    from assessment.demo import DEMO_DIR

    demo_sign_in(page, app_url, "demo-admin")
    go_to(page, "admin")
    page.get_by_role("tab", name="Boundaries").click()
    wait_idle(page)
    assert "20 / 20" in page.get_by_test_id("stMetricValue").first.inner_text()
    bad = tmp_path / "broken.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    uploader = page.locator(".st-key-admin_boundaries_file").get_by_test_id("stFileUploaderDropzoneInput")
    uploader.set_input_files(str(bad))
    wait_idle(page)
    error = page.get_by_test_id("stAlertContentError").first.inner_text()
    assert "broken.geojson" in error and "not valid JSON" in error, error
    assert page.locator(".st-key-admin_boundaries_save").count() == 0, "nothing to save"
    uploader.set_input_files(str(DEMO_DIR / "boundaries.geojson"))
    wait_idle(page)
    page.locator(".st-key-admin_boundaries_preview .js-plotly-plot").wait_for()
    page.screenshot(path=str(SHOTS / "admin_boundaries_preview.png"), full_page=True)
    page.locator(".st-key-admin_boundaries_save button").click()
    wait_idle(page)
    page.get_by_role("tab", name="Boundaries").click()
    wait_idle(page)
    success = page.get_by_test_id("stAlertContentSuccess").first.inner_text()
    assert "Saved the boundaries of 24 regions" in success, success
    page.screenshot(path=str(SHOTS / "admin_boundaries.png"), full_page=True)
