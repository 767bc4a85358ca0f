"""AppTest: the like-for-like peers section of the region profile and the indicator view (issue 19,
point 6): an evaluator sees who the peers are and why, an official only anonymised aggregates, and
both read that the floor stays the pass/fail line."""

from __future__ import annotations

import pytest

from assessment.domain.i18n import t
from tests.fixtures import app_as


def _texts(at) -> str:  # type: ignore[no-untyped-def]
    return " ".join(
        [str(x.value) for x in (*at.markdown, *at.caption, *at.info, *at.subheader, *at.title)]
        + [d.value.to_csv() for d in at.dataframe]
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_evaluator_sees_nearest_neighbours_named_with_attributes(demo_env: str, lang: str) -> None:
    at = app_as("demo-province", lang, page="region.py")
    at.selectbox(key="region_code").set_value("990322").run()  # 丙岭县: a poor mountain county
    assert not at.exception, [e.value for e in at.exception]
    page = _texts(at)
    assert t("peer_groups.title", lang) in page and t("peer_groups.floor_line", lang) in page
    who = next(d.value for d in at.dataframe if "distance" in d.value.columns)
    names = " ".join(who["region"])
    # its five nearest neighbours on the demo attributes, nearest first
    for name_zh, name_en in [("丙峰自治县", "Bingfeng"), ("丙山县", "Bingshan"), ("丙河县", "Binghe")]:
        assert (name_zh if lang == "zh" else name_en) in names
    assert len(who) == 6, "the region and its 5 nearest neighbours"
    assert "甲新区" not in names and "Jiaxin" not in names, "the rich district is no peer of it"
    table = next(d.value for d in at.dataframe if "median" in d.value.columns)
    assert len(table) > 10 and table["rank"].str.len().gt(0).any()
    assert who["distance"].iloc[1:].astype(float).is_monotonic_increasing


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_official_sees_aggregates_only_never_a_peer_name(demo_env: str, lang: str) -> None:
    from assessment.store import Store

    at = app_as("demo-990123", lang, page="region.py")
    assert not at.exception, [e.value for e in at.exception]
    page = _texts(at)
    assert t("peer_groups.floor_line", lang) in page
    assert t("peer_groups.anonymised", lang, n=5) in page
    assert not any("distance" in d.value.columns for d in at.dataframe), "no list of named peers"
    table = next(d.value for d in at.dataframe if "median" in d.value.columns)
    assert len(table) > 10 and set(table.columns) >= {"n", "p25", "median", "p75", "rank", "gap_median"}
    with Store(demo_env) as s:
        tree = s.region_tree()
    for r in tree:
        if r.code != "990123" and not tree.is_within("990123", r.code):
            assert r.name_zh not in page and r.name_en not in page, r.code


def test_official_admin_group_without_definition_says_so(demo_env: str) -> None:
    at = app_as("demo-990123", "zh", page="region.py")
    at.radio(key="region_peers").set_value("admin").run()
    assert not at.exception, [e.value for e in at.exception]
    page = _texts(at)
    assert t("peer_groups.no_admin_group", "zh") in page or t("peer_groups.no_peers", "zh") in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_indicator_view_compares_a_chosen_region_with_its_peers(demo_env: str, lang: str) -> None:
    at = app_as("demo-province", lang, page="indicator.py")
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="indicator_peers_region").set_value("990103").run()  # 甲新区: the richest district
    assert not at.exception, [e.value for e in at.exception]
    table = next(d.value for d in at.dataframe if "median" in d.value.columns)
    assert len(table) == 1, "one row: the indicator shown"
    values = next(d.value for d in at.dataframe if list(d.value.columns) == ["region", "value", "status"])
    assert 1 <= len(values) <= 5
    assert ("甲城区" if lang == "zh" else "Jiacheng") in " ".join(values["region"])


def test_methodology_page_explains_the_peer_rules(demo_env: str) -> None:
    at = app_as("demo-province", "en", page="methodology.py")
    assert not at.exception, [e.value for e in at.exception]
    assert any("Like-for-like peers" in m.value and "4 of 6" in m.value for m in at.markdown)
