"""End to end in a real browser: an official never sees peer figures of fewer than 3 other regions
(issue 15 point 8). Its own server on its own copy of the demo database, in which Jianan County's
prefecture (示例甲市) is left with only two other counties whose reports count."""

from __future__ import annotations

import re
import shutil

import pytest
import sqlalchemy as sa

from assessment.domain.disclosure import note
from assessment.domain.i18n import t
from tests.e2e.conftest import SHOTS, demo_sign_in, serve_app

pytestmark = pytest.mark.e2e

OFFICIAL, COUNTY = "demo-990123", "990123"  # 甲南县 in 示例甲市 (990100, seven counties)
KEPT = ("990102", "990103")  # the two other counties of the prefecture still counted


@pytest.fixture
def few_peers_url(demo_db_url: str, tmp_path):  # type: ignore[no-untyped-def]
    db = tmp_path / "assessment.db"
    shutil.copy(demo_db_url.removeprefix("sqlite:///"), db)
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # every other county of the prefecture: its reports returned
        others = [
            r[0]
            for r in conn.execute(sa.text("SELECT code FROM regions WHERE parent_code = '990100'"))
            if r[0] not in (COUNTY, *KEPT)
        ]
        assert len(others) == 4
        for code in others:
            conn.execute(
                sa.text("UPDATE submissions SET status = 'returned' WHERE region_code = :c"), {"c": code}
            )
        counted = conn.execute(
            sa.text(
                "SELECT COUNT(DISTINCT s.region_code) FROM submissions s"
                " JOIN regions r ON r.code = s.region_code"
                " WHERE r.parent_code = '990100' AND s.status = 'approved' AND s.region_code != :c"
            ),
            {"c": COUNTY},
        ).scalar_one()
    engine.dispose()
    assert counted == 2, "two other reporting counties in the prefecture"
    with serve_app(f"sqlite:///{db}", tmp_path) as url:
        yield url


@pytest.mark.parametrize("lang", ["zh"])
def test_official_sees_the_mark_and_not_the_peer_figures(browser, few_peers_url: str, lang: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        demo_sign_in(page, few_peers_url, OFFICIAL, lang=lang)
        assert "甲南县" in page.get_by_test_id("stHeading").first.inner_text(), "the region profile"
        metrics = page.get_by_test_id("stMetric")
        rank = metrics.filter(has_text=t("peers.rank_title", lang))  # the rank among anonymised peers
        assert rank.count() == 1
        # the prefecture (2 other counties counted) is withheld; the province's rank is shown alone
        value = rank.get_by_test_id("stMetricValue").inner_text().strip()
        assert re.fullmatch(r"第 \d+ 名 / 共 \d+ 个", value), value
        body = page.get_by_test_id("stMain").inner_text()
        assert t("peers.group_name.prefecture", lang) + "：—" in body, "the prefecture's figures withheld"
        assert note(lang) in body, "the footnote explains the mark"
        page.screenshot(path=str(SHOTS / "small_cells_official_zh.png"), full_page=True)
    finally:
        context.close()
