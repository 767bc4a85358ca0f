"""The evaluation report workbook (issue 8 item 1): sheets, figures, colours, formats, print setup.

The demo province (CN-2021, 20 counties) is scored once per module; every figure read back from
the workbook is compared with the scoring output it came from.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree, synthetic_values
from assessment.domain.errors import DataFileError
from assessment.reports import STATUS_COLOURS, evaluation_workbook, suggested_filename
from assessment.reports.context import evaluation_data
from assessment.reports.evaluation import write_evaluation
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import full_values

PERIOD = 2024
EN_SHEETS = [
    "Cover",
    "Summary",
    "Ranking",
    "A1 Childcare",
    "A2 Education",
    "A3 Employment and labour",
    "A4 Medical care",
    "A5 Elderly care",
    "A6 Housing",
    "A7 Support for vulnerable group",
    "A8 Services for military person",
    "A9 Culture and sports services",
    "Gaps and cost",
    "Equity",
    "Completeness",
    "Indicators",
    "Data",
    "Accountability",
    "Early warnings",  # the demo has indicators falling toward the floor; it has no actions (no database)
]


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def header_row(ws) -> int:
    """The table's header row: the row repeated on every printed page."""
    return int(ws.print_title_rows.split(":")[0].strip("$"))


def header(ws) -> dict[str, int]:
    """Header label -> 1-based column."""
    return {c.value: c.column for c in ws[header_row(ws)] if c.value is not None}


def table(ws) -> pd.DataFrame:
    """The table under the header row (visible and hidden columns), as read back."""
    rows = list(ws.iter_rows(min_row=header_row(ws), values_only=True))
    labels = [str(v) if v is not None else f"_{i}" for i, v in enumerate(rows[0])]
    body = [r for r in rows[1:] if any(v is not None for v in r)]
    return pd.DataFrame(body, columns=labels)


@pytest.fixture(scope="module")
def demo() -> SimpleNamespace:
    edition = load_edition("CN-2021")
    tree = demo_tree()
    stds = demo_local_standards(edition)
    values = synthetic_values(edition, tree)
    data = evaluation_data(values, edition, tree, stds, jurisdiction="990000", period=PERIOD, lang="en")
    xlsx = write_evaluation(data)
    return SimpleNamespace(
        edition=edition, tree=tree, stds=stds, values=values, data=data, xlsx=xlsx, wb=load(xlsx)
    )


def test_sheets_and_their_order(demo: SimpleNamespace) -> None:
    assert demo.wb.sheetnames == EN_SHEETS


def test_chinese_workbook_has_chinese_sheets(demo: SimpleNamespace) -> None:
    xlsx = evaluation_workbook(
        demo.values, demo.edition, demo.tree, demo.stds, jurisdiction="990100", period=PERIOD, lang="zh"
    )
    wb = load(xlsx)
    assert wb.sheetnames[:3] == ["封面", "摘要", "排名"] and "A1 幼有所育" in wb.sheetnames
    ranking = table(wb["排名"])
    assert set(ranking["地区代码"]) == {r.code for r in demo.tree.children("990100")}  # only its counties


def test_edition_on_every_sheet(demo: SimpleNamespace) -> None:
    for ws in demo.wb.worksheets:
        assert "CN-2021" in ws.oddFooter.left.text, ws.title
        assert ws.oddFooter.center.text, ws.title  # page numbers
        if ws.title != "Cover":
            assert "CN-2021" in ws["A1"].value, ws.title
    cover = {r[0]: r[1] for r in demo.wb["Cover"].iter_rows(values_only=True) if r[0]}
    assert cover["Edition"].startswith("CN-2021")
    assert cover["Jurisdiction"] == "Sample Province (990000)"
    assert cover["Period"] == PERIOD


