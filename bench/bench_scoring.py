"""Benchmark of the scoring engine at national scale (issue 5 item 8). Prints medians; asserts nothing.

    python bench/bench_scoring.py [--repeat 5] [--counties 2850] [--no-duckdb]

Data: bench/national.py (31 provinces, ~340 prefectures, 2,850 counties, 5 years, every indicator of
the current catalogue, ~400 local standards). Timed, each as the median of ``--repeat`` runs:

* the demo province (20 counties x 115 indicators x 3 years): score + aggregate + equity + trends;
* the national pipeline of issue 5 points 1-3 (score, aggregate, equity by indicator and by
  aspect) and trends, stage by stage;
* DuckDB computing the same statuses, scores and per-aspect aggregates from the same in-memory
  frames (SQL below), checked against the pandas results, and the ratio pandas / DuckDB for that
  same work (target: within 2x, under 5 s on the 2-core machine);
* a naive row-by-row Python scorer on a sample, as the baseline that vectorising replaces.

Also the peak memory (tracemalloc peak of one pipeline run, and the process's peak RSS), and the
previous run's figures from bench/out/bench_scoring.json side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from national import national_local_standards, national_tree, national_values  # noqa: E402

from assessment.catalogue import load_edition  # noqa: E402
from assessment.scoring.aggregation import aggregate  # noqa: E402
from assessment.scoring.equity import equity  # noqa: E402
from assessment.scoring.indicators import score_indicators  # noqa: E402
from assessment.scoring.rollup import ancestry  # noqa: E402
from assessment.scoring.trends import trends  # noqa: E402

OUT = ROOT / "bench" / "out" / "bench_scoring.json"


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """Median wall time and median CPU time of ``repeat`` runs, and the last result."""
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), result


def pipeline(values, edition, tree, stds) -> dict[str, float]:
    """One run of points 1-3 and trends, stage by stage: wall seconds, and CPU seconds (``*_cpu``)."""
    t: dict[str, float] = {}
    state: dict[str, object] = {}

    def stage(name: str, fn: Callable[[], object]) -> None:
        w, c = time.perf_counter(), time.process_time()
        state[name] = fn()
        t[name] = time.perf_counter() - w
        t[f"{name}_cpu"] = time.process_time() - c

    stage("score", lambda: score_indicators(values, edition, tree, stds))
    s = state["score"]
    stage("aggregate", lambda: aggregate(s, edition, tree))
    a = state["aggregate"]
    stage(
        "equity",
        lambda: (
            equity(s, tree, edition, by="indicator"),
            equity(s, tree, edition, by="aspect", aggregates=a),
        ),
    )
    stage("trends", lambda: trends(s, edition))
    for suffix in ("", "_cpu"):
        t[f"points_1_3{suffix}"] = t[f"score{suffix}"] + t[f"aggregate{suffix}"] + t[f"equity{suffix}"]
        t[f"total{suffix}"] = t[f"points_1_3{suffix}"] + t[f"trends{suffix}"]
    return t


DUCKDB_SQL = """
WITH loc AS (
    SELECT a.region_code, s.indicator_code, p.period,
           CASE WHEN any_value(i.direction) = 'lower' THEN min(s.threshold)
                ELSE max(s.threshold) END AS local_standard
    FROM anc a
    JOIN stds s ON s.jurisdiction_code = a.ancestor_code
    JOIN periods p ON s.effective_from <= p.period AND (s.effective_to IS NULL OR p.period <= s.effective_to)
    JOIN ind i ON i.indicator_code = s.indicator_code
    GROUP BY ALL
),
grid AS (
    SELECT r.region_code, p.period, i.indicator_code, i.item_code, i.category_code, i.aspect_code, i.kind,
           i.national_floor, i.optimum, i.lower_bound, i.weight,
           CASE WHEN i.direction = 'lower' THEN -1.0 ELSE 1.0 END AS sgn
    FROM leaves r CROSS JOIN periods p CROSS JOIN ind i
),
v AS (
    SELECT g.*, l.local_standard,
           CASE WHEN g.kind = 'rate' AND x.numerator IS NOT NULL AND x.denominator > 0
                THEN 100.0 * x.numerator / x.denominator ELSE x.value END AS val
    FROM grid g
    LEFT JOIN vals x
           ON x.region_code = g.region_code AND x.period = g.period AND x.indicator_code = g.indicator_code
    LEFT JOIN loc l
           ON l.region_code = g.region_code AND l.period = g.period AND l.indicator_code = g.indicator_code
),
s AS (
    SELECT *,
           CASE WHEN national_floor IS NULL THEN local_standard
                WHEN local_standard IS NULL THEN national_floor
                WHEN sgn > 0 THEN greatest(national_floor, local_standard)
                ELSE least(national_floor, local_standard) END AS standard
    FROM v
),
t AS (
    SELECT *, coalesce(standard, optimum) AS target FROM s
)
SELECT region_code, period, indicator_code, item_code, category_code, aspect_code, weight,
       CASE WHEN val IS NULL THEN 'no_data'
            WHEN national_floor IS NOT NULL
                 AND sgn * (val - national_floor) < -1e-9 * greatest(1.0, abs(national_floor))
                 THEN 'below_floor'
            WHEN local_standard IS NOT NULL
                 AND sgn * (val - local_standard) < -1e-9 * greatest(1.0, abs(local_standard))
                 THEN 'below_local'
            WHEN standard IS NOT NULL THEN 'meets'
            ELSE 'no_standard' END AS status,
       CASE WHEN val IS NULL THEN NULL
            WHEN sgn * (val - target) >= -1e-9 * greatest(1.0, abs(target)) THEN 100.0
            WHEN sgn * (target - lower_bound) > 0
                 THEN 100.0 * least(greatest((val - lower_bound) / (target - lower_bound), 0.0), 1.0)
            ELSE 0.0 END AS score
