"""The Excel template: layout, protection, validation, metadata, pre-filling, determinism."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assessment.intake.ingest import read_upload
from assessment.intake.template import COL, build_template
from assessment.intake.workbook_layout import (
    DATA_SHEET,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    META_SHEET,
    TEMPLATE_COLUMNS,
    TEMPLATE_VERSION,
    header_key,
)
from assessment.intake.xlsx_write import put_text, workbook_bytes
from tests.fixtures import PERIOD, REGION, ROW, good_values, template
from tests.fixtures import TEMPLATE_EDITION as EDITION
from tests.fixtures import TEMPLATE_STANDARDS as STANDARDS
from tests.fixtures import TEMPLATE_TREE as TREE


@pytest.fixture(scope="module")
def wb():
    return load_workbook(io.BytesIO(template(good_values())))


def test_sheets_and_visibility(wb) -> None:
    assert wb.sheetnames == [DATA_SHEET, INSTRUCTIONS_SHEET, META_SHEET]
    assert wb[DATA_SHEET].sheet_state == "visible"
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb.active.title == DATA_SHEET
    assert wb.security.lockStructure


def test_metadata(wb) -> None:
    meta = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True)}
    assert meta == {
        "template_version": TEMPLATE_VERSION,
        "edition": EDITION.id,
        "region_code": REGION,
        "period": str(PERIOD),
        "generated_at": "2024-01-02T03:04:05Z",
        "lang": "zh",
    }


def test_header_carries_chinese_label_and_machine_key(wb) -> None:
    ws = wb[DATA_SHEET]
    headers = [c.value for c in ws[HEADER_ROW]]
    assert headers[:1] == ["指标代码 indicator_code"]
    assert "数值 value" in headers and "分子 numerator" in headers and "分母 denominator" in headers
    assert [header_key(h) for h in headers] == [k for k, _ in TEMPLATE_COLUMNS]
    assert ws.freeze_panes == f"B{HEADER_ROW + 1}"
    assert ws.column_dimensions["E"].width >= 30


def test_one_row_per_indicator_with_floor_local_standard_and_required(wb) -> None:
    ws = wb[DATA_SHEET]
    codes = [ws[f"A{r}"].value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    assert codes == [i.code for i in EDITION.indicators]
    assert ws[f"{COL['national_floor']}{ROW['S01.1']}"].value == 90
    assert ws[f"{COL['local_standard']}{ROW['S01.1']}"].value == 95  # the province's higher standard
    assert ws[f"{COL['local_standard']}{ROW['S01.2']}"].value == 80
    assert ws[f"{COL['required']}{ROW['S01.2']}"].value == "是"  # no floor, but a local standard
    assert ws[f"{COL['floor_confirmed']}{ROW['S02.2']}"].value == "否（待核实）"  # unconfirmed floor
    assert ws[f"{COL['floor_confirmed']}{ROW['S01.2']}"].value is None


def test_only_input_cells_are_unlocked_and_sheet_is_protected(wb) -> None:
    ws = wb[DATA_SHEET]
    assert ws.protection.sheet and not ws.protection.password
    rate, count = ROW["S01.1"], ROW["S02.1"]
    for key in ("value", "numerator", "denominator", "note"):
        assert ws[f"{COL[key]}{rate}"].protection.locked is False, key
    assert ws[f"{COL['numerator']}{count}"].protection.locked is True  # only rates take a ratio
    for key in ("indicator_code", "national_floor", "local_standard", "guidance"):
        assert ws[f"{COL[key]}{rate}"].protection.locked is True, key


def _rule(ws, ref: str):
    hits = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert len(hits) == 1, ref
    return hits[0]


@pytest.mark.parametrize(
    ("code", "key", "typ", "op", "f1", "f2"),
    [
        ("S01.1", "value", "decimal", "between", "0", "100"),
        ("S01.1", "numerator", "decimal", "greaterThanOrEqual", "0", None),
        ("S01.1", "denominator", "decimal", "greaterThan", "0", None),
        ("S02.1", "value", "decimal", "greaterThanOrEqual", "0", None),
        ("S02.2", "value", "decimal", "greaterThanOrEqual", "0", None),
        ("S03.2", "value", "whole", "between", "0", "1"),
    ],
)
def test_data_validation_guards_input_cells(wb, code, key, typ, op, f1, f2) -> None:
    dv = _rule(wb[DATA_SHEET], f"{COL[key]}{ROW[code]}")
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (typ, op, f1, f2)
    assert dv.showErrorMessage and dv.allow_blank and dv.error


def test_prefilled_values(wb) -> None:
    ws = wb[DATA_SHEET]
    r = ROW["S01.1"]
    assert [ws[f"{COL[k]}{r}"].value for k in ("value", "numerator", "denominator")] == [96, 960, 1000]
    assert ws[f"{COL['note']}{ROW['S02.2']}"].value == "含省级补助"


def test_instructions_in_both_languages(wb) -> None:
    text = "\n".join(str(c.value) for c in wb[INSTRUCTIONS_SHEET]["A"] if c.value)
    assert "填写说明" in text and "How to fill this in" in text and REGION in text


def test_english_names() -> None:
    ws = load_workbook(io.BytesIO(template(lang="en")))[DATA_SHEET]
    assert ws[f"E{ROW['S01.1']}"].value == "Indicator S01.1"
    assert ws[f"{COL['required']}{ROW['S01.1']}"].value == "yes"


def test_same_inputs_give_byte_identical_files() -> None:
    assert template(good_values()) == template(good_values())
    other = build_template(EDITION, TREE, REGION, PERIOD, STANDARDS, generated_at=datetime(2030, 1, 1))
    assert other != template()


def test_fixed_time_is_stamped_everywhere() -> None:
    data = template()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2024, 1, 2, 3, 4, 4)}  # zip keeps even seconds
        core = zf.read("docProps/core.xml").decode()
    assert core.count("2024-01-02T03:04:05Z") == 2


def test_unknown_region_raises_key_error() -> None:
    with pytest.raises(KeyError):
        build_template(EDITION, TREE, "999999", PERIOD)


def test_empty_template_reads_back_as_its_own_region_and_period() -> None:
    result = read_upload(template(), "t.xlsx", edition=EDITION, tree=TREE, local_standards=STANDARDS)
    assert (result.kind, result.region_code, result.period) == ("template", REGION, PERIOD)


@pytest.mark.parametrize(
    "text", ["=1+1", '=HYPERLINK("http://x","y")', "+1", "-1", "@SUM(A1)", "\tx", "plain"]
)
def test_text_that_looks_like_a_formula_is_written_as_text(text: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    cell = put_text(wb.active["A1"], text)
    assert cell.data_type == "s"
    data = workbook_bytes(wb)
    back = load_workbook(io.BytesIO(data))["Sheet"]["A1"]
    assert back.value == text and back.data_type == "s"
    assert back.quotePrefix == (text[0] in "=+-@\t")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert b"<f>" not in zf.read("xl/worksheets/sheet1.xml")


def test_note_starting_with_equals_is_prefilled_as_text() -> None:
    data = template(good_values(S02_2=(620.5, None, None, "=cmd|' /C calc'!A0")))
    ws = load_workbook(io.BytesIO(data))[DATA_SHEET]
    cell = ws[f"{COL['note']}{ROW['S02.2']}"]
    assert cell.data_type == "s" and cell.value.startswith("=cmd")


SOFFICE = shutil.which("soffice")


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_and_resaves_a_template_that_still_validates(tmp_path: Path) -> None:
    src = tmp_path / "in.xlsx"
    src.write_bytes(template(good_values()))
    out = tmp_path / "out"
    cmd = [
        SOFFICE,
        "--headless",
        f"-env:UserInstallation=file://{tmp_path}/profile",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
        str(src),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)
    result = read_upload(
        (out / "in.xlsx").read_bytes(), "in.xlsx", edition=EDITION, tree=TREE, local_standards=STANDARDS
    )
    assert result.ok, [p.message("en") for p in result.problems]
    assert (
        result.values.set_index("indicator_code")["value"].to_dict()
        == good_values().set_index("indicator_code")["value"].to_dict()
    )


@pytest.mark.parametrize(
    ("value", "stored", "data_type"),
    [(3, 3, "n"), (2.5, 2.5, "n"), (float("nan"), None, "n"), (None, None, "n"), (True, "True", "s"),
     ("=1+1", "=1+1", "s"), ("12", "12", "s")],
)  # fmt: skip
def test_put_value_keeps_numbers_and_neutralises_text(value: object, stored: object, data_type: str) -> None:
    import numpy as np
    from openpyxl import Workbook

    from assessment.intake.xlsx_write import put_value

    ws = Workbook().active
    for v in (value, np.float64(value) if isinstance(value, float) else value):
        cell = put_value(ws["A1"], v)
        assert (cell.value, cell.data_type) == (stored, data_type)


def _sample_script():
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "scripts" / "make_sample_reports.py"
    spec = importlib.util.spec_from_file_location("make_sample_reports", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_sample_report_is_what_the_script_writes() -> None:
    from assessment.catalogue import shipped_schedule
    from assessment.demo import demo_local_standards, demo_tree, scheduled_values

    script = _sample_script()
    schedule, tree = shipped_schedule(), demo_tree()
    edition = schedule.for_period(2024)  # the 2023 edition's template
    values = scheduled_values(schedule, tree)
    data = build_template(edition, tree, "990123", 2024, demo_local_standards(edition), values=values,
                          generated_at=script.GENERATED_AT)  # fmt: skip
    root = Path(__file__).resolve().parents[2] / "sample_reports"
    assert data == (root / "990123_2024.xlsx").read_bytes()
    counties = [c for c in sorted(values["region_code"].unique()) if tree.is_within(c, "990200")]
    assert script.batch_csv(values, counties, 2024) == (root / "batch_990200_2024.csv").read_bytes()


@pytest.mark.slow
def test_every_sample_report_is_up_to_date() -> None:
    assert _sample_script().main(["--check"]) == 0
