"""Formulas, DDE, external links and Excel 4.0 macro sheets in uploads (issue 15 point 6).

Real hostile workbooks, made by zip-level edits of a template from the project's template writer:
a DDE formula in a value cell, a HYPERLINK formula in a note cell, a formula into another
workbook, an external link part, a ``javascript:`` hyperlink, Excel 4.0 macro sheets in each of
their disguises. Intake reads cached values and refuses macro sheets like VBA; the store keeps
the original unchanged, records what it held, lets only administrators download it and gives
everyone else a values-only copy, checked cell by cell, at zip level and in LibreOffice.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from assessment.domain.access import AccessDenied
from assessment.intake import active_content, values_copy
from assessment.intake.ingest import UploadResult, read_upload
from assessment.intake.xlsx_reader import open_workbook, read_grid, sheets
from assessment.store import Store, UploadRejected
from tests.fixtures import (
    ADMIN,
    EVALUATOR,
    OFFICIAL,
    PERIOD,
    TEMPLATE_EDITION,
    TEMPLATE_STANDARDS,
    TEMPLATE_TREE,
    batch_csv,
    count_rows,
    filled,
    good_batch_rows,
    rewrite_zip,
    upload,
)

SHEET = "xl/worksheets/sheet1.xml"
DDE = "cmd|' /C calc'!A0"
LINK = 'HYPERLINK("http://evil.example/x","click")'
EXTERNAL_FORMULA = "[1]Sheet1!A1"
EXTERNAL_TARGET = "file:///C:/secret/evil.xlsx"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ANY_F = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _cell(xml: bytes, ref: str, new: str) -> bytes:
    pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
    assert pattern.search(xml), ref
    return pattern.sub(new.encode(), xml, count=1)


def _read(data: bytes, name: str = "990101_2024.xlsx") -> UploadResult:
    edition, tree, standards = TEMPLATE_EDITION, TEMPLATE_TREE, TEMPLATE_STANDARDS
    return read_upload(data, name, edition=edition, tree=tree, local_standards=standards)


def hostile(data: bytes | None = None) -> bytes:
    """A filled template with every kind of active content Excel saves, each with a cached result."""
    data = filled() if data is None else data

    def sheet(xml: bytes) -> bytes:
        xml = _cell(xml, "J4", f'<c r="J4" s="6"><f>{DDE}</f><v>96</v></c>')  # the typed value was 96
        xml = _cell(xml, "M4", f'<c r="M4" t="str"><f>{LINK.replace(chr(34), "&quot;")}</f><v>click</v></c>')
        xml = _cell(xml, "J5", f'<c r="J5" s="6"><f>{EXTERNAL_FORMULA}</f><v>85</v></c>')
        xml = _cell(xml, "J6", '<c r="J6" s="6"><f t="shared" ref="J6" si="0">1+2</f><v>3</v></c>')
        hyperlinks = f'<hyperlinks><hyperlink xmlns:r="{REL}" ref="M7" r:id="rIdEvil"/></hyperlinks>'
        return xml.replace(b"<pageMargins", hyperlinks.encode() + b"<pageMargins", 1)

    def workbook(xml: bytes) -> bytes:
        refs = b'<externalReferences><externalReference r:id="rIdX"/></externalReferences>'
        xml = xml.replace(b"</sheets>", b"</sheets>" + refs)
        names = f'<definedName name="ext">{EXTERNAL_FORMULA.replace("A1", "$A$1")}</definedName>'
        names += "<definedName name=\"dde\">cmd|'/c calc'!A0</definedName>"
        return xml.replace(b"</definedNames>", names.encode() + b"</definedNames>")

    def rels(xml: bytes) -> bytes:
        link = f'<Relationship Id="rIdX" Type="{REL}/externalLink" Target="externalLinks/externalLink1.xml"/>'
        return xml.replace(b"</Relationships>", link.encode() + b"</Relationships>")

    def types(xml: bytes) -> bytes:
        override = (
            '<Override PartName="/xl/externalLinks/externalLink1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        )
        return xml.replace(b"</Types>", override.encode() + b"</Types>")

    external = (
        '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{REL}"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames>'
        '<sheetDataSet><sheetData sheetId="0"><row r="1"><cell r="A1"><v>85</v></cell></row></sheetData>'
        "</sheetDataSet></externalBook></externalLink>"
    )
    external_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL}/externalLinkPath" Target="{EXTERNAL_TARGET}" '
        'TargetMode="External"/>'
        "</Relationships>"
    )
    sheet_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rIdEvil" Type="{REL}/hyperlink" Target="javascript:alert(1)" '
        'TargetMode="External"/>'
        "</Relationships>"
    )
    return rewrite_zip(
        data,
        transform={
            SHEET: sheet,
            "xl/workbook.xml": workbook,
            "xl/_rels/workbook.xml.rels": rels,
            "[Content_Types].xml": types,
        },
        add={
            "xl/externalLinks/externalLink1.xml": external.encode(),
            "xl/externalLinks/_rels/externalLink1.xml.rels": external_rels.encode(),
            "xl/worksheets/_rels/sheet1.xml.rels": sheet_rels.encode(),
        },
    )


# -- Excel 4.0 macro sheets ---------------------------------------------------------------------------
MACRO_SHEET = (
    b'<xm:macrosheet xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main" '
    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
    b'<c r="A1"><f>EXEC("calc.exe")</f></c></row><row r="2"><c r="A2"><f>HALT()</f></c></row>'
    b"</sheetData></xm:macrosheet>"
)
MACRO_TYPE = "application/vnd.ms-excel.macrosheet+xml"
MACRO_REL = "http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet"


def macro_sheet(
    data: bytes, part: str = "xl/macrosheets/sheet1.xml", content_type: str = MACRO_TYPE
) -> bytes:
    """A macro sheet as Excel saves one: part, content type, workbook relationship, sheet entry and
    the ``Auto_Open`` name that runs it."""
    target = part.removeprefix("xl/")

    def types(xml: bytes) -> bytes:
        override = f'<Override PartName="/{part}" ContentType="{content_type}"/>'
        return xml.replace(b"</Types>", override.encode() + b"</Types>")

    def rels(xml: bytes) -> bytes:
        rel = f'<Relationship Id="rIdM" Type="{MACRO_REL}" Target="{target}"/>'
        return xml.replace(b"</Relationships>", rel.encode() + b"</Relationships>")

    def workbook(xml: bytes) -> bytes:
        entry = b'<sheet name="Macro1" sheetId="9" state="hidden" r:id="rIdM"/>'
        xml = xml.replace(b"</sheets>", entry + b"</sheets>")
        name = b'<definedName name="_xlnm.Auto_Open">Macro1!$A$1</definedName>'
        return xml.replace(b"</definedNames>", name + b"</definedNames>")

    return rewrite_zip(
        data,
        transform={
            "[Content_Types].xml": types,
            "xl/_rels/workbook.xml.rels": rels,
            "xl/workbook.xml": workbook,
        },
        add={part: MACRO_SHEET},
    )


def _only_content_type(data: bytes) -> bytes:
    """The macro sheet stored under a worksheet's name: only its content type gives it away."""
    return rewrite_zip(
        data,
        transform={
            "[Content_Types].xml": lambda x: x.replace(
                b"</Types>",
                f'<Override PartName="/xl/worksheets/sheet9.xml" ContentType="{MACRO_TYPE}"/>'.encode()
                + b"</Types>",
            )
        },
        add={"xl/worksheets/sheet9.xml": MACRO_SHEET},
    )


