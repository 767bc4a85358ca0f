"""Benchmark: scoring a mixed-edition national data set against one edition (issue 14). Prints
medians side by side and their ratio; asserts nothing.

    python bench/bench_editions.py [--repeat 3] [--counties 2850]

Data: bench/national.py (31 provinces, 2,850 counties, periods 2021-2025 here, every indicator of
CN-2023 so both editions find their codes, ~400 local standards). Timed, each the median of
``--repeat`` runs of :func:`assessment.scoring.analysis.assess` (score, aggregate, trends, cost):

* **one edition**: every period scored by CN-2021, as before issue 14;
* **two editions**: the shipped schedule, CN-2021 for 2021-2022 and CN-2023 from 2023;
* **two editions + local indicators**: the same with 31 provincial local indicators (one per
  province, a plan target), scored under their jurisdictions and aggregated apart.

Each run once to warm up, then the three interleaved ``--repeat`` times (a noisy moment on the
shared machine hits all three alike); the tree has a national root over the 31 provinces so that
one assessment covers every county.

The previous run's figures (bench/out/bench_editions.json) are printed beside this run's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from national import national_local_standards, national_tree, national_values  # noqa: E402

from assessment.catalogue import load_edition, shipped_schedule  # noqa: E402
from assessment.domain.editions import LocalIndicator  # noqa: E402
from assessment.domain.model import Region, RegionTree  # noqa: E402
from assessment.scoring.analysis import assess  # noqa: E402

OUT = ROOT / "bench" / "out" / "bench_editions.json"
PERIODS = (2021, 2022, 2023, 2024, 2025)


def median(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--counties", type=int, default=2850)
    args = parser.parse_args()

    provinces_only = national_tree(counties=args.counties)
    # one national root above the 31 provinces, so that one assessment covers every county
    nation = Region("000000", "全国（虚构）", "Nation (fictional)", "national", None, 1)
    tree = RegionTree(
        (nation, *(replace(r, parent_code=r.parent_code or nation.code) for r in provinces_only))
    )
    new = load_edition("CN-2023")
    values = national_values(new, tree, PERIODS)
    stds = national_local_standards(load_edition("CN-2021"), tree)
    provinces = [r.code for r in tree if r.level == "province"]
    local = [
        LocalIndicator(p, f"P{p[:2]}.01", "", "每千人口执业（助理）医师数", "Physicians per 1,000",
                       "per_capita", "人", "higher", 3.2, 0.0, 2023)
        for p in provinces
    ]  # fmt: skip
    rng = np.random.default_rng(7)
    leaves = {
        c: next(a.code for a in tree.ancestors(c) if a.level == "province")
        for c in tree.leaf_codes(tree.root.code)
    }
    extra = pd.DataFrame(
        {
            "region_code": [c for c in leaves for _ in (2023, 2024, 2025)],
            "period": [p for _ in leaves for p in (2023, 2024, 2025)],
            "indicator_code": [f"P{leaves[c][:2]}.01" for c in leaves for _ in (2023, 2024, 2025)],
            "value": rng.uniform(2.0, 4.5, 3 * len(leaves)),
            "numerator": np.nan,
            "denominator": np.nan,
            "note": "",
        }
    )
    with_local = pd.concat([values, extra], ignore_index=True)
    one = load_edition("CN-2021")
    schedule = shipped_schedule()
    check = assess(values, schedule, tree, stds)
    print(
        f"{len(values):,} values, {args.counties:,} counties, periods {PERIODS[0]}-{PERIODS[-1]}; "
        f"{len(check.scores):,} score rows, editions {sorted({e.label for _, e in check.editions})}"
    )

    runs = {
        "one_edition": lambda: assess(values, one, tree, stds),
        "two_editions": lambda: assess(values, schedule, tree, stds),
        "two_editions_local": lambda: assess(with_local, schedule, tree, stds, local_indicators=local),
    }
    for fn in runs.values():  # one warm-up run each (first-run allocation is not what is measured)
        fn()
    # interleaved, so that a noisy moment on the shared machine hits every run alike
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeat):
        for name, fn in runs.items():
            times[name].append(median(fn, 1))
    now = {name: statistics.median(ts) for name, ts in times.items()}
    before = json.loads(OUT.read_text()) if OUT.exists() else {}
    print(f"{'run':24} {'median s':>9} {'previous':>9} {'vs one edition':>15}")
    for name, secs in now.items():
        prev = before.get(name)
        ratio = secs / now["one_edition"]
        shown = "-" if prev is None else f"{prev:.2f}"
        print(f"{name:24} {secs:9.2f} {shown:>9} {ratio:14.2f}x")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(now, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
