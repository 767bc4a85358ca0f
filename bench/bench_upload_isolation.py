"""Hostile uploads versus other users' pages (issue 15 point 3). Prints medians; asserts nothing.

    python bench/bench_upload_isolation.py [--runs 15] [--rebuild]

1. **Refusing the probe's file**: an xlsx of 4.9 M rows of small numbers (17 MB, 620 MB of sheet
   XML, ``tests.fixtures.hostile_xlsx``), and the same with a dimension that lies (``A1:B2``) at
   2.0 M rows (250 MB of XML, under the uncompressed limit, so the row count while streaming in
   the child is what stops it). Each ``read_upload`` runs in a fresh process, so the peak RSS
   printed is the server's (the parent's) own; the child's is bounded by its RLIMIT_AS.
2. **Pages while uploads are parsed**: the data of an evaluator's overview, uncached (what
   ``ui.data._assessment`` does on a cold page: ``Store.values`` + ``assess`` of the demo
   province), timed alone, then while 2 threads of this process (as the Streamlit server's
   sessions would) keep uploading (each at most once a second; the probe's file also back to
   back, which only a script could send), under three loads: the probe's file, the lying one,
   and a 500,000-row batch within every limit (parsed whole in the child, then validated in the
   parent: the heaviest upload the limits admit). Median and ratio to the page alone.
3. **Overhead of the child on a normal upload**: ``read_upload`` of a demo county's template and
   of a 7-row batch csv, in-process (``ParseLimits(isolate=False)``) and isolated.

Generated files are cached under ``bench/out/`` (git-ignored); the machine's load average is
printed alongside (2 shared cores: compare ratios run side by side, not across runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
DEMO_DB = OUT / "isolation_demo.db"
EVALUATOR = "demo-province"
PROBE = OUT / "hostile_4900000.xlsx"
LYING = OUT / "hostile_2000000_lying.xlsx"
BIG_OK = OUT / "hostile_500000.xlsx"


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def files(rebuild: bool) -> None:
    from tests.fixtures import hostile_xlsx

    OUT.mkdir(parents=True, exist_ok=True)
    for path, rows, dim in ((PROBE, 4_900_000, None), (LYING, 2_000_000, "A1:B2"), (BIG_OK, 500_000, None)):
        if rebuild or not path.exists():
            t = time.perf_counter()
            hostile_xlsx(rows, dimension=dim, path=path)
            print(
                f"  wrote {path.name}: {path.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.0f} s"
            )


def demo_store() -> str:
    from assessment.demo.seed import seed_demo
    from assessment.store.service import Store

    url = f"sqlite:///{DEMO_DB}"
    if not DEMO_DB.exists():
        with Store(url) as store:
            seed_demo(store)
    return url


@cache
def _catalogue() -> tuple[object, object]:
    from assessment.catalogue import load_edition
    from assessment.demo import demo_tree

    return load_edition(), demo_tree()


@cache
def _bytes(path: Path) -> bytes:
    return path.read_bytes()


def read(path: Path) -> tuple[float, list[str]]:
    """``read_upload`` of ``path`` against the shipped edition and the demo tree: (seconds, codes)."""
    from assessment.intake.ingest import read_upload

    edition, tree = _catalogue()
    data = _bytes(path)
    t = time.perf_counter()
    result = read_upload(data, path.name, edition=edition, tree=tree)  # type: ignore[arg-type]
    return time.perf_counter() - t, [p.code for p in result.errors[:3]]


def refusal_child(path: str) -> None:
    """In a fresh process: time to the verdict and this process's peak RSS."""
    import resource

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    seconds, codes = read(Path(path))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  {Path(path).name:<28} {seconds:6.2f} s   parent peak RSS {peak:5.0f} MB "
        f"(after imports {before:.0f} MB)   -> {', '.join(codes) or 'accepted'}"
    )


def refusals() -> None:
    print("\n1. Refusing hostile files (each in a fresh process; the probe: 65 s and 5 GB before)")
    for path in (PROBE, LYING):
        subprocess.run([sys.executable, __file__, "--refusal-child", str(path)], check=True)


