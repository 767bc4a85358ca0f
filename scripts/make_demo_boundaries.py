"""Make the FICTIONAL boundaries of the demo province: assessment/demo/boundaries.geojson.

Deterministic (fixed seed, numpy only). A province-shaped blob on a jittered lattice around
100-104E, 28-31N is split into the three prefectures, then each prefecture into its counties, by
weighted nearest-seed assignment of lattice cells (seed positions and weights below: small weights
make the compact urban districts). Stray pieces are merged into a neighbour so every region is one
piece. Each region's outline is traced along the shared lattice edges and smoothed arc by arc
(the same arc for both neighbours), so polygons never overlap, counties tile their prefecture and
prefectures tile the province. The shapes are invented and
resemble no real place.

    .venv/bin/python scripts/make_demo_boundaries.py          # rewrite the file
    .venv/bin/python scripts/make_demo_boundaries.py --check  # exit 1 if the file is stale
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "assessment" / "demo"
SEED = 20210420
LON0, LAT0, NX, NY, STEP = 100.0, 28.0, 64, 48, 0.0625  # 4 x 3 degrees
JITTER = 0.22  # share of a cell each lattice vertex may move
COS_LAT = float(np.cos(np.radians(29.5)))

# code: (lon, lat, weight); the distance to a seed is divided by its weight
PREFECTURES = {"990100": (102.8, 29.95, 0.95), "990200": (102.2, 28.9, 1.0), "990300": (100.9, 29.6, 1.2)}
COUNTIES = {
    "990102": (102.78, 29.88, 0.35),
    "990103": (102.95, 29.78, 0.40),
    "990104": (102.66, 30.03, 0.38),
    "990121": (103.35, 29.75, 1.0),
    "990122": (102.25, 29.95, 1.0),
    "990123": (103.10, 29.30, 1.0),
    "990124": (102.40, 30.50, 1.0),
    "990202": (102.25, 28.95, 0.40),
    "990203": (102.45, 28.85, 0.40),
    "990221": (102.80, 28.65, 1.0),
    "990222": (101.70, 28.75, 1.0),
    "990223": (102.20, 28.45, 1.0),
    "990224": (101.95, 29.45, 1.0),
    "990225": (102.70, 29.30, 1.0),
    "990381": (101.05, 29.75, 0.60),
    "990321": (100.95, 30.35, 1.0),
    "990322": (100.55, 29.55, 1.0),
    "990323": (100.80, 29.00, 1.0),
    "990324": (101.60, 30.45, 1.0),
    "990325": (101.45, 29.20, 1.0),
}


def read_regions() -> list[dict[str, str]]:
    with (DEMO / "regions.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def province_mask() -> np.ndarray:
    """Cells (ny, nx) inside a wobbly, province-like outline; one 4-connected piece, no holes."""
    lon = LON0 + (np.arange(NX) + 0.5) * STEP
    lat = LAT0 + (np.arange(NY) + 0.5) * STEP
    x, y = np.meshgrid((lon - 102.0) * COS_LAT, lat - 29.5)
    theta = np.arctan2(y, x)
    wobble = (
        1
        + 0.08 * np.cos(2 * theta + 1.9)
        + 0.09 * np.cos(3 * theta + 1.3)
        + 0.06 * np.cos(4 * theta + 0.2)
        + 0.05 * np.cos(5 * theta + 2.1)
    )
    inside = np.hypot(x / 1.38, y / 1.2) <= wobble
    return fill_holes(largest_component(inside))


def neighbours(i: int, j: int) -> list[tuple[int, int]]:
    return [
        (a, b) for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)) if 0 <= a < NY and 0 <= b < NX
    ]


def components(mask: np.ndarray) -> list[list[tuple[int, int]]]:
    seen = np.zeros_like(mask, dtype=bool)
    out = []
    for start in zip(*np.nonzero(mask), strict=True):
        if seen[start]:
            continue
        seen[start] = True
        stack, comp = [start], []
        while stack:
            cur = stack.pop()
            comp.append(cur)
            for nb in neighbours(*cur):
                if mask[nb] and not seen[nb]:
                    seen[nb] = True
                    stack.append(nb)
        out.append(comp)
    return sorted(out, key=len, reverse=True)


def largest_component(mask: np.ndarray) -> np.ndarray:
    out = np.zeros_like(mask, dtype=bool)
    for cell in components(mask)[0]:
        out[cell] = True
    return out


def fill_holes(mask: np.ndarray) -> np.ndarray:
    outside = ~mask
    out = mask.copy()
    for comp in components(outside):
        if not any(i in (0, NY - 1) or j in (0, NX - 1) for i, j in comp):
            for cell in comp:
                out[cell] = True
    return out


def assign(cells: np.ndarray, seeds: dict[str, tuple[float, float, float]]) -> np.ndarray:
    """Label each cell in ``cells`` with the code of its weighted-nearest seed ('' outside)."""
    lon = LON0 + (np.arange(NX) + 0.5) * STEP
    lat = LAT0 + (np.arange(NY) + 0.5) * STEP
    lon_g, lat_g = np.meshgrid(lon, lat)
    codes = list(seeds)
    dist = np.stack([np.hypot((lon_g - s[0]) * COS_LAT, lat_g - s[1]) / s[2] for s in seeds.values()])
    labels = np.array(codes, dtype=object)[dist.argmin(axis=0)]
    return np.where(cells, labels, "")


def make_contiguous(labels: np.ndarray, within: np.ndarray | None = None) -> np.ndarray:
    """Give every stray piece of a region to the neighbour it shares most edges with
    (within the same parent when ``within`` labels parents)."""
    labels = labels.copy()
    for _ in range(50):
        changed = False
        for code in sorted(set(labels.ravel()) - {""}):
            for piece in components(labels == code)[1:]:
                votes: dict[str, int] = {}
                for cell in piece:
                    for nb in neighbours(*cell):
                        other = labels[nb]
                        if other not in ("", code) and (within is None or within[nb] == within[cell]):
                            votes[other] = votes.get(other, 0) + 1
                if votes:
                    winner = max(sorted(votes), key=votes.get)
                    for cell in piece:
                        labels[cell] = winner
                    changed = True
        if not changed:
            return labels
    raise RuntimeError("could not make regions contiguous")


def lattice() -> tuple[np.ndarray, np.ndarray]:
    """Jittered lon/lat of the (ny+1, nx+1) lattice vertices; the outer frame stays straight."""
    rng = np.random.default_rng(SEED)
    jx = rng.uniform(-JITTER, JITTER, (NY + 1, NX + 1)) * STEP
    jy = rng.uniform(-JITTER, JITTER, (NY + 1, NX + 1)) * STEP
    lon = LON0 + np.arange(NX + 1)[None, :] * STEP + jx
    lat = LAT0 + np.arange(NY + 1)[:, None] * STEP + jy
    return lon, lat


def trace(region: np.ndarray) -> list[list[tuple[int, int]]]:
    """Closed rings of lattice vertices (row, col) around a set of cells, the region on the left:
    outer rings counter-clockwise, holes clockwise (RFC 7946)."""
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def add(a: tuple[int, int], b: tuple[int, int]) -> None:
        edges.setdefault(a, []).append(b)

    for i, j in zip(*np.nonzero(region), strict=True):

        def out(a: int, b: int) -> bool:
            return not (0 <= a < NY and 0 <= b < NX and region[a, b])

        if out(i - 1, j):
            add((i, j), (i, j + 1))  # bottom, west to east
        if out(i, j + 1):
            add((i, j + 1), (i + 1, j + 1))  # right, south to north
        if out(i + 1, j):
            add((i + 1, j + 1), (i + 1, j))  # top, east to west
        if out(i, j - 1):
            add((i + 1, j), (i, j))  # left, north to south
    rings = []
    while edges:
        start = min(edges)
        ring, prev, cur = [start], start, edges[start][0]
        edges[start].remove(cur)
        while cur != start:
            options = edges[cur]
            heading = (cur[0] - prev[0], cur[1] - prev[1])
            left = (heading[1], -heading[0])  # in (row=north, col=east) terms
            pick = next((o for o in options if (o[0] - cur[0], o[1] - cur[1]) == left), options[0])
            options.remove(pick)
            ring.append(cur)
            prev, cur = cur, pick
        ring.append(start)
        rings.append(ring)
        edges = {k: v for k, v in edges.items() if v}
    return rings


def signed_area(ring: list[tuple[float, float]]) -> float:
    xs = np.array([p[0] for p in ring])
    ys = np.array([p[1] for p in ring])
    return 0.5 * float(np.sum(xs[:-1] * ys[1:] - xs[1:] * ys[:-1]))


def point_in_ring(pt: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    x, y = pt
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def junctions(labels: np.ndarray) -> set[tuple[int, int]]:
    """Lattice vertices where three or more regions (or the outside) meet, or two meet corner to
    corner. Outlines are split there into arcs, each shared by exactly two regions."""
    lab = np.pad(labels, 1, constant_values="")
    out = set()
    for r in range(NY + 1):
        for c in range(NX + 1):
            sw, se, nw, ne = lab[r, c], lab[r, c + 1], lab[r + 1, c], lab[r + 1, c + 1]
            n = len({sw, se, nw, ne})
            if n >= 3 or (n == 2 and sw == ne and se == nw):
                out.add((r, c))
    return out


class Smoother:
    """Smooths the staircase outlines arc by arc (Chaikin corner cutting, ends fixed). Each arc is
    computed once in a canonical direction and reused reversed by the region on its other side, so
    neighbours share exactly the same border and nothing overlaps."""

    def __init__(self, labels: np.ndarray, lon: np.ndarray, lat: np.ndarray, rounds: int = 2) -> None:
        self.cuts = junctions(labels)
        self.lon, self.lat, self.rounds = lon, lat, rounds
        self.cache: dict[tuple, list[tuple[float, float]]] = {}

    def arc(self, verts: list[tuple[int, int]]) -> list[tuple[float, float]]:
        fwd = tuple(verts)
        if fwd[::-1] < fwd:
            return self.arc(list(fwd[::-1]))[::-1]
        if fwd not in self.cache:
            pts = np.array([(self.lon[v], self.lat[v]) for v in fwd])
            for _ in range(self.rounds):
                cut = np.empty((2 * len(pts) - 2, 2))
                cut[0::2] = 0.75 * pts[:-1] + 0.25 * pts[1:]
                cut[1::2] = 0.25 * pts[:-1] + 0.75 * pts[1:]
                pts = np.vstack([pts[:1], cut, pts[-1:]])
            keep = [0] + [k for k in range(1, len(pts) - 1) if not collinear(pts[k - 1], pts[k], pts[k + 1])]
            pts = pts[[*keep, len(pts) - 1]]
            self.cache[fwd] = [(round(float(x), 4), round(float(y), 4)) for x, y in pts]
        return self.cache[fwd]

    def ring(self, ring: list[tuple[int, int]]) -> list[tuple[float, float]]:
        verts = ring[:-1]
        at = [k for k, v in enumerate(verts) if v in self.cuts]
        start = at[0] if at else verts.index(min(verts))
        verts = verts[start:] + verts[:start]
        bounds = [k for k, v in enumerate(verts) if v in self.cuts] or [0]
        closed = [*verts, verts[0]]
        out: list[tuple[float, float]] = []
        for a, b in zip(bounds, [*bounds[1:], len(verts)], strict=True):
            out.extend(self.arc(closed[a : b + 1])[:-1])
        return [*out, out[0]]


def collinear(a: np.ndarray, b: np.ndarray, c: np.ndarray, tol: float = 2e-5) -> bool:
    return abs((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])) < tol * np.hypot(*(c - a))


def geometry(region: np.ndarray, smoother: Smoother) -> dict:
    rings = [smoother.ring(ring) for ring in trace(region)]
    outers = [r for r in rings if signed_area(r) > 0]
    holes = [r for r in rings if signed_area(r) < 0]
    polygons: list[list[list[tuple[float, float]]]] = [[o] for o in outers]
    for hole in holes:
        owner = next(p for p in polygons if point_in_ring(hole[0], p[0]))
        owner.append(hole)
    coords = [[[list(pt) for pt in ring] for ring in poly] for poly in polygons]
    if len(coords) == 1:
        return {"type": "Polygon", "coordinates": coords[0]}
    return {"type": "MultiPolygon", "coordinates": coords}


def build() -> dict:
    regions = read_regions()
    mask = province_mask()
    pref = make_contiguous(assign(mask, PREFECTURES))
    parent = {r["code"]: r["parent_code"] for r in regions}
    county = np.full(mask.shape, "", dtype=object)
    for code in PREFECTURES:
        seeds = {c: s for c, s in COUNTIES.items() if parent[c] == code}
        county = np.where(pref == code, assign(pref == code, seeds), county)
    county = make_contiguous(county, within=pref)
    lon, lat = lattice()
    smoother = Smoother(county, lon, lat)
    features = []
    for reg in regions:
        code, level = reg["code"], reg["level"]
        cells = mask if level == "province" else (pref == code if level == "prefecture" else county == code)
        if not cells.any():
            raise RuntimeError(f"region {code} got no cells: move its seed")
        features.append(
            {
                "type": "Feature",
                "id": code,
                "properties": {
                    "code": code,
                    "name_zh": reg["name_zh"],
                    "name_en": reg["name_en"],
                    "level": level,
                    "parent_code": reg["parent_code"] or None,
                    "cells": int(cells.sum()),
                },
                "geometry": geometry(cells, smoother),
            }
        )
    return {
        "type": "FeatureCollection",
        "name": "示例省 Sample Province (fictional)",
        "note": "FICTIONAL boundaries for the synthetic demo province; they resemble no real place. "
        "虚构边界，仅用于演示，不代表任何真实地区。Generated by scripts/make_demo_boundaries.py.",
        "features": features,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from a rebuild")
    parser.add_argument("--out", type=Path, default=DEMO / "boundaries.geojson")
    args = parser.parse_args(argv)
    text = json.dumps(build(), ensure_ascii=False, separators=(",", ":")) + "\n"
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print("up to date" if same else f"{args.out} is stale: rerun {Path(__file__).name}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(text):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
