"""Unit costs in the catalogue (issue 19 point 7): every figure is listed here with its source tag,
none is added without one, and a gap on a newly costed indicator is costed by hand.

The table below is the record the catalogue must match, in both editions: a unit cost the table
does not list fails (no figure slips in without a source), and so does a listed one that is gone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.domain.model import Region, RegionTree
from assessment.scoring.costing import cost_to_close
from assessment.scoring.indicators import score_indicators
from tests.fixtures import values_frame

EDITIONS = ("CN-2021", "CN-2023")
EDITIONS_DIR = Path(__file__).resolve().parents[2] / "assessment" / "catalogue" / "editions"
BPHS = ("S02.1", "S06.1", "S06.2", "S06.3", "S31.1", "S35.1", "S35.2", "S37.1", "S38.1", "S47.1")

# code -> (unit cost CNY per beneficiary short per year, the tag its source cell must cite; None:
# a memory figure of the reference, which has no tag)
UNIT_COSTS: dict[str, tuple[float, str | None]] = {
    "S13.1": (1000.0, "IC-S12"),  # primary-boarder living allowance
    "S14.1": (1000.0, None),  # 5 CNY a school day x about 200 days (memory)
    "S15.1": (2000.0, None),  # senior-secondary national grant (memory)
    "S17.1": (2000.0, None),  # secondary-vocational national grant (memory)
    "S44.1": (580.0, None),  # subsidy per insured resident, 2021 (memory)
    "S45.1": (960.0, "IC-S16"),  # family-planning incentive per person per year
    **{code: (79.0, "IC-S15") for code in BPHS},  # per-resident basic public health funding, 2021
}
# package members deliberately left without a unit cost (SOURCES.md says why), and rates whose
# per-person figure the reference gives only locally or from memory
NOT_COSTED = ("S05.1", "S33.1", "S34.1", "S36.1", "S07.1", "S10.1", "S11.1", "S46.1", "S48.1", "S60.1")


def _indicators(edition_id: str) -> pd.DataFrame:
    return load_edition(edition_id).indicator_frame().set_index("indicator_code")


@pytest.mark.parametrize("edition_id", EDITIONS)
@pytest.mark.parametrize(("code", "unit_cost", "tag"), [(c, u, t) for c, (u, t) in UNIT_COSTS.items()])
def test_each_unit_cost_and_its_source(edition_id: str, code: str, unit_cost: float, tag: str | None) -> None:
    ind = _indicators(edition_id).loc[code]
    assert ind["kind"] == "rate"  # amount indicators are costed from the shortfall itself
    assert float(ind["unit_cost"]) == unit_cost
    if tag is not None:
        tags = str(ind["source"]).split(";")
        assert tag in tags
        # appended after the floor's source, which stays first (S13.1: one source for both)
        assert tags[0] != tag or code == "S13.1"


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_no_unit_cost_without_a_listed_source(edition_id: str) -> None:
    ind = _indicators(edition_id)
    costed = set(ind.index[ind["unit_cost"].notna()])
    assert costed == set(UNIT_COSTS)
    assert not costed & set(NOT_COSTED)


@pytest.mark.parametrize("edition_id", EDITIONS)
def test_sources_note_names_every_unit_cost(edition_id: str) -> None:
    text = (EDITIONS_DIR / "CN-2021" / "SOURCES.md").read_text(encoding="utf-8")
    section = text.split("### Unit costs", 1)[1].split("## 5.", 1)[0]
    for code in UNIT_COSTS:
        assert code in section, code
    if edition_id == "CN-2023":
        note = (EDITIONS_DIR / "CN-2023" / "SOURCES.md").read_text(encoding="utf-8")
        assert all(code in note for code in BPHS)


def _tree(population: int = 10_000) -> RegionTree:
    return RegionTree(
        (
            Region("990000", "测试省", "Test Province", "province", None, population),
            Region("990101", "测试县", "Test County", "county", "990000", population),
        )
    )


# (indicator, value, denominator, floor, beneficiaries short, cost)  hand-computed against the floor
CASES = [
    ("S02.1", 86.0, 500.0, 90.0, 20.0, 1_580.0),  # 4 points x 500 mothers = 20 x 79
    ("S31.1", 60.0, 10_000.0, 62.0, 200.0, 15_800.0),  # 2 points x 10,000 residents = 200 x 79
    ("S47.1", 61.0, 1_000.0, 62.0, 10.0, 790.0),  # 1 point x 1,000 residents aged 65+
    ("S35.1", 75.5, 400.0, 76.0, 2.0, 158.0),  # half a point x 400 patients
    ("S45.1", 99.0, 300.0, 100.0, 3.0, 2_880.0),  # the 100% floor: 3 beneficiaries x 960
]


@pytest.mark.parametrize("edition_id", EDITIONS)
@pytest.mark.parametrize(("code", "value", "den", "floor", "b_short", "cost"), CASES)
def test_gap_on_a_costed_indicator_by_hand(
    edition_id: str, code: str, value: float, den: float, floor: float, b_short: float, cost: float
) -> None:
    edition = load_edition(edition_id)
    num = value / 100 * den
    scores = score_indicators(values_frame([("990101", 2022, code, None, num, den)]), edition, _tree(), [])
    out = cost_to_close(scores, edition, _tree(), against="floor")
    row = out.loc[out["indicator_code"] == code].iloc[0]
    assert row["threshold"] == floor
    assert row["cost_basis"] == "rate_denominator"
    np.testing.assert_allclose([row["beneficiaries_short"], row["cost_total"]], [b_short, cost])
    assert row["cost_central"] == pytest.approx(cost * row["central_share"])


def test_a_gap_without_a_unit_cost_stays_unknown() -> None:
    edition = load_edition("CN-2021")
    scores = score_indicators(
        values_frame([("990101", 2022, "S05.1", None, 85.0, 100.0)]), edition, _tree(), []
    )
    row = cost_to_close(scores, edition, _tree(), against="floor").iloc[0]
    assert row["cost_basis"] == "no_unit_cost" and np.isnan(row["cost_total"])
