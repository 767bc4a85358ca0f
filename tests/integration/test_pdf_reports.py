"""The printed reports (issue 18 items 1-3): the PDF evaluation report and county feedback letter,
read back with poppler (pdftotext, pdffonts, pdfinfo, pdftoppm) as a reader would see them.

Smallest text: ``pdftotext -bbox`` gives each word's box; its height is the font's ascent plus
descent, which for Noto CJK (the only fonts the reports use, checked by pdffonts) is 1.448 em
(sans; 1.437 for the serif), so ``size = height / 1.448`` (a box of 8 pt text is 11.58 pt tall;
:func:`test_size_heuristic_is_calibrated` measures it on a document with known sizes). A word is
too small when that estimate is below 7.9 pt.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest

from assessment.cli import main
from assessment.reports.context import evaluation_data, feedback_data
from assessment.reports.evaluation import evaluation_tables
from assessment.reports.service import build_report, demo_source, report_pdf
from assessment.store import Store

POPPLER = ("pdftotext", "pdffonts", "pdfinfo", "pdftoppm")


def _pango_missing() -> bool:
    try:
        import weasyprint  # noqa: F401  (loads Pango through cffi)
    except OSError:
        return True
    return False


pytestmark = [
    pytest.mark.skipif(
        any(shutil.which(tool) is None for tool in POPPLER),
        reason="poppler-utils (pdftotext, pdffonts, pdfinfo, pdftoppm) is missing: apt install poppler-utils",
    ),
    pytest.mark.skipif(
        _pango_missing(), reason="Pango is missing for WeasyPrint: apt-get install libpango-1.0-0"
    ),
]
EM_BOX = 1.448  # Noto CJK ascent + descent, in em
MIN_PT = 7.9
PERIOD = 2024
PROVINCE = "990000"
COUNTY = "990323"  # the demo county with the most gaps


@cache
def _source():  # type: ignore[no-untyped-def]
    return demo_source(period=PERIOD)


@cache
def _demo_boundaries() -> dict:
    from assessment.demo import demo_boundaries

    return {f["properties"]["code"]: f["geometry"] for f in demo_boundaries()["features"]}


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The evaluation report (zh) and two letters (zh, en), written once for the module."""
    out = tmp_path_factory.mktemp("pdf")
    src = _source()
    made = {
        "report": report_pdf(
            "evaluation", src, PROVINCE, PERIOD, "zh", boundaries=_demo_boundaries(), fictional=True
        ),
        "letter": report_pdf("feedback", src, COUNTY, PERIOD, "zh", fictional=True),
        "letter_en": report_pdf("feedback", src, "990102", PERIOD, "en"),
    }
    paths = {}
    for key, (name, data) in made.items():
        assert name.endswith(".pdf")
        paths[key] = out / name
        paths[key].write_bytes(data)
    return paths


def _run(*argv: str) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


def _text(path: Path) -> str:
    return _run("pdftotext", "-layout", str(path), "-")


