"""Loading a real national region tree (issue 13: "importing the whole national tree, about 3,200
regions, under 2 s"). Prints medians; asserts nothing.

    python bench/bench_regions.py [--runs 5] [--backend sqlite|postgres|both]

The tree is the built-in national division list (``assessment.catalogue.divisions``: 3,340 regions
under the national root 100000) with every population filled in, as an administrator would upload
it. Timed, each the median of ``--runs``:

1. baseline: ``pandas.read_csv`` of the same bytes (a bare parse, no checks);
2. ``parse_region_csv``: the loader with every check (levels, parents, cycles, codes, populations);
3. ``Store.save_region_tree`` into an empty database, then again into a database that already holds
   it (nothing changes: the path of a re-upload);
4. the whole import as ``python -m assessment regions import`` does it (parse + save), per backend.

Each backend gets a fresh database: a SQLite file under bench/out/ (git-ignored) and a scratch schema
on ``$ASSESSMENT_TEST_PG_URL`` (dropped afterwards; skipped when no server answers).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def national_csv() -> bytes:
    from assessment.catalogue.divisions import division_tree_frame

    frame = division_tree_frame("100000").assign(population="1000000")
    return frame.to_csv(index=False).encode("utf-8")


def run_backend(name: str, url: str, data: bytes, runs: int) -> None:
    from assessment.catalogue.regions import parse_region_csv
    from assessment.store import Store

    tree = parse_region_csv(data, "national.csv")
    again: list[float] = []
    whole: list[float] = []
    for i in range(runs):
        if name == "sqlite":
            db = OUT / f"bench_regions_{i}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            run_url = f"sqlite:///{db}"
        else:
            run_url = url
        with Store(run_url) as store:
            if name == "postgres":
                with store.transaction() as conn:  # an empty tree for every run
                    for table in ("region_boundaries", "local_standards", "regions"):
                        conn.exec_driver_sql(f"DELETE FROM {table}")
            t = time.perf_counter()
            store.save_region_tree("system", parse_region_csv(data, "national.csv"))
            whole.append(time.perf_counter() - t)
            t = time.perf_counter()
            store.save_region_tree("system", tree)
            again.append(time.perf_counter() - t)
    print(f"  {name:9s} import (parse + save, empty database)  median {statistics.median(whole):6.3f} s")
    print(f"  {name:9s} save again (nothing changes)          median {statistics.median(again):6.3f} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    from assessment.catalogue.regions import parse_region_csv

    OUT.mkdir(parents=True, exist_ok=True)
    data = national_csv()
    rows = data.count(b"\n") - 1
    base = median_time(lambda: pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False), args.runs)
    parse = median_time(lambda: parse_region_csv(data, "national.csv"), args.runs)
    print(f"national tree: {rows:,} regions, {len(data) / 1e6:.2f} MB (target: import under 2 s)")
    print(f"  baseline pandas.read_csv                         median {base:6.3f} s")
    print(
        f"  parse_region_csv (every check)                   median {parse:6.3f} s  ratio {parse / base:5.1f}"
    )
    if args.backend in ("sqlite", "both"):
        run_backend("sqlite", "", data, args.runs)
    if args.backend in ("postgres", "both"):
        base_url = os.environ.get("ASSESSMENT_TEST_PG_URL", PG_URL)
        try:
            admin = sa.create_engine(base_url)
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        except sa.exc.OperationalError as err:
            print(f"  postgres: skipped, no server ({type(err).__name__})")
            return 0
        try:
            sep = "&" if "?" in base_url else "?"
            run_backend(
                "postgres", f"{base_url}{sep}options={quote(f'-csearch_path={schema}')}", data, args.runs
            )
        finally:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()
    print(
        f"(medians of {args.runs} runs; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
