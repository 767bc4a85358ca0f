"""Region boundaries for the maps: a GeoJSON file checked against the region tree (issue 7 item 9).

Administrators upload the boundaries of their regions as a GeoJSON ``FeatureCollection`` (what
QGIS, ArcGIS, mapshaper and the DataV/Aliyun download of Chinese divisions produce): one feature per
region, its code in a property called ``code``, ``region_code``, ``adcode`` or ``gb`` (six digits,
nine for a township, as in the region tree), a ``Polygon`` or ``MultiPolygon`` geometry in
longitude/latitude degrees.
:func:`parse_boundaries` refuses the whole file, storing nothing, when any feature is unusable, and
says which feature, what is wrong and what to do, in Chinese and English. Coordinates are kept to 5
decimals (about one metre), which also shrinks what the maps send to the browser.

:func:`feature_collection` turns stored geometries back into the FeatureCollection the charts draw
(``properties.code``, names, level and parent from the tree). Pure Python: no streamlit, no plotly.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.domain.model import RegionTree

MAX_BYTES = 64 * 1024 * 1024  # a whole country's counties, simplified, is 10-30 MB
MAX_PROBLEMS = 30  # listed one by one; the rest are counted
CODE_PROPERTIES = ("code", "region_code", "adcode", "gb")
PRECISION = 5
GEOMETRY_TYPES = ("Polygon", "MultiPolygon")
_CODE = re.compile(r"\d{6}|\d{9}")  # nine digits: a township (its county's six + three)


@dataclass(frozen=True)
class BoundarySet:
    """Checked boundaries: geometry per region code, and the regions of the tree left without one."""

    geometries: dict[str, dict[str, Any]]
    missing: tuple[str, ...]  # codes of regions in the tree that the file does not cover
    vertices: int

    @property
    def warnings(self) -> tuple[Problem, ...]:
        if not self.missing:
            return ()
        examples = ", ".join(self.missing[:10]) + (" …" if len(self.missing) > 10 else "")
        count = len(self.missing)
        return (_problem("boundaries.missing_regions", count=count, examples=examples, warning=True),)


def _problem(key: str, *, file: str = "", column: str = "", warning: bool = False, **fmt: object) -> Problem:
    return localized_problem(key, fmt, file=file, column=column, severity="warning" if warning else "error")


def _code_of(props: Mapping[str, Any]) -> tuple[str | None, str]:
    """The region code in a feature's properties (any accepted key, any case) and the key used."""
    lowered = {str(k).lower(): (k, v) for k, v in props.items()}
    for key in CODE_PROPERTIES:
        if key in lowered and lowered[key][1] not in (None, ""):
            value = lowered[key][1]
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return str(value).strip(), str(lowered[key][0])
    return None, ""


def _clean_ring(ring: Any) -> list[list[float]] | None:
    """A ring as [[lon, lat], ...] rounded, or None when it is not numbers in degree ranges."""
    if not isinstance(ring, list):
        return None
    out = []
    for pt in ring:
        if not isinstance(pt, list | tuple) or len(pt) < 2:
            return None
        lon, lat = pt[0], pt[1]
        if isinstance(lon, bool) or isinstance(lat, bool) or not isinstance(lon, int | float):
            return None
        if not isinstance(lat, int | float) or not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
            return None
        out.append([round(float(lon), PRECISION), round(float(lat), PRECISION)])
    return out


