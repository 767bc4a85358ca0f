"""The accountability register at national scale (issue 17). Prints medians; asserts nothing.

    python bench/bench_actions.py [--runs 5]

Scores the fictional national data set of ``bench/national.py`` (31 provinces, ~2,850 counties, 5
periods, ~1.6 million rows) once, plants one corrective action on every tenth gap of each period but
the last (due the next period), then times, side by side with the scoring they read from (the
baseline, ``score_indicators`` of every county, period and indicator):

* ``gaps``: the gaps of the latest period;
* ``judge``: what the approved figures say of every action, as of the latest period;
* ``closure``: the share of the previous period's gaps that closed, per county;
* ``early_warnings``: indicators above the floor that cross it within a year at their pace;
* ``register``-equivalent: the four together (what a page computes on top of the cached assessment).

The ratio column is each step's median over the baseline's: the register should cost a small
fraction of scoring the nation.

"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from national import national_local_standards, national_tree, national_values  # noqa: E402

from assessment.catalogue import load_edition  # noqa: E402
from assessment.scoring import accountability as acc  # noqa: E402
from assessment.scoring.indicators import score_indicators  # noqa: E402
from assessment.scoring.trends import trends  # noqa: E402


def median_of(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def planted_actions(scores: pd.DataFrame, periods: tuple[int, ...]) -> pd.DataFrame:
    frames = []
    for period in periods[:-1]:
        found = acc.gaps(scores, period).iloc[::10]
        frames.append(
            pd.DataFrame(
                {
                    "region_code": found["region_code"],
                    "period": found["period"],
                    "indicator_code": found["indicator_code"],
                    "gap_kind": found["gap_kind"],
                    "due_period": found["period"] + 1,
                    "status": "in_progress",
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    out.insert(0, "id", np.arange(1, len(out) + 1))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    edition = load_edition("CN-2021")
    tree = national_tree()
    values = national_values(edition, tree)
    stds = national_local_standards(edition, tree)
    start = time.perf_counter()
    scores = score_indicators(values, edition, tree, stds)
    first = time.perf_counter() - start
    trend_table = trends(scores, edition)
    periods = tuple(sorted(int(p) for p in scores["period"].unique()))
    latest = periods[-1]
    actions = planted_actions(scores, periods)
    print(f"national: {len(tree)} regions, {len(scores):,} score rows, {len(actions):,} actions planted")
    baseline = median_of(lambda: score_indicators(values, edition, tree, stds), max(1, args.runs // 2))
    steps: dict[str, Callable[[], object]] = {
        "gaps": lambda: acc.gaps(scores, latest),
        "judge": lambda: acc.judge(actions, scores, latest),
        "closure": lambda: acc.closure(scores, latest),
        "early_warnings": lambda: acc.early_warnings(scores, trend_table, edition, latest),
    }
    steps["register (all four)"] = lambda: [fn() for fn in list(steps.values())[:4]]
    print(f"{'step':<22}{'median s':>10}{'x baseline':>12}")
    print(f"{'score (baseline)':<22}{baseline:>10.3f}{1.0:>12.3f}   (first run {first:.2f} s)")
    for name, fn in steps.items():
        took = median_of(fn, args.runs)
        print(f"{name:<22}{took:>10.3f}{took / baseline:>12.3f}")
    judged = acc.judge(actions, scores, latest)
    print("outcomes:", judged["outcome"].value_counts().to_dict())
    print("early warnings:", len(acc.early_warnings(scores, trend_table, edition, latest)))


if __name__ == "__main__":
    main()
