"""``python -m assessment template`` and ``validate``: files, exit codes, JSON."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assessment.cli import main
from assessment.intake.workbook_layout import DATA_SHEET, ERRORS_SHEET, META_SHEET

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_reports" / "990102_2024.xlsx"


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    wb = load_workbook(io.BytesIO(SAMPLE.read_bytes()))
    wb[DATA_SHEET]["J5"] = "abc"
    path = tmp_path / "bad.xlsx"
    wb.save(path)
    return path


def test_template_command_writes_the_regions_template(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "t.xlsx"
    assert (
        main(["template", "--demo", "--region", "990102", "--period", "2024", "--lang", "en", "-o", str(out)])
        == 0
    )
    meta = {r[0]: r[1] for r in load_workbook(out)[META_SHEET].iter_rows(values_only=True)}
    assert (meta["region_code"], meta["period"], meta["lang"]) == ("990102", "2024", "en")
    assert str(out) in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["template", "--demo", "--region", "990102", "--period", "2024", "--edition", "XX-1", "-o", "x.xlsx"],
        ["validate", "--demo", "/no/such/file.xlsx"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["template", "--demo", "--region", "123456", "--period", "2024", "-o", "x.xlsx"],
        ["validate", "--demo", str(SAMPLE), "--region", "123456"],
    ],
)
def test_unknown_region_exits_1(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """An unknown region is invalid input (exit 1, as every command), not a usage error."""
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    assert "123456" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


def test_missing_required_option_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["template", "--demo", "--period", "2024", "-o", "x.xlsx"])
    assert exc.value.code == 2


def test_valid_file_exits_0(capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "--demo", str(SAMPLE), "--region", "990102", "--period", "2024"]) == 0
    assert "The file is valid: 116 values" in capsys.readouterr().out  # a 2023-edition template


def test_invalid_file_exits_1_with_both_languages(bad_file: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "--demo", str(bad_file)]) == 1
    out = capsys.readouterr().out
    assert "[E_NOT_NUMBER] bad.xlsx，填报!J5" in out and "bad.xlsx, 填报!J5" in out  # code, zh, en
    assert "不是数字" in out and "is not a number" in out


def test_json_output(bad_file: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "--demo", "--json", str(bad_file)]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] is False and out["kind"] == "template" and out["region_code"] == "990102"
    (err,) = out["errors"]
    assert set(err) == {"code", "sheet", "cell", "row", "column", "value", "message_zh", "message_en"}
    assert (err["code"], err["sheet"], err["cell"], err["row"], err["column"], err["value"]) == (
        "E_NOT_NUMBER",
        "填报",
        "J5",
        5,
        "value",
        "abc",
    )
    assert isinstance(out["warnings"], list)


def test_wrong_region_and_period_for_a_template(capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "--demo", "--json", str(SAMPLE), "--region", "990103", "--period", "2023"]) == 1
    codes = [e["code"] for e in json.loads(capsys.readouterr().out)["errors"]]
    assert codes == ["E_WRONG_REGION", "E_WRONG_PERIOD"]


def test_annotate_option_writes_the_annotated_copy(bad_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "annotated.xlsx"
    assert main(["validate", "--demo", str(bad_file), "--annotate", str(out)]) == 1
    wb = load_workbook(out)
    assert wb.sheetnames[0] == ERRORS_SHEET
    assert "E_NOT_NUMBER" in wb[DATA_SHEET]["J5"].comment.text


def test_batch_csv_for_a_prefecture(capsys: pytest.CaptureFixture) -> None:
    path = ROOT / "sample_reports" / "batch_990200_2024.csv"
    assert main(["validate", "--demo", "--json", str(path), "--region", "990200", "--period", "2024"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] and out["kind"] == "batch" and out["rows"] > 0
    assert main(["validate", "--demo", "--json", str(path), "--region", "990100"]) == 1
    assert {e["code"] for e in json.loads(capsys.readouterr().out)["errors"]} == {"E_OUT_OF_SCOPE"}


@pytest.mark.slow
def test_validate_against_the_database(demo_env: str, capsys: pytest.CaptureFixture) -> None:
    """Without --demo the tree, local standards and history come from the database."""
    assert main(["validate", "--json", str(SAMPLE), "--region", "990102", "--period", "2024"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["valid"] and out["rows"] == 116 and out["edition"] == "CN-2023"
