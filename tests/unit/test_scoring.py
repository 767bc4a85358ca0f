"""Per region x period x indicator scoring: every rule against hand-computed figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from assessment.domain.errors import DataFileError
from assessment.scoring.indicators import SCORE_COLUMNS, local_standard_grid, score_indicators
from assessment.scoring.rollup import ancestry, rollup_values, scope_regions
from assessment.scoring.stats import wilson_interval, z_value
from tests.fixtures import SCORING_COUNTIES as COUNTIES
from tests.fixtures import SCORING_EDITION as EDITION
from tests.fixtures import SCORING_EDITION_ID as EDITION_ID
from tests.fixtures import SCORING_TREE as TREE
from tests.fixtures import full_values
from tests.fixtures import local_standard as local
from tests.fixtures import make_scoring_edition as make_edition
from tests.fixtures import scoring_indicator as indicator
from tests.fixtures import values_frame as values

# one-indicator catalogues for the rule tables (all on item S01 of the fixture catalogue)
HIGHER = indicator("S01.1", "S01", "rate", "higher", 90.0, 100.0, 50.0)
LOWER = indicator("S01.1", "S01", "rate", "lower", 10.0, 0.0, 40.0)
NO_FLOOR = indicator("S01.1", "S01", "per_capita", "higher", None, 4.0, 0.0)
KINDS = {"higher": HIGHER, "lower": LOWER, "no_floor": NO_FLOOR}


def score_one(kind: str, value: float | None, local_threshold: float | None = None) -> pd.Series:
    """Score one county's single value against a one-indicator catalogue."""
    edition = make_edition((KINDS[kind],))
    stds = [local("990000", "S01.1", local_threshold)] if local_threshold is not None else []
    v = values([("990101", 2024, "S01.1", value)] if value is not None else [("990102", 2024, "S01.1", 1.0)])
    out = score_indicators(v, edition, TREE, stds, regions=["990101"], periods=[2024])
    assert len(out) == 1
    return out.iloc[0]


# kind, value, local, status, gap_floor, gap_standard, score  (hand-computed)
RULES = [
    # higher is better: floor 90, L = 50, optimum 100
    ("higher", 95.0, None, "meets", 5.0, 5.0, 100.0),
    ("higher", 90.0, None, "meets", 0.0, 0.0, 100.0),
    ("higher", 85.0, None, "below_floor", -5.0, -5.0, 87.5),  # (85-50)/(90-50)
    ("higher", 50.0, None, "below_floor", -40.0, -40.0, 0.0),
    ("higher", 40.0, None, "below_floor", -50.0, -50.0, 0.0),  # clipped
    ("higher", 92.0, 95.0, "below_local", 2.0, -3.0, 100 * 42 / 45),  # (92-50)/(95-50)
    ("higher", 88.0, 95.0, "below_floor", -2.0, -7.0, 100 * 38 / 45),
    ("higher", 96.0, 95.0, "meets", 6.0, 1.0, 100.0),
    ("higher", 88.0, 85.0, "below_floor", -2.0, -2.0, 95.0),  # a weaker local never lowers the bar
    # lower is better: ceiling 10, L = 40 (the bad end), optimum 0
    ("lower", 5.0, None, "meets", 5.0, 5.0, 100.0),
    ("lower", 10.0, None, "meets", 0.0, 0.0, 100.0),
    ("lower", 15.0, None, "below_floor", -5.0, -5.0, 100 * 25 / 30),  # (15-40)/(10-40)
    ("lower", 40.0, None, "below_floor", -30.0, -30.0, 0.0),
    ("lower", 55.0, None, "below_floor", -45.0, -45.0, 0.0),
    ("lower", 9.0, 8.0, "below_local", 1.0, -1.0, 100 * 31 / 32),  # (9-40)/(8-40)
    ("lower", 11.0, 8.0, "below_floor", -1.0, -3.0, 100 * 29 / 32),
    ("lower", 11.0, 12.0, "below_floor", -1.0, -1.0, 100 * 29 / 30),  # weaker local ignored
    # no national floor: no_standard, scored against the optimum (4) unless a local standard applies
    ("no_floor", 2.0, None, "no_standard", math.nan, math.nan, 50.0),
    ("no_floor", 5.0, None, "no_standard", math.nan, math.nan, 100.0),
    ("no_floor", 2.0, 3.0, "below_local", math.nan, -1.0, 100 * 2 / 3),
    ("no_floor", 3.5, 3.0, "meets", math.nan, 0.5, 100.0),
    # no value
    ("higher", None, None, "no_data", math.nan, math.nan, math.nan),
    ("lower", None, 8.0, "no_data", math.nan, math.nan, math.nan),
]


