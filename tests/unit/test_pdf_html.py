"""The HTML and chart builders of the PDF reports (issue 18), without rendering a PDF."""

from __future__ import annotations

import base64
import dataclasses
import re

import pandas as pd
import pytest

from assessment.reports.pdf import Col, css_string, document, esc, fmt_number, page_counter, table, unit_text
from assessment.reports.pdf_charts import bar_chart, map_chart

EVIL = '<script>alert(1)</script>"</style>**x**'


@pytest.mark.parametrize(
    ("value", "fmt", "want"),
    [
        (88.5017, "0.0", "88.5"),
        (21043807.2, "#,##0", "21,043,807"),
        (0.4254, "0.0%", "42.5%"),
        (1234.5, "#,##0.00", "1,234.50"),
        (0.12345, "0.000", "0.123"),
        (None, "0.0", "—"),
        (float("nan"), "#,##0", "—"),
        (pd.NA, None, "—"),
        ("<b>", "0.0", "&lt;b&gt;"),
    ],
)
def test_numbers_read_as_the_workbooks_cells(value: object, fmt: str | None, want: str) -> None:
    assert fmt_number(value, fmt) == want


def test_table_escapes_text_and_colours_by_status_key() -> None:
    frame = pd.DataFrame({"region": [EVIL], "score": [50.0], "k": ["below_floor"]})
    html = table(frame, [Col("region", "地区<"), Col("score", "得分", "0.0", "k")])
    assert "<script>" not in html and "&lt;script&gt;" in html and "地区&lt;" in html
    assert '<td class="n s-below_floor">50.0</td>' in html


def test_running_header_text_cannot_leave_its_css_string() -> None:
    quoted = css_string(EVIL)
    assert quoted.startswith('"') and quoted.endswith('"')
    inner = quoted[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner
    doc = document("标题", EVIL, "CN-2023", ["<p>x</p>"], "zh")
    assert doc.count("</style>") == 1 and "<script>" not in doc


def test_page_label_uses_the_page_counters() -> None:
    assert (
        page_counter("第 {page} 页 / 共 {pages} 页") == '"第 " counter(page) " 页 / 共 " counter(pages) " 页"'
    )
    assert page_counter("Page {page} of {pages}") == '"Page " counter(page) " of " counter(pages)'


def test_units_in_one_language() -> None:
    assert unit_text("元/人·年 CNY/person/yr", "zh") == "元/人·年"
    assert unit_text("元/人·年 CNY/person/yr", "en") == "CNY/person/yr"
    assert unit_text("是=1 否=0 (yes=1 no=0)", "zh") == "是=1 否=0"
    assert unit_text(pd.NA, "zh") is pd.NA
    assert esc(None) == "—"


def _svg(img: str) -> str:
    data = re.search(r"base64,([A-Za-z0-9+/=]+)", img)
    assert data is not None
    return base64.b64decode(data[1]).decode("utf-8")


def test_bar_chart_is_vector_with_text_at_print_size() -> None:
    img = bar_chart(["A1 幼有所育", "A2 学有所教"], [91.1, None], ["meets", "no_data"], xlabel="平均得分")
    assert 'style="width:170mm;' in img
    svg = _svg(img)
    assert "<text" in svg and "幼有所育" in svg and "—" in svg  # text stays text (svg.fonttype none)
    # drawn at its printed width (170 mm = 481.9 pt), one user unit is one point on paper
    assert re.search(r'width="481\.88\d*pt"', svg)
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    assert sizes and min(sizes) >= 8


def test_map_colours_regions_and_is_none_without_boundaries() -> None:
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    img = map_chart({"990102": square}, {"990102": "below_floor", "990103": "meets"}, labels={"990102": EVIL})
    assert img is not None
    svg = _svg(img)
    assert "#d55e00" in svg and "<script>" not in svg
    assert map_chart({}, {"990102": "meets"}) is None


def test_letter_html_escapes_a_region_name() -> None:
    from assessment.domain.model import RegionTree
    from assessment.reports.context import feedback_data
    from assessment.reports.pdf_letter import letter_html
    from assessment.reports.service import demo_source

    src = demo_source(period=2024)
    regions = tuple(dataclasses.replace(r, name_zh=EVIL) if r.code == "990102" else r for r in src.tree)
    tree = RegionTree(regions)
    data = feedback_data(src.values, src.edition, tree, src.standards, region="990102", period=2024)
    html = letter_html(data)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.count("</style>") == 1


def test_corrective_actions_section_only_when_given_and_escaped() -> None:
    from assessment.reports.context import evaluation_data
    from assessment.reports.pdf_report import evaluation_html
    from assessment.reports.service import demo_source

    src = demo_source(period=2024)
    data = evaluation_data(
        src.values, src.edition, src.tree, src.standards, jurisdiction="990100", period=2024
    )
    without = evaluation_html(data)
    assert 'id="actions"' not in without
    actions = pd.DataFrame(
        {
            "region_code": ["990102", "990102", "990321"],
            "period": [2024, 2023, 2024],
            "indicator_code": [src.edition.indicators[0].code] * 3,
            "measures": [EVIL, "上一期的措施", "辖区外的措施"],
            "department": ["卫生健康委", "卫生健康委", "民政局"],
            "budget_total": [120000.0, 1.0, 1.0],
            "due_period": [2025, 2024, 2025],
            "status": ["in_progress", "done", "in_progress"],
            "outcome": ["open", "escalated", "open"],
        }
    )
    html = evaluation_html(data, actions=actions)
    section = html[html.index('id="actions"') :]
    assert "七、整改措施" in section and "120,000" in section and "&lt;script&gt;" in section
    assert "<script>" not in html
    assert "辖区外的措施" not in section  # other regions
    # actions on earlier gaps stay in the report with what the figures say of them, the escalated first
    assert section.index("上一期的措施") < section.index("120,000")
    assert "到期仍未达标（已上报上级）" in section and "推进中" in section
