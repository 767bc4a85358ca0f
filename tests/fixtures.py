"""The one shared module of test data and helpers, imported by every layer as ``tests.fixtures``.

Pytest fixtures live in ``tests/conftest.py`` (shared) and ``tests/integration/conftest.py``
(databases); this module only holds plain constants, builders and helpers. Several small catalogues
and region trees are kept side by side, each named for what it serves, because every test's figures
were worked out by hand from its own one:

* the scoring catalogue (``SCORING_*``, ``make_scoring_edition``): 2 aspects, 3 categories, 3 items,
  5 indicators (both directions, every kind but count); a province with 2 prefectures of 2 counties
  each. Every figure in the scoring tests is computed by hand from it, so it is kept tiny.
* the template catalogue (``TEMPLATE_*``, ``template_edition``): 7 indicators in template rows 4-10,
  a province with 8 counties, 2 local standards; with builders of real (good and bad) upload files,
  every bad file made from real bytes (openpyxl and zipfile), never read from disk.
* the storage catalogue (``store_edition``, ``store_tree``): 3 indicators, 6 counties, the test users,
  and fake ``UploadResult`` objects with matching bytes, so the store is tested without the ingest.
* the local-standards catalogue (``standards_edition``, ``standards_tree``): 5 indicators, a
  directly administered county.
* the region-tree CSV, GeoJSON boundaries and the AppTest helper ``app_as``.

PYTEST_DONT_REWRITE: it is a helper module, not a test module.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from openpyxl import load_workbook

from assessment.domain.errors import Problem
from assessment.domain.model import (
    Aspect,
    Category,
    Edition,
    Indicator,
    LocalStandard,
    Region,
    RegionTree,
    ServiceItem,
)
from assessment.intake.template import build_template
from assessment.intake.workbook_layout import DATA_SHEET, FIRST_DATA_ROW, META_SHEET
from assessment.store import Store

ROOT = Path(__file__).resolve().parents[1]  # the repository


# ================================================================================================
# The scoring catalogue and tree (the scoring, aggregation, equity, trends and report tests)
# ================================================================================================
SCORING_EDITION_ID = "TEST-1"


def _scoring_item(no: int, code: str, category: str, central_share: float) -> ServiceItem:
    return ServiceItem(
        no=no,
        code=code,
        category_code=category,
        name_zh=f"项目{no}",
        name_en=f"Item {no}",
        served_population_zh="",
        content_zh="",
        standard_zh="",
        expenditure_zh="",
        central_share=central_share,
        lead_department_zh="",
        verified=True,
        source="test",
    )


def scoring_indicator(
    code: str,
    item: str,
    kind: str,
    direction: str,
    floor: float | None,
    optimum: float,
    lower: float,
    *,
    weight: float = 1.0,
    unit_cost: float | None = None,
    confirmed: bool = True,
    unit: str = "%",
) -> Indicator:
    """An indicator with a short signature (tests build variants of it)."""
    return Indicator(
        code=code,
        item_code=item,
        name_zh=code,
        name_en=code,
        kind=kind,
        unit=unit,
        direction=direction,
        national_floor=floor,
        floor_confirmed=confirmed,
        optimum=optimum,
        lower_bound=lower,
        weight=weight,
        unit_cost=unit_cost,
        source="test",
    )


SCORING_INDICATORS = (
    # coverage rate, higher is better, floor 90
    scoring_indicator("S01.1", "S01", "rate", "higher", 90.0, 100.0, 50.0, unit_cost=200.0),
    # doctors per 1,000 residents, no national floor (left to localities), weight 2
    scoring_indicator("S01.2", "S01", "per_capita", "higher", None, 4.0, 0.0, weight=2.0, unit="per 1,000"),
    # a rate where lower is better: ceiling 10, optimum 0, bad end 40
    scoring_indicator("S02.1", "S02", "rate", "lower", 10.0, 0.0, 40.0, unit_cost=50.0),
    # an allowance in CNY per beneficiary per year, floor 80 (unconfirmed figure)
    scoring_indicator("S03.1", "S03", "amount", "higher", 80.0, 120.0, 0.0, confirmed=False, unit="CNY"),
    # provided yes/no
    scoring_indicator("S03.2", "S03", "boolean", "higher", 1.0, 1.0, 0.0, unit=""),
)


def make_scoring_edition(
    indicators: tuple[Indicator, ...] = SCORING_INDICATORS, edition_id: str = SCORING_EDITION_ID
) -> Edition:
    """The test catalogue (optionally with other indicators on the same items)."""
    return Edition(
        id=edition_id,
        title_zh="测试版",
        title_en="Test edition",
        published="2021-04-20",
        provenance="hand-made for tests",
        aspects=(Aspect("A1", 1, "方面一", "Aspect 1"), Aspect("A2", 2, "方面二", "Aspect 2")),
        categories=(
            Category("C01", "A1", 1, "类一", "Category 1"),
            Category("C02", "A1", 2, "类二", "Category 2"),
            Category("C03", "A2", 3, "类三", "Category 3"),
        ),
        items=(
            _scoring_item(1, "S01", "C01", 0.5),
            _scoring_item(2, "S02", "C02", 1.0),
            _scoring_item(3, "S03", "C03", 0.0),
        ),
        indicators=indicators,
    )


SCORING_EDITION = make_scoring_edition()

SCORING_TREE = RegionTree(
    (
        Region("990000", "测试省", "Test Province", "province", None, 1_000_000),
        Region("990100", "甲市", "City A", "prefecture", "990000", 600_000),
        Region("990200", "乙市", "City B", "prefecture", "990000", 400_000),
        Region("990101", "甲一县", "County A1", "county", "990100", 100_000),
        Region("990102", "甲二县", "County A2", "county", "990100", 500_000),
        Region("990201", "乙一县", "County B1", "county", "990200", 300_000),
        Region("990202", "乙二县", "County B2", "county", "990200", 100_000),
    )
)

SCORING_COUNTIES = ("990101", "990102", "990201", "990202")


def local_standard(
    jurisdiction: str, code: str, threshold: float, start: int = 2020, end: int | None = None
) -> LocalStandard:
    """A local standard with defaults."""
    return LocalStandard(jurisdiction, code, threshold, start, end, set_by="test")


def values_frame(rows: list[tuple]) -> pd.DataFrame:
    """Tidy values from (region, period, indicator, value[, numerator, denominator]) tuples."""
    full = [(*r, *([None] * (6 - len(r)))) for r in rows]
    df = pd.DataFrame(
        full, columns=["region_code", "period", "indicator_code", "value", "numerator", "denominator"]
    )
    for c in ("value", "numerator", "denominator"):
        df[c] = pd.to_numeric(df[c]).astype("float64")
    df["period"] = df["period"].astype("int64")
    df["note"] = ""
    return df


def full_values(period: int = 2024, scale: float = 1.0) -> pd.DataFrame:
    """Every county reports every indicator (the same plausible figures, times ``scale``)."""
    rows = []
    for i, code in enumerate(SCORING_COUNTIES):
        rows += [
            (code, period, "S01.1", None, 90.0 + i, 100.0),
            (code, period, "S01.2", 2.0 * scale + i / 10),
            (code, period, "S02.1", None, 5.0 + i, 100.0),
            (code, period, "S03.1", 80.0 * scale + i),
            (code, period, "S03.2", 1.0),
        ]
    return values_frame(rows)


# ================================================================================================
# The template catalogue and tree, and real upload files (template, ingest, validation)
# ================================================================================================
WHEN = datetime(2024, 1, 2, 3, 4, 5)
REGION = "990101"
PERIOD = 2024


def _template_indicator(
    code: str,
    kind: str,
    floor: float | None,
    *,
    confirmed: bool = True,
    direction: str = "higher",
    optimum: float = 100.0,
    unit: str = "%",
    lower: float = 0.0,
) -> Indicator:
    return Indicator(
        code=code,
        item_code=code.split(".")[0],
        name_zh=f"指标{code}",
        name_en=f"Indicator {code}",
        kind=kind,
        unit=unit,
        direction=direction,
        national_floor=floor,
        floor_confirmed=confirmed,
        optimum=optimum,
        lower_bound=lower,
        weight=1.0,
        unit_cost=None,
        source="test",
    )


# Row of each indicator in the template: S01.1 -> row 4, S01.2 -> row 5, ...
TEMPLATE_INDICATORS = (
    _template_indicator("S01.1", "rate", 90.0),  # row 4: rate with a floor
    _template_indicator("S01.2", "rate", None),  # row 5: rate without a floor (optional)
    _template_indicator("S02.1", "count", 1.0, unit="个", optimum=5.0),  # row 6
    _template_indicator("S02.2", "amount", 500.0, confirmed=False, unit="元", optimum=800.0),  # row 7
    _template_indicator("S03.1", "per_capita", 4.5, unit="每千人", optimum=6.0),  # row 8
    _template_indicator("S03.2", "boolean", 1.0, unit="是/否", optimum=1.0),  # row 9
    _template_indicator("S03.3", "rate", 10.0, direction="lower", optimum=2.0),  # row 10: lower is better
)
ROW = {ind.code: FIRST_DATA_ROW + i for i, ind in enumerate(TEMPLATE_INDICATORS)}


def template_edition(edition_id: str = "T-2024") -> Edition:
    items = tuple(
        ServiceItem(n, f"S0{n}", "C01", f"项目{n}", f"Item {n}", "", "", "", "", 0.5, "", True, "test")
        for n in (1, 2, 3)
    )
    return Edition(
        id=edition_id,
        title_zh="测试版",
        title_en="Test edition",
        published="2024-01-01",
        provenance="tests",
        aspects=(Aspect("A1", 1, "方面一", "Aspect one"),),
        categories=(Category("C01", "A1", 1, "类别一", "Category one"),),
        items=items,
        indicators=TEMPLATE_INDICATORS,
    )


def template_tree() -> RegionTree:
    regions = [
        Region("990000", "测试省", "Test Province", "province", None, 5_000_000),
        Region("990100", "甲市", "Jia City", "prefecture", "990000", 3_000_000),
        Region("990200", "乙市", "Yi City", "prefecture", "990000", 2_000_000),
    ]
    regions += [
        Region(f"99010{i}", f"甲{i}县", f"Jia {i} County", "county", "990100", 300_000 + 10_000 * i)
        for i in range(1, 8)
    ]
    regions.append(Region("990201", "乙一县", "Yi 1 County", "county", "990200", 250_000))
    return RegionTree(tuple(regions))


def template_standards() -> tuple[LocalStandard, ...]:
    """The province raises S01.1 to 95 and sets a standard for the floor-less S01.2 from 2023."""
    return (
        LocalStandard("990000", "S01.1", 95.0, 2023, None, "省卫健委"),
        LocalStandard("990000", "S01.2", 80.0, 2023, None, "省卫健委"),
    )


TEMPLATE_EDITION = template_edition()
TEMPLATE_TREE = template_tree()
TEMPLATE_STANDARDS = template_standards()

GOOD = {  # a valid filling: code -> (value, numerator, denominator, note)
    "S01.1": (96.0, 960.0, 1000.0, ""),
    "S01.2": (85.0, None, None, ""),
    "S02.1": (3.0, None, None, ""),
    "S02.2": (620.5, None, None, "含省级补助"),
    "S03.1": (5.2, None, None, ""),
    "S03.2": (1.0, None, None, ""),
    "S03.3": (4.0, 40.0, 1000.0, ""),
}


def good_values(region: str = REGION, period: int = PERIOD, **changes: tuple) -> pd.DataFrame:
    """Tidy values of a valid filling, with ``changes`` (code -> tuple) applied."""
    rows = {**GOOD, **{k.replace("_", "."): v for k, v in changes.items()}}
    return pd.DataFrame(
        [
            {
                "region_code": region,
                "period": period,
                "indicator_code": code,
                "value": v,
                "numerator": n,
                "denominator": d,
                "note": note,
            }
            for code, (v, n, d, note) in rows.items()
        ]
    )


def template(values: pd.DataFrame | None = None, region: str = REGION, period: int = PERIOD, **kw) -> bytes:
    return build_template(
        TEMPLATE_EDITION,
        TEMPLATE_TREE,
        region,
        period,
        TEMPLATE_STANDARDS,
        values=values,
        generated_at=WHEN,
        **kw,
    )


def filled() -> bytes:
    return template(good_values())


def edit(
    data: bytes, cells: dict[str, object], sheet: str = DATA_SHEET, number_format: str | None = None
) -> bytes:
    """Set cells with openpyxl (a string starting with '=' becomes a formula without cached value)."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[sheet]
    for ref, val in cells.items():
        ws[ref].value = val
        if number_format:
            ws[ref].number_format = number_format
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def edit_meta(data: bytes, key: str, value: str) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb[META_SHEET]
    for row in ws.iter_rows():
        if row[0].value == key:
            row[1].value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def drop_sheet(data: bytes, name: str) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    del wb[name]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite_zip(
    data: bytes,
    change: dict[str, bytes | None] | None = None,
    add: dict[str, bytes] | None = None,
    transform: dict[str, object] | None = None,
) -> bytes:
    """Copy a zip, replacing (or with None removing) members, adding new ones, or transforming
    members with a function bytes -> bytes."""
    change, add, transform = change or {}, add or {}, transform or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    dst.writestr(info.filename, change[info.filename])
                continue
            body = src.read(info)
            if info.filename in transform:
                body = transform[info.filename](body)  # type: ignore[operator]
            dst.writestr(info.filename, body)
        for name, body in add.items():
            dst.writestr(name, body)
    return out.getvalue()


