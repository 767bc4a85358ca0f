"""The share of the gaps that carry a cost, beside every cost total (issue 19 point 7).

Rules: a gap is a row with a positive shortfall; it is costed when its cost_total is not NaN (a cost
of 0 is a cost); no gap means an undefined share, not 0%. The issue's case: 53 of 873 gaps costed,
"costed gaps: 53 of 873 (6%)". Then the places that show a total: overview, region page, workbook
summary and parent table, PDF, and the methodology page's worked example.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.catalogue import load_edition
from assessment.domain.errors import DataFileError
from assessment.domain.model import Region, RegionTree
from assessment.reports import summary as sm
from assessment.reports.context import evaluation_data
from assessment.reports.pdf_report import evaluation_html
from assessment.scoring.analysis import assess
from assessment.scoring.costing import (
    CostedShare,
    cost_to_close,
    costed_share,
    costed_share_by,
    costed_share_note,
    costed_share_texts,
    costed_share_value,
    share_text,
)
from assessment.scoring.indicators import score_indicators
from assessment.views import overview as ov
from assessment.views import region as rv
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import full_values, values_frame

NAN = float("nan")


def frame(shortfall: list[float], cost: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"shortfall": shortfall, "cost_total": cost})


def issue_case() -> pd.DataFrame:
    """873 gaps, 53 with a cost: the issue's demo figure."""
    return frame([1.0] * 873, [100.0] * 53 + [NAN] * 820)


# shortfalls, costs, (n_gaps, n_costed, share)
CASES = [
    ([], [], (0, 0, NAN)),  # no gap: undefined, not 0%
    ([2.0], [NAN], (1, 0, 0.0)),
    ([2.0], [0.0], (1, 1, 1.0)),  # a cost of 0 is a cost
    ([2.0, 0.0, 3.0], [10.0, NAN, NAN], (2, 1, 0.5)),  # a row without a shortfall is no gap
    ([0.0, 0.0], [NAN, NAN], (0, 0, NAN)),
    ([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, NAN], (4, 3, 0.75)),
    ([NAN, 1.0], [5.0, 5.0], (1, 1, 1.0)),  # an unknown shortfall is no gap
]


@pytest.mark.parametrize(("shortfall", "cost", "want"), CASES)
def test_costed_share_rules(shortfall: list[float], cost: list[float], want: tuple) -> None:
    got = costed_share(frame(shortfall, cost))
    assert (got.n_gaps, got.n_costed) == want[:2]
    assert (math.isnan(got.share) and math.isnan(want[2])) or got.share == pytest.approx(want[2])
    assert isinstance(got, tuple) and len(got) == 3  # (n_gaps, n_costed, share)


def test_the_issue_case() -> None:
    got = costed_share(issue_case())
    assert got == (873, 53, pytest.approx(53 / 873))
    assert costed_share_note(issue_case(), "zh") == "其中已测算成本的差距 53/873（6%）"
    assert costed_share_note(issue_case(), "en") == "costed gaps: 53 of 873 (6%)"
    assert costed_share_value(got, "zh") == "53/873（6%）"
    assert costed_share_value(got, "en") == "53 of 873 (6%)"


def test_no_gap_is_said_in_words() -> None:
    empty = frame([], [])
    assert costed_share_note(empty, "zh") == "没有需要测算成本的差距"
    assert costed_share_note(empty, "en") == "no gaps to cost"
    assert costed_share_value(empty, "en") == "–"


def test_thousands_are_grouped() -> None:
    assert costed_share_note(CostedShare(12_345, 1_234, 1_234 / 12_345), "en") == (
        "costed gaps: 1,234 of 12,345 (10%)"
    )


def test_a_frame_without_shortfall_counts_every_row_and_without_cost_is_refused() -> None:
    assert costed_share(pd.DataFrame({"cost_total": [1.0, NAN, NAN]})) == (3, 1, pytest.approx(1 / 3))
    with pytest.raises(DataFileError):
        costed_share(pd.DataFrame({"shortfall": [1.0]}))


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (53 / 873, "6%"),
        (0.004, "<1%"),  # never rounds a covered share down to nothing
        (0.996, ">99%"),  # never rounds an incomplete share up to all
        (1.0, "100%"),
        (0.0, "0%"),
        (0.5, "50%"),
        (NAN, "–"),
    ],
)
def test_share_text(share: float, text: str) -> None:
    assert share_text(share) == text


def test_by_group_and_texts() -> None:
    costs = frame([1.0, 1.0, 1.0, 0.0, 2.0], [5.0, NAN, NAN, NAN, 7.0]).assign(g=["a", "a", "b", "c", "b"])
    by = costed_share_by(costs, "g")
    assert by.loc["a"].tolist() == [2, 1, 0.5]
    assert by.loc["b"].tolist() == [2, 1, 0.5]
    assert by.loc["c", "n_gaps"] == 0 and np.isnan(by.loc["c", "share"])
    texts = costed_share_texts(costs, costs["g"], pd.Series(["b", "c", "z", None]), "en")
    assert texts == ["1 of 2 (50%)", "–", "–", "–"]


rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c"]),
        st.one_of(st.just(0.0), st.floats(0.01, 100)),
        st.one_of(st.just(NAN), st.floats(0, 1e6)),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_order_changes_nothing_and_groups_add_up(data: list, rnd) -> None:
    costs = pd.DataFrame(data, columns=["g", "shortfall", "cost_total"])
    whole = costed_share(costs)
    shuffled = list(data)
    rnd.shuffle(shuffled)
    again = costed_share(pd.DataFrame(shuffled, columns=["g", "shortfall", "cost_total"]))
    assert (whole.n_gaps, whole.n_costed) == (again.n_gaps, again.n_costed)
    by = costed_share_by(costs, "g") if len(costs) else None
    if by is not None:
        assert int(by["n_gaps"].sum()) == whole.n_gaps and int(by["n_costed"].sum()) == whole.n_costed
    assert 0 <= whole.n_costed <= whole.n_gaps


