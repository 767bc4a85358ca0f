"""The annotated copy: offending cells marked and explained, a summary sheet, formula-safe text."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from assessment.intake import annotate as annotate_module
from assessment.intake.annotate import ERROR_FILL, WARNING_FILL, annotate
from assessment.intake.ingest import UploadResult, read_upload
from assessment.intake.workbook_layout import DATA_SHEET, ERRORS_SHEET, META_SHEET, ROWS_SHEET
from tests.fixtures import TEMPLATE_EDITION as EDITION
from tests.fixtures import TEMPLATE_STANDARDS as STANDARDS
from tests.fixtures import TEMPLATE_TREE as TREE
from tests.fixtures import batch_csv, edit, filled, good_batch_rows, xml_bomb


def read(data: bytes, name: str = "t.xlsx") -> UploadResult:
    return read_upload(data, name, edition=EDITION, tree=TREE, local_standards=STANDARDS)


def open_xlsx(data: bytes):
    return load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def bad_template() -> tuple[bytes, UploadResult]:
    data = edit(filled(), {"J6": "three", "J5": 0.85, "J4": 90})  # error, warning, error
    return data, read(data)


def test_offending_cells_are_filled_and_commented(bad_template) -> None:
    data, result = bad_template
    ws = open_xlsx(annotate(data, result))[DATA_SHEET]
    assert ws["J6"].fill.fgColor.rgb.endswith(ERROR_FILL.fgColor.rgb[-6:])
    assert ws["J5"].fill.fgColor.rgb.endswith(WARNING_FILL.fgColor.rgb[-6:])
    assert "E_NOT_NUMBER" in ws["J6"].comment.text and "three" in ws["J6"].comment.text
    assert "is not a number" in ws["J6"].comment.text  # English under the Chinese
    assert "E_RATE_MISMATCH" in ws["J4"].comment.text
    assert ws["J7"].comment is None


def test_summary_sheet_lists_every_problem_first(bad_template) -> None:
    data, result = bad_template
    wb = open_xlsx(annotate(data, result))
    assert wb.sheetnames[0] == ERRORS_SHEET and wb.active.title == ERRORS_SHEET
    ws = wb[ERRORS_SHEET]
    codes = [ws.cell(r, 2).value for r in range(3, ws.max_row + 1)]
    assert sorted(codes) == sorted(p.code for p in result.problems)
    where = [ws.cell(r, 3).value for r in range(3, ws.max_row + 1)]
    assert "填报!J6" in where
    link = next(ws.cell(r, 3).hyperlink for r in range(3, ws.max_row + 1) if ws.cell(r, 3).value == "填报!J6")
    assert link.location == "'填报'!J6"


def test_english_summary(bad_template) -> None:
    data, result = bad_template
    ws = open_xlsx(annotate(data, result, lang="en"))[ERRORS_SHEET]
    assert ws["A1"].value.startswith("Upload check: 2 errors")


def test_annotated_template_keeps_protection_metadata_and_reuploads(bad_template) -> None:
    data, result = bad_template
    out = annotate(data, result)
    wb = open_xlsx(out)
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb[DATA_SHEET].protection.sheet
    again = read(out)
    assert sorted((p.code, p.cell) for p in again.problems) == sorted(
        (p.code, p.cell) for p in result.problems
    )
    fixed = edit(out, {"J6": 3, "J5": 85, "J4": 96})
    assert read(fixed).ok
    twice = open_xlsx(annotate(out, again))
    assert twice.sheetnames.count(ERRORS_SHEET) == 1


def test_values_from_the_upload_never_become_formulas() -> None:
    rows = good_batch_rows()
    rows[1][3] = '=HYPERLINK("http://evil","x")'
    rows[2][6] = "@SUM(1+1)"
    rows[2][3] = "-bad"
    data = batch_csv(rows)
    result = read(data, "b.csv")
    out = annotate(data, result)
    wb = open_xlsx(out)
    ws = wb[ROWS_SHEET]
    texts = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=@-"]
    assert {c.value for c in texts} >= {'=HYPERLINK("http://evil","x")', "@SUM(1+1)", "-bad"}
    assert all(c.data_type == "s" and c.quotePrefix for c in texts)
    summary = wb[ERRORS_SHEET]
    values = [summary.cell(r, 4) for r in range(3, summary.max_row + 1)]
    assert any(c.value == '=HYPERLINK("http://evil","x")' and c.data_type == "s" for c in values)
    with zipfile.ZipFile(io.BytesIO(out)) as zf:
        assert not any(b"<f>" in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/"))


def test_csv_upload_comes_back_as_the_rows_with_problems() -> None:
    rows = good_batch_rows(("990101", "990102"))
    rows[3][3] = "abc"  # line 5 of the file
    data = batch_csv(rows)
    result = read(data, "b.csv")
    wb = open_xlsx(annotate(data, result))
    assert wb.sheetnames == [ERRORS_SHEET, ROWS_SHEET]
    ws = wb[ROWS_SHEET]
    assert ws.max_row == 2  # header + the one offending row
    assert ws["A2"].value == 5
    header = [c.value for c in ws[1]]
    value_col = header.index("数值 value") + 1
    cell = ws.cell(2, value_col)
    assert cell.value == "abc" and "E_NOT_NUMBER" in cell.comment.text


def test_refused_container_gives_summary_only() -> None:
    data = xml_bomb(filled())
    result = read(data)
    wb = open_xlsx(annotate(data, result))
    assert wb.sheetnames == [ERRORS_SHEET]
    assert wb[ERRORS_SHEET]["B3"].value == "E_XML_BOMB"


def test_large_xlsx_is_annotated_as_rows(monkeypatch: pytest.MonkeyPatch, bad_template) -> None:
    data, result = bad_template
    monkeypatch.setattr(annotate_module, "IN_PLACE_MAX_BYTES", 100)
    wb = open_xlsx(annotate(data, result))
    assert wb.sheetnames == [ERRORS_SHEET, ROWS_SHEET]
    assert sorted(c.value for c in wb[ROWS_SHEET]["A"][1:]) == [4, 5, 6]


def test_annotate_falls_back_to_summary_when_rewriting_fails(
    monkeypatch: pytest.MonkeyPatch, bad_template
) -> None:
    data, result = bad_template

    def boom(*_a, **_k):
        raise ValueError("cannot rewrite")

    monkeypatch.setattr(annotate_module, "_in_place", boom)
    wb = open_xlsx(annotate(data, result))
    assert wb.sheetnames == [ERRORS_SHEET]