def cached_formula(data: bytes, ref: str, formula: str, cached: str | None) -> bytes:
    """Make cell ``ref`` of the data sheet a formula with a cached result (as Excel saves it)."""
    value = f"<v>{cached}</v>" if cached is not None else ""

    def swap(xml: bytes) -> bytes:
        pattern = re.compile(rb'<c r="' + ref.encode() + rb'"[^>]*?(?:/>|>.*?</c>)', re.S)
        new = f'<c r="{ref}"><f>{formula}</f>{value}</c>'.encode()
        assert pattern.search(xml), ref
        return pattern.sub(new, xml, count=1)

    return rewrite_zip(data, transform={"xl/worksheets/sheet1.xml": swap})


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)


def xml_bomb(data: bytes, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    def inject(xml: bytes) -> bytes:
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return BILLION_LAUGHS + body.replace(b"<sheetData>", b"<sheetData><!-- &lol3; -->", 1)

    return rewrite_zip(data, transform={part: inject})


def zip_bomb(data: bytes, megabytes: int = 20) -> bytes:
    """A template whose sheet XML is padded with ``megabytes`` of whitespace (ratio ~1000:1)."""

    def pad(xml: bytes) -> bytes:
        return xml.replace(b"<sheetData>", b"<sheetData>" + b" " * (megabytes * 1024 * 1024), 1)

    return rewrite_zip(data, transform={"xl/worksheets/sheet1.xml": pad})


def many_entries(data: bytes, n: int = 2100) -> bytes:
    return rewrite_zip(data, add={f"xl/media/x{i}.bin": b"x" for i in range(n)})


def encrypted_entry(data: bytes) -> bytes:
    """The template with the 'encrypted' flag set on every zip member (local and central headers)."""
    buf = bytearray(data)
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (pos := buf.find(sig, start)) >= 0:
            buf[pos + offset] |= 0x1
            start = pos + 4
    return bytes(buf)


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def ole2_encrypted() -> bytes:
    """The shape of a password-protected xlsx: an OLE2 container with an EncryptedPackage stream."""
    return OLE2 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 50 + "EncryptedPackage".encode("utf-16-le")


def legacy_xls() -> bytes:
    return OLE2 + "Workbook".encode("utf-16-le") + b"\x00" * 100


def xlsm(data: bytes) -> bytes:
    return rewrite_zip(data, add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"})


def xlsm_content_type(data: bytes) -> bytes:
    def mark(xml: bytes) -> bytes:
        return xml.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )

    return rewrite_zip(data, transform={"[Content_Types].xml": mark})


def plain_zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


def batch_csv(
    rows: list[list[object]], header: list[str] | None = None, encoding: str = "utf-8", sep: str = ","
) -> bytes:
    header = header or [
        "region_code",
        "period",
        "indicator_code",
        "value",
        "numerator",
        "denominator",
        "note",
    ]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([["" if c is None else c for c in r] for r in rows])
    return buf.getvalue().encode(encoding)


def good_batch_rows(regions: tuple[str, ...] = (REGION,), period: int = PERIOD) -> list[list[object]]:
    rows = []
    for region in regions:
        for code, (v, n, d, note) in GOOD.items():
            rows.append([region, period, code, v, n, d, note])
    return rows


def batch_xlsx(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    header = header or [
        "region_code",
        "period",
        "indicator_code",
        "value",
        "numerator",
        "denominator",
        "note",
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


_HOSTILE_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="data" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
    ),
}


def hostile_xlsx(
    rows: int, dimension: str | None = None, path: Path | None = None, compresslevel: int = 9
) -> bytes:
    """A batch workbook of ``rows`` rows of small numbers under a real batch header, written with
    zipfile directly (a million rows take about three seconds): the probe's "13.8 MB xlsx holding 599 MB
    of XML" is ``rows=4_900_000``. ``dimension`` is the ``<dimension ref>`` it declares (the true
    one by default; ``"A1:B2"`` to lie). It compresses about 36:1 (125 bytes of XML a row), under
    the zip-bomb ratio, so 4.9 M rows fit in 17 MB, under the 20 MB upload limit
    (``compresslevel=1``: about 16:1, three times faster to write). Written to ``path`` (and b""
    returned) when given."""
    dim = dimension or f"A1:D{rows + 1}"
    header = "".join(
        f'<c r="{col}1" t="inlineStr"><is><t>{name}</t></is></c>'
        for col, name in zip("ABCD", ("region_code", "period", "indicator_code", "value"), strict=True)
    )
    out: io.BytesIO | Path = path if path is not None else io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zf:
        for name, body in _HOSTILE_PARTS.items():
            zf.writestr(name, body)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            fh.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                + f'<dimension ref="{dim}"/><sheetData><row r="1">{header}</row>'.encode()
            )
            step = 20_000
            for start in range(2, rows + 2, step):
                fh.write(
                    "".join(
                        f'<row r="{r}" spans="1:4" ht="15"><c s="0"><v>{r % 7}</v></c><c s="0"><v>1</v>'
                        f'</c><c s="0"><v>2</v></c><c s="0"><v>{r % 3}</v></c></row>'
                        for r in range(start, min(start + step, rows + 2))
                    ).encode()
                )
            fh.write(b"</sheetData></worksheet>")
    return out.getvalue() if isinstance(out, io.BytesIO) else b""


