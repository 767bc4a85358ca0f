"""Workbooks that print (issue 18 point 4): the page setup of every sheet, read back with openpyxl,
and the printed result, through LibreOffice to PDF and poppler.

The demo province's evaluation workbook and a county's feedback workbook in Chinese (the shipped
edition in force for 2024). Every sheet: A4; fitted to the page width only when the fitted text
stays at or above 8 pt (the scale worked out here from the column widths, independently of
:mod:`assessment.reports.pagesetup`), else paged across at a scale that keeps 8 pt, with its first
columns repeated and column breaks that each fit the page; the header row repeated; the running
header and the page numbers; no empty column; charts on the summary sheets; times in Beijing time.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from assessment.reports import evaluation_workbook, feedback_workbook
from assessment.reports.context import feedback_data
from assessment.reports.feedback import priorities_table
from assessment.reports.service import demo_source, report_workbook
from tests.fixtures import SCORING_EDITION, SCORING_TREE, full_values

PERIOD = 2024
A4_PT = (595.28, 841.89)
MARGIN_PT = 72 * 0.8  # left + right
COSTED = "990124"  # a county with gaps whose cost can be estimated (the catalogue gives unit costs)
NOT_COSTED = "990102"  # a county none of whose priorities has a unit cost


@pytest.fixture(scope="module")
def books() -> SimpleNamespace:
    src = demo_source(period=PERIOD)
    _, evaluation = report_workbook("evaluation", src, "990000", PERIOD, "zh")
    _, feedback = report_workbook("feedback", src, COSTED, PERIOD, "zh")
    _, bare = report_workbook("feedback", src, NOT_COSTED, PERIOD, "zh")
    _, english = report_workbook("evaluation", src, "990000", PERIOD, "en")
    return SimpleNamespace(src=src, evaluation=evaluation, feedback=feedback, bare=bare, english=english)


def load(xlsx: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(xlsx))


def header_row(ws) -> int | None:
    if not ws.print_title_rows:
        return None
    return int(ws.print_title_rows.split(":")[0].strip("$"))


def visible_widths(ws) -> list[float]:
    """The widths of the visible columns up to the print area's last column."""
    last = column_index_from_string(re.sub(r"[\d$]", "", ws.print_area.split(":")[-1]))
    out = []
    for idx in range(1, last + 1):
        dim = ws.column_dimensions[get_column_letter(idx)]
        assert not dim.hidden, (ws.title, idx)  # the print area holds no hidden column
        out.append(float(dim.width or 13.0))
    return out


def points(width: float) -> float:
    return (7.0 * width + 5.0) * 0.75  # 7 px a character + 5 px padding, 0.75 pt a pixel


def smallest_font(ws) -> float:
    sizes = [float(c.font.sz) for row in ws.iter_rows() for c in row if c.value is not None and c.font.sz]
    for part in (ws.oddHeader.center, ws.oddFooter.left, ws.oddFooter.center, ws.oddFooter.right):
        if part.text:
            sizes.append(float(part.size or 11))
    return min(sizes)


def check_page_setup(ws) -> None:
    assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
    landscape = ws.page_setup.orientation == "landscape"
    page = (A4_PT[1] if landscape else A4_PT[0]) - MARGIN_PT
    widths = [points(w) for w in visible_widths(ws)]
    font = smallest_font(ws)
    if ws.sheet_properties.pageSetUpPr.fitToPage:
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        scale = min(1.0, page / sum(widths))
        assert scale * font >= 8.0, (ws.title, scale, font)
        if not landscape:  # portrait only where the sheet fits it at 100 %
            assert scale == 1.0, ws.title
    else:
        assert landscape, ws.title
        scale = ws.page_setup.scale / 100
        assert scale * font >= 8.0, (ws.title, scale, font)
        assert sum(widths) * scale > page, f"{ws.title} would fit: it should be fitted, not paged"
        repeat = column_index_from_string(ws.print_title_cols.split(":")[-1].strip("$"))
        breaks = [b.id for b in ws.col_breaks.brk]
        assert breaks, ws.title
        starts = [repeat, *breaks]
        ends = [*breaks, len(widths)]
        for start, end in zip(starts, ends, strict=True):  # each page across fits the page
            assert (sum(widths[:repeat]) + sum(widths[start:end])) * scale <= page + 0.5, (ws.title, start)
    # the running header names the report; the footer numbers the pages
    assert ws.oddHeader.center.text and "·" in ws.oddHeader.center.text, ws.title
    assert ws.oddFooter.center.text in ("第 &P 页，共 &N 页", "Page &P of &N"), ws.title
    assert ws.oddFooter.left.text and ws.oddFooter.right.text, ws.title
    assert not ws.print_options.gridLines, ws.title


def check_no_empty_column(ws) -> None:
    row = header_row(ws)
    if row is None:
        return
    widths = visible_widths(ws)
    rows = list(ws.iter_rows(min_row=row, max_col=len(widths), values_only=True))
    labels, body = rows[0], rows[1:]
    if not body:
        return
    for idx, label in enumerate(labels):
        if ws.cell(row + 1, idx + 1).protection.locked is False:
            continue  # an input column of a form (the actions sheet): empty until the official fills it
        filled = [r[idx] for r in body if r[idx] not in (None, "")]
        assert filled, f"{ws.title}: column {label!r} is empty"


