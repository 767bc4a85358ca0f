"""The CN-2021 catalogue: its content and the loader. The refusals of broken copies on disk and the
``catalogue`` command are in tests/integration/test_catalogue_files.py."""

from __future__ import annotations

import re

import pytest

from assessment.catalogue import (
    DEFAULT_EDITION,
    list_editions,
    load_edition,
    summary,
)
from assessment.domain.errors import DataFileError
from assessment.domain.model import Edition


@pytest.fixture(scope="module")
def edition() -> Edition:
    return load_edition()


# -- the shipped edition ------------------------------------------------------------------------


def test_counts_match_the_standard(edition: Edition) -> None:
    assert summary(edition) == {
        "edition": "CN-2021",
        "aspects": 9,
        "categories": 22,
        "items": 80,
        "indicators": len(edition.indicators),
    }
    assert len(edition.indicators) >= 100


def test_every_item_has_an_indicator_and_every_branch_is_used(edition: Edition) -> None:
    assert {i.code for i in edition.items} == {ind.item_code for ind in edition.indicators}
    assert {c.code for c in edition.categories} == {i.category_code for i in edition.items}
    assert {a.code for a in edition.aspects} == {c.aspect_code for c in edition.categories}


def test_codes_are_unique_and_well_formed(edition: Edition) -> None:
    assert [a.code for a in edition.aspects] == [f"A{n}" for n in range(1, 10)]
    assert [c.code for c in edition.categories] == [f"C{n:02d}" for n in range(1, 23)]
    assert [i.code for i in edition.items] == [f"S{n:02d}" for n in range(1, 81)]
    assert [i.no for i in edition.items] == list(range(1, 81))
    codes = [ind.code for ind in edition.indicators]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(rf"{ind.item_code}\.\d+", ind.code) for ind in edition.indicators)


def test_every_floor_lies_within_the_scoring_bounds(edition: Edition) -> None:
    for ind in edition.indicators:
        low, high = sorted((ind.lower_bound, ind.optimum))
        assert low < high, ind.code
        assert (ind.optimum > ind.lower_bound) == ind.higher_is_better, ind.code
        if ind.national_floor is not None:
            assert low <= ind.national_floor <= high, ind.code
        if ind.kind == "rate":
            assert all(0 <= v <= 100 for v in (low, high, ind.national_floor or 0)), ind.code
        assert ind.weight > 0


def test_no_floor_is_confirmed_without_a_floor_or_an_external_source(edition: Edition) -> None:
    confirmed = [ind for ind in edition.indicators if ind.floor_confirmed]
    assert confirmed, "some floors are sourced"
    for ind in confirmed:
        assert ind.national_floor is not None, ind.code
        first_tag = ind.source.split(";")[0]
        assert re.fullmatch(r"(NS|IC)-S\d+", first_tag), (ind.code, ind.source)


# Spot checks by hand against indicator_candidates.md / the items CSV: (code, floor, confirmed).
# The "(memory)" figures there must never pass as confirmed.
FLOORS = [
    ("S01.1", 80, False),  # pre-pregnancy check >=80% "(target from memory, unverified)"
    ("S10.3", 85, False),  # 普惠性幼儿园 >=85% "(memory)"
    ("S15.2", 2000, False),  # senior-secondary grant about 2,000 "(memory)"
    ("S27.1", 90, False),  # arbitration closure >=90% "(memory)"
    ("S44.2", 580, False),  # resident-insurance subsidy 580 "(memory)"
    ("S50.2", 93, False),  # basic pension 93 CNY/month "(memory)"
    ("S55.1", 1, False),  # extreme poverty >=1.3x dibao "(memory)"
    ("S61.1", 85, False),  # rehabilitation >=85% "(memory)"
    ("S64.1", 97, False),  # disabled-children enrolment about 97% "(memory)"
    ("S80.1", 38.5, False),  # regular exercise 38.5% "(memory)"
    ("S74.1", 15, False),  # 15 radio sets: 2023 text only
    ("S05.1", 90, True),  # immunization >=90% per township [S7, S8]
    ("S13.2", 1000, True),  # primary boarders 1,000 CNY [S12]
    ("S13.3", 1250, True),
    ("S45.2", 960, True),  # incentive >=960 CNY [S16]
    ("S60.1", 100, True),  # two disability subsidies 100% [S1]
    ("S70.1", 2, True),  # >=2 veterans' job fairs [S20]
    ("S72.1", 34000, True),  # 34,000 visits per 10,000 [S1]
]