@pytest.mark.parametrize(("kind", "value", "local_std", "status", "gap_floor", "gap_std", "score"), RULES)
def test_status_gap_and_score_rules(
    kind: str,
    value: float | None,
    local_std: float | None,
    status: str,
    gap_floor: float,
    gap_std: float,
    score: float,
) -> None:
    row = score_one(kind, value, local_std)
    assert row["status"] == status
    np.testing.assert_allclose(
        [row["gap_floor"], row["gap_standard"], row["score"]],
        [gap_floor, gap_std, score],
        rtol=1e-12,
        atol=1e-12,
    )


@pytest.mark.parametrize(
    ("kind", "local_std", "standard"),
    [
        ("higher", None, 90.0),
        ("higher", 95.0, 95.0),
        ("higher", 85.0, 90.0),
        ("lower", None, 10.0),
        ("lower", 8.0, 8.0),
        ("lower", 12.0, 10.0),
        ("no_floor", None, math.nan),
        ("no_floor", 3.0, 3.0),
    ],
)
def test_standard_is_the_stricter_of_floor_and_local(
    kind: str, local_std: float | None, standard: float
) -> None:
    row = score_one(kind, 1.0, local_std)
    np.testing.assert_equal(row["standard"], standard)


@pytest.mark.parametrize(
    ("kind", "value", "rel_floor"),
    [("higher", 81.0, -0.1), ("higher", 99.0, 0.1), ("lower", 12.0, -0.2), ("lower", 5.0, 0.5)],
)
def test_relative_gap_is_gap_over_threshold(kind: str, value: float, rel_floor: float) -> None:
    assert score_one(kind, value)["rel_gap_floor"] == pytest.approx(rel_floor)


def test_rate_value_comes_from_numerator_and_denominator() -> None:
    v = values([("990101", 2024, "S01.1", 99.0, 29.0, 100.0), ("990102", 2024, "S01.1", None, 9.0, 10.0)])
    edition = make_edition((indicator("S01.1", "S01", "rate", "higher", 29.0, 100.0, 0.0),))
    out = score_indicators(v, edition, TREE, regions=["990100"]).set_index("region_code")
    assert out.loc["990101", "value"] == 29.0  # not the stated 99, and not 28.999999999999996
    assert out.loc["990101", "status"] == "meets"
    assert out.loc["990102", "value"] == pytest.approx(90.0)


def test_value_exactly_at_threshold_after_rounding_meets() -> None:
    # 0.1 + 0.2 style noise: 30.000000000000004 vs a floor of 30 on a lower-is-better rate
    edition = make_edition((indicator("S01.1", "S01", "rate", "lower", 30.0, 0.0, 60.0),))
    v = values([("990101", 2024, "S01.1", (0.1 + 0.2) * 100)])
    row = score_indicators(v, edition, TREE, regions=["990101"]).iloc[0]
    assert row["status"] == "meets"
    assert row["score"] == 100.0


