"""AppTest: the app renders with the seeded demo database, signed in as a demo evaluator."""

from __future__ import annotations

import pytest

from tests.fixtures import app_as, shown


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_renders_heatmap_with_edition_caption(demo_env: str, lang: str) -> None:
    at = app_as("demo-province", lang)
    assert not at.exception, [e.value for e in at.exception]
    title = "总览" if lang == "zh" else "Overview"
    assert any(title in t.value for t in at.title)
    assert len(at.get("plotly_chart")) >= 1, "the overview draws its heatmap"
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "CN-2021" in captions


def test_overview_period_and_basis_switch(demo_env: str) -> None:
    # zh: AppTest applies a radio's format_func outside the session, i.e. in the default language
    at = app_as("demo-province", "zh")
    periods = at.selectbox(key="overview_period").options
    assert periods == ["2024", "2023", "2022"]
    at.selectbox(key="overview_period").select("2022").run()
    at.radio(key="overview_basis").set_value("floor").run()
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.get("plotly_chart")) >= 1


def test_signed_out_visitor_sees_only_the_sign_in_screen(demo_env: str) -> None:
    at = app_as(None, "en")
    assert not at.exception
    assert not at.get("plotly_chart"), "no data before signing in"


def test_assessment_is_shared_per_jurisdiction_and_checked_for_every_user(demo_env: str) -> None:
    """Two evaluators viewing one city share one cached result; the store still checks each user,
    so an official of one county gets AccessDenied for the city even when the result is cached."""
    import streamlit as st

    from assessment.demo import demo_tree
    from assessment.domain.access import AccessDenied
    from ui import data

    st.cache_resource.clear()
    try:
        by_province = data.assessment("demo-province", "990100")
        by_city = data.assessment("demo-jia", "990100")
        assert by_city is by_province
        tree = demo_tree()
        counties = {r.code for r in tree.descendants("990100") if not tree.children(r.code)}
        assert set(by_city.scores["region_code"].astype(str)) == counties
        with pytest.raises(AccessDenied):
            data.assessment("demo-990102", "990100")
        own = data.assessment("demo-990102", "990102")
        assert set(own.scores["region_code"].astype(str)) == {"990102"}
    finally:
        st.cache_resource.clear()


def test_overview_heatmap_has_a_row_per_city_when_there_are_many_counties(
    demo_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    from assessment.views import overview as ov

    monkeypatch.setattr(ov, "MAX_HEATMAP_COUNTIES", 5)  # the demo's 20 counties count as "many"
    at = app_as("demo-province", "en")
    assert not at.exception, [e.value for e in at.exception]
    assert any("population-weighted mean of its counties" in c.value for c in at.caption)
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    from assessment.demo import demo_tree

    cities = [c.name_en for c in demo_tree().children("990000")]
    assert heatmap["type"] == "heatmap" and heatmap["y"] == cities and len(cities) == 3
