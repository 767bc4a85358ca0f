"""Make the FICTIONAL national demo: assessment/demo/national/regions.csv and boundaries.geojson.

A fictional country, 示例国 Sample Country (code 900000), over four fictional provinces whose codes
(91-99) no real province uses (real province codes run from 11 to 82):

- 990000 示例省 Sample Province: the provincial demo as it is (its rows of
  ``assessment/demo/regions.csv`` and its features of ``assessment/demo/boundaries.geojson``);
- 910000 示例东省 Sample East Province: richer, more urban;
- 920000 示例西省 Sample West Province: poorer, mountainous, an autonomous prefecture, one county
  that never reports;
- 930000 示例北省 Sample North Province: about average.

The three new provinces are generated here from a fixed seed (numpy only): populations, fiscal
capacities and attributes per county, and boundaries as grid cells (each province a rectangle cut
into prefecture strips cut into county cells, widths from the counties' populations), placed
around the demo province without overlapping it. Each run writes byte-identical files;
``--check`` exits 1 when a file would change. Every name, figure and shape is invented.

    .venv/bin/python scripts/make_national_demo.py          # rewrite the files
    .venv/bin/python scripts/make_national_demo.py --check  # exit 1 if a file is stale
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from assessment.catalogue.regions import TREE_COLUMNS  # noqa: E402

DEMO = ROOT / "assessment" / "demo"
OUT = DEMO / "national"
SEED = 20210420
COLUMNS = TREE_COLUMNS
NATION = ("900000", "示例国", "Sample Country")
STEMS = (("甲", "Jia"), ("乙", "Yi"), ("丙", "Bing"))
NUMERALS = ("一", "二", "三", "四", "五", "六", "七", "八")


# code, zh short, en short, (lon0, lat0, lon1, lat1), counties per prefecture, fiscal range,
# share mountainous, autonomous prefecture (index or None), non-reporting county code or None
PROVINCES = (
    ("910000", "东", "East", (104.1, 28.0, 108.1, 31.4), (5, 5, 5), (9_000, 30_000), 0.0, None, None),
    ("920000", "西", "West", (95.9, 27.6, 100.0, 31.4), (6, 6, 6), (1_600, 5_200), 0.7, 2, "920224"),
    ("930000", "北", "North", (99.4, 31.5, 105.0, 34.0), (6, 6), (4_000, 11_000), 0.2, None, None),
)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def generated_regions() -> list[dict[str, object]]:
    """The rows of the three generated provinces (province, prefectures, counties), with the
    cell width weight of each county under ``_w`` and the province's box under ``_box``."""
    rows: list[dict[str, object]] = []
    for code, short, short_en, box, sizes, (f_lo, f_hi), mountain, auto, silent in PROVINCES:
        rng = np.random.default_rng([SEED, int(code)])
        pid = code[:2]
        province = {
            "code": code,
            "name_zh": f"示例{short}省",
            "name_en": f"Sample {short_en} Province",
            "level": "province",
            "parent_code": NATION[0],
            "_box": box,
        }
        rows.append(province)
        pop_p, money_p = 0, 0.0
        for k, n in enumerate(sizes):
            stem_zh, stem_en = STEMS[k]
            pref_code = f"{pid}{k + 1:02d}00"
            autonomous = auto == k
            pref = {
                "code": pref_code,
                "name_zh": f"示例{short}{stem_zh}" + ("自治州" if autonomous else "市"),
                "name_en": f"Sample {short_en} {stem_en} "
                + ("Autonomous Prefecture" if autonomous else "City"),
                "level": "prefecture",
                "parent_code": code,
            }
            rows.append(pref)
            pop_f, money_f = 0, 0.0
            for j in range(n):
                district = j < 2 and not autonomous
                suffix = f"{j + 2:02d}" if district else f"{j + 21 - (0 if autonomous else 2):02d}"
                c_code = f"{pid}{k + 1:02d}{suffix}"
                pop = int(round(float(rng.uniform(160_000, 1_100_000 if district else 650_000)), -4))
                fiscal = (
                    float(rng.uniform(f_lo, f_hi)) * (1.6 if district else 1.0) * (0.8 if autonomous else 1.0)
                )
                fiscal = int(round(fiscal, -2))
                hills = bool(rng.random() < mountain) and not district
                name_zh = f"{short}{stem_zh}{NUMERALS[j]}" + ("区" if district else "县")
                name_en = f"{short_en} {stem_en} " + (f"District {j + 1}" if district else f"County {j + 1}")
                rows.append(
                    {
                        "code": c_code,
                        "name_zh": name_zh,
                        "name_en": name_en,
                        "level": "county",
                        "parent_code": pref_code,
                        "population": pop,
                        "urban": _yes(district),
                        "mountainous": _yes(hills),
                        "ethnic_autonomous": _yes(autonomous),
                        "fiscal_capacity_per_head": fiscal,
                        "reports": _yes(c_code != silent),
                        "_w": float(np.sqrt(pop)),
                    }
                )
                pop_f += pop
                money_f += pop * fiscal
            pref.update(_aggregate(pop_f, money_f, urban=not autonomous, autonomous=autonomous))
            pop_p += pop_f
            money_p += money_f
        province.update(_aggregate(pop_p, money_p, urban=False, autonomous=False))
    return rows


