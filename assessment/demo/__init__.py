"""The demo: a FICTIONAL 示例省 Sample Province (code 990000) with synthetic figures.

Everything here is invented on purpose so that demo figures can never pass for a real place: the
region tree (``regions.csv``: 1 province, 3 prefectures, 20 counties of varied profiles), the
county profiles (``profiles.csv``), the higher local standards (``local_standards.csv``), the
boundaries (``boundaries.geojson``, made by ``scripts/make_demo_boundaries.py``) and the values
(:func:`synthetic_values`, deterministic from a seed). See ``README.md`` in this folder.
The fictional national demo (``national/``: 示例国 Sample Country 900000 over four fictional
provinces, 示例省 among them, made by ``scripts/make_national_demo.py``) has its loaders here too
(:func:`national_tree`, :func:`national_boundaries`). :mod:`.seed` loads the province, the sample
reports and the demo sign-ins into a store (``python -m assessment demo``), :mod:`.seed_national`
the country (``demo --national``). The demo sits above the store and sign-in, so it may import
domain, catalogue, intake, store and auth; only views, reports and commands may import it.

>>> tree = demo_tree()
>>> tree.root.code, len(tree.children("990000"))
('990000', 3)
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from assessment.catalogue.local_standards import load_local_standards
from assessment.catalogue.regions import load_region_tree
from assessment.demo.synthetic import (
    DEMO_PERIODS,
    DEMO_SEED,
    demo_profiles,
    scheduled_values,
    synthetic_values,
)
from assessment.domain.model import Edition, LocalStandard, RegionTree

DEMO_DIR = Path(__file__).resolve().parent
NATIONAL_DIR = DEMO_DIR / "national"
PROVINCE_CODE = "990000"
NATION_CODE = "900000"

__all__ = [
    "DEMO_DIR",
    "DEMO_PERIODS",
    "DEMO_SEED",
    "NATIONAL_DIR",
    "NATION_CODE",
    "PROVINCE_CODE",
    "demo_boundaries",
    "demo_local_standards",
    "demo_profiles",
    "demo_tree",
    "national_boundaries",
    "national_local_standards",
    "national_tree",
    "scheduled_values",
    "synthetic_values",
]


@lru_cache(maxsize=1)
def demo_tree() -> RegionTree:
    """The fictional province's region tree, loaded from ``regions.csv``."""
    return load_region_tree(DEMO_DIR / "regions.csv")


def demo_local_standards(edition: Edition) -> tuple[LocalStandard, ...]:
    """The province's and one prefecture's fictional higher standards (``local_standards.csv``),
    checked against ``edition`` and the demo tree. Raises DataFileError if they do not fit."""
    return load_local_standards(DEMO_DIR / "local_standards.csv", edition, demo_tree())


@lru_cache(maxsize=1)
def _boundaries_text() -> str:
    return (DEMO_DIR / "boundaries.geojson").read_text(encoding="utf-8")


def demo_boundaries() -> dict:
    """The fictional boundaries as a GeoJSON FeatureCollection (a fresh dict on every call).

    One feature per region, ``feature["id"]`` and ``feature["properties"]["code"]`` = region code,
    plus ``name_zh``, ``name_en``, ``level`` and ``parent_code``. For plotly:
    ``choropleth(geojson=demo_boundaries(), locations=codes, featureidkey="properties.code")``.
    """
    return json.loads(_boundaries_text())


@lru_cache(maxsize=1)
def national_tree() -> RegionTree:
    """The fictional country's region tree (``national/regions.csv``): 示例国 900000 over four
    provinces (910000, 920000, 930000 and the demo province 990000), 11 prefectures, 65 counties."""
    return load_region_tree(NATIONAL_DIR / "regions.csv")


def national_local_standards(edition: Edition) -> tuple[LocalStandard, ...]:
    """The demo province's fictional local standards (``local_standards.csv``) in the national tree."""
    return load_local_standards(DEMO_DIR / "local_standards.csv", edition, national_tree())


def national_boundaries() -> dict:
    """The national demo's fictional boundaries (``national/boundaries.geojson``), a fresh dict."""
    return json.loads((NATIONAL_DIR / "boundaries.geojson").read_text(encoding="utf-8"))
