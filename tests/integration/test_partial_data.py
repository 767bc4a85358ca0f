"""Partial data (issue item 6): a batch file may carry any subset of indicators and regions.

What a batch file lacks is a warning per region (``W_MISSING_INDICATORS``) and no data in scoring,
never an error; a region's own template keeps its required cells. ``score``/``equity``/``trends``/
``cost --values FILE`` go through the same reading and checks as ``validate``: every refusal with its
row, nothing scored.
"""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from assessment.catalogue import shipped_schedule
from assessment.cli import main
from assessment.intake.ingest import UploadResult, read_upload
from assessment.scoring.indicators import score_indicators
from assessment.store import Store
from tests.fixtures import (
    EVALUATOR,
    GOOD,
    OFFICIAL,
    PERIOD,
    batch_csv,
    batch_xlsx,
    edit,
    filled,
    good_batch_rows,
)
from tests.fixtures import TEMPLATE_EDITION as EDITION
from tests.fixtures import TEMPLATE_STANDARDS as STANDARDS
from tests.fixtures import TEMPLATE_TREE as TREE

ALL_CODES = list(GOOD)
SUBSET = ("S01.1", "S02.2")  # S01.1 a rate with a floor, S02.2 an amount


def read(data: bytes, filename: str, **kw) -> UploadResult:
    return read_upload(data, filename, edition=EDITION, tree=TREE, local_standards=STANDARDS, **kw)


def subset_rows(regions: tuple[str, ...] = ("990101", "990102"), codes: tuple[str, ...] = SUBSET) -> list:
    return [r for r in good_batch_rows(regions) if r[2] in codes]


def as_file(rows: list[list[object]], fmt: str) -> tuple[bytes, str]:
    return (batch_csv(rows), "b.csv") if fmt == "csv" else (batch_xlsx(rows), "b.xlsx")


# ---- reading a batch file ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_batch_with_a_subset_of_indicators_is_accepted_with_one_warning_per_region(fmt: str) -> None:
    data, name = as_file(subset_rows(), fmt)
    result = read(data, name)
    assert result.ok, [p.message("en") for p in result.errors]
    assert sorted(zip(result.values["region_code"], result.values["indicator_code"], strict=True)) == [
        ("990101", "S01.1"),
        ("990101", "S02.2"),
        ("990102", "S01.1"),
        ("990102", "S02.2"),
    ]
    warnings = [p for p in result.warnings if p.code == "W_MISSING_INDICATORS"]
    assert [(w.value, w.row, w.column) for w in warnings] == [
        ("990101", 2, "region_code"),
        ("990102", 4, "region_code"),
    ]
    if fmt == "xlsx":
        assert [w.cell for w in warnings] == ["A2", "A4"]
    lacking = [c for c in ALL_CODES if c not in SUBSET]
    for w in warnings:
        assert w.severity == "warning"
        # 5 of 7 lacking, all 5 with a floor or (S01.2) the province's local standard
        assert "lacks 5 of the 7 indicators" in w.message_en and "(5 of them" in w.message_en
        assert "5 个指标" in w.message_zh and "Aspect one" in w.message_en and "方面一" in w.message_zh
        assert all(code in w.message_en and code in w.message_zh for code in lacking)


def test_rows_with_a_code_but_no_value_count_as_lacking_not_as_errors() -> None:
    rows = [[*r[:3], None, None, None, ""] if r[2] == "S02.1" else r for r in good_batch_rows()]
    result = read(batch_csv(rows), "b.csv")
    assert result.ok and "S02.1" not in set(result.values["indicator_code"])
    (w,) = result.warnings
    assert w.code == "W_MISSING_INDICATORS" and "lacks 1 of the 7" in w.message_en