def _aggregate(pop: int, money: float, *, urban: bool, autonomous: bool) -> dict[str, object]:
    return {
        "population": pop,
        "urban": _yes(urban),
        "mountainous": "no",
        "ethnic_autonomous": _yes(autonomous),
        "fiscal_capacity_per_head": int(round(money / pop, -2)),
        "reports": "yes",
    }


def _read_provincial() -> list[dict[str, str]]:
    with (DEMO / "regions.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        if row["level"] == "province":
            row["parent_code"] = NATION[0]
    return rows


def regions_csv() -> tuple[str, list[dict[str, object]]]:
    """The national tree as CSV text, and the generated rows (for the boundaries)."""
    provincial = _read_provincial()
    generated = generated_regions()
    provinces = [r for r in [*provincial, *generated] if r["level"] == "province"]
    pop = sum(int(str(r["population"])) for r in provinces)
    money = sum(int(str(r["population"])) * float(str(r["fiscal_capacity_per_head"])) for r in provinces)
    nation = {
        "code": NATION[0],
        "name_zh": NATION[1],
        "name_en": NATION[2],
        "level": "national",
        "parent_code": "",
        **_aggregate(pop, money, urban=False, autonomous=False),
    }
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in [nation, *generated, *provincial]:
        writer.writerow(row)
    return buf.getvalue(), generated


def _rect(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return [[round(x, 4), round(y, 4)] for x, y in ring]


def _feature(row: dict[str, object], geometry: dict) -> dict:
    code = str(row["code"])
    return {
        "type": "Feature",
        "id": code,
        "properties": {
            "code": code,
            "name_zh": row["name_zh"],
            "name_en": row["name_en"],
            "level": row["level"],
            "parent_code": row["parent_code"] or None,
        },
        "geometry": geometry,
    }


def boundaries(generated: list[dict[str, object]]) -> dict:
    """Grid-cell features for the generated provinces, the demo province's own features, and the
    country as the MultiPolygon of its provinces."""
    features: list[dict] = []
    province_polys: list[list] = []
    by_parent: dict[str, list[dict[str, object]]] = {}
    for row in generated:
        by_parent.setdefault(str(row["parent_code"]), []).append(row)
    for province in (r for r in generated if r["level"] == "province"):
        x0, y0, x1, y1 = province["_box"]  # type: ignore[misc]
        ring = _rect(x0, y0, x1, y1)
        features.append(_feature(province, {"type": "Polygon", "coordinates": [ring]}))
        province_polys.append([ring])
        prefectures = by_parent[str(province["code"])]
        height = (y1 - y0) / len(prefectures)
        for k, pref in enumerate(prefectures):
            top = y1 - k * height
            bottom = y0 if k == len(prefectures) - 1 else top - height
            features.append(_feature(pref, {"type": "Polygon", "coordinates": [_rect(x0, bottom, x1, top)]}))
            counties = by_parent[str(pref["code"])]
            weights = np.array([float(c["_w"]) for c in counties])  # type: ignore[arg-type]
            edges = x0 + (x1 - x0) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
            edges[-1] = x1
            for c, left, right in zip(counties, edges[:-1], edges[1:], strict=True):
                geom = {"type": "Polygon", "coordinates": [_rect(float(left), bottom, float(right), top)]}
                features.append(_feature(c, geom))
    provincial = json.loads((DEMO / "boundaries.geojson").read_text(encoding="utf-8"))
    for f in provincial["features"]:
        props = {k: v for k, v in f["properties"].items() if k != "cells"}
        if props["level"] == "province":
            props["parent_code"] = NATION[0]
            province_polys.append(f["geometry"]["coordinates"])
        features.append({**f, "properties": props})
    nation = {
        "code": NATION[0],
        "name_zh": NATION[1],
        "name_en": NATION[2],
        "level": "national",
        "parent_code": "",
    }
    features.insert(0, _feature(nation, {"type": "MultiPolygon", "coordinates": province_polys}))
    return {
        "type": "FeatureCollection",
        "name": "示例国 Sample Country (fictional)",
        "note": "FICTIONAL boundaries for the synthetic national demo; they resemble no real place. "
        "虚构边界，仅用于演示，不代表任何真实地区。Generated by scripts/make_national_demo.py.",
        "features": features,
    }


def build() -> dict[str, str]:
    """File name -> text of every generated file."""
    regions, generated = regions_csv()
    geo = json.dumps(boundaries(generated), ensure_ascii=False, separators=(",", ":")) + "\n"
    return {"regions.csv": regions, "boundaries.geojson": geo}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file differs from a rebuild")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    files = build()
    if args.check:
        stale = [
            n
            for n, text in files.items()
            if not (args.out / n).exists() or (args.out / n).read_text(encoding="utf-8") != text
        ]
        for name in stale:
            print(f"{args.out / name} is stale: rerun {Path(__file__).name}")
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (args.out / name).write_text(text, encoding="utf-8", newline="")
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
