"""Engine cost at several sizes, repeated runs in one process, DuckDB side by side (issue 20 point 3).

    python bench/bench_engine.py [--sizes 0.25,0.5,1,2,4] [--repeat 3] [--duckdb-rounds 3]
                                 [--code DIR] [--label NAME]

Prints medians and asserts nothing. In ONE long-lived process:

* **linear cost**: score + aggregate + equity (by indicator and by aspect) on the synthetic national
  data set of bench/national.py at ``--sizes`` times the national number of counties (1 = 2,850
  counties, 1.6 M score rows; the tree is regenerated with proportionally more prefectures), the
  median wall and CPU time of ``--repeat`` runs and the time per score row, with its ratio to the
  1x figure (linear = 1.0 at every size);
* **repeated runs**: the 1x pipeline run first, then again after the other sizes (other work in
  the same process), with the page faults (minor) and system CPU time of each run, which is where
  later runs used to lose time;
* **DuckDB**: the tuned query of bench/bench_scoring.py (statuses, scores and per-aspect
  aggregates) against the engine's score + aggregate on the same in-memory frames, ``--duckdb-rounds``
  rounds in rotating order (engine first, then DuckDB first...), outputs compared row by row.
  Polars is not installed in the shared environment and is not measured;
* **memory-bandwidth floor**: the bytes the pipeline must read and write (input values, score and
  aggregate tables as built) divided by the machine's measured copy bandwidth.

``--code DIR`` imports ``assessment`` from another checkout (e.g. an export of the previous commit)
so that the same bench gives the baseline; figures go to bench/out/bench_engine[_LABEL].json and the
previous file of the same label is printed beside them. Other processes on the 2-core machine slow
the wall time far more than the CPU time: the load average is printed with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_path(code: str | None) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(Path(code).resolve() if code else ROOT))


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def measured(fn: Callable[[], object]) -> tuple[dict[str, float], object]:
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "wall": time.perf_counter() - w,
        "cpu": time.process_time() - c,
        "sys": r1.ru_stime - r0.ru_stime,
        "minflt": float(r1.ru_minflt - r0.ru_minflt),
        "load": os.getloadavg()[0],
    }, out


def bandwidth_gib_s() -> float:
    """Copy bandwidth (read + write bytes per second) of a 256 MiB array, best of 3."""
    import numpy as np

    a = np.ones(32 * 2**20)
    b = np.empty_like(a)
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best / 2**30


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="0.25,0.5,1,2,4")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--duckdb-rounds", type=int, default=3)
    ap.add_argument("--code", default=None, help="import assessment from this checkout (baseline)")
    ap.add_argument("--label", default="")
    args = ap.parse_args(argv)
    _setup_path(args.code)

    from national import national_local_standards, national_tree, national_values

    from assessment.catalogue import load_edition
    from assessment.scoring.aggregation import aggregate
    from assessment.scoring.equity import equity
    from assessment.scoring.indicators import score_indicators

    out_file = ROOT / "bench" / "out" / f"bench_engine{'_' + args.label if args.label else ''}.json"
    previous = json.loads(out_file.read_text()) if out_file.exists() else {}
    edition = load_edition()
    sizes = [float(s) for s in args.sizes.split(",")]
    if 1.0 not in sizes:
        sizes.append(1.0)
    results: dict[str, object] = {"code": str(args.code or ROOT), "sizes": {}}

    def data(size: float) -> tuple:
        counties = round(2850 * size)
        prefectures = max(1, round(counties * 340 / 2850))
        tree = national_tree(counties=counties, prefectures=prefectures, provinces=min(31, prefectures))
        return tree, national_values(edition, tree), national_local_standards(edition, tree)

    def pipeline(values, tree, stds) -> tuple:
        s = score_indicators(values, edition, tree, stds)
        a = aggregate(s, edition, tree)
        e1 = equity(s, tree, edition, by="indicator")
        e2 = equity(s, tree, edition, by="aspect", aggregates=a)
        return s, a, e1, e2

    print(f"engine from {results['code']}; load average {_load()} on {os.cpu_count()} cores")
    tree1, values1, stds1 = data(1.0)
    first, (s1, a1, _, _) = measured(lambda: pipeline(values1, tree1, stds1))
    results["first_run"] = first
    del s1, a1

    per_size: dict[str, dict[str, float]] = {}
    for size in sorted(sizes):
        tree, values, stds = (tree1, values1, stds1) if size == 1.0 else data(size)
        runs = []
        n_rows = 0
        for _ in range(args.repeat):
            m, out = measured(lambda tree=tree, values=values, stds=stds: pipeline(values, tree, stds))
            n_rows = len(out[0])
            runs.append(m)
            del out
        fig = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        fig["rows"] = n_rows
        fig["us_per_row"] = fig["wall"] / n_rows * 1e6
        fig["cpu_us_per_row"] = fig["cpu"] / n_rows * 1e6
        per_size[str(size)] = fig
        print(
            f"  size {size:>5}: {n_rows:>10,} rows  wall {fig['wall']:6.2f} s  CPU {fig['cpu']:6.2f} s  "
            f"sys {fig['sys']:5.2f} s  faults {fig['minflt']:>9,.0f}  (load {fig['load']:.1f})",
            flush=True,
        )
        if size != 1.0:
            del tree, values, stds
    results["sizes"] = per_size

    again, _ = measured(lambda: pipeline(values1, tree1, stds1))
    results["after_other_work"] = again

    # DuckDB side by side, rotating order, outputs compared
    duck: dict[str, object] = {}
    try:
        import duckdb
        from bench_scoring import check_same, duckdb_run, duckdb_tables
    except ImportError as exc:
        duck["skipped"] = str(exc)
    else:
        con = duckdb.connect()
        con.execute("SET threads TO 2")
        tables = duckdb_tables(values1, edition, tree1, stds1)
        engine_runs, duck_runs = [], []

        def score_and_aggregate() -> tuple:
            scores = score_indicators(values1, edition, tree1, stds1)
            return scores, aggregate(scores, edition, tree1)

        check = ""
        for k in range(args.duckdb_rounds):
            order = ("engine", "duckdb") if k % 2 == 0 else ("duckdb", "engine")
            for who in order:
                if who == "engine":
                    m, (s, a) = measured(score_and_aggregate)
                    engine_runs.append(m)
                else:
                    m, (ds, da) = measured(lambda: duckdb_run(con, tables))
                    duck_runs.append(m)
            check = check_same(s, a, ds, da)
            del s, a, ds, da
        for name, runs in (("engine_score_aggregate", engine_runs), ("duckdb", duck_runs)):
            duck[name] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        duck["check"] = check
        duck["ratio_duckdb_over_engine_wall"] = (
            duck["duckdb"]["wall"] / duck["engine_score_aggregate"]["wall"]
        )
        duck["ratio_duckdb_over_engine_cpu"] = duck["duckdb"]["cpu"] / duck["engine_score_aggregate"]["cpu"]
    results["duckdb"] = duck

    # the memory-bandwidth floor of the 1x pipeline: bytes in + bytes out, at the copy bandwidth
    s, a, e1, e2 = pipeline(values1, tree1, stds1)
    moved = sum(int(f.memory_usage(deep=False).sum()) for f in (values1, s, a, e1, e2))
    bw = bandwidth_gib_s()
    results["floor"] = {"bytes_mib": moved / 2**20, "bandwidth_gib_s": bw, "floor_s": moved / 2**30 / bw}
    del s, a, e1, e2

    # report
    one = per_size["1.0"]
    print()
    print(
        f"{'size':>6}{'rows':>12}{'wall s':>9}{'CPU s':>8}{'us/row':>9}{'x 1x':>7}"
        f"{'CPU us/row':>12}{'x 1x':>7}"
    )
    for size, fig in per_size.items():
        print(
            f"{size:>6}{fig['rows']:>12,.0f}{fig['wall']:>9.2f}{fig['cpu']:>8.2f}{fig['us_per_row']:>9.3f}"
            f"{fig['us_per_row'] / one['us_per_row']:>7.2f}{fig['cpu_us_per_row']:>12.3f}"
            f"{fig['cpu_us_per_row'] / one['cpu_us_per_row']:>7.2f}"
        )
    print()
    for key, label in (("first_run", "1x first run"), ("after_other_work", "1x after other work")):
        m = results[key]
        print(
            f"{label:<24} wall {m['wall']:6.2f} s  CPU {m['cpu']:6.2f} s  sys {m['sys']:5.2f} s  "
            f"faults {m['minflt']:>9,.0f}  load {m['load']:.1f}"
        )
    if "check" in duck:
        e, d = duck["engine_score_aggregate"], duck["duckdb"]
        print(
            f"score + aggregate, {args.duckdb_rounds} rotating rounds: engine wall {e['wall']:.2f} s CPU "
            f"{e['cpu']:.2f} s; DuckDB (2 threads) wall {d['wall']:.2f} s CPU {d['cpu']:.2f} s; "
            f"DuckDB/engine wall {duck['ratio_duckdb_over_engine_wall']:.2f}x, CPU "
            f"{duck['ratio_duckdb_over_engine_cpu']:.2f}x (Polars not installed: not measured)"
        )
        print(f"outputs: {duck['check']}")
    else:
        print(f"DuckDB not measured: {duck.get('skipped')}")
    f = results["floor"]
    print(
        f"memory-bandwidth floor at 1x: {f['bytes_mib']:.0f} MiB in + out at "
        f"{f['bandwidth_gib_s']:.1f} GiB/s "
        f"= {f['floor_s'] * 1000:.0f} ms; the pipeline takes {one['wall']:.2f} s wall "
        f"({one['wall'] / f['floor_s']:.0f}x the floor), {one['cpu']:.2f} s CPU"
    )
    if previous:
        print("\nprevious run of this label (bench/out):")
        for size, fig in previous.get("sizes", {}).items():
            print(
                f"  size {size:>5}: wall {fig['wall']:.2f} s CPU {fig['cpu']:.2f} s (load {fig['load']:.1f})"
            )
    print(f"(medians of {args.repeat} runs; load average now {_load()})")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
