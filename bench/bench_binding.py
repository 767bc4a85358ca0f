"""Binding local standards for a large tree (was a timed unit test; issue 20). Prints medians;
asserts nothing.

    python bench/bench_binding.py [--runs 5]

Times :func:`assessment.catalogue.local_standards.binding_standards` for one period on (a) a
province of 100 prefectures x 30 counties with 100 indicators, a province-wide standard on each and
a stricter one set by every prefecture (3,101 regions, 10,100 standards: the case the unit test
``test_binding_covers_3000_regions_and_100_indicators`` checks for correctness), and (b) the national
bench tree with its generated standards (bench/national.py). Prints the median, the best run and
the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)

    from national import national_local_standards, national_tree

    from assessment.catalogue import load_edition
    from assessment.catalogue.local_standards import binding_standards
    from assessment.domain.model import LocalStandard, RegionTree
    from tests.fixtures import standards_edition, standards_indicator, standards_region

    regions = [standards_region("100000", "province", None)]
    for p in range(100):
        pcode = f"1{p + 1:03d}00"
        regions.append(standards_region(pcode, "prefecture", "100000"))
        regions += [standards_region(f"1{p + 1:03d}{c + 1:02d}", "county", pcode) for c in range(30)]
    big_tree = RegionTree(tuple(regions))
    inds = tuple(
        standards_indicator(f"S01.{k + 1}", "rate", "higher" if k % 3 else "lower", None, 95.0, 10.0)
        for k in range(100)
    )
    big = replace(standards_edition(), indicators=inds)
    stds = [LocalStandard("100000", i.code, 50.0, 2022, None, "") for i in inds]
    stds += [
        LocalStandard(r.code, i.code, 60.0, 2022, None, "")
        for r in big_tree
        if r.level == "prefecture"
        for i in inds
    ]
    edition = load_edition()
    tree = national_tree()
    national_stds = national_local_standards(edition, tree)
    cases = [
        (
            f"province, {len(big_tree):,} regions x 100 indicators, {len(stds):,} standards",
            stds,
            big_tree,
            big,
        ),
        (f"national, {len(tree):,} regions, {len(national_stds):,} standards", national_stds, tree, edition),
    ]
    print(f"binding_standards, one period, median of {args.runs} (load average {os.getloadavg()[0]:.1f})")
    for label, standards, t, ed in cases:
        times = []
        for _ in range(args.runs):
            s = time.perf_counter()
            frame = binding_standards(standards, t, ed, 2023)
            times.append(time.perf_counter() - s)
        print(f"  {label}: {statistics.median(times):.3f} s (best {min(times):.3f} s), {len(frame):,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
