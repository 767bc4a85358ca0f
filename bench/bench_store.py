"""Storage speed (issue 4 item 8). Prints medians; asserts nothing.

    python bench/bench_store.py [--backend sqlite|postgres|both] [--runs 15] [--counties 2850]
                                [--workers 4] [--per-worker 10]

1. One filled template (the real edition, a demo county): ``import_upload`` alone, and
   ``read_upload`` + ``import_upload`` together (target under 0.5 s on SQLite).
2. A batch of ``--counties`` counties x 110 indicators (313,500 values) in one transaction.
3. ``values()`` at national scale: three periods of that batch approved (940,500 rows), read row
   by row (the baseline) and through the per-period snapshots (``assessment.store.snapshots``).
4. PostgreSQL: throughput of parallel imports (``--workers`` processes x ``--per-worker`` imports).

Each backend gets a fresh database: a SQLite file under bench/out/ (git-ignored), a scratch schema
on ``$ASSESSMENT_TEST_PG_URL`` (dropped afterwards; skipped when no server answers).
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing
import statistics
import sys
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
INDICATORS = 110
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def national_tree(counties: int):  # type: ignore[no-untyped-def]
    """A fictional national tree: 31 provinces, prefectures of ~9 counties, ``counties`` counties."""
    from assessment.domain.model import Region, RegionTree

    regions = [Region("990000", "全国", "Nation", "province", None, 1_400_000_000)]
    n = 0
    for p in range(31):
        prov = f"{10 + p:02d}0000"
        regions.append(Region(prov, f"省{p}", f"P{p}", "province", None, 45_000_000))
        for k in range(1, 100):
            if n >= counties or k > 12:
                break
            pref = f"{10 + p:02d}{k:02d}00"
            regions.append(Region(pref, f"市{p}-{k}", f"C{p}-{k}", "prefecture", prov, 4_000_000))
            for c in range(1, 10):
                if n >= counties:
                    break
                regions.append(
                    Region(f"{10 + p:02d}{k:02d}{c:02d}", f"县{n}", f"K{n}", "county", pref, 450_000)
                )
                n += 1
    # a bench-only tree: several roots are fine for the store (it does not validate shape)
    return RegionTree(tuple(regions[1:]))


def batch_values(tree, period: int, seed: int) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    counties = [r.code for r in tree if r.level == "county"]
    codes = [f"S{i // 2 + 1:02d}.{i % 2 + 1}" for i in range(INDICATORS)]
    rng = np.random.default_rng(seed)
    n = len(counties) * len(codes)
    den = rng.integers(500, 50_000, n).astype("float64")
    num = np.floor(den * rng.uniform(0.6, 1.0, n))
    return pd.DataFrame(
        {
            "region_code": np.repeat(counties, len(codes)),
            "period": period,
            "indicator_code": np.tile(codes, len(counties)),
            "value": np.round(100 * num / den, 2),
            "numerator": num,
            "denominator": den,
            "note": None,
        }
    )


def timed(fn, runs: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def template_bench(store, runs: int) -> None:  # type: ignore[no-untyped-def]
    from assessment.catalogue import load_edition
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values
    from assessment.intake.ingest import read_upload
    from assessment.intake.template import build_template

    edition, tree = load_edition(), demo_tree()
    standards = demo_local_standards(edition)
    store.save_region_tree("system", tree)
    values = synthetic_values(edition, tree, periods=(2024,))
    region = "990102"
    data = build_template(
        edition, tree, region, 2024, standards, values=values[values["region_code"] == region]
    )
    result = read_upload(data, "t.xlsx", edition=edition, tree=tree, local_standards=standards)
    counter = iter(range(10**6))

    def variant():  # type: ignore[no-untyped-def]
        i = next(counter)
        raw = data + f"#{i}".encode()
        vals = result.values.assign(value=result.values["value"] + i * 1e-6)
        return raw, replace(result, values=vals, sha256=hashlib.sha256(raw).hexdigest())

    med, _ = timed(lambda: store.import_upload("system", *_args(variant())), runs)
    print(f"  import_upload, one template ({len(result.values)} values): median {med * 1000:.1f} ms")

    def full():  # type: ignore[no-untyped-def]
        res = read_upload(data, "t.xlsx", edition=edition, tree=tree, local_standards=standards)
        raw, res2 = variant()
        return store.import_upload(
            "system", raw, "t.xlsx", replace(res, values=res2.values, sha256=res2.sha256)
        )

    med, _ = timed(full, max(3, runs // 3))
    print(f"  read_upload + import_upload, one template: median {med * 1000:.1f} ms (target < 500 ms)")


def _args(pair):  # type: ignore[no-untyped-def]
    return pair[0], "t.xlsx", pair[1]


def batch_bench(store, counties: int) -> None:  # type: ignore[no-untyped-def]
    from assessment.store.schema import submissions

    tree = national_tree(counties)
    store.save_region_tree("system", tree)
    times = []
    for period in (2022, 2023, 2024):
        values = batch_values(tree, period, period)
        data = values.to_csv(index=False).encode()
        result = _batch_result(values, data)
        t0 = time.perf_counter()
        out = store.import_upload("system", data, f"batch_{period}.csv", result)
        times.append(time.perf_counter() - t0)
        assert out.created_count == len(values) // INDICATORS
    counties = len(values) // INDICATORS
    print(
        f"  batch import, {counties} counties x {INDICATORS} indicators "
        f"({counties * INDICATORS:,} values, one transaction): median {statistics.median(times):.2f} s"
    )
    with store.transaction() as conn:  # bench set-up only: approve everything at once
        conn.execute(
            sa.update(submissions).where(submissions.c.status == "submitted").values(status="approved")
        )
    values_bench(store)


def values_bench(store) -> None:  # type: ignore[no-untyped-def]
    """values(): the row-by-row read (baseline) against the per-period snapshots it now reads."""
    from assessment.store import queries

    def rows_read() -> pd.DataFrame:
        with store.read() as conn:
            return queries.values(conn)

    base, frame = timed(rows_read, 3)
    t0 = time.perf_counter()
    store.values("system")  # no snapshots yet: reads the rows, builds and writes them
    first = time.perf_counter() - t0
    med, same = timed(lambda: store.values("system"), 3)
    pd.testing.assert_frame_equal(frame, same)  # bench sanity: the same rows either way
    print(f"  values() all approved, {len(frame):,} rows:")
    print(f"    row by row (baseline)       median {base:.2f} s")
    print(f"    first read, snapshots built        {first:.2f} s (once)")
    print(f"    via the snapshots           median {med:.2f} s (ratio baseline / snapshots {base / med:.1f})")
    med, frame = timed(lambda: store.values("system", periods=[2024]), 3)
    print(f"  values(periods=[2024]), {len(frame):,} rows: median {med:.2f} s")


def _batch_result(values: pd.DataFrame, data: bytes):  # type: ignore[no-untyped-def]
    from assessment.intake.ingest import UploadResult

    return UploadResult(True, (), values, "batch", None, None, "CN-2021", hashlib.sha256(data).hexdigest())


def _worker(url: str, regions: list[str], seed: int) -> int:
    from assessment.store import Store

    with Store(url) as store:
        for n, region in enumerate(regions):
            values = pd.DataFrame(
                {
                    "region_code": region,
                    "period": 2024,
                    "indicator_code": [f"S{i:02d}.1" for i in range(1, INDICATORS + 1)],
                    "value": np.arange(INDICATORS, dtype="float64") + seed + n,
                    "numerator": None,
                    "denominator": None,
                    "note": None,
                }
            )
            data = values.to_csv(index=False).encode()
            result = _batch_result(values, data)
            store.import_upload("system", data, f"{region}.csv", replace(result, kind="template"))
    return len(regions)


def parallel_bench(url: str, workers: int, per_worker: int) -> None:
    from assessment.store import Store

    with Store(url) as store:
        leaves = [r.code for r in store.region_tree() if r.level == "county"][: workers * per_worker]
    chunks = [leaves[i::workers] for i in range(workers)]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        list(pool.map(_worker, [url] * workers, [chunks[0][:1]] * workers, range(workers)))  # warm up
        t0 = time.perf_counter()
        done = sum(pool.map(_worker, [url] * workers, chunks, range(100, 100 + workers)))
        elapsed = time.perf_counter() - t0
    print(
        f"  parallel imports: {workers} processes, {done} templates in {elapsed:.2f} s"
        f" = {done / elapsed:.1f} imports/s"
    )


def run_backend(name: str, url: str, args: argparse.Namespace) -> None:
    from assessment.store import Store

    print(f"== {name}")
    with Store(url) as store:
        template_bench(store, args.runs)
    with Store(url) as store:
        batch_bench(store, args.counties)
    if name == "postgres" or args.parallel_sqlite:
        parallel_bench(url, args.workers, args.per_worker)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--counties", type=int, default=2850)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--per-worker", type=int, default=10)
    parser.add_argument("--parallel-sqlite", action="store_true", help="also run the parallel test on SQLite")
    args = parser.parse_args()
    import os

    if args.backend in ("sqlite", "both"):
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"bench_store_{uuid.uuid4().hex[:8]}.db"
        try:
            run_backend("sqlite", f"sqlite:///{path}", args)
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    if args.backend in ("postgres", "both"):
        base = os.environ.get("ASSESSMENT_TEST_PG_URL", PG_URL)
        try:
            admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
            with admin.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except sa.exc.OperationalError as err:
            print(f"== postgres: skipped, no server at {base} ({str(err).splitlines()[0]})")
            return
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        sep = "&" if "?" in base else "?"
        try:
            run_backend("postgres", f"{base}{sep}options={quote(f'-csearch_path={schema}')}", args)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


if __name__ == "__main__":
    main()
