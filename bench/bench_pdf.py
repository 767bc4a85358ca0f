"""Printed report speed and memory (issue 18, Speed). Prints medians; asserts nothing.

    python bench/bench_pdf.py [--runs 3] [--national-runs 2] [--skip-national]

Each case runs in a fresh child process (its peak RSS is its own), end to end from the values
(scoring, tables, HTML, charts, layout, fonts, file), with the xlsx workbook of the same report
beside it:

1. **Provincial report**: the demo province (20 counties, the edition in force for 2024, 3
   periods), the evaluation report in Chinese with its map; target under 10 s.
2. **County letter**: the feedback letter of the demo county with the most gaps; target under 3 s.
3. **National report**: the whole fictional country of ``bench/national.py`` (31 provinces, about
   2,850 counties) under one national node, 2 periods; target under 60 s.

Memory target: peak RSS under 1 GiB. Wall-clock medians are printed beside CPU medians: on a
shared machine the CPU time is the steadier figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PERIOD = 2024
COUNTY = "990323"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _measure(fn: Callable[[], bytes], runs: int) -> dict[str, float]:
    walls, cpus, size = [], [], 0
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        size = len(fn())
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "runs": runs, "bytes": size}


def child_demo(runs: int) -> dict[str, object]:
    from assessment.demo import demo_boundaries
    from assessment.reports.service import demo_source, report_pdf, report_workbook

    src = demo_source(period=PERIOD)
    bounds = {f["properties"]["code"]: f["geometry"] for f in demo_boundaries()["features"]}
    report_pdf("feedback", src, COUNTY, PERIOD)  # warm up: imports, fonts, matplotlib
    base = _rss_mb()
    out = {
        "report_pdf": _measure(
            lambda: report_pdf("evaluation", src, "990000", PERIOD, boundaries=bounds, fictional=True)[1],
            runs,
        ),
        "report_xlsx": _measure(lambda: report_workbook("evaluation", src, "990000", PERIOD)[1], runs),
        "letter_pdf": _measure(lambda: report_pdf("feedback", src, COUNTY, PERIOD, fictional=True)[1], runs),
        "letter_xlsx": _measure(lambda: report_workbook("feedback", src, COUNTY, PERIOD)[1], runs),
    }
    return {**out, "baseline_rss_mb": base, "peak_rss_mb": _rss_mb()}


def child_national(runs: int) -> dict[str, object]:
    from national import national_local_standards, national_values
    from pages_national import NATION, national_tree_with_root

    from assessment.catalogue import shipped_schedule
    from assessment.reports.service import Source, report_pdf, report_workbook

    edition = shipped_schedule().for_period(PERIOD)
    tree = national_tree_with_root()
    values = national_values(edition, tree, periods=(PERIOD - 1, PERIOD))
    stds = national_local_standards(edition, tree)
    src = Source(values, edition, tree, stds, None, None, None)  # type: ignore[arg-type]
    base = _rss_mb()
    pdf = _measure(lambda: report_pdf("evaluation", src, NATION, PERIOD)[1], runs)
    after_pdf = _rss_mb()
    xlsx = _measure(lambda: report_workbook("evaluation", src, NATION, PERIOD)[1], runs)
    return {
        "report_pdf": pdf,
        "report_xlsx": xlsx,
        "counties": len(tree.leaves()),
        "value_rows": len(values),
        "baseline_rss_mb": base,
        "peak_rss_after_pdf_mb": after_pdf,
        "peak_rss_mb": _rss_mb(),
    }


def _run_child(args: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _pair(name: str, pdf: dict[str, float], xlsx: dict[str, float], target: float) -> str:
    return (
        f"  {name:<28} PDF median {pdf['wall']:6.2f} s wall, {pdf['cpu']:6.2f} s CPU ({pdf['runs']} runs,"
        f" {pdf['bytes'] / 2**20:5.2f} MiB; target {target:g} s)   xlsx {xlsx['wall']:6.2f} s wall,"
        f" {xlsx['cpu']:6.2f} s CPU   PDF/xlsx CPU {pdf['cpu'] / xlsx['cpu']:4.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per demo case (median)")
    parser.add_argument("--national-runs", type=int, default=2)
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--child", choices=("demo", "national"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "demo":
        print(json.dumps(child_demo(args.runs)))
        return
    if args.child == "national":
        print(json.dumps(child_national(args.national_runs)))
        return
    print("== demo province: evaluation report (zh, with map) and one county's letter")
    demo = _run_child(["--child", "demo", "--runs", str(args.runs)])
    print(_pair("provincial report", demo["report_pdf"], demo["report_xlsx"], 10))  # type: ignore[arg-type]
    print(_pair("county letter", demo["letter_pdf"], demo["letter_xlsx"], 3))  # type: ignore[arg-type]
    print(
        f"  peak RSS {demo['peak_rss_mb']:.0f} MiB (baseline after loading {demo['baseline_rss_mb']:.0f} MiB)"
    )
    if args.skip_national:
        return
    print("== national report: 31 provinces under one national node, 2 periods")
    nat = _run_child(["--child", "national", "--national-runs", str(args.national_runs)])
    print(_pair("national report", nat["report_pdf"], nat["report_xlsx"], 60))  # type: ignore[arg-type]
    print(
        f"  {nat['counties']:,} counties, {nat['value_rows']:,} value rows; peak RSS after the PDF"
        f" {nat['peak_rss_after_pdf_mb']:.0f} MiB, after the workbook too {nat['peak_rss_mb']:.0f} MiB"
        f" (baseline after loading {nat['baseline_rss_mb']:.0f} MiB; target 1024 MiB)"
    )


if __name__ == "__main__":
    main()
