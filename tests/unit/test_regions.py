"""The region-tree CSV loader: good trees load, bad ones are refused with every problem named."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.catalogue.regions import parse_region_csv
from assessment.domain.errors import DataFileError
from assessment.domain.model import Region, RegionTree
from tests.fixtures import REGIONS_CSV_GOOD as GOOD
from tests.fixtures import REGIONS_CSV_HEADER as HEADER


def test_good_tree_loads_with_flags_and_defaults():
    tree = parse_region_csv((HEADER + GOOD).encode("utf-8"))
    assert len(tree) == 5
    assert tree.root.code == "990000"
    jiashan = tree.get("990121")
    assert jiashan == Region(
        "990121", "甲山县", "Jiashan County", "county", "990100", 400_000, False, True, False, 3200.0, False
    )
    assert tree.get("990190").reports is True  # reports defaults to yes
    assert tree.get("990190").fiscal_capacity_per_head is None
    assert tree.get("990000").urban is False  # other flags default to no
    assert [a.code for a in tree.ancestors("990101")] == ["990100", "990000"]


def test_optional_columns_may_be_absent_and_names_fallback():
    text = (
        "code,name_zh,name_en,level,parent_code,population\n"
        "990000,示例省,,省,,1000000\n"
        "990001,县,County,县,990000,500000\n"
    )
    tree = parse_region_csv(text)
    assert tree.get("990000").name_en == "示例省"
    assert tree.get("990001").level == "county"
    assert tree.get("990001").reports is True


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_encodings_excel_writes(encoding):
    tree = parse_region_csv((HEADER + GOOD).encode(encoding))
    assert tree.get("990000").name_zh == "示例省"


def test_row_order_does_not_matter():
    rows = GOOD.splitlines(keepends=True)
    random.Random(1).shuffle(rows)
    tree = parse_region_csv(HEADER + "".join(rows))
    assert sorted(tree.regions, key=lambda r: r.code) == sorted(
        parse_region_csv(HEADER + GOOD).regions, key=lambda r: r.code
    )


# (row appended to a good tree, problem code, spreadsheet row, column, words the English text must hold)
BAD_TREES = [
    ("99010x,坏,Bad,county,990100,1000,,,,,\n", "bad_code", 7, "code", ["99010x", "six digits"]),
    ("9901011,坏,Bad,county,990100,1000,,,,,\n", "bad_code", 7, "code", ["9901011"]),
    ("990101,重复,Dup,county,990100,1000,,,,,\n", "duplicate_code", 7, "code", ["990101", "row 4"]),
    ("990199,缺,Orphan,county,990188,1000,,,,,\n", "missing_parent", 7, "parent_code", ["990188"]),
    ("990199,坏,Bad,county,99-100,1000,,,,,\n", "bad_parent_code", 7, "parent_code", ["99-100"]),
    (
        "990199,第二根,Root2,province,,1000000,,,,,\n",
        "several_roots",
        7,
        "parent_code",
        ["2 rows", "rows 2, 7"],
    ),
    ("990199,县,Sub,county,990101,1000,,,,,\n", "level_order", 7, "level", ["county", "990101"]),
    (
        "990199,市,Pref,prefecture,990101,1000,,,,,\n",
        "level_order",
        7,
        "level",
        ["prefecture", "county 990101"],
    ),
    ("990199,省,Prov,province,990000,1000000,,,,,\n", "province_with_parent", 7, "level", ["990000"]),
    ("990199,坏,Bad,town,990100,1000,,,,,\n", "bad_level", 7, "level", ["'town'"]),
    ("990199,坏,Bad,county,990100,0,,,,,\n", "bad_population", 7, "population", ["'0'"]),
    ("990199,坏,Bad,county,990100,-5,,,,,\n", "bad_population", 7, "population", ["'-5'"]),
    ("990199,坏,Bad,county,990100,1200.5,,,,,\n", "bad_population", 7, "population", ["'1200.5'"]),
    ("990199,坏,Bad,county,990100,many,,,,,\n", "bad_population", 7, "population", ["'many'"]),
    ("990199,坏,Bad,county,990100,,,,,,\n", "bad_population", 7, "population", ["''"]),
    ("990199,坏,Bad,county,990100,1000,maybe,,,,\n", "bad_flag", 7, "urban", ["'maybe'", "default: no"]),
    ("990199,坏,Bad,county,990100,1000,,,,,sometimes\n", "bad_flag", 7, "reports", ["default: yes"]),
    ("990199,坏,Bad,county,990100,1000,,,,-3,\n", "bad_fiscal", 7, "fiscal_capacity_per_head", ["'-3'"]),
    ("990199,,Bad,county,990100,1000,,,,,\n", "missing_name", 7, "name_zh", ["Chinese name"]),
    ("990199,坏,Bad,county,990100,1000,,,,,,extra\n", "file.field_count", 7, "", ["12 fields", "11"]),
]


@pytest.mark.parametrize(
    ("row", "code", "line", "column", "words"),
    BAD_TREES,
    ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD_TREES)],
)
def test_bad_tree_is_refused_naming_file_row_column(row, code, line, column, words):
    with pytest.raises(DataFileError) as exc:
        parse_region_csv((HEADER + GOOD + row).encode(), filename="tree.csv")
    problems = exc.value.problems
    assert [p.code for p in problems] == [f"regions.{code}"], exc.value.messages("en")
    p = problems[0]
    assert (p.file, p.row, p.column) == ("tree.csv", line, column)
    for word in words:
        assert word in p.message_en
    assert p.message_zh and p.message_zh != p.message_en
    assert "tree.csv，第 7 行" in exc.value.messages("zh") and "tree.csv, row 7" in exc.value.messages("en")


def test_cycle_is_refused_once_with_its_members():
    body = (
        GOOD
        + "990201,甲,A,county,990200,100000,,,,,\n"
        + "990200,乙,B,prefecture,990202,100000,,,,,\n"
        + "990202,丙,C,prefecture,990200,100000,,,,,\n"
    )
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(HEADER + body)
    cycles = [p for p in exc.value.problems if p.code == "regions.cycle"]
    assert len(cycles) == 1
    assert cycles[0].row == 8
    assert "990200 -> 990202 -> 990200" in cycles[0].message_en
    # a prefecture under a prefecture is a level problem as well
    assert {p.code for p in exc.value.problems} == {"regions.cycle", "regions.level_order"}


def test_self_parent_is_a_cycle():
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(HEADER + GOOD + "990199,自,Self,county,990199,100000,,,,,\n")
    assert [p.code for p in exc.value.problems] == ["regions.cycle", "regions.level_order"]


def test_no_root():
    body = "990000,省,P,province,990100,100000,,,,,\n990100,市,C,prefecture,990000,100000,,,,,\n"
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(HEADER + body)
    codes = [p.code for p in exc.value.problems]
    assert "regions.no_root" in codes and "regions.cycle" in codes


@pytest.mark.parametrize(
    ("text", "code", "column"),
    [
        ("", "regions.file.empty", ""),
        (
            "code,name_zh,level,parent_code,population\n990000,省,province,,100000\n",
            "regions.file.missing_column",
            "name_en",
        ),
        (b"\xff\xfe\x00\x00garbage\x81", "regions.file.unreadable", ""),
    ],
)
def test_unusable_files(text, code, column):
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(text, filename="r.csv")
    assert exc.value.problems[0].code == code
    assert exc.value.problems[0].column == column
    assert exc.value.problems[0].file == "r.csv"


def test_header_only_is_refused():
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(HEADER)
    assert [p.code for p in exc.value.problems] == ["regions.no_root"]


def test_every_problem_is_collected():
    rows = "".join(r for r, *_ in BAD_TREES[:4])  # bad code, bad code, duplicate, missing parent
    with pytest.raises(DataFileError) as exc:
        parse_region_csv(HEADER + GOOD + rows)
    assert [p.row for p in exc.value.problems] == [7, 8, 9, 10]


@st.composite
def trees(draw) -> RegionTree:
    n_pref = draw(st.integers(1, 4))
    regions = [Region("990000", "省", "P", "province", None, draw(st.integers(100_000, 10**8)))]
    for p in range(1, n_pref + 1):
        regions.append(Region(f"99{p:02d}00", f"市{p}", f"Pref {p}", "prefecture", "990000", 100_000))
        for c in range(1, draw(st.integers(0, 5)) + 1):
            regions.append(
                Region(
                    f"99{p:02d}{c:02d}",
                    f"县{p}{c}",
                    f"County {p}-{c}",
                    "county",
                    f"99{p:02d}00",
                    draw(st.integers(1_000, 2_000_000)),
                    draw(st.booleans()),
                    draw(st.booleans()),
                    draw(st.booleans()),
                    draw(st.one_of(st.none(), st.integers(0, 50_000).map(float))),
                    draw(st.booleans()),
                )
            )
    return RegionTree(tuple(regions))


def _to_csv(tree: RegionTree) -> str:
    yn = {True: "yes", False: "no"}
    lines = [
        ",".join(
            [
                r.code,
                r.name_zh,
                r.name_en,
                r.level,
                r.parent_code or "",
                str(r.population),
                yn[r.urban],
                yn[r.mountainous],
                yn[r.ethnic_autonomous],
                "" if r.fiscal_capacity_per_head is None else str(r.fiscal_capacity_per_head),
                yn[r.reports],
            ]
        )
        for r in tree
    ]
    return HEADER + "\n".join(lines) + "\n"


@settings(max_examples=40, deadline=None)
@given(trees(), st.randoms())
def test_round_trip_in_any_row_order(tree, rnd):
    lines = _to_csv(tree).splitlines(keepends=True)
    body = lines[1:]
    rnd.shuffle(body)
    parsed = parse_region_csv(lines[0] + "".join(body))
    assert sorted(parsed.regions, key=lambda r: r.code) == sorted(tree.regions, key=lambda r: r.code)
