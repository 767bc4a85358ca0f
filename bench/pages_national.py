"""The national-scale store for ``bench_pages.py`` (issue 7, Speed). Fictional, deterministic.

    python bench/pages_national.py [--rebuild]

Builds a SQLite file under bench/out/ from bench/national.py (31 provinces, about 340
prefectures, about 2,850 counties, every indicator for 5 years, the generated local standards),
through the store's ordinary paths: the region tree and the edition, the local standards, one tidy
batch CSV per period read by :func:`assessment.intake.ingest.read_upload` and stored by
:meth:`Store.import_upload`, then every submission approved. The file is reused while its marker
setting says it is complete and of this recipe; anything else is rebuilt from scratch.

The generator's tree has 31 roots; a national node ``000000`` (level ``national``, as region trees of any
depth allow since issue 13) is put above the provinces, so the national evaluator's root is a real
national level. Two evaluators are added:
``bench-national`` (scope: that node, the whole country) and ``bench-province`` (the province with
the most counties: the largest jurisdiction a real three-level tree has).

The validator refuses two things the generator makes, so :func:`complete_required` fixes them first:
gaps in required indicators (filled from the county's nearest other year) and a few negative values
(set to 0).

Approving: ``Store.review`` per submission is timed on the first ``SAMPLE_REVIEWS`` (and
extrapolated); the rest go through the same workflow function (:func:`assessment.store.workflow
.decide`, what the demo seed uses) inside a few :meth:`Store.transaction` blocks.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pandas as pd  # noqa: E402
from national import PERIODS, national_local_standards, national_tree, national_values  # noqa: E402

from assessment.domain.model import Edition, LocalStandard, Region, RegionTree  # noqa: E402

OUT = ROOT / "bench" / "out"
DB_PATH = OUT / "pages_national.db"
MARKER_KEY = "bench.pages_national"
MARKER = "v2 national_tree() 31/340/2850, periods 2020-2024, standards, all approved, 000000 national root"
NATION = "000000"
NATIONAL_USER = "bench-national"
PROVINCE_USER = "bench-province"
SYSTEM = "system"
SAMPLE_REVIEWS = 200
COLUMNS = ["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]


@dataclass(frozen=True)
class NationalStore:
    """A ready national store: its URL, the two bench users' scopes and how it was built."""

    url: str
    nation: str
    province: str
    province_counties: int
    counties: int
    regions: int
    values: int
    submissions: int
    reused: bool
    timings: tuple[tuple[str, float], ...] = ()


def national_tree_with_root() -> RegionTree:
    """The generator's tree under one bench-only national node (see the module docstring)."""
    tree = national_tree()
    provinces = [r for r in tree if r.parent_code is None]
    nation = Region(
        NATION, "全国（基准）", "Nation (bench)", "national", None, sum(p.population for p in provinces)
    )
    regions = [nation, *(replace(r, parent_code=NATION) if r.parent_code is None else r for r in tree)]
    return RegionTree(tuple(regions))


def largest_province(tree: RegionTree) -> tuple[str, int]:
    """The province with the most counties, and that number."""
    parent = {r.code: r.parent_code for r in tree}
    counts: dict[str, int] = {}
    for r in tree:
        if r.level == "county":
            prov = parent[parent[r.code]]  # county -> prefecture -> province
            counts[prov] = counts.get(prov, 0) + 1
    code = max(counts, key=lambda c: (counts[c], c))
    return code, counts[code]


def complete_required(values: pd.DataFrame, edition: Edition, local: Sequence[LocalStandard]) -> pd.DataFrame:
    """The generator's values made acceptable to the validator: its gaps in *required* indicators
    filled (a required value may not be missing) and its few negative values (overshooting an optimum
    of 0) set to 0. A gap takes the county's value of the same indicator in the nearest other year,
    else the indicator's median that year. Gaps in other indicators and the wholly missing
    county-years stay (they exercise the ``no_data`` paths)."""
    ind = edition.indicator_frame()
    required = set(ind.loc[ind["national_floor"].notna(), "indicator_code"]) | {
        s.indicator_code for s in local
    }
    keys = ["region_code", "period", "indicator_code"]
    present = values[["region_code", "period"]].drop_duplicates()
    need = present.merge(pd.DataFrame({"indicator_code": sorted(required)}, dtype="string"), how="cross")
    full = need.merge(values, on=keys, how="outer").sort_values(keys, ignore_index=True)
    numbers = ["value", "numerator", "denominator"]
    by_series = full.sort_values(["region_code", "indicator_code", "period"]).groupby(
        ["region_code", "indicator_code"], sort=False
    )[numbers]
    filled = by_series.ffill().combine_first(by_series.bfill())
    full = full.assign(**{c: full[c].fillna(filled[c]) for c in numbers})
    median = full.groupby(["period", "indicator_code"])["value"].transform("median")
    value = full["value"].fillna(median).clip(lower=0.0)  # the generator overshoots some zero optima
    full = full.assign(value=value, note="")
    return full[COLUMNS]


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def ready(path: Path = DB_PATH) -> bool:
    """True when ``path`` holds a complete store of this recipe (the marker setting)."""
    from assessment.store.service import Store

    if not path.exists():
        return False
    try:
        with Store(_url(path)) as store:
            return store.setting(MARKER_KEY) == MARKER
    except Exception:  # a half-written or foreign file: rebuild it
        return False


