"""The catalogue workbook of an edition: export, correct with openpyxl, import as a new revision, diff."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from assessment.catalogue import load_edition
from assessment.catalogue.loader import COLUMNS
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.model import Edition, Indicator, ServiceItem
from assessment.intake.edition_workbook import (
    DIFF_COLUMNS,
    CatalogueSource,
    diff_editions,
    edition_workbook,
    parse_edition_workbook,
    read_edition_workbook,
    shipped_sources,
)
from assessment.intake.workbook_layout import column_letter

TABLES = ("aspects", "categories", "items", "indicators", "sources")
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def edition() -> Edition:
    return load_edition("CN-2021")


@pytest.fixture(scope="module")
def exported(edition: Edition) -> bytes:
    return edition_workbook(edition)


def edit(data: bytes, change: Callable[[Workbook], None]) -> bytes:
    """The workbook after ``change`` (an official's edit), saved again by openpyxl."""
    wb = load_workbook(io.BytesIO(data))
    change(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def find(ws: Worksheet, code: object, column: str) -> str:
    """The cell (``J4``) of ``column`` in the row whose code (tag, key; an item's number) is ``code``."""
    header = [c.value for c in ws[1]]
    key = header.index(
        "no" if isinstance(code, int) else next(k for k in ("code", "tag", "key") if k in header)
    )
    for row in ws.iter_rows(min_row=3):
        if row[key].value == code:
            return f"{column_letter(header.index(column))}{row[0].row}"
    raise AssertionError(f"{code} not in {ws.title}")


def set_cell(sheet: str, code: str, column: str, value: object) -> Callable[[Workbook], None]:
    def change(wb: Workbook) -> None:
        ws = wb[sheet]
        ws[find(ws, code, column)] = value

    return change


def refused(data: bytes, current: Edition) -> list[Problem]:
    with pytest.raises(DataFileError) as info:
        read_edition_workbook(data, current)
    assert info.value.problems
    return info.value.problems


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert len(found) == 1, [p.message("en") for p in problems]
    return found[0]


# -- export ---------------------------------------------------------------------------------------


def test_workbook_has_the_about_sheet_first_and_one_machine_named_sheet_per_table(exported: bytes) -> None:
    wb = load_workbook(io.BytesIO(exported))
    assert wb.sheetnames == ["说明", "edition", *TABLES]
    en = load_workbook(io.BytesIO(edition_workbook(load_edition("CN-2021"), "en")))
    assert en.sheetnames == ["About", "edition", *TABLES]
    facts = {row[0].value: row[1].value for row in wb["说明"].iter_rows(min_row=5) if row[0].value}
    assert facts["版次代码"] == "CN-2021"
    assert facts["中文名称"] == "国家基本公共服务标准（2021年版）"
    assert facts["发布日期"] == "2021-04-20"
    assert facts["起始适用报告期"] == "2021"
    assert facts["修订版"].startswith("CN-2021（第 1 修订版")
    text = "\n".join(str(c.value) for row in wb["说明"].iter_rows() for c in row if c.value)
    assert "CN-2021 r2" in text  # the revision an import will make
    assert "Row 1 of every sheet" in text and "第1行是系统列名" in text  # both languages


def test_every_table_sheet_has_machine_names_then_labels_then_data(edition: Edition, exported: bytes) -> None:
    wb = load_workbook(io.BytesIO(exported))
    for sheet in TABLES:
        ws = wb[sheet]
        assert tuple(c.value for c in ws[1]) == COLUMNS[f"{sheet}.csv"], sheet
        assert ws.freeze_panes == "B3"
        assert ws.column_dimensions["B"].width > 5
    assert wb["indicators"]["J2"].value == "全国底线（可空）"
    assert wb["indicators"].max_row == 2 + len(edition.indicators)
    assert wb["items"].max_row == 2 + len(edition.items)
    assert wb["sources"].max_row == 2 + len(shipped_sources("CN-2021"))
    en = load_workbook(io.BytesIO(edition_workbook(edition, "en")))
    assert en["indicators"]["J2"].value == "National floor (may be empty)"


def test_cells_are_typed_as_the_csv_files_write_them(exported: bytes) -> None:
    ws = load_workbook(io.BytesIO(exported))["indicators"]
    assert ws[find(ws, "S02.1", "national_floor")].value == 90
    assert ws[find(ws, "S02.1", "floor_confirmed")].value == "yes"
    assert ws[find(ws, "S01.1", "floor_confirmed")].value == "no"
    assert ws[find(ws, "S03.1", "national_floor")].value is None  # no floor: an empty cell
    assert ws[find(ws, "S05.1", "unit_cost")].value is None  # no unit cost: an empty cell
    assert ws[find(ws, "S02.1", "unit_cost")].value == 79  # a number, as the CSV writes it
    assert isinstance(ws[find(ws, "S02.1", "weight")].value, int | float)
    items = load_workbook(io.BytesIO(exported))["items"]
    assert items[find(items, 1, "central_share")].value == 0.5
    assert items[find(items, 1, "verified")].value == "yes"


def test_edition_sheet_holds_the_key_value_rows(edition: Edition, exported: bytes) -> None:
    ws = load_workbook(io.BytesIO(exported))["edition"]
    assert [c.value for c in ws[1]] == ["key", "value", "about"]
    rows = {r[0].value: r[1].value for r in ws.iter_rows(min_row=3)}
    assert rows == {
        "id": "CN-2021",
        "title_zh": edition.title_zh,
        "title_en": edition.title_en,
        "published": "2021-04-20",
        "provenance": edition.provenance,
    }


def test_text_that_looks_like_a_formula_is_written_as_text_and_read_back(edition: Edition) -> None:
    first = dataclasses.replace(edition.indicators[0], name_en='=HYPERLINK("http://x")')
    odd = dataclasses.replace(edition, indicators=(first, *edition.indicators[1:]))
    data = edition_workbook(odd)
    ws = load_workbook(io.BytesIO(data))["indicators"]
    cell = ws[find(ws, first.code, "name_en")]
    assert cell.data_type == "s" and cell.quotePrefix
    assert read_edition_workbook(data, odd).indicators[0].name_en == '=HYPERLINK("http://x")'


def test_same_edition_gives_the_same_bytes_at_a_fixed_time(edition: Edition) -> None:
    when = datetime(2026, 1, 2, 3, 4, 5)
    assert edition_workbook(edition, generated_at=when) == edition_workbook(edition, generated_at=when)


# -- import ---------------------------------------------------------------------------------------


def test_round_trip_gives_the_same_catalogue_as_the_next_revision(edition: Edition, exported: bytes) -> None:
    new = read_edition_workbook(exported, edition)
    assert new.revision == 2 and new.label == "CN-2021 r2"
    assert new.effective_from == edition.effective_from == 2021
    assert new.aspects == edition.aspects
    assert new.categories == edition.categories
    assert new.items == edition.items
    assert new.indicators == edition.indicators
    assert (new.id, new.title_zh, new.title_en, new.published, new.provenance) == (
        edition.id,
        edition.title_zh,
        edition.title_en,
        edition.published,
        edition.provenance,
    )
    diff = diff_editions(edition, new)
    assert diff.empty and tuple(diff.columns) == DIFF_COLUMNS
    assert read_edition_workbook(edition_workbook(new, "en"), new).revision == 3


def test_the_sources_sheet_is_read_back(exported: bytes, edition: Edition) -> None:
    parsed = parse_edition_workbook(exported, edition)
    assert parsed.sources == shipped_sources("CN-2021")
    assert len(parsed.sources) > 10


def test_one_changed_floor_is_one_change(edition: Edition, exported: bytes) -> None:
    data = edit(exported, set_cell("indicators", "S02.1", "national_floor", 92))
    new = read_edition_workbook(data, edition)
    assert new.indicator_by_code["S02.1"].national_floor == 92
    assert edition.indicator_by_code["S02.1"].national_floor == 90
    diff = diff_editions(edition, new, "en")
    assert len(diff) == 1
    row = diff.iloc[0].to_dict()
    assert row == {
        "table": "indicators",
        "code": "S02.1",
        "field": "national_floor",
        "old": "90",
        "new": "92",
        "change": "changed",
        "label": "National floor (may be empty)",
    }


def test_corrected_titles_and_provenance_are_a_revision_too(edition: Edition, exported: bytes) -> None:
    def change(wb: Workbook) -> None:
        ws = wb["edition"]
        ws[find(ws, "title_en", "value")] = "National Basic Public Service Standards (2021)"
        ws[find(ws, "provenance", "value")] = "Corrected."

    new = read_edition_workbook(edit(exported, change), edition)
    assert new.title_en == "National Basic Public Service Standards (2021)"
    diff = diff_editions(edition, new)
    assert list(diff["field"]) == ["title_en", "provenance"]
    assert set(diff["table"]) == {"edition"} and set(diff["change"]) == {"changed"}


def test_a_label_row_deleted_by_the_official_does_not_lose_the_first_entry(
    edition: Edition, exported: bytes
) -> None:
    new = read_edition_workbook(edit(exported, lambda wb: wb["aspects"].delete_rows(2)), edition)
    assert new.aspects == edition.aspects


def test_a_percent_formatted_floor_is_read_as_shown(edition: Edition, exported: bytes) -> None:
    def change(wb: Workbook) -> None:
        ws = wb["indicators"]
        cell = ws[find(ws, "S02.1", "national_floor")]
        cell.value, cell.number_format = 0.92, "0%"

    new = read_edition_workbook(edit(exported, change), edition)
    assert new.indicator_by_code["S02.1"].national_floor == pytest.approx(92)


def test_added_item_with_its_indicator_is_accepted(edition: Edition, exported: bytes) -> None:
    item = dataclasses.replace(
        edition.items[-1], no=81, code="S81", name_zh="新增服务", name_en="A new service"
    )
    ind = dataclasses.replace(edition.indicators[-1], code="S81.1", item_code="S81", name_en="New one")

    def change(wb: Workbook) -> None:
        wb["items"].append([getattr(item, c) if c != "verified" else "no" for c in COLUMNS["items.csv"]])
        wb["indicators"].append(
            [
                {True: "yes", False: "no"}.get(v, v) if isinstance(v, bool) else v
                for v in (getattr(ind, c) for c in COLUMNS["indicators.csv"])
            ]
        )

    new = read_edition_workbook(edit(exported, change), edition)
    assert len(new.items) == 81 and new.items[-1].code == "S81" and not new.items[-1].verified
    assert new.indicator_by_code["S81.1"].item_code == "S81"
    diff = diff_editions(edition, new)
    assert set(diff["change"]) == {"added"}
    assert set(diff["code"]) == {"S81", "S81.1"}
    assert list(diff["table"].unique()) == ["items", "indicators"]
    assert diff["old"].isna().all()


def test_a_floor_outside_its_bounds_is_refused_at_its_cell(edition: Edition, exported: bytes) -> None:
    data = edit(exported, set_cell("indicators", "S02.1", "national_floor", 40))  # bounds 50..100
    ws = load_workbook(io.BytesIO(data))["indicators"]
    where = find(ws, "S02.1", "national_floor")
    p = only(refused(data, edition), "floor_out_of_bounds")
    assert (p.sheet, p.cell, p.column, p.value) == ("indicators", where, "national_floor", "40")
    assert where.startswith("J") and p.row == int(where[1:])
    assert f"indicators!{where}" in p.message("en") and f"indicators!{where}" in p.message("zh")


def test_every_problem_is_collected_across_sheets(edition: Edition, exported: bytes) -> None:
    def change(wb: Workbook) -> None:
        set_cell("indicators", "S02.1", "optimum", 120)(wb)  # a rate beyond 100
        set_cell("indicators", "S05.1", "weight", 0)(wb)
        set_cell("items", "S07", "central_share", 1.5)(wb)
        set_cell("categories", "C02", "order", 2.5)(wb)

    problems = refused(edit(exported, change), edition)
    at = {(p.code, p.sheet, p.column) for p in problems}
    assert ("rate_out_of_range", "indicators", "optimum") in at
    assert ("bad_weight", "indicators", "weight") in at
    assert ("share_out_of_range", "items", "central_share") in at
    assert ("not_a_positive_integer", "categories", "order") in at
    sheets = [p.sheet for p in problems]
    assert sheets == sorted(sheets, key=("categories", "items", "indicators").index)  # listed by sheet


def test_a_duplicate_indicator_code_is_refused_at_its_cell(edition: Edition, exported: bytes) -> None:
    ws = load_workbook(io.BytesIO(exported))["indicators"]
    first, second = find(ws, "S06.1", "code"), find(ws, "S06.2", "code")
    data = edit(exported, set_cell("indicators", "S06.2", "code", "S06.1"))
    problems = refused(data, edition)
    p = only(problems, "duplicate_code")
    assert (p.sheet, p.cell, p.value) == ("indicators", second, "S06.1")
    assert first[1:] in p.message("en")  # the row of the first occurrence
    removed = only(problems, "code_removed")  # and S06.2 is gone from the revision
    assert (removed.sheet, removed.value) == ("indicators", "S06.2")


def test_an_indicator_of_a_missing_item_is_refused(edition: Edition, exported: bytes) -> None:
    data = edit(exported, set_cell("indicators", "S06.3", "item_code", "S99"))
    problems = refused(data, edition)
    p = only(problems, "dangling_reference")
    assert (p.sheet, p.column, p.value) == ("indicators", "item_code", "S99")
    assert p.cell == find(load_workbook(io.BytesIO(data))["indicators"], "S06.3", "item_code")
    assert "the sheet 'items'" in p.message("en") and "在工作表“items”中" in p.message("zh")
    assert ".csv" not in p.message("en") + p.message("zh")


def test_an_unknown_source_tag_is_refused(edition: Edition, exported: bytes) -> None:
    data = edit(exported, set_cell("indicators", "S02.1", "source", "IC-S8;NO-SUCH-TAG"))
    p = only(refused(data, edition), "unknown_source")
    assert (p.sheet, p.value) == ("indicators", "NO-SUCH-TAG")
    assert p.cell.startswith("P")
    assert "the sheet 'sources'" in p.message("en") and "sources.csv" not in p.message("en")


def test_a_formula_is_refused_at_its_cell(edition: Edition, exported: bytes) -> None:
    ws = load_workbook(io.BytesIO(exported))["indicators"]
    where = find(ws, "S02.1", "national_floor")
    data = edit(exported, set_cell("indicators", "S02.1", "national_floor", "=90+2"))
    p = only(refused(data, edition), "formula")
    assert (p.sheet, p.cell, p.value, p.column) == ("indicators", where, "=90+2", "national_floor")
    assert "=90+2" in p.message("zh")


def test_a_formula_in_a_required_cell_is_reported_once(edition: Edition, exported: bytes) -> None:
    ws = load_workbook(io.BytesIO(exported))["indicators"]
    where = find(ws, "S02.1", "weight")
    problems = refused(edit(exported, set_cell("indicators", "S02.1", "weight", "=1")), edition)
    assert [(p.code, p.cell) for p in problems] == [("formula", where)]  # not also "empty"


def test_a_formula_with_a_saved_result_is_refused_too(edition: Edition, exported: bytes) -> None:
    """Excel saves the result beside the formula: it is still a formula."""
    data = edit(exported, set_cell("aspects", "A1", "name_en", "=UPPER(D4)"))
    cached = rb'<c r="D3" t="str"><f>UPPER(D4)</f><v>THE RESULT</v></c>'
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if b"UPPER(D4)" in body:
                body, n = re.subn(rb'<c r="D3"[^>]*>.*?</c>', cached, body, flags=re.S)
                assert n == 1
            dst.writestr(info, body)
    assert b"THE RESULT" in zipfile.ZipFile(buf).read("xl/worksheets/sheet3.xml")
    p = only(refused(buf.getvalue(), edition), "formula")
    assert (p.sheet, p.cell, p.value) == ("aspects", "D3", "=UPPER(D4)")


def test_a_missing_sheet_is_named(edition: Edition, exported: bytes) -> None:
    def change(wb: Workbook) -> None:
        del wb["sources"]

    problems = refused(edit(exported, change), edition)
    p = only(problems, "missing_sheet")
    assert p.sheet == "sources"
    assert "'sources'" in p.message("en") and "“sources”" in p.message("zh")
    assert not any(p.code == "unknown_source" for p in problems)  # no cascade without the sheet


def test_a_missing_column_is_named(edition: Edition, exported: bytes) -> None:
    def change(wb: Workbook) -> None:
        wb["indicators"]["N1"] = "wt"  # was weight

    p = only(refused(edit(exported, change), edition), "missing_column")
    assert (p.sheet, p.row, p.column) == ("indicators", 1, "weight")


def test_a_workbook_of_another_edition_is_refused(edition: Edition) -> None:
    other = dataclasses.replace(edition, id="CN-2023")
    p = only(refused(edition_workbook(other), edition), "wrong_edition")
    assert (p.sheet, p.cell, p.value) == ("edition", "B3", "CN-2023")
    assert "CN-2021" in p.message("en") and "CN-2023" in p.message("zh")


def test_a_removed_item_and_an_added_aspect_are_refused(edition: Edition, exported: bytes) -> None:
    def change(wb: Workbook) -> None:
        ws = wb["aspects"]
        ws.append(["A10", 10, "新方面", "A new aspect"])
        items = wb["items"]
        items.delete_rows(int(find(items, "S80", "code")[1:]))

    problems = refused(edit(exported, change), edition)
    removed = [p for p in problems if p.code == "code_removed"]
    assert {(p.sheet, p.value) for p in removed} == {("items", "S80")}
    added = only(problems, "code_added")
    assert (added.sheet, added.value, added.cell) == ("aspects", "A10", f"A{3 + len(edition.aspects)}")


def test_edition_sheet_defects_are_refused_at_their_cells(edition: Edition, exported: bytes) -> None:
    def change(wb: Workbook) -> None:
        ws = wb["edition"]
        ws[find(ws, "published", "value")] = "20 April 2021"
        ws[find(ws, "title_zh", "value")] = None
        ws.append(["effective_from", 2023])

    problems = refused(edit(exported, change), edition)
    assert only(problems, "bad_date").cell == "B6"
    assert only(problems, "empty_meta").cell == "B4"
    assert only(problems, "unknown_key").cell == "A8"


@pytest.mark.parametrize(
    "data",
    [
        b"just some text, not a workbook",
        b"%PDF-1.7 not a workbook",
        b"\x00\x01\x02binary",
        b"PK\x03\x04broken",
    ],
    ids=["text", "pdf", "binary", "broken-zip"],
)
def test_bytes_that_are_not_xlsx_are_refused_clearly(edition: Edition, data: bytes) -> None:
    p = only(refused(data, edition), "not_xlsx")
    assert ".xlsx" in p.message("en") and ".xlsx" in p.message("zh")


def test_a_zip_that_is_not_a_workbook_and_an_empty_file_are_refused(edition: Edition) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert only(refused(buf.getvalue(), edition), "not_xlsx")
    assert only(refused(b"", edition), "E_EMPTY_FILE")


def test_messages_exist_in_both_languages_without_python_internals(edition: Edition, exported: bytes) -> None:
    def change(wb: Workbook) -> None:
        set_cell("indicators", "S02.1", "national_floor", 40)(wb)
        set_cell("indicators", "S06.2", "code", "S06.1")(wb)
        set_cell("indicators", "S06.3", "item_code", "S99")(wb)
        set_cell("indicators", "S07.1", "kind", "ratio")(wb)
        set_cell("indicators", "S07.2", "source", "NOPE")(wb)
        set_cell("items", "S08", "verified", "maybe")(wb)
        set_cell("aspects", "A2", "order", "=1+1")(wb)
        set_cell("edition", "id", "value", "")(wb)
        del wb["categories"]

    problems = refused(edit(exported, change), edition)
    assert len(problems) >= 9
    for p in problems:
        zh, en = p.message("zh"), p.message("en")
        assert zh and en and zh != en, p
        assert CJK.search(zh), zh
        assert p.sheet in ("edition", *TABLES), p
        for text in (zh, en):
            for bad in ("Traceback", "Error(", "Problem(", "{", "}", "None", ".csv", "edition.toml"):
                assert bad not in text, text
    err = DataFileError(problems)
    assert "indicators!J" in err.messages("en") and "indicators!J" in err.messages("zh")


# -- differences ----------------------------------------------------------------------------------


def test_diff_between_two_editions_compares_by_code(edition: Edition) -> None:
    gone = edition.indicators[0]
    changed = dataclasses.replace(edition.indicators[1], weight=2.0, floor_confirmed=False)
    new_item = ServiceItem(**{**edition.items[0].__dict__, "no": 81, "code": "S81", "name_en": "X"})
    added = Indicator(**{**edition.indicators[2].__dict__, "code": "S81.1", "item_code": "S81"})
    future = dataclasses.replace(
        edition,
        id="CN-2023",
        title_en="National Basic Public Service Standards (2023 edition)",
        effective_from=2024,
        items=(*edition.items, new_item),
        indicators=(changed, *edition.indicators[2:], added),
    )
    diff = diff_editions(edition, future)
    assert list(diff.columns) == list(DIFF_COLUMNS)
    assert list(diff["table"].unique()) == ["edition", "items", "indicators"]
    edition_rows = diff[diff["table"] == "edition"]
    assert list(edition_rows["field"]) == ["id", "title_en", "effective_from"]
    assert list(edition_rows["new"]) == ["CN-2023", future.title_en, "2024"]
    ind = diff[diff["table"] == "indicators"]
    assert list(ind["code"].unique()) == [gone.code, changed.code, "S81.1"]
    assert set(ind[ind["code"] == gone.code]["change"]) == {"removed"}
    assert ind[ind["code"] == gone.code]["new"].isna().all()
    assert "" not in set(ind[ind["code"] == gone.code]["old"])  # an empty cell is not a change
    rows = ind[ind["code"] == changed.code]
    assert list(rows["field"]) == ["floor_confirmed", "weight"]
    assert list(rows["old"]) == ["yes", "1"] and list(rows["new"]) == ["no", "2"]
    assert set(ind[ind["code"] == "S81.1"]["change"]) == {"added"}


def test_diff_sorts_codes_naturally(edition: Edition) -> None:
    inds = [dataclasses.replace(i, code="S06.10") if i.code == "S06.2" else i for i in edition.indicators]
    diff = diff_editions(edition, dataclasses.replace(edition, indicators=tuple(inds)))
    assert list(diff["code"].unique()) == ["S06.2", "S06.10"]  # not "S06.10" first, as text would sort
    assert set(diff[diff["code"] == "S06.2"]["change"]) == {"removed"}
    assert set(diff[diff["code"] == "S06.10"]["change"]) == {"added"}


def test_diff_labels_follow_the_language(edition: Edition) -> None:
    inds = [dataclasses.replace(i, unit="pts") if i.code == "S11.1" else i for i in edition.indicators]
    later = dataclasses.replace(edition, indicators=tuple(inds))
    zh, en = diff_editions(edition, later, "zh"), diff_editions(edition, later, "en")
    assert list(zh["label"]) == ["单位"] and list(en["label"]) == ["Unit"]
    assert zh.drop(columns="label").equals(en.drop(columns="label"))


def test_sources_are_compared_when_both_are_given(edition: Edition) -> None:
    old = shipped_sources("CN-2021")
    new = (
        dataclasses.replace(old[0], title="Corrected title"),
        *old[1:],
        CatalogueSource("X1", "d", "t", ""),
    )
    assert diff_editions(edition, edition).empty
    assert diff_editions(edition, edition, new_sources=new).empty  # one side only: not compared
    diff = diff_editions(edition, edition, old_sources=old, new_sources=new)
    assert list(diff["table"].unique()) == ["sources"]
    assert list(diff["code"]) == [old[0].tag, "X1", "X1"]
    assert list(diff["field"]) == ["title", "document", "title"]  # the empty url of X1 is no change
    assert list(diff["change"]) == ["changed", "added", "added"]
    assert list(diff["new"]) == ["Corrected title", "d", "t"]