def sparse_xlsx() -> bytes:
    """A 1.6 KB batch workbook with one cell far away (``ZZ400000``) under a dimension that lies
    (``A1:B2``): calamine allocates the dense range from A1 to it (9 GB) and, failing, aborts the
    whole process (a Rust allocation failure is not a Python MemoryError)."""
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:B2"/><sheetData><row r="1">'
        '<c r="A1" t="inlineStr"><is><t>region_code</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>period</t></is></c>'
        '<c r="C1" t="inlineStr"><is><t>indicator_code</t></is></c></row>'
        '<row r="400000"><c r="ZZ400000"><v>1</v></c></row></sheetData></worksheet>'
    )
    return plain_zip(
        {**{k: v.encode() for k, v in _HOSTILE_PARTS.items()}, "xl/worksheets/sheet1.xml": sheet.encode()}
    )


# ================================================================================================
# The storage catalogue and tree, test users and fake uploads (store, access, auth)
# ================================================================================================
PG_URL = os.environ.get("ASSESSMENT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OFFICIAL = "official1"
EVALUATOR = "evaluator1"
ADMIN = "admin1"


@dataclass(frozen=True)
class FakeUpload:
    """Shaped like assessment.intake.ingest.UploadResult."""

    ok: bool
    values: pd.DataFrame
    kind: str = "template"
    region_code: str | None = None
    period: int | None = None
    edition: str = "CN-2021"
    sha256: str = ""
    problems: tuple[Problem, ...] = field(default=())

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity != "error")