def build(path: Path = DB_PATH, log: Callable[[str], None] = print) -> list[tuple[str, float]]:
    """Build the national store at ``path`` from scratch; returns (step, seconds) timings."""
    from assessment.catalogue import load_edition
    from assessment.intake.ingest import read_upload
    from assessment.store import workflow
    from assessment.store.service import Store

    timings: list[tuple[str, float]] = []

    def step(name: str, started: float) -> None:
        seconds = time.perf_counter() - started
        timings.append((name, seconds))
        log(f"  {name}: {seconds:.1f} s")

    OUT.mkdir(parents=True, exist_ok=True)
    _remove(path)
    t = time.perf_counter()
    edition = load_edition()
    tree = national_tree_with_root()
    local = national_local_standards(edition, national_tree())
    values = complete_required(national_values(edition, national_tree()), edition, local)
    step(f"generate ({len(tree):,} regions, {len(values):,} values, {len(local)} local standards)", t)

    with Store(_url(path)) as store:
        t = time.perf_counter()
        store.save_region_tree(SYSTEM, tree)
        store.register_edition(SYSTEM, edition)
        for std in local:
            store.set_local_standard(SYSTEM, std, edition, tree)
        step("region tree, edition, local standards", t)

        ids: list[int] = []
        for period in PERIODS:
            batch = values.loc[values["period"] == period, COLUMNS]
            data = batch.to_csv(index=False).encode("utf-8")
            name = f"national_{period}.csv"
            t = time.perf_counter()
            result = read_upload(data, name, edition=edition, tree=tree, local_standards=local)
            step(f"read_upload {name} ({len(batch):,} rows, {len(data) / 1e6:.0f} MB)", t)
            if not result.ok:
                raise SystemExit(f"{name} refused: {[p.message_en for p in result.errors[:5]]}")
            t = time.perf_counter()
            outcome = store.import_upload(SYSTEM, data, name, result)
            ids += [item.id for item in outcome.items if item.created]
            step(f"import_upload {name} ({sum(i.created for i in outcome.items):,} submissions)", t)

        t = time.perf_counter()
        sample, rest = ids[:SAMPLE_REVIEWS], ids[SAMPLE_REVIEWS:]
        for sid in sample:
            store.review(SYSTEM, sid, "approve")
        per_call = (time.perf_counter() - t) / max(1, len(sample))
        step(
            f"Store.review x {len(sample)} ({per_call * 1000:.0f} ms each; all {len(ids):,} this way "
            f"would take about {per_call * len(ids) / 60:.1f} min)",
            t,
        )
        t = time.perf_counter()
        chunk = max(1, len(rest) // len(PERIODS))
        for start in range(0, len(rest), chunk):
            with store.transaction() as conn:
                for sid in rest[start : start + chunk]:
                    workflow.decide(conn, SYSTEM, sid, "approve")
        step(f"approve the other {len(rest):,} (workflow.decide, {chunk:,} per transaction)", t)

        province, _ = largest_province(tree)
        store.add_user(SYSTEM, NATIONAL_USER, "Bench national evaluator", "evaluator", NATION)
        store.add_user(SYSTEM, PROVINCE_USER, "Bench provincial evaluator", "evaluator", province)
        store.set_setting(SYSTEM, MARKER_KEY, MARKER)
    return timings


def ensure(
    path: Path = DB_PATH, *, rebuild: bool = False, log: Callable[[str], None] = print
) -> NationalStore:
    """The national store at ``path``: reused when complete, else built (timings returned then)."""
    import sqlalchemy as sa

    from assessment.store.service import Store

    reused = not rebuild and ready(path)
    timings: list[tuple[str, float]] = []
    if reused:
        log(f"  reusing {path.relative_to(ROOT)} (marker {MARKER_KEY} present)")
    else:
        timings = build(path, log)
    with Store(_url(path)) as store:
        tree = store.region_tree()
        with store.read() as conn:
            n_values = conn.exec_driver_sql("SELECT count(*) FROM submission_values").scalar_one()
            n_subs = conn.execute(sa.text("SELECT count(*) FROM submissions")).scalar_one()
    province, n_prov = largest_province(tree)
    return NationalStore(
        url=_url(path),
        nation=NATION,
        province=province,
        province_counties=n_prov,
        counties=sum(r.level == "county" for r in tree),
        regions=len(tree),
        values=int(n_values),
        submissions=int(n_subs),
        reused=reused,
        timings=tuple(timings),
    )


if __name__ == "__main__":
    started = time.perf_counter()
    info = ensure(rebuild="--rebuild" in sys.argv[1:])
    print(
        f"{info.url}: {info.regions:,} regions ({info.counties:,} counties), {info.values:,} values in "
        f"{info.submissions:,} submissions; largest province {info.province} ({info.province_counties} "
        "counties)"
    )
    print(f"total {time.perf_counter() - started:.1f} s")
