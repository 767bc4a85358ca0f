"""Engine cost at several sizes, repeated runs in one process, DuckDB and Polars side by side (issue 20.3).

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
  rounds in rotating order (engine first, then DuckDB first...), outputs compared row by row;
  and a lazy Polars plan (``polars_run``) computing the same outputs from the same frames, all
  three in rotating order (round k starts with the k-th of them), both peers' outputs compared row
  by row with the engine's (statuses equal, scores within 1e-9, every aspect row matched);
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


def polars_run(tables: dict) -> tuple:
    """The DuckDB peer's outputs (statuses, scores, per-aspect aggregates) as one lazy Polars plan."""
    import polars as pl

    def lf(name: str) -> pl.LazyFrame:
        frame = pl.from_pandas(tables[name])
        strings = [c for c, t in frame.schema.items() if t in (pl.Categorical, pl.Enum)]
        return frame.lazy().with_columns([pl.col(c).cast(pl.String) for c in strings])

    vals, ind, leaves, periods = lf("vals"), lf("ind"), lf("leaves"), lf("periods")
    anc, stds = lf("anc"), lf("stds")
    keys = ["region_code", "period", "indicator_code"]
    loc = (
        anc.join(stds, left_on="ancestor_code", right_on="jurisdiction_code")
        .join(periods, how="cross")
        .filter(
            (pl.col("effective_from") <= pl.col("period"))
            & (pl.col("effective_to").is_null() | (pl.col("period") <= pl.col("effective_to")))
        )
        .join(ind.select("indicator_code", "direction"), on="indicator_code")
        .group_by(keys)
        .agg(
            pl.when(pl.col("direction").first() == "lower")
            .then(pl.col("threshold").min())
            .otherwise(pl.col("threshold").max())
            .alias("local_standard")
        )
    )
    sgn = pl.when(pl.col("direction") == "lower").then(-1.0).otherwise(1.0)
    rate = (pl.col("kind") == "rate") & pl.col("numerator").is_not_null() & (pl.col("denominator") > 0)
    grid = (
        leaves.join(periods, how="cross")
        .join(ind.with_columns(sgn.alias("sgn")), how="cross")
        .join(vals, on=keys, how="left")
        .join(loc, on=keys, how="left")
        .with_columns(
            pl.when(rate)
            .then(100.0 * pl.col("numerator") / pl.col("denominator"))
            .otherwise(pl.col("value"))
            .alias("val")
        )
    )
    floor, local, s = pl.col("national_floor"), pl.col("local_standard"), pl.col("sgn")
    grid = grid.with_columns(
        pl.when(floor.is_null())
        .then(local)
        .when(local.is_null())
        .then(floor)
        .when(s > 0)
        .then(pl.max_horizontal(floor, local))
        .otherwise(pl.min_horizontal(floor, local))
        .alias("standard")
    ).with_columns(pl.coalesce("standard", "optimum").alias("target"))
    val, target, lb, std = pl.col("val"), pl.col("target"), pl.col("lower_bound"), pl.col("standard")

    def tol(x: pl.Expr) -> pl.Expr:
        return -1e-9 * pl.max_horizontal(pl.lit(1.0), x.abs())

    status = (
        pl.when(val.is_null())
        .then(pl.lit("no_data"))
        .when(floor.is_not_null() & (s * (val - floor) < tol(floor)))
        .then(pl.lit("below_floor"))
        .when(local.is_not_null() & (s * (val - local) < tol(local)))
        .then(pl.lit("below_local"))
        .when(std.is_not_null())
        .then(pl.lit("meets"))
        .otherwise(pl.lit("no_standard"))
    )
    score = (
        pl.when(val.is_null())
        .then(None)
        .when(s * (val - target) >= tol(target))
        .then(100.0)
        .when(s * (target - lb) > 0)
        .then(100.0 * ((val - lb) / (target - lb)).clip(0.0, 1.0))
        .otherwise(0.0)
    )
    scored = grid.select(
        *keys,
        "item_code",
        "category_code",
        "aspect_code",
        "weight",
        status.alias("status"),
        score.alias("score"),
    )
    severity = pl.col("status").replace_strict(
        {"below_floor": 4, "below_local": 3, "meets": 2, "no_standard": 1},
        default=0,
        return_dtype=pl.Int64,
    )
    has = pl.col("score").is_not_null()
    items = (
        scored.with_columns(severity.alias("severity"))
        .group_by("region_code", "period", "item_code")
        .agg(
            pl.col("category_code").first(),
            pl.col("aspect_code").first(),
            pl.when(has.any())
            .then((pl.col("weight") * pl.col("score")).filter(has).sum() / pl.col("weight").filter(has).sum())
            .alias("score"),
            pl.col("severity").max(),
            pl.len().alias("n_indicators"),
            has.sum().alias("n_reported"),
            (pl.col("severity") == 4).sum().alias("n_below_floor"),
        )
    )
    cats = items.group_by("region_code", "period", "category_code").agg(
        pl.col("aspect_code").first(),
        pl.col("score").mean(),
        pl.col("severity").max(),
        pl.col("n_indicators").sum(),
        pl.col("n_reported").sum(),
        pl.col("n_below_floor").sum(),
    )
    aspects = (
        cats.group_by("region_code", "period", "aspect_code")
        .agg(
            pl.col("score").mean(),
            pl.col("severity").max(),
            pl.col("n_indicators").sum(),
            pl.col("n_reported").sum(),
            pl.col("n_below_floor").sum(),
        )
        .rename({"aspect_code": "code"})
    )
    out_scores, out_aspects = pl.collect_all([scored.select(*keys, "status", "score"), aspects])
    return out_scores.to_pandas(), out_aspects.to_pandas()


