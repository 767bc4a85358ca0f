"""AppTest: the region profile for an evaluator (any county below) and an official (own only)."""

from __future__ import annotations

import pytest

from tests.fixtures import app_as


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_region_profile_renders_spine_and_trend(demo_env: str, lang: str) -> None:
    at = app_as("demo-province", lang, page="region.py")
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) == 2, "spine chart and trend lines"
    assert at.selectbox(key="region_code").options, "an evaluator chooses among the counties"


def test_evaluator_can_switch_region_and_aspect(demo_env: str) -> None:
    at = app_as("demo-province", "zh", page="region.py")
    at.selectbox(key="region_code").set_value("990321").run()
    at.selectbox(key="region_aspect").set_value("A4").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "丙山县" in at.title[0].value


def test_official_sees_only_own_region_even_with_crafted_state(demo_env: str) -> None:
    at = app_as("demo-990102", "en", page="region.py")
    assert not at.exception, [e.value for e in at.exception]
    assert "Jiacheng" in at.title[0].value
    assert not at.get("selectbox") or all(s.key != "region_code" for s in at.selectbox)
    # a crafted widget value for another county changes nothing
    at.session_state["region_code"] = "990321"
    at.run()
    assert "Jiacheng" in at.title[0].value and "Bingshan" not in at.title[0].value


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_official_sees_the_small_cell_mark_not_peer_ranks(demo_env: str, lang: str) -> None:
    """Issue 15 point 8: an official's ranks come from fewer than 3 other counties (their view holds
    only their own), so the rank figure is the mark "—" with its note, never "1/1"."""
    from assessment.domain.disclosure import note
    from assessment.domain.i18n import t

    at = app_as("demo-990123", lang, page="region.py")
    assert not at.exception, [e.value for e in at.exception]
    rank = next(m for m in at.metric if m.label == t("region.kpi_rank", lang))
    assert rank.value == "—" and "/" not in rank.value
    assert note(lang) in [c.value for c in at.caption]
    # an evaluator still sees the ranks
    at = app_as("demo-jia", lang, page="region.py")
    rank = next(m for m in at.metric if m.label == t("region.kpi_rank", lang))
    assert "/" in rank.value and "—" not in rank.value


def test_spine_chart_units_are_in_the_page_language(demo_env: str) -> None:
    at = app_as("demo-990123", "zh", page="region.py")
    import json

    spec = json.dumps(json.loads(at.get("plotly_chart")[0].proto.spec), ensure_ascii=False)
    assert "婴儿死亡率" in spec and "每千活产" in spec
    assert "live births" not in spec and "yes=1" not in spec