def _only_relationship(data: bytes) -> bytes:
    return rewrite_zip(
        data,
        transform={
            "xl/_rels/workbook.xml.rels": lambda x: x.replace(
                b"</Relationships>",
                f'<Relationship Id="rIdM" Type="{MACRO_REL}" Target="worksheets/sheet9.xml"/>'.encode()
                + b"</Relationships>",
            )
        },
        add={"xl/worksheets/sheet9.xml": MACRO_SHEET},
    )


def _only_name(data: bytes, attrs: str = "", name: str = "Auto_Open") -> bytes:
    return rewrite_zip(
        data,
        transform={
            "xl/workbook.xml": lambda x: x.replace(
                b"</definedNames>",
                f"<definedName name=\"{name}\"{attrs}>'填报'!$A$1</definedName></definedNames>".encode(),
            )
        },
    )


MACRO_CASES = {
    "macro sheet part": lambda d: macro_sheet(d),
    "international macro sheet": lambda d: macro_sheet(
        d, "xl/macrosheets/intl1.xml", "application/vnd.ms-excel.intlmacrosheet+xml"
    ),
    "dialog sheet": lambda d: macro_sheet(
        d, "xl/dialogsheets/sheet1.xml", "application/vnd.ms-excel.dialogsheet+xml"
    ),
    "content type only": _only_content_type,
    "relationship only": _only_relationship,
    "Auto_Open name": _only_name,
    "auto_close name, any case": lambda d: _only_name(d, name="AUTO_CLOSE"),
    "xlm flag": lambda d: _only_name(d, ' xlm="1" function="1"', name="Run"),
}


@pytest.mark.parametrize("case", list(MACRO_CASES))
def test_excel4_macro_sheets_are_refused_like_vba(case: str) -> None:
    result = _read(MACRO_CASES[case](filled()))
    assert not result.ok
    assert [p.code for p in result.errors] == ["E_MACRO"]
    problem = result.errors[0]
    assert "Excel 4.0" in problem.message_en and "refused for safety" in problem.message_en
    assert "Excel 4.0 宏表" in problem.message_zh and "不予接收" in problem.message_zh
    assert len(result.values) == 0


