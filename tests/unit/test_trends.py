"""Trends: change, growth, pace ratio, arrow and projected year, by hand, both directions."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessment.domain.errors import DataFileError
from assessment.scoring.indicators import score_indicators
from assessment.scoring.trends import TREND_COLUMNS, trends
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import local_standard as local
from tests.fixtures import make_scoring_edition as make_edition
from tests.fixtures import scoring_indicator as indicator
from tests.fixtures import values_frame as values

KINDS = {
    "higher": indicator("S01.1", "S01", "rate", "higher", 90.0, 100.0, 50.0),  # floor 90
    "lower": indicator("S01.1", "S01", "rate", "lower", 10.0, 0.0, 40.0),  # ceiling 10
    "no_floor": indicator("S01.1", "S01", "per_capita", "higher", None, 4.0, 0.0),  # optimum 4
}


def trend_rows(
    kind: str, series: dict[int, float], target_year: int = 2025, stds: tuple = ()
) -> pd.DataFrame:
    edition = make_edition((KINDS[kind],))
    v = values([("990101", p, "S01.1", x) for p, x in series.items()])
    s = score_indicators(v, edition, TREE, list(stds), regions=["990101"])
    return trends(s, edition, target_year=target_year).set_index("period")


# kind, series, arrow (latest period), pace ratio, projected year
CASES = [
    ("higher", {2022: 80.0, 2024: 85.0}, "moderately_improving", 2.5 / (10 / 3), 2026),
    ("higher", {2022: 70.0, 2024: 86.0}, "on_track", 8 / (20 / 3), 2025),
    ("higher", {2022: 80.0, 2024: 81.0}, "stagnating", 0.5 / (10 / 3), 2042),
    ("higher", {2022: 80.0, 2024: 80.0}, "stagnating", 0.0, None),
    ("higher", {2022: 80.0, 2024: 78.0}, "deteriorating", -1 / (10 / 3), None),
    ("higher", {2022: 80.0, 2024: 90.0}, "achieved", 5 / (10 / 3), 2024),
    ("higher", {2022: 95.0, 2024: 85.0}, "deteriorating", math.nan, None),  # met at baseline, lost
    ("higher", {2024: 80.0}, "insufficient_data", math.nan, None),
    ("higher", {2024: 95.0}, "achieved", math.nan, 2024),
    ("lower", {2022: 20.0, 2024: 15.0}, "moderately_improving", -2.5 / (-10 / 3), 2026),
    ("lower", {2022: 20.0, 2024: 12.0}, "on_track", -4 / (-10 / 3), 2025),
    ("lower", {2022: 20.0, 2024: 22.0}, "deteriorating", 1 / (-10 / 3), None),
    ("lower", {2022: 20.0, 2024: 8.0}, "achieved", -6 / (-10 / 3), 2024),
    ("no_floor", {2022: 2.0, 2024: 3.0}, "moderately_improving", 0.5 / (2 / 3), 2026),
]


@pytest.mark.parametrize(("kind", "series", "arrow", "ratio", "projected"), CASES)
def test_arrow_pace_and_projection(
    kind: str, series: dict[int, float], arrow: str, ratio: float, projected: int | None
) -> None:
    latest = trend_rows(kind, series).iloc[-1]
    assert latest["arrow"] == arrow
    np.testing.assert_allclose(latest["pace_ratio"], ratio, rtol=1e-12)
    if projected is None:
        assert pd.isna(latest["projected_year"])
    else:
        assert latest["projected_year"] == projected


def test_columns_change_and_cagr_by_hand() -> None:
    out = trend_rows("higher", {2021: 64.0, 2022: 72.0, 2024: 81.0})
    assert sorted(out.reset_index().columns) == sorted(TREND_COLUMNS)
    r = out.loc[2024]
    assert r["prev_period"] == 2022  # the previous period with a value, 2023 missing
    assert r["change"] == pytest.approx(9.0)
    assert (r["base_period"], r["base_value"]) == (2021, 64.0)
    assert r["cagr"] == pytest.approx((81 / 64) ** (1 / 3) - 1)  # 8.17% a year
    assert r["observed_pace"] == pytest.approx(17 / 3)
    assert r["required_pace"] == pytest.approx((90 - 64) / 4)
    assert r["target"] == 90.0
    first = out.loc[2021]
    assert (
        pd.isna(first["prev_period"]) and np.isnan(first["change"]) and first["arrow"] == "insufficient_data"
    )


def test_missing_period_row_is_insufficient_data() -> None:
    out = trend_rows("higher", {2022: 80.0, 2024: 85.0})
    assert 2023 not in out.index  # periods come from the values
    edition = make_edition((KINDS["higher"],))
    v = values([("990101", 2022, "S01.1", 80.0), ("990102", 2023, "S01.1", 1.0)])
    s = score_indicators(v, edition, TREE, regions=["990101"])
    r = trends(s, edition).set_index("period").loc[2023]
    assert r["arrow"] == "insufficient_data" and np.isnan(r["value"])


@pytest.mark.parametrize(
    ("series", "arrow"),
    [({2022: 80.0, 2024: 85.0}, "stagnating"), ({2022: 80.0, 2024: 78.0}, "deteriorating")],
)
def test_target_year_not_after_baseline(series: dict[int, float], arrow: str) -> None:
    latest = trend_rows("higher", series, target_year=2022).iloc[-1]
    assert latest["arrow"] == arrow
    assert np.isnan(latest["pace_ratio"])


def test_target_follows_the_binding_local_standard() -> None:
    out = trend_rows("higher", {2022: 80.0, 2024: 93.0}, stds=(local("990000", "S01.1", 95.0, 2024),))
    r = out.loc[2024]
    assert r["target"] == 95.0
    assert r["arrow"] == "on_track"  # 6.5/yr against (95 − 80)/3 = 5/yr
    assert out.loc[2022, "target"] == 90.0


def test_missing_columns_are_named() -> None:
    with pytest.raises(DataFileError, match="standard"):
        trends(
            pd.DataFrame({"region_code": [], "period": [], "indicator_code": [], "value": []}), make_edition()
        )


def test_empty_table() -> None:
    edition = make_edition((KINDS["higher"],))
    s = score_indicators(values([]), edition, TREE)
    assert trends(s, edition).empty
