"""Small hand-made catalogue, region tree and values for the scoring tests.

Every figure in the scoring tests is computed by hand from these fixtures, so they are kept tiny:
2 aspects, 3 categories, 3 items, 5 indicators (both directions, every kind but count), a province
with 2 prefectures of 2 counties each.
"""

from __future__ import annotations

import pandas as pd

from assessment.domain.model import (
    Aspect,
    Category,
    Edition,
    Indicator,
    LocalStandard,
    Region,
    RegionTree,
    ServiceItem,
)

EDITION_ID = "TEST-1"


def _item(no: int, code: str, category: str, central_share: float) -> ServiceItem:
    return ServiceItem(
        no=no,
        code=code,
        category_code=category,
        name_zh=f"项目{no}",
        name_en=f"Item {no}",
        served_population_zh="",
        content_zh="",
        standard_zh="",
        expenditure_zh="",
        central_share=central_share,
        lead_department_zh="",
        verified=True,
        source="test",
    )


def indicator(
    code: str,
    item: str,
    kind: str,
    direction: str,
    floor: float | None,
    optimum: float,
    lower: float,
    *,
    weight: float = 1.0,
    unit_cost: float | None = None,
    confirmed: bool = True,
    unit: str = "%",
) -> Indicator:
    """An indicator with a short signature (tests build variants of it)."""
    return Indicator(
        code=code,
        item_code=item,
        name_zh=code,
        name_en=code,
        kind=kind,
        unit=unit,
        direction=direction,
        national_floor=floor,
        floor_confirmed=confirmed,
        optimum=optimum,
        lower_bound=lower,
        weight=weight,
        unit_cost=unit_cost,
        source="test",
    )


INDICATORS = (
    # coverage rate, higher is better, floor 90
    indicator("S01.1", "S01", "rate", "higher", 90.0, 100.0, 50.0, unit_cost=200.0),
    # doctors per 1,000 residents, no national floor (left to localities), weight 2
    indicator("S01.2", "S01", "per_capita", "higher", None, 4.0, 0.0, weight=2.0, unit="per 1,000"),
    # a rate where lower is better: ceiling 10, optimum 0, bad end 40
    indicator("S02.1", "S02", "rate", "lower", 10.0, 0.0, 40.0, unit_cost=50.0),
    # an allowance in CNY per beneficiary per year, floor 80 (unconfirmed figure)
    indicator("S03.1", "S03", "amount", "higher", 80.0, 120.0, 0.0, confirmed=False, unit="CNY"),
    # provided yes/no
    indicator("S03.2", "S03", "boolean", "higher", 1.0, 1.0, 0.0, unit=""),
)


def make_edition(indicators: tuple[Indicator, ...] = INDICATORS, edition_id: str = EDITION_ID) -> Edition:
    """The test catalogue (optionally with other indicators on the same items)."""
    return Edition(
        id=edition_id,
        title_zh="测试版",
        title_en="Test edition",
        published="2021-04-20",
        provenance="hand-made for tests",
        aspects=(Aspect("A1", 1, "方面一", "Aspect 1"), Aspect("A2", 2, "方面二", "Aspect 2")),
        categories=(
            Category("C01", "A1", 1, "类一", "Category 1"),
            Category("C02", "A1", 2, "类二", "Category 2"),
            Category("C03", "A2", 3, "类三", "Category 3"),
        ),
        items=(
            _item(1, "S01", "C01", 0.5),
            _item(2, "S02", "C02", 1.0),
            _item(3, "S03", "C03", 0.0),
        ),
        indicators=indicators,
    )


EDITION = make_edition()

TREE = RegionTree(
    (
        Region("990000", "测试省", "Test Province", "province", None, 1_000_000),
        Region("990100", "甲市", "City A", "prefecture", "990000", 600_000),
        Region("990200", "乙市", "City B", "prefecture", "990000", 400_000),
        Region("990101", "甲一县", "County A1", "county", "990100", 100_000),
        Region("990102", "甲二县", "County A2", "county", "990100", 500_000),
        Region("990201", "乙一县", "County B1", "county", "990200", 300_000),
        Region("990202", "乙二县", "County B2", "county", "990200", 100_000),
    )
)

COUNTIES = ("990101", "990102", "990201", "990202")


def local(
    jurisdiction: str, code: str, threshold: float, start: int = 2020, end: int | None = None
) -> LocalStandard:
    """A local standard with defaults."""
    return LocalStandard(jurisdiction, code, threshold, start, end, set_by="test")


def values(rows: list[tuple]) -> pd.DataFrame:
    """Tidy values from (region, period, indicator, value[, numerator, denominator]) tuples."""
    full = [(*r, *([None] * (6 - len(r)))) for r in rows]
    df = pd.DataFrame(
        full, columns=["region_code", "period", "indicator_code", "value", "numerator", "denominator"]
    )
    for c in ("value", "numerator", "denominator"):
        df[c] = pd.to_numeric(df[c]).astype("float64")
    df["period"] = df["period"].astype("int64")
    df["note"] = ""
    return df


def full_values(period: int = 2024, scale: float = 1.0) -> pd.DataFrame:
    """Every county reports every indicator (the same plausible figures, times ``scale``)."""
    rows = []
    for i, code in enumerate(COUNTIES):
        rows += [
            (code, period, "S01.1", None, 90.0 + i, 100.0),
            (code, period, "S01.2", 2.0 * scale + i / 10),
            (code, period, "S02.1", None, 5.0 + i, 100.0),
            (code, period, "S03.1", 80.0 * scale + i),
            (code, period, "S03.2", 1.0),
        ]
    return values(rows)