def store_tree() -> RegionTree:
    """A province, two prefectures, six counties (990105 never reports in the demo sense)."""
    regions = [
        Region("990000", "示例省", "Sample Province", "province", None, 5_000_000),
        Region("990100", "甲市", "Jia City", "prefecture", "990000", 2_500_000),
        Region("990200", "乙市", "Yi City", "prefecture", "990000", 2_500_000),
    ]
    regions += [
        Region(f"9901{i:02d}", f"甲{i}县", f"Jia {i}", "county", "990100", 500_000) for i in range(1, 5)
    ]
    regions += [
        Region(f"9902{i:02d}", f"乙{i}县", f"Yi {i}", "county", "990200", 400_000) for i in range(1, 3)
    ]
    return RegionTree(tuple(regions))


def frame(
    rows: Mapping[str, tuple[float | None, float | None, float | None]], region: str, period: int
) -> pd.DataFrame:
    """A tidy values frame from {indicator: (value, numerator, denominator)}."""
    return pd.DataFrame(
        {
            "region_code": [region] * len(rows),
            "period": [period] * len(rows),
            "indicator_code": list(rows),
            "value": [v[0] for v in rows.values()],
            "numerator": [v[1] for v in rows.values()],
            "denominator": [v[2] for v in rows.values()],
            "note": [None] * len(rows),
        }
    )


