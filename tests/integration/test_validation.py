"""Reading uploads: tolerant input, round trips, batch files, required values, warnings, robustness."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.intake.ingest import VALUE_COLUMNS, UploadResult, read_upload
from assessment.intake.upload_problems import MAX_PER_CODE
from tests.fixtures import (
    PERIOD,
    REGION,
    batch_csv,
    batch_xlsx,
    edit,
    filled,
    good_batch_rows,
    good_values,
    template,
)
from tests.fixtures import TEMPLATE_EDITION as EDITION
from tests.fixtures import TEMPLATE_STANDARDS as STANDARDS
from tests.fixtures import TEMPLATE_TREE as TREE

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_reports"


def read(data: bytes, filename: str = "t.xlsx", **kw) -> UploadResult:
    return read_upload(data, filename, edition=EDITION, tree=TREE, local_standards=STANDARDS, **kw)


def values_of(result: UploadResult) -> dict[str, float]:
    return result.values.set_index("indicator_code")["value"].to_dict()


def test_round_trip_template_filled_validated_same_values() -> None:
    result = read(filled())
    assert result.ok and not result.problems
    expected = good_values().set_index("indicator_code")
    got = result.values.set_index("indicator_code")
    for col in ("value", "numerator", "denominator"):
        pd.testing.assert_series_equal(got[col], expected[col].astype(float), check_names=False)
    assert got.loc["S02.2", "note"] == "含省级补助"
    assert (result.kind, result.region_code, result.period, result.edition) == (
        "template",
        REGION,
        PERIOD,
        EDITION.id,
    )


def test_values_frame_has_the_documented_dtypes() -> None:
    v = read(filled()).values
    assert list(v.columns) == list(VALUE_COLUMNS)
    assert v["period"].dtype == "int64" and v["value"].dtype == "float64"
    assert pd.api.types.is_string_dtype(v["region_code"]) and pd.api.types.is_string_dtype(v["note"])


def test_sha256_of_the_uploaded_bytes() -> None:
    data = filled()
    assert read(data).sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("cell", "typed", "code", "expected"),
    [
        ("J5", "８５ ％", "S01.2", 85.0),
        ("J5", "85%", "S01.2", 85.0),
        ("J5", " 85 ", "S01.2", 85.0),
        ("J6", "３", "S02.1", 3.0),
        ("J7", "1,620.5", "S02.2", 1620.5),
        ("J7", "\u00a0620.5\u3000", "S02.2", 620.5),
        ("J9", "是", "S03.2", 1.0),
        ("J9", "yes", "S03.2", 1.0),
        ("J9", True, "S03.2", 1.0),
        ("J9", "否", "S03.2", 0.0),
    ],
)
def test_what_people_type_is_accepted(cell: str, typed: object, code: str, expected: float) -> None:
    result = read(edit(filled(), {cell: typed}))
    assert result.ok, [p.message("en") for p in result.problems]
    assert values_of(result)[code] == expected


def test_percent_formatted_cell_reads_as_shown() -> None:
    result = read(edit(filled(), {"J5": 0.85}, number_format="0.0%"))
    assert result.ok and values_of(result)["S01.2"] == pytest.approx(85.0)


def test_rate_from_numerator_and_denominator_when_value_is_empty() -> None:
    result = read(edit(filled(), {"J4": None, "K4": 1234, "L4": 1300}))
    assert result.ok and values_of(result)["S01.1"] == pytest.approx(100 * 1234 / 1300)


def test_stated_rate_within_tolerance_is_kept() -> None:
    result = read(edit(filled(), {"J4": 95, "K4": 1234, "L4": 1300}))  # 94.92 computed
    assert result.ok and values_of(result)["S01.1"] == 95.0


def test_optional_indicator_may_stay_empty_in_a_period_without_local_standard() -> None:
    data = template(good_values(period=2022, S01_2=(None, None, None, "本年无统计")), period=2022)
    result = read(data)
    assert result.ok, [p.message("en") for p in result.problems]
    assert "S01.2" not in values_of(result)  # a row without a value carries no data


def test_template_of_a_county_within_the_uploaders_jurisdiction() -> None:
    assert read(filled(), expected_region="990100", expected_period=PERIOD).ok


def test_problems_are_sorted_by_row_and_all_collected() -> None:
    result = read(edit(filled(), {"J9": 2, "J6": -1, "J4": 90, "L10": None}))
    assert [(p.code, p.cell) for p in result.errors] == [
        ("E_RATE_MISMATCH", "J4"),
        ("E_NEGATIVE", "J6"),
        ("E_NOT_BOOLEAN", "J9"),
        ("E_HALF_RATIO", "L10"),
    ]


def test_every_problem_names_sheet_cell_row_column_and_value() -> None:
    (p,) = read(edit(filled(), {"J6": "three"})).problems
    assert (p.file, p.sheet, p.cell, p.row, p.column, p.value) == (
        "t.xlsx",
        "填报",
        "J6",
        6,
        "value",
        "three",
    )
    assert "three" in p.message_zh and "three" in p.message_en


# ---- batch files -----------------------------------------------------------------------------


def test_batch_csv_of_many_regions_and_periods() -> None:
    rows = good_batch_rows(("990101", "990102")) + good_batch_rows(("990101",), 2023)
    result = read(batch_csv(rows), "b.csv")
    assert result.ok and result.kind == "batch"
    assert len(result.values) == 21
    assert sorted(result.values["period"].unique()) == [2023, 2024]
    assert (result.region_code, result.period) == (None, None)


@pytest.mark.parametrize(
    ("encoding", "prefix", "sep"),
    [
        ("utf-8", b"", ","),
        ("utf-8", b"\xef\xbb\xbf", ","),
        ("gb18030", b"", ","),
        ("utf-8", b"", ";"),
        ("utf-16", b"", "\t"),
    ],
)
def test_batch_csv_encodings_and_separators(encoding: str, prefix: bytes, sep: str) -> None:
    rows = [[*r[:6], "说明：含补助"] for r in good_batch_rows()]
    result = read(prefix + batch_csv(rows, encoding=encoding, sep=sep), "b.csv")
    assert result.ok, [p.message("en") for p in result.problems]
    assert set(result.values["note"]) == {"说明：含补助"}


def test_blank_lines_are_skipped_and_row_numbers_stay_true() -> None:
    text = batch_csv(good_batch_rows()).decode().replace("\n", "\n\n,,,,,,\n", 2)
    text = text.replace(f"{REGION},2024,S02.1,3.0", f"{REGION},2024,S02.1,abc")
    result = read(text.encode(), "b.csv")
    (p,) = result.errors
    lines = text.splitlines()
    assert lines[p.row - 1].split(",")[2] == "S02.1" and p.cell == f"D{p.row}"


def test_batch_xlsx_with_numbers_as_region_codes_and_year_words() -> None:
    rows = [[int(r[0]), f"{r[1]}年", *r[2:]] for r in good_batch_rows()]
    result = read(batch_xlsx(rows), "b.xlsx")
    assert result.ok, [p.message("en") for p in result.problems]
    assert set(result.values["region_code"]) == {REGION} and set(result.values["period"]) == {2024}


def test_batch_header_with_chinese_labels_in_any_order() -> None:
    header = ["数值", "指标代码 indicator_code", "期间", "地区代码", "分子", "分母", "备注"]
    rows = [[r[3], r[2], r[1], r[0], r[4], r[5], r[6]] for r in good_batch_rows()]
    assert read(batch_csv(rows, header=header), "b.csv").ok


def test_batch_missing_required_rows_per_region_are_one_warning() -> None:
    # Was an E_REQUIRED per absent row; a batch file may carry any subset (partial data).
    rows = good_batch_rows(("990101", "990102"))
    rows = [r for r in rows if not (r[0] == "990102" and r[2] == "S02.1")]
    result = read(batch_csv(rows), "b.csv")
    assert result.ok and not result.errors
    (w,) = result.warnings
    assert (w.code, w.value, w.row, w.column) == ("W_MISSING_INDICATORS", "990102", 9, "region_code")
    assert "990102" in w.message_en and "S02.1" in w.message_en and "S02.1" in w.message_zh


def test_problems_of_one_kind_are_capped() -> None:
    rows = [["990101", 2024, f"X{i}", 1, "", "", ""] for i in range(MAX_PER_CODE + 20)]
    result = read(batch_csv(rows), "b.csv")
    unknown = [p for p in result.problems if p.code == "E_UNKNOWN_INDICATOR"]
    assert len(unknown) == MAX_PER_CODE + 1
    assert "20" in unknown[-1].message_en and unknown[-1].row is None


def test_history_is_not_mutated() -> None:
    hist = pd.concat([good_values(f"99010{i}", 2023) for i in range(2, 8)], ignore_index=True)
    before = hist.copy()
    read(filled(), history=hist)
    pd.testing.assert_frame_equal(hist, before)


def test_reupload_of_current_values_in_history_does_not_flag_itself() -> None:
    hist = pd.concat([good_values(f"99010{i}", 2024) for i in range(1, 8)], ignore_index=True)
    hist["value"] = hist["value"] * (1 + np.random.default_rng(1).normal(0, 0.01, len(hist)))
    result = read(filled(), history=hist)
    assert result.ok and not result.warnings


# ---- robustness ------------------------------------------------------------------------------


def _check_contract(result: UploadResult) -> None:
    assert isinstance(result, UploadResult)
    assert "E_UNREADABLE" not in {p.code for p in result.problems}, [p.message("en") for p in result.problems]
    if result.ok:
        assert list(result.values.columns) == list(VALUE_COLUMNS)
    else:
        assert result.errors and result.values.empty


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000), st.sampled_from(["x.xlsx", "x.csv", "x"]))
def test_any_bytes_never_raise(data: bytes, name: str) -> None:
    _check_contract(read(data, name))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 20_000), st.integers(0, 255)), min_size=1, max_size=8))
def test_damaged_workbooks_never_raise(flips: list[tuple[int, int]]) -> None:
    data = bytearray(filled())
    for pos, byte in flips:
        data[pos % len(data)] = byte
    _check_contract(read(bytes(data)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(st.one_of(st.text(max_size=6), st.integers(), st.floats()), max_size=8), max_size=10)
)
def test_random_csv_content_never_raises(rows: list[list[object]]) -> None:
    _check_contract(read(batch_csv(rows), "b.csv"))


def test_damaged_zip_member_is_corrupt_not_a_crash() -> None:
    data = bytearray(filled())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + 10
    data[start : start + 20] = b"\x00" * 20
    assert [p.code for p in read(bytes(data)).problems] == ["E_CORRUPT"]


# ---- the committed sample reports ------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    """Each sample file read against the edition in force for its period (2022: CN-2021, 2023 and
    2024: CN-2023), as the demo reports them."""
    from assessment.catalogue import load_edition, shipped_schedule
    from assessment.demo import demo_local_standards, demo_tree, scheduled_values
    from assessment.domain.editions import edition_chooser

    schedule, tree = shipped_schedule(), demo_tree()
    choose = edition_chooser(schedule, (), tree)
    return choose, tree, demo_local_standards(load_edition()), scheduled_values(schedule, tree)


SAMPLE_FILES = sorted(SAMPLES.glob("*.xlsx")) + sorted(SAMPLES.glob("*.csv"))


def test_sample_reports_exist_for_every_reporting_county_and_period(demo) -> None:
    _edition, _tree, _stds, values = demo
    expected = {
        f"{r}_{p}.xlsx"
        for r, p in values[["region_code", "period"]].drop_duplicates().itertuples(index=False)
    }
    assert expected <= {f.name for f in SAMPLE_FILES}
    assert (SAMPLES / "batch_990200_2024.csv").exists()


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_sample_report_validates_and_matches_the_synthetic_values(path: Path, demo) -> None:
    edition, tree, stds, values = demo
    result = read_upload(path.read_bytes(), path.name, edition=edition, tree=tree, local_standards=stds)
    assert result.ok, [p.message("en") for p in result.errors]
    keys = ["region_code", "period", "indicator_code"]
    merged = result.values.merge(values.astype({"region_code": str, "indicator_code": str}), on=keys)
    assert len(merged) == len(result.values) > 0
    np.testing.assert_allclose(merged["value_x"], merged["value_y"])