@pytest.mark.parametrize("kind", ["evaluation", "feedback", "bare", "english"])
def test_every_sheet_prints_on_a4_at_8_pt_or_more(books: SimpleNamespace, kind: str) -> None:
    wb = load(getattr(books, kind))
    paged = 0
    for ws in wb.worksheets:
        check_page_setup(ws)
        check_no_empty_column(ws)
        row = header_row(ws)
        if row is not None:  # the header row repeats on every page, and only it
            assert ws.print_title_rows == f"${row}:${row}", ws.title
        paged += not ws.sheet_properties.pageSetUpPr.fitToPage
    if kind == "evaluation":
        assert paged >= 3  # the ranking and the wide aspect sheets are paged, not shrunk
        assert wb["封面"].page_setup.orientation == "portrait"


def test_aspect_sheets_repeat_the_region_on_every_page(books: SimpleNamespace) -> None:
    wb = load(books.evaluation)
    widest = max((ws for ws in wb.worksheets if re.match(r"A\d ", ws.title)), key=lambda ws: ws.max_column)
    assert not widest.sheet_properties.pageSetUpPr.fitToPage
    assert widest.print_title_cols == "$A:$C"  # region code, name and parent region
    assert widest.freeze_panes.startswith("D")


def test_ranks_do_not_run_into_the_region_code(books: SimpleNamespace) -> None:
    ws = load(books.evaluation)["排名"]
    row = header_row(ws)
    labels = {c.value: c.column_letter for c in ws[row] if c.value}
    rank, code = labels["省内排名"], labels["地区代码"]
    ranks = [c.value for c in ws[rank][row:] if isinstance(c.value, int | float)]
    assert len(ranks) >= 19
    assert ws.column_dimensions[rank].width >= len(str(int(max(ranks)))) + 4
    first = ws[f"{rank}{row + 1}"]
    assert first.alignment.horizontal == "center" and ws[f"{code}{row + 1}"].alignment.horizontal == "center"
    assert first.border.right.style == "thin"  # every table cell is ruled


def _charts(xlsx: bytes, sheet: str) -> int:
    """Native charts on the named sheet (openpyxl does not read charts back: the zip parts)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(rId\d+)"', book).group(1)
        part = re.search(
            rf'Id="{rid}"[^>]*Target="/?(?:xl/)?([^"]+)"|Target="/?(?:xl/)?([^"]+)"[^>]*Id="{rid}"', rels
        )
        target = next(g for g in part.groups() if g)
        sheet_rels = f"xl/worksheets/_rels/{Path(target).name}.rels"
        if sheet_rels not in z.namelist():
            return 0
        drawings = re.findall(r'Target="([^"]*drawing\d+\.xml)"', z.read(sheet_rels).decode())
        count = 0
        for drawing in drawings:
            name = "xl/drawings/" + Path(drawing).name
            count += z.read(name).decode().count("<c:chart ")
            assert "barChart" in "".join(
                z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")
            )
        return count


def test_summary_sheets_carry_native_charts(books: SimpleNamespace) -> None:
    assert _charts(books.evaluation, "摘要") == 2  # mean score and regions below the floor per aspect
    assert _charts(books.feedback, "封面") == 1  # the county's aspect scores
    summary = load(books.evaluation)["摘要"]
    labels = [r[0] for r in summary.iter_rows(values_only=True) if r[0]]
    assert "各方面得分与低于底线的地区" in labels


def test_no_utc_anywhere_on_the_cover(books: SimpleNamespace) -> None:
    for xlsx in (books.evaluation, books.feedback):
        cover = load(xlsx)["封面"]
        text = " ".join(str(v) for row in cover.iter_rows(values_only=True) for v in row if v is not None)
        assert "UTC" not in text
        assert "北京时间" in text


def test_upload_times_are_beijing_time() -> None:
    comp = pd.DataFrame(
        {
            "region_code": ["990101", "990102"],
            "status": ["reported", "late"],
            "first_uploaded_at": pd.to_datetime(["2025-03-31 16:00", "2025-04-05 09:30"], utc=True),
            "days_late": [np.nan, 5.0],
        }
    )
    xlsx = evaluation_workbook(
        full_values(2024),
        SCORING_EDITION,
        SCORING_TREE,
        (),
        jurisdiction="990000",
        period=2024,
        lang="zh",
        completeness=comp,
    )
    ws = load(xlsx)["报送情况"]
    row = header_row(ws)
    labels = {c.value: c.column for c in ws[row] if c.value}
    assert "首次上传（北京时间）" in labels
    got = {
        ws.cell(r, labels["地区代码"]).value: ws.cell(r, labels["首次上传（北京时间）"]).value
        for r in range(row + 1, ws.max_row + 1)
    }
    assert got["990101"] == datetime(2025, 4, 1, 0, 0)  # 16:00 UTC is midnight in Beijing
    assert got["990102"] == datetime(2025, 4, 5, 17, 30)


def test_priorities_show_costs_where_they_exist_and_say_why_not_elsewhere(books: SimpleNamespace) -> None:
    src = books.src
    data = feedback_data(
        src.values, src.edition, src.tree, src.standards, region=COSTED, period=PERIOD, lang="zh"
    )
    want = priorities_table(data).set_index("indicator_code")["cost_total"].dropna()
    assert len(want), "the demo county has costed priorities"
    ws = load(books.feedback)["优先事项"]
    row = header_row(ws)
    labels = {c.value: c.column for c in ws[row] if c.value}
    got = {
        ws.cell(r, labels["指标代码"]).value: ws.cell(r, labels["补齐标准成本（元）"]).value
        for r in range(row + 1, ws.max_row + 1)
    }
    for code, cost in want.items():
        assert got[code] == pytest.approx(cost)
    bare = load(books.bare)["优先事项"]
    row = header_row(bare)
    assert not [c.value for c in bare[row] if c.value and "成本" in str(c.value)]
    notes = " ".join(str(c.value) for r in bare.iter_rows(max_row=row - 1) for c in r if c.value)
    assert "补齐成本无法测算" in notes and "略去" in notes


# -- printed through LibreOffice -----------------------------------------------------------------------
SOFFICE = shutil.which("soffice")
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts") and shutil.which("pdfinfo")


def _calibration(path: Path) -> None:
    """A sheet printed at 100 % with 8 pt text, CJK and digits: the word height of 8 pt."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row, text in enumerate(["评估报告", "12345.6", "Evaluation"], start=1):
        ws.cell(row, 1, text).font = openpyxl.styles.Font(size=8)
    wb.save(path)


