"""Uploads are parsed with bounded memory and time (issue 15 point 3).

The size and row limits of ``assessment.intake.safety`` refuse an oversized workbook before it is
parsed (its declared sheet dimension, its uncompressed size); a workbook whose dimension lies is
stopped by the row count while streaming, in the child; and the child that parses is killed at its
memory limit or its timeout. Each refusal is one clear Problem and nothing is read into values.
The hostile files are made by ``tests.fixtures.hostile_xlsx`` (small numbers, millions of rows
possible; here a few thousand with a small row limit, or just over the real limit).
"""

from __future__ import annotations

import multiprocessing
import time

import pytest

from assessment.intake import ingest, safety
from assessment.intake.ingest import UploadResult, read_upload
from assessment.intake.isolation import ParseLimits
from tests.fixtures import (
    TEMPLATE_EDITION,
    TEMPLATE_STANDARDS,
    TEMPLATE_TREE,
    batch_csv,
    batch_xlsx,
    filled,
    good_batch_rows,
    hostile_xlsx,
    sparse_xlsx,
)

SMALL = ParseLimits(max_rows=1_000)


def read(data: bytes, name: str = "batch.xlsx", limits: ParseLimits | None = None) -> UploadResult:
    return read_upload(
        data,
        name,
        edition=TEMPLATE_EDITION,
        tree=TEMPLATE_TREE,
        local_standards=TEMPLATE_STANDARDS,
        limits=limits,
    )


def refused(result: UploadResult, code: str) -> None:
    """Refused with exactly ``code``, with a zh and an en message, and no values kept."""
    assert not result.ok
    assert [p.code for p in result.problems] == [code]
    assert result.values.empty
    problem = result.problems[0]
    assert problem.message_zh and problem.message_en
    assert "Traceback" not in problem.message_en and "/" not in problem.file


def no_children_left() -> None:
    assert multiprocessing.active_children() == []


def test_a_declared_dimension_over_the_limit_is_refused_before_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_parse(*args: object, **kw: object) -> None:
        raise AssertionError("the file was parsed")

    # in-process here, so that the patch reaches what the child would run (inspection, then parse)
    monkeypatch.setattr(ingest, "parse_table", no_parse)
    result = read(hostile_xlsx(3_000), limits=ParseLimits(max_rows=1_000, isolate=False))
    refused(result, "E_TOO_MANY_ROWS")
    problem = result.problems[0]
    assert "3,001" in problem.message_en and "1,000" in problem.message_en
    assert "split" in problem.message_en and "分成几个文件" in problem.message_zh


def test_a_lying_dimension_is_stopped_by_the_row_count_while_streaming() -> None:
    data = hostile_xlsx(3_000, dimension="A1:B2")
    assert safety.inspect_upload(data, "b.xlsx", 20 << 20, max_rows=1_000).kind == "xlsx", "passes the peek"
    result = read(data, limits=SMALL)
    refused(result, "E_TOO_MANY_ROWS")
    assert "3,001" in result.problems[0].message_en and "more than" in result.problems[0].message_en
    no_children_left()


@pytest.mark.parametrize("dimension", [None, "A1:B2"], ids=["declared", "lying"])
def test_just_over_the_real_row_limit_is_refused_quickly(dimension: str | None) -> None:
    data = hostile_xlsx(safety.MAX_ROWS + 20_000, dimension=dimension, compresslevel=1)
    assert len(data) < 20 << 20, "under the upload size limit: the row limit is what refuses it"
    started = time.perf_counter()
    result = read(data)
    seconds = time.perf_counter() - started
    refused(result, "E_TOO_MANY_ROWS")
    assert seconds < (2 if dimension is None else 10), seconds


def test_an_uncompressed_size_over_the_limit_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED", 20_000)
    monkeypatch.setenv("ASSESSMENT_PARSE_ISOLATE", "0")  # the patched limit lives in this process
    result = read(filled(), "t.xlsx")
    refused(result, "E_TOO_LARGE")
    assert "unpacks to" in result.problems[0].message_en and "解压后" in result.problems[0].message_zh


def test_a_csv_with_too_many_lines_is_refused() -> None:
    data = batch_csv(good_batch_rows() * 200)  # 1,400 rows
    refused(read(data, "b.csv", limits=SMALL), "E_TOO_MANY_ROWS")
    codes = {p.code for p in read(data, "b.csv").problems}
    assert "E_DUPLICATE_INDICATOR" in codes and "E_TOO_MANY_ROWS" not in codes, "under the real limit: read"


def test_a_parse_over_its_time_is_killed() -> None:
    data = hostile_xlsx(400_000, dimension="A1:B2", compresslevel=1)  # under the row limit: parsed
    started = time.perf_counter()
    result = read(data, limits=ParseLimits(timeout_s=0.3))
    seconds = time.perf_counter() - started
    refused(result, "E_PARSE_LIMIT")
    assert "0.3 seconds" in result.problems[0].message_en and "0.3 秒" in result.problems[0].message_zh
    assert seconds < 3, seconds
    no_children_left()


def test_a_parse_over_its_memory_is_stopped() -> None:
    data = hostile_xlsx(400_000, dimension="A1:B2", compresslevel=1)
    result = read(data, limits=ParseLimits(memory_mb=450))
    refused(result, "E_PARSE_LIMIT")
    assert "too much memory" in result.problems[0].message_en and "内存" in result.problems[0].message_zh
    no_children_left()


def test_a_tiny_file_that_would_abort_the_server_only_ends_its_child() -> None:
    data = sparse_xlsx()
    assert len(data) < 2_000
    result = read(data)  # in-process, calamine would abort this test process
    refused(result, "E_PARSE_LIMIT")
    no_children_left()


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSESSMENT_PARSE_TIMEOUT_S", "0.3")
    monkeypatch.setenv("ASSESSMENT_PARSE_MEMORY_MB", "900")
    assert ParseLimits.from_env() == ParseLimits(memory_mb=900, timeout_s=0.3)
    refused(read(hostile_xlsx(400_000, dimension="A1:B2", compresslevel=1)), "E_PARSE_LIMIT")
    monkeypatch.setenv("ASSESSMENT_PARSE_TIMEOUT_S", "soon")
    assert ParseLimits.from_env().timeout_s == 60


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("t.xlsx", filled),
        ("b.xlsx", lambda: batch_xlsx(good_batch_rows())),
        ("b.csv", lambda: batch_csv(good_batch_rows())),
    ],
    ids=["template", "batch xlsx", "batch csv"],
)
def test_normal_files_still_go_through(name: str, make) -> None:  # type: ignore[no-untyped-def]
    result = read(make(), name)
    assert result.ok, [p.code for p in result.errors]
    assert len(result.values) == 7
    no_children_left()


def test_a_reference_table_from_xlsx_is_parsed_in_the_child_too() -> None:
    from assessment.domain.errors import DataFileError
    from assessment.intake.sheet_csv import table_text

    with pytest.raises(DataFileError) as refused_sparse:
        table_text(sparse_xlsx(), "standards.xlsx")  # in-process, calamine would abort
    assert [p.code for p in refused_sparse.value.problems] == ["E_PARSE_LIMIT"]
    text = table_text(batch_xlsx([["990101", 2024, "S01.1", 95]]), "standards.xlsx").decode()
    assert text.splitlines()[1] == "990101,2024,S01.1,95,,,"
    no_children_left()