# Wilson score interval: Newcombe (1998), Statistics in Medicine 17:857-872, table I, method 3
@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
        (29, 29, 0.8830, 1.0000),
        (45, 50, 0.7864, 0.9565),
    ],
)
def test_wilson_interval_matches_published_values(x: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(x, n, 0.95)
    assert float(lo) == pytest.approx(low, abs=5e-5)
    assert float(hi) == pytest.approx(high, abs=5e-5)


def test_z_values() -> None:
    assert z_value(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert z_value(0.998) == pytest.approx(3.090232, abs=1e-6)
    with pytest.raises(ValueError, match="confidence"):
        z_value(1.5)


def test_wilson_interval_is_nan_for_impossible_counts() -> None:
    lo, hi = wilson_interval([5, 5, -1, 3], [0, 4, 10, np.nan])
    assert np.isnan(lo).all() and np.isnan(hi).all()


def test_wilson_99_8_is_wider_than_95() -> None:
    lo95, hi95 = wilson_interval(45, 50, 0.95)
    lo998, hi998 = wilson_interval(45, 50, 0.998)
    assert lo998 < lo95 < 0.9 < hi95 < hi998


# evidence against the floor: kind, numerator, denominator, evidence
@pytest.mark.parametrize(
    ("kind", "num", "den", "evidence"),
    [
        ("higher", 95, 100, "too_close_to_call"),  # [88.8, 97.9] straddles 90
        ("higher", 990, 1000, "clearly_meets"),  # [98.2, 99.5]
        ("higher", 80, 100, "clearly_below"),  # [71.1, 86.7] < 90
        ("higher", 45, 50, "too_close_to_call"),  # [78.6, 95.7]
        ("lower", 2, 100, "clearly_meets"),  # [0.6, 7.0] under the ceiling of 10
        ("lower", 30, 100, "clearly_below"),  # [22.0, 39.6] above the ceiling
        ("lower", 9, 100, "too_close_to_call"),  # [4.8, 16.2]
    ],
)
def test_evidence_from_the_wilson_interval(kind: str, num: int, den: int, evidence: str) -> None:
    edition = make_edition((KINDS[kind],))
    v = values([("990101", 2024, "S01.1", None, float(num), float(den))])
    row = score_indicators(v, edition, TREE, regions=["990101"]).iloc[0]
    assert row["evidence"] == evidence
    lo, hi = wilson_interval(num, den)
    assert row["ci_low"] == pytest.approx(100 * float(lo))
    assert row["ci_high"] == pytest.approx(100 * float(hi))


def test_evidence_standard_uses_the_local_standard() -> None:
    edition = make_edition((HIGHER,))
    v = values([("990101", 2024, "S01.1", None, 940.0, 1000.0)])  # [92.4, 95.3]
    row = score_indicators(v, edition, TREE, [local("990000", "S01.1", 96.0)], regions=["990101"]).iloc[0]
    assert row["evidence"] == "clearly_meets"  # vs the floor 90
    assert row["evidence_standard"] == "clearly_below"  # vs the local 96
    assert row["status"] == "below_local"


def test_no_interval_without_denominator_and_small_numbers_flag() -> None:
    v = values(
        [
            ("990101", 2024, "S01.1", 95.0),
            ("990102", 2024, "S01.1", None, 19.0, 20.0),
            ("990201", 2024, "S01.1", None, 29.0, 30.0),
        ]
    )
    out = score_indicators(v, make_edition((HIGHER,)), TREE, regions=["990000"]).set_index("region_code")
    assert np.isnan(out.loc["990101", "ci_low"]) and pd.isna(out.loc["990101", "evidence"])
    assert out.loc["990102", "small_numbers"]
    assert not out.loc["990201", "small_numbers"]
    assert not out.loc["990101", "small_numbers"]


def test_every_expected_row_is_present_with_no_data_for_missing_reports() -> None:
    v = full_values()
    v = v.loc[v["region_code"] != "990202"]
    out = score_indicators(v, EDITION, TREE)
    assert list(out.columns) == list(SCORE_COLUMNS)
    assert len(out) == len(COUNTIES) * 1 * len(EDITION.indicators)
    missing = out.loc[out["region_code"] == "990202"]
    assert (missing["status"] == "no_data").all() and missing["score"].isna().all()
    assert (out["edition"] == EDITION_ID).all()
    assert out["region_code"].astype(str).tolist() == sorted(out["region_code"].astype(str))


def test_rows_outside_the_table_are_ignored() -> None:
    v = pd.concat(
        [
            full_values(),
            values(
                [
                    ("990100", 2024, "S01.1", 10.0),
                    ("990101", 2024, "X99.9", 1.0),
                    ("990101", 2019, "S01.1", 1.0),
                ]
            ),
        ]
    )
    out = score_indicators(v, EDITION, TREE, periods=[2024])
    assert len(out) == len(COUNTIES) * len(EDITION.indicators)
    assert set(out["indicator_code"].astype(str)) == {i.code for i in EDITION.indicators}


def test_input_is_not_mutated() -> None:
    v = full_values()
    before = v.copy(deep=True)
    score_indicators(v, EDITION, TREE, [local("990000", "S01.1", 95.0)])
    pd.testing.assert_frame_equal(v, before)


def test_floor_confirmed_is_carried() -> None:
    out = score_indicators(full_values(), EDITION, TREE)
    flags = out.drop_duplicates("indicator_code").set_index("indicator_code")["floor_confirmed"]
    assert not flags["S03.1"] and flags["S01.1"]


# -- binding local standards -----------------------------------------------------------------------
def test_binding_standard_is_the_strictest_ancestor_in_force() -> None:
    stds = [
        local("990000", "S01.1", 92.0),  # province, all years
        local("990100", "S01.1", 95.0, 2024),  # prefecture A, from 2024
        local("990200", "S01.1", 91.0),  # prefecture B sets a weaker one: the province's binds
        local("990000", "S02.1", 8.0, 2020, 2023),  # lower is better, ends 2023
        local("990100", "S02.1", 6.0, 2023, 2023),
    ]
    grid = local_standard_grid(stds, TREE, EDITION, [2023, 2024]).set_index(
        ["region_code", "indicator_code", "period"]
    )
    assert grid.loc[("990101", "S01.1", 2023), "local_standard"] == 92.0
    assert grid.loc[("990101", "S01.1", 2024), "local_standard"] == 95.0
    assert grid.loc[("990101", "S01.1", 2024), "set_by_code"] == "990100"
    assert grid.loc[("990201", "S01.1", 2024), "local_standard"] == 92.0
    assert grid.loc[("990201", "S01.1", 2024), "set_by_code"] == "990000"
    assert grid.loc[("990101", "S02.1", 2023), "local_standard"] == 6.0  # lower is stricter
    assert grid.loc[("990201", "S02.1", 2023), "local_standard"] == 8.0
    assert ("990101", "S02.1", 2024) not in grid.index  # both ended in 2023


def test_tie_names_the_nearest_jurisdiction() -> None:
    stds = [local("990000", "S01.1", 95.0), local("990100", "S01.1", 95.0)]
    grid = local_standard_grid(stds, TREE, EDITION, [2024])
    assert set(grid.loc[grid["region_code"] == "990101", "set_by_code"]) == {"990100"}
    assert set(grid.loc[grid["region_code"] == "990201", "set_by_code"]) == {"990000"}


def test_scores_use_the_binding_standard_per_period() -> None:
    v = pd.concat([full_values(2023), full_values(2024)])
    out = score_indicators(v, EDITION, TREE, [local("990100", "S01.1", 95.0, 2024)])
    row = out.loc[(out["region_code"] == "990101") & (out["indicator_code"] == "S01.1")].set_index("period")
    assert np.isnan(row.loc[2023, "local_standard"]) and row.loc[2023, "status"] == "meets"
    assert row.loc[2024, "local_standard"] == 95.0 and row.loc[2024, "status"] == "below_local"
    assert row.loc[2024, "local_set_by"] == "990100"


# -- bad input -------------------------------------------------------------------------------------
def test_missing_columns_are_named() -> None:
    with pytest.raises(DataFileError) as err:
        score_indicators(full_values().drop(columns=["value", "period"]), EDITION, TREE)
    assert "period" in err.value.messages("en") and "value" in err.value.messages("en")
    assert "缺少列" in err.value.messages("zh")


def test_duplicate_values_are_refused() -> None:
    v = pd.concat([full_values(), full_values().iloc[:1]])
    with pytest.raises(DataFileError) as err:
        score_indicators(v, EDITION, TREE)
    assert "990101 / 2024 / S01.1" in err.value.messages("en")


def test_unknown_region_is_refused_clearly() -> None:
    with pytest.raises(DataFileError) as err:
        score_indicators(full_values(), EDITION, TREE, regions=["123456"])
    assert "123456" in err.value.messages("en") and "123456" in err.value.messages("zh")


def test_non_numeric_value_is_refused_clearly() -> None:
    v = full_values().astype({"value": object})
    v.loc[3, "value"] = "lots"
    with pytest.raises(DataFileError) as err:
        score_indicators(v, EDITION, TREE)
    assert "lots" in err.value.messages("en")


def test_unknown_level_is_refused() -> None:
    with pytest.raises(DataFileError, match="township"):
        score_indicators(full_values(), EDITION, TREE, level="township")


def test_catalogue_without_a_needed_number_is_refused() -> None:
    broken = make_edition((indicator("S01.1", "S01", "rate", "higher", 90.0, math.nan, 50.0),))
    with pytest.raises(DataFileError) as err:
        score_indicators(full_values(), broken, TREE)
    assert "optimum" in err.value.messages("en")


def test_empty_values_give_an_empty_table() -> None:
    out = score_indicators(full_values().iloc[:0], EDITION, TREE)
    assert out.empty and list(out.columns) == list(SCORE_COLUMNS)


# -- regions, ancestry and roll-up -----------------------------------------------------------------
def test_ancestry_and_scope() -> None:
    anc = ancestry(TREE)
    assert set(anc.loc[anc["region_code"] == "990101", "ancestor_code"]) == {"990101", "990100", "990000"}
    assert scope_regions(TREE) == list(COUNTIES)
    assert scope_regions(TREE, ["990200"]) == ["990201", "990202"]
    assert scope_regions(TREE, ["990000"], level="prefecture") == ["990100", "990200"]
    assert scope_regions(TREE, ["990101"]) == ["990101"]


def test_rollup_pools_rates_and_weights_other_kinds_by_population() -> None:
    v = values(
        [
            ("990101", 2024, "S01.1", None, 90.0, 100.0),  # pop 100k
            ("990102", 2024, "S01.1", None, 380.0, 400.0),  # pop 500k
            ("990101", 2024, "S01.2", 2.0),
            ("990102", 2024, "S01.2", 3.2),
            ("990201", 2024, "S01.2", 1.0),  # B: pop 300k; B2 did not report
        ]
    )
    r = rollup_values(v, TREE, EDITION).set_index(["region_code", "indicator_code"])
    assert r.loc[("990100", "S01.1"), "value"] == pytest.approx(100 * 470 / 500)
    assert r.loc[("990100", "S01.1"), "denominator"] == 500.0
    assert r.loc[("990100", "S01.2"), "value"] == pytest.approx((2.0 * 1 + 3.2 * 5) / 6)
    assert r.loc[("990200", "S01.2"), "value"] == pytest.approx(1.0)
    assert r.loc[("990200", "S01.2"), "n_regions"] == 1
    assert r.loc[("990000", "S01.2"), "value"] == pytest.approx((2.0 * 1 + 3.2 * 5 + 1.0 * 3) / 9)
    assert ("990200", "S01.1") not in r.index


def test_prefectures_are_scored_like_counties() -> None:
    v = full_values()
    rolled = rollup_values(v, TREE, EDITION)
    out = score_indicators(rolled, EDITION, TREE, level="prefecture")
    assert sorted(set(out["region_code"].astype(str))) == ["990100", "990200"]
    row = out.loc[(out["region_code"] == "990100") & (out["indicator_code"] == "S01.1")].iloc[0]
    assert row["value"] == pytest.approx(100 * (90 + 91) / 200)
    assert row["denominator"] == 200 and not np.isnan(row["ci_low"])
