"""End to end on the fictional national demo: the national evaluator signs in and sees the overview
of the whole country, heatmap by province and the map of every county with province borders."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from tests import national_demo
from tests.e2e.conftest import ROOT, SHOTS, _free_port, demo_sign_in, go_to

pytestmark = pytest.mark.e2e
national_db_url = national_demo.national_db_url  # the fixture of the seeded national demo
STREAMLIT = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true"]
STREAMLIT += ["--browser.gatherUsageStats", "false"]


@pytest.fixture(scope="module")
def national_app(national_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run dashboard.py`` on a free port against the seeded national demo."""
    port = _free_port()
    env = {**os.environ, "ASSESSMENT_DB_URL": national_db_url, "ASSESSMENT_DEMO": "1"}
    log = open(tmp_path_factory.mktemp("e2e-national-log") / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [*STREAMLIT, "--server.port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app server did not answer /_stcore/health within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


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