def test_ranking_equals_the_aggregates(demo: SimpleNamespace) -> None:
    ranking = table(demo.wb["Ranking"])
    aggs = demo.data.aggregates
    overall = aggs.loc[aggs["level"] == "overall"].set_index(
        aggs.loc[aggs["level"] == "overall", "region_code"]
    )
    assert len(ranking) == 20
    for _, row in ranking.iterrows():
        want = overall.loc[row["Region code"]]
        if np.isnan(want["score"]):
            assert pd.isna(row["Overall score"]) and row["Status"] == "Insufficient data"
        else:
            assert row["Overall score"] == pytest.approx(want["score"])
            assert row["Rank in province"] == want["rank_in_level"]
    ranked = ranking["Rank in province"].dropna().tolist()
    assert ranked == sorted(ranked), "regions are listed by rank"
    a4 = aggs.loc[(aggs["level"] == "aspect") & (aggs["code"] == "A4")].set_index("region_code")["score"]
    got = ranking.set_index("Region code")["A4 Medical care"].astype("float64")
    np.testing.assert_allclose(got.reindex(a4.index).to_numpy(), a4.to_numpy())


def test_aspect_sheet_equals_item_scores(demo: SimpleNamespace) -> None:
    ws = demo.wb["A4 Medical care"]
    labels = header(ws)
    aggs = demo.data.aggregates
    items = aggs.loc[aggs["level"] == "item"].set_index(["region_code", "code"])
    checked = 0
    for row in ws.iter_rows(min_row=5, values_only=True):
        code = row[0]
        for label, col in labels.items():
            m = re.match(r"(S\d\d) ", label)
            if not m:
                continue
            want = items["score"].get((code, m.group(1)), np.nan)
            got = row[col - 1]
            if np.isnan(want):
                assert got is None
            else:
                assert got == pytest.approx(want)
                checked += 1
    assert checked > 200


def test_gaps_and_costs_equal_the_costing(demo: SimpleNamespace) -> None:
    gaps = table(demo.wb["Gaps and cost"])
    gaps = gaps.loc[gaps["Region code"].astype("string").str.match(r"^\d{6}$").fillna(False)]
    scores = demo.data.scores
    failing = scores["status"].astype("string").isin(["below_floor", "below_local"])
    assert len(gaps) == int(failing.sum())
    assert gaps["Cost to reach standard (CNY)"].astype("float64").sum() == pytest.approx(
        demo.data.costs["cost_total"].sum()
    )
    assert gaps["Of which central (CNY)"].astype("float64").sum() == pytest.approx(
        demo.data.costs["cost_central"].sum()
    )
    severity = gaps["Status"].map({"Below the national floor": 0, "Below the local standard": 1})
    assert severity.is_monotonic_increasing, "gaps below the floor come first"
    row = gaps.iloc[0]
    s = scores.set_index(["region_code", "indicator_code"]).loc[(row["Region code"], row["Indicator code"])]
    assert row["Value"] == pytest.approx(s["value"]) and row["Gap to floor"] == pytest.approx(s["gap_floor"])


def test_data_sheet_holds_every_reported_value(demo: SimpleNamespace) -> None:
    data = table(demo.wb["Data"])
    reported = demo.data.scores.loc[demo.data.scores["value"].notna()]
    assert len(data) == len(reported)
    merged = data.merge(
        reported.astype({"region_code": "string", "indicator_code": "string"}),
        left_on=["Region code", "Indicator code"],
        right_on=["region_code", "indicator_code"],
    )
    assert len(merged) == len(reported)
    np.testing.assert_allclose(merged["Value"].astype("float64"), merged["value"])


def test_summary_headline_figures(demo: SimpleNamespace) -> None:
    ws = demo.wb["Summary"]
    figures = {r[0]: r[1] for r in ws.iter_rows(min_row=5, max_row=30, values_only=True) if r[0]}
    overall = demo.data.aggregates.loc[demo.data.aggregates["level"] == "overall"]
    assert figures["Regions assessed"] == 20
    assert figures["Mean overall score of regions"] == pytest.approx(overall["score"].mean())
    assert figures["Regions below the floor on at least one indicator"] == int(
        (overall["n_below_floor"] > 0).sum()
    )
    assert figures["Cost to reach the binding standard (CNY, indicative)"] == pytest.approx(
        demo.data.costs["cost_total"].sum()
    )
    assert figures["Regions not reported this period"] == 1  # the demo's never-reporting county


