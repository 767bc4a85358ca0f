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
def test_official_sees_their_rank_among_anonymised_peers(demo_env: str, lang: str) -> None:
    """Issue 16 point 5 (was issue 15's "—"): an official's rank comes from the core's anonymised
    peer statistics ("rank 4 of 16"), never "1/1"; no other region is named or valued anywhere."""
    import json
    import re

    from assessment.domain.i18n import t
    from assessment.store import Store

    at = app_as("demo-990123", lang, page="region.py")
    assert not at.exception, [e.value for e in at.exception]
    rank = next(m for m in at.metric if m.label == t("peers.rank_title", lang))
    found = re.findall(r"(\d+)\D+?(\d+)", rank.value)
    assert found and all(1 <= int(r) <= int(n) and int(n) >= 4 for r, n in found), rank.value
    assert "1/1" not in rank.value
    # the same figures as the store gives (aggregates only)
    with Store(demo_env) as s:
        tree = s.region_tree()
        others = [r for r in tree if r.code != "990123" and not tree.is_within("990123", r.code)]
    page = " ".join(
        [str(x.value) for x in (*at.markdown, *at.caption, *at.metric, *at.title, *at.subheader)]
        + [str(m.help) for m in at.metric]
        + [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]
        + [d.value.to_csv() for d in at.dataframe]
    )
    for r in others:
        for name in (r.name_zh, r.name_en):
            assert name not in page, f"another region ({r.code}) is named on the official's page"
    # the spine chart: quartile band and median, but no range of extremes (a minimum is one region)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = [tr.get("name") for tr in spec["data"]]
    assert t("region.legend_middle", lang) in names and t("peers.legend_median", lang) in names
    assert t("region.legend_peers", lang) not in names
    # an evaluator still sees the real ranks
    at = app_as("demo-jia", lang, page="region.py")
    within = t("region.rank_scope.prefecture", lang)  # a county of the prefecture: one rank, named
    rank = next(m for m in at.metric if m.label == t("region.kpi_rank_one", lang, scope=within))
    assert re.fullmatch(r"\d+/\d+", rank.value), rank.value


def test_spine_chart_units_are_in_the_page_language(demo_env: str) -> None:
    at = app_as("demo-990123", "zh", page="region.py")
    import json

    spec = json.dumps(json.loads(at.get("plotly_chart")[0].proto.spec), ensure_ascii=False)
    assert "婴儿死亡率" in spec and "每千活产" in spec
    assert "live births" not in spec and "yes=1" not in spec
