"""The display-ready tables of the indicator, equity and compare pages (assessment/views), and the
figures built from them (ui/charts_analysis). Pure: no streamlit run, no database.

The small hand-made scoring catalogue and tree of ``tests/fixtures.py`` (two prefectures of two counties)
give figures checkable by hand; the real catalogue and the synthetic demo province check that the
views work at full size.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.catalogue import load_edition
from assessment.domain.i18n import LANGS, t
from assessment.scoring.analysis import Assessment, assess
from assessment.scoring.trends import ARROWS
from assessment.views import analysis_common as common
from assessment.views import compare as cmp
from assessment.views import equity as eq
from assessment.views import indicator as ind
from tests.fixtures import SCORING_COUNTIES as COUNTIES
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import full_values
from tests.fixtures import local_standard as local
from tests.fixtures import values_frame as values

STANDARDS = (local("990000", "S01.1", 92.0), local("990100", "S01.1", 95.0))


def _values_two_years() -> pd.DataFrame:
    """2023 and 2024; in 2024 County B2 (990202) does not report and the amounts spread less."""
    v23 = full_values(2023)
    v24 = full_values(2024, 1.1)
    v24 = v24.loc[v24["region_code"] != "990202"]
    return pd.concat([v23, v24], ignore_index=True)


@pytest.fixture(scope="module")
def result() -> Assessment:
    return assess(_values_two_years(), EDITION, TREE, STANDARDS)


@pytest.fixture(scope="module")
def demo() -> Assessment:
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values

    edition = load_edition()
    tree = demo_tree()
    return assess(synthetic_values(edition, tree), edition, tree, demo_local_standards(edition))


# -- analysis_common ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("asked", "options", "expected"),
    [
        ("2023", [2024, 2023, 2022], 2023),
        (" 2023 ", [2024, 2023], 2023),
        ("1999", [2024, 2023], None),
        (None, [2024], None),
        ("", ["990000"], None),
        ("990100", ["990000", "990100"], "990100"),
        ("S05.1", ["S05.1", "S06.1"], "S05.1"),
        ("s05.1", ["S05.1"], None),  # codes are exact
    ],
)
def test_pick_finds_the_option_a_url_names(asked: object, options: list, expected: object) -> None:
    assert common.pick(asked, options) == expected


@pytest.mark.parametrize(
    ("value", "confirmed", "expected"),
    [(80.0, True, "80"), (80.0, False, "80 *"), (5.2, True, "5.2"), (None, False, ""), (math.nan, True, "")],
)
def test_floor_text_marks_unconfirmed_floors(value: float | None, confirmed: bool, expected: str) -> None:
    assert common.floor_text(value, confirmed) == expected


@pytest.mark.parametrize(
    ("unit", "zh", "en"),
    [
        ("%", "%", "%"),
        ("元/人·年 CNY/person/yr", "元/人·年", "CNY/person/yr"),
        ("‰（每千活产 per 1,000 live births）", "‰（每千活产）", "‰ (per 1,000 live births)"),
        ("是=1 否=0 (yes=1 no=0)", "是=1 否=0", "yes=1 no=0"),
        ("人次/万人 visits per 10,000 residents", "人次/万人", "visits per 10,000 residents"),
        ("平方米/人 m²/resident", "平方米/人", "m²/resident"),
        ("CNY", "CNY", "CNY"),
    ],
)
def test_unit_text_picks_one_language(unit: str, zh: str, en: str) -> None:
    assert common.unit_text(unit, "zh") == zh
    assert common.unit_text(unit, "en") == en


def test_every_catalogue_unit_splits_cleanly() -> None:
    for indicator in load_edition().indicators:
        zh, en = common.unit_text(indicator.unit, "zh"), common.unit_text(indicator.unit, "en")
        assert zh and en, indicator.unit
        assert not any("\u3400" <= ch <= "\u9fff" for ch in en), f"Chinese left in {en!r}"
        assert not any(ch.isascii() and ch.isalpha() for ch in zh.replace("‰", "")), f"English in {zh!r}"


def test_jurisdictions_and_leaves_follow_the_tree() -> None:
    assert common.jurisdictions(TREE, "990000") == ["990000", "990100", "990200"]
    assert common.jurisdictions(TREE, "990100") == ["990100"]
    assert common.leaf_codes(TREE, "990000") == list(COUNTIES)
    assert common.leaf_codes(TREE, "990101") == ["990101"]


@pytest.mark.parametrize("lang", LANGS)
def test_every_trend_arrow_has_a_symbol_and_a_label(lang: str) -> None:
    labels = common.arrow_labels(lang)
    assert set(labels) == set(ARROWS)
    assert all(common.ARROW_SYMBOLS[a] in labels[a] and len(labels[a]) > 2 for a in ARROWS)


# -- indicator view -----------------------------------------------------------------------------------
def test_indicator_options_follow_the_catalogue_and_filter_by_aspect(result: Assessment) -> None:
    every = ind.indicator_options(result, "en")
    assert list(every) == [i.code for i in EDITION.indicators]
    assert "Aspect 1" in every["S01.1"] and "Item 1" in every["S01.1"] and every["S01.1"].startswith("S01.1")
    assert list(ind.indicator_options(result, "zh", "A2")) == ["S03.1", "S03.2"]


def test_indicator_info_lists_floor_and_binding_local_standards(result: Assessment) -> None:
    info = ind.indicator_info(result, "S01.1", 2024, "en")
    assert (info.national_floor, info.floor_confirmed, info.direction) == (90.0, True, "higher")
    assert info.edition == "TEST-1"
    # the province's 92 binds City B's two counties, City A's stricter 95 its own two
    assert sorted(info.local_standards) == [("City A", 95.0, 2), ("Test Province", 92.0, 2)]
    assert ind.indicator_info(result, "S03.1", 2024, "zh").floor_confirmed is False
    assert ind.indicator_info(result, "S01.2", 2024, "zh").local_standards == ()


def test_source_references_resolve_catalogue_tags_and_keep_unknown_ones() -> None:
    refs = ind.source_references("CN-2021", "IC-S8; NOPE")
    assert [r.tag for r in refs] == ["IC-S8", "NOPE"]
    assert refs[0].title and refs[0].url.startswith("http")
    assert refs[1].title == ""


def test_sources_markdown_links_only_plain_web_addresses() -> None:
    text = ind.sources_markdown(
        (
            ind.Source("A", "Title with *stars* and [brackets]", "https://example.org/x?a=1"),
            ind.Source("B", "Bad", "javascript:alert(1)"),
        )
    )
    assert "[example.org](https://example.org/x?a=1)" in text
    assert "javascript" not in text
    assert r"\*stars\*" in text and r"\[brackets\]" in text


@pytest.mark.parametrize(
    ("code", "order", "best_first"),
    [
        ("S01.1", ["990201", "990102", "990101"], [92.0, 91.0, 90.0]),  # higher is better
        ("S02.1", ["990101", "990102", "990201"], [5.0, 6.0, 7.0]),  # lower is better
    ],
)
def test_ranked_puts_the_best_first_and_the_silent_last(
    result: Assessment, code: str, order: list[str], best_first: list[float]
) -> None:
    frame = ind.ranked(result, code, 2024, "en")
    assert list(frame["region_code"].iloc[:3]) == order
    assert list(frame["value"].iloc[:3]) == pytest.approx(best_first)
    assert list(frame["rank"].iloc[:3]) == [1, 2, 3]
    last = frame.iloc[-1]
    assert last["region_code"] == "990202" and last["status"] == "no_data" and pd.isna(last["rank"])
    assert set(frame["region_code"]) == set(COUNTIES), "every county appears once"
    assert set(ind.RANKED_COLUMNS) == set(frame.columns)


def test_ranked_carries_standards_intervals_and_trend(result: Assessment) -> None:
    frame = ind.ranked(result, "S01.1", 2024, "zh").set_index("region_code")
    assert frame.loc["990101", "local_standard"] == 95.0 and frame.loc["990201", "local_standard"] == 92.0
    assert frame.loc["990101", "status"] == "below_local"  # 90 meets the floor, misses City A's 95
    assert frame.loc["990101", "ci_low"] < 90.0 < frame.loc["990101", "ci_high"]
    assert frame.loc["990101", "trend"].endswith(t("analysis.arrow.stagnating", "zh"))
    assert frame.loc["990202", "trend"].startswith(common.ARROW_SYMBOLS["insufficient_data"])


def test_ranked_ties_share_the_best_rank() -> None:
    rows = [(c, 2024, "S01.1", None, 95.0 if c in COUNTIES[:2] else 91.0, 100.0) for c in COUNTIES]
    res = assess(values(rows), EDITION, TREE)
    assert list(ind.ranked(res, "S01.1", 2024, "en")["rank"]) == [1, 1, 3, 3]


def test_views_never_change_the_assessment(result: Assessment) -> None:
    before = result.scores.copy()
    ind.ranked(result, "S01.1", 2024, "en")
    ind.trend_frame(result, "S01.1", "en")
    cmp.comparison(result, list(COUNTIES[:2]), 2024, "en", only_differences=True)
    eq.decomposition(result, 2024, "en")
    pd.testing.assert_frame_equal(result.scores, before)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(50, 100, allow_nan=False), min_size=4, max_size=4),
    st.randoms(use_true_random=False),
)
def test_ranked_order_ignores_the_order_of_the_input_rows(vals: list[float], rnd) -> None:
    rows = [(c, 2024, "S01.1", round(v, 3)) for c, v in zip(COUNTIES, vals, strict=True)]
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    a = ind.ranked(assess(values(rows), EDITION, TREE), "S01.1", 2024, "en")
    b = ind.ranked(assess(values(shuffled), EDITION, TREE), "S01.1", 2024, "en")
    pd.testing.assert_frame_equal(a, b)
    ranks = a["rank"].astype("float64").to_numpy()
    assert np.all(np.diff(a["value"].to_numpy()) <= 0), "higher is better: values fall down the list"
    assert np.all(np.diff(ranks) >= 0)


def test_summary_counts_the_ranked_frame(result: Assessment) -> None:
    head = ind.summary(ind.ranked(result, "S01.1", 2024, "en"))
    assert (head.regions_expected, head.regions_reporting) == (4, 3)
    assert (head.below_floor, head.below_local, head.meets) == (0, 2, 1)
    assert (head.best, head.worst, head.median) == (92.0, 90.0, 91.0)
    assert head.not_reported == ("County B2",) and head.small_numbers is False
    empty = ind.summary(ind.ranked(result, "S01.1", 1999, "en"))
    assert empty.regions_reporting == 0 and math.isnan(empty.median)


def test_trend_frame_and_summary(result: Assessment) -> None:
    trend = ind.trend_frame(result, "S03.1", "en")
    assert list(trend.columns) == [
        "region_code",
        "name",
        "parent_name",
        "period",
        "value",
        "ci_low",
        "ci_high",
        "status",
    ]
    assert len(trend) == 7, "4 counties in 2023, 3 in 2024"
    assert list(trend["region_code"].iloc[:2]) == ["990101", "990101"] and list(trend["period"].iloc[:2]) == [
        2023,
        2024,
    ]
    means = ind.trend_summary(result, "S03.1")
    assert list(means["period"]) == [2023, 2024] and (means["national_floor"] == 80.0).all()
    assert ind.trend_summary(result, "S01.2")["national_floor"].isna().all()


def test_equity_table_and_convergence_of_an_indicator(result: Assessment) -> None:
    table = ind.equity_table(result, "S03.1")
    assert list(table["period"]) == [2023, 2024]
    assert list(table.columns) == list(ind.EQUITY_TABLE_COLUMNS)
    # amounts 80..83 then 88..90.3: the same spread on a higher mean, so the CV fell
    assert ind.convergence(result, "S03.1") == "converging"
    one_year = assess(full_values(2024), EDITION, TREE)
    assert ind.convergence(one_year, "S03.1") == "insufficient"


def test_convergence_says_diverging_when_the_spread_grows() -> None:
    wider = full_values(2024)
    wider["value"] = np.where(wider["indicator_code"] == "S03.1", [60.0] * len(wider), wider["value"])
    wider.loc[(wider["indicator_code"] == "S03.1") & (wider["region_code"] == "990101"), "value"] = 120.0
    res = assess(pd.concat([full_values(2023), wider], ignore_index=True), EDITION, TREE)
    assert ind.convergence(res, "S03.1") == "diverging"


def test_outlines_turn_geojson_into_plot_paths() -> None:
    square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]
    geo = {
        "type": "FeatureCollection",
        "features": [
            {"properties": {"code": "A"}, "geometry": {"type": "Polygon", "coordinates": [square]}},
            {
                "properties": {"code": "B"},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[square], [[[5, 5], [6, 5], [6, 6], [5, 5]]]],
                },
            },
            {"properties": {"code": "C"}, "geometry": {"type": "Point", "coordinates": [0, 0]}},
        ],
    }
    out = ind.outlines(geo, ["B", "A", "C", "missing"])
    assert [o.code for o in out] == ["B", "A"], "order kept; points and unknown codes skipped"
    b, a = out
    assert a.area == pytest.approx(1.0) and a.centre == pytest.approx((0.4, 0.4))
    assert b.lon.count(None) == 1 and len(b.lon) == len(b.lat) == 5 + 1 + 4
    assert len(a.lon) == 5 and None not in a.lon


def test_outlines_cover_every_demo_county(demo: Assessment) -> None:
    from assessment.demo import demo_boundaries

    counties = common.leaf_codes(demo.tree, demo.jurisdiction)
    shapes = ind.outlines(demo_boundaries(), counties)
    assert [o.code for o in shapes] == counties
    assert all(o.area > 0 for o in shapes)


# -- equity -------------------------------------------------------------------------------------------
def test_measures_over_time_is_the_equity_table_in_long_form(result: Assessment) -> None:
    long = eq.measures_over_time(result, "en")
    assert set(long["measure"]) == set(eq.MEASURES)
    assert list(long["aspect"].unique()) == ["Aspect 1", "Aspect 2"]
    e = result.equity_aspect.set_index(["code", "period"])
    for row in long.itertuples():
        assert row.value == pytest.approx(e.loc[(row.aspect_code, row.period), row.measure])


def test_decomposition_adds_up_and_names_its_groups(result: Assessment) -> None:
    d = eq.decomposition(result, 2023, "zh")
    assert list(d["aspect"]) == ["方面一", "方面二"]
    assert np.allclose(d["theil_between"] + d["theil_within"], d["theil"])
    share = d["between_share"]
    assert share.dropna().between(0, 1).all()
    assert (share.isna() == (d["theil"] == 0)).all(), "no share of a zero Theil index"
    basis = eq.decomposition_basis(result)
    assert basis.groups == ("990100", "990200") and basis.level == "prefecture" and not basis.single_group
    city = assess(_values_two_years(), EDITION, TREE, jurisdiction="990100")
    assert eq.decomposition_basis(city).single_group


def test_below_floor_counts_and_labels(result: Assessment) -> None:
    b = eq.below_floor(result, "en")
    assert len(b) == 4, "2 aspects x 2 years"
    assert (b["label"] == b["n_below_floor"].astype(str) + "/" + b["n_regions"].astype(str)).all()
    assert b["pop_share_below_floor"].between(0, 1).all()


def test_convergence_table_has_every_aspect_and_a_verdict(result: Assessment) -> None:
    c = eq.convergence(result, "en")
    assert list(c["aspect_code"]) == ["A1", "A2"]
    assert set(c["verdict"]) <= {"converging", "diverging", "insufficient"}
    assert (c["verdict_label"] == c["verdict"].map(lambda v: t(f"analysis.verdict.{v}", "en"))).all()
    one_year = assess(full_values(2024), EDITION, TREE)
    assert set(eq.convergence(one_year, "zh")["verdict"]) == {"insufficient"}


def test_equity_views_cope_with_no_data() -> None:
    empty = assess(full_values(2024).iloc[:0], EDITION, TREE)
    assert eq.measures_over_time(empty, "en").empty
    assert eq.below_floor(empty, "en").empty
    assert list(eq.convergence(empty, "en")["verdict"]) == ["insufficient", "insufficient"]


def test_aspect_table_on_the_demo(demo: Assessment) -> None:
    table = eq.aspect_table(demo, "zh")
    assert len(table) == 9 * 3
    assert table["aspect"].iloc[0] == "幼有所育"


# -- compare ------------------------------------------------------------------------------------------
OPTIONS = ["a", "b", "c", "d", "e", "f"]


@pytest.mark.parametrize(
    ("asked", "chosen", "refused"),
    [
        (None, ["a", "b"], []),
        ("", ["a", "b"], []),
        ("c,a", ["c", "a"], []),
        ("c, c ,a", ["c", "a"], []),
        ("a,zz,b", ["a", "b"], ["zz"]),
        ("a,b,c,d,e", ["a", "b", "c", "d"], []),
        (["d", "x"], ["d"], ["x"]),
        ([], [], []),
    ],
)
def test_selection_keeps_only_allowed_counties(asked: object, chosen: list, refused: list) -> None:
    assert cmp.selection(asked, OPTIONS) == (chosen, refused)


@given(st.lists(st.sampled_from([*OPTIONS, "x", "990999", ""]), max_size=10))
def test_selection_invariants(asked: list[str]) -> None:
    chosen, refused = cmp.selection(asked, OPTIONS)
    assert set(chosen) <= set(OPTIONS) and len(chosen) <= cmp.MAX_REGIONS
    assert len(chosen) == len(set(chosen))
    assert not set(refused) & set(OPTIONS)
    assert chosen == [a for a in dict.fromkeys(asked) if a in OPTIONS][: cmp.MAX_REGIONS]


def test_region_options_name_the_parent_below_a_province() -> None:
    assert cmp.region_options(TREE, "990000", "en")["990101"] == "County A1（City A）"
    assert cmp.region_options(TREE, "990100", "zh") == {"990101": "甲一县", "990102": "甲二县"}


def test_aspect_scores_put_overall_last(result: Assessment) -> None:
    s = cmp.aspect_scores(result, ["990201", "990202"], 2024, "en")
    assert len(s) == 3 * 2
    assert list(s["aspect_code"]) == ["A1", "A1", "A2", "A2", "overall", "overall"]
    assert list(s["region"].iloc[:2]) == ["County B1", "County B2"]
    silent = s.loc[s["region_code"] == "990202"]
    assert silent["score"].isna().all()
    assert set(silent["status"]) == {"no_data", "insufficient_data"}, "aspects no data, overall insufficient"
    assert s.loc[s["aspect_code"] == "overall", "aspect"].iloc[0] == t("compare.overall", "en")


def test_region_summary_keeps_the_selection_order(result: Assessment) -> None:
    s = cmp.region_summary(result, ["990201", "990101"], 2024, "en")
    assert list(s["region_code"]) == ["990201", "990101"]
    assert s["rank_in_level"].notna().all()


def test_comparison_flags_differing_statuses(result: Assessment) -> None:
    c = cmp.comparison(result, ["990101", "990201"], 2024, "en")
    assert c.regions == ("County A1", "County B1")
    table = c.table.set_index("indicator_code")
    # S01.1: 90 below City A's 95 (below_local) vs 92 meeting the province's 92
    assert table.loc["S01.1", "differs"] and table.loc["S01.1", "spread"] == pytest.approx(2.0)
    assert not table.loc["S03.2", "differs"]
    assert table.loc["S03.1", "floor"] == "80 *" and table.loc["S01.2", "floor"] == ""
    assert list(c.status.columns) == list(c.regions) and len(c.status) == len(c.table)
    only = cmp.comparison(result, ["990101", "990201"], 2024, "en", only_differences=True)
    assert list(only.table["indicator_code"]) == list(table.index[table["differs"]])
    assert list(
        cmp.comparison(result, ["990101", "990201"], 2024, "zh", aspect="A2").table["indicator_code"]
    ) == [
        "S03.1",
        "S03.2",
    ]


def test_comparison_with_a_silent_county_does_not_call_it_different(result: Assessment) -> None:
    c = cmp.comparison(result, ["990101", "990202"], 2024, "en")
    assert not c.table["differs"].any(), "no_data is not a different status"
    assert c.table["spread"].isna().all(), "no spread with one value"


def test_column_labels_disambiguate_shared_names() -> None:
    from assessment.domain.model import Region, RegionTree

    tree = RegionTree(
        (
            Region("1", "省", "P", "province", None, 3),
            Region("11", "城关镇", "Town", "county", "1", 1),
            Region("12", "城关镇", "Town", "county", "1", 2),
        )
    )
    assert cmp.column_labels(tree, ["11", "12"], "en") == ["Town (11)", "Town (12)"]


def test_compare_views_on_the_demo(demo: Assessment) -> None:
    codes = ["990102", "990323", "990222", "990381"]
    scores = cmp.aspect_scores(demo, codes, 2024, "zh")
    assert len(scores) == 10 * 4
    c = cmp.comparison(demo, codes, 2024, "en")
    assert len(c.table) == len(demo.edition.indicators)
    assert c.table["differs"].any()


# -- figures ------------------------------------------------------------------------------------------
def test_map_draws_on_plain_axes_with_no_network_fetch(demo: Assessment) -> None:
    from assessment.demo import demo_boundaries
    from ui import charts_analysis as charts

    info = ind.indicator_info(demo, "S05.1", 2024, "en")
    frame = ind.ranked(demo, "S05.1", 2024, "en")
    shapes = ind.outlines(demo_boundaries(), list(frame["region_code"]))
    fig = charts.status_map(frame, shapes, ind.outlines(demo_boundaries(), ["990100"]), info, "en")
    assert {tr.type for tr in fig.data} == {"scatter"}, (
        "no geo trace: plotly's geo fetches a world map online"
    )
    assert "geo" not in fig.to_dict()["layout"]
    filled = [tr for tr in fig.data if tr.fill == "toself"]
    assert {tr.name for tr in filled} <= set(charts.status_labels("en").values())
    assert any("CN-2021" in (a.text or "") for a in fig.layout.annotations), "the edition is named"


@pytest.mark.parametrize("lang", LANGS)
def test_ranked_chart_marks_the_floor_the_local_standard_and_intervals(demo: Assessment, lang: str) -> None:
    from ui import charts_analysis as charts

    info = ind.indicator_info(demo, "S01.1", 2024, lang)  # floor 80, not confirmed
    frame = ind.ranked(demo, "S01.1", 2024, lang)
    fig = charts.ranked_dots(frame, info, lang)
    texts = [a.text or "" for a in fig.layout.annotations]
    assert any("80 *" in x for x in texts), "the unconfirmed floor carries its asterisk"
    assert any(s.type == "line" for s in fig.layout.shapes)
    dots = [tr for tr in fig.data if tr.mode == "markers" and tr.error_x and tr.error_x.visible]
    assert dots, "rates carry Wilson intervals"
    assert sum(len(tr.x) for tr in dots) == int(frame["value"].notna().sum())
    assert fig.layout.xaxis.title.text == t("analysis.value_axis", lang, unit="%")


def test_status_styler_marks_values_by_status(result: Assessment) -> None:
    from ui import charts_compare as charts

    c = cmp.comparison(result, ["990101", "990201"], 2024, "en")
    html = charts.status_styler(c.table, c.status, c.regions).to_html()
    assert "90.00 ▽" in html, "County A1's 90 is below City A's local standard"
    assert "#fff1b8" in html, "rows whose statuses differ are highlighted"


# --- the overview heatmap for large jurisdictions ------------------------------------------------------


def test_heatmap_groups_counties_by_the_regions_below_when_there_are_many(
    demo: Assessment, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessment.scoring.analysis import aspect_matrix
    from assessment.views import overview as ov

    period = max(demo.periods)
    assert not ov.heatmap_by_child(demo)  # 20 counties: one row each
    monkeypatch.setattr(ov, "MAX_HEATMAP_COUNTIES", 5)
    assert ov.heatmap_by_child(demo)
    counties = aspect_matrix(demo, period, "en")
    grouped = ov.by_child(counties, demo, "en")
    tree = demo.tree
    kids = tree.children(demo.jurisdiction)
    assert list(grouped.index) == [k.name_en for k in kids]
    assert grouped.attrs["region_codes"] == [k.code for k in kids]
    assert sum(grouped.attrs["counties"]) == len(counties)
    # by hand for the first prefecture and the first aspect: population-weighted, scored counties only
    first = kids[0].code
    rows = [i for i, c in enumerate(counties.attrs["region_codes"]) if tree.get(c).parent_code == first]
    col = counties.iloc[rows, 0].to_numpy()
    pop = np.array([tree.get(counties.attrs["region_codes"][i]).population for i in rows], dtype=float)
    ok = ~np.isnan(col)
    assert grouped.iloc[0, 0] == pytest.approx(float((col[ok] * pop[ok]).sum() / pop[ok].sum()))
    # the worst county's status, never an average
    order = ["no_data", "no_standard", "meets", "below_local", "below_floor", "insufficient_data"]
    statuses = [counties.attrs["status"][i][0] for i in rows]
    assert grouped.attrs["status"][0][0] == max(statuses, key=order.index)
    items = ov.by_child(ov.item_matrix(demo, period, demo.edition.aspects[0].code, "en"), demo, "en")
    assert items.shape[0] == len(kids) and len(items.attrs["item_codes"]) == items.shape[1]


def test_ranked_chart_for_thousands_of_counties_is_one_screen_high(demo: Assessment) -> None:
    from ui import charts_analysis as charts

    info = ind.indicator_info(demo, "S01.1", 2024, "en")
    one = ind.ranked(demo, "S01.1", 2024, "en")
    copies = [
        one.assign(name=one["name"] + f" #{k}", region_code=one["region_code"] + f"{k:03d}")
        for k in range(150)
    ]
    frame = pd.concat(copies, ignore_index=True).sort_values("value", ascending=False, na_position="last")
    n = int(frame["value"].notna().sum())
    assert n > charts.MAX_NAMED_ROWS
    fig = charts.ranked_dots(frame, info, "en")
    assert fig.layout.height == 460
    dots = [tr for tr in fig.data if tr.mode == "markers"]
    assert sorted(x for tr in dots for x in tr.x) == list(range(1, n + 1))  # every county, by rank
    assert any(tr.error_y.visible for tr in dots), "rates keep their Wilson intervals"
    assert any("80 *" in (a.text or "") for a in fig.layout.annotations), "the floor line is labelled"
    assert "Rank" in fig.layout.xaxis.title.text and "CN-2021" in " ".join(
        a.text or "" for a in fig.layout.annotations
    )


def test_trend_bands_and_grouping_for_many_counties(demo: Assessment) -> None:
    from ui import charts_analysis as charts

    trend = ind.trend_frame(demo, "S01.1", "en")
    bands = ind.trend_bands(trend)
    assert list(bands.columns) == ["period", "n", "p10", "p25", "p50", "p75", "p90"]
    last = trend.loc[trend["period"] == bands["period"].iloc[-1], "value"]
    row = bands.iloc[-1]
    assert row["n"] == len(last) and row["p50"] == pytest.approx(last.median())
    assert row["p10"] <= row["p25"] <= row["p50"] <= row["p75"] <= row["p90"]
    info = ind.indicator_info(demo, "S01.1", 2024, "en")
    fig = charts.trend_lines(trend, ind.trend_summary(demo, "S01.1"), info, "en", bands)
    assert len(fig.data) < 10, "bands, median and mean instead of a line per county"
    assert {tr.name for tr in fig.data if tr.fill == "tonexty"} == {
        t("analysis.band_outer", "en"),
        t("analysis.band_inner", "en"),
    }
    frame = ind.ranked(demo, "S01.1", 2024, "en")  # the province: grouped by its cities
    assert set(frame["group_name"]) == {c.name_en for c in demo.tree.children(demo.jurisdiction)}


def test_compare_bars_hatch_below_floor_aspects_over_the_bar_colour(demo: Assessment) -> None:
    """The hatch marks an aspect with an indicator below the floor; drawn over the bar's colour, not
    instead of it (plotly's default "replace" left those bars white: invisible)."""
    from ui import charts_compare as charts

    scores = cmp.aspect_scores(demo, ["990102", "990323"], 2024, "en")
    assert (scores["status"] == "below_floor").any()
    fig = charts.compare_bars(scores, demo.edition.id, "en")
    for bar in fig.data:
        pattern = bar.marker.pattern
        assert pattern.fillmode == "overlay" and bar.marker.color
        sub = scores.loc[scores["region"] == bar.name]
        assert list(pattern.shape) == ["/" if s == "below_floor" else "" for s in sub["status"]]
