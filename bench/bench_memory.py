"""Memory of one national assessment (issue 20 point 1). Prints sizes; asserts nothing.

    python bench/bench_memory.py [--code DIR] [--label NAME] [--basis standard]

Builds the national assessment the overview, region and indicator pages share (the generator's
tree of bench/national.py under a national node, as bench/pages_national.py does: 2,850 counties,
5 years, every indicator, ~400 local standards) with :func:`assessment.scoring.analysis.assess`,
computes its cached equity tables, and prints ``DataFrame.memory_usage(deep=True)`` of every frame
the :class:`~assessment.scoring.analysis.Assessment` holds (scores, aggregates, trends, costs,
equity by indicator and by aspect, standard breaks), the largest columns, the total against the
400 MiB target, and the process's RSS. ``--code DIR`` imports ``assessment`` from another
checkout (the baseline); figures go to bench/out/bench_memory[_LABEL].json and the previous file of
the same label is printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MIB = 400.0


def rss_mib() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", default=None, help="import assessment from this checkout (baseline)")
    ap.add_argument("--label", default="")
    ap.add_argument("--basis", default="standard")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(Path(args.code).resolve() if args.code else ROOT))

    from national import national_local_standards, national_values
    from pages_national import national_tree_with_root

    from assessment.catalogue import load_edition
    from assessment.scoring.analysis import assess

    out_file = ROOT / "bench" / "out" / f"bench_memory{'_' + args.label if args.label else ''}.json"
    previous = json.loads(out_file.read_text()) if out_file.exists() else {}
    edition = load_edition()
    tree = national_tree_with_root()
    values = national_values(edition, tree)
    stds = national_local_standards(edition, tree)
    rss_data = rss_mib()
    t = time.perf_counter()
    result = assess(values, edition, tree, stds, basis=args.basis)
    frames = {
        "scores": result.scores,
        "aggregates": result.aggregates,
        "trends": result.trends,
        "costs": result.costs,
        "equity_indicator": result.equity_indicator,
        "equity_aspect": result.equity_aspect,
        "standard_breaks": result.standard_breaks,
    }
    seconds = time.perf_counter() - t
    sizes = {name: float(f.memory_usage(deep=True).sum()) / 2**20 for name, f in frames.items()}
    total = sum(sizes.values())
    print(
        f"national assessment ({args.basis}) from {args.code or ROOT}: built in {seconds:.1f} s "
        f"(load average {os.getloadavg()[0]:.1f})"
    )
    print(f"{'frame':<20}{'rows':>12}{'columns':>9}{'MiB':>10}{'previous':>10}")
    prev_sizes = previous.get("frames", {})
    for name, f in frames.items():
        prev = prev_sizes.get(name)
        prev_text = f"{prev:>10.1f}" if isinstance(prev, int | float) else f"{'-':>10}"
        print(f"{name:<20}{len(f):>12,}{f.shape[1]:>9}{sizes[name]:>10.1f}{prev_text}")
    prev_total = previous.get("total_mib")
    prev_text = f"{prev_total:>10.1f}" if isinstance(prev_total, int | float) else f"{'-':>10}"
    print(f"{'total':<41}{total:>10.1f}{prev_text}   (target <= {TARGET_MIB:.0f} MiB)")
    print("\nlargest columns (MiB, dtype):")
    cols = [
        (float(f[c].memory_usage(deep=True, index=False)) / 2**20, name, c, str(f[c].dtype))
        for name, f in frames.items()
        for c in f.columns
    ]
    for mib, name, col, dtype in sorted(cols, reverse=True)[:15]:
        print(f"  {name}.{col:<24}{mib:>8.1f}  {dtype}")
    rss = rss_mib()
    print(f"\nprocess RSS: {rss_data:.0f} MiB with the data set, {rss:.0f} MiB with the assessment")
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(
        json.dumps({"frames": sizes, "total_mib": total, "rss_mib": rss, "build_s": seconds}, indent=2)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