DEFAULT_ROWS = {"S01.1": (95.0, 950.0, 1000.0), "S02.1": (3.5, None, None), "S03.1": (1.0, None, None)}


def upload(
    region: str = "990101",
    period: int = PERIOD,
    rows: Mapping[str, tuple[float | None, float | None, float | None]] | None = None,
    *,
    salt: str = "",
    ok: bool = True,
) -> tuple[bytes, FakeUpload]:
    """File bytes and a matching fake UploadResult for one region and period."""
    rows = dict(DEFAULT_ROWS if rows is None else rows)
    data = json.dumps(
        {"region": region, "period": period, "rows": rows, "salt": salt}, sort_keys=True
    ).encode()
    problems = (
        ()
        if ok
        else (Problem("ingest.bad", "数值无效", "bad value", file="x.xlsx", sheet="data", cell="G5"),)
    )
    return data, FakeUpload(
        ok=ok,
        values=frame(rows, region, period),
        region_code=region,
        period=period,
        sha256=hashlib.sha256(data).hexdigest(),
        problems=problems,
    )


def batch(frames: list[pd.DataFrame], *, salt: str = "") -> tuple[bytes, FakeUpload]:
    """File bytes and a fake batch UploadResult covering several regions and periods."""
    values = pd.concat(frames, ignore_index=True)
    data = (values.to_csv(index=False) + salt).encode()
    return data, FakeUpload(ok=True, values=values, kind="batch", sha256=hashlib.sha256(data).hexdigest())


