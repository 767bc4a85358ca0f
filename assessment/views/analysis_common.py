"""Shared helpers of the analysis pages (indicator view, equity, compare). Pure Python and pandas.

Region and indicator names in the requested language, the jurisdictions a user may analyse, the
choice a shared URL asks for, and how a national floor is written (``"80 *"`` where the figure is
not confirmed by its source, DESIGN section 3).

>>> pick("2023", [2024, 2023, 2022])
2023
>>> pick("1999", [2024, 2023]) is None
True
>>> floor_text(80.0, confirmed=False)
'80 *'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypeVar

import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.labels import unit_text
from assessment.domain.model import Edition, RegionTree

__all__ = [
    "ARROW_SYMBOLS",
    "arrow_labels",
    "aspect_names",
    "carried_forward_periods",
    "floor_text",
    "indicator_names",
    "jurisdictions",
    "leaf_codes",
    "name_col",
    "pick",
    "region_names",
    "unit_text",
]

T = TypeVar("T")

# the trend arrows of assessment.scoring.trends, as symbols (the same as the overview's league table)
ARROW_SYMBOLS = {
    "achieved": "✔",
    "on_track": "↑",
    "moderately_improving": "↗",
    "stagnating": "→",
    "deteriorating": "↓",
    "insufficient_data": "·",
}


def arrow_labels(lang: str) -> dict[str, str]:
    """``{arrow code: "↑ On track"}`` for every trend arrow."""
    return {code: f"{sym} {t(f'analysis.arrow.{code}', lang)}" for code, sym in ARROW_SYMBOLS.items()}


def name_col(lang: str) -> str:
    """``"name_zh"`` or ``"name_en"``."""
    return "name_zh" if lang == "zh" else "name_en"


def region_names(tree: RegionTree, lang: str) -> dict[str, str]:
    """``{region_code: display name}`` for every region of the tree."""
    return {r.code: (r.name_zh if lang == "zh" else r.name_en) for r in tree}


def aspect_names(edition: Edition, lang: str) -> dict[str, str]:
    """``{aspect_code: display name}`` in catalogue order."""
    return {a.code: (a.name_zh if lang == "zh" else a.name_en) for a in edition.aspects}


def indicator_names(edition: Edition, lang: str) -> pd.DataFrame:
    """One row per indicator in catalogue order: codes, names, unit, direction and floor.

    Columns: indicator_code, item_code, aspect_code, indicator, item, aspect, unit (in ``lang``, see
    :func:`unit_text`), kind, direction, national_floor, floor_confirmed.
    """
    ind = edition.indicator_frame()
    sfx = "zh" if lang == "zh" else "en"
    out = ind.loc[
        :,
        [
            "indicator_code",
            "item_code",
            "aspect_code",
            f"name_{sfx}",
            f"item_{sfx}",
            f"aspect_{sfx}",
            "unit",
            "kind",
            "direction",
            "national_floor",
            "floor_confirmed",
        ],
    ]
    out = out.rename(columns={f"name_{sfx}": "indicator", f"item_{sfx}": "item", f"aspect_{sfx}": "aspect"})
    return out.assign(unit=out["unit"].map(lambda u: unit_text(str(u), lang)))


def carried_forward_periods(frame: pd.DataFrame) -> list[int]:
    """The periods (ascending) of the rows of ``frame`` marked ``population_carried_forward``: a
    population-weighted figure there uses a population carried forward from an earlier year (none
    when the frame has no such column)."""
    if "population_carried_forward" not in frame.columns or frame.empty:
        return []
    marked = frame["population_carried_forward"].fillna(False).astype(bool).to_numpy()
    return sorted({int(p) for p in frame.loc[marked, "period"].unique()})


def leaf_codes(tree: RegionTree, jurisdiction: str) -> list[str]:
    """The counties (leaves) under ``jurisdiction`` in tree order (itself when it is a leaf)."""
    return tree.leaf_codes(jurisdiction)


def jurisdictions(tree: RegionTree, home: str) -> list[str]:
    """``home`` and every region below it that has regions below it (prefectures), tree order."""
    return [home, *(r.code for r in tree.descendants(home) if tree.children(r.code))]


def pick(asked: object, options: Sequence[T]) -> T | None:
    """The option whose text equals ``asked`` (a query-string value), or None when there is none.

    Matching is on ``str(option)`` so that ``"2023"`` from a URL finds the integer period 2023.
    """
    if asked is None:
        return None
    text = str(asked).strip()
    for option in options:
        if str(option) == text:
            return option
    return None


def floor_text(value: float | None, confirmed: bool) -> str:
    """A national floor for display: ``"80"``, ``"80 *"`` when unconfirmed, ``""`` when there is none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:g}" + ("" if confirmed else " *")


def units_text(units: pd.Series, lang: str) -> pd.Series:
    """A column of catalogue units in one language (:func:`unit_text`); missing stays missing."""
    return units.map(lambda u: unit_text(u, lang) if isinstance(u, str) else u)
