"""Issue 20 point 2: an approval or an upload rescores only the changed counties, and the result
equals a full rescore, table by table and cell by cell (``assessment.scoring.incremental``).

Every case changes the values of some counties, applies the change with :func:`update` to the
assessment of the old values, and compares every table (scores, aggregates with their ranks and
quintiles, trends, costs, equity by indicator and by aspect) with :func:`assess` run on the new
values from scratch: the demo province under one edition and under the 2021/2023 schedule, with
local standards and a local indicator, on both bases, and random changes of random counties.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree, synthetic_values
from assessment.domain.editions import EditionSchedule, LocalIndicator
from assessment.scoring.analysis import Assessment, assess
from assessment.scoring.incremental import update
from tests.fixtures import plain_cells

TABLES = ("scores", "aggregates", "trends", "costs", "equity_indicator", "equity_aspect")


def assert_same(incremental: Assessment, full: Assessment) -> None:
    assert incremental.periods == full.periods
    for table in TABLES:
        a, b = getattr(incremental, table), getattr(full, table)
        assert list(a.columns) == list(b.columns), table
        assert len(a) == len(b), table
        pd.testing.assert_frame_equal(plain_cells(a), plain_cells(b), check_exact=True, obj=table)


@pytest.fixture(scope="module")
def demo() -> dict:
    edition = load_edition()
    tree = demo_tree()
    return {
        "edition": edition,
        "tree": tree,
        "standards": demo_local_standards(edition),
        "values": synthetic_values(edition, tree),
    }


def _changed(values: pd.DataFrame, counties: list[str], seed: int, period: int | None = None) -> pd.DataFrame:
    """``values`` with the rows of ``counties`` (in ``period``, or every period) changed: values
    moved up or down, some rows dropped (a partial file), numerators kept consistent."""
    rng = np.random.default_rng(seed)
    out = values.copy()
    mine = out["region_code"].isin(counties).to_numpy().copy()
    if period is not None:
        mine &= (out["period"] == period).to_numpy()
    factor = rng.uniform(0.7, 1.2, mine.sum())
    value = out["value"].to_numpy(dtype="float64").copy()
    value[mine] = value[mine] * factor
    out["value"] = value
    if "numerator" in out:
        num = out["numerator"].to_numpy(dtype="float64").copy()
        den = out["denominator"].to_numpy(dtype="float64")
        has = mine & ~np.isnan(num) & ~np.isnan(den)
        num[has] = np.minimum(den[has], np.round(den[has] * np.minimum(value[has], 100.0) / 100.0))
        out["numerator"] = num
        rate = has & (den > 0)
        value[rate] = 100.0 * num[rate] / den[rate]
        out["value"] = value
    drop = mine & (rng.random(len(out)) < 0.1)
    return out.loc[~drop].reset_index(drop=True)


def _both(values_old, values_new, counties, **kw) -> tuple[Assessment | None, Assessment]:
    before = assess(values_old, **kw)
    part = values_new.loc[values_new["region_code"].isin(counties)]
    return update(before, part, counties), assess(values_new, **kw)


def _args(demo: dict, **extra) -> dict:
    return {"edition": demo["edition"], "tree": demo["tree"], "local_standards": demo["standards"], **extra}


@pytest.mark.parametrize("basis", ["standard", "floor"])
def test_one_county_one_period_equals_a_full_rescore(demo, basis) -> None:
    county = demo["tree"].leaf_codes(demo["tree"].root.code)[3]
    new = _changed(demo["values"], [county], seed=1, period=2023)
    incremental, full = _both(demo["values"], new, [county], **_args(demo, basis=basis))
    assert incremental is not None
    assert_same(incremental, full)


def test_the_change_moves_the_ranks_of_other_counties(demo) -> None:
    """Not a vacuous case: a county falling to the bottom moves other counties' ranks, and the
    update ranks them again as the full run does."""
    tree = demo["tree"]
    county = tree.leaf_codes(tree.root.code)[0]
    new = demo["values"].copy()
    mine = (new["region_code"] == county).to_numpy() & (new["period"] == 2024).to_numpy()
    new.loc[mine, "value"] = 0.0
    new.loc[mine, "numerator"] = np.where(new.loc[mine, "denominator"].notna(), 0.0, np.nan)
    before = assess(demo["values"], **_args(demo))
    incremental = update(before, new.loc[new["region_code"] == county], [county])
    full = assess(new, **_args(demo))
    assert incremental is not None
    overall = (full.aggregates["level"] == "overall") & (full.aggregates["period"] == 2024)
    ranks_before = before.aggregates.loc[overall, "rank_in_level"].to_numpy()
    ranks_after = full.aggregates.loc[overall, "rank_in_level"].to_numpy()
    assert (ranks_before != ranks_after).sum() > 1  # others moved up
    assert_same(incremental, full)


@pytest.mark.parametrize("seed", range(4))
def test_random_counties_and_periods_equal_a_full_rescore(demo, seed) -> None:
    rng = np.random.default_rng(100 + seed)
    leaves = demo["tree"].leaf_codes(demo["tree"].root.code)
    counties = sorted(rng.choice(leaves, size=int(rng.integers(1, 4)), replace=False).tolist())
    period = None if seed % 2 else int(rng.choice([2022, 2023, 2024]))
    new = _changed(demo["values"], counties, seed=seed, period=period)
    incremental, full = _both(demo["values"], new, counties, **_args(demo))
    assert incremental is not None
    assert_same(incremental, full)


def test_a_county_withdrawn_from_a_period_equals_a_full_rescore(demo) -> None:
    """A returned submission: the county has no values in that period any more (its rows become
    no_data, other counties keep the period)."""
    county = demo["tree"].leaf_codes(demo["tree"].root.code)[5]
    v = demo["values"]
    new = v.loc[~((v["region_code"] == county) & (v["period"] == 2022)).to_numpy()].reset_index(drop=True)
    incremental, full = _both(v, new, [county], **_args(demo))
    assert incremental is not None
    assert_same(incremental, full)


def test_mixed_editions_and_a_local_indicator_equal_a_full_rescore(demo) -> None:
    tree = demo["tree"]
    province = tree.root.code
    doctors = LocalIndicator(
        jurisdiction_code=province,
        code="P01",
        item_code="",
        name_zh="每千人口执业医师数",
        name_en="Physicians per 1,000",
        kind="per_capita",
        unit="人",
        direction="higher",
        threshold=3.2,
        lower_bound=0.0,
        effective_from=2023,
    )
    leaves = tree.leaf_codes(province)
    local_rows = pd.DataFrame(
        {
            "region_code": leaves[:6],
            "period": [2023, 2023, 2024, 2024, 2024, 2023],
            "indicator_code": "P01",
            "value": [3.5, 2.0, 4.1, 1.0, 3.3, 2.9],
            "numerator": np.nan,
            "denominator": np.nan,
        }
    )
    old_values = pd.concat([demo["values"], local_rows], ignore_index=True)
    schedule = EditionSchedule((load_edition("CN-2023"), load_edition()))
    county = leaves[1]
    new = _changed(old_values, [county], seed=7)
    kw = {
        "edition": schedule,
        "tree": tree,
        "local_standards": demo["standards"],
        "local_indicators": (doctors,),
    }
    incremental, full = _both(old_values, new, [county], **kw)
    assert full.mixed
    assert incremental is not None
    assert_same(incremental, full)


def test_a_new_period_or_a_vanished_one_asks_for_a_full_rescore(demo) -> None:
    v = demo["values"]
    county = demo["tree"].leaf_codes(demo["tree"].root.code)[2]
    before = assess(v, **_args(demo))
    mine = (v["region_code"] == county).to_numpy()
    later = v.loc[mine & (v["period"] == 2024).to_numpy()].assign(period=2025)
    with_2025 = pd.concat([v.loc[v["region_code"] == county], later], ignore_index=True)
    assert update(before, with_2025, [county]) is None

    only_2022 = v.loc[(v["period"] == 2022).to_numpy() | (v["region_code"] == county).to_numpy()]
    small = assess(only_2022, **_args(demo))  # 2023 and 2024 come from this county alone
    assert update(small, v.loc[(v["region_code"] == county) & (v["period"] == 2022)], [county]) is None


def _shared(a: pd.Series, b: pd.Series) -> bool:
    """The two columns are one array in memory (not copies)."""
    if isinstance(a.dtype, pd.api.extensions.ExtensionDtype):
        return a.array is b.array
    return np.shares_memory(a.to_numpy(), b.to_numpy())


def test_unchanged_values_share_every_column_and_outsiders_are_ignored(demo) -> None:
    v = demo["values"]
    before = assess(v, **_args(demo))
    county = demo["tree"].leaf_codes(demo["tree"].root.code)[4]
    same = update(before, v.loc[v["region_code"] == county], [county])
    assert same is not None
    for table in ("scores", "aggregates", "trends"):
        old, new = getattr(before, table), getattr(same, table)
        assert all(_shared(new[c], old[c]) for c in old.columns), table
    assert update(before, v.iloc[:0], ["not-a-region", demo["tree"].root.code]) is before


def test_an_update_does_not_modify_the_previous_assessment(demo) -> None:
    v = demo["values"]
    before = assess(v, **_args(demo))
    copies = {t: getattr(before, t).copy(deep=True) for t in ("scores", "aggregates", "trends", "costs")}
    county = demo["tree"].leaf_codes(demo["tree"].root.code)[7]
    new = _changed(v, [county], seed=3)
    assert update(before, new.loc[new["region_code"] == county], [county]) is not None
    for table, copy in copies.items():
        pd.testing.assert_frame_equal(getattr(before, table), copy, obj=table)
