"""The fictional demo province: tree, boundaries, local standards and synthetic values."""

from __future__ import annotations

import importlib.util
from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.catalogue import load_edition
from assessment.catalogue.local_standards import binding_standards
from assessment.demo import (
    DEMO_DIR,
    DEMO_PERIODS,
    demo_boundaries,
    demo_local_standards,
    demo_profiles,
    demo_tree,
    synthetic_values,
)
from assessment.demo.synthetic import _anchors, denominator_share
from assessment.domain.model import RegionTree


@pytest.fixture(scope="module")
def edition():
    return load_edition("CN-2021")


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return demo_tree()


@pytest.fixture(scope="module")
def values(edition, tree) -> pd.DataFrame:
    return synthetic_values(edition, tree)


@pytest.fixture(scope="module")
def profiles() -> dict[str, str]:
    df = demo_profiles()
    return dict(zip(df["region_code"], df["profile"], strict=True))


def _codes(profiles: dict[str, str], *wanted: str) -> list[str]:
    return sorted(c for c, p in profiles.items() if p in wanted)


# --- the tree -------------------------------------------------------------------------------------


def test_tree_shape(tree):
    levels = pd.Series([r.level for r in tree]).value_counts().to_dict()
    assert levels == {"province": 1, "prefecture": 3, "county": 20}
    assert tree.root.code == "990000" and tree.root.name_zh == "示例省"
    assert [p.code for p in tree.children("990000")] == ["990100", "990200", "990300"]
    assert all(r.code.startswith("99") for r in tree)  # outside every real GB/T 2260 province code


def test_tree_populations_and_profiles(tree, profiles):
    counties = [r for r in tree if r.level == "county"]
    assert all(150_000 <= r.population <= 1_200_000 for r in counties)
    for parent in [tree.root, *tree.children("990000")]:
        kids = tree.children(parent.code)
        assert parent.population == sum(k.population for k in kids)
    assert [r.code for r in tree if not r.reports] == ["990224"]
    assert set(profiles) == {r.code for r in counties}
    assert profiles["990224"] == "non_reporting"
    assert len(_codes(profiles, "suspicious")) == 1
    assert len(_codes(profiles, "rich_urban")) >= 2 and len(_codes(profiles, "poor_mountainous")) >= 3
    for code in _codes(profiles, "poor_mountainous"):
        assert tree.get(code).mountainous
    for code in _codes(profiles, "rich_urban"):
        assert tree.get(code).urban and tree.get(code).fiscal_capacity_per_head >= 15_000


# --- the boundaries -------------------------------------------------------------------------------


