"""Local standards: the CSV loader's refusals, the rules, and the binding standard."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.catalogue.local_standards import (
    binding_standards,
    check_local_standard,
    load_local_standards,
    parse_local_standards,
    standards_frame,
)
from assessment.domain.errors import DataFileError
from assessment.domain.model import (
    Edition,
    LocalStandard,
    RegionTree,
)
from tests.fixtures import standards_edition, standards_tree
from tests.fixtures import standards_indicator as _indicator
from tests.fixtures import standards_region as _region


@pytest.fixture(scope="module")
def edition() -> Edition:
    return standards_edition()


@pytest.fixture(scope="module")
def tree() -> RegionTree:
    return standards_tree()


HEADER = "jurisdiction_code,indicator_code,threshold,effective_from,effective_to,set_by,note\n"
GOOD_ROWS = (
    "990000,S01.1,95,2022,,示例省,fictional\n"
    "990100,S01.1,97,2022,2023,示例甲市,fictional\n"
    "990100,S01.1,98,2024,,示例甲市,fictional\n"
    "990000,S02.1,8,2022,,示例省,fictional\n"
    "990000,S03.1,3.2,2022,,示例省,fictional\n"
)


def test_good_file_loads(edition, tree):
    stds = parse_local_standards((HEADER + GOOD_ROWS).encode(), edition, tree)
    assert len(stds) == 5
    assert stds[1] == LocalStandard("990100", "S01.1", 97.0, 2022, 2023, "示例甲市", "fictional")
    assert stds[0].effective_to is None


def test_optional_columns_may_be_absent(edition, tree):
    stds = parse_local_standards(
        "jurisdiction_code,indicator_code,threshold,effective_from\n990000,S01.1,95,2022\n", edition, tree
    )
    assert stds == (LocalStandard("990000", "S01.1", 95.0, 2022, None, "", ""),)


# (row appended after GOOD_ROWS, problem code, column, words the English message must contain)
BAD_ROWS = [
    ("990999,S01.1,95,2022,,x,\n", "unknown_jurisdiction", "jurisdiction_code", ["990999"]),
    ("990101,S01.1,95,2022,,x,\n", "county_jurisdiction", "jurisdiction_code", ["county", "990101"]),
    ("990200,S99.9,95,2022,,x,\n", "unknown_indicator", "indicator_code", ["S99.9", "TEST"]),
    ("990200,S01.1,high,2022,,x,\n", "bad_threshold", "threshold", ["'high'"]),
    ("990200,S01.1,nan,2022,,x,\n", "bad_threshold", "threshold", ["'nan'"]),
    ("990200,S01.1,95,twenty,,x,\n", "bad_period", "effective_from", ["'twenty'"]),
    ("990200,S01.1,95,2022,2022.5,x,\n", "bad_period", "effective_to", ["2022.5"]),
    ("990200,S01.1,95,2024,2022,x,\n", "period_order", "effective_to", ["2022", "2024"]),
    ("990200,S01.1,101,2022,,x,\n", "rate_range", "threshold", ["101", "0..100"]),
    ("990200,S01.1,-1,2022,,x,\n", "rate_range", "threshold", ["-1"]),
    ("990200,S04.1,0.5,2022,,x,\n", "boolean_value", "threshold", ["0.5"]),
    ("990200,S05.1,-5,2022,,x,\n", "negative", "threshold", ["-5"]),
    # weaker than the national floor, higher is better: 85 < 90 by 5
    ("990000,S01.1,85,2019,2021,x,\n", "weaker_than_floor", "threshold", ["85", "90", "by 5"]),
    # lower is better: 12 > 10 by 2
    (
        "990000,S02.1,12,2019,2021,x,\n",
        "weaker_than_floor",
        "threshold",
        ["12", "10", "by 2", "lower is better"],
    ),
    ("990200,S05.1,1000,2022,,x,\n", "weaker_than_floor", "threshold", ["1000", "1200", "by 200"]),
    # no national floor: must be better than the lower bound (0)
    ("990000,S03.1,0,2019,2021,x,\n", "outside_bounds", "threshold", ["lower bound", "0"]),
    # weaker than the province's 95 (2022 onwards) by 2.5
    ("990200,S01.1,92.5,2022,,x,\n", "weaker_than_parent", "threshold", ["95", "990000", "by 2.5"]),
    # lower is better: the province says at most 8
    ("990200,S02.1,9,2023,2024,x,\n", "weaker_than_parent", "threshold", ["8", "by 1"]),
    # the prefecture already has 97 for 2022-2023
    ("990100,S01.1,99,2023,2023,x,\n", "overlap", "effective_from", ["990100", "S01.1", "2022-2023"]),
]


@pytest.mark.parametrize(
    ("row", "code", "column", "words"), BAD_ROWS, ids=[r[1] + str(i) for i, r in enumerate(BAD_ROWS)]
)
def test_bad_row_is_refused_with_file_row_column(edition, tree, row, code, column, words):
    with pytest.raises(DataFileError) as exc:
        parse_local_standards((HEADER + GOOD_ROWS + row).encode(), edition, tree, filename="ls.csv")
    problems = exc.value.problems
    assert [p.code for p in problems] == [f"local_standards.{code}"]
    p = problems[0]
    assert (p.file, p.row, p.column) == ("ls.csv", 7, column)
    for word in words:
        assert word in p.message_en
    assert p.message_zh and p.message_zh != p.message_en
    assert "ls.csv，第 7 行" in exc.value.messages("zh") and "ls.csv, row 7" in exc.value.messages("en")


def test_every_problem_is_collected(edition, tree):
    rows = "".join(r for r, *_ in BAD_ROWS[:6])
    with pytest.raises(DataFileError) as exc:
        parse_local_standards(HEADER + rows, edition, tree)
    assert [p.row for p in exc.value.problems] == [2, 3, 4, 5, 6, 7]


def test_missing_column_is_refused(edition, tree):
    with pytest.raises(DataFileError) as exc:
        parse_local_standards(
            "jurisdiction_code,indicator_code,effective_from\n990000,S01.1,2022\n", edition, tree
        )
    [p] = exc.value.problems
    assert (p.code, p.row, p.column) == ("regions.file.missing_column", 1, "threshold")


def test_parent_standard_outside_the_period_does_not_constrain(edition, tree):
    rows = "990000,S01.1,96,2024,,p,\n990200,S01.1,95,2022,2023,q,\n"
    stds = parse_local_standards(HEADER + rows, edition, tree)
    assert len(stds) == 2
    with pytest.raises(DataFileError) as exc:  # ... but overlapping into 2024 does
        parse_local_standards(HEADER + rows.replace("2022,2023", "2022,2024"), edition, tree)
    assert exc.value.problems[0].code == "local_standards.weaker_than_parent"
    assert exc.value.problems[0].row == 3


def test_amount_weaker_than_parent_says_by_how_much(edition, tree):
    rows = "990000,S05.1,1500,2022,,p,\n990100,S05.1,1400,2022,,q,\n"
    with pytest.raises(DataFileError) as exc:
        parse_local_standards(HEADER + rows, edition, tree)
    assert "by 100" in exc.value.problems[0].message_en


def test_load_missing_file_is_refused_cleanly(edition, tree, tmp_path):
    with pytest.raises(DataFileError) as exc:
        load_local_standards(tmp_path / "nope.csv", edition, tree)
    assert exc.value.problems[0].code == "regions.file.not_found"
    path = tmp_path / "ls.csv"
    path.write_text(HEADER + GOOD_ROWS, encoding="utf-8")
    assert len(load_local_standards(path, edition, tree)) == 5


# --- check_local_standard (the app's editor) ------------------------------------------------------


def test_check_accepts_a_good_standard(edition, tree):
    existing = parse_local_standards(HEADER + GOOD_ROWS, edition, tree)
    new = LocalStandard("990200", "S01.1", 96.0, 2022, None, "乙市")
    assert check_local_standard(new, existing, edition, tree) == []
    # an exact copy of itself among the existing ones is ignored (editing in place)
    assert check_local_standard(existing[0], existing, edition, tree) == []


def test_check_reports_parent_and_overlap(edition, tree):
    existing = parse_local_standards(HEADER + GOOD_ROWS, edition, tree)
    new = LocalStandard("990100", "S01.1", 94.0, 2023, 2024, "甲市")
    codes = sorted(p.code for p in check_local_standard(new, existing, edition, tree))
    assert codes == [
        "local_standards.overlap",
        "local_standards.overlap",
        "local_standards.weaker_than_parent",
    ]
    assert all(p.file == "" and p.row is None for p in check_local_standard(new, existing, edition, tree))


def test_check_warns_when_a_child_standard_is_superseded(edition, tree):
    existing = parse_local_standards(HEADER + GOOD_ROWS, edition, tree)
    raised = LocalStandard("990000", "S01.1", 99.0, 2022, None, "省")
    problems = check_local_standard(raised, [s for s in existing if s != existing[0]], edition, tree)
    assert {p.severity for p in problems} == {"warning"}
    assert len(problems) == 2  # the prefecture's 97 (2022-2023) and 98 (2024-)
    assert "990100" in problems[0].message_en


# --- binding_standards ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def standards(edition, tree):
    return parse_local_standards(HEADER + GOOD_ROWS, edition, tree)


def _binding(frame: pd.DataFrame) -> dict[tuple[str, str], tuple[float, str]]:
    return {
        (r, i): (v, s)
        for r, i, v, s in zip(
            frame["region_code"],
            frame["indicator_code"],
            frame["local_standard"],
            frame["set_by_code"],
            strict=True,
        )
    }


@pytest.mark.parametrize(
    ("period", "region", "indicator", "expected"),
    [
        (2022, "990101", "S01.1", (97.0, "990100")),  # prefecture stricter than the province
        (2024, "990101", "S01.1", (98.0, "990100")),  # the prefecture's 2024 revision
        (2022, "990201", "S01.1", (95.0, "990000")),  # other prefecture: the province's
        (2022, "990290", "S01.1", (95.0, "990000")),  # county directly under the province
        (2022, "990000", "S01.1", (95.0, "990000")),  # the jurisdiction itself
        (2022, "990100", "S01.1", (97.0, "990100")),
        (2022, "990101", "S02.1", (8.0, "990000")),
        (2022, "990101", "S03.1", (3.2, "990000")),
        (2021, "990101", "S01.1", None),  # nothing in force yet
        (2022, "990101", "S04.1", None),  # no local standard for this indicator
    ],
)
def test_binding_standard_table(edition, tree, standards, period, region, indicator, expected):
    got = _binding(binding_standards(standards, tree, edition, period))
    assert got.get((region, indicator)) == expected


def test_binding_is_direction_aware_and_strictest(edition, tree):
    # built directly (bypassing the weaker-than-parent rule) to check the strictest wins both ways
    stds = [
        LocalStandard("990000", "S02.1", 6.0, 2022, None, "p"),
        LocalStandard("990100", "S02.1", 8.0, 2022, None, "q"),  # weaker (higher) on lower-is-better
        LocalStandard("990000", "S01.1", 92.0, 2022, None, "p"),
        LocalStandard("990100", "S01.1", 92.0, 2022, None, "q"),  # a tie: the nearer jurisdiction binds
    ]
    got = _binding(binding_standards(stds, tree, edition, 2022))
    assert got[("990101", "S02.1")] == (6.0, "990000")
    assert got[("990101", "S01.1")] == (92.0, "990100")
    assert got[("990201", "S01.1")] == (92.0, "990000")


def test_binding_frame_shape(edition, tree, standards):
    frame = binding_standards(standards, tree, edition, 2022)
    assert list(frame.columns) == ["region_code", "indicator_code", "local_standard", "set_by_code", "period"]
    assert (frame["period"] == 2022).all()
    assert not frame.duplicated(["region_code", "indicator_code"]).any()
    assert len(frame) == 3 * len(tree)  # S01.1, S02.1, S03.1 bind everywhere
    empty = binding_standards([], tree, edition, 2022)
    assert list(empty.columns) == list(frame.columns) and empty.empty


def test_binding_ignores_unknown_indicators_and_jurisdictions(edition, tree):
    stds = [
        LocalStandard("990000", "S99.1", 1.0, 2022, None, ""),
        LocalStandard("880000", "S01.1", 99.0, 2022, None, ""),
    ]
    assert binding_standards(stds, tree, edition, 2022).empty


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["990000", "990100", "990200"]),
            st.sampled_from(["S01.1", "S02.1"]),
            st.floats(0, 100, allow_nan=False),
            st.integers(2020, 2025),
        ),
        max_size=12,
    ),
    st.integers(2019, 2026),
)
def test_binding_matches_a_slow_reference(edition, tree, rows, period):
    stds = [LocalStandard(j, i, th, start, None, "") for j, i, th, start in rows]
    got = _binding(binding_standards(stds, tree, edition, period))
    for region in tree:
        for ind in ("S01.1", "S02.1"):
            chain = [region.code] + [a.code for a in tree.ancestors(region.code)]
            pool = [
                s.threshold
                for s in stds
                if s.indicator_code == ind and s.jurisdiction_code in chain and s.in_force(period)
            ]
            expected = (max(pool) if ind == "S01.1" else min(pool)) if pool else None
            assert (got[(region.code, ind)][0] if (region.code, ind) in got else None) == expected


def test_binding_does_not_mutate_and_is_order_free(edition, tree, standards):
    shuffled = list(reversed(standards))
    a = binding_standards(standards, tree, edition, 2024)
    b = binding_standards(shuffled, tree, edition, 2024)
    pd.testing.assert_frame_equal(a, b)
    assert list(standards) == list(reversed(shuffled))


def test_standards_frame_types(standards):
    frame = standards_frame(standards)
    assert str(frame["effective_to"].dtype) == "Int64"
    assert frame["effective_to"].isna().sum() == 4


def _big_tree(n_pref: int, n_county: int) -> RegionTree:
    regions = [_region("100000", "province", None)]
    for p in range(n_pref):
        pcode = f"1{p + 1:03d}00"
        regions.append(_region(pcode, "prefecture", "100000"))
        regions += [_region(f"1{p + 1:03d}{c + 1:02d}", "county", pcode) for c in range(n_county)]
    return RegionTree(tuple(regions))


def test_binding_covers_3000_regions_and_100_indicators(edition):
    """Every region of a large tree gets its strictest standard (its speed: bench/bench_binding.py)."""
    tree = _big_tree(100, 30)  # 1 + 100 + 3,000 regions
    inds = tuple(
        _indicator(f"S01.{k + 1}", "rate", "higher" if k % 3 else "lower", None, 95.0, 10.0)
        for k in range(100)
    )
    big = replace(edition, indicators=inds)
    stds = [LocalStandard("100000", i.code, 50.0, 2022, None, "") for i in inds]
    stds += [
        LocalStandard(r.code, i.code, 60.0, 2022, None, "")
        for r in tree
        if r.level == "prefecture"
        for i in inds
    ]
    frame = binding_standards(stds, tree, big, 2023)
    assert len(frame) == len(tree) * 100
    higher = {i.code for i in inds if i.higher_is_better}
    county = frame.loc[frame["region_code"] == "100101"].set_index("indicator_code")
    for code in ("S01.1", "S01.2", "S01.3"):  # the prefecture's 60 is stricter only where higher is better
        assert county.loc[code, "local_standard"] == (60.0 if code in higher else 50.0)
        assert county.loc[code, "set_by_code"] == ("100100" if code in higher else "100000")
    province = frame.loc[frame["region_code"] == "100000"]
    assert set(province["local_standard"]) == {50.0} and set(province["set_by_code"]) == {"100000"}


def test_a_township_sets_no_local_standard_either(edition, tree):
    township = _region("990101001", "township", "990101")
    with_townships = RegionTree((*tree.regions, township))
    std = LocalStandard("990101001", "S01.1", 95.0, 2022, None, "", "")
    problems = check_local_standard(std, (), edition, with_townships)
    assert [p.code for p in problems] == ["local_standards.county_jurisdiction"]
    assert "county or township" in problems[0].message_en and "990101001" in problems[0].message_en
    assert "乡镇" in problems[0].message_zh


def test_the_download_reads_back_as_the_same_standards(edition, tree, standards):
    from assessment.catalogue.local_standards import local_standards_csv, parse_local_standards

    data = local_standards_csv(standards)
    assert data.startswith(b"\xef\xbb\xbf")
    again = parse_local_standards(data, edition, tree, "download.csv")
    assert sorted(again, key=repr) == sorted(standards, key=repr)
    some = {s.jurisdiction_code for s in standards}
    first = sorted(some)[0]
    only = parse_local_standards(local_standards_csv(standards, [first]), edition, tree, "one.csv")
    assert {s.jurisdiction_code for s in only} == {first}