def pg_schema_url(schema: str) -> str:
    """The test server's URL with ``search_path`` set to ``schema``."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


def prepare(store: Store) -> Store:
    """Give a new store the small tree and the test users."""
    store.save_region_tree("system", store_tree())
    # official1 reports for the whole province (a consolidating statistics office), so the storage
    # tests can upload to any region; the access tests cover officials of one county.
    store.add_user("system", OFFICIAL, "Official", "official", "990000")
    store.add_user("system", EVALUATOR, "Evaluator", "evaluator", "990000")
    store.add_user("system", ADMIN, "Admin", "admin")
    return store


def count_rows(store: Store) -> dict[str, int]:
    """Row counts of every table (to prove that a refused action stored nothing)."""
    from assessment.store.schema import metadata

    with store.read() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }


def import_in_child(
    url: str, region: str, period: int, salt: str, actor: str = OFFICIAL
) -> tuple[int, int, bool]:
    """Run in a worker process: open the store and import one fake upload. Returns (id, version, created)."""
    with Store(url) as st:
        number = float(int(hashlib.sha256(salt.encode()).hexdigest()[:8], 16))
        data, result = upload(region, period, salt=salt, rows={"S01.1": (number, None, None)})
        out = st.import_upload(actor, data, f"{region}.xlsx", result)
        return out.submission_id, out.version, out.created


def store_edition() -> Edition:
    """A three-indicator edition (S01.1 rate floor 90, S02.1 per-capita floor 3, S03.1 yes/no)."""
    aspect = Aspect("A1", 1, "幼有所育", "Childcare")
    category = Category("C01", "A1", 1, "优孕优生", "Healthy births")
    items = tuple(
        ServiceItem(n, f"S0{n}", "C01", f"项目{n}", f"Item {n}", "", "", "", "", 0.5, "", True, "test")
        for n in (1, 2, 3)
    )
    spec = [("S01.1", "rate", "%", 90.0, 100.0, 50.0), ("S02.1", "per_capita", "per 1,000", 3.0, 5.0, 0.0)]
    indicators = [
        Indicator(
            code, f"S0{i + 1}", code, code, kind, unit, "higher", floor, True, opt, low, 1.0, None, "test"
        )
        for i, (code, kind, unit, floor, opt, low) in enumerate(spec)
    ]
    indicators.append(
        Indicator(
            "S03.1", "S03", "S03.1", "S03.1", "boolean", "", "higher", 1.0, True, 1.0, 0.0, 1.0, None, "t"
        )
    )
    return Edition(
        "CN-2021",
        "测试版",
        "Test edition",
        "2021-03-30",
        "tests",
        (aspect,),
        (category,),
        items,
        tuple(indicators),
    )


_TEMPLATES: dict[tuple[str, int], bytes] = {}


def demo_template(region: str, period: int, change: float = 0.0) -> bytes:
    """A filled demo template (real .xlsx bytes from build_template + synthetic values); cached.

    ``change`` is added to the first rate's numerator, to make a corrected version.
    """
    key = (region, period, change)
    if key not in _TEMPLATES:  # type: ignore[comparison-overlap]
        from assessment.catalogue import load_edition
        from assessment.demo import demo_local_standards, demo_tree, synthetic_values
        from assessment.intake.template import build_template

        edition, tree = load_edition(), demo_tree()
        values = synthetic_values(edition, tree, periods=(period,))
        values = values.loc[values["region_code"] == region].reset_index(drop=True)
        if change:
            first = values["denominator"].notna().idxmax()
            num = values.loc[first, "numerator"] + change
            values.loc[first, "numerator"] = num
            values.loc[first, "value"] = round(100 * num / values.loc[first, "denominator"], 2)
        data = build_template(edition, tree, region, period, demo_local_standards(edition), values=values)
        _TEMPLATES[key] = data  # type: ignore[index]
    return _TEMPLATES[key]  # type: ignore[index]


# ================================================================================================
# The local-standards catalogue and tree
# ================================================================================================
def standards_indicator(
    code: str, kind: str, direction: str, floor, optimum: float, lower: float, unit: str = "%"
) -> Indicator:
    return _template_indicator(
        code, kind, floor, direction=direction, optimum=optimum, unit=unit, lower=lower
    )


STANDARDS_INDICATORS = (
    standards_indicator("S01.1", "rate", "higher", 90.0, 100.0, 50.0),  # coverage, floor 90%
    standards_indicator("S02.1", "rate", "lower", 10.0, 2.0, 30.0),  # e.g. a drop-out rate, at most 10%
    standards_indicator("S03.1", "per_capita", "higher", None, 4.5, 0.0, "per 1,000"),  # no national floor
    standards_indicator("S04.1", "boolean", "higher", 1.0, 1.0, 0.0, ""),
    standards_indicator("S05.1", "amount", "higher", 1200.0, 2000.0, 0.0, "CNY"),
)


def standards_edition() -> Edition:
    """A five-indicator edition on five items (both directions, a floor-less one, yes/no, an amount)."""
    items = tuple(
        ServiceItem(
            no=n,
            code=f"S{n:02d}",
            category_code="C01",
            name_zh=f"项目{n}",
            name_en=f"Item {n}",
            served_population_zh="",
            content_zh="",
            standard_zh="",
            expenditure_zh="",
            central_share=0.5,
            lead_department_zh="",
            verified=True,
            source="test",
        )
        for n in range(1, 6)
    )
    return Edition(
        id="TEST",
        title_zh="测试",
        title_en="Test",
        published="2021-01-01",
        provenance="test",
        aspects=(Aspect("A1", 1, "方面", "Aspect"),),
        categories=(Category("C01", "A1", 1, "类别", "Category"),),
        items=items,
        indicators=STANDARDS_INDICATORS,
    )


def standards_region(code: str, level: str, parent: str | None) -> Region:
    return Region(code, f"地区{code}", f"Region {code}", level, parent, 100_000)


def standards_tree() -> RegionTree:
    """A province, two prefectures of two counties and one county it administers directly."""
    return RegionTree(
        (
            standards_region("990000", "province", None),
            standards_region("990100", "prefecture", "990000"),
            standards_region("990101", "county", "990100"),
            standards_region("990102", "county", "990100"),
            standards_region("990200", "prefecture", "990000"),
            standards_region("990201", "county", "990200"),
            standards_region("990290", "county", "990000"),  # directly administered county
        )
    )


# ================================================================================================
# The region-tree CSV
# ================================================================================================
REGIONS_CSV_HEADER = (  # the header of a region-tree CSV file
    "code,name_zh,name_en,level,parent_code,population,"
    "urban,mountainous,ethnic_autonomous,fiscal_capacity_per_head,reports\n"
)
REGIONS_CSV_GOOD = (  # a good five-region tree
    "990000,示例省,Sample Province,province,,1500000,,,,,\n"
    "990100,甲市,Jia City,prefecture,990000,1000000,yes,no,no,12000,yes\n"
    "990101,甲一区,Jia District 1,county,990100,600000,yes,no,no,18000.5,yes\n"
    "990121,甲山县,Jiashan County,county,990100,400000,no,是,否,3200,no\n"
    "990190,直管县,Direct County,county,990000,500000,no,yes,yes,,\n"
)


# ================================================================================================
# GeoJSON boundaries
# ================================================================================================
SQUARE = [[100.0, 30.0], [100.1, 30.0], [100.1, 30.1], [100.0, 30.1], [100.0, 30.0]]


def geojson_collection(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def geojson_feature(props: dict, geometry: dict | None = None) -> dict:
    geom = geometry if geometry is not None else {"type": "Polygon", "coordinates": [SQUARE]}
    return {"type": "Feature", "properties": props, "geometry": geom}


# ================================================================================================
# Streamlit AppTest
# ================================================================================================
TEST_COOKIES = "_test_browser_cookies"  # what tests/app/conftest.py hands the app as st.context.cookies


def read_browser_cookies_from_session_state() -> None:
    """AppTest has no HTTP layer (``st.context.cookies`` is empty there): point the app's cookie
    reader at the :data:`TEST_COOKIES` stand-in in session state (tests/app/conftest.py, benches)."""
    import streamlit as st

    import ui.auth

    def cookies() -> dict[str, str]:
        try:
            return dict(st.session_state.get(TEST_COOKIES, {}))
        except Exception:
            return {}

    ui.auth._browser_cookies = cookies  # type: ignore[assignment]


def browser_token(at) -> str:  # type: ignore[no-untyped-def]
    """Give an AppTest a browser: a session cookie like the one ``ui/middleware.py`` sets (AppTest
    has no HTTP layer, so tests/app/conftest.py reads it from session state); the token."""
    from assessment.auth.sessions import COOKIE, new_token

    jar = dict(at.session_state[TEST_COOKIES]) if TEST_COOKIES in at.session_state else {}
    if COOKIE not in jar:
        jar[COOKIE] = new_token()
        at.session_state[TEST_COOKIES] = jar
    return str(jar[COOKIE])


def sign_in_browser(at, username: str, method: str = "password", url: str | None = None) -> str:  # type: ignore[no-untyped-def]
    """Sign the AppTest's browser in as ``username`` through the real server-side session
    (``$ASSESSMENT_DB_URL`` unless ``url``); the token."""
    from assessment.auth import sessions
    from assessment.store.service import Store

    token = browser_token(at)
    with Store(url) as store:
        user = store.get_user(username)
        if user is not None:  # an unknown name stays signed out, as a forged session would
            sessions.bind(store, token, user, method)
    return token


def app_as(username: str | None, lang: str = "zh", page: str | None = None, timeout: float = 90):
    """An AppTest of dashboard.py signed in as ``username`` (a demo account), run once.

    ``page``: a file under app_pages/ to switch to after the first run (e.g. "region.py").
    Needs the ``demo_env`` fixture active.
    """
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=timeout)
    at.query_params["lang"] = lang
    if username:
        sign_in_browser(at, username)
    if page:  # start on the page itself: no widget state of another page is carried over
        at.switch_page(str(ROOT / "app_pages" / page))
    at.run()
    return at


# ================================================================================================
# A small national tree (region trees of any depth): several provinces under one national root,
# skipped levels, townships
# ================================================================================================
NATIONAL_ROOT = "100000"
# nation -> 2 provinces -> prefectures -> counties; 999001 is a county directly under its province
# (省直辖县级行政单位). Codes 99xxxx carry the SCORING_EDITION's values like SCORING_TREE's.
NATIONAL_TREE = RegionTree(
    (
        Region(NATIONAL_ROOT, "全国", "Nation", "national", None, 1_800_000),
        Region("990000", "测试省", "Test Province", "province", NATIONAL_ROOT, 1_200_000),
        Region("990100", "甲市", "City A", "prefecture", "990000", 600_000),
        Region("990101", "甲一县", "County A1", "county", "990100", 100_000),
        Region("990102", "甲二县", "County A2", "county", "990100", 500_000),
        Region("990200", "乙市", "City B", "prefecture", "990000", 400_000),
        Region("990201", "乙一县", "County B1", "county", "990200", 300_000),
        Region("990202", "乙二县", "County B2", "county", "990200", 100_000),
        Region("999001", "直管市", "Direct City", "county", "990000", 200_000),
        Region("980000", "第二省", "Second Province", "province", NATIONAL_ROOT, 600_000),
        Region("980100", "丙市", "City C", "prefecture", "980000", 600_000),
        Region("980101", "丙一县", "County C1", "county", "980100", 250_000),
        Region("980102", "丙二县", "County C2", "county", "980100", 350_000),
    )
)
NATIONAL_LEAVES = ("990101", "990102", "990201", "990202", "999001", "980101", "980102")


def national_values(period: int = 2024) -> pd.DataFrame:
    """Every leaf of NATIONAL_TREE reports every SCORING_EDITION indicator, each leaf a little better
    than the one before (so every rank is distinct), rates with numerator and denominator."""
    rows = []
    for i, code in enumerate(NATIONAL_LEAVES):
        rows += [
            (code, period, "S01.1", None, 86.0 + i, 100.0),
            (code, period, "S01.2", 1.5 + i / 4),
            (code, period, "S02.1", None, 12.0 - i, 100.0),
            (code, period, "S03.1", 70.0 + 3 * i),
            (code, period, "S03.2", 1.0),
        ]
    return values_frame(rows)


def regions_csv(tree: RegionTree) -> str:
    """A region tree as the text of a region-tree CSV file (header included)."""
    lines = [
        f"{r.code},{r.name_zh},{r.name_en},{r.level},{r.parent_code or ''},{r.population},,,,," for r in tree
    ]
    return REGIONS_CSV_HEADER + "\n".join(lines) + "\n"


# NATIONAL_TREE plus a third province-level region: a 直辖市 whose districts sit directly under it,
# one with two townships (nine-digit codes), written with Chinese level names.
NATIONAL_CSV = regions_csv(NATIONAL_TREE) + (
    "970000,丁直辖市,Ding Municipality,直辖市,100000,500000,yes,,,,\n"
    "970101,丁一区,Ding District 1,区,970000,300000,yes,,,,\n"
    "970102,丁二区,Ding District 2,区,970000,200000,,,,,\n"
    "970102001,丁二街道,Ding Subdistrict,街道,970102,120000,,,,,\n"
    "970102100,丁二镇,Ding Town,镇,970102,80000,,,,,\n"
)
NATIONAL_CSV_ROWS = NATIONAL_CSV.count("\n")  # header included: the last row's number


def yearly_demo_tree() -> RegionTree:
    """The demo province with per-year populations: every region has a 2023 and a 2024 figure of its
    own except the second county (in tree order), which has only a 2023 figure, so 2024 carries it
    forward; the first county's figures differ from its base (2023: base + 10,000; 2024: 3 x base).
    2022 precedes every figure: the base, carried forward everywhere."""
    from dataclasses import replace

    from assessment.demo import demo_tree

    tree = demo_tree()
    a, b = tree.leaf_codes(tree.root.code)[:2]
    regions = []
    for r in tree:
        if r.code == a:
            r = replace(r, populations=((2023, r.population + 10_000), (2024, 3 * r.population)))
        elif r.code == b:
            r = replace(r, populations=((2023, r.population // 2),))
        else:
            r = replace(r, populations=((2023, r.population), (2024, r.population)))
        regions.append(r)
    return RegionTree(tuple(regions))


# ================================================================================================
# Sign-in: cheap Argon2 parameters for tests (the production ones take about 0.1 s per hash)
# ================================================================================================
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def use_fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make password hashing cheap for one test (and forget the dummy hash made with other settings)."""
    from assessment.auth import signin

    monkeypatch.setattr(signin, "HASHER", FAST_HASHER)
    signin._dummy_hash.cache_clear()


