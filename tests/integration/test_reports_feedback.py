"""The feedback workbook of one region (issue 8 item 2): its scores, gaps, trends and priorities."""

from __future__ import annotations

import io
from types import SimpleNamespace

import numpy as np
import openpyxl
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree, synthetic_values
from assessment.domain.errors import DataFileError
from assessment.reports import feedback_workbook
from assessment.reports.context import feedback_data
from assessment.reports.feedback import TIERS, priorities_table, write_feedback

COUNTY = "990122"  # 甲西县, a county of Sample Jia City with gaps in the demo
PERIOD = 2024


def table(ws) -> pd.DataFrame:
    """The table under the header row (the row repeated on every printed page), as read back."""
    header_row = int(ws.print_title_rows.split(":")[0].strip("$"))
    rows = list(ws.iter_rows(min_row=header_row, values_only=True))
    labels = [str(v) if v is not None else f"_{i}" for i, v in enumerate(rows[0])]
    return pd.DataFrame([r for r in rows[1:] if any(v is not None for v in r)], columns=labels)


@pytest.fixture(scope="module")
def demo() -> SimpleNamespace:
    edition = load_edition("CN-2021")
    tree = demo_tree()
    stds = demo_local_standards(edition)
    values = synthetic_values(edition, tree)
    data = feedback_data(values, edition, tree, stds, region=COUNTY, period=PERIOD, lang="en")
    xlsx = write_feedback(data)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx))
    return SimpleNamespace(edition=edition, tree=tree, stds=stds, values=values, data=data, wb=wb)


def test_sheets(demo: SimpleNamespace) -> None:
    assert demo.wb.sheetnames == [
        "Cover",
        "Priorities",
        "Scores",
        "Indicator detail",
        "Gaps and cost",
        "Trends",
        "Actions",
    ]
    for ws in demo.wb.worksheets:
        assert "CN-2021" in ws.oddFooter.left.text


def test_only_the_regions_own_figures(demo: SimpleNamespace) -> None:
    own_and_above = {COUNTY, *(a.code for a in demo.tree.ancestors(COUNTY))}
    others = {r.name_en for r in demo.tree if r.code not in own_and_above}
    texts = {
        c.value
        for ws in demo.wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str)
    }
    assert not {t for t in texts if any(o in t for o in others)}, "another region's name leaked"
    codes = {r.code for r in demo.tree if r.code not in own_and_above}
    assert not (texts & codes)


def test_scores_equal_the_aggregates(demo: SimpleNamespace) -> None:
    sheet = table(demo.wb["Scores"])
    aggs = demo.data.aggregates
    own = aggs.loc[aggs["region_code"] == COUNTY]
    overall = own.loc[own["level"] == "overall"].iloc[0]
    first = sheet.iloc[0]
    assert first["Level"] == "Overall" and first["Score"] == pytest.approx(overall["score"])
    assert first["Rank in parent region"] == overall["rank_in_parent"]
    siblings = aggs.loc[(aggs["level"] == "overall") & (aggs["parent_code"] == "990100"), "score"]
    assert first["Siblings' mean"] == pytest.approx(siblings.mean())
    assert first["Siblings ranked"] == siblings.notna().sum()
    items = own.loc[own["level"] == "item"].set_index("code")["score"]
    rows = sheet.loc[sheet["Level"] == "Service item"]
    assert len(rows) == 80
    got = rows.set_index(rows["Name"].str.strip().str[:3])["Score"].astype("float64")
    np.testing.assert_allclose(got.reindex(items.index).to_numpy(), items.to_numpy())


def test_detail_lists_every_indicator_with_its_figures(demo: SimpleNamespace) -> None:
    detail = table(demo.wb["Indicator detail"]).set_index("Indicator code")
    s = demo.data.scores
    own = s.loc[s["region_code"] == COUNTY].set_index("indicator_code")
    assert len(detail) == len(demo.edition.indicators)
    for code in ("S01.1", "S05.1", "S15.2"):
        assert detail.loc[code, "Value"] == pytest.approx(own.loc[code, "value"])
        assert detail.loc[code, "Score"] == pytest.approx(own.loc[code, "score"])
        floor = own.loc[code, "national_floor"]
        assert (pd.isna(detail.loc[code, "National floor"]) and np.isnan(floor)) or detail.loc[
            code, "National floor"
        ] == pytest.approx(floor)


def test_priorities_follow_the_tiers(demo: SimpleNamespace) -> None:
    prio = priorities_table(demo.data)
    order = prio["tier_key"].map({k: i for i, k in enumerate(TIERS)})
    assert order.is_monotonic_increasing
    assert prio["priority"].tolist() == list(range(1, len(prio) + 1))
    s = demo.data.scores
    own = s.loc[s["region_code"] == COUNTY]
    below = set(own.loc[own["status"] == "below_floor", "indicator_code"].astype(str))
    assert below and set(prio.loc[prio["tier_key"] == "below_floor", "indicator_code"]) == below
    sheet = table(demo.wb["Priorities"])
    assert sheet["Priority"].tolist() == prio["priority"].tolist()
    assert sheet.iloc[0]["Tier"] == "1: below the national floor"


def test_trends_show_every_period(demo: SimpleNamespace) -> None:
    trends = table(demo.wb["Trends"]).set_index("Indicator code")
    assert {"2022", "2023", "2024", "Trend"} <= set(trends.columns)
    s = demo.data.scores_all  # the scored value: 100 x numerator / denominator for rates
    own = s.loc[(s["region_code"] == COUNTY) & (s["indicator_code"] == "S02.1")].set_index("period")["value"]
    for period in (2022, 2023, 2024):
        assert trends.loc["S02.1", str(period)] == pytest.approx(own.loc[period])


def test_prefecture_feedback_uses_rolled_up_values(demo: SimpleNamespace) -> None:
    xlsx = feedback_workbook(
        demo.values, demo.edition, demo.tree, demo.stds, region="990100", period=PERIOD, lang="en"
    )
    detail = table(openpyxl.load_workbook(io.BytesIO(xlsx))["Indicator detail"]).set_index("Indicator code")
    v = demo.values
    kids = [r.code for r in demo.tree.children("990100")]
    rows = v.loc[v["region_code"].isin(kids) & (v["period"] == PERIOD) & (v["indicator_code"] == "S02.1")]
    assert detail.loc["S02.1", "Value"] == pytest.approx(
        100 * rows["numerator"].sum() / rows["denominator"].sum()
    )


@pytest.mark.parametrize(
    ("region", "period", "code"),
    [
        ("990224", PERIOD, "reports.error.no_data_in_scope"),  # the demo county that never reports
        ("123456", PERIOD, "reports.error.unknown_region"),
        (COUNTY, 2031, "reports.error.unknown_period"),
    ],
)
def test_bad_input(demo: SimpleNamespace, region: str, period: int, code: str) -> None:
    with pytest.raises(DataFileError) as err:
        feedback_workbook(demo.values, demo.edition, demo.tree, demo.stds, region=region, period=period)
    assert err.value.problems[0].code == code
