"""A small hand-built edition and region tree, and builders of real (good and bad) upload files.

Every bad file is made here from real bytes (openpyxl and zipfile), never read from disk, so the
corpus in tests/test_ingest_corpus.py documents exactly what each refusal looks like.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import pandas as pd
from openpyxl import load_workbook

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

WHEN = datetime(2024, 1, 2, 3, 4, 5)
REGION = "990101"
PERIOD = 2024


def _ind(
    code: str,
    kind: str,
    floor: float | None,
    *,
    confirmed: bool = True,
    direction: str = "higher",
    optimum: float = 100.0,
    unit: str = "%",
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
        lower_bound=0.0,
        weight=1.0,
        unit_cost=None,
        source="test",
    )


# Row of each indicator in the template: S01.1 -> row 4, S01.2 -> row 5, ...
INDICATORS = (
    _ind("S01.1", "rate", 90.0),  # row 4: rate with a floor
    _ind("S01.2", "rate", None),  # row 5: rate without a floor (optional)
    _ind("S02.1", "count", 1.0, unit="个", optimum=5.0),  # row 6
    _ind("S02.2", "amount", 500.0, confirmed=False, unit="元", optimum=800.0),  # row 7
    _ind("S03.1", "per_capita", 4.5, unit="每千人", optimum=6.0),  # row 8
    _ind("S03.2", "boolean", 1.0, unit="是/否", optimum=1.0),  # row 9
    _ind("S03.3", "rate", 10.0, direction="lower", optimum=2.0),  # row 10: lower is better
)
ROW = {ind.code: FIRST_DATA_ROW + i for i, ind in enumerate(INDICATORS)}


def small_edition(edition_id: str = "T-2024") -> Edition:
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
        indicators=INDICATORS,
    )


def small_tree() -> RegionTree:
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


def small_standards() -> tuple[LocalStandard, ...]:
    """The province raises S01.1 to 95 and sets a standard for the floor-less S01.2 from 2023."""
    return (
        LocalStandard("990000", "S01.1", 95.0, 2023, None, "省卫健委"),
        LocalStandard("990000", "S01.2", 80.0, 2023, None, "省卫健委"),
    )


EDITION = small_edition()
TREE = small_tree()
STANDARDS = small_standards()

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
    return build_template(EDITION, TREE, region, period, STANDARDS, values=values, generated_at=WHEN, **kw)


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