def _clean_geometry(geometry: Mapping[str, Any]) -> tuple[dict[str, Any] | None, str, int]:
    """(cleaned geometry or None, problem key, vertex count)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        return None, "boundaries.bad_coordinates", 0
    cleaned, vertices = [], 0
    for poly in polygons:
        if not isinstance(poly, list) or not poly:
            return None, "boundaries.bad_coordinates", 0
        rings = []
        for ring in poly:
            clean = _clean_ring(ring)
            if clean is None:
                return None, "boundaries.bad_coordinates", 0
            if len(clean) < 4:
                return None, "boundaries.ring_too_short", 0
            if clean[0] != clean[-1]:
                clean.append(list(clean[0]))  # close the ring, as GeoJSON requires
            rings.append(clean)
            vertices += len(clean)
        cleaned.append(rings)
    geom = {"type": kind, "coordinates": cleaned[0] if kind == "Polygon" else cleaned}
    return geom, "", vertices


def parse_boundaries(data: bytes, filename: str, tree: RegionTree) -> BoundarySet:
    """Check a GeoJSON upload against ``tree``; raise :class:`DataFileError` listing every problem."""
    if len(data) > MAX_BYTES:
        raise DataFileError(
            [
                _problem(
                    "boundaries.too_large",
                    file=filename,
                    size=f"{len(data) / 2**20:.1f}",
                    limit=f"{MAX_BYTES / 2**20:.0f}",
                )
            ]
        )
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise DataFileError([_problem("boundaries.not_utf8", file=filename)]) from None
    except json.JSONDecodeError as err:
        raise DataFileError(
            [_problem("boundaries.not_json", file=filename, line=err.lineno, col=err.colno, reason=err.msg)]
        ) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise DataFileError([_problem("boundaries.not_collection", file=filename, found=str(found))])
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        raise DataFileError([_problem("boundaries.no_features", file=filename)])

    problems: list[Problem] = []
    geometries: dict[str, dict[str, Any]] = {}
    first_at: dict[str, int] = {}
    vertices = 0
    accepted = ", ".join(CODE_PROPERTIES)
    for n, feature in enumerate(features, start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        code, key = _code_of(props if isinstance(props, dict) else {})
        if code is None and isinstance(feature, dict) and feature.get("id") not in (None, ""):
            code, key = str(feature["id"]).strip(), "id"
        if code is None:
            problems.append(_problem("boundaries.no_code", file=filename, n=n, keys=accepted))
            continue
        if not _CODE.fullmatch(code):
            problems.append(_problem("boundaries.bad_code", file=filename, column=key, n=n, value=code))
            continue
        if code not in tree:
            problems.append(_problem("boundaries.unknown_code", file=filename, column=key, n=n, value=code))
            continue
        if code in first_at:
            problems.append(
                _problem("boundaries.duplicate_code", file=filename, n=n, value=code, first=first_at[code])
            )
            continue
        first_at[code] = n
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in GEOMETRY_TYPES:
            problems.append(
                _problem("boundaries.bad_geometry", file=filename, n=n, value=code, found=str(kind or "-"))
            )
            continue
        clean, key_problem, count = _clean_geometry(geometry)  # type: ignore[arg-type]
        if clean is None:
            problems.append(_problem(key_problem, file=filename, n=n, value=code))
            continue
        geometries[code] = clean
        vertices += count
    if problems:
        if len(problems) > MAX_PROBLEMS:
            more = len(problems) - MAX_PROBLEMS
            tail = _problem("boundaries.more_problems", file=filename, count=more)
            problems = [*problems[:MAX_PROBLEMS], tail]
        raise DataFileError(problems)
    missing = tuple(r.code for r in tree if r.code not in geometries)
    return BoundarySet(geometries, missing, vertices)


def feature_collection(geometries: Mapping[str, Mapping[str, Any]], tree: RegionTree) -> dict[str, Any]:
    """The FeatureCollection the maps draw: regions of ``tree`` that have a geometry, in tree order,
    ``id`` and ``properties.code`` = region code, with names, level and parent code."""
    features = []
    for region in tree:
        geom = geometries.get(region.code)
        if geom is None:
            continue
        features.append(
            {
                "type": "Feature",
                "id": region.code,
                "properties": {
                    "code": region.code,
                    "name_zh": region.name_zh,
                    "name_en": region.name_en,
                    "level": region.level,
                    "parent_code": region.parent_code,
                },
                "geometry": dict(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}
