"""``python -m assessment report`` and ``export`` (issue 8 item 4): files, exit codes, messages."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from assessment.cli import main


def test_evaluation_report_from_the_demo(tmp_path: Path) -> None:
    out = tmp_path / "report.xlsx"
    assert main(["report", "--jurisdiction", "990000", "--period", "2024", "--demo", "-o", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "封面" and "差距与成本" in wb.sheetnames


def test_feedback_in_english_with_a_suggested_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["report", "--region", "990122", "--period", "2024", "--lang", "en", "--demo"]) == 0
    path = tmp_path / "feedback_990122_2024_CN-2023_en.xlsx"  # 2024 is scored by the 2023 edition
    assert path.exists()
    assert openpyxl.load_workbook(path).sheetnames[1] == "Priorities"
    err = capsys.readouterr().err
    assert "已写入" in err and "Wrote" in err and "CN-2023" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["report", "--region", "123456", "--period", "2024"], "Unknown region code 123456"),
        (["report", "--jurisdiction", "990000", "--period", "2030"], "no data for period 2030"),
        (["report", "--region", "990224", "--period", "2024"], "has no data for 2024"),
        (["export", "--what", "scores", "--period", "2030", "-o", "x.csv"], "no data for period 2030"),
    ],
)
def test_invalid_input_exits_1_with_both_languages(
    argv: list[str],
    needle: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main([*argv, "--demo"]) == 1
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err), "the Chinese message is printed too"
    assert not list(tmp_path.iterdir()), "nothing is written for bad input"


@pytest.mark.parametrize(
    "argv",
    [
        ["report", "--period", "2024", "--demo"],  # neither --jurisdiction nor --region
        ["report", "--jurisdiction", "990000", "--region", "990122", "--period", "2024", "--demo"],
        ["export", "--what", "costs", "-o", "x.csv", "--demo"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export(tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"equity.{fmt}"
    argv = [
        "export",
        "--what",
        "equity",
        "--format",
        fmt,
        "--jurisdiction",
        "990100",
        "--demo",
        "-o",
        str(out),
    ]
    assert main(argv) == 0
    data = out.read_bytes()
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig") if fmt == "csv" else pd.read_parquet(out)
    # each period by the edition in force for it: 2022 by the 2021 edition, 2023-2024 by the 2023 one
    editions = frame.groupby("period")["edition"].agg(set).to_dict()
    assert editions == {2022: {"CN-2021"}, 2023: {"CN-2023"}, 2024: {"CN-2023"}}
    assert set(frame["by"]) == {"aspect", "indicator"}


def test_report_from_the_database(demo_env: str, tmp_path: Path) -> None:
    out = tmp_path / "db.xlsx"
    assert (
        main(["report", "--jurisdiction", "990000", "--period", "2024", "--lang", "en", "-o", str(out)]) == 0
    )
    wb = openpyxl.load_workbook(out)
    comp = [r[3] for r in wb["Completeness"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert "Reported late" in comp and "Never reported" in comp  # from the submission records
    cover = {r[0]: r[1] for r in wb["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Data as of"] != "Not given"


def test_unknown_acting_user_is_refused(
    demo_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.xlsx"
    argv = ["report", "--jurisdiction", "990000", "--period", "2024", "--as", "nobody", "-o", str(out)]
    assert main(argv) == 1
    assert "nobody" in capsys.readouterr().err
    assert not out.exists()