def _pages(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", _run("pdfinfo", str(path)))[1])  # type: ignore[index]


def _word_sizes(path: Path) -> list[tuple[float, str]]:
    xml = _run("pdftotext", "-bbox", str(path), "-")
    words = re.finditer(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', xml)
    return [((float(m[2]) - float(m[1])) / EM_BOX, m[3]) for m in words]


def test_size_heuristic_is_calibrated(tmp_path: Path) -> None:
    from assessment.reports.pdf import render

    sizes = (7.0, 8.0, 10.5)
    body = "".join(
        f"<p style=\"font: {s}pt 'Noto {face} CJK SC'\">字号 size {s}</p>"
        for s in sizes
        for face in ("Sans", "Serif")
    )
    path = tmp_path / "cal.pdf"
    path.write_bytes(render(f"<html><body>{body}</body></html>"))
    measured = [size for size, word in _word_sizes(path) if word == "字号"]
    assert len(measured) == 6
    for got, want in zip(measured, [s for s in sizes for _ in (0, 1)], strict=True):
        assert abs(got - want) < 0.1, (got, want)


def test_report_has_every_section_and_the_workbooks_figures(pdfs: dict[str, Path]) -> None:
    text = _text(pdfs["report"])
    for title in (
        "基本公共服务标准达标评估报告",
        "目录",
        "一、总体情况",
        "二、达标状况分布图",
        "A1 幼有所育",
        "A9 文体服务保障",
        "三、地区排名",
        "四、差距最大的指标",
        "五、均等化程度",
        "组间占比",
        "六、补齐差距的成本",
        "其中中央财政",
        "八、报送完整性与及时性",
        "附录：评估方法与指标目录",
        "虚构数据",
        "北京时间",
        "第 2 页 / 共",
    ):
        assert title in text, title
    assert "七、整改措施" not in text, "the actions section appears only when actions are given"
    assert "UTC" not in text
    src = _source()
    data = evaluation_data(
        src.values, src.edition, src.tree, src.standards, jurisdiction=PROVINCE, period=PERIOD
    )
    tables = evaluation_tables(data)
    figures = {label: value for label, value, _ in tables.figures}
    assert f"{figures['地区平均总得分']:.1f}" in text
    assert f"{figures['补齐适用标准成本（元，示意）']:,.0f}" in text
    assert f"{figures['其中地方财政（元）']:,.0f}" in text
    top = tables.ranking.iloc[0]
    assert re.search(rf"1\s+{top['region']}\s+{top['parent']}\s+{top['overall_score']:.1f}", text)
    for name in tables.ranking["region"]:
        assert name in text


def test_report_pages_fonts_and_sizes(pdfs: dict[str, Path], tmp_path: Path) -> None:
    path = pdfs["report"]
    assert 20 <= _pages(path) <= 45
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts, "text is drawn with fonts"
    for row in fonts:
        assert row.split()[-5] == "yes", f"font not embedded: {row}"
        assert "Noto" in row
    small = [(round(s, 2), w) for s, w in _word_sizes(path) if s < MIN_PT]
    assert not small, f"text below 8 pt: {small[:10]}"
    _run("pdftoppm", "-r", "40", "-f", "1", "-l", "4", "-png", str(path), str(tmp_path / "p"))
    pngs = sorted(tmp_path.glob("p-*.png"))
    assert len(pngs) == 4 and all(p.stat().st_size > 2000 for p in pngs)


def test_letter_shows_the_county_and_no_other_regions_figures(pdfs: dict[str, Path]) -> None:
    path = pdfs["letter"]
    assert 2 <= _pages(path) <= 4
    text = _text(path)
    src = _source()
    for title in (
        "反馈函",
        "丙峰自治县",
        "一、总体情况",
        "二、需要优先解决的问题",
        "三、变化趋势",
        "四、在同级地区中的位置",
        "五、下一评估期前的工作要求",
    ):
        assert title in text, title
    data = feedback_data(src.values, src.edition, src.tree, src.standards, region=COUNTY, period=PERIOD)
    aggs = data.aggregates
    own = aggs.loc[(aggs["level"] == "overall") & (aggs["region_code"].astype(str) == COUNTY)].iloc[0]
    assert f"总得分 {own['score']:.1f} 分" in text
    ancestors = {COUNTY, *(r.code for r in src.tree.ancestors(COUNTY))}
    others = [r.name_zh for r in src.tree if r.code not in ancestors]
    assert not [n for n in others if n in text], "no other region is named in a county's letter"
    small = [(round(s, 2), w) for s, w in _word_sizes(path) if s < MIN_PT]
    assert not small, f"text below 8 pt: {small[:10]}"


def test_english_letter_has_no_chinese_labels(pdfs: dict[str, Path]) -> None:
    text = _text(pdfs["letter_en"])
    assert "Place among peers" in text and "Page 1 of" in text
    assert "Jiacheng District" in text
    assert not re.search(r"[\u3400-\u9fff]", text), "an English letter has no Chinese text"


def test_cli_writes_the_letter_and_refuses_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "letter.pdf"
    argv = ["report", "--region", "990102", "--period", "2024", "--format", "pdf", "--demo", "-o"]
    assert main([*argv, str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    assert "反馈函（PDF）" in capsys.readouterr().err
    for bad in (["--region", "123456", "--period", "2024"], ["--jurisdiction", "990000", "--period", "2030"]):
        target = tmp_path / "bad.pdf"
        assert main(["report", *bad, "--format", "pdf", "--demo", "-o", str(target)]) == 1
        err = capsys.readouterr().err
        assert (
            "Traceback" not in err
            and re.search(r"[\u4e00-\u9fff]", err)
            and ("Unknown" in err or "no data" in err)
        )
        assert not target.exists()


def test_pdf_from_the_database_is_audited(demo_env: str) -> None:
    with Store(demo_env) as store:
        before = len(store.audit_log(action="export"))
        name, data = build_report(store, "demo-jia", "feedback", "990102", PERIOD, fmt="pdf")
        log = store.audit_log(action="export")
    assert name == "feedback_990102_2024_CN-2023_zh.pdf" and data[:5] == b"%PDF-"
    assert len(log) == before + 1 and log.iloc[-1]["actor"] == "demo-jia"
