"""Report generation speed and memory (issue 8 item 7). Prints medians; asserts nothing.

    python bench/bench_reports.py [--runs 5] [--national-runs 3] [--counties 2850] [--skip-national]

1. **Provincial**: the demo province (CN-2021, 20 counties, 3 periods of synthetic values): the
   evaluation workbook in Chinese and the feedback workbook of one county, end to end from the
   values (scoring, aggregation, equity, costing, tables and writing).
2. **National scale**: ``--counties`` counties (default 2,850, in prefectures of 95 under one
   root) with 2 periods of synthetic values from the demo generator: the evaluation workbook end to
   end, and the same split into its stages (scoring for the report, tables, sheets and file).

Each case runs in a fresh child process, so its peak RSS is its own: ``peak RSS`` is the child's
``ru_maxrss`` at the end, ``report's own`` the growth of that peak over the baseline after the
values were loaded. ``tracemalloc peak`` is the peak of Python and numpy allocations during one
extra run (Arrow buffers are not traced, so RSS is the figure to read). Wall-clock medians are
printed beside CPU medians: on a shared machine the CPU time is the steadier figure.
National values are cached under ``bench/out/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
PER_PREFECTURE = 95
PERIOD = 2024


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _national_tree(n_counties: int):
    from assessment.domain.model import Region, RegionTree

    regions = [Region("800000", "基准省", "Bench Province", "province", None, 10**8)]
    n_pref = math.ceil(n_counties / PER_PREFECTURE)
    for p in range(n_pref):
        regions.append(Region(f"8{p + 1:02d}000", f"市{p}", f"City {p}", "prefecture", "800000", 5 * 10**6))
    for c in range(n_counties):
        p = c // PER_PREFECTURE
        regions.append(
            Region(
                f"8{p + 1:02d}{c % PER_PREFECTURE + 1:03d}",
                f"县{c}",
                f"County {c}",
                "county",
                f"8{p + 1:02d}000",
                200_000 + 1_000 * (c % 400),
                urban=c % 7 == 0,
                mountainous=c % 3 == 0,
                ethnic_autonomous=c % 11 == 0,
                fiscal_capacity_per_head=6_000.0 + 350.0 * (c % 60),
            )
        )
    return RegionTree(tuple(regions))


def _national_values(edition, tree, n_counties: int):
    import pandas as pd

    from assessment.demo import synthetic_values

    path = OUT / f"report_values_{n_counties}.parquet"
    if path.exists():
        return pd.read_parquet(path).astype({"region_code": "string", "indicator_code": "string"})
    values = synthetic_values(edition, tree, periods=(PERIOD - 1, PERIOD))
    OUT.mkdir(parents=True, exist_ok=True)
    values.to_parquet(path, index=False)
    return values


def _measure(fn: Callable[[], bytes], runs: int) -> dict[str, object]:
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        size = len(fn())
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "wall_median_s": statistics.median(walls),
        "cpu_median_s": statistics.median(cpus),
        "runs": runs,
        "bytes": size,
        "tracemalloc_peak_mb": peak / 2**20,
    }


def child_provincial(runs: int) -> dict[str, object]:
    from assessment.catalogue import load_edition
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values
    from assessment.reports import evaluation_workbook, feedback_workbook

    edition = load_edition("CN-2021")
    tree = demo_tree()
    stds = demo_local_standards(edition)
    values = synthetic_values(edition, tree)
    base = _rss_mb()
    evaluation = _measure(
        lambda: evaluation_workbook(values, edition, tree, stds, jurisdiction="990000", period=PERIOD), runs
    )
    feedback = _measure(
        lambda: feedback_workbook(values, edition, tree, stds, region="990122", period=PERIOD), runs
    )
    return {"evaluation": evaluation, "feedback": feedback, "baseline_rss_mb": base, "peak_rss_mb": _rss_mb()}


def child_national(runs: int, n_counties: int) -> dict[str, object]:
    from assessment.catalogue import load_edition
    from assessment.reports.context import evaluation_data
    from assessment.reports.evaluation import evaluation_tables, evaluation_workbook, write_evaluation

    edition = load_edition("CN-2021")
    tree = _national_tree(n_counties)
    values = _national_values(edition, tree, n_counties)
    base = _rss_mb()
    end_to_end = _measure(
        lambda: evaluation_workbook(values, edition, tree, (), jurisdiction="800000", period=PERIOD), runs
    )
    stages = {}
    t0 = time.perf_counter()
    data = evaluation_data(values, edition, tree, (), jurisdiction="800000", period=PERIOD)
    stages["scoring (2 periods)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    evaluation_tables(data)
    stages["tables"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    write_evaluation(data)  # tables again + sheets + file
    stages["tables + sheets + file"] = time.perf_counter() - t0
    return {
        "counties": n_counties,
        "value_rows": len(values),
        "evaluation": end_to_end,
        "stages_wall_s": stages,
        "baseline_rss_mb": base,
        "peak_rss_mb": _rss_mb(),
    }


def _run_child(args: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _line(name: str, m: dict[str, object]) -> str:
    return (
        f"  {name:<34} median {m['wall_median_s']:7.2f} s wall, {m['cpu_median_s']:7.2f} s CPU"
        f"  ({m['runs']} runs)   file {m['bytes'] / 2**20:6.2f} MiB"
        f"   tracemalloc peak {m['tracemalloc_peak_mb']:7.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per provincial case (median)")
    parser.add_argument("--national-runs", type=int, default=3, help="runs of the national report (median)")
    parser.add_argument("--counties", type=int, default=2850)
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--child", choices=("provincial", "national"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "provincial":
        print(json.dumps(child_provincial(args.runs)))
        return
    if args.child == "national":
        print(json.dumps(child_national(args.national_runs, args.counties)))
        return

    print("== provincial report: demo province (20 counties, 115 indicators, 3 periods)")
    prov = _run_child(["--child", "provincial", "--runs", str(args.runs)])
    print(_line("evaluation workbook (zh)", prov["evaluation"]))
    print(_line("feedback workbook (one county)", prov["feedback"]))
    print(
        f"  peak RSS {prov['peak_rss_mb']:.0f} MiB (baseline after loading {prov['baseline_rss_mb']:.0f} MiB)"
    )
    if args.skip_national:
        return
    print(f"== national-scale report: {args.counties:,} counties, 2 periods")
    nat = _run_child(
        ["--child", "national", "--national-runs", str(args.national_runs), "--counties", str(args.counties)]
    )
    print(f"  value rows: {nat['value_rows']:,}")
    print(_line("evaluation workbook (end to end)", nat["evaluation"]))
    for stage, seconds in nat["stages_wall_s"].items():
        print(f"    {stage:<32} {seconds:7.2f} s (one run)")
    growth = nat["peak_rss_mb"] - nat["baseline_rss_mb"]
    print(
        f"  peak RSS {nat['peak_rss_mb']:.0f} MiB; report's own {growth:.0f} MiB over the "
        f"{nat['baseline_rss_mb']:.0f} MiB after loading the values"
    )


if __name__ == "__main__":
    main()