FROM t
"""

DUCKDB_ASPECTS = """
WITH sev AS (
    SELECT *, CASE status WHEN 'below_floor' THEN 4 WHEN 'below_local' THEN 3 WHEN 'meets' THEN 2
                          WHEN 'no_standard' THEN 1 ELSE 0 END AS severity
    FROM scored
),
items AS (
    SELECT region_code, period, item_code, any_value(category_code) AS category_code,
           any_value(aspect_code) AS aspect_code,
           sum(weight * score) FILTER (WHERE score IS NOT NULL)
               / sum(weight) FILTER (WHERE score IS NOT NULL) AS score,
           max(severity) AS severity, count(*) AS n_indicators, count(score) AS n_reported,
           count(*) FILTER (WHERE severity = 4) AS n_below_floor
    FROM sev GROUP BY region_code, period, item_code
),
cats AS (
    SELECT region_code, period, category_code, any_value(aspect_code) AS aspect_code, avg(score) AS score,
           max(severity) AS severity, sum(n_indicators) AS n_indicators, sum(n_reported) AS n_reported,
           sum(n_below_floor) AS n_below_floor
    FROM items GROUP BY region_code, period, category_code
)
SELECT region_code, period, aspect_code AS code, avg(score) AS score, max(severity) AS severity,
       sum(n_indicators) AS n_indicators, sum(n_reported) AS n_reported, sum(n_below_floor) AS n_below_floor
FROM cats GROUP BY region_code, period, aspect_code
"""


def duckdb_run(con, tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Statuses and scores per indicator, and per-aspect aggregates, computed by DuckDB."""
    for name, frame in tables.items():
        con.register(name, frame)
    con.execute(f"CREATE OR REPLACE TEMP TABLE scored AS {DUCKDB_SQL}")
    aspects = con.execute(DUCKDB_ASPECTS).df()
    scored = con.execute("SELECT region_code, period, indicator_code, status, score FROM scored").df()
    return scored, aspects


def duckdb_tables(values, edition, tree, stds) -> dict[str, pd.DataFrame]:
    ind = edition.indicator_frame()
    periods = sorted(pd.unique(values["period"]).tolist())
    return {
        "vals": values[["region_code", "period", "indicator_code", "value", "numerator", "denominator"]],
        "ind": ind[
            [
                "indicator_code",
                "item_code",
                "category_code",
                "aspect_code",
                "kind",
                "direction",
                "national_floor",
                "optimum",
                "lower_bound",
                "weight",
            ]
        ],
        "leaves": pd.DataFrame({"region_code": [r.code for r in tree.leaves()]}),
        "periods": pd.DataFrame({"period": periods}),
        "anc": ancestry(tree),
        "stds": pd.DataFrame(
            {
                "jurisdiction_code": [s.jurisdiction_code for s in stds],
                "indicator_code": [s.indicator_code for s in stds],
                "threshold": [s.threshold for s in stds],
                "effective_from": [s.effective_from for s in stds],
                "effective_to": pd.array([s.effective_to for s in stds], dtype="Int64"),
            }
        ),
    }


