"""AppTest: comparing two to four counties (app_pages/compare.py) on the seeded demo province."""

from __future__ import annotations

import json

import pytest

from tests.app.test_page_indicator import page_as
from tests.fixtures import app_as, shown


def bars(at) -> list[dict]:
    found = [c for c in at.get("plotly_chart") if getattr(c, "key", None) == "compare_scores"]
    assert found, "no score chart"
    return json.loads(found[0].proto.spec)["data"]


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_compare_renders_two_counties_by_default(demo_env: str, lang: str) -> None:
    at = app_as("demo-province", lang, page="compare.py")
    _ok(at)
    assert at.multiselect(key="compare_regions").value == ["990102", "990103"]
    assert len(bars(at)) == 2, "one bar series per county"
    assert len(at.dataframe) == 2, "summary and indicator table"
    assert "CN-2021" in " ".join(shown(c.value) for c in at.caption)


def test_adding_counties_and_filters_change_the_output(demo_env: str) -> None:
    at = app_as("demo-province", "zh", page="compare.py")
    at.multiselect(key="compare_regions").select("990323").run()
    _ok(at)
    assert len(bars(at)) == 3
    assert at.query_params["regions"] == "990102,990103,990323"
    full = len(at.dataframe[1].value)
    at.toggle(key="compare_only_differences").set_value(True).run()
    _ok(at)
    fewer = at.dataframe[1].value
    assert 0 < len(fewer) < full and fewer["differs"].all()
    at.selectbox(key="compare_aspect").set_value("A4").run()
    _ok(at)
    assert set(at.dataframe[1].value["indicator_code"].str[:3]) <= {f"S{n}" for n in range(30, 50)}


def test_one_county_asks_for_a_second(demo_env: str) -> None:
    at = app_as("demo-province", "en", page="compare.py")
    at.multiselect(key="compare_regions").unselect("990103").run()
    _ok(at)
    assert at.info and not at.get("plotly_chart")


def test_link_opens_the_same_comparison(demo_env: str) -> None:
    at = page_as("demo-province", "compare.py", regions="990321,990202,990381", period="2023")
    _ok(at)
    assert at.multiselect(key="compare_regions").value == ["990321", "990202", "990381"]
    assert at.selectbox(key="compare_period").value == 2023
    assert not at.warning


def test_counties_outside_the_jurisdiction_are_dropped(demo_env: str) -> None:
    # the Jia City evaluator asks, by link, for a Yi City county beside two of their own
    at = page_as("demo-jia", "compare.py", regions="990102,990223,990103")
    _ok(at)
    assert at.warning, "the refused county is mentioned"
    assert at.multiselect(key="compare_regions").value == ["990102", "990103"]
    assert not any(o.startswith("Yinan") for o in at.multiselect(key="compare_regions").options)
    summary = at.dataframe[0].value
    assert not summary["region"].str.startswith("Yi").any()
    # and by a crafted session value
    at.session_state["compare_regions"] = ["990223", "990102", "990124"]
    at.run()
    _ok(at)
    assert at.multiselect(key="compare_regions").value == ["990102", "990124"]


def test_official_cannot_compare_other_counties(demo_env: str) -> None:
    at = page_as("demo-990102", "compare.py", regions="990102,990103")
    _ok(at)
    # an evaluator page: run directly by an official it refuses and shows no data at all
    assert at.error, "the official is refused"
    assert not at.get("plotly_chart") and not at.dataframe
    assert not any(m.key == "compare_regions" for m in at.multiselect)
