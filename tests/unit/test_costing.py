"""Cost to close: coverage and amount indicators by hand, both directions, central/local split."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.domain.errors import DataFileError
from assessment.scoring.costing import COST_COLUMNS, annual_factor, cost_to_close
from assessment.scoring.indicators import score_indicators
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_EDITION_ID as EDITION_ID
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import local_standard as local
from tests.fixtures import make_scoring_edition as make_edition
from tests.fixtures import scoring_indicator as indicator
from tests.fixtures import values_frame as values


def costs(rows: list[tuple], stds: tuple = (), against: str = "standard", edition=EDITION) -> pd.DataFrame:
    s = score_indicators(values(rows), edition, TREE, list(stds))
    return cost_to_close(s, edition, TREE, against=against).set_index(["region_code", "indicator_code"])


# rows, indicator, shortfall, beneficiaries_short, cost_total, central, basis  (hand-computed)
CASES = [
    # coverage 80% of 200 against the floor 90: 10 points x 200 = 20 people x 200 CNY; central share 0.5
    (
        [("990101", 2024, "S01.1", None, 160.0, 200.0)],
        "S01.1",
        10.0,
        20.0,
        4000.0,
        2000.0,
        "rate_denominator",
    ),
    # lower is better: 20% against a ceiling of 10, denominator 1,000: 100 people x 50 CNY; central 1.0
    (
        [("990101", 2024, "S02.1", None, 200.0, 1000.0)],
        "S02.1",
        10.0,
        100.0,
        5000.0,
        5000.0,
        "rate_denominator",
    ),
    # rate without a denominator: shortfall known, cost unknown
    ([("990101", 2024, "S01.1", 85.0)], "S01.1", 5.0, np.nan, np.nan, np.nan, "no_denominator"),
    # amount with a denominator (beneficiaries): 20 CNY short x 1,000; central 0
    (
        [("990101", 2024, "S03.1", 60.0, None, 1000.0)],
        "S03.1",
        20.0,
        1000.0,
        20000.0,
        0.0,
        "amount_denominator",
    ),
    # amount without a denominator and not per resident: unknown
    ([("990101", 2024, "S03.1", 60.0)], "S03.1", 20.0, np.nan, np.nan, np.nan, "no_denominator"),
    # boolean: not costed
    ([("990101", 2024, "S03.2", 0.0)], "S03.2", 1.0, np.nan, np.nan, np.nan, "not_costed"),
]


@pytest.mark.parametrize(("rows", "code", "shortfall", "b_short", "total", "central", "basis"), CASES)
def test_cost_rules(
    rows: list[tuple], code: str, shortfall: float, b_short: float, total: float, central: float, basis: str
) -> None:
    r = costs(rows).loc[("990101", code)]
    assert r["shortfall"] == pytest.approx(shortfall)
    np.testing.assert_allclose(
        [r["beneficiaries_short"], r["cost_total"], r["cost_central"]], [b_short, total, central]
    )
    if not np.isnan(total):
        assert r["cost_local"] == pytest.approx(total - central)
    assert r["cost_basis"] == basis


def test_costs_close_the_gap_to_the_local_standard_or_the_floor() -> None:
    rows = [("990101", 2024, "S01.1", None, 184.0, 200.0)]  # 92%: meets the floor, misses 95
    stds = (local("990000", "S01.1", 95.0),)
    r = costs(rows, stds).loc[("990101", "S01.1")]
    assert r["threshold"] == 95.0 and r["status"] == "below_local"
    assert r["beneficiaries_short"] == pytest.approx(6.0)
    assert r["cost_total"] == pytest.approx(1200.0)
    assert costs(rows, stds, against="floor").empty


def test_regions_that_meet_have_no_row() -> None:
    rows = [("990101", 2024, "S01.1", None, 190.0, 200.0), ("990102", 2024, "S01.1", None, 100.0, 200.0)]
    out = costs(rows).reset_index()
    assert out["region_code"].tolist() == ["990102"]
    assert sorted(out.columns) == sorted(COST_COLUMNS)
    assert (out["edition"] == EDITION_ID).all()


def test_monthly_amount_per_resident_uses_population_and_twelve_months() -> None:
    monthly = indicator(
        "S03.1", "S03", "amount", "higher", 80.0, 120.0, 0.0, unit="元/人·月 CNY/resident/month"
    )
    edition = make_edition((monthly,))
    r = costs([("990101", 2024, "S03.1", 70.0)], edition=edition).loc[("990101", "S03.1")]
    assert r["beneficiaries"] == 100_000  # the county's population
    assert r["annual_factor"] == 12.0
    assert r["cost_total"] == pytest.approx(10.0 * 100_000 * 12)
    assert r["cost_basis"] == "amount_population"


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("元/人·月 CNY/person/month", 12.0),
        ("元/生·天 CNY/pupil/school day", 200.0),
        ("元/生·年 CNY/pupil/yr", 1.0),
    ],
)
def test_annual_factor(unit: str, factor: float) -> None:
    assert annual_factor(unit) == factor


def test_missing_columns_and_bad_option() -> None:
    s = score_indicators(values([("990101", 2024, "S01.1", 80.0)]), EDITION, TREE)
    with pytest.raises(DataFileError, match="denominator"):
        cost_to_close(s.drop(columns=["denominator"]), EDITION, TREE)
    with pytest.raises(ValueError, match="against"):
        cost_to_close(s, EDITION, TREE, against="dream")
