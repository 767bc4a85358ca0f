"""Rescoring after an approval at national scale: a full rescore against the incremental update
(issue 20 point 2). Prints medians and their ratio; asserts nothing.

    python bench/bench_incremental.py [--runs 5] [--full-runs 3] [--counties 1] [--basis standard]

Data: the generator's national tree under a national node (bench/national.py via
bench/pages_national.py: 2,850 counties, 5 years, every indicator, ~400 local standards), scored
once with :func:`assess` (the cached assessment a server holds). Each run then changes the values of
``--counties`` counties in the latest year (an approval of their new figures: every value moved by a
few percent, numerators kept consistent) and times, in the same process:

* ``full``: :func:`assess` of the whole new data set (what every page waited for before);
* ``update``: :func:`assessment.scoring.incremental.update` of the cached assessment with the
  changed counties' values (what the page cache does now), and its parts.

The first update's tables are compared with the full rescore's, cell by cell (scores, aggregates
with ranks, trends, costs); a difference is printed as an error and the exit code is 1. Figures go
to bench/out/bench_incremental.json; the previous file's figures are printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "bench" / "out" / "bench_incremental.json"
TARGET_S = 0.5


def changed_values(values: pd.DataFrame, counties: list[str], period: int, seed: int) -> pd.DataFrame:
    """``values`` with the rows of ``counties`` in ``period`` moved by a few percent."""
    rng = np.random.default_rng(seed)
    out = values.copy()
    mine = out["region_code"].isin(counties).to_numpy() & (out["period"] == period).to_numpy()
    value = out["value"].to_numpy(dtype="float64").copy()
    value[mine] *= rng.uniform(0.9, 1.05, int(mine.sum()))
    num = out["numerator"].to_numpy(dtype="float64").copy()
    den = out["denominator"].to_numpy(dtype="float64")
    rate = mine & ~np.isnan(num) & (den > 0)
    num[rate] = np.minimum(den[rate], np.round(den[rate] * np.minimum(value[rate], 100.0) / 100.0))
    value[rate] = 100.0 * num[rate] / den[rate]
    out["value"], out["numerator"] = value, num
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="incremental updates timed (median)")
    ap.add_argument("--full-runs", type=int, default=3, help="full rescores timed (median)")
    ap.add_argument("--counties", type=int, default=1, help="counties changed per approval")
    ap.add_argument("--basis", default="standard")
    args = ap.parse_args(argv)

    from national import PERIODS, national_local_standards, national_values
    from pages_national import national_tree_with_root

    from assessment.catalogue import load_edition
    from assessment.scoring import aggregation, analysis, incremental
    from assessment.scoring.analysis import assess
    from assessment.scoring.incremental import update
    from tests.fixtures import plain_cells

    previous_file = json.loads(OUT.read_text()) if OUT.exists() else {}
    edition = load_edition()
    tree = national_tree_with_root()
    values = national_values(edition, tree)
    stds = national_local_standards(edition, tree)
    t = time.perf_counter()
    cached = assess(values, edition, tree, stds, basis=args.basis)
    first_s = time.perf_counter() - t
    leaves = tree.leaf_codes(tree.root.code)
    latest = max(PERIODS)
    print(
        f"national data: {len(values):,} values, {len(leaves):,} counties, {len(PERIODS)} years; "
        f"first assessment {first_s:.2f} s (load average {os.getloadavg()[0]:.1f})"
    )

    rng = np.random.default_rng(7)
    picks = [sorted(rng.choice(leaves, size=args.counties, replace=False).tolist()) for _ in range(args.runs)]

    # parts of an update, timed by wrapping the functions it calls
    parts: dict[str, list[float]] = {}

    def timed_part(module: object, name: str, label: str) -> None:
        real = getattr(module, name)

        def wrapper(*a: object, **k: object) -> object:
            s = time.perf_counter()
            try:
                return real(*a, **k)
            finally:
                parts.setdefault(label, []).append(time.perf_counter() - s)

        setattr(module, name, wrapper)

    timed_part(incremental, "score_regions", "score the changed counties")
    timed_part(incremental, "derive", "their aggregates, costs, trends")
    timed_part(incremental, "_overwrite", "write their rows in place (3 tables)")
    timed_part(incremental, "rerank", "rank the moved periods again")
    timed_part(incremental, "_splice", "splice the cost rows")

    update_s, full_s, errors = [], [], 0
    for k, counties in enumerate(picks):
        new_values = changed_values(values, counties, latest, seed=k)
        mine = new_values.loc[new_values["region_code"].isin(counties).to_numpy()]
        s = time.perf_counter()
        result = update(cached, mine, counties)
        update_s.append(time.perf_counter() - s)
        if result is None:
            print(f"error: update gave no result for {counties}")
            return 1
        if k < args.full_runs:
            s = time.perf_counter()
            full = assess(new_values, edition, tree, stds, basis=args.basis)
            full_s.append(time.perf_counter() - s)
            if k == 0:
                for table in ("scores", "aggregates", "trends", "costs"):
                    a, b = plain_cells(getattr(result, table)), plain_cells(getattr(full, table))
                    if not a.equals(b):
                        errors += 1
                        print(f"error: the update's {table} differ from the full rescore's")
            del full
    _ = (aggregation, analysis)
    med_update, med_full = statistics.median(update_s), statistics.median(full_s)
    prev = previous_file.get("median_s", {})

    def prev_text(key: str) -> str:
        v = prev.get(key)
        return f"{v:>10.3f}" if isinstance(v, int | float) else f"{'-':>10}"

    print(f"\n{'(seconds, median)':<44}{'now':>10}{'previous':>10}")
    print(f"{'full rescore (assess)':<44}{med_full:>10.3f}{prev_text('full')}")
    print(f"{'incremental update':<44}{med_update:>10.3f}{prev_text('update')}")
    for label, xs in parts.items():
        print(f"{'  ' + label:<44}{statistics.median(xs):>10.3f}")
    print(
        f"\nratio full / update: {med_full / med_update:.1f}x; update against the 0.5 s target: "
        f"{'met' if med_update <= TARGET_S else 'NOT met'} "
        f"({args.counties} county per approval, {len(update_s)} updates, {len(full_s)} full runs; "
        f"load average {os.getloadavg()[0]:.1f}); "
        f"tables equal to the full rescore: {'yes' if not errors else 'NO'}"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "median_s": {"full": med_full, "update": med_update},
                "parts_s": {k: statistics.median(v) for k, v in parts.items()},
                "counties": args.counties,
                "load": os.getloadavg()[0],
            },
            indent=2,
        )
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
