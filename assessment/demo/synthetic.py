"""Synthetic, deterministic values for the fictional demo province (never real figures).

Each reporting county gets a latent *position* per indicator and period on a scale anchored to the
indicator: 0 = its lower bound (scores 0), 0.6 = the national floor (or, where there is none, 60% of
the way from the lower bound to the optimum), 1.0 = a "good" level H beyond the floor (60% of the
way from the floor to the optimum, or 30% beyond the floor where floor and optimum coincide). The
position comes from the county's profile (fiscal capacity per head, mountainous, ethnic
autonomous, urban), an indicator difficulty, a county x indicator effect, a yearly trend and a
little yearly noise; it is then mapped to a value in the indicator's unit. Rich urban districts sit
at or above H (so above the demo local standards, which are all set below H); poor mountainous
counties sit around the floor and miss it on many items; the behaviours in ``profiles.csv``
(suspicious, stagnating, deteriorating) are layered on top. Rates get a numerator and denominator
scaled from the county's population (births ~1%, people aged 65+ ~14%...), with
``value = round(100 * numerator / denominator, 2)``; other kinds get a value only.

Randomness: numpy Generators seeded from (seed), (seed, county code) and (seed, county code,
period), so a county's figures do not change when other counties or periods are added.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.catalogue.regions import read_csv_table
from assessment.domain.editions import EditionSchedule
from assessment.domain.model import Edition, Region, RegionTree

DEMO_PERIODS = (2022, 2023, 2024)
DEMO_SEED = 20210420
BASE_YEAR = 2022
FLOOR_POS, GOOD_POS, MAX_POS = 0.6, 1.0, 1.15
COLUMNS = ("region_code", "period", "indicator_code", "value", "numerator", "denominator", "note")

# What a rate's denominator counts, as a share of the resident population (first match wins).
DENOMINATOR_SHARES: tuple[tuple[str, float], ...] = (
    (r"township|sub-district", 1 / 25_000),
    (r"village|communit", 1 / 1_500),
    (r"live birth|pregnan|maternal|mothers|delivered", 0.010),
    (r"infant|newborn|under 3|under-3|aged 0-6|0-6", 0.05),
    (r"children|under 7", 0.08),
    (r"pupil|student|school|enrol|textbook|dictionary|first-grader|retention", 0.13),
    (r"65\+|aged 65|older people|elderly", 0.14),
    (r"disab|blind", 0.02),
    (r"hypertension", 0.06),
    (r"diabetes", 0.025),
    (r"mental", 0.004),
    (r"tuberculosis", 0.0005),
    (r"hiv", 0.0008),
    (r"dibao|low-income|poor|poverty|extreme|assistance|relief|disaster", 0.03),
    (r"veteran|preferential|incentive|beneficiar", 0.006),
    (r"dispute|arbitration|complaint|application|registration|legal", 0.003),
    (r"facilit|librar|kindergarten", 1 / 3_000),
    (r"insurance|participation|pension", 0.7),
    (r"employ|job|worker|contract|internship|train", 0.05),
    (r"health record|resident", 0.95),
)
DEFAULT_SHARE = 0.01


def demo_profiles() -> pd.DataFrame:
    """The demo county profiles (``profiles.csv``): region_code, profile, note_zh, note_en.

    Profiles: rich_urban, urban, average, poor_mountainous, suspicious, stagnating, deteriorating,
    non_reporting.
    """
    path = Path(__file__).with_name("profiles.csv")
    df = read_csv_table(path.read_bytes(), path.name, ("code", "profile", "note_zh", "note_en"))
    return df.drop(columns="_row").rename(columns={"code": "region_code"})


def denominator_share(text: str) -> float:
    """Share of the population a rate's denominator counts, guessed from its name/definition."""
    low = text.lower()
    return next((share for pattern, share in DENOMINATOR_SHARES if re.search(pattern, low)), DEFAULT_SHARE)