# ================================================================================================
# Markdown and HTML planted in user text (tests/e2e/test_no_markup.py, tests/app/test_no_markup.py)
# ================================================================================================
MARKUP_TARGET = "127.0.0.1:9/"  # nothing listens on port 9: a request to it is the failure looked for


def markup_payload(tag: str) -> str:
    """Markdown, HTML and a bare address, tagged so each field's text can be found on a page."""
    t = MARKUP_TARGET
    return (
        f"{tag}[点我](http://{t}{tag}) ![px](http://{t}{tag}.png) "
        f"<img src=http://{t}{tag}i.png> <a href=http://{t}{tag}a>链</a> <b>粗</b> **粗** http://{t}auto"
    )


def plant_markup(url: str) -> None:
    """Write :func:`markup_payload` into every free-text field of a seeded SQLite demo database (a
    copy): region names (990123 and its prefecture 990100), every display name, submissions' file
    names and review comments, reviews' comments, values' notes, local standards' notes and
    sources, a local indicator (name, unit, note) and the audit details."""
    from assessment.domain.editions import LocalIndicator

    short = f"<b>粗</b>[u](http://{MARKUP_TARGET}u)"  # the unit column holds 64 characters
    with Store(url) as store:
        store.save_local_indicators(
            "system",
            [
                LocalIndicator(
                    "990100", "P99.01", "", markup_payload("LOCAL"), markup_payload("LOCAL"),
                    "per_capita", short, "higher", 3.2, 0.0, 2023,
                    note=markup_payload("LNOTE"), set_by=markup_payload("LSETBY"),
                )
            ],
        )  # fmt: skip
    engine = sa.create_engine(url)
    updates = (
        ("UPDATE regions SET name_zh = :a, name_en = :a WHERE code = '990123'", "REGION", ""),
        ("UPDATE regions SET name_zh = :a, name_en = :a WHERE code = '990100'", "PREF", ""),
        ("UPDATE users SET display_name = :a", "USER", ""),
        ("UPDATE submissions SET filename = :a, review_comment = :b", "FILE", "COMMENT"),
        ("UPDATE reviews SET comment = :a", "REVIEW", ""),
        ("UPDATE submission_values SET note = :a", "NOTE", ""),
        ("UPDATE local_standards SET note = :a, set_by = :b", "SNOTE", "SETBY"),
        ("UPDATE editions SET title_zh = :a, title_en = :a", "EDITION", ""),
    )
    with engine.begin() as c:
        # the append-only tables refuse UPDATE by trigger: lifted on this copy while planting
        guards = c.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
        for name, _sql in guards:
            c.execute(sa.text(f'DROP TRIGGER "{name}"'))
        for sql, a, b in updates:
            a_text = markup_payload(a) + (".xlsx" if a == "FILE" else "")
            c.execute(sa.text(sql), {"a": a_text, "b": markup_payload(b)})
        c.execute(
            sa.text("UPDATE audit_log SET details = :d"), {"d": json.dumps({"note": markup_payload("AUDIT")})}
        )
        for _name, sql in guards:
            c.execute(sa.text(sql))
    engine.dispose()


def shown(markdown: str) -> str:
    """What a reader sees of markdown escaped by ``ui.safe.md`` / ``tr``: the backslash escapes and
    the invisible word joiners removed (AppTest gives the markdown source of an element)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", str(markdown)).replace("\u2060", "")


def plain_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """The same cells as objects, NaN/NA as None: categories and integer widths are storage, not
    values (to compare two computations of one table cell by cell)."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        elif pd.api.types.is_integer_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            col = col.astype("Float64")
        out[name] = col.astype(object).where(col.notna(), None)
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))
