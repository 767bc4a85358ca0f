"""End to end on the fictional national demo: the national evaluator signs in and sees the overview
of the whole country, heatmap by province and the map of every county with province borders."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import national_demo
from tests.e2e.conftest import SHOTS, demo_sign_in, go_to, serve_app

pytestmark = pytest.mark.e2e
national_db_url = national_demo.national_db_url  # the fixture of the seeded national demo


@pytest.fixture(scope="module")
def national_app(national_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run server.py`` on a free port against the seeded national demo."""
    with serve_app(national_db_url, tmp_path_factory.mktemp("e2e-national-log")) as url:
        yield url


@pytest.fixture
def national_page(browser, national_app: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    yield pg
    context.close()


def test_national_evaluator_sees_the_country_on_the_overview_map(national_page, national_app) -> None:
    page = national_page
    demo_sign_in(page, national_app, "demo-national", lang="zh")
    assert "示例国" in page.get_by_test_id("stHeading").first.inner_text()
    page.locator(".js-plotly-plot").first.wait_for()
    assert page.locator(".js-plotly-plot .heatmaplayer").count() >= 1
    the_map = page.locator(".st-key-overview_map")
    the_map.locator(".scatterlayer path.point").first.wait_for(state="attached")
    assert the_map.locator(".scatterlayer path.js-fill").count() >= 3, "counties filled by colour"
    assert the_map.locator(".scatterlayer path.point").count() == 65, "a hover point per county"
    page.screenshot(path=str(SHOTS / "national_overview.png"), full_page=True)
    go_to(page, "equity")
    assert any("省份之间" in h for h in page.locator("[data-testid='stHeading']").all_inner_texts())
