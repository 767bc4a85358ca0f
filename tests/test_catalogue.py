"""The CN-2021 catalogue: its content, the loader's refusals, and the ``catalogue`` command."""

from __future__ import annotations

import csv
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import cli
from assessment.catalogue import (
    DEFAULT_EDITION,
    STANDARDS_DIR,
    list_editions,
    load_edition,
    load_edition_dir,
    summary,
)
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.model import Edition

SOURCE = STANDARDS_DIR / "CN-2021"


@pytest.fixture(scope="module")
def edition() -> Edition:
    return load_edition()


# -- the shipped edition ------------------------------------------------------------------------


def test_counts_match_the_standard(edition: Edition) -> None:
    assert summary(edition) == {
        "edition": "CN-2021",
        "aspects": 9,
        "categories": 22,
        "items": 80,
        "indicators": len(edition.indicators),
    }
    assert len(edition.indicators) >= 100


def test_every_item_has_an_indicator_and_every_branch_is_used(edition: Edition) -> None:
    assert {i.code for i in edition.items} == {ind.item_code for ind in edition.indicators}
    assert {c.code for c in edition.categories} == {i.category_code for i in edition.items}
    assert {a.code for a in edition.aspects} == {c.aspect_code for c in edition.categories}


def test_codes_are_unique_and_well_formed(edition: Edition) -> None:
    assert [a.code for a in edition.aspects] == [f"A{n}" for n in range(1, 10)]
    assert [c.code for c in edition.categories] == [f"C{n:02d}" for n in range(1, 23)]
    assert [i.code for i in edition.items] == [f"S{n:02d}" for n in range(1, 81)]
    assert [i.no for i in edition.items] == list(range(1, 81))
    codes = [ind.code for ind in edition.indicators]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(rf"{ind.item_code}\.\d+", ind.code) for ind in edition.indicators)


def test_every_floor_lies_within_the_scoring_bounds(edition: Edition) -> None:
    for ind in edition.indicators:
        low, high = sorted((ind.lower_bound, ind.optimum))
        assert low < high, ind.code
        assert (ind.optimum > ind.lower_bound) == ind.higher_is_better, ind.code
        if ind.national_floor is not None:
            assert low <= ind.national_floor <= high, ind.code
        if ind.kind == "rate":
            assert all(0 <= v <= 100 for v in (low, high, ind.national_floor or 0)), ind.code
        assert ind.weight > 0


def test_no_floor_is_confirmed_without_a_floor_or_an_external_source(edition: Edition) -> None:
    confirmed = [ind for ind in edition.indicators if ind.floor_confirmed]
    assert confirmed, "some floors are sourced"
    for ind in confirmed:
        assert ind.national_floor is not None, ind.code
        first_tag = ind.source.split(";")[0]
        assert re.fullmatch(r"(NS|IC)-S\d+", first_tag), (ind.code, ind.source)


# Spot checks by hand against indicator_candidates.md / the items CSV: (code, floor, confirmed).
# The "(memory)" figures there must never pass as confirmed.
FLOORS = [
    ("S01.1", 80, False),  # pre-pregnancy check >=80% "(target from memory, unverified)"
    ("S10.3", 85, False),  # 普惠性幼儿园 >=85% "(memory)"
    ("S15.2", 2000, False),  # senior-secondary grant about 2,000 "(memory)"
    ("S27.1", 90, False),  # arbitration closure >=90% "(memory)"
    ("S44.2", 580, False),  # resident-insurance subsidy 580 "(memory)"
    ("S50.2", 93, False),  # basic pension 93 CNY/month "(memory)"
    ("S55.1", 1, False),  # extreme poverty >=1.3x dibao "(memory)"
    ("S61.1", 85, False),  # rehabilitation >=85% "(memory)"
    ("S64.1", 97, False),  # disabled-children enrolment about 97% "(memory)"
    ("S80.1", 38.5, False),  # regular exercise 38.5% "(memory)"
    ("S74.1", 15, False),  # 15 radio sets: 2023 text only
    ("S05.1", 90, True),  # immunization >=90% per township [S7, S8]
    ("S13.2", 1000, True),  # primary boarders 1,000 CNY [S12]
    ("S13.3", 1250, True),
    ("S45.2", 960, True),  # incentive >=960 CNY [S16]
    ("S60.1", 100, True),  # two disability subsidies 100% [S1]
    ("S70.1", 2, True),  # >=2 veterans' job fairs [S20]
    ("S72.1", 34000, True),  # 34,000 visits per 10,000 [S1]
]


