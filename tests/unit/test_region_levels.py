"""Region trees of any depth: a national root over several provinces, skipped levels, townships, and
every tree that breaks the level rules refused with its row and what to do (nothing returned)."""

from __future__ import annotations

import pytest

from assessment.catalogue.regions import LEVEL_ALIASES, parse_region_csv
from assessment.domain.errors import DataFileError
from assessment.domain.i18n import t
from assessment.domain.model import LEVEL_RANK, LEVELS, RegionTree
from tests.fixtures import NATIONAL_CSV, NATIONAL_CSV_ROWS, NATIONAL_ROOT, NATIONAL_TREE, regions_csv
from tests.fixtures import REGIONS_CSV_HEADER as HEADER

NEXT = NATIONAL_CSV_ROWS + 1  # the row number of a row appended to NATIONAL_CSV


def test_levels_run_from_the_nation_to_the_township():
    assert LEVELS == ("national", "province", "prefecture", "county", "township")
    assert [LEVEL_RANK[lvl] for lvl in LEVELS] == [0, 1, 2, 3, 4]
    for level in LEVELS:  # every level has a label wherever levels are labelled
        for lang in ("zh", "en"):
            assert t(f"reports.region_level.{level}", lang) != f"reports.region_level.{level}"
            assert t(f"analysis.groups.{level}", lang) != f"analysis.groups.{level}"


def test_national_tree_with_three_provinces_loads():
    tree = parse_region_csv(NATIONAL_CSV, filename="nation.csv")
    assert tree.root.code == NATIONAL_ROOT
    assert tree.root.level == "national"
    assert [r.code for r in tree.children(NATIONAL_ROOT)] == ["990000", "980000", "970000"]
    assert tree.levels() == list(LEVELS)
    # Chinese level names are stored as the English keys
    assert tree.get("970000").level == "province"
    assert tree.get("970101").level == "county"
    assert tree.get("970102001").level == "township"
    # the reporting units are the leaves, whatever their level
    assert tree.leaf_codes("970000") == ["970101", "970102001", "970102100"]
    assert set(tree.leaf_codes(NATIONAL_ROOT)) == {
        *("990101", "990102", "990201", "990202", "999001", "980101", "980102"),
        *("970101", "970102001", "970102100"),
    }
    assert [a.code for a in tree.ancestors("970102100")] == ["970102", "970000", NATIONAL_ROOT]


def test_national_tree_round_trips():
    parsed = parse_region_csv(regions_csv(NATIONAL_TREE))
    assert parsed.regions == NATIONAL_TREE.regions


# Good trees that skip a level: (rows under the header, the region to check, its parent)
SKIPS = {
    "county under a province (省直辖县级行政单位)": (
        "420000,省,P,province,,1000000,,,,,\n429004,直管市,Direct,county,420000,1000000,,,,,\n",
        "429004",
        "420000",
    ),
    "district under a 直辖市": (
        "110000,直辖市,M,province,,1000000,,,,,\n110101,区,D,county,110000,1000000,,,,,\n",
        "110101",
        "110000",
    ),
    "township under a prefecture city without counties": (
        "441900,市,C,prefecture,,1000000,,,,,\n441900003,镇,T,township,441900,1000000,,,,,\n",
        "441900003",
        "441900",
    ),
    "prefecture directly under the nation": (
        "100000,全国,N,national,,1000000,,,,,\n990100,市,C,prefecture,100000,1000000,,,,,\n",
        "990100",
        "100000",
    ),
    "township under a county, below the nation": (
        "100000,全国,N,national,,1000000,,,,,\n990000,省,P,province,100000,1000000,,,,,\n"
        "990101,县,C,county,990000,1000000,,,,,\n990101001,乡,T,乡,990101,1000000,,,,,\n",
        "990101001",
        "990101",
    ),
}


@pytest.mark.parametrize(("rows", "code", "parent"), SKIPS.values(), ids=list(SKIPS))
def test_skipped_levels_are_accepted(rows, code, parent):
    tree = parse_region_csv(HEADER + rows)
    assert tree.get(code).parent_code == parent
    assert LEVEL_RANK[tree.get(code).level] > LEVEL_RANK[tree.get(parent).level]
    assert tree.leaf_codes(tree.root.code)[-1] == code


@pytest.mark.parametrize(
    ("alias", "level"),
    [
        ("全国", "national"),
        ("National", "national"),
        ("自治区", "province"),
        ("直辖市", "province"),
        ("地级市", "prefecture"),
        ("自治州", "prefecture"),
        ("盟", "prefecture"),
        ("地区", "prefecture"),
        ("县级市", "county"),
        ("旗", "county"),
        ("区", "county"),
        ("TOWNSHIP", "township"),
        ("乡镇", "township"),
        ("街道", "township"),
    ],
)
def test_chinese_and_english_level_names(alias, level):
    assert LEVEL_ALIASES[alias.lower()] == level
    code = "990101001" if level == "township" else "990101"
    tree = parse_region_csv(HEADER + f"{code},地,R,{alias},,1000000,,,,,\n")
    assert tree.root.level == level


