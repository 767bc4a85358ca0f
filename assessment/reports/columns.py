"""The columns of the report sheets: :func:`col` and the groups of columns several sheets share.

A group keeps its columns' keys, order and number formats in one place; the widths that differ
from sheet to sheet are parameters. Used by the evaluation and the feedback workbook alike.
"""

from __future__ import annotations

from assessment.domain.i18n import t
from assessment.domain.reporting_status import RANK_IN_PARENT_KEY, rank_label_key
from assessment.reports.workbook import FMT_MONEY, FMT_SHARE, FMT_VALUE, Column

__all__ = ["col", "cost_cols", "indicator_cols", "place_cols", "shortfall_cols", "standard_cols"]


def col(
    key: str,
    lang: str,
    fmt: str | None = None,
    width: float = 12.0,
    *,
    wrap: bool = False,
    centre: bool = False,
) -> Column:
    """A :class:`Column` labelled ``reports.col.<key>`` in ``lang``."""
    return Column(key, t(f"reports.col.{key}", lang), fmt, width, wrap, centre)


def rank_col(key: str, level: str, lang: str, fmt: str | None = None, width: float = 8.0) -> Column:
    """A rank column ``key`` (``rank`` or ``rank_in_level``) of regions ranked within a region of
    ``level``, labelled by that region (``市内排名``, ``Rank in province``...), or, with level
    ``parent``, among the regions with the same parent region."""
    label_key = RANK_IN_PARENT_KEY if level == "parent" else rank_label_key(level)
    return Column(key, t(label_key, lang), fmt, width, False, centre=True)


def place_cols(lang: str, region: float, parent: float) -> list[Column]:
    """Where a row is: region code, region name and parent name."""
    return [
        col("region_code", lang, width=10, centre=True),
        col("region", lang, width=region, wrap=True),
        col("parent", lang, width=parent),
    ]


def indicator_cols(
    lang: str, *, aspect: float = 12, item: float = 20, indicator: float = 34, unit: float = 11
) -> list[Column]:
    """What a row measures: aspect, service item, indicator code, indicator name and unit."""
    return [
        col("aspect", lang, width=aspect),
        col("item", lang, width=item, wrap=True),
        col("indicator_code", lang, width=9, centre=True),
        col("indicator", lang, width=indicator, wrap=True),
        col("unit", lang, width=unit, wrap=True),
    ]


def standard_cols(lang: str) -> list[Column]:
    """The standards a value is held to: national floor, whether it is confirmed, local standard."""
    return [
        col("national_floor", lang, FMT_VALUE, 10),
        col("floor_confirmed", lang, width=10),
        col("local_standard", lang, FMT_VALUE, 10),
    ]


def shortfall_cols(lang: str, *, floor: bool = True) -> list[Column]:
    """How far short a value is: gap to the floor (``floor``), to the standard, relative, evidence."""
    return [
        *([col("gap_floor", lang, FMT_VALUE, 10)] if floor else []),
        col("gap_standard", lang, FMT_VALUE, 10),
        col("rel_gap_standard", lang, FMT_SHARE, 9),
        col("evidence", lang, width=11),
    ]


def cost_cols(lang: str, width: float) -> list[Column]:
    """The indicative cost to close a gap: total, central share, local share."""
    return [
        col("cost_total", lang, FMT_MONEY, width),
        col("cost_central", lang, FMT_MONEY, width),
        col("cost_local", lang, FMT_MONEY, width),
    ]
