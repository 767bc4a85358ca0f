"""The CN-2021 catalogue: the loader's refusals of broken copies on disk, and the ``catalogue`` command."""

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
    STANDARDS_DIR,
    load_edition,
    load_edition_dir,
    summary,
)
from assessment.domain.errors import DataFileError, Problem

SOURCE = STANDARDS_DIR / "CN-2021"


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