@pytest.mark.parametrize(("code", "floor", "confirmed"), FLOORS)
def test_floor_spot_checks(edition: Edition, code: str, floor: float, confirmed: bool) -> None:
    ind = edition.indicator_by_code[code]
    assert ind.national_floor == floor
    assert ind.floor_confirmed is confirmed


@pytest.mark.parametrize("code", ["S07.2", "S54.1", "S54.2", "S08.1", "S73.1", "S22.1"])
def test_levels_left_to_localities_have_no_floor(edition: Edition, code: str) -> None:
    ind = edition.indicator_by_code[code]
    assert ind.national_floor is None and not ind.floor_confirmed


def test_verified_flags_follow_the_reference(edition: Edition) -> None:
    verified = {i.no for i in edition.items if i.verified}
    assert len(verified) == 45
    assert {1, 3, 13, 66, 68, 71} <= verified
    assert not {18, 21, 43, 49, 80} & verified
    assert all(i.source == "NS-RECON" for i in edition.items if not i.verified)


# SOURCES.md section 3: central share from the expenditure text, first matching rule wins.
SHARE_RULES = [
    (r"中央对中西部全额、东部50%", 0.5),
    (r"^(?!.*地方).*中央财政承担", 1.0),
    (r"共同承担|按比例分担|中央与地方共同|中央和地方", 0.5),
    (r"中央财政适当补助|中央补助|中央财政奖补", 0.25),
    (r"基金支付", 0.0),
    (r"^地方人民政府负责(（reconstructed）)?$", 0.0),
    (r".", 0.5),
]


def rule_share(text: str) -> float:
    return next(share for pattern, share in SHARE_RULES if re.search(pattern, text))


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("中央财政承担国家规定课程教科书（reconstructed）", 1.0),
        ("中央财政和地方财政共同承担", 0.5),
        ("地方人民政府负责，中央财政适当补助（reconstructed）", 0.25),
        ("地方为主，中央补助（reconstructed）", 0.25),
        ("失业保险基金支付", 0.0),
        ("地方人民政府负责（reconstructed）", 0.0),
        ("个人缴费+政府补贴；中央对中西部全额、东部50%补助基础养老金（reconstructed）", 0.5),
        ("就业补助资金（reconstructed）", 0.5),
    ],
)
def test_central_share_rule_table(text: str, share: float) -> None:
    assert rule_share(text) == share


def test_every_central_share_follows_the_documented_rule(edition: Edition) -> None:
    wrong = [
        (i.no, i.central_share) for i in edition.items if i.central_share != rule_share(i.expenditure_zh)
    ]
    assert not wrong


def test_indicator_frame_carries_the_edition(edition: Edition) -> None:
    frame = edition.indicator_frame()
    assert len(frame) == len(edition.indicators)
    assert set(frame["edition"]) == {"CN-2021"}
    assert frame["national_floor"].notna().sum() == sum(
        i.national_floor is not None for i in edition.indicators
    )


def test_editions_are_listed_and_loads_are_cached() -> None:
    assert DEFAULT_EDITION in list_editions()
    assert load_edition() is load_edition(DEFAULT_EDITION)


