"""AppTest of the fiscal affordability sections (issue 19 point 7) on the demo database: the region
page's figures, the overview's burden table and best-yuan list, the standards page's cost of each
local standard; an official sees their own region only."""

from __future__ import annotations

import pytest

from tests.app.test_page_upload import table
from tests.fixtures import app_as


@pytest.mark.parametrize(("lang", "band"), [("zh", "可承受性"), ("en", "Affordability")])
def test_region_page_shows_cost_against_own_revenue(demo_env: str, lang: str, band: str) -> None:
    at = app_as("demo-province", lang, page="region.py")
    at.selectbox(key="region_code").set_value("990323").run()  # Bingfeng: poor, many gaps
    assert not at.exception, [e.value for e in at.exception]
    labels = [m.label for m in at.metric]
    assert band in labels
    shown = {m.label: m.value for m in at.metric}
    assert shown[band] in (
        ("压力较大", "可承受", "难以承受") if lang == "zh" else ("Demanding", "Affordable", "Strained")
    )
    costed = "已估算" if lang == "zh" else "gaps costed"
    assert any(costed in c.value for c in at.caption)


def test_overview_lists_the_burden_and_where_a_yuan_goes_furthest(demo_env: str) -> None:
    at = app_as("demo-province", "en", page="overview.py")
    assert not at.exception, [e.value for e in at.exception]
    burden = table(at, "Local part / own revenue")
    assert len(burden) == 20  # every county of the demo province, heaviest first
    assert burden["Costed / gaps"].str.fullmatch(r"\d+ / \d+").all()
    best = table(at, "Gaps closed per 10,000 CNY")
    assert best["Rank"].tolist()[:3] == [1, 2, 3]


def test_standards_page_shows_what_each_standard_costs(demo_env: str) -> None:
    at = app_as("demo-province", "en", page="standards.py")
    assert not at.exception, [e.value for e in at.exception]
    costs = table(at, "Extra cost (10,000 CNY)")
    assert len(costs) >= 1 and costs["Meet the floor, miss the standard"].ge(0).all()


def test_an_official_sees_only_their_own_region(demo_env: str) -> None:
    at = app_as("demo-990102", "en", page="region.py")
    assert not at.exception, [e.value for e in at.exception]
    assert "Affordability" in [m.label for m in at.metric]
    assert not [d for d in at.dataframe if "Local part / own revenue" in d.value.columns]