def test_summary_lists_the_lowest_ranked_regions(demo: SimpleNamespace) -> None:
    rows = list(demo.wb["Summary"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "Regions with the lowest overall scores")
    body = rows[start + 2 : start + 12]
    overall = demo.data.aggregates.loc[demo.data.aggregates["level"] == "overall"]
    lowest = overall.nsmallest(10, "score")
    assert [r[1] for r in body] == lowest["region_code"].tolist()
    assert [r[5] for r in body] == pytest.approx(lowest["score"].tolist())


def _rules(ws) -> list[tuple[str, str, str]]:
    out = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            out.append((str(cf.sqref), rule.formula[0], rule.dxf.fill.bgColor.rgb))
    return out


def test_status_colours_are_the_dashboard_palette(demo: SimpleNamespace) -> None:
    ws = demo.wb["Ranking"]
    rules = _rules(ws)
    assert rules, "the ranking is coloured by conditional formatting"
    for _, formula, colour in rules:
        status = re.search(r'="(\w+)"', formula).group(1)
        assert colour.endswith(STATUS_COLOURS[status].lstrip("#").upper())
    # the rule for the overall status reads the hidden key column, which holds the aggregate status
    _, formula, _ = next(r for r in rules if r[0].startswith("E4"))
    key_col = re.match(r"\$([A-Z]+)4", formula).group(1)
    assert ws.column_dimensions[key_col].hidden
    keys = [ws[f"{key_col}{r}"].value for r in range(4, 24)]
    codes = [ws[f"B{r}"].value for r in range(4, 24)]
    aggs = demo.data.aggregates
    status = aggs.loc[aggs["level"] == "overall"].set_index("region_code")["status"].astype("string")
    assert keys == [status[c] for c in codes]


def test_palette_matches_the_dashboard() -> None:
    charts = pytest.importorskip("ui.charts")
    for status, colour in STATUS_COLOURS.items():
        assert charts.STATUS_COLOURS[status].lower() == colour.lower()


def test_numbers_are_numbers_with_formats(demo: SimpleNamespace) -> None:
    ws = demo.wb["Ranking"]
    labels = header(ws)
    first = header_row(ws) + 1
    score = ws.cell(first, labels["Overall score"])
    coverage = ws.cell(first, labels["Coverage"])
    assert isinstance(score.value, float) and score.number_format == "0.0"
    assert isinstance(coverage.value, int | float) and coverage.number_format == "0.0%"
    gaps = demo.wb["Gaps and cost"]
    glabels = header(gaps)
    first = header_row(gaps) + 1
    assert gaps.cell(first, glabels["Cost to reach floor (CNY)"]).number_format in ("#,##0", "General")
    value = gaps.cell(first, glabels["Value"])
    assert isinstance(value.value, int | float) and value.number_format == "#,##0.00"
    assert gaps.cell(first, glabels["Relative gap"]).number_format == "0.0%"


def test_print_setup_and_frozen_headers(demo: SimpleNamespace) -> None:
    for ws in demo.wb.worksheets:  # the print rules themselves: tests/integration/test_workbook_print.py
        assert int(ws.page_setup.paperSize) == 9, ws.title  # A4
        if ws.sheet_properties.pageSetUpPr.fitToPage:
            assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        if ws.title in ("Cover", "Summary"):
            continue
        assert ws.freeze_panes is not None, ws.title
        row = header_row(ws)
        assert ws.print_title_rows == f"${row}:${row}", ws.title
        assert ws.freeze_panes.endswith(str(row + 1)), ws.title
        assert ws.auto_filter.ref, ws.title
    assert demo.wb["Ranking"].freeze_panes == "E4"
    assert demo.wb["Ranking"].column_dimensions["C"].width >= 15


def test_unconfirmed_floors_are_marked(demo: SimpleNamespace) -> None:
    ind = table(demo.wb["Indicators"]).set_index("Indicator code")
    for i in demo.edition.indicators:
        want = (
            "No national floor"
            if i.national_floor is None
            else ("Confirmed" if i.floor_confirmed else "Unconfirmed")
        )
        assert ind.loc[i.code, "Floor confirmed"] == want
    weak_items = {
        i.item_code for i in demo.edition.indicators if i.national_floor is not None and not i.floor_confirmed
    }
    for label in header(demo.wb["A1 Childcare"]):
        m = re.match(r"(S\d\d) ", label)
        if m:
            assert label.endswith("†") == (m.group(1) in weak_items), label
    gaps = table(demo.wb["Gaps and cost"]).dropna(subset=["Indicator code"])
    weak = gaps["Indicator code"].map(
        {i.code: i.national_floor is not None and not i.floor_confirmed for i in demo.edition.indicators}
    )
    assert (gaps.loc[weak.astype(bool), "Floor confirmed"] == "Unconfirmed").all()


def test_no_formulas_hyperlinks_or_external_links(demo: SimpleNamespace) -> None:
    with zipfile.ZipFile(io.BytesIO(demo.xlsx)) as zf:
        names = zf.namelist()
        assert not [n for n in names if "externalLink" in n]
        for name in names:
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = zf.read(name).decode("utf-8")
                assert "<f>" not in xml and "<f " not in xml, name
                assert "<hyperlink" not in xml, name


def test_completeness_frame_from_the_store_is_used() -> None:
    values = full_values(2024)
    values = values.loc[values["region_code"] != "990202"]
    comp = pd.DataFrame(
        {
            "region_code": ["990101", "990102", "990201", "990202"],
            "status": ["reported", "late", "reported", "never_reported"],
            "first_uploaded_at": pd.to_datetime(
                ["2025-03-01 10:00", "2025-04-05 09:00", "2025-03-02 08:00", None], utc=True
            ),
            "days_late": [np.nan, 5.0, np.nan, np.nan],
            "latest_version": pd.array([1, 2, 1, None], dtype="Int64"),
            "latest_status": ["approved", "submitted", "approved", None],
            "approved_version": pd.array([1, None, 1, None], dtype="Int64"),
        }
    )
    xlsx = evaluation_workbook(
        values, EDITION, TREE, (), jurisdiction="990000", period=2024, lang="en", completeness=comp
    )
    wb = load(xlsx)
    sheet = table(wb["Completeness"]).set_index("Region code")
    assert sheet.loc["990102", "Reporting status"] == "Reported late"
    assert sheet.loc["990102", "Days late"] == 5
    assert sheet.loc["990102", "Latest version status"] == "Awaiting review"
    assert sheet.loc["990202", "Reporting status"] == "Never reported"
    figures = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=5, max_row=30, values_only=True) if r[0]}
    assert figures["Regions reported late"] == 1
    assert figures["Regions reported (incl. awaiting review)"] == 3  # on time and late
    assert figures["Regions approved"] == 2 and figures["Regions awaiting review"] == 1
    assert figures["Regions returned for correction"] == 0


