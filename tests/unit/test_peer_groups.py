"""Like-for-like peers (issue 19 point 6): nearest neighbours, administrator groups, comparison."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.catalogue.regions import load_region_tree
from assessment.domain.model import Region, RegionTree
from assessment.scoring import peer_groups as pg

DEMO = load_region_tree(Path(__file__).resolve().parents[2] / "assessment" / "demo" / "regions.csv")


def _tree(*counties: Region) -> RegionTree:
    return RegionTree((Region("99", "省", "P", "province", None, 10), *counties))


def _county(i: int, pop: int, fiscal: float | None, **flags: bool) -> Region:
    return Region(
        f"9901{i:02d}", f"县{i}", f"C{i}", "county", "99", pop, fiscal_capacity_per_head=fiscal, **flags
    )


# ---- nearest neighbours on the demo -------------------------------------------------------------


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("990322", ["990323", "990321", "990324", "990224", "990325"]),  # 丙岭县: poor mountain county
        ("990103", ["990102", "990104", "990202", "990203", "990121"]),  # 甲新区: the richest district
        ("990223", ["990224", "990222", "990324", "990124", "990321"]),  # 乙南县: poor, mountainous
    ],
)
def test_demo_nearest_neighbours(region: str, expected: list[str]) -> None:
    nn = pg.nearest_neighbours(DEMO, region)
    assert nn["peer_code"].tolist() == expected
    assert nn["rank"].tolist() == [1, 2, 3, 4, 5]
    assert nn["distance"].is_monotonic_increasing
    assert (nn["attributes_missing"] == "").all()


def test_default_k_and_cap() -> None:
    assert pg.DEFAULT_K == {"province": 5, "national": 15}
    assert len(pg.nearest_neighbours(DEMO, "990322", k=100)) == 19  # every other county, no more


def test_distance_worked_example() -> None:
    """Two attributes differ: log population z-scores and one flag; the rest are equal."""
    tree = _tree(_county(1, 100, 10.0), _county(2, 100, 10.0, urban=True), _county(3, 10_000, 10.0))
    std = pg.standardised(pg.attribute_frame(tree, ["990101", "990102", "990103"]))
    # logs 4.605, 4.605, 9.210: mean 6.140, sd 2.171 -> z = -0.7071, -0.7071, 1.4142
    assert std["population"].round(4).tolist() == [-0.7071, -0.7071, 1.4142]
    assert std["fiscal_capacity_per_head"].tolist() == [0.0, 0.0, 0.0]  # constant: 0
    d = pg.distances(std, "990101").set_index("peer_code")["distance"]
    assert d["990102"] == pytest.approx(1.0)  # only the urban flag differs
    assert d["990103"] == pytest.approx(math.sqrt(2.1213**2), rel=1e-4)  # 3 / sqrt(2)


def test_missing_fiscal_capacity_uses_the_other_attributes_scaled() -> None:
    tree = _tree(_county(1, 100, None), _county(2, 100, 10.0, urban=True), _county(3, 100, 50.0))
    nn = pg.nearest_neighbours(tree, "990101", k=2)
    assert nn["attributes_missing"].tolist() == ["fiscal_capacity_per_head"] * 2
    # 990102 differs by the urban flag only: 1 over 4 of 5 weights, scaled by 5/4
    assert nn.set_index("peer_code").at["990102", "distance"] == pytest.approx(math.sqrt(5 / 4))
    assert nn["peer_code"].tolist() == ["990103", "990102"]


def test_ties_are_broken_by_code() -> None:
    tree = _tree(_county(5, 100, 10.0), _county(3, 100, 10.0), _county(1, 100, 10.0), _county(4, 100, 10.0))
    assert pg.nearest_neighbours(tree, "990104", k=2)["peer_code"].tolist() == ["990101", "990103"]


def test_weights_change_the_order_and_bad_weights_are_refused() -> None:
    tree = _tree(_county(1, 100, 10.0), _county(2, 100, 10.0, urban=True), _county(3, 300, 10.0))
    # log-population z gap of 2.12 outweighs the urban flag (1) ...
    assert pg.nearest_neighbours(tree, "990101", k=1)["peer_code"].tolist() == ["990102"]
    # ... until the flag weighs 10 (sqrt(10) = 3.16)
    heavy = pg.nearest_neighbours(tree, "990101", k=1, weights={"urban": 10.0})
    assert heavy["peer_code"].tolist() == ["990103"]
    with pytest.raises(ValueError):
        pg.nearest_neighbours(tree, "990101", weights={"urban": -1.0})


def test_candidates_are_same_level_leaves_of_the_province_or_the_nation() -> None:
    national = load_region_tree(Path(pg.__file__).resolve().parents[1] / "demo" / "national" / "regions.csv")
    leaf = national.leaves()[0].code
    province = pg.candidates(national, leaf)
    everyone = pg.candidates(national, leaf, "national")
    assert set(province) < set(everyone) and leaf in province
    assert len(pg.nearest_neighbours(national, leaf, scope="national")) == 15


@settings(max_examples=30, deadline=None)
@given(st.permutations(list(range(20))))
def test_order_of_regions_changes_nothing(order: list[int]) -> None:
    counties = [r for r in DEMO if r.level == "county"]
    shuffled = RegionTree(
        (DEMO.root, *(r for r in DEMO if r.level == "prefecture"), *(counties[i] for i in order))
    )
    for code in ("990322", "990103"):
        a = pg.nearest_neighbours(DEMO, code)
        b = pg.nearest_neighbours(shuffled, code)
        assert a["peer_code"].tolist() == b["peer_code"].tolist()
        assert a["distance"].round(12).tolist() == b["distance"].round(12).tolist()


# ---- administrator groups ----------------------------------------------------------------------


def test_admin_peers() -> None:
    mapping = {"990102": "城区", "990103": "城区", "990104": "城区", "990321": "山区"}
    assert pg.admin_peers(mapping, "990103") == ("990102", "990104")
    assert pg.admin_peers(mapping, "990321") == ()
    assert pg.admin_peers(mapping, "990999") == ()


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        (b"region_code,group\n990102,A\n990103,A\n", []),
        ("\ufeffregion_code,group\n990102,城区\n".encode(), []),
        (b"code,group\n990102,A\n", ["peer_groups.columns"]),
        (b"region_code,group\n,A\n", ["peer_groups.empty_code"]),
        (b"region_code,group\n990102,\n", ["peer_groups.no_group_name"]),
        (b"region_code,group\n990102,A\n990102,B\n", ["peer_groups.duplicate"]),
        (b"region_code,group\n990102," + b"x" * 61 + b"\n", ["peer_groups.long_group"]),
        (b"region_code,group\n", ["peer_groups.empty_file"]),
        (b"region_code,group\n\xff\xfe,A\n", ["peer_groups.not_utf8"]),
    ],
)
def test_group_csv_rules(text: bytes, codes: list[str]) -> None:
    mapping, problems = pg.parse_group_csv(text, "g.csv")
    assert [p.code for p in problems] == codes
    for p in problems:
        assert p.message_zh and p.message_en and p.message_zh != p.message_en
    if not codes:
        assert mapping


def test_check_codes_against_the_tree() -> None:
    problems = pg.check_codes({"990102": "A", "990100": "A", "123456": "B"}, DEMO)
    assert [(p.code, p.value) for p in problems] == [
        ("peer_groups.unknown_code", "123456"),
        ("peer_groups.not_reporting", "990100"),
    ]


# ---- comparison ----------------------------------------------------------------------------------


def _values(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["region_code", "indicator_code", "value"])


@pytest.mark.parametrize(
    ("direction", "rank", "gap"),
    [("higher", 4, -2.0), ("lower", 3, 2.0)],
)
def test_compare_worked_example(direction: str, rank: int, gap: float) -> None:
    """The methodology's example: 88 against peers 80, 85, 90, 92, 95."""
    peers = [f"P{i}" for i in range(5)]
    rows = [
        ("R", "X", 88.0),
        *((p, "X", v) for p, v in zip(peers, [80.0, 85.0, 90.0, 92.0, 95.0], strict=True)),
    ]
    out = pg.compare(_values(rows), "R", peers, {"X": direction}).iloc[0]
    assert (out["n"], out["p25"], out["median"], out["p75"]) == (5, 85.0, 90.0, 92.0)
    assert (out["rank"], out["of"], out["gap_median"]) == (rank, 6, gap)