@pytest.mark.parametrize(("code", "floor", "confirmed"), FLOORS)
def test_floor_spot_checks(edition: Edition, code: str, floor: float, confirmed: bool) -> None:
    ind = edition.indicator_by_code[code]
    assert ind.national_floor == floor
    assert ind.floor_confirmed is confirmed


@pytest.mark.parametrize("code", ["S07.2", "S54.1", "S54.2", "S08.1", "S73.1", "S22.1"])
def test_levels_left_to_localities_have_no_floor(edition: Edition, code: str) -> None:
    ind = edition.indicator_by_code[code]
    assert ind.national_floor is None and not ind.floor_confirmed


def test_verified_flags_follow_the_reference(edition: Edition) -> None:
    verified = {i.no for i in edition.items if i.verified}
    assert len(verified) == 45
    assert {1, 3, 13, 66, 68, 71} <= verified
    assert not {18, 21, 43, 49, 80} & verified
    assert all(i.source == "NS-RECON" for i in edition.items if not i.verified)


# SOURCES.md section 3: central share from the expenditure text, first matching rule wins.
SHARE_RULES = [
    (r"中央对中西部全额、东部50%", 0.5),
    (r"^(?!.*地方).*中央财政承担", 1.0),
    (r"共同承担|按比例分担|中央与地方共同|中央和地方", 0.5),
    (r"中央财政适当补助|中央补助|中央财政奖补", 0.25),
    (r"基金支付", 0.0),
    (r"^地方人民政府负责(（reconstructed）)?$", 0.0),
    (r".", 0.5),
]


def rule_share(text: str) -> float:
    return next(share for pattern, share in SHARE_RULES if re.search(pattern, text))


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("中央财政承担国家规定课程教科书（reconstructed）", 1.0),
        ("中央财政和地方财政共同承担", 0.5),
        ("地方人民政府负责，中央财政适当补助（reconstructed）", 0.25),
        ("地方为主，中央补助（reconstructed）", 0.25),
        ("失业保险基金支付", 0.0),
        ("地方人民政府负责（reconstructed）", 0.0),
        ("个人缴费+政府补贴；中央对中西部全额、东部50%补助基础养老金（reconstructed）", 0.5),
        ("就业补助资金（reconstructed）", 0.5),
    ],
)
def test_central_share_rule_table(text: str, share: float) -> None:
    assert rule_share(text) == share


def test_every_central_share_follows_the_documented_rule(edition: Edition) -> None:
    wrong = [
        (i.no, i.central_share) for i in edition.items if i.central_share != rule_share(i.expenditure_zh)
    ]
    assert not wrong


def test_indicator_frame_carries_the_edition(edition: Edition) -> None:
    frame = edition.indicator_frame()
    assert len(frame) == len(edition.indicators)
    assert set(frame["edition"]) == {"CN-2021"}
    assert frame["national_floor"].notna().sum() == sum(
        i.national_floor is not None for i in edition.indicators
    )


def test_editions_are_listed_and_loads_are_cached() -> None:
    assert DEFAULT_EDITION in list_editions()
    assert load_edition() is load_edition(DEFAULT_EDITION)


def test_unknown_edition_is_refused_with_a_message() -> None:
    with pytest.raises(DataFileError) as info:
        load_edition("CN-1999")
    assert info.value.problems[0].code == "unknown_edition"
    assert "CN-2021" in info.value.problems[0].message_en