def _polygons(feature: dict) -> list[list[np.ndarray]]:
    geom = feature["geometry"]
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    return [[np.asarray(ring, dtype=float) for ring in poly] for poly in polys]


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def _inside(points: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Even-odd ray casting, vectorised over points and edges."""
    x, y = points[:, :1], points[:, 1:]
    x1, y1, x2, y2 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
    crosses = ((y1 > y) != (y2 > y)) & (x < x1 + (y - y1) * (x2 - x1) / np.where(y2 == y1, 1, y2 - y1))
    return crosses.sum(axis=1) % 2 == 1


def _covers(feature: dict, points: np.ndarray) -> np.ndarray:
    out = np.zeros(len(points), dtype=bool)
    for poly in _polygons(feature):
        inside = _inside(points, poly[0])
        for hole in poly[1:]:
            inside &= ~_inside(points, hole)
        out |= inside
    return out


@pytest.fixture(scope="module")
def boundaries() -> dict:
    return demo_boundaries()


def test_every_region_has_a_feature(boundaries, tree):
    assert boundaries["type"] == "FeatureCollection"
    feats = {f["id"]: f for f in boundaries["features"]}
    assert set(feats) == {r.code for r in tree}
    for reg in tree:
        props = feats[reg.code]["properties"]
        assert props["code"] == reg.code
        assert (props["name_zh"], props["name_en"], props["level"]) == (reg.name_zh, reg.name_en, reg.level)
        assert feats[reg.code]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert "fictional" in boundaries["note"].lower()


def test_rings_are_closed_oriented_and_in_a_plausible_place(boundaries):
    for feat in boundaries["features"]:
        for poly in _polygons(feat):
            assert _signed_area(poly[0]) > 0  # RFC 7946: outer rings counter-clockwise
            for ring in poly:
                assert (ring[0] == ring[-1]).all() and len(ring) >= 4
                assert ring[:, 0].min() >= 100 and ring[:, 0].max() <= 104
                assert ring[:, 1].min() >= 28 and ring[:, 1].max() <= 31
            for hole in poly[1:]:
                assert _signed_area(hole) < 0


def _area(feature: dict) -> float:
    return sum(sum(_signed_area(r) for r in poly) for poly in _polygons(feature))


def test_children_tile_their_parent(boundaries, tree):
    feats = {f["id"]: f for f in boundaries["features"]}
    for parent in [tree.root, *tree.children(tree.root.code)]:
        kids = sum(_area(feats[k.code]) for k in tree.children(parent.code))
        assert kids == pytest.approx(_area(feats[parent.code]), rel=1e-6)


def test_counties_do_not_overlap_and_cover_the_province(boundaries, tree):
    feats = {f["id"]: f for f in boundaries["features"]}
    lon, lat = np.meshgrid(np.linspace(100.01, 103.99, 90), np.linspace(28.01, 30.99, 70))
    points = np.column_stack([lon.ravel(), lat.ravel()])
    in_province = _covers(feats[tree.root.code], points)
    counties = [r for r in tree if r.level == "county"]
    hits = np.stack([_covers(feats[c.code], points) for c in counties])
    assert in_province.sum() > 1000
    assert (hits.sum(axis=0)[in_province] == 1).all()  # every point in exactly one county
    assert not hits[:, ~in_province].any()  # and none outside the province
    for county, row in zip(counties, hits, strict=True):  # each county in its own prefecture
        assert _covers(feats[county.parent_code], points[row]).all()


def test_boundaries_file_is_what_the_script_makes():
    path = DEMO_DIR.parents[1] / "scripts" / "make_demo_boundaries.py"
    spec = importlib.util.spec_from_file_location("make_demo_boundaries", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0


def test_boundaries_are_a_fresh_copy():
    first = demo_boundaries()
    first["features"].clear()
    assert demo_boundaries()["features"]


# --- local standards ------------------------------------------------------------------------------


def test_demo_local_standards_load_against_the_catalogue(edition, tree):
    stds = demo_local_standards(edition)
    floors = {i.code: i.national_floor for i in edition.indicators}
    province = {s.indicator_code for s in stds if s.jurisdiction_code == "990000"}
    assert len(province) >= 10
    assert sum(floors[c] is not None for c in province) >= 10
    prefecture = [s for s in stds if s.jurisdiction_code != "990000"]
    assert {s.jurisdiction_code for s in prefecture} == {"990100"} and len(prefecture) >= 3
    assert all("fictional" in s.note for s in stds)
    b23 = binding_standards(stds, tree, edition, 2023).set_index(["region_code", "indicator_code"])
    b24 = binding_standards(stds, tree, edition, 2024).set_index(["region_code", "indicator_code"])
    changed = b23["local_standard"].ne(b24["local_standard"])
    assert changed.any()  # a standard revised from 2024
    assert (b24.loc[("990102", "S05.1"), "set_by_code"]) == "990100"  # the prefecture goes higher
    assert (b24.loc[("990202", "S05.1"), "set_by_code"]) == "990000"


# --- synthetic values -----------------------------------------------------------------------------


def test_values_shape_and_types(values, edition, tree):
    assert list(values.columns) == [
        "region_code", "period", "indicator_code", "value", "numerator", "denominator", "note",
    ]  # fmt: skip
    assert str(values["period"].dtype) == "int64" and str(values["value"].dtype) == "float64"
    reporting = [r.code for r in tree if r.level == "county" and r.reports]
    assert len(values) == len(reporting) * len(DEMO_PERIODS) * len(edition.indicators)
    assert set(values["region_code"]) == set(reporting)
    assert "990224" not in set(values["region_code"])
    assert not values.duplicated(["region_code", "period", "indicator_code"]).any()
    assert values["value"].notna().all() and np.isfinite(values["value"]).all()


def test_rates_are_consistent(values, edition):
    kinds = {i.code: i.kind for i in edition.indicators}
    is_rate = values["indicator_code"].map(kinds).eq("rate")
    rates = values[is_rate]
    assert rates["denominator"].gt(0).all()
    assert (rates["numerator"] <= rates["denominator"]).all()
    assert np.allclose(rates["value"], (100 * rates["numerator"] / rates["denominator"]).round(2))
    assert rates["value"].between(0, 100).all()
    others = values[~is_rate]
    assert others["numerator"].isna().all() and others["denominator"].isna().all()
    assert (values["value"] >= 0).all()
    booleans = values[values["indicator_code"].map(kinds).eq("boolean")]
    assert set(booleans["value"]) <= {0.0, 1.0}


def test_same_seed_same_frame_other_seed_other_frame(edition, tree, values):
    pd.testing.assert_frame_equal(values, synthetic_values(edition, tree))
    other = synthetic_values(edition, tree, seed=7)
    assert not other["value"].equals(values["value"])


def test_a_county_and_a_period_do_not_depend_on_the_others(edition, tree, values):
    alone = RegionTree(tuple(r for r in tree if r.code in {"990000", "990300", "990322"}))
    part = synthetic_values(edition, alone, periods=(2023,))
    full = values[(values["region_code"] == "990322") & (values["period"] == 2023)].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, full)


def _meets_floor(values: pd.DataFrame, edition) -> pd.DataFrame:
    ind = edition.indicator_frame()[["indicator_code", "national_floor", "direction"]]
    df = values.merge(ind, on="indicator_code").dropna(subset=["national_floor"])
    higher = df["direction"] == "higher"
    df["meets"] = np.where(higher, df["value"] >= df["national_floor"], df["value"] <= df["national_floor"])
    return df


def test_rich_counties_meet_more_floors_than_poor_mountainous_ones(values, edition, profiles):
    share = _meets_floor(values, edition).groupby(["period", "region_code"])["meets"].mean()
    rich, poor = _codes(profiles, "rich_urban"), _codes(profiles, "poor_mountainous")
    for period in DEMO_PERIODS:
        assert share[period][rich].min() == 1.0
        assert share[period][rich].min() > share[period][poor].max()
    misses = _meets_floor(values, edition).query("not meets").groupby("region_code").size()
    worst = [c for c in poor if c.startswith("9903")]
    assert (misses[worst] >= 3 * len(DEMO_PERIODS)).all()  # below the floor on several items every year


def test_rich_urban_districts_meet_every_local_standard(values, edition, tree, profiles):
    stds = demo_local_standards(edition)
    direction = {i.code: i.direction for i in edition.indicators}
    for period in DEMO_PERIODS:
        bind = binding_standards(stds, tree, edition, period)
        df = values[values["period"] == period].merge(bind, on=["region_code", "indicator_code"])
        higher = df["indicator_code"].map(direction).eq("higher")
        df["meets"] = np.where(
            higher, df["value"] >= df["local_standard"], df["value"] <= df["local_standard"]
        )
        by_county = df.groupby("region_code")["meets"].mean()
        assert (by_county[_codes(profiles, "rich_urban")] == 1.0).all()
        assert by_county[_codes(profiles, "average")].mean() < 1.0  # average ones miss some


def test_most_counties_improve_and_some_deteriorate(values, edition, profiles):
    score = _meets_floor(values, edition)
    # a direction-aware level: value over floor (inverted for lower-is-better)
    ratio = (
        np.where(score["direction"] == "higher", score["value"], -score["value"]) / score["national_floor"]
    )
    level = score.assign(level=ratio).groupby(["region_code", "period"])["level"].mean().unstack()
    improving = level[2024] > level[2022]
    assert improving.mean() >= 0.75
    wide = values.pivot_table(index=["region_code", "indicator_code"], columns="period", values="value")
    falling = ((wide[2023] < wide[2022]) & (wide[2024] < wide[2023])).groupby(level="region_code").sum()
    for code in _codes(profiles, "stagnating", "deteriorating"):
        assert falling[code] >= 5
    assert falling[_codes(profiles, "rich_urban")].max() <= 2


def test_suspicious_county_looks_suspicious(values, edition, tree, profiles):
    [sus] = _codes(profiles, "suspicious")
    a = _anchors(edition)
    room = a.loc[
        a["floor"].notna() & (a["kind"] != "boolean") & (a["H"] != a["F"]), ["indicator_code", "floor"]
    ]
    df = values.merge(room, on="indicator_code")
    at_floor = (df["value"] == df["floor"]).groupby(df["region_code"]).mean()
    assert at_floor[sus] >= 0.4
    assert at_floor.drop(sus).max() <= 0.15
    pop = values["region_code"].map({r.code: r.population for r in tree})
    too_big = values[values["denominator"] > pop]
    assert set(too_big["region_code"]) == {sus}
    rates = values[values["numerator"].notna()]
    wide = rates.pivot_table(index=["region_code", "indicator_code"], columns="period", values="value")
    jump = (wide[2024] - wide[2023]).groupby(level="region_code").max()
    assert jump[sus] >= 20
    assert jump.drop(sus).max() < 20


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("Maternal systematic-management rate mothers of live births", 0.010),
        ("Townships with a children's supervisor", 1 / 25_000),
        ("Villages and communities with a children's director", 1 / 1_500),
        ("Standardised health management of residents aged 65+", 0.14),
        ("Basic medical-insurance participation rate", 0.7),
        ("Something unheard of", 0.01),
    ],
)
def test_denominator_share_table(text, share):
    assert denominator_share(text) == pytest.approx(share)


@cache
def _catalogue():
    return load_edition("CN-2021")


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_invariants_hold_for_any_seed(seed):
    ed = _catalogue()
    vals = synthetic_values(ed, demo_tree(), periods=(2022, 2024), seed=seed)
    rates = vals.dropna(subset=["denominator"])
    assert rates["value"].between(0, 100).all()
    assert (rates["numerator"] <= rates["denominator"]).all()
    assert (vals["value"] >= 0).all() and np.isfinite(vals["value"]).all()
    assert len(vals) == 19 * 2 * len(ed.indicators)