def _word_heights(pdf: Path) -> list[tuple[int, float, str]]:
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()
    words = []
    for page, body in enumerate(out.split("<page ")[1:], start=1):
        for m in re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>', body):
            words.append((page, float(m.group(2)) - float(m.group(1)), m.group(3)))
    return words


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout.decode()
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed (CI installs it)")
@pytest.mark.skipif(not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdfinfo) is not installed")
def test_printed_workbooks_have_no_text_below_8_pt(books: SimpleNamespace, tmp_path: Path) -> None:
    files = {"evaluation": books.evaluation, "feedback": books.feedback, "english": books.english}
    for name, xlsx in files.items():
        (tmp_path / f"{name}.xlsx").write_bytes(xlsx)
    _calibration(tmp_path / "calibration.xlsx")
    done = subprocess.run(
        [
            str(SOFFICE),
            f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            *(str(tmp_path / f"{n}.xlsx") for n in [*files, "calibration"]),
        ],
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    eight = min(h for _, h, _ in _word_heights(tmp_path / "calibration.pdf"))
    # before issue 18: 71 and 10 pages, the aspect sheets at 4-5 pt; now 153 and 28 (English 212)
    bounds = {"evaluation": (40, 200), "feedback": (8, 45), "english": (40, 250)}
    for name in files:
        pdf = tmp_path / f"{name}.pdf"
        pages = _pages(pdf)
        low, high = bounds[name]
        assert low <= pages <= high, (name, pages)
        words = _word_heights(pdf)
        small = [(p, round(h / eight * 8, 1), w) for p, h, w in words if h < eight * 0.98]
        assert not small, (name, small[:10])
        text = " ".join(w for _, _, w in words)
        running = ("Sample Province", "Page") if name == "english" else ("示例省", "第")
        assert all(word in text for word in running)  # the running header and the page numbers
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True).stdout.decode()
        rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
        assert rows and all(r[-5] == "yes" for r in rows), fonts  # every font embedded


def test_a_long_note_wraps_inside_its_column() -> None:
    """The feedback detail sheet's notes stay inside the table: wrapped in their column (the last
    one printed), the row as tall as the note's lines."""
    values = full_values(2024).assign(note="")
    note = "本期数据经县统计局复核，部分乡镇的分母按上年常住人口推算，待人口普查结果公布后更正。" * 2
    mine = (values["region_code"] == "990102") & (values["indicator_code"] == "S03.1")
    values.loc[mine, "note"] = note
    xlsx = feedback_workbook(
        values, SCORING_EDITION, SCORING_TREE, (), region="990102", period=2024, lang="zh"
    )
    ws = load(xlsx)["指标明细"]
    row = header_row(ws)
    labels = {c.value: c.column for c in ws[row] if c.value}
    last = column_index_from_string(re.sub(r"[\d$]", "", ws.print_area.split(":")[-1]))
    assert labels["备注"] == last  # the print area ends with the notes: nothing beyond them
    at = next(r for r in range(row + 1, ws.max_row + 1) if ws.cell(r, labels["备注"]).value == note)
    cell = ws.cell(at, labels["备注"])
    assert cell.alignment.wrap_text
    width = ws.column_dimensions[get_column_letter(labels["备注"])].width
    lines = -(-len(note) * 2.1 // (width - 1))  # CJK characters are about 2.1 digits wide
    assert ws.row_dimensions[at].height >= 15 * lines