def test_completeness_sheet_counts_the_indicators_of_partial_reports() -> None:
    values = full_values(2024)
    total = len(EDITION.indicators)
    comp = pd.DataFrame(
        {
            "region_code": ["990101", "990102", "990201", "990202"],
            "status": ["reported", "late", "reported", "never_reported"],
            "latest_version": pd.array([1, 2, 1, None], dtype="Int64"),
            "latest_status": ["approved", "submitted", "approved", None],
            "indicators_reported": pd.array([total, 2, total, None], dtype="Int64"),
            "indicators_expected": pd.array([total] * 4, dtype="Int64"),
            "partial": [False, True, False, False],
        }
    )
    for lang, want in [
        (
            "en",
            (
                "Indicators reported",
                "Indicators expected",
                "1 of the reports are partial",
                "Of which partial",
            ),
        ),
        ("zh", ("已报指标数", "应报指标数", "其中 1 个地区的最新版本只报送了部分指标", "其中只报送部分指标")),
    ]:
        xlsx = evaluation_workbook(
            values, EDITION, TREE, (), jurisdiction="990000", period=2024, lang=lang, completeness=comp
        )
        wb = load(xlsx)
        ws = wb.worksheets[
            [s.title for s in wb.worksheets].index("Completeness" if lang == "en" else "报送情况")
        ]
        note = str(ws.cell(2, 1).value)
        assert want[2] in note and str(total) in note
        sheet = table(ws)
        shown = sheet.set_index(sheet.columns[0])
        assert list(sheet.columns[-2:]) == list(want[:2]), "the counts come last"
        assert shown.loc["990102", want[0]] == 2 and shown.loc["990102", want[1]] == total
        assert shown.loc["990101", want[0]] == total and pd.isna(shown.loc["990202", want[0]])
        summary = wb.worksheets[1]
        figures = {r[0]: r[1] for r in summary.iter_rows(min_row=5, max_row=30, values_only=True) if r[0]}
        assert [v for k, v in figures.items() if k.startswith(want[3])] == [1]