def _anchors(edition: Edition) -> pd.DataFrame:
    """Per indicator: kind, sign (+1 higher is better), L, F (floor or stand-in), H, share, floor."""
    ind = edition.indicator_frame()
    sign = np.where(ind["direction"] == "higher", 1.0, -1.0)
    low, opt, floor = (
        ind["lower_bound"].to_numpy(),
        ind["optimum"].to_numpy(),
        ind["national_floor"].to_numpy(),
    )
    f_eff = np.where(np.isnan(floor), low + FLOOR_POS * (opt - low), floor)
    beyond = (opt - f_eff) * sign > 1e-9
    good = np.where(beyond, f_eff + 0.6 * (opt - f_eff), f_eff + sign * 0.3 * np.abs(f_eff - low))
    is_rate = (ind["kind"] == "rate").to_numpy()
    good = np.where(is_rate, np.clip(good, 0, 100), np.maximum(good, 0))
    texts = [f"{i.name_en} {i.definition_en}" for i in edition.indicators]
    return pd.DataFrame(
        {
            "indicator_code": ind["indicator_code"],
            "kind": ind["kind"],
            "sign": sign,
            "L": low,
            "F": f_eff,
            "H": good,
            "floor": floor,
            "share": [denominator_share(t) for t in texts],
        }
    )


def _quality(region: Region) -> float:
    """Base position of a county from its profile attributes (about 0.53 poor ... 1.0 rich)."""
    fiscal = region.fiscal_capacity_per_head or 5_000.0
    q = 0.72 + 0.18 * np.log(max(fiscal, 500.0) / 5_000.0) / np.log(5.0)
    return float(q - 0.04 * region.mountainous - 0.02 * region.ethnic_autonomous + 0.04 * region.urban)


def _positions(pos: np.ndarray, a: pd.DataFrame) -> np.ndarray:
    """Map positions to values in each indicator's unit (piecewise linear through L, F, H)."""
    pos = np.clip(pos, 0.02, MAX_POS)
    low, floor, good = a["L"].to_numpy(), a["F"].to_numpy(), a["H"].to_numpy()
    below = low + (floor - low) * pos / FLOOR_POS
    above = floor + (good - floor) * (pos - FLOOR_POS) / (GOOD_POS - FLOOR_POS)
    value = np.where(pos <= FLOOR_POS, below, above)
    is_rate = (a["kind"] == "rate").to_numpy()
    return np.where(is_rate, np.clip(value, 0, 100), np.maximum(value, 0))


def _round(value: np.ndarray, a: pd.DataFrame, pos: np.ndarray) -> np.ndarray:
    kind = a["kind"].to_numpy()
    big = np.abs(a["F"].to_numpy()) >= 100
    out = np.where(kind == "count", np.round(value), np.round(value, 2))
    out = np.where((kind == "amount") & big, np.round(value), out)
    return np.where(kind == "boolean", (np.clip(pos, 0, None) >= 0.5).astype(float), out)