def page_data(url: str) -> Callable[[], object]:
    """The uncached data of the demo evaluator's overview (ui.data._assessment on a cold cache)."""
    from assessment.scoring.analysis import assess
    from assessment.store.service import Store

    store = Store(url)
    schedule, local, tree = store.edition_schedule(), store.local_indicators(), store.region_tree()
    standards = store.local_standards()

    def run() -> object:
        values = store.values(EVALUATOR, include_pending=False, region_codes=None)
        return assess(
            values,
            schedule,
            tree,
            standards,
            jurisdiction=tree.root.code,
            basis="standard",
            local_indicators=local,
        )

    return run


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def under_load(
    fn: Callable[[], object], runs: int, path: Path | None, pace: bool = True
) -> tuple[list[float], list[float]]:
    """Page times while 2 threads keep uploading ``path`` (None: alone), each at most once a second
    (``pace``) or back to back; and the uploads' times."""
    if path is None:
        return timed(fn, runs), []
    stop = threading.Event()
    uploads: list[float] = []

    def uploader() -> None:
        while not stop.is_set():
            seconds = read(path)[0]
            uploads.append(seconds)
            if pace:  # a user re-sends at most once a second (17 MB take longer than that to arrive)
                stop.wait(max(0.0, 1.0 - seconds))

    threads = [threading.Thread(target=uploader, daemon=True) for _ in range(2)]
    for th in threads:
        th.start()
    time.sleep(1.0)  # both uploads under way
    pages = timed(fn, runs)
    stop.set()
    for th in threads:
        th.join()
    return pages, uploads


def isolation(url: str, runs: int) -> None:
    print(
        f"\n2. An evaluator's overview data (demo province, uncached) alone and during 2 parallel uploads "
        f"(load {load()})"
    )
    fn = page_data(url)
    fn()  # warm the imports and the database file
    read(PROBE)  # start the forkserver
    rows = []
    alone_before, _ = under_load(fn, runs, None)
    for label, path, pace in (
        ("the probe's file, 1/s per thread", PROBE, True),
        ("the probe's file, back to back", PROBE, False),
        ("lying dimension, 2.0 M rows", LYING, True),
        ("500,000-row batch within limits", BIG_OK, True),
    ):
        pages, uploads = under_load(fn, runs, path, pace)
        rows.append((label, pages, uploads))
    alone_after, _ = under_load(fn, runs, None)
    base = statistics.median(alone_before + alone_after)
    print(f"  {'load':<34} {'page median':>12} {'ratio':>7} {'uploads done':>13} {'upload median':>14}")
    print(f"  {'alone (before and after)':<34} {base * 1000:9.0f} ms {1:7.2f}")
    for label, pages, uploads in rows:
        med = statistics.median(pages)
        up = f"{statistics.median(uploads):.2f} s" if uploads else "-"
        print(f"  {label:<34} {med * 1000:9.0f} ms {med / base:7.2f} {len(uploads):13d} {up:>14}")


def overhead(runs: int) -> None:
    from assessment.catalogue import load_edition
    from assessment.demo import demo_tree
    from assessment.intake.ingest import read_upload
    from assessment.intake.isolation import ParseLimits
    from tests.fixtures import batch_csv, demo_template, good_batch_rows

    print(f"\n3. A normal upload in-process vs in the child (medians of {runs}; load {load()})")
    edition, tree = load_edition(), demo_tree()
    county = next(r.code for r in tree.leaves() if r.reports)
    cases = (
        ("template (demo county)", demo_template(county, 2024), "t.xlsx"),
        ("batch csv (7 rows)", batch_csv(good_batch_rows()), "b.csv"),
    )
    for label, data, name in cases:
        out = []
        for isolate in (False, True):
            call = partial(
                read_upload, data, name, edition=edition, tree=tree, limits=ParseLimits(isolate=isolate)
            )
            call()
            out.append(statistics.median(timed(call, runs)))
        print(
            f"  {label:<24} in-process {out[0] * 1000:6.0f} ms   isolated {out[1] * 1000:6.0f} ms   "
            f"overhead {(out[1] - out[0]) * 1000:+5.0f} ms"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true", help="write the hostile files again")
    parser.add_argument("--refusal-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.refusal_child:
        refusal_child(args.refusal_child)
        return 0
    print(f"load average {load()}")
    files(args.rebuild)
    url = demo_store()
    refusals()
    isolation(url, args.runs)
    overhead(args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