def check_same(pandas_scores: pd.DataFrame, pandas_agg: pd.DataFrame, duck_scores, duck_aspects) -> str:
    """Compare the two engines: statuses equal, scores and aspect scores within 1e-9."""
    keys = ["region_code", "period", "indicator_code"]
    a = pandas_scores[[*keys, "status", "score"]].astype(
        {"region_code": str, "indicator_code": str, "status": str}
    )
    b = duck_scores.astype({"region_code": str, "indicator_code": str, "status": str})
    m = a.merge(b, on=keys, suffixes=("", "_duck"), how="outer", indicator=True)
    unmatched = int((m["_merge"] != "both").sum())
    status_diff = int((m["status"] != m["status_duck"]).sum())
    score_diff = float(np.nanmax(np.abs(m["score"] - m["score_duck"]))) if len(m) else 0.0
    nan_diff = int((m["score"].isna() != m["score_duck"].isna()).sum())
    pa = pandas_agg.loc[pandas_agg["level"] == "aspect", ["region_code", "period", "code", "score"]]
    pa = pa.astype({"region_code": str, "code": str})
    da = duck_aspects.astype({"region_code": str, "code": str})
    ma = pa.merge(da, on=["region_code", "period", "code"], suffixes=("", "_duck"))
    aspect_diff = float(np.nanmax(np.abs(ma["score"] - ma["score_duck"]))) if len(ma) else 0.0
    ok = unmatched == 0 and status_diff == 0 and nan_diff == 0 and score_diff < 1e-9 and aspect_diff < 1e-9
    return (
        f"{'same' if ok else 'DIFFERENT'}: {len(m):,} indicator rows, {unmatched} unmatched, "
        f"{status_diff} status differences, max score difference {score_diff:.2e}, "
        f"{len(ma):,} aspect rows, max aspect-score difference {aspect_diff:.2e}"
    )


