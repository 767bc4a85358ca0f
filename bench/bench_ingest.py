"""Upload reading and validation speed (issue 3 item 7, issue 20 point 4). Prints medians; asserts nothing.

    python bench/bench_ingest.py [--rows 313500] [--runs 3] [--no-openpyxl] [--baseline DIR [--only xlsx]]

1. One filled template of the real edition for a demo county: ``read_upload`` (target < 0.3 s).
2. A batch file of ``--rows`` value rows (default 2,850 counties x 110 indicators = 313,500;
   the issue's 500,000 with ``--rows 500000``), as xlsx and as csv:
   - the raw read alone (python-calamine ``to_python`` for xlsx, ``pandas.read_csv(dtype=str)``
     for csv), the baseline the issue compares against;
   - ``read_upload`` (safety checks + read + every rule + warnings), and the ratio to the raw read
     (target: validation costs at most 1x more, i.e. ratio <= 2);
   - openpyxl ``read_only`` iterating the same sheet, for comparison (one run; slow).
   Each measurement runs in a fresh child process so that its peak RSS (target < 1 GiB) is its own.
3. Issue 20 point 4, in one long-lived process as a server is (the parsing forkserver already
   started; a warm-up run first, then ``--runs`` rounds in rotating order): ``read_upload`` of the
   batch csv against a plain ``pyarrow.csv.read_csv`` of the same bytes (target: within 5x), of
   the batch xlsx against a bare python-calamine read (open, parse, ``to_python``; target: within
   1.3x). ``--baseline DIR`` (a checkout of an earlier commit, e.g. ``git worktree add /tmp/base
   HEAD~3``) runs the same measurements with that tree's ``assessment`` side by side.
   ``--only csv`` or ``--only xlsx`` (with ``--baseline``) measures that format only.
CPU seconds are printed beside wall seconds: on a busy shared machine they are the steadier figure
(the xlsx scan for formulas runs in a thread, so its CPU counts but its wall time overlaps). In
section 3 the CPU is that of ``read_upload`` parsing in-process (``ParseLimits(isolate=False)``:
the forkserver's child is not this process's child, so its CPU cannot be read here) against the
raw read's; the wall figures are of ``read_upload`` as the server runs it (parsing in the niced
child), so on a loaded machine they include the child waiting for a CPU.

Generated files are cached under ``bench/out/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, os.environ.get("BENCH_SRC") or str(ROOT))  # --baseline: an earlier tree's code
OUT = ROOT / "bench" / "out"
INDICATORS = 110
PER_PREFECTURE = 95


def _tree(n_counties: int):
    from assessment.domain.model import Region, RegionTree

    regions = [Region("800000", "基准省", "Bench Province", "province", None, 10**8)]
    n_pref = math.ceil(n_counties / PER_PREFECTURE)
    for p in range(n_pref):
        regions.append(Region(f"8{p + 1:02d}000", f"市{p}", f"City {p}", "prefecture", "800000", 5 * 10**6))
    for c in range(n_counties):
        p = c // PER_PREFECTURE
        code = f"8{p + 1:02d}{c % PER_PREFECTURE + 1:03d}"
        regions.append(Region(code, f"县{c}", f"County {c}", "county", f"8{p + 1:02d}000", 400_000))
    return RegionTree(tuple(regions))


def _values(edition, tree, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = edition.indicator_frame()
    inds = frame.sort_values("national_floor", key=lambda s: s.isna(), kind="stable").head(INDICATORS)
    counties = [r.code for r in tree.leaves()]
    n = len(counties) * len(inds)
    df = pd.DataFrame(
        {
            "region_code": np.repeat(counties, len(inds)),
            "period": 2024,
            "indicator_code": np.tile(inds["indicator_code"].to_numpy(), len(counties)),
        }
    )
    kind = np.tile(inds["kind"].to_numpy(), len(counties))
    den = rng.integers(200, 20_000, n).astype(float)
    num = np.floor(den * rng.uniform(0.8, 1.0, n))
    rate = kind == "rate"
    value = np.where(rate, np.round(100 * num / den, 2), np.round(rng.uniform(1, 1000, n), 2))
    value = np.where(kind == "boolean", 1.0, value)
    df["value"] = value
    df["numerator"] = np.where(rate, num, np.nan)
    df["denominator"] = np.where(rate, den, np.nan)
    df["note"] = ""
    return df  # whole counties: ceil(rows / 110) x 110 rows, so no county is cut short


def _files(rows: int) -> dict[str, Path]:
    from assessment.catalogue import load_edition

    OUT.mkdir(parents=True, exist_ok=True)
    paths = {
        "xlsx": OUT / f"batch_{rows}.xlsx",
        "csv": OUT / f"batch_{rows}.csv",
        "tree": OUT / f"tree_{rows}.csv",
    }
    if all(p.exists() for p in paths.values()):
        return paths
    edition = load_edition()
    tree = _tree(math.ceil(rows / INDICATORS))
    df = _values(edition, tree, rows)
    df.to_csv(paths["csv"], index=False)
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("data")
    ws.append(list(df.columns))
    for rec in df.itertuples(index=False):
        ws.append([None if isinstance(v, float) and math.isnan(v) else v for v in rec])
    wb.save(paths["xlsx"])
    tree.frame()[["region_code", "name_zh", "name_en", "level", "parent_code", "population"]].rename(
        columns={"region_code": "code"}
    ).to_csv(paths["tree"], index=False)
    return paths


def _template_bytes() -> tuple[bytes, object, object, object]:
    from assessment.catalogue import load_edition
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values
    from assessment.intake.template import build_template

    edition, tree = load_edition(), demo_tree()
    stds = demo_local_standards(edition)
    values = synthetic_values(edition, tree)
    county = next(r.code for r in tree.leaves() if r.reports)
    period = int(values["period"].max())
    data = build_template(edition, tree, county, period, stds, values=values)
    return data, edition, tree, stds


def _raw_read(task: str, data: bytes) -> int:
    """The bare read the product is compared with: rows read."""
    if task == "calamine":
        import python_calamine as pc

        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
        return len(wb.get_sheet_by_name(wb.sheet_names[0]).to_python())
    if task == "pyarrow":
        import pyarrow.csv as pacsv

        return pacsv.read_csv(io.BytesIO(data)).num_rows
    return len(pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False))


def warm(path: str, tree_path: str, runs: int) -> dict[str, object]:
    """Issue 20.4 in this (long-lived) process: medians of the raw read and of read_upload, in
    rotating order after one warm-up of each; the ratio of the medians."""
    from assessment.catalogue import load_edition
    from assessment.catalogue.regions import load_region_tree
    from assessment.intake.ingest import read_upload
    from assessment.intake.isolation import ParseLimits

    edition, tree = load_edition(), load_region_tree(Path(tree_path))
    data = Path(path).read_bytes()
    raw_task = "calamine" if path.endswith(".xlsx") else "pyarrow"
    order = ("raw", "validate", "inproc")
    times: dict[str, list[float]] = {k: [] for k in order}
    cpus: dict[str, list[float]] = {k: [] for k in order}
    in_process = ParseLimits(isolate=False)  # the CPU of the work itself (a child's is not ours)

    def once(which: str) -> None:
        t0, c0 = time.perf_counter(), time.process_time()
        if which == "raw":
            _raw_read(raw_task, data)
        else:
            limits = in_process if which == "inproc" else None
            result = read_upload(data, Path(path).name, edition=edition, tree=tree, limits=limits)
            assert result.ok, [p.message("en") for p in result.errors[:5]]
        times[which].append(time.perf_counter() - t0)
        cpus[which].append(time.process_time() - c0)

    for which in order:
        once(which)
    times, cpus = {k: [] for k in order}, {k: [] for k in order}
    for i in range(runs):
        for which in order[i % 3 :] + order[: i % 3]:  # rotating order
            once(which)
    med = {k: statistics.median(v) for k, v in times.items()}
    cpu = {k: statistics.median(v) for k, v in cpus.items()}
    return {
        "raw_task": raw_task,
        "raw": med["raw"],
        "validate": med["validate"],
        "ratio": med["validate"] / med["raw"],
        "raw_cpu": cpu["raw"],
        "inproc_cpu": cpu["inproc"],
        "inproc_wall": med["inproc"],
        "cpu_ratio": cpu["inproc"] / cpu["raw"],
        "load": os.getloadavg()[0],
    }


def child(task: str, path: str, tree_path: str) -> dict[str, float]:
    """One measurement in this (fresh) process: wall and CPU seconds, peak RSS in MB."""
    from assessment.catalogue import load_edition
    from assessment.catalogue.regions import load_region_tree
    from assessment.intake.ingest import read_upload

    edition = load_edition()
    data = Path(path).read_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    if task in ("calamine", "read_csv", "pyarrow"):
        n = _raw_read(task, data)
    elif task == "openpyxl":
        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
    else:  # validate
        tree = load_region_tree(Path(tree_path))
        t0, c0 = time.perf_counter(), time.process_time()
        result = read_upload(data, Path(path).name, edition=edition, tree=tree)
        n = len(result.values)
        assert result.ok, [p.message("en") for p in result.errors[:5]]
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak, "rows": n}


def _run_child(task: str, path: Path, tree: Path, src: Path = ROOT, runs: int = 0) -> dict:
    flag = ["--warm-child", str(runs)] if runs else ["--child"]
    cmd = [sys.executable, __file__, *flag, task, str(path), str(tree)]
    env = {**os.environ, "BENCH_SRC": str(src)}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out.strip().splitlines()[-1])


def _median(task: str, path: Path, tree: Path, runs: int, src: Path = ROOT) -> dict[str, float]:
    results = [_run_child(task, path, tree, src) for _ in range(runs)]
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "cpu": statistics.median(r["cpu"] for r in results),
        "peak_mb": max(r["peak_mb"] for r in results),
        "rows": results[0]["rows"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=2850 * INDICATORS)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-openpyxl", action="store_true")
    parser.add_argument("--baseline", type=Path, help="an earlier source tree to measure side by side")
    parser.add_argument(
        "--only", choices=("csv", "xlsx"), help="with --baseline: only that format's issue 20.4 figures"
    )
    parser.add_argument("--child", nargs=3, metavar=("TASK", "PATH", "TREE"), help=argparse.SUPPRESS)
    parser.add_argument("--warm-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    if args.warm_child:
        runs, _, path, tree_path = args.warm_child
        print(json.dumps(warm(path, tree_path, int(runs))))
        return
    if args.baseline:  # only the issue 20.4 figures, side by side
        _issue_20(args)
        return

    from assessment.intake.ingest import read_upload

    data, edition, tree, stds = _template_bytes()
    times, cpus = [], []
    for _ in range(max(args.runs, 5)):
        t0, c0 = time.perf_counter(), time.process_time()
        result = read_upload(data, "template.xlsx", edition=edition, tree=tree, local_standards=stds)
        times.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    wall, cpu = statistics.median(times), statistics.median(cpus)
    n, ok = len(result.values), result.ok
    print(
        f"filled template ({n} values, ok={ok}): median {wall:.3f} s wall, {cpu:.3f} s CPU (target < 0.3 s)"
    )

    paths = _files(args.rows)
    for fmt, raw_task in (("xlsx", "calamine"), ("csv", "read_csv")):
        path = paths[fmt]
        raw = _median(raw_task, path, paths["tree"], args.runs)
        val = _median("validate", path, paths["tree"], args.runs)
        size = path.stat().st_size / 1024 / 1024
        print(f"batch {fmt} ({val['rows']:,} value rows, {size:.1f} MB):")
        for label, m in ((f"raw read ({raw_task})", raw), ("read_upload (validated)", val)):
            wall, cpu, peak = m["seconds"], m["cpu"], m["peak_mb"]
            print(f"  {label}: median {wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:.0f} MB")
        ratio, cpu_ratio = val["seconds"] / raw["seconds"], val["cpu"] / raw["cpu"]
        print(f"  ratio validated / raw read: {ratio:.2f} wall, {cpu_ratio:.2f} CPU (target <= 2)")
        if fmt == "xlsx" and not args.no_openpyxl:
            op = _run_child("openpyxl", path, paths["tree"])
            print(
                f"  openpyxl read_only (1 run): {op['seconds']:.2f} s, peak {op['peak_mb']:.0f} MB; "
                f"read_upload is {op['seconds'] / val['seconds']:.1f}x faster"
            )
    _issue_20(args)


def _issue_20(args: argparse.Namespace) -> None:
    """Only the issue 20.4 figures, the current tree beside ``--baseline``."""
    paths = _files(args.rows)
    trees = [("current", ROOT)] + ([("baseline", args.baseline)] if args.baseline else [])
    print(f"issue 20.4, {args.runs} rounds in one process each; load average {os.getloadavg()}")
    for fmt, target in (("csv", 5.0), ("xlsx", 1.3)):
        if args.only not in (None, fmt):
            continue
        for label, src in trees:
            m = _run_child("validate", paths[fmt], paths["tree"], src, runs=args.runs)
            print(
                f"  batch {fmt:4} {label:8}: {m['raw_task']} {m['raw']:.3f} s, "
                f"read_upload {m['validate']:.3f} s, ratio {m['ratio']:.2f} "
                f"(target <= {target:g}; load {m['load']:.1f})\n"
                f"  {'':14} CPU: {m['raw_task']} {m['raw_cpu']:.3f} s, read_upload parsed in-process "
                f"{m['inproc_cpu']:.3f} s CPU ({m['inproc_wall']:.3f} s wall), CPU ratio {m['cpu_ratio']:.2f}"
            )


if __name__ == "__main__":
    main()
