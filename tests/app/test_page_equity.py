"""AppTest: the equity page (app_pages/equity.py) on the seeded demo province."""

from __future__ import annotations

import json

import pytest

from tests.app.test_page_indicator import page_as
from tests.fixtures import app_as, shown

CHARTS = ("equity_lines", "equity_theil", "equity_below")


def chart(at, key: str) -> dict:
    found = [c for c in at.get("plotly_chart") if getattr(c, "key", None) == key]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_equity_page_renders_lines_decomposition_counts_and_verdicts(demo_env: str, lang: str) -> None:
    at = app_as("demo-province", lang, page="equity.py")
    _ok(at)
    assert at.title[0].value == ("均等化：示例省" if lang == "zh" else "Equity: Sample Province")
    assert {c.key for c in at.get("plotly_chart")} == set(CHARTS)
    lines = chart(at, "equity_lines")
    assert len(lines["data"]) == 9 * 3, "nine aspects in three panels"
    verdicts = at.dataframe[0].value
    assert len(verdicts) == 9
    assert "CN-2021" in " ".join(shown(c.value) for c in at.caption)
    assert not at.info, "a province has prefectures to compare"


def test_decomposition_year_and_jurisdiction_change_the_view(demo_env: str) -> None:
    at = app_as("demo-province", "zh", page="equity.py")
    before = chart(at, "equity_theil")
    at.selectbox(key="equity_period").set_value(2022).run()
    _ok(at)
    assert chart(at, "equity_theil") != before
    assert at.query_params["period"] == "2022"
    at.selectbox(key="equity_region").set_value("990100").run()
    _ok(at)
    assert "示例甲市" in at.title[0].value
    assert at.info, "one prefecture: the between part is 0 and the page says why"


def test_prefecture_evaluator_cannot_reach_the_province(demo_env: str) -> None:
    at = page_as("demo-jia", "equity.py", region="990000")
    _ok(at)
    assert at.error, "the province in the link is refused"
    assert "Sample Jia City" in at.title[0].value
    at.session_state["equity_region"] = "990000"
    at.run()
    _ok(at)
    assert "Sample Jia City" in at.title[0].value


def test_unknown_year_in_the_link_is_explained(demo_env: str) -> None:
    at = page_as("demo-province", "equity.py", period="2031")
    _ok(at)
    assert at.warning and "2031" in at.warning[0].value
    assert len(at.get("plotly_chart")) == len(CHARTS)