def naive_score(values: pd.DataFrame, edition, stds_grid: dict) -> list[tuple]:
    """The row-by-row way (a Python loop per indicator value): the baseline vectorising replaces."""
    by_code = edition.indicator_by_code
    out = []
    for row in values.itertuples(index=False):
        ind = by_code[row.indicator_code]
        sign = -1.0 if ind.direction == "lower" else 1.0
        x = row.value
        if ind.kind == "rate" and row.numerator == row.numerator and row.denominator and row.denominator > 0:
            x = 100.0 * row.numerator / row.denominator
        local = stds_grid.get((row.region_code, row.indicator_code, row.period))
        floor = ind.national_floor
        cands = [c for c in (floor, local) if c is not None]
        standard = (max(cands) if sign > 0 else min(cands)) if cands else None
        if x != x:
            status = "no_data"
        elif floor is not None and sign * (x - floor) < 0:
            status = "below_floor"
        elif local is not None and sign * (x - local) < 0:
            status = "below_local"
        else:
            status = "meets" if standard is not None else "no_standard"
        target = standard if standard is not None else ind.optimum
        frac = (x - ind.lower_bound) / (target - ind.lower_bound)
        out.append(
            (row.region_code, row.period, row.indicator_code, status, 100.0 * min(max(frac, 0.0), 1.0))
        )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--counties", type=int, default=2850)
    ap.add_argument("--no-duckdb", action="store_true")
    args = ap.parse_args(argv)
    previous = json.loads(OUT.read_text()) if OUT.exists() else {}
    if previous.get("counties") != args.counties:
        previous = {}  # a run at another scale is no baseline
    results: dict[str, float] = {"counties": args.counties}
    edition = load_edition()

    # the demo province
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values

    dtree = demo_tree()
    dstds = demo_local_standards(edition)
    dvals = synthetic_values(edition, dtree)
    demo_runs = [pipeline(dvals, edition, dtree, dstds) for _ in range(args.repeat)]
    results["demo_total_s"] = statistics.median(r["total"] for r in demo_runs)
    results["demo_total_cpu_s"] = statistics.median(r["total_cpu"] for r in demo_runs)

    # national data
    t0 = time.perf_counter()
    prefectures = max(1, round(args.counties * 340 / 2850))
    tree = national_tree(counties=args.counties, prefectures=prefectures, provinces=min(31, prefectures))
    values = national_values(edition, tree)
    stds = national_local_standards(edition, tree)
    results["generate_s"] = time.perf_counter() - t0
    n_leaves = len(tree.leaves())
    print(
        f"national data: {n_leaves:,} counties, {len(tree) - n_leaves:,} provinces and prefectures, "
        f"{len(edition.indicators)} indicators, 5 years: {len(values):,} values, {len(stds)} local standards "
        f"(generated in {results['generate_s']:.1f} s)"
    )

    runs = [pipeline(values, edition, tree, stds) for _ in range(args.repeat)]
    for stage in runs[0]:
        cpu_stage = stage.endswith("_cpu")
        name = stage.removesuffix("_cpu")
        results[f"national_{name}{'_cpu' if cpu_stage else ''}_s"] = statistics.median(r[stage] for r in runs)
    wall, cpu, (scores, agg) = timed(
        lambda: (lambda s: (s, aggregate(s, edition, tree)))(score_indicators(values, edition, tree, stds)),
        args.repeat,
    )
    results["national_score_aggregate_s"] = wall
    results["national_score_aggregate_cpu_s"] = cpu

    tracemalloc.start()
    pipeline(values, edition, tree, stds)
    results["pipeline_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    if not args.no_duckdb:
        try:
            import duckdb
        except ImportError:
            print(
                "duckdb is not installed: pip install duckdb (requirements-dev) for the side-by-side figure"
            )
        else:
            con = duckdb.connect()
            con.execute("SET threads TO 2")
            tables = duckdb_tables(values, edition, tree, stds)
            wall, cpu, (dscores, daspects) = timed(lambda: duckdb_run(con, tables), args.repeat)
            results["duckdb_s"] = wall
            results["duckdb_cpu_s"] = cpu
            results["ratio_pandas_over_duckdb"] = results["national_score_aggregate_s"] / wall
            results["ratio_pandas_over_duckdb_cpu"] = results["national_score_aggregate_cpu_s"] / cpu
            print("check against DuckDB:", check_same(scores, agg, dscores, daspects))

    sample = values.loc[values["region_code"].isin([r.code for r in tree.leaves()[:40]])]
    from assessment.scoring.indicators import local_standard_grid

    grid = local_standard_grid(stds, tree, edition, sorted(values["period"].unique()))
    lookup = {
        (r, i, int(p)): v
        for r, i, p, v in zip(
            grid["region_code"], grid["indicator_code"], grid["period"], grid["local_standard"], strict=True
        )
    }
    _, cpu, _ = timed(lambda: naive_score(sample, edition, lookup), 1)
    results["naive_us_per_row"] = cpu / len(sample) * 1e6
    results["vectorised_us_per_row"] = results["national_score_cpu_s"] / len(values) * 1e6
    results["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print()
    labels = {
        "demo_total_s": "demo province, full pipeline",
        "national_score_s": "national: score",
        "national_aggregate_s": "national: aggregate",
        "national_equity_s": "national: equity (indicator+aspect)",
        "national_trends_s": "national: trends",
        "national_points_1_3_s": "national: points 1-3",
        "national_total_s": "national: points 1-3 + trends",
        "national_score_aggregate_s": "pandas: score + aggregate",
        "duckdb_s": "DuckDB: same work (2 threads)",
    }
    print(f"{'figure (median seconds)':<40}{'wall':>9}{'CPU':>9}{'prev wall':>11}{'prev CPU':>10}")
    for key, label in labels.items():
        if key in results:
            cpu_key = key.removesuffix("_s") + "_cpu_s"
            cells = [results.get(key), results.get(cpu_key), previous.get(key), previous.get(cpu_key)]
            text = "".join(
                f"{c:>{w}.3f}" if isinstance(c, int | float) else f"{'-':>{w}}"
                for c, w in zip(cells, (9, 9, 11, 10), strict=True)
            )
            print(f"{label:<40}{text}")
    print()
    others = {
        "ratio_pandas_over_duckdb": "ratio pandas / DuckDB (wall)",
        "ratio_pandas_over_duckdb_cpu": "ratio pandas / DuckDB (CPU)",
        "naive_us_per_row": "row-by-row Python scorer (CPU us/row)",
        "vectorised_us_per_row": "vectorised score (CPU us/row)",
        "pipeline_peak_mib": "pipeline peak, tracemalloc (MiB)",
        "peak_rss_mib": "process peak RSS (MiB)",
    }
    for key, label in others.items():
        if key in results:
            prev = previous.get(key)
            prev_text = f"{prev:>12.3f}" if isinstance(prev, int | float) else f"{'-':>12}"
            print(f"{label:<40}{results[key]:>9.3f}{prev_text}")
    print(
        f"(medians of {args.repeat} runs; other processes on the machine slow the wall time, far less "
        f"the CPU time; load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