def check_rows(scores, aggregates, peer_scores, peer_aspects) -> str:
    """check_same of bench_scoring plus the aspect rows matched both ways (an outer merge)."""
    from bench_scoring import check_same

    base = check_same(scores, aggregates, peer_scores, peer_aspects)
    keys = ["region_code", "period", "code"]
    mine = aggregates.loc[aggregates["level"] == "aspect", keys].astype({"region_code": str, "code": str})
    theirs = peer_aspects.loc[:, keys].astype({"region_code": str, "code": str})
    m = mine.merge(theirs, on=keys, how="outer", indicator=True)
    unmatched = int((m["_merge"] != "both").sum())
    if unmatched:
        base = base.replace("same:", "DIFFERENT:", 1)
    return f"{base}, {unmatched} aspect rows unmatched"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="0.25,0.5,1,2,4")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--duckdb-rounds", "--peer-rounds", dest="duckdb_rounds", type=int, default=3)
    ap.add_argument("--code", default=None, help="import assessment from this checkout (baseline)")
    ap.add_argument(
        "--no-mallopt",
        action="store_true",
        help="keep glibc's malloc defaults (the web server's default; see assessment.scoring.heap)",
    )
    ap.add_argument("--label", default="")
    args = ap.parse_args(argv)
    _setup_path(args.code)

    from national import national_local_standards, national_tree, national_values

    from assessment.catalogue import load_edition
    from assessment.scoring.aggregation import aggregate
    from assessment.scoring.equity import equity
    from assessment.scoring.indicators import score_indicators

    try:  # large temporaries reuse freed heap (absent in old checkouts; the server's default is off)
        from assessment.scoring.heap import reuse_freed_memory
    except ImportError:
        print("baseline checkout without assessment.scoring.heap: glibc's malloc defaults")
    else:
        on = reuse_freed_memory(default=not args.no_mallopt)
        print(f"assessment.scoring.heap malloc settings: {'on' if on else 'off (glibc defaults)'}")

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

    # DuckDB and Polars side by side, rotating order, outputs compared row by row
    duck: dict[str, object] = {}
    from bench_scoring import duckdb_run, duckdb_tables

    peers: dict[str, Callable[[], tuple]] = {}
    tables = duckdb_tables(values1, edition, tree1, stds1)
    try:
        import duckdb
    except ImportError as exc:
        duck["duckdb_skipped"] = str(exc)
    else:
        con = duckdb.connect()
        con.execute("SET threads TO 2")
        peers["duckdb"] = lambda: duckdb_run(con, tables)
    try:
        import polars

        duck["polars_version"] = polars.__version__
    except ImportError as exc:
        duck["polars_skipped"] = str(exc)
    else:
        peers["polars"] = lambda: polars_run(tables)

    def score_and_aggregate() -> tuple:
        scores = score_indicators(values1, edition, tree1, stds1)
        return scores, aggregate(scores, edition, tree1)

    # Every contender runs with the same frames resident: the inputs and one reference output of
    # the engine. Each run's output is compared with the reference and dropped before the next
    # run starts (keeping the round's outputs alive until its end made whoever ran later in the
    # round allocate above them: fresh pages, 20-40k faults, up to 0.9 s of system time).
    ref_s, ref_a = score_and_aggregate()
    who_all = ["engine", *peers]
    runs_of: dict[str, list[dict[str, float]]] = {w: [] for w in who_all}
    checks: dict[str, str] = {}
    engine_same: list[bool] = []
    for k in range(args.duckdb_rounds):
        order = who_all[k % len(who_all) :] + who_all[: k % len(who_all)]
        for who in order:
            m, out = measured(score_and_aggregate if who == "engine" else peers[who])
            runs_of[who].append(m)
            if who == "engine":
                engine_same.append(out[0].equals(ref_s) and out[1].equals(ref_a))
            else:
                checks[who] = check_rows(ref_s, ref_a, *out)
            del out
    checks["engine"] = f"every run equal to the reference: {all(engine_same)} ({len(engine_same)} runs)"
    del ref_s, ref_a
    for who, runs in runs_of.items():
        key = "engine_score_aggregate" if who == "engine" else who
        duck[key] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    duck["checks"] = checks
    if peers:
        e = duck["engine_score_aggregate"]
        best = min(peers, key=lambda w: duck[w]["wall"])  # type: ignore[index]
        duck["best_peer"] = best
        duck["ratio_best_peer_over_engine_wall"] = duck[best]["wall"] / e["wall"]  # type: ignore[index]
        for who in peers:
            duck[f"ratio_{who}_over_engine_wall"] = duck[who]["wall"] / e["wall"]  # type: ignore[index]
            duck[f"ratio_{who}_over_engine_cpu"] = duck[who]["cpu"] / e["cpu"]  # type: ignore[index]
    results["peers"] = duck

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
    if "best_peer" in duck:
        e = duck["engine_score_aggregate"]
        print(f"score + aggregate, {args.duckdb_rounds} rotating rounds (medians):")
        print(
            f"  {'engine':<8} wall {e['wall']:6.2f} s  CPU {e['cpu']:6.2f} s  sys {e['sys']:5.2f} s  "
            f"faults {e['minflt']:>8,.0f}  (load {e['load']:.1f})"
        )
        for who in [w for w in ("duckdb", "polars") if w in duck]:
            d = duck[who]
            print(
                f"  {who:<8} wall {d['wall']:6.2f} s  CPU {d['cpu']:6.2f} s  sys {d['sys']:5.2f} s  "
                f"faults {d['minflt']:>8,.0f}  (load {d['load']:.1f})  "
                f"{who}/engine wall {duck[f'ratio_{who}_over_engine_wall']:.2f}x "
                f"CPU {duck[f'ratio_{who}_over_engine_cpu']:.2f}x"
            )
        print(
            f"  best peer ({duck['best_peer']}) / engine, wall: "
            f"{duck['ratio_best_peer_over_engine_wall']:.2f}x (target 2x)"
        )
        for who, check in duck["checks"].items():
            print(f"  engine: {check}" if who == "engine" else f"  outputs vs {who}: {check}")
    else:
        print(f"no peer measured: {duck}")
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