def test_completeness_sheet_without_counts_notes_nothing_partial(demo: SimpleNamespace) -> None:
    ws = demo.wb["Completeness"]
    sheet = table(ws)
    # without counts the columns would be empty: they are left out, and the note says so
    assert "Indicators reported" not in sheet.columns and "Indicators expected" not in sheet.columns
    note = " ".join(str(c.value) for c in ws[2] if c.value)
    assert "partial" not in note and "Indicators reported" in note
    figures = {
        r[0]: r[1] for r in demo.wb["Summary"].iter_rows(min_row=5, max_row=30, values_only=True) if r[0]
    }
    assert figures["Of which partial reports (fewer indicators than the edition)"] is None


BAD_INPUT = [
    # (kwargs, problem code)
    ({"jurisdiction": "999999"}, "reports.error.unknown_region"),
    ({"period": 2019}, "reports.error.unknown_period"),
    ({"jurisdiction": "990200"}, "reports.error.no_data_in_scope"),  # its counties sent nothing
    ({"lang": "fr"}, "reports.error.bad_lang"),
]


@pytest.mark.parametrize(("kwargs", "code"), BAD_INPUT)
def test_bad_input_gets_a_clear_message(kwargs: dict, code: str) -> None:
    values = full_values(2024)
    values = values.loc[values["region_code"].isin(["990101", "990102"])]
    args = {"jurisdiction": "990000", "period": 2024, "lang": "en", **kwargs}
    with pytest.raises(DataFileError) as err:
        evaluation_workbook(values, EDITION, TREE, (), **args)
    problem = err.value.problems[0]
    assert problem.code == code
    assert problem.message_zh and problem.message_en and "{" not in problem.message_en


def test_no_values_at_all_is_refused() -> None:
    empty = full_values(2024).iloc[0:0]
    with pytest.raises(DataFileError, match="no data yet"):
        evaluation_workbook(empty, EDITION, TREE, (), jurisdiction="990000", period=2024, lang="en")
    with pytest.raises(DataFileError, match="lacks the columns"):
        evaluation_workbook(
            empty.drop(columns=["value"]), EDITION, TREE, (), jurisdiction="990000", period=2024
        )


def test_suggested_filename_carries_region_period_and_edition() -> None:
    assert (
        suggested_filename("evaluation", "990000", 2024, "CN-2021", "zh")
        == "evaluation_990000_2024_CN-2021_zh.xlsx"
    )
    assert suggested_filename("feedback", "../x y", 2024, "CN/2021") == "feedback_x-y_2024_CN-2021.xlsx"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed here")
def test_libreoffice_converts_the_workbook_to_pdf(tmp_path: Path) -> None:
    values = pd.concat([full_values(2023), full_values(2024, scale=1.1)], ignore_index=True)
    xlsx = evaluation_workbook(values, EDITION, TREE, (), jurisdiction="990000", period=2024, lang="zh")
    src = tmp_path / "report.xlsx"
    src.write_bytes(xlsx)
    profile = (tmp_path / "lo-profile").as_uri()
    done = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        capture_output=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "report.pdf"
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF"), done.stdout.decode(errors="replace")
    assert pdf.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("jurisdiction", "lang", "header"),
    [
        ("990100", "zh", "市内排名"),
        ("990100", "en", "Rank in prefecture"),
        ("990000", "en", "Rank in province"),
    ],
)
def test_rank_columns_name_where_the_rank_is_taken(jurisdiction: str, lang: str, header: str) -> None:
    """A prefecture's report ranks its counties within the prefecture, and says so (issue 16, point 7)."""
    xlsx = evaluation_workbook(
        full_values(2024), EDITION, TREE, (), jurisdiction=jurisdiction, period=2024, lang=lang
    )
    wb = load(xlsx)
    ranking = table(wb.worksheets[2])
    assert ranking.columns[0] == header
    assert sorted(ranking[header].dropna().astype(int)) == list(range(1, ranking[header].notna().sum() + 1))