def test_unknown_edition_is_refused_with_a_message() -> None:
    with pytest.raises(DataFileError) as info:
        load_edition("CN-1999")
    assert info.value.problems[0].code == "unknown_edition"
    assert "CN-2021" in info.value.problems[0].message_en


# -- broken copies ------------------------------------------------------------------------------


def copy_edition(target: Path) -> Path:
    folder = target / "CN-2021"
    shutil.copytree(SOURCE, folder)
    return folder


def read_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def row_of(file: str, code: str) -> int:
    """Spreadsheet row (header = 1) of ``code`` in the shipped ``file``."""
    return next(n for n, r in enumerate(read_rows(SOURCE / file), start=1) if r[0] == code)


def set_cell(file: str, code: str, column: str, value: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = read_rows(folder / file)
        target = next(r for r in rows if r[0] == code)
        target[rows[0].index(column)] = value
        write_rows(folder / file, rows)

    return mutate


def drop_column(file: str, column: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        rows = read_rows(folder / file)
        i = rows[0].index(column)
        write_rows(folder / file, [r[:i] + r[i + 1 :] for r in rows])

    return mutate


def drop_row(file: str, code: str) -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        write_rows(folder / file, [r for r in read_rows(folder / file) if r[0] != code])

    return mutate


def delete_file(file: str) -> Callable[[Path], None]:
    return lambda folder: (folder / file).unlink()


def edit_text(file: str, old: str, new: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    def mutate(folder: Path) -> None:
        text = (folder / file).read_text(encoding="utf-8")
        assert old in text
        (folder / file).write_text(text.replace(old, new, 1), encoding=encoding)

    return mutate


IND = "indicators.csv"
BROKEN = [  # id, mutation, (code, file, row, column) of the problem that must be reported
    (
        "duplicate aspect",
        set_cell("aspects.csv", "A2", "code", "A1"),
        ("duplicate_code", "aspects.csv", 3, "code"),
    ),
    (
        "duplicate indicator",
        set_cell(IND, "S06.2", "code", "S06.1"),
        ("duplicate_code", IND, row_of(IND, "S06.2"), "code"),
    ),
    ("duplicate item no", set_cell("items.csv", "11", "no", "10"), ("duplicate_code", "items.csv", 12, "no")),
    (
        "dangling item ref",
        set_cell("items.csv", "10", "category_code", "C99"),
        ("dangling_reference", "items.csv", 11, "category_code"),
    ),
    (
        "dangling aspect ref",
        set_cell("categories.csv", "C01", "aspect_code", "A0"),
        ("dangling_reference", "categories.csv", 2, "aspect_code"),
    ),
    (
        "dangling indicator ref",
        set_cell(IND, "S80.1", "item_code", "S81"),
        ("dangling_reference", IND, row_of(IND, "S80.1"), "item_code"),
    ),
    (
        "wrong count",
        edit_text("edition.toml", "items = 80", "items = 81"),
        ("count_mismatch", "items.csv", None, ""),
    ),
    ("item without indicator", drop_row(IND, "S80.1"), ("item_without_indicator", "items.csv", 81, "code")),
    (
        "floor outside bounds",
        set_cell(IND, "S45.2", "national_floor", "2000"),
        ("floor_out_of_bounds", IND, row_of(IND, "S45.2"), "national_floor"),
    ),
    ("bad kind", set_cell(IND, "S01.1", "kind", "ratio"), ("bad_choice", IND, 2, "kind")),
    ("bad direction", set_cell(IND, "S01.1", "direction", "up"), ("bad_choice", IND, 2, "direction")),
    (
        "non-numeric floor",
        set_cell(IND, "S02.1", "national_floor", "九十"),
        ("not_a_number", IND, 3, "national_floor"),
    ),
    (
        "non-numeric share",
        set_cell("items.csv", "5", "central_share", "half"),
        ("not_a_number", "items.csv", 6, "central_share"),
    ),
    (
        "bad order",
        set_cell("aspects.csv", "A1", "order", "1.5"),
        ("not_a_positive_integer", "aspects.csv", 2, "order"),
    ),
    ("missing column", drop_column(IND, "direction"), ("missing_column", IND, 1, "direction")),
    ("missing file", delete_file("categories.csv"), ("missing_file", "categories.csv", None, "")),
    ("missing sources", delete_file("sources.csv"), ("missing_file", "sources.csv", None, "")),
    ("missing toml", delete_file("edition.toml"), ("missing_file", "edition.toml", None, "")),
    (
        "bad verified flag",
        set_cell("items.csv", "1", "verified", "maybe"),
        ("bad_flag", "items.csv", 2, "verified"),
    ),
    (
        "bad confirmed flag",
        set_cell(IND, "S02.1", "floor_confirmed", "Y"),
        ("bad_flag", IND, 3, "floor_confirmed"),
    ),
    ("bounds equal", set_cell(IND, "S01.1", "lower_bound", "100"), ("bounds_equal", IND, 2, "lower_bound")),
    (
        "bounds reversed",
        set_cell(IND, "S06.4", "lower_bound", "1"),
        ("bounds_direction", IND, row_of(IND, "S06.4"), "lower_bound"),
    ),
    ("rate above 100", set_cell(IND, "S01.1", "optimum", "120"), ("rate_out_of_range", IND, 2, "optimum")),
    (
        "boolean floor 2",
        set_cell(IND, "S29.2", "national_floor", "2"),
        ("boolean_out_of_range", IND, row_of(IND, "S29.2"), "national_floor"),
    ),
    ("zero weight", set_cell(IND, "S01.1", "weight", "0"), ("bad_weight", IND, 2, "weight")),
    (
        "negative unit cost",
        set_cell(IND, "S13.1", "unit_cost", "-5"),
        ("negative_number", IND, row_of(IND, "S13.1"), "unit_cost"),
    ),
    (
        "share above 1",
        set_cell("items.csv", "12", "central_share", "1.5"),
        ("share_out_of_range", "items.csv", 13, "central_share"),
    ),
    (
        "confirmed without floor",
        set_cell(IND, "S03.1", "floor_confirmed", "yes"),
        ("confirmed_without_floor", IND, 4, "floor_confirmed"),
    ),
    ("code prefix", set_cell(IND, "S03.1", "code", "S04.9"), ("code_prefix", IND, 4, "code")),
    ("unknown source", set_cell(IND, "S01.1", "source", "IC-B;IC-S99"), ("unknown_source", IND, 2, "source")),
    (
        "empty name",
        set_cell("categories.csv", "C05", "name_en", ""),
        ("empty_value", "categories.csv", 6, "name_en"),
    ),
    ("extra field", edit_text("aspects.csv", "A4,4,", "A4,4,x,"), ("field_count", "aspects.csv", 5, "")),
    (
        "not utf-8",
        edit_text("aspects.csv", "A1", "A1", encoding="gb18030"),
        ("unreadable", "aspects.csv", None, ""),
    ),
    (
        "toml syntax",
        edit_text("edition.toml", 'id = "CN-2021"', "id = CN-2021"),
        ("toml_invalid", "edition.toml", None, ""),
    ),
    (
        "toml no title",
        edit_text("edition.toml", 'title_en = "', 'title_xx = "'),
        ("toml_missing_key", "edition.toml", None, "title_en"),
    ),
    (
        "toml bad date",
        edit_text("edition.toml", '"2021-04-20"', '"20 April 2021"'),
        ("toml_bad_date", "edition.toml", None, "published"),
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [pytest.param(m, e, id=i) for i, m, e in BROKEN])
def test_broken_copy_is_refused_naming_file_row_and_problem(
    tmp_path: Path, mutate: Callable[[Path], None], expected: tuple[str, str, int | None, str]
) -> None:
    folder = copy_edition(tmp_path)
    mutate(folder)
    with pytest.raises(DataFileError) as info:
        load_edition_dir(folder)
    found = [(p.code, p.file, p.row, p.column) for p in info.value.problems]
    assert expected in found
    for p in info.value.problems:
        assert_readable(p)


def assert_readable(p: Problem) -> None:
    assert re.search(r"[\u4e00-\u9fff]", p.message_zh), p
    assert p.message_en and "{" not in p.message_en and "{" not in p.message_zh, p
    assert p.file and p.file in p.message("en")


def test_every_defect_is_reported_at_once(tmp_path: Path) -> None:
    folder = copy_edition(tmp_path)
    set_cell(IND, "S01.1", "kind", "ratio")(folder)
    set_cell("items.csv", "7", "central_share", "2")(folder)
    set_cell("aspects.csv", "A9", "name_en", "")(folder)
    with pytest.raises(DataFileError) as info:
        load_edition_dir(folder)
    found = {(p.code, p.file, p.row) for p in info.value.problems}
    assert found == {
        ("bad_choice", IND, 2),
        ("share_out_of_range", "items.csv", 8),
        ("empty_value", "aspects.csv", 10),
    }
    text = str(info.value)
    assert "indicators.csv, row 2, column kind" in text and "ratio" in text


def test_bom_blank_lines_and_padding_are_accepted(tmp_path: Path) -> None:
    folder = copy_edition(tmp_path)
    rows = read_rows(folder / "aspects.csv")
    padded = [[f"  {cell} " for cell in r] for r in rows]
    write_rows(folder / "aspects.csv", [*padded[:4], [], *padded[4:], []])
    data = (folder / "aspects.csv").read_bytes()
    assert b"\n\n" in data
    (folder / "aspects.csv").write_bytes(b"\xef\xbb\xbf" + data)
    loaded = load_edition_dir(folder)
    assert loaded.aspects[0].code == "A1" and loaded.aspects[0].name_zh == "幼有所育"
    assert summary(loaded) == summary(load_edition())


NUMERIC = ["national_floor", "optimum", "lower_bound", "weight", "unit_cost"]
CODES = [r[0] for r in read_rows(SOURCE / IND)[1:]]


@settings(max_examples=40, deadline=None)
@given(
    code=st.sampled_from(CODES),
    column=st.sampled_from(NUMERIC),
    value=st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
)
def test_any_single_cell_edit_is_reported_on_its_own_row(code: str, column: str, value: str) -> None:
    """Whatever goes into one number cell, the loader either accepts it or blames that row only."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = copy_edition(Path(tmp))
        set_cell(IND, code, column, value)(folder)
        try:
            load_edition_dir(folder)
        except DataFileError as err:
            assert err.problems
            assert {(p.file, p.row) for p in err.problems} == {(IND, row_of(IND, code))}


# -- the command --------------------------------------------------------------------------------


def test_cli_json_prints_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["catalogue", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == summary(load_edition())
    assert (out["edition"], out["aspects"], out["categories"], out["items"]) == ("CN-2021", 9, 22, 80)
    assert out["indicators"] >= 100


def test_cli_readable_summary_in_both_languages(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["catalogue", "--edition", "CN-2021"]) == 0
    out = capsys.readouterr().out
    assert "国家基本公共服务标准（2021年版）" in out and "80 service items (45 verified)" in out
    assert "服务项目 80" in out


def test_cli_unknown_edition_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["catalogue", "--edition", "CN-1999"])
    assert info.value.code == 2


def test_cli_malformed_edition_exits_1_with_messages(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = copy_edition(tmp_path)
    drop_row(IND, "S80.1")(folder)
    monkeypatch.setattr("assessment.commands.catalogue.load_edition", lambda _id: load_edition_dir(folder))
    assert cli.main(["catalogue", "--json"]) == 1
    err = capsys.readouterr().err
    assert "item_without_indicator" in err and "items.csv, row 81" in err and "Traceback" not in err