def test_an_ordinary_defined_name_is_not_a_macro() -> None:
    assert _read(_only_name(filled(), name="Print_Area_Custom")).ok


def test_a_refused_macro_workbook_stores_nothing(store: Store) -> None:
    data = macro_sheet(hostile())
    result = _read(data)
    before = count_rows(store)
    with pytest.raises(UploadRejected) as err:
        store.import_upload(OFFICIAL, data, "990101_2024.xlsx", result)
    assert err.value.problems[0].code == "E_MACRO"
    assert count_rows(store) == before


# -- cached values, findings -----------------------------------------------------------------------
def test_formula_cells_give_their_cached_values() -> None:
    plain, data = _read(filled()), _read(hostile())
    assert data.ok, [p.code for p in data.problems]
    values = data.values.set_index("indicator_code")
    assert values.loc["S01.1", "value"] == 96.0  # the DDE formula's cached result, never run
    assert values.loc["S01.2", "value"] == 85.0  # the formula into another workbook
    assert values.loc["S02.1", "value"] == 3.0
    assert values.loc["S01.1", "note"] == "click"  # the HYPERLINK formula's cached text
    expected = plain.values.set_index("indicator_code")
    assert values.drop(columns="note").equals(expected.drop(columns="note"))
    assert values["note"].drop("S01.1").equals(expected["note"].drop("S01.1"))


def test_a_formula_without_a_cached_value_is_reported_not_evaluated() -> None:
    no_value = '<c r="J4" s="6"><f>1+1</f></c>'
    data = rewrite_zip(filled(), transform={SHEET: lambda x: _cell(x, "J4", no_value)})
    result = _read(data)
    assert [(p.code, p.cell) for p in result.errors] == [("E_FORMULA_NO_VALUE", "J4")]
    copy = values_copy.xlsx_values_only(data)
    grid = read_grid(open_workbook(copy), "填报")
    assert grid[3][9] == "", "the copy leaves the cell empty: nothing is evaluated"


def test_findings_name_kind_sheet_and_cell() -> None:
    found = {(f.kind, f.sheet, f.cell, f.detail) for f in active_content.findings(hostile())}
    assert ("dde", "填报", "J4", DDE) in found
    assert ("hyperlink_formula", "填报", "M4", LINK) in found
    assert ("external_reference", "填报", "J5", EXTERNAL_FORMULA) in found
    assert ("formula", "填报", "J6", "1+2") in found
    assert ("hyperlink", "填报", "M7", "javascript:alert(1)") in found
    assert ("external_link", "", "", "externalLinks/externalLink1.xml") in found
    assert ("external_link", "", "xl/externalLinks/externalLink1.xml", EXTERNAL_TARGET) in found
    assert ("defined_name", "", "ext", "[1]Sheet1!$A$1") in found
    assert ("defined_name", "", "dde", "cmd|'/c calc'!A0") in found
    assert active_content.findings(filled()) == []
    assert active_content.findings(b"region_code,period\n") == []


# -- the values-only copy ---------------------------------------------------------------------------
def _all_cells(data: bytes) -> dict[str, list[list[object]]]:
    wb = open_workbook(data)
    try:
        return {s.name: read_grid(wb, s.name) for s in sheets(wb)}
    finally:
        wb.close()


def _typed(grid: dict[str, list[list[object]]]) -> dict[str, list[list[tuple[str, object]]]]:
    return {name: [[(type(v).__name__, v) for v in row] for row in rows] for name, rows in grid.items()}


def test_the_values_only_copy_keeps_every_value_and_drops_everything_active() -> None:
    original = hostile()
    name, copy = values_copy.values_only_copy(original, "990101_2024.xlsx")
    assert name == "990101_2024_values.xlsx"
    # every cell of every sheet (hidden metadata too) as the original's cached values, same types
    assert _typed(_all_cells(copy)) == _typed(_all_cells(original))
    # read through the normal intake: the same values
    again = _read(copy, name)
    assert again.ok and again.values.equals(_read(original).values)
    with zipfile.ZipFile(io.BytesIO(copy)) as zf:
        names = zf.namelist()
        assert not [n for n in names if "externallink" in n.lower() or "macrosheet" in n.lower()]
        for part in names:
            body = zf.read(part)
            assert not _ANY_F.search(body), part
            assert b'TargetMode="External"' not in body, part
            for text in (b"evil", b"javascript", b"C calc", b"c calc", b"externalReference", b"[1]"):
                assert text not in body, (part, text)
        sheet = zf.read(SHEET)
        assert b"<mergeCells" in sheet and b"<cols>" in sheet, "the layout stays"
        assert b'<c r="M4" t="inlineStr"><is><t xml:space="preserve">click</t></is></c>' in sheet
    assert active_content.findings(copy) == []