# (row appended to NATIONAL_CSV, problem code, column, words the English text must hold)
BAD_LEVELS = {
    "county above its province": (
        "960000,戊省,Wu Province,province,999001,10000000,,,,,\n",
        "province_with_parent",
        "level",
        ["999001", "a county", "national row"],
    ),
    "province under a province": (
        "960000,戊省,Wu Province,province,990000,10000000,,,,,\n",
        "province_with_parent",
        "level",
        ["990000", "a province"],
    ),
    "prefecture under a county": (
        "990199,市,Pref,prefecture,990101,10000000,,,,,\n",
        "level_order",
        "level",
        ["A prefecture cannot sit under the county 990101", "national > province"],
    ),
    "county under a township": (
        "970199,县,County,county,970102001,10000000,,,,,\n",
        "level_order",
        "level",
        ["county cannot sit under the township 970102001"],
    ),
    "township under a township": (
        "970102101,镇,Town,township,970102100,10000000,,,,,\n",
        "level_order",
        "level",
        ["township cannot sit under the township 970102100"],
    ),
    "nation under a province": (
        "100001,全国,Nation 2,national,990000,10000000,,,,,\n",
        "national_with_parent",
        "level",
        ["national row must be the root", "990000"],
    ),
    "unknown level": (
        "990199,坏,Bad,country,990100,10000000,,,,,\n",
        "bad_level",
        "level",
        ["'country'", "national, province, prefecture, county or township"],
    ),
    "unknown level (town)": ("990199,坏,Bad,town,990100,10000000,,,,,\n", "bad_level", "level", ["'town'"]),
    "a second province as a root": (
        "960000,戊省,Wu Province,province,,10000000,,,,,\n",
        "several_roots",
        "parent_code",
        ["2 rows", f"rows 2, {NEXT}", "national row"],
    ),
    "a second nation": (
        "100001,全国,Nation 2,national,,10000000,,,,,\n",
        "several_roots",
        "parent_code",
        ["2 rows"],
    ),
    "a township with a six-digit code": (
        "970103,镇,Town,township,970102,10000000,,,,,\n",
        "bad_township_code",
        "code",
        ["'970103'", "nine digits"],
    ),
    "a township with a 12-digit code": (
        "970102200000,镇,Town,township,970102,10000000,,,,,\n",
        "bad_township_code",
        "code",
        ["first nine digits"],
    ),
    "a county with a nine-digit code": (
        "970102200,县,County,county,970000,10000000,,,,,\n",
        "bad_code",
        "code",
        ["not six digits", "Only townships take nine digits"],
    ),
    "a duplicate province": (
        "980000,重复,Dup,province,100000,10000000,,,,,\n",
        "duplicate_code",
        "code",
        ["980000", "row 11"],
    ),
    "a province under a missing nation": (
        "960000,戊省,Wu Province,province,100002,10000000,,,,,\n",
        "missing_parent",
        "parent_code",
        ["100002"],
    ),
}


@pytest.mark.parametrize(("row", "code", "column", "words"), BAD_LEVELS.values(), ids=list(BAD_LEVELS))
def test_bad_national_tree_is_refused_at_its_row(row, code, column, words):
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(NATIONAL_CSV + row, filename="nation.csv")
    problems = exc.value.problems
    assert [p.code for p in problems] == [f"regions.{code}"], exc.value.messages("en")
    p = problems[0]
    assert (p.file, p.row, p.column) == ("nation.csv", NEXT, column)
    for word in words:
        assert word in p.message_en
    assert p.message_zh and p.message_zh != p.message_en
    assert f"nation.csv, row {NEXT}" in exc.value.messages("en")


def test_every_level_problem_is_reported_together():
    rows = "".join(
        BAD_LEVELS[k][0] for k in ("county above its province", "unknown level", "a second nation")
    )
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(NATIONAL_CSV + rows)
    found = [(p.row, p.code) for p in exc.value.problems]
    assert found == [
        (NEXT, "regions.province_with_parent"),
        (NEXT + 1, "regions.bad_level"),
        (NEXT + 2, "regions.several_roots"),
    ]


def test_a_cycle_between_provinces_is_refused():
    rows = "960000,戊省,Wu,province,950000,10000000,,,,,\n950000,己省,Ji,province,960000,10000000,,,,,\n"
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(NATIONAL_CSV + rows)
    codes = [p.code for p in exc.value.problems]
    assert "regions.cycle" in codes
    assert codes.count("regions.province_with_parent") == 2


def test_a_province_alone_is_still_a_root():
    tree = parse_region_csv(
        HEADER + "990000,省,P,province,,1000000,,,,,\n990100,市,C,prefecture,990000,100000,,,,,\n"
    )
    assert isinstance(tree, RegionTree)
    assert tree.root.level == "province"
    assert tree.levels() == ["province", "prefecture"]