def _county_frame(
    region: Region, profile: str, a: pd.DataFrame, periods: Sequence[int], seed: int
) -> pd.DataFrame:
    n = len(a)
    rng = np.random.default_rng([seed, int(region.code)])
    effect = rng.normal(0.0, 0.08, n)
    trend = np.full(n, 0.025)
    if profile == "stagnating":
        trend = np.where(rng.random(n) < 0.3, -0.03, 0.0)
    elif profile == "deteriorating":
        trend = np.where(rng.random(n) < 0.25, -0.05, 0.025)
    rich = profile == "rich_urban" or (region.urban and (region.fiscal_capacity_per_head or 0) >= 15_000)
    is_rate = (a["kind"] == "rate").to_numpy()
    # floors a county could plausibly exceed (not 100% coverage floors, not yes/no items)
    room = (
        ~np.isnan(a["floor"].to_numpy()) & (a["kind"] != "boolean").to_numpy() & (a["H"] != a["F"]).to_numpy()
    )
    bunch = np.zeros(n, dtype=bool)
    jump = np.zeros(n, dtype=bool)
    inflate = np.zeros(n, dtype=bool)
    if profile == "suspicious":
        bunch = room & (rng.random(n) < 0.6)
        free = np.flatnonzero(is_rate & ~bunch & (a["share"].to_numpy() >= 0.005))
        picks = rng.choice(free, size=min(3, len(free)), replace=False)
        jump[picks[:2]] = True
        inflate[picks[2:]] = True
    share = a["share"].to_numpy()
    base_den = region.population * share * np.where(inflate, 1.32 / np.maximum(share, 1e-9), 1.0)
    rows = []
    for period in periods:
        prng = np.random.default_rng([seed, int(region.code), int(period)])
        years = int(period) - BASE_YEAR
        noise = prng.normal(0, 0.012, n)
        pos = _quality(region) + a["difficulty"].to_numpy() + effect + trend * years + noise
        if rich:
            pos = np.clip(pos + 0.1, GOOD_POS, MAX_POS)
        pos = np.where(jump, np.where(years >= 2, 1.05, 0.30 + 0.03 * years) + noise, pos)
        value = _positions(pos, a)
        value = np.where(bunch, a["floor"].to_numpy(), value)
        den = np.maximum(np.round(base_den * (1 + prng.normal(0, 0.02, n))), 5)
        den = np.where(bunch & is_rate, np.maximum(np.round(den / 200) * 200, 200), den)
        num = np.clip(np.round(den * value / 100), 0, den)
        rate_value = np.round(100 * num / den, 2)
        value = np.where(is_rate, rate_value, _round(value, a, pos))
        rows.append(
            pd.DataFrame(
                {
                    "region_code": region.code,
                    "period": int(period),
                    "indicator_code": a["indicator_code"],
                    "value": value,
                    "numerator": np.where(is_rate, num, np.nan),
                    "denominator": np.where(is_rate, den, np.nan),
                    "note": "",
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def synthetic_values(
    edition: Edition, tree: RegionTree, periods: Sequence[int] = DEMO_PERIODS, seed: int = DEMO_SEED
) -> pd.DataFrame:
    """Deterministic synthetic values, tidy: one row per reporting county x period x indicator.

    Columns: region_code (string), period (int64), indicator_code (string), value (float64),
    numerator and denominator (float64, rates only, else NaN), note (string, empty). Counties with
    ``reports=False`` get no rows. Same arguments, same frame. Profiles come from the region
    attributes and, for the demo counties, from ``profiles.csv``.
    """
    a = _anchors(edition)
    a["difficulty"] = np.random.default_rng([seed]).normal(0.0, 0.05, len(a))
    known = dict(zip(*(demo_profiles()[c] for c in ("region_code", "profile")), strict=True))
    counties = [r for r in tree if r.level == "county" and r.reports]
    frames = [_county_frame(r, known.get(r.code, ""), a, periods, seed) for r in counties]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({c: [] for c in COLUMNS})
    return out.astype(
        {
            "region_code": "string",
            "period": "int64",
            "indicator_code": "string",
            "value": "float64",
            "numerator": "float64",
            "denominator": "float64",
            "note": "string",
        }
    )


def scheduled_values(
    schedule: EditionSchedule,
    tree: RegionTree,
    periods: Sequence[int] = DEMO_PERIODS,
    seed: int = DEMO_SEED,
) -> pd.DataFrame:
    """The demo's values under an edition schedule: :func:`synthetic_values` of the first edition for
    every period (so the figures of every indicator the editions share stay the same), plus the
    indicators a later edition adds, for the periods it is in force (from their own seeded stream)."""
    first = schedule.scheduled[0]
    frames = [synthetic_values(first, tree, periods, seed)]
    for n, ed in enumerate(schedule.scheduled[1:], start=1):
        own = [p for p in periods if schedule.for_period(p).label == ed.label]
        new = tuple(i for i in ed.indicators if i.code not in first.indicator_by_code)
        if not own or not new:
            continue
        items = {i.item_code for i in new}
        part = replace(ed, indicators=new, items=tuple(x for x in ed.items if x.code in items))
        frames.append(synthetic_values(part, tree, own, seed + 1000 * n))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["region_code", "period"], kind="stable", ignore_index=True)