def test_a_workbook_without_active_content_keeps_its_values_and_layout() -> None:
    original = filled()
    copy = values_copy.xlsx_values_only(original)
    assert _typed(_all_cells(copy)) == _typed(_all_cells(original))
    with zipfile.ZipFile(io.BytesIO(original)) as a, zipfile.ZipFile(io.BytesIO(copy)) as b:
        assert a.namelist() == b.namelist()
        assert a.read("xl/styles.xml") == b.read("xl/styles.xml")
        assert a.read("xl/worksheets/sheet3.xml") == b.read("xl/worksheets/sheet3.xml")  # the hidden metadata


def test_libreoffice_opens_the_values_only_copy(tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed: the copy is checked by zip and calamine only")
    _, copy = values_copy.values_only_copy(hostile(), "x.xlsx")
    path = tmp_path / "copy.xlsx"
    path.write_bytes(copy)
    run = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    out = tmp_path / "copy.csv"
    assert run.returncode == 0 and out.is_file(), run.stderr.decode(errors="replace")
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    by_code = {r[0]: r for r in rows if r and r[0].startswith("S0")}
    assert by_code["S01.1"][9] == "96" and by_code["S01.1"][12] == "click"
    assert by_code["S01.2"][9] == "85" and by_code["S02.1"][9] == "3"


def test_a_csv_copy_neutralises_formula_text_but_not_numbers() -> None:
    rows = good_batch_rows()
    rows[0][6] = DDE.replace("cmd", "=cmd")
    rows[1][6] = "@SUM(1+1)"
    rows[2][6] = "\tTAB"
    rows[3][6] = "-not a number"
    rows[4][6] = "+1 (phone)"
    data = batch_csv([*rows, ["990101", PERIOD, "S09.9", "-3.5", "+2", "1e3", "=1+1"]])
    name, copy = values_copy.values_only_copy(data, "batch.csv")
    assert name == "batch_values.csv" and copy.startswith(b"\xef\xbb\xbf")
    out = list(csv.reader(io.StringIO(copy.decode("utf-8-sig"))))
    assert out[0] == ["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]
    notes = [r[6] for r in out[1:6]]
    assert notes == ["'=cmd|' /C calc'!A0", "'@SUM(1+1)", "'\tTAB", "'-not a number", "'+1 (phone)"]
    assert out[-1] == ["990101", str(PERIOD), "S09.9", "-3.5", "+2", "1e3", "'=1+1"]
    assert [r[:6] for r in out[1:-1]] == [[str(c) if c is not None else "" for c in r[:6]] for r in rows]


# -- the store: original for administrators only, values-only copy for everyone in scope ----------
def _stored(store: Store, data: bytes) -> int:
    _, fake = upload("990101", PERIOD)
    fake = dataclasses.replace(fake, sha256=hashlib.sha256(data).hexdigest())
    return store.import_upload(OFFICIAL, data, "990101_2024.xlsx", fake).submission_id


def test_only_administrators_download_the_original(store: Store) -> None:
    data = hostile()
    sid = _stored(store, data)
    assert store.original_file(ADMIN, sid) == ("990101_2024.xlsx", data), "kept unchanged for the audit"
    for actor in (EVALUATOR, OFFICIAL):
        with pytest.raises(AccessDenied) as err:
            store.original_file(actor, sid)
        assert "administrators only" in err.value.messages("en")
        assert "只有管理员" in err.value.messages("zh")
    for actor in (EVALUATOR, OFFICIAL, ADMIN):
        name, copy = store.values_only_file(actor, sid)
        assert name == "990101_2024_values.xlsx"
        assert _typed(_all_cells(copy)) == _typed(_all_cells(data))
        assert active_content.findings(copy) == []


def test_the_import_records_what_the_workbook_held(store: Store) -> None:
    sid = _stored(store, hostile())
    event = store.audit_log(action="submission.import", object_id=sid).iloc[-1]
    details = event["details"]
    recorded = details["active_content"]
    assert recorded["counts"] == {
        "external_link": 2,
        "defined_name": 2,
        "dde": 1,
        "hyperlink_formula": 1,
        "external_reference": 1,
        "formula": 1,
        "hyperlink": 1,
    }
    assert {"kind": "dde", "sheet": "填报", "cell": "J4", "detail": DDE} in recorded["items"]
    assert {f.kind for f in store.active_content(EVALUATOR, sid)} == set(recorded["counts"])


def test_a_plain_upload_records_no_active_content(store: Store) -> None:
    sid = _stored(store, filled())
    details = store.audit_log(action="submission.import", object_id=sid).iloc[-1]["details"]
    assert "active_content" not in details
