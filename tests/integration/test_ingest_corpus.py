"""The corpus of bad uploads (issue 3 item 6): every error and warning, each with its exact cell.

Each case builds real bytes (tests/fixtures.py), runs read_upload and checks the code and the
place. ``only`` cases also check that nothing else is reported as an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from assessment.domain.editions import EditionChooser, EditionSchedule, edition_chooser
from assessment.intake import safety
from assessment.intake.ingest import UploadResult, read_upload
from assessment.intake.isolation import ParseLimits
from assessment.intake.upload_problems import ERROR_CODES, WARNING_CODES
from tests.fixtures import (
    BILLION_LAUGHS,
    PERIOD,
    REGION,
    batch_csv,
    batch_xlsx,
    cached_formula,
    drop_sheet,
    edit,
    edit_meta,
    encrypted_entry,
    filled,
    good_batch_rows,
    good_values,
    hostile_xlsx,
    legacy_xls,
    many_entries,
    ole2_encrypted,
    plain_zip,
    rewrite_zip,
    template,
    xlsm,
    xlsm_content_type,
    xml_bomb,
    zip_bomb,
)
from tests.fixtures import TEMPLATE_EDITION as EDITION
from tests.fixtures import TEMPLATE_STANDARDS as STANDARDS
from tests.fixtures import TEMPLATE_TREE as TREE


@cache
def base() -> bytes:
    return filled()


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], bytes]
    code: str
    cell: str = ""
    filename: str = "upload.xlsx"
    only: bool = True
    kwargs: dict = field(default_factory=dict)
    row: int | None = None


def _history() -> pd.DataFrame:
    """2023 and 2024 values of seven peer counties, slightly varied (990101 has only 2023)."""
    frames = [good_values(f"99010{i}", y) for i in range(1, 8) for y in (2023, 2024) if (i, y) != (1, 2024)]
    hist = pd.concat(frames, ignore_index=True)
    noise = np.random.default_rng(0).normal(0, 0.02, len(hist))
    hist["value"] = hist["value"] * (1 + noise)
    hist.loc[hist["indicator_code"] == "S03.2", "value"] = 1.0
    return hist


def _deleted_row() -> bytes:
    wb = load_workbook(__import__("io").BytesIO(base()))
    wb["填报"].delete_rows(6)
    buf = __import__("io").BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _late_bomb(data: bytes) -> bytes:
    """A DOCTYPE behind a long comment (issue 15: a prefix check read only the first 64 KB)."""

    def inject(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        comment = b"<!--" + b"x" * (200 * 1024) + b"-->"
        declaration, doctype = BILLION_LAUGHS.split(b"\n", 1)
        return declaration + comment + doctype + body

    return rewrite_zip(data, transform={"xl/worksheets/sheet1.xml": inject})


def _utf16_bomb() -> bytes:
    def to_utf16(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        text = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + body.decode()
        return text.encode("utf-16")

    return rewrite_zip(base(), transform={"xl/workbook.xml": to_utf16})


def _broken_sheet_xml() -> bytes:
    return rewrite_zip(base(), transform={"xl/worksheets/sheet1.xml": lambda x: x[: len(x) // 2]})


def _renamed_header() -> bytes:
    return edit(base(), {"J3": "金额 amount"})


def _no_sheet_no_header() -> bytes:
    return batch_xlsx([["x", 1]], header=["foo", "bar"])


ROWS = good_batch_rows()
CSV = "batch.csv"

CASES = [
    # ---- the container -------------------------------------------------------------------
    Case("empty file", lambda: b"", "E_EMPTY_FILE"),
    Case("over the size limit", base, "E_TOO_LARGE", kwargs={"max_bytes": 1000}),
    Case("password-protected xlsx (OLE2)", ole2_encrypted, "E_ENCRYPTED"),
    Case("legacy .xls", legacy_xls, "E_LEGACY_XLS", filename="old.xls"),
    Case("encrypted zip members", lambda: encrypted_entry(base()), "E_ENCRYPTED"),
    Case("macro: vbaProject.bin", lambda: xlsm(base()), "E_MACRO", filename="m.xlsm"),
    Case("macro: macroEnabled content type", lambda: xlsm_content_type(base()), "E_MACRO"),
    Case("zip bomb: compression ratio", lambda: zip_bomb(base()), "E_ZIP_BOMB"),
    Case("zip bomb: too many entries", lambda: many_entries(base()), "E_ZIP_BOMB"),
    Case(
        "too many rows (issue 15.3)",
        lambda: hostile_xlsx(3_000),
        "E_TOO_MANY_ROWS",
        kwargs={"limits": ParseLimits(max_rows=1_000)},
    ),
    Case(
        "parse over its time (issue 15.3)",
        lambda: hostile_xlsx(200_000, dimension="A1:B2", compresslevel=1),
        "E_PARSE_LIMIT",
        kwargs={"limits": ParseLimits(timeout_s=0.1)},
    ),
    Case("XML bomb in a sheet", lambda: xml_bomb(base()), "E_XML_BOMB"),
    Case("XML bomb in workbook.xml", lambda: xml_bomb(base(), "xl/workbook.xml"), "E_XML_BOMB"),
    Case("XML bomb in a UTF-16 part", _utf16_bomb, "E_XML_BOMB"),
    Case("XML bomb after 200 KB of comment", lambda: _late_bomb(base()), "E_XML_BOMB"),
    Case("truncated xlsx", lambda: base()[: len(base()) // 2], "E_CORRUPT"),
    Case("zip magic then garbage", lambda: b"PK\x03\x04" + b"\x01" * 300, "E_CORRUPT"),
    Case("sheet XML not well-formed", _broken_sheet_xml, "E_CORRUPT"),
    Case("path traversal in zip", lambda: rewrite_zip(base(), add={"../evil.xml": b"<x/>"}), "E_CORRUPT"),
    Case("PDF", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "E_NOT_XLSX"),
    Case("PNG", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "E_NOT_XLSX"),
    Case("Word document", lambda: plain_zip({"word/document.xml": b"<w/>"}), "E_NOT_XLSX"),
    Case(
        "OpenDocument spreadsheet",
        lambda: plain_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
        "E_NOT_XLSX",
        filename="x.ods",
    ),
    Case("HTML renamed .xlsx", lambda: b"<!DOCTYPE html><html><table></table></html>", "E_NOT_XLSX"),
    Case("binary garbage", lambda: bytes(range(256)) * 4, "E_NOT_XLSX"),
    Case(
        "csv in an unknown encoding",
        lambda: b"region_code,period\n\xff\xfe\xfd\xff,1\n",
        "E_BAD_ENCODING",
        filename=CSV,
    ),
    Case(
        "csv row with extra cells",
        lambda: batch_csv([*ROWS, [REGION, 2024, "S01.1", 1, 2, 3, "a", "b"]]),
        "E_CSV_SHAPE",
        filename=CSV,
        row=9,
    ),
    # ---- structure and metadata ----------------------------------------------------------
    Case("template without its metadata", lambda: drop_sheet(base(), "meta"), "E_MISSING_SHEET"),
    Case("neither template nor batch", _no_sheet_no_header, "E_MISSING_SHEET"),
    Case("value column renamed", _renamed_header, "E_MISSING_COLUMN"),
    Case(
        "batch without value column",
        lambda: batch_csv([r[:3] for r in ROWS], header=["region_code", "period", "indicator_code"]),
        "E_MISSING_COLUMN",
        filename=CSV,
    ),
    Case("batch header only", lambda: batch_csv([]), "E_NO_DATA", filename=CSV),
    Case(
        "old template version", lambda: edit_meta(base(), "template_version", "0"), "E_TEMPLATE_VERSION", "A1"
    ),
    Case(
        "template of another edition",
        lambda: edit_meta(base(), "edition", "CN-2023"),
        "E_WRONG_EDITION",
        "A1",
    ),
    Case("template of another region", base, "E_WRONG_REGION", "A1", kwargs={"expected_region": "990102"}),
    Case("template of another period", base, "E_WRONG_PERIOD", "A1", kwargs={"expected_period": 2023}),
    Case(
        "template of an unknown region",
        lambda: edit_meta(base(), "region_code", "991234"),
        "E_UNKNOWN_REGION",
        "A1",
        only=False,
    ),
    # ---- template rows ------------------------------------------------------------------
    Case(
        "unknown indicator code",
        lambda: edit(base(), {"A6": "S99.9"}),
        "E_UNKNOWN_INDICATOR",
        "A6",
        only=False,
    ),
    Case(
        "duplicate indicator code",
        lambda: edit(base(), {"A6": "S01.1"}),
        "E_DUPLICATE_INDICATOR",
        "A6",
        only=False,
    ),
    Case(
        "data without indicator code",
        lambda: edit(base(), {"A6": None}),
        "E_NO_INDICATOR_CODE",
        "A6",
        only=False,
    ),
    Case("text in a number cell", lambda: edit(base(), {"J6": "three"}), "E_NOT_NUMBER", "J6"),
    Case(
        "a date in a number cell", lambda: edit(base(), {"J6": dt.datetime(2024, 3, 1)}), "E_NOT_NUMBER", "J6"
    ),
    Case("ambiguous decimal comma", lambda: edit(base(), {"J8": "5,2"}), "E_NOT_NUMBER", "J8"),
    Case("TRUE in a count cell", lambda: edit(base(), {"J6": True}), "E_NOT_NUMBER", "J6"),
    Case("yes/no that is neither", lambda: edit(base(), {"J9": "maybe"}), "E_NOT_NUMBER", "J9"),
    Case("negative count", lambda: edit(base(), {"J6": -1}), "E_NEGATIVE", "J6"),
    Case("negative numerator", lambda: edit(base(), {"K10": -4, "J10": None}), "E_NEGATIVE", "K10"),
    Case("rate over 100", lambda: edit(base(), {"J5": 101}), "E_RATE_OVER_100", "J5"),
    Case("rate over 100 typed with %", lambda: edit(base(), {"J5": "101 %"}), "E_RATE_OVER_100", "J5"),
    Case(
        "numerator over denominator", lambda: edit(base(), {"K4": 2000, "J4": None}), "E_NUM_OVER_DEN", "K4"
    ),
    Case(
        "rate disagrees with numerator/denominator", lambda: edit(base(), {"J4": 90}), "E_RATE_MISMATCH", "J4"
    ),
    Case("rate typed as a fraction", lambda: edit(base(), {"J4": 0.96}), "E_RATE_MISMATCH", "J4"),
    Case("numerator without denominator", lambda: edit(base(), {"L4": None}), "E_HALF_RATIO", "L4"),
    Case("denominator without numerator", lambda: edit(base(), {"K4": None}), "E_HALF_RATIO", "K4"),
    Case(
        "zero denominator", lambda: edit(base(), {"K4": 0, "L4": 0, "J4": None}), "E_ZERO_DENOMINATOR", "L4"
    ),
    Case("yes/no of 2", lambda: edit(base(), {"J9": 2}), "E_NOT_BOOLEAN", "J9"),
    Case("formula without saved result", lambda: edit(base(), {"J6": "=1+2"}), "E_FORMULA_NO_VALUE", "J6"),
    Case("required value empty", lambda: edit(base(), {"J6": None}), "E_REQUIRED", "J6"),
    Case("required by a local standard only", lambda: edit(base(), {"J5": None}), "E_REQUIRED", "J5"),
    Case("required row deleted", _deleted_row, "E_REQUIRED", ""),
    # ---- batch rows ---------------------------------------------------------------------
    Case(
        "unknown region",
        lambda: batch_csv(good_batch_rows(("991234",))),
        "E_UNKNOWN_REGION",
        "A2",
        filename=CSV,
    ),
    Case(
        "region outside the uploader's scope",
        lambda: batch_csv(good_batch_rows(("990201",))),
        "E_OUT_OF_SCOPE",
        "A2",
        filename=CSV,
        kwargs={"expected_region": "990100"},
    ),
    Case(
        "period that is not a year",
        lambda: batch_csv([[REGION, "20x4", *ROWS[0][2:]], *ROWS[1:]]),
        "E_BAD_PERIOD",
        "B2",
        filename=CSV,
        only=False,
    ),
    Case(
        "batch of another period",
        lambda: batch_csv(ROWS),
        "E_WRONG_PERIOD",
        "B2",
        filename=CSV,
        kwargs={"expected_period": 2023},
    ),
    Case(
        "row without region code",
        lambda: batch_csv([["", *ROWS[0][1:]], *ROWS[1:]]),
        "E_MISSING_KEY",
        "A2",
        filename=CSV,
        only=False,
    ),
    Case(
        "batch of another edition",
        lambda: batch_xlsx(
            [[*r, "CN-2023"] for r in ROWS],
            header=[
                "region_code",
                "period",
                "indicator_code",
                "value",
                "numerator",
                "denominator",
                "note",
                "edition",
            ],
        ),
        "E_WRONG_EDITION",
        "H2",
        filename="b.xlsx",
    ),
    Case(
        "batch duplicate row",
        lambda: batch_csv([*ROWS, ROWS[2]]),
        "E_DUPLICATE_INDICATOR",
        "C9",
        filename=CSV,
    ),
    Case(
        "count given as numerator only",
        lambda: batch_csv([[*ROWS[2][:3], "", 3, "", ""], *ROWS[:2], *ROWS[3:]]),
        "E_REQUIRED",
        "D2",
        filename=CSV,
    ),
    Case(
        "value with percent style typed 950%",
        lambda: edit(base(), {"J5": 9.5}, number_format="0%"),
        "E_RATE_OVER_100",
        "J5",
    ),
    # ---- warnings ------------------------------------------------------------------------
    Case(
        "implausible change",
        lambda: template(good_values(S02_1=(30.0, None, None, ""))),
        "W_IMPLAUSIBLE_CHANGE",
        "J6",
        only=False,
        kwargs={"history": "history"},
    ),
    Case(
        "outlier among peers",
        lambda: template(good_values(S02_1=(30.0, None, None, ""))),
        "W_PEER_OUTLIER",
        "J6",
        only=False,
        kwargs={"history": "history"},
    ),
    Case(
        "bunched at the standard",
        lambda: template(
            good_values(
                S02_1=(1.0, None, None, ""), S02_2=(500.0, None, None, ""), S03_1=(4.5, None, None, "")
            )
        ),
        "W_BUNCHED_AT_STANDARD",
        "J8",
    ),
    Case(
        "denominator over population",
        lambda: template(good_values(S01_1=(96.0, 960000.0, 1000000.0, ""))),
        "W_DENOMINATOR_OVER_POPULATION",
        "L4",
    ),
    Case(
        "rate typed as a fraction without numerator",
        lambda: template(good_values(S01_2=(0.85, None, None, ""))),
        "W_RATE_AS_FRACTION",
        "J5",
    ),
    Case(
        "a template of an earlier edition than the one in force for its period",
        lambda: template(good_values()),
        "W_EDITION_NOT_IN_FORCE",
        "",
        kwargs={"edition": "newer"},
    ),
    Case(
        "batch lacking indicators of a region (partial data)",
        lambda: batch_xlsx([r for r in ROWS if r[2] not in ("S01.1", "S02.1")]),
        "W_MISSING_INDICATORS",
        "A2",
        filename="b.xlsx",
    ),
]


def _newer() -> EditionChooser:
    """A schedule whose edition for the template's period is a newer one with one more indicator
    (the template follows the older one, still known)."""
    extra = replace(EDITION.indicators[0], code=f"{EDITION.indicators[0].item_code}.9")
    newer = replace(EDITION, id="T-2025", effective_from=PERIOD, indicators=(*EDITION.indicators, extra))
    older = replace(EDITION, effective_from=PERIOD - 5)
    return edition_chooser(EditionSchedule((older, newer)), (), TREE)


def _read(case: Case) -> UploadResult:
    kwargs = dict(case.kwargs)
    if kwargs.get("history") == "history":
        kwargs["history"] = _history()
    edition = _newer() if kwargs.pop("edition", None) == "newer" else EDITION
    return read_upload(
        case.build(), case.filename, edition=edition, tree=TREE, local_standards=STANDARDS, **kwargs
    )


def test_corpus_is_large_and_covers_every_code() -> None:
    assert len(CASES) >= 40
    covered = {c.code for c in CASES}
    missing = (ERROR_CODES | WARNING_CODES) - covered - {"E_UNREADABLE"}
    assert not missing, f"no corpus case for {sorted(missing)}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_upload_is_reported_at_its_place(case: Case) -> None:
    result = _read(case)
    found = {(p.code, p.cell) for p in result.problems}
    assert (case.code, case.cell) in found, sorted(found)
    problem = next(p for p in result.problems if (p.code, p.cell) == (case.code, case.cell))
    assert problem.message_zh and problem.message_en and problem.message_zh != problem.message_en
    assert "E_UNREADABLE" not in {p.code for p in result.problems}
    if case.row is not None:
        assert problem.row == case.row
    if case.cell:
        assert problem.row == int("".join(ch for ch in case.cell if ch.isdigit()))
    if case.code.startswith("E_"):
        assert not result.ok and result.values.empty
        if case.only:
            assert {p.code for p in result.errors} == {case.code}
    else:
        assert result.ok and not result.values.empty
        assert problem.severity == "warning"


def test_zip_bomb_by_total_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_UNCOMPRESSED", 10_000)
    monkeypatch.setenv("ASSESSMENT_PARSE_ISOLATE", "0")  # the patched limit lives in this process
    result = read_upload(base(), "t.xlsx", edition=EDITION, tree=TREE)
    assert [p.code for p in result.problems] == ["E_TOO_LARGE"]  # too large unpacked (issue 15.3)


def test_cached_formula_result_is_read() -> None:
    data = cached_formula(base(), "J6", "1+2", "3")
    result = read_upload(data, "t.xlsx", edition=EDITION, tree=TREE, local_standards=STANDARDS)
    assert result.ok, [p.message("en") for p in result.problems]
    assert result.values.set_index("indicator_code").loc["S02.1", "value"] == 3.0


def test_formula_without_cached_value_in_a_numerator() -> None:
    data = cached_formula(base(), "K4", "900+60", None)
    result = read_upload(data, "t.xlsx", edition=EDITION, tree=TREE, local_standards=STANDARDS)
    assert [(p.code, p.cell) for p in result.errors] == [("E_FORMULA_NO_VALUE", "K4")]


def test_every_code_has_a_message_in_both_languages() -> None:
    from assessment.domain.i18n import catalogue

    for code in ERROR_CODES | WARNING_CODES:
        texts = catalogue()[f"ingest.{code}"]
        assert texts["zh"] and texts["en"], code