def test_values_present_in_a_partial_batch_are_checked_as_before() -> None:
    rows = subset_rows()
    rows[1] = [*rows[1][:3], -5, None, None, ""]  # S02.2 of 990101 negative, line 3
    result = read(batch_csv(rows), "b.csv")
    assert not result.ok and result.values.empty
    assert [(p.code, p.row) for p in result.errors] == [("E_NEGATIVE", 3)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_batch_with_a_subset_of_regions_is_accepted_without_problems(fmt: str) -> None:
    data, name = as_file(good_batch_rows(("990103", "990201")), fmt)
    result = read(data, name)
    assert result.ok and not result.problems, [p.message("en") for p in result.problems]
    assert set(result.values["region_code"]) == {"990103", "990201"}


def test_a_complete_batch_has_no_missing_indicator_warning() -> None:
    result = read(batch_csv(good_batch_rows(("990101", "990102"))), "b.csv")
    assert result.ok and not result.problems


# ---- a region's own template keeps its required cells --------------------------------------------


def test_template_with_a_blank_required_cell_is_still_refused() -> None:
    result = read(edit(filled(), {"J6": None}), "t.xlsx")  # S02.1 has a national floor
    assert not result.ok and result.values.empty
    assert [(p.code, p.cell) for p in result.errors] == [("E_REQUIRED", "J6")]
    assert not [p for p in result.problems if p.code == "W_MISSING_INDICATORS"]


def test_template_with_a_required_row_deleted_is_still_refused() -> None:
    wb = load_workbook(io.BytesIO(filled()))
    wb["填报"].delete_rows(6)  # the row of S02.1
    buf = io.BytesIO()
    wb.save(buf)
    result = read(buf.getvalue(), "t.xlsx")
    assert [(p.code, p.value) for p in result.errors] == [("E_REQUIRED", "S02.1")]


# ---- a stored partial submission is scored as no data ---------------------------------------------


def test_partial_batch_stored_and_scored_gives_no_data_for_what_it_lacks(store: Store) -> None:
    tree = store.region_tree()
    data = batch_csv(subset_rows(("990101", "990102")))
    result = read_upload(data, "b.csv", edition=EDITION, tree=tree, local_standards=STANDARDS)
    assert result.ok and len(result.warnings) == 2
    out = store.import_upload(OFFICIAL, data, "b.csv", result)
    assert out.created
    values = store.values(EVALUATOR, include_pending=True)
    assert len(values) == 4
    scores = score_indicators(values, EDITION, tree, STANDARDS, periods=[PERIOD])
    status = scores.set_index(["region_code", "indicator_code"])["status"]
    for region in ("990101", "990102"):
        for code in ALL_CODES:
            if code in SUBSET:
                assert status[(region, code)] != "no_data", (region, code)
            else:
                assert status[(region, code)] == "no_data", (region, code)
    assert (status.loc["990103"] == "no_data").all()  # a region not in the file at all
    report = store.completeness(EVALUATOR, PERIOD).set_index("region_code")["status"]
    assert report["990101"] == "reported" and report["990103"] == "never_reported"


# ---- score / equity / trends / cost --values -----------------------------------------------------


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


COUNTY = "990102"  # a county of the demo province
GOOD_ROWS = [
    [COUNTY, 2024, "S01.1", 95.0, 950, 1000, ""],  # a rate with a floor
    [COUNTY, 2024, "S51.2", 3, None, None, ""],  # a count
]
BAD_CASES = [  # (id, the bad row, the code refused); the bad row is line 3 of the csv
    ("unknown indicator code", [COUNTY, 2024, "S99.9", 5, None, None, ""], "E_UNKNOWN_INDICATOR"),
    ("unknown region", ["123456", 2024, "S51.2", 5, None, None, ""], "E_UNKNOWN_REGION"),
    ("negative value", [COUNTY, 2024, "S70.1", -3, None, None, ""], "E_NEGATIVE"),
    ("numerator over denominator, 15/10", [COUNTY, 2024, "S02.1", None, 15, 10, ""], "E_NUM_OVER_DEN"),
    ("rate above 100%", [COUNTY, 2024, "S03.1", 150, None, None, ""], "E_RATE_OVER_100"),
    ("value not a number", [COUNTY, 2024, "S73.1", "n/a", None, None, ""], "E_NOT_NUMBER"),
]


def write_values(path: Path, rows: list[list[object]]) -> Path:
    if path.suffix == ".csv":
        path.write_bytes(batch_csv(rows))
    elif path.suffix == ".xlsx":
        path.write_bytes(batch_xlsx(rows))
    else:
        header = ["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]
        frame = pd.DataFrame(rows, columns=header).astype(
            {"region_code": str, "indicator_code": str, "value": "float64"}
        )
        frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize(("bad_row", "code"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES])
def test_score_values_refuses_each_bad_row_with_its_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, bad_row: list[object], code: str
) -> None:
    path = write_values(tmp_path / "values.csv", [GOOD_ROWS[0], bad_row, GOOD_ROWS[1]])
    status, out, err = run(["score", "--demo", "--values", str(path), "--period", "2024"], capsys)
    assert status == 1 and out == ""
    assert f"[{code}] values.csv，第 3 行" in err and "values.csv, row 3" in err, err
    assert "Traceback" not in err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err)


@pytest.mark.parametrize("command", ["score", "equity", "trends", "cost"])
def test_every_scoring_command_lists_every_problem_of_its_values_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    rows = [GOOD_ROWS[0], *(c[1] for c in BAD_CASES), GOOD_ROWS[1]]
    path = write_values(tmp_path / "values.csv", rows)
    args = [command, "--demo", "--values", str(path)]
    if command in ("score", "cost"):
        args += ["--period", "2024"]
    status, out, err = run(args, capsys)
    assert status == 1 and out == ""
    for line, (_, _, code) in enumerate(BAD_CASES, start=3):
        assert f"[{code}] values.csv，第 {line} 行" in err and f"values.csv, row {line}" in err, (code, err)
    assert f"{len(BAD_CASES)} errors" in err


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_parquet_and_xlsx_values_files_get_the_same_checks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    path = write_values(tmp_path / f"values{suffix}", [GOOD_ROWS[0], BAD_CASES[2][1], GOOD_ROWS[1]])
    status, out, err = run(["score", "--demo", "--values", str(path), "--period", "2024"], capsys)
    assert status == 1 and out == ""
    assert f"[E_NEGATIVE] values{suffix}" in err and "row 3" in err, err


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_a_good_partial_values_file_scores_no_data_for_what_it_lacks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    path = write_values(tmp_path / f"values{suffix}", GOOD_ROWS)
    status, out, err = run(["score", "--demo", "--values", str(path), "--period", "2024"], capsys)
    assert status == 0, err
    assert "[W_MISSING_INDICATORS]" in err and "114" in err  # 2 of 2024's 116 reported (CN-2023)
    scores = pd.read_csv(io.StringIO(out), dtype={"region_code": str})
    edition = shipped_schedule().for_period(2024)
    assert len(scores) == len(edition.indicators) * scores["region_code"].nunique()
    mine = scores.loc[scores["region_code"] == COUNTY].set_index("indicator_code")["status"]
    assert len(mine) == len(edition.indicators)
    assert (mine.drop(["S01.1", "S51.2"]) == "no_data").all()
    assert mine["S01.1"] != "no_data" and mine["S51.2"] != "no_data"
    others = scores.loc[scores["region_code"] != COUNTY, "status"]
    assert (others == "no_data").all()  # counties not in the file
