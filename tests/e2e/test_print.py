"""Browser: a dashboard page printed from Chromium (issue 18 point 5, the print stylesheet of
ui/chrome.py).

The provincial evaluator's overview in Chinese is printed to PDF with Playwright's ``page.pdf()``
(print media, the stylesheet's landscape A4) and read back with poppler: the page's title and its
figures are on paper, the sidebar's links and the sign-out button are not. The PDF's pages are
rendered to PNG beside the screenshots to be looked at.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.e2e.conftest import SHOTS, demo_sign_in, go_to

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) is not installed"
)


def _pdf_text(path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def test_the_overview_prints_without_the_sidebar(page, app_url: str, tmp_path) -> None:
    demo_sign_in(page, app_url, "demo-province", lang="zh")
    go_to(page, "overview")
    page.wait_for_selector("[data-testid='stPlotlyChart']")
    page.wait_for_timeout(1500)  # the charts draw after the script has run
    main = page.inner_text("[data-testid='stMain']")
    sidebar = page.inner_text("[data-testid='stSidebar']")
    only_sidebar = [
        line.strip() for line in sidebar.splitlines() if len(line.strip()) >= 2 and line.strip() not in main
    ]
    assert only_sidebar, "the sidebar has text of its own (navigation, the signed-in user)"
    pdf = tmp_path / "overview.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    text = _pdf_text(pdf)
    assert "总览" in text  # the page's title
    assert "示例省" in text
    # a sidebar line on paper would stand alone; inside a longer text ("管理" in "孕产妇系统管理率", a
    # cell of a table the page prints whole) it is the page's own
    printed = {part.strip() for row in text.splitlines() for part in re.split(r"\s{2,}", row) if part.strip()}
    leaked = [line for line in only_sidebar if line in printed]
    assert not leaked, leaked
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True).stdout.decode()
    size = next(line for line in info.splitlines() if line.startswith("Page size"))
    width, height = (float(v) for v in size.split(":")[1].split("pts")[0].split(" x "))
    assert width > height and abs(width - 841.9) < 2, size  # landscape A4
    pages = int(next(line for line in info.splitlines() if line.startswith("Pages")).split()[-1])
    assert 1 <= pages <= 12, pages
    shutil.copy(pdf, SHOTS / "print-overview-zh.pdf")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(SHOTS / "print-overview-zh")], check=True)


def test_a_long_table_prints_every_row(page, app_url: str, tmp_path) -> None:
    """A table drawn with ``st.dataframe`` is a canvas grid that shows about ten rows and scrolls;
    its print-only twin (ui/print_tables.py) is hidden on screen and puts every row on paper."""
    demo_sign_in(page, app_url, "demo-province", lang="zh")
    go_to(page, "region")
    page.wait_for_selector("[data-testid='stDataFrame']")
    page.wait_for_timeout(1500)
    copies = page.locator(".print-copy")
    assert copies.count() >= 1
    assert not copies.first.is_visible()  # nothing on screen but the grid
    rows = page.eval_on_selector_all(".print-copy tbody tr", "els => els.map(e => e.textContent)")
    hint = "国家底线数值未经核实"  # a data-quality hint: a cell of one table only, not of any chart
    expected = sum(hint in row for row in rows)
    assert expected > 12, expected  # more rows than the grid shows without scrolling
    pdf = tmp_path / "region.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    assert text.count(hint) == expected
    shutil.copy(pdf, SHOTS / "print-region-zh.pdf")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(SHOTS / "print-region-zh")], check=True)
