"""The evidence rules of issue 19 (points 1-3), rule by rule, with the small cases the issue quotes.

1. small numbers: a denominator under ``min_denominator`` (default 30) gives ``too_few_cases``;
2. per-capita counts: value N·x/n and PHE's Poisson interval (exact under 10 events, Byar's from 10);
3. floors of 100%: the count decides (0 short = clearly_meets, any short = clearly_below).
See docs/METHOD_EVIDENCE.md for the worked examples.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.cli import main
from assessment.commands.score import INDICATOR_COLUMNS
from assessment.domain.i18n import t
from assessment.scoring.indicators import (
    EVIDENCE,
    MIN_DENOMINATOR,
    SCORE_COLUMNS,
    per_capita_multiplier,
    score_indicators,
)
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import local_standard as local
from tests.fixtures import make_scoring_edition as make_edition
from tests.fixtures import scoring_indicator as indicator
from tests.fixtures import values_frame as values

FLOOR_80 = indicator("S01.1", "S01", "rate", "higher", 80.0, 100.0, 50.0)
FLOOR_90 = indicator("S01.1", "S01", "rate", "higher", 90.0, 100.0, 50.0)
FLOOR_100 = indicator("S01.1", "S01", "rate", "higher", 100.0, 100.0, 50.0)
CEILING_0 = indicator("S01.1", "S01", "rate", "lower", 0.0, 0.0, 20.0)
CEILING_10 = indicator("S01.1", "S01", "rate", "lower", 10.0, 0.0, 40.0)
INFANT = indicator(  # S06.4 of the shipped catalogue: infant mortality, lower is better, ceiling 5.2‰
    "S01.1", "S01", "per_capita", "lower", 5.2, 0.0, 20.0, unit="‰（每千活产 per 1,000 live births）"
)
VISITS = indicator(  # S72.1: visits per 10,000 residents, floor 34,000
    "S01.1",
    "S01",
    "per_capita",
    "higher",
    34000.0,
    60000.0,
    0.0,
    unit="人次/万人 visits per 10,000 residents",
)
AREA = indicator("S01.1", "S01", "per_capita", "higher", 2.6, 4.0, 0.0, unit="平方米/人 m²/resident")


def score(
    ind: object, num: float, den: float, value: float | None = None, stds: tuple = (), **kw
) -> pd.Series:
    v = values([("990101", 2024, "S01.1", value, float(num), float(den))])
    out = score_indicators(v, make_edition((ind,)), TREE, list(stds), regions=["990101"], **kw)
    assert len(out) == 1
    return out.iloc[0]


# rule 1: indicator, numerator, denominator, options, evidence, small_numbers, status
SMALL_NUMBERS = [
    # the case: 0 of 1 is [0, 79.3] by Wilson, under the 80% floor, yet one case
    (FLOOR_80, 0, 1, {}, "too_few_cases", True, "below_floor"),
    (FLOOR_80, 0, 1, {"min_denominator": 1}, "clearly_below", False, "below_floor"),  # the old verdict
    (
        FLOOR_80,
        0,
        1,
        {"min_denominator": 1, "interval": "clopper_pearson"},
        "too_close_to_call",
        False,
        "below_floor",
    ),
    (
        FLOOR_80,
        0,
        1,
        {"min_denominator": 1, "interval": "jeffreys"},
        "too_close_to_call",
        False,
        "below_floor",
    ),
    (FLOOR_80, 25, 29, {}, "too_few_cases", True, "meets"),
    (FLOOR_80, 0, 30, {}, "clearly_below", False, "below_floor"),  # 30 is enough
    (FLOOR_80, 29, 30, {}, "clearly_meets", False, "meets"),  # [83.3, 99.4]
    (FLOOR_80, 24, 30, {}, "too_close_to_call", False, "meets"),  # 80% exactly
    (FLOOR_80, 45, 50, {"min_denominator": 60}, "too_few_cases", True, "meets"),
    (FLOOR_90, 80, 100, {"interval": "clopper_pearson"}, "clearly_below", False, "below_floor"),
    (FLOOR_90, 80, 100, {"interval": "jeffreys"}, "clearly_below", False, "below_floor"),
]


@pytest.mark.parametrize(("ind", "num", "den", "kw", "evidence", "small", "status"), SMALL_NUMBERS)
def test_small_numbers_give_too_few_cases(
    ind: object, num: int, den: int, kw: dict, evidence: str, small: bool, status: str
) -> None:
    row = score(ind, num, den, **kw)
    assert row["evidence"] == evidence
    assert bool(row["small_numbers"]) is small
    assert row["status"] == status  # the status is the value's: the rule changes only the evidence
    assert row["ci_method"] == kw.get("interval", "wilson")


def test_the_default_minimum_is_thirty_and_documented() -> None:
    assert MIN_DENOMINATOR == 30
    assert "30" in t("methodology.evidence_rules", "en") and "30" in t("methodology.evidence_rules", "zh")


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError):
        score(FLOOR_80, 1, 2, interval="wald")
    with pytest.raises(ValueError):
        score(FLOOR_80, 1, 2, min_denominator=0)
    with pytest.raises(ValueError):
        score(FLOOR_80, 1, 2, confidence=1.5)


# rule 2: indicator, count, denominator, value, ci (low, high), method, evidence, cases short, status
COUNTS = [
    # the example: 3 deaths in 500 live births = 6‰, exact interval 1.2-17.5, ceiling 5.2
    (INFANT, 3, 500, 6.0, (1.237, 17.535), "exact_poisson", "too_close_to_call", 1, "below_floor"),
    (INFANT, 0, 2000, 0.0, (0.0, 1.844), "exact_poisson", "clearly_meets", 0, "meets"),
    (INFANT, 60, 5000, 12.0, (9.157, 15.447), "byars", "clearly_below", 34, "below_floor"),  # 26 allowed
    (INFANT, 1, 20, 50.0, (1.266, 278.6), "exact_poisson", "too_few_cases", 1, "below_floor"),
    (VISITS, 3500, 1000, 35000.0, (33850.0, 36180.0), "byars", "too_close_to_call", 0, "meets"),
    (VISITS, 5000, 1000, 50000.0, (48620.0, 51390.0), "byars", "clearly_meets", 0, "meets"),
]


@pytest.mark.parametrize(
    ("ind", "num", "den", "value", "ci", "method", "evidence", "short", "status"), COUNTS
)
def test_per_capita_counts_get_poisson_intervals(
    ind: object,
    num: int,
    den: int,
    value: float,
    ci: tuple[float, float],
    method: str,
    evidence: str,
    short: int,
    status: str,
) -> None:
    row = score(ind, num, den, value=value)
    assert row["value"] == pytest.approx(value)
    assert row["ci_low"] == pytest.approx(ci[0], rel=1e-3, abs=1e-3)
    assert row["ci_high"] == pytest.approx(ci[1], rel=1e-3)
    assert row["ci_method"] == method
    assert row["evidence"] == evidence
    assert row["cases_short"] == short
    assert row["status"] == status


def test_per_capita_value_comes_from_the_counts() -> None:
    """As for rates: with a count and its population the value is N·count/population (a stated
    value that disagrees does not win)."""
    row = score(INFANT, 3, 500, value=9.9)
    assert row["value"] == pytest.approx(6.0)


def test_a_per_capita_unit_that_is_no_count_gets_no_interval() -> None:
    row = score(AREA, 300.0, 100.0, value=3.1)
    assert row["value"] == pytest.approx(3.1)  # the stated value: m² per resident is not N·x/n
    assert np.isnan(row["ci_low"]) and pd.isna(row["evidence"]) and pd.isna(row["ci_method"])
    assert pd.isna(row["cases_short"])


@pytest.mark.parametrize(
    ("unit", "multiplier"),
    [
        ("‰（每千活产 per 1,000 live births）", 1000.0),
        ("人次/千人 per 1,000 residents", 1000.0),
        ("人/千人", 1000.0),
        ("人次/万人 visits per 10,000 residents", 10000.0),
        ("per 10000 residents", 10000.0),
        ("每十万人口 per 100,000", 100000.0),
        ("per 100,000 population", 100000.0),
        ("平方米/人 m²/resident", np.nan),
        ("%", np.nan),
        ("", np.nan),
        (None, np.nan),
    ],
)
def test_multiplier_from_the_unit(unit: str | None, multiplier: float) -> None:
    got = per_capita_multiplier(unit)
    assert (np.isnan(got) and np.isnan(multiplier)) or got == multiplier


# rule 3: indicator, numerator, denominator, evidence, cases short, status
EDGES = [
    (FLOOR_100, 636, 636, "clearly_meets", 0, "meets"),  # was too_close_to_call forever
    (FLOOR_100, 630, 636, "clearly_below", 6, "below_floor"),
    (FLOOR_100, 635, 636, "clearly_below", 1, "below_floor"),
    (FLOOR_100, 0, 1, "too_few_cases", 1, "below_floor"),  # rule 1 comes first
    (FLOOR_100, 29, 29, "too_few_cases", 0, "meets"),
    (FLOOR_100, 30, 30, "clearly_meets", 0, "meets"),
    (CEILING_0, 0, 100, "clearly_meets", 0, "meets"),  # a ceiling of 0: the same rule mirrored
    (CEILING_0, 1, 100, "clearly_below", 1, "below_floor"),
    # cases short under ordinary thresholds (the interval decides the evidence there)
    (FLOOR_90, 80, 100, "clearly_below", 10, "below_floor"),
    (FLOOR_90, 95, 100, "too_close_to_call", 0, "meets"),
    (FLOOR_90, 899, 1000, "too_close_to_call", 1, "below_floor"),
    (CEILING_10, 30, 100, "clearly_below", 20, "below_floor"),
]


@pytest.mark.parametrize(("ind", "num", "den", "evidence", "short", "status"), EDGES)
@pytest.mark.parametrize("interval", ["wilson", "jeffreys", "clopper_pearson"])
def test_floors_of_100_percent_are_decided_by_the_count(
    ind: object, num: int, den: int, evidence: str, short: int, status: str, interval: str
) -> None:
    row = score(ind, num, den, interval=interval)
    assert row["evidence"] == evidence
    assert row["cases_short"] == short
    assert row["status"] == status


def test_a_local_standard_of_100_percent_follows_the_same_rule() -> None:
    stds = (local("990000", "S01.1", 100.0),)
    full = score(FLOOR_90, 636, 636, stds=stds)
    assert (full["evidence"], full["evidence_standard"]) == ("clearly_meets", "clearly_meets")
    short = score(FLOOR_90, 630, 636, stds=stds)
    assert (short["evidence"], short["evidence_standard"]) == ("clearly_meets", "clearly_below")
    assert short["cases_short"] == 0  # against the floor of 90%, as ``evidence``


def test_new_columns_sit_at_the_end() -> None:
    assert SCORE_COLUMNS[-2:] == ("cases_short", "ci_method")
    assert EVIDENCE[:3] == ("clearly_below", "clearly_meets", "too_close_to_call")
    assert EVIDENCE[3] == "too_few_cases"
    assert INDICATOR_COLUMNS[-3:] == ("small_numbers", "cases_short", "ci_method")


def test_every_evidence_code_has_labels() -> None:
    for code in EVIDENCE:
        for lang in ("zh", "en"):
            assert t(f"evidence.{code}", lang) != f"evidence.{code}"
            assert t(f"reports.evidence.{code}", lang) != f"reports.evidence.{code}"
    assert t("flag.too_few_cases", "zh") != "flag.too_few_cases"


def test_cli_prints_small_numbers_and_takes_the_options(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["score", "--demo", "--period", "2024", "--region", "990102"]
    assert main([*args, "--interval", "jeffreys", "--min-denominator", "1e12"]) == 0
    df = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert list(df.columns) == list(INDICATOR_COLUMNS)
    counted = df["denominator"].notna()
    assert counted.any() and df.loc[counted, "small_numbers"].all()  # every denominator is under 10¹²
    assert set(df.loc[df["evidence"].notna(), "evidence"]) == {"too_few_cases"}
    assert set(df["ci_method"].dropna()) == {"jeffreys"}
    assert main([*args, "--min-denominator", "0"]) == 1
    assert "--min-denominator" in capsys.readouterr().err


# properties: one region's evidence never depends on another region or on the row order
_row = st.tuples(st.integers(0, 400), st.integers(1, 400)).map(lambda p: (min(p), p[1]))


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(_row, min_size=2, max_size=4), seed=st.integers(0, 2**16))
def test_evidence_is_per_region_and_order_free(rows: list[tuple[int, int]], seed: int) -> None:
    regions = ["990101", "990102", "990201", "990202"][: len(rows)]
    frame = values(
        [(r, 2024, "S01.1", None, float(x), float(n)) for r, (x, n) in zip(regions, rows, strict=False)]
    )
    edition = make_edition((FLOOR_100,))
    cols = ["region_code", "value", "ci_low", "ci_high", "evidence", "cases_short", "small_numbers"]
    whole = score_indicators(frame, edition, TREE, regions=["990000"]).loc[:, cols].set_index("region_code")
    shuffled = frame.sample(frac=1.0, random_state=seed)
    again = (
        score_indicators(shuffled, edition, TREE, regions=["990000"]).loc[:, cols].set_index("region_code")
    )
    pd.testing.assert_frame_equal(whole, again)
    alone = score_indicators(frame.iloc[:1], edition, TREE, regions=["990000"]).loc[:, cols]
    alone = alone.set_index("region_code")
    pd.testing.assert_frame_equal(alone.loc[[regions[0]]], whole.loc[[regions[0]]])