def test_compare_ties_missing_and_strangers() -> None:
    rows = [("R", "X", 5.0), ("A", "X", 5.0), ("B", "X", 7.0), ("Z", "X", 100.0), ("A", "Y", 1.0)]
    out = pg.compare(_values(rows), "R", ["A", "B"], {}).set_index("indicator_code")
    assert out.at["X", "rank"] == 2 and out.at["X", "of"] == 3  # a tie shares the better rank
    assert out.at["X", "n"] == 2  # Z is no peer
    assert pd.isna(out.at["Y", "value"]) and pd.isna(out.at["Y", "rank"]) and out.at["Y", "n"] == 1
    assert pg.compare(_values([]), "R", ["A"], {}).empty


def test_compare_never_changes_with_row_order() -> None:
    rows = [
        ("R", "X", 5.0),
        ("A", "X", 3.0),
        ("B", "X", 7.0),
        ("C", "X", 9.0),
        ("R", "Y", 1.0),
        ("C", "Y", 2.0),
    ]
    a = pg.compare(_values(rows), "R", ["A", "B", "C"], {"Y": "lower"})
    b = pg.compare(_values(rows[::-1]), "R", ["C", "B", "A"], {"Y": "lower"})
    pd.testing.assert_frame_equal(a, b)


def test_selector_kinds() -> None:
    mapping = {"990322": "g", "990321": "g"}
    assert pg.selector("admin")(DEMO, mapping, "990322") == ("990321",)
    assert pg.selector("nearest", k=2)(DEMO, {}, "990322") == ("990323", "990321")
    with pytest.raises(ValueError):
        pg.selector("cluster")


def test_compare_without_peers_keeps_the_region_s_values() -> None:
    out = pg.compare(_values([("R", "X", 5.0), ("R", "Y", 2.0)]), "R", [], {"Y": "lower"})
    assert out["n"].tolist() == [0, 0] and out["rank"].tolist() == [1, 1] and out["median"].isna().all()


def test_fiscal_capacity_of_the_period_comes_from_its_finances() -> None:
    """With finances of the period (own revenue and transfers per head), the capacity is their sum;
    without them (another year, or only one of the two), the region file's static figure."""
    with_finances = Region(
        "990101", "县1", "C1", "county", "99", 100, fiscal_capacity_per_head=5_000.0,
        finances=((2023, 1_200.0, 4_300.0), (2024, 1_300.0, None)),
    )  # fmt: skip
    tree = _tree(with_finances, _county(2, 100, 9_000.0))
    fiscal = "fiscal_capacity_per_head"
    assert pg.attribute_frame(tree, ["990101"], period=2023).loc["990101", fiscal] == 5_500.0
    assert pg.attribute_frame(tree, ["990101"], period=2024).loc["990101", fiscal] == 5_000.0
    assert pg.attribute_frame(tree, ["990101"], period=2022).loc["990101", fiscal] == 5_000.0
    assert pg.attribute_frame(tree, ["990101"]).loc["990101", fiscal] == 5_000.0
