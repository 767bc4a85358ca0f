"""National-scale synthetic data for benchmarks (issue 5 item 8). Fictional, deterministic.

``national_tree()`` builds 31 provinces, about 340 prefectures and about 2,850 counties with
plausible populations (codes are six digits starting at 10: they are not real GB/T 2260 codes);
``national_values(edition, tree)`` gives every county a value for every indicator in every one of 5
years (rates with a numerator and denominator), with about 2% of values and 1% of county-years
missing so that ``no_data`` paths are exercised; ``national_local_standards(edition, tree)`` has
every province raise about ten floors and one prefecture in five go higher still.

Everything is vectorised numpy so that generating 1.6 million rows takes about a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.domain.model import Edition, LocalStandard, Region, RegionTree

PERIODS = (2020, 2021, 2022, 2023, 2024)
SEED = 20210420


def national_tree(
    seed: int = SEED, provinces: int = 31, prefectures: int = 340, counties: int = 2850
) -> RegionTree:
    """A fictional country: ``provinces`` > ``prefectures`` > ``counties`` (spread unevenly)."""
    rng = np.random.default_rng(seed)
    pref_per_prov = _split(prefectures, provinces, rng)
    county_per_pref = _split(counties, prefectures, rng)
    regions: list[Region] = []
    k = 0
    for p in range(provinces):
        pcode = f"{10 + p:02d}0000"
        prov_regions = []
        for j in range(pref_per_prov[p]):
            fcode = f"{10 + p:02d}{j + 1:02d}00"
            kids = []
            for c in range(county_per_pref[k]):
                pop = int(np.clip(rng.lognormal(np.log(380_000), 0.55), 40_000, 2_000_000))
                ccode = f"{10 + p:02d}{j + 1:02d}{c + 1:02d}"
                kids.append(
                    Region(
                        ccode,
                        f"县{ccode}",
                        f"County {ccode}",
                        "county",
                        fcode,
                        pop,
                        urban=bool(rng.random() < 0.25),
                        mountainous=bool(rng.random() < 0.3),
                        fiscal_capacity_per_head=float(rng.lognormal(np.log(6000), 0.6)),
                    )
                )
            k += 1
            fpop = sum(r.population for r in kids)
            prov_regions.append(Region(fcode, f"市{fcode}", f"Prefecture {fcode}", "prefecture", pcode, fpop))
            prov_regions.extend(kids)
        ppop = sum(r.population for r in prov_regions if r.level == "prefecture")
        regions.append(Region(pcode, f"省{pcode}", f"Province {pcode}", "province", None, ppop))
        regions.extend(prov_regions)
    return RegionTree(tuple(regions))  # 31 roots: the provinces (no national node)


def _split(total: int, parts: int, rng: np.random.Generator) -> np.ndarray:
    """``parts`` positive integers summing to ``total``, uneven."""
    w = rng.gamma(4.0, size=parts)
    n = np.maximum(1, np.floor(w / w.sum() * total).astype(int))
    while n.sum() < total:
        n[rng.integers(parts)] += 1
    while n.sum() > total:
        i = int(np.argmax(n))
        n[i] -= 1
    return n


def national_values(
    edition: Edition, tree: RegionTree, periods: tuple[int, ...] = PERIODS, seed: int = SEED
) -> pd.DataFrame:
    """Tidy values for every county x period x indicator (about 2% missing)."""
    rng = np.random.default_rng(seed + 1)
    ind = edition.indicator_frame()
    counties = tree.leaves()
    codes = np.array([r.code for r in counties], dtype=object)
    pop = np.array([r.population for r in counties], dtype="float64")
    fiscal = np.array([r.fiscal_capacity_per_head or 6000.0 for r in counties])
    n_c, n_p, n_i = len(codes), len(periods), len(ind)
    lower = ind["lower_bound"].to_numpy(dtype="float64")
    optimum = ind["optimum"].to_numpy(dtype="float64")
    floor = ind["national_floor"].to_numpy(dtype="float64")
    floor = np.where(np.isnan(floor), lower + 0.6 * (optimum - lower), floor)
    # position 0 = lower bound, 0.6 = floor, 1 = optimum
    quality = (np.log(fiscal / 6000.0) * 0.12)[:, None, None]
    county_ind = rng.normal(0.0, 0.08, size=(n_c, 1, n_i))
    trend = rng.normal(0.02, 0.015, size=(n_c, 1, n_i)) * np.arange(n_p)[None, :, None]
    noise = rng.normal(0.0, 0.02, size=(n_c, n_p, n_i))
    pos = np.clip(0.72 + quality + county_ind + trend + noise, 0.0, 1.1)
    below = pos < 0.6
    value = np.where(
        below,
        lower + (floor - lower) * (pos / 0.6),
        floor + (optimum - floor) * np.clip((pos - 0.6) / 0.4, 0.0, 1.2),
    )
    kind = ind["kind"].to_numpy(dtype=object)
    is_rate = np.broadcast_to(kind == "rate", value.shape)
    is_bool = np.broadcast_to(kind == "boolean", value.shape)
    value = np.where(is_rate, np.clip(value, 0.0, 100.0), value)
    value = np.where(is_bool, (pos >= 0.6).astype("float64"), value)
    den = np.where(
        is_rate, np.round(pop[:, None, None] * 0.05 * rng.uniform(0.5, 1.5, size=(1, 1, n_i))), np.nan
    )
    num = np.where(is_rate, np.round(den * value / 100.0), np.nan)
    value = np.where(is_rate, np.round(100.0 * num / np.where(den > 0, den, 1.0), 2), np.round(value, 2))
    missing = rng.random(value.shape) < 0.02
    missing |= rng.random((n_c, n_p, 1)) < 0.01
    keep = ~missing.ravel()
    df = pd.DataFrame(
        {
            "region_code": pd.array(np.repeat(codes, n_p * n_i)[keep], dtype="string"),
            "period": np.tile(np.repeat(np.asarray(periods, dtype="int64"), n_i), n_c)[keep],
            "indicator_code": pd.array(
                np.tile(ind["indicator_code"].to_numpy(dtype=object), n_c * n_p)[keep], dtype="string"
            ),
            "value": value.ravel()[keep],
            "numerator": num.ravel()[keep],
            "denominator": den.ravel()[keep],
        }
    )
    df["note"] = ""
    return df


def national_local_standards(
    edition: Edition, tree: RegionTree, seed: int = SEED
) -> tuple[LocalStandard, ...]:
    """Every province raises about ten floors; one prefecture in five goes higher still."""
    rng = np.random.default_rng(seed + 2)
    ind = edition.indicator_frame()
    with_floor = ind.loc[ind["national_floor"].notna() & (ind["national_floor"] != ind["optimum"])]
    out: list[LocalStandard] = []
    for prov in (r for r in tree if r.level == "province"):
        chosen = with_floor.sample(n=min(10, len(with_floor)), random_state=int(rng.integers(1 << 31)))
        for _, i in chosen.iterrows():
            step = (i["optimum"] - i["national_floor"]) * 0.3
            out.append(
                LocalStandard(
                    prov.code, i["indicator_code"], float(i["national_floor"] + step), 2020, None, "bench"
                )
            )
        for pref in tree.children(prov.code):
            if rng.random() < 0.2:
                i = chosen.iloc[0]
                step = (i["optimum"] - i["national_floor"]) * 0.5
                out.append(
                    LocalStandard(
                        pref.code, i["indicator_code"], float(i["national_floor"] + step), 2022, None, "bench"
                    )
                )
    return tuple(out)
