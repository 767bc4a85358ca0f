"""AppTest: the indicator view (app_pages/indicator.py) on the seeded demo province."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from tests.fixtures import ROOT, app_as, shown, sign_in_browser

CHARTS = ("indicator_ranked", "indicator_map", "indicator_distribution", "indicator_trend")


def chart(at, key: str) -> dict:
    """The plotly figure (data and layout) drawn under ``key``."""
    found = [c for c in at.get("plotly_chart") if getattr(c, "key", None) == key]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


def array(value: object) -> np.ndarray:
    """A plotly array from the figure JSON (plain list, or base64 typed array)."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
    return np.asarray(value)


def dots(at) -> int:
    """How many counties the ranked chart shows (its status dots: the traces with error bars)."""
    data = chart(at, "indicator_ranked")["data"]
    return sum(len(array(d["x"])) for d in data if d.get("mode") == "markers" and "error_x" in d)


def page_as(username: str, page: str, lang: str = "en", **params: str):
    """The page script run on its own (no navigation) as ``username``, with ``params`` in the URL:
    what a crafted link does, even to a page the navigation would not offer."""

    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=90)
    sign_in_browser(at, username)
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicator_view_renders_every_part(demo_env: str, lang: str) -> None:
    at = app_as("demo-province", lang, page="indicator.py")
    _ok(at)
    assert at.title[0].value == ("指标视图：示例省" if lang == "zh" else "Indicator view: Sample Province")
    assert {c.key for c in at.get("plotly_chart")} == set(CHARTS)
    assert len(at.dataframe) == 5, "equity, county table, and the peers: who, comparison, their values"
    captions = " ".join(shown(c.value) for c in at.caption)
    assert "CN-2021" in captions
    assert "*" in captions, "S01.1's floor is unconfirmed: the footnote is shown"
    stamp = chart(at, "indicator_map")["layout"]["annotations"][0]["text"]
    assert "CN-2023" in stamp, "2024 (the period shown) is scored by the 2023 edition"
    assert "geo" not in chart(at, "indicator_map")["layout"], "the map needs no world map from a CDN"


def test_choosing_an_indicator_and_a_year_changes_the_view(demo_env: str) -> None:
    at = app_as("demo-province", "zh", page="indicator.py")
    first = chart(at, "indicator_ranked")
    at.selectbox(key="indicator_code").set_value("S06.4").run()
    _ok(at)
    assert shown(at.subheader[0].value).startswith("S06.4")
    assert chart(at, "indicator_ranked") != first
    assert at.query_params["indicator"] == "S06.4", "the choice is kept in the URL"
    in_2024 = dots(at)
    at.selectbox(key="indicator_period").set_value(2022).run()
    _ok(at)
    assert dots(at) > in_2024, "more counties had reported by 2022's close than for 2024 so far"


def test_aspect_filter_narrows_the_indicator_list(demo_env: str) -> None:
    at = app_as("demo-province", "zh", page="indicator.py")
    every = len(at.selectbox(key="indicator_code").options)
    at.selectbox(key="indicator_aspect").set_value("A9").run()
    _ok(at)
    options = at.selectbox(key="indicator_code").options
    assert 0 < len(options) < every
    assert at.selectbox(key="indicator_code").value.startswith(("S7", "S8")), "the aspect's first indicator"
    assert not at.main.warning, "a filter change is not an unknown link value"


def test_jurisdiction_switch_narrows_to_one_prefecture(demo_env: str) -> None:
    at = app_as("demo-province", "zh", page="indicator.py")
    assert at.selectbox(key="indicator_region").options == ["示例省", "示例甲市", "示例乙市", "示例丙自治州"]
    at.selectbox(key="indicator_region").set_value("990200").run()
    _ok(at)
    assert "示例乙市" in at.title[0].value
    table = at.dataframe[1].value
    assert len(table) == 7, "Yi City has seven counties"


def test_link_values_open_the_same_view(demo_env: str) -> None:
    at = page_as("demo-province", "indicator.py", region="990100", indicator="S05.1", period="2023")
    _ok(at)
    assert "Sample Jia City" in at.title[0].value
    assert at.selectbox(key="indicator_code").value == "S05.1"
    assert at.selectbox(key="indicator_period").value == 2023
    assert not at.error and not at.warning


@pytest.mark.parametrize(
    ("param", "value"),
    [("period", "1999"), ("indicator", "ZZ.9"), ("period", "<b>2024</b>")],
)
def test_unknown_link_values_are_explained_not_fatal(demo_env: str, param: str, value: str) -> None:
    at = page_as("demo-province", "indicator.py", **{param: value})
    _ok(at)
    assert at.warning, "an unknown value in the link gets a message"
    assert "<b>" not in at.warning[0].value
    assert len(at.get("plotly_chart")) == len(CHARTS), "the default view is shown"


def test_out_of_scope_region_in_the_link_is_refused(demo_env: str) -> None:
    at = page_as("demo-jia", "indicator.py", region="990200")  # Yi City: not under Jia City
    _ok(at)
    assert at.error and "outside your jurisdiction" in at.error[0].value
    assert "Sample Jia City" in at.title[0].value
    names = set(at.dataframe[1].value["name"])
    assert names and not any(n.startswith("Yi") for n in names), "no Yi City county is shown"


def test_crafted_session_value_cannot_widen_the_view(demo_env: str) -> None:
    at = app_as("demo-jia", "zh", page="indicator.py")
    assert not any(s.key == "indicator_region" for s in at.selectbox), "one jurisdiction: no chooser"
    at.session_state["indicator_region"] = "990000"
    at.run()
    _ok(at)
    assert "示例甲市" in at.title[0].value
    assert len(at.dataframe[1].value) == 7


def test_official_is_not_offered_the_page_and_sees_only_own_county_anyway(demo_env: str) -> None:
    at = app_as("demo-990102", "en")
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page("app_pages/indicator.py")
    # run directly with a crafted link, the page still shows nothing beyond the official's county
    at = page_as("demo-990102", "indicator.py", region="990000")
    _ok(at)
    assert at.error, "an evaluator page refuses an official"
    assert not at.dataframe and not at.get("plotly_chart"), "and shows no data"