# -- the methodology page's worked example, through the real catalogue and costing ------------------
def test_methodology_worked_example() -> None:
    edition = load_edition("CN-2021")
    tree = RegionTree(
        (
            Region("990000", "测试省", "Test Province", "province", None, 10_000),
            Region("990101", "测试县", "Test County", "county", "990000", 10_000),
        )
    )
    values = values_frame(
        [
            ("990101", 2022, "S02.1", None, 430.0, 500.0),  # 86% of 500 mothers, floor 90
            ("990101", 2022, "S31.1", None, 6_000.0, 10_000.0),  # 60% of 10,000 residents, floor 62
            ("990101", 2022, "S31.2", 75.0),  # CNY 75 per resident, floor 79, population 10,000
            ("990101", 2022, "S79.1", 2.0),  # per-capita: not costed
            ("990101", 2022, "S10.2", None, 85.0, 100.0),  # no unit cost in the catalogue
        ]
    )
    costs = cost_to_close(score_indicators(values, edition, tree, []), edition, tree, against="floor")
    by_code = costs.set_index("indicator_code")["cost_total"]
    assert by_code["S02.1"] == pytest.approx(1_580) and by_code["S31.1"] == pytest.approx(15_800)
    assert by_code["S31.2"] == pytest.approx(40_000)
    assert costs["cost_total"].sum() == pytest.approx(57_380)
    assert costed_share_note(costs, "zh") == "其中已测算成本的差距 3/5（60%）"
    from assessment.domain.i18n import t

    for lang, money in (("zh", "57,380"), ("en", "57,380")):
        text = t("methodology.costed_share", lang)
        assert money in text and costed_share_note(costs, lang) in text


# -- the places that show a cost total ------------------------------------------------------------
def mixed_values() -> pd.DataFrame:
    """The fixture's four counties, with costed gaps (coverage S01.1 at 80% and 85% of 100 against
    90, unit cost 200) and uncosted ones (amount S03.1 below its floor, no denominator)."""
    v = full_values(2024, scale=0.5)
    low = v["indicator_code"].eq("S01.1") & v["region_code"].isin(["990101", "990201"])
    return v.assign(
        numerator=v["numerator"].mask(low, v["region_code"].map({"990101": 80.0, "990201": 85.0}))
    )


@pytest.fixture(scope="module")
def small() -> object:
    return assess(mixed_values(), EDITION, TREE, [])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_note_is_the_periods_share(small, lang: str) -> None:
    costs = small.costs[small.costs["period"] == 2024]
    share = costed_share(costs)
    assert 0 < share.n_costed < share.n_gaps, "the fixture has costed and uncosted gaps"
    head = ov.headline(small, 2024)
    assert (head.cost_indicators_priced, head.cost_indicators_unpriced) == (
        share.n_costed,
        share.n_gaps - share.n_costed,
    )
    assert ov.cost_note(head, lang) == costed_share_note(costs, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_region_page_total_and_note(small, lang: str) -> None:
    c = small.costs
    rows = c[(c["region_code"] == "990101") & (c["period"] == 2024)]
    assert 0 < costed_share(rows).n_costed < costed_share(rows).n_gaps
    text = rv.gaps_cost_note(small, "990101", 2024, lang)
    assert f"{rows['cost_total'].sum():,.0f}" in text
    assert costed_share_note(rows, lang) in text


@pytest.fixture(scope="module")
def report() -> object:
    return evaluation_data(mixed_values(), EDITION, TREE, [], jurisdiction="990000", period=2024, lang="en")


def test_workbook_summary_prints_the_share_beside_each_total(report) -> None:
    figures = sm.summary_figures(
        report, pd.DataFrame(columns=["region_code", "status_key", "latest_status_key"])
    )
    labels = [label for label, _, _ in figures]
    values = dict((label, value) for label, value, _ in figures)
    total = labels.index("Cost to reach the binding standard (CNY, indicative)")
    assert labels[total + 1] == "Costed gaps (to reach the binding standard)"
    assert values[labels[total + 1]] == costed_share_value(report.costs, "en")
    floor = labels.index(next(x for x in labels if x.startswith("Cost to reach the national floor")))
    assert values[labels[floor + 1]] == costed_share_value(report.costs_floor, "en")


def test_parent_table_carries_each_parents_share(report) -> None:
    parents = sm.parent_table(report).set_index("parent_code")
    parent_of = {r.code: r.parent_code for r in TREE.regions}
    with_gaps = 0
    for code, row in parents.iterrows():
        mine = report.costs[report.costs["region_code"].astype(str).map(parent_of) == code]
        want = costed_share_value(mine, "en")
        assert row["costed"] == want
        with_gaps += want != "–"
    assert with_gaps == 2  # both cities have gaps


def test_report_has_costed_and_uncosted_gaps(report) -> None:
    share = costed_share(report.costs)
    assert 0 < share.n_costed < share.n_gaps


def test_pdf_cost_section_prints_the_note(report) -> None:
    html = evaluation_html(report)
    assert costed_share_note(report.costs, "en") in html
    assert html.count(costed_share_value(report.costs, "en")) >= 2  # the summary box and the total row
