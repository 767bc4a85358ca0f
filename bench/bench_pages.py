"""Page speed (issue 7, Speed): the overview and region pages rendered with Streamlit's AppTest.

    python bench/bench_pages.py [--runs 5] [--scale province|national|both] [--no-profile] [--rebuild]

Prints medians against the targets (under 1.5 s at province scale, under 4 s at national scale);
asserts nothing. Scenarios:

* province: the demo province in a fresh SQLite file under bench/out/ (``seed_demo``), as the
  provincial evaluator ``demo-province``;
* national, whole country: the synthetic national store of :mod:`pages_national` (2,850 counties,
  5 years, every submission approved; built once and reused), as ``bench-national`` whose scope is
  a bench-only national node above the 31 provinces;
* national, largest province: the same store, as ``bench-province`` (the province with the most
  counties: the largest jurisdiction a three-level tree has).

The national scenarios work on a copy of the national store, so the upload below never changes it.

For each page: **cold** = the caches cleared first (``st.cache_data`` and ``st.cache_resource``: what
the first viewer after a data change, or after a restart, waits for); **new session** = a new AppTest
with warm caches (another user opening the page); **rerun** = ``at.run()`` again in the same session.
The very first render of the process (imports included) is printed on its own.

The store keeps per-period snapshots of the values (``assessment.store.snapshots``, a cache in the
database, patched on read when submissions change). They survive restarts and cache clears, so
**cold** runs read them; the national working copy starts with none, so the first render of the
process also builds them, and at the end the overview is timed again with the snapshots deleted
before each run (what the first viewer after upgrading to this schema waits for, once).

Then "an approved upload shows in the scores on the next rerun": with the overview open, one county
with values below the floor uploads a new version with every value at its optimum (``read_upload``,
``Store.import_upload`` by ``system``), the evaluator approves it (``Store.review``), and the next
``at.run()`` is timed; the headline figures before and after are printed.

Finally the slowest page run is repeated under cProfile (the script thread) and the top 10 project
functions by cumulative time are printed. AppTest timings include building and parsing Streamlit's
messages but no browser; the machine's load average is printed alongside.
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "bench" / "out"
PROVINCE_DB = OUT / "pages_province.db"
NATIONAL_COPY = OUT / os.environ.get("BENCH_PAGES_COPY", "pages_national_run.db")  # one per concurrent run
PAGES = ("overview", "region")
TIMEOUT = 120


@dataclass
class Scenario:
    """One data set and one signed-in evaluator."""

    label: str
    url: str
    user: str
    jurisdiction: str
    counties: int
    target: float
    demo: bool
    pick_within: str  # where to choose the county that uploads a new version
    times: dict[tuple[str, str], list[float]] = field(default_factory=dict)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min, {os.cpu_count()} cores)"


def _errors_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.ERROR


def quiet_streamlit() -> None:
    """Keep Streamlit's loggers to errors: AppTest's own calls from the main thread (session state,
    widget values, clearing the caches) log hundreds of "no ScriptRunContext" warnings per run."""
    import streamlit.logger

    for log in list(streamlit.logger._loggers.values()):
        if _errors_only not in log.filters:
            log.addFilter(_errors_only)


def clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def use(scenario: Scenario) -> None:
    """Point the app at ``scenario``'s database (the caches must be cleared after this)."""
    os.environ["ASSESSMENT_DB_URL"] = scenario.url
    os.environ["ASSESSMENT_DEMO"] = "1" if scenario.demo else "0"


def app(scenario: Scenario, page: str):  # type: ignore[no-untyped-def]
    """A signed-in AppTest of dashboard.py that starts on ``app_pages/<page>.py`` (not run yet)."""
    from streamlit.testing.v1 import AppTest

    from tests.fixtures import read_browser_cookies_from_session_state, sign_in_browser

    read_browser_cookies_from_session_state()  # AppTest has no HTTP layer: the cookie from state
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=TIMEOUT)
    at.query_params["lang"] = "zh"
    sign_in_browser(at, scenario.user, "demo", url=scenario.url)
    at.switch_page(str(ROOT / "app_pages" / f"{page}.py"))
    return at


CPU: list[float] = []  # the process CPU seconds of each timed run, in order (the machine is shared)


def timed_run(at) -> float:  # type: ignore[no-untyped-def]
    """Run ``at`` once; seconds. A page that raised is reported (its time still counts). The
    process CPU time of the run is appended to :data:`CPU`."""
    start, cpu = time.perf_counter(), time.process_time()
    at.run()
    seconds = time.perf_counter() - start
    CPU.append(time.process_time() - cpu)
    if at.exception:
        print(f"    ! the page raised: {str(at.exception[0].value)[:300]}")
    return seconds


def headline(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {m.label: str(m.value) for m in at.metric}


def measure(scenario: Scenario, runs: int) -> None:
    """Cold, new-session and rerun times of each page, ``runs`` of each."""
    use(scenario)
    for page in PAGES:
        cold, fresh, rerun = [], [], []
        for _ in range(runs):
            clear_caches()
            cold.append(timed_run(app(scenario, page)))
        for _ in range(runs):
            at = app(scenario, page)
            fresh.append(timed_run(at))
        title = at.title[0].value if at.title else "(no title)"
        for _ in range(runs):
            rerun.append(timed_run(at))
        scenario.times[(page, "cold")] = cold
        scenario.times[(page, "new session")] = fresh
        scenario.times[(page, "rerun")] = rerun
        print(
            f"  {page:<8} cold {statistics.median(cold):6.2f} s | new session "
            f"{statistics.median(fresh):6.2f} s | rerun {statistics.median(rerun):6.2f} s   [{title}]"
        )


def best_values(store, county: str, period: int):  # type: ignore[no-untyped-def]
    """The county's values for ``period`` with every value at its indicator's optimum (rates via
    the numerator over the stated denominator)."""
    from assessment.catalogue import load_edition

    ind = load_edition().indicator_frame().set_index("indicator_code")
    vals = store.values("system", periods=[period], region_codes=[county])
    optimum = vals["indicator_code"].map(ind["optimum"]).astype("float64")
    is_rate = vals["indicator_code"].map(ind["kind"]).eq("rate") & vals["denominator"].gt(0)
    num = (vals["denominator"] * optimum / 100.0).round()
    value = (100.0 * num / vals["denominator"]).round(2).where(is_rate, optimum)
    return vals.assign(value=value, numerator=num.where(is_rate, vals["numerator"]), note="")[
        ["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]
    ]


def worst_county(store, actor: str, within: str, period: int) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """The county under ``within`` with the most values below the national floor in ``period``."""
    from assessment.catalogue import load_edition
    from assessment.scoring.analysis import assess

    tree = store.region_tree()
    counties = [r.code for r in tree.descendants(within) if r.level == "county"]
    values = store.values(actor, periods=[period], region_codes=counties)
    result = assess(values, load_edition(), tree, store.local_standards(), jurisdiction=within, basis="floor")
    s = result.scores
    below = s[(s["period"] == period) & (s["status"] == "below_floor")].groupby("region_code").size()
    return str(below.idxmax()), int(below.max())


def upload_shows(scenario: Scenario) -> float:
    """Time of the overview's next rerun after an approved upload; prints the headline change."""
    from assessment.catalogue import load_edition
    from assessment.intake.ingest import read_upload
    from assessment.store.service import Store

    use(scenario)
    clear_caches()
    at = app(scenario, "overview")
    timed_run(at)
    timed_run(at)  # warm
    before = headline(at)
    with Store(scenario.url) as store:
        period = int(store.submissions("system", status="approved")["period"].max())  # the page's default
        county, n_below = worst_county(store, "system", scenario.pick_within, period)
        frame = best_values(store, county, period)
        data = frame.to_csv(index=False).encode("utf-8")
        name = f"{county}_{period}_fixed.csv"
        edition, tree = load_edition(), store.region_tree()
        t = time.perf_counter()
        result = read_upload(data, name, edition=edition, tree=tree, local_standards=store.local_standards())
        if not result.ok:
            print(f"    ! the fixed upload was refused: {[p.message_en for p in result.errors[:3]]}")
            return float("nan")
        outcome = store.import_upload("system", data, name, result)
        sid = next(i.id for i in outcome.items if i.created)
        store.review(scenario.user, sid, "approve")
        write = time.perf_counter() - t
    seconds = timed_run(at)
    cpu = CPU[-1]
    after = headline(at)
    again = timed_run(at)
    print(
        f"  county {county} ({n_below} values below the floor in {period}) uploads every value at its "
        f"optimum; read + import + approve {write:.2f} s"
    )
    print(
        f"  next rerun of the overview: {seconds:.2f} s, CPU {cpu:.2f} s (the rerun after it: {again:.2f} s, "
        f"CPU {CPU[-1]:.2f} s)"
    )
    scenario.times[("overview", "after approval cpu")] = [cpu]
    changed = [k for k in before if before[k] != after.get(k)]
    for k in before:
        mark = "changed" if k in changed else "same"
        print(f"    {k}: {before[k]} -> {after.get(k)}  ({mark})")
    print(f"  headline changed on the next rerun: {'YES' if changed else 'NO'}")
    scenario.times[("overview", "after approval")] = [seconds]
    return seconds


def profile(scenario: Scenario, page: str, mode: str, top: int = 10) -> None:
    """Repeat one page run under cProfile (in AppTest's script thread); print project hotspots."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    use(scenario)
    clear_caches()
    at = app(scenario, page)
    if mode != "cold":
        at.run()
    prof = cProfile.Profile()
    original: Callable[..., None] = LocalScriptRunner._run_script_thread

    def profiled(self) -> None:  # type: ignore[no-untyped-def]
        prof.enable()
        try:
            original(self)
        finally:
            prof.disable()

    LocalScriptRunner._run_script_thread = profiled  # type: ignore[method-assign]
    try:
        seconds = timed_run(at)
    finally:
        LocalScriptRunner._run_script_thread = original  # type: ignore[method-assign]
    stats = pstats.Stats(prof)
    rows = []
    venv = str(ROOT / ".venv")
    for (filename, line, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if filename.startswith(str(ROOT)) and not filename.startswith(venv):
            rows.append((cumtime, tottime, ncalls, f"{Path(filename).relative_to(ROOT)}:{line} {func}"))
    rows.sort(reverse=True)
    print(f"  profiled run: {scenario.label}, {page}, {mode}: {seconds:.2f} s under cProfile")
    print(f"  {'cumulative':>10} {'own':>8} {'calls':>8}  function (project code)")
    for cum, own, calls, where in rows[:top]:
        print(f"  {cum:9.2f}s {own:7.2f}s {calls:8d}  {where}")
    lib = sorted(
        ((v[2], v[1], f"{Path(k[0]).name}:{k[1]} {k[2]}") for k, v in stats.stats.items()),  # type: ignore[attr-defined]
        reverse=True,
    )[:8]
    print(f"  {'own time':>10} {'calls':>8}  function (anywhere)")
    for own, calls, where in lib:
        print(f"  {own:9.2f}s {calls:8d}  {where}")


def province_scenario() -> Scenario:
    from assessment.demo.seed import seed_demo
    from assessment.store.service import Store

    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{PROVINCE_DB}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{PROVINCE_DB}"
    t = time.perf_counter()
    with Store(url) as store:
        summary = seed_demo(store)
        tree = store.region_tree()
    counties = sum(r.level == "county" for r in tree)
    print(
        f"  seeded the demo province into {PROVINCE_DB.relative_to(ROOT)} in {time.perf_counter() - t:.1f} s "
        f"({summary.submissions} submissions, {counties} counties)"
    )
    return Scenario(
        f"province (demo, {counties} counties)",
        url,
        "demo-province",
        tree.root.code,
        counties,
        1.5,
        True,
        tree.root.code,
    )


def national_scenarios(rebuild: bool) -> list[Scenario]:
    import pages_national

    t = time.perf_counter()
    info = pages_national.ensure(rebuild=rebuild)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{NATIONAL_COPY}{suffix}").unlink(missing_ok=True)
        src = Path(f"{pages_national.DB_PATH}{suffix}")
        if src.exists():
            shutil.copyfile(src, f"{NATIONAL_COPY}{suffix}")
    how = "reused" if info.reused else "built"
    print(
        f"  national store ready in {time.perf_counter() - t:.1f} s ({how}): "
        f"{info.counties:,} counties, {info.values:,} values, {info.submissions:,} submissions; "
        f"working on a copy, {NATIONAL_COPY.relative_to(ROOT)}"
    )
    url = f"sqlite:///{NATIONAL_COPY}"
    empty_snapshots(url)  # the first render below builds them: the one-time cost after an upgrade
    return [
        Scenario(
            f"national, whole country ({info.counties:,} counties)",
            url,
            pages_national.NATIONAL_USER,
            info.nation,
            info.counties,
            4.0,
            False,
            info.province,
        ),
        Scenario(
            f"national, largest province {info.province} ({info.province_counties} counties)",
            url,
            pages_national.PROVINCE_USER,
            info.province,
            info.province_counties,
            4.0,
            False,
            info.province,
        ),
    ]


def empty_snapshots(url: str) -> int:
    """Delete the per-period value snapshots (``assessment.store.snapshots``); returns how many."""
    import sqlalchemy as sa

    from assessment.store.schema import value_snapshots
    from assessment.store.service import Store

    with Store(url) as store, store.transaction() as conn:
        return conn.execute(sa.delete(value_snapshots)).rowcount


def snapshot_rebuild(scenario: Scenario, runs: int) -> None:
    """The overview with caches cleared *and* the value snapshots deleted: what the first viewer
    after upgrading to the snapshot schema waits for (the snapshots are then written back)."""
    use(scenario)
    times = []
    for _ in range(runs):
        n = empty_snapshots(scenario.url)
        clear_caches()
        times.append(timed_run(app(scenario, "overview")))
    print(
        f"  overview cold with the {n} value snapshots deleted first (rebuilt and written back): "
        f"median {statistics.median(times):.2f} s of {[round(x, 2) for x in times]}"
    )
    scenario.times[("overview", "snapshots rebuilt")] = times


def table(scenarios: list[Scenario]) -> None:
    print("\n== Medians (seconds; AppTest, no browser)")
    head = f"{'scale':<46} {'page':<9} {'cold':>6} {'new session':>12} {'rerun':>6} {'target':>7}  verdict"
    print(head)
    print("-" * len(head))
    for sc in scenarios:
        for page in PAGES:
            if (page, "cold") not in sc.times:
                continue
            med = {m: statistics.median(sc.times[(page, m)]) for m in ("cold", "new session", "rerun")}
            verdict = ", ".join(
                f"{m} {'ok' if med[m] < sc.target else 'OVER'}" for m in ("cold", "new session", "rerun")
            )
            print(
                f"{sc.label:<46} {page:<9} {med['cold']:6.2f} {med['new session']:12.2f} "
                f"{med['rerun']:6.2f} {'< ' + format(sc.target, '.1f'):>7}  {verdict}"
            )
        if ("overview", "snapshots rebuilt") in sc.times:
            s = statistics.median(sc.times[("overview", "snapshots rebuilt")])
            print(f"{sc.label:<46} {'overview':<9} cold with the value snapshots rebuilt (once): {s:.2f} s")
        if ("overview", "after approval") in sc.times:
            s = sc.times[("overview", "after approval")][0]
            print(
                f"{sc.label:<46} {'overview':<9} next rerun after an approved upload: {s:.2f} s "
                f"({'ok' if s < sc.target else 'OVER'})"
            )


def approval_only(scenario: Scenario, runs: int) -> int:
    """The overview's next rerun after an approved upload, with the page cache bringing the cached
    assessment up to date (incremental, issue 20 point 2) and with it rescoring everything
    (``ASSESSMENT_INCREMENTAL=0``), alternating; medians side by side."""
    times: dict[str, list[float]] = {"incremental": [], "full": []}
    cpus: dict[str, list[float]] = {"incremental": [], "full": []}
    modes = (
        ("incremental",) if os.environ.get("BENCH_PAGES_INCREMENTAL_ONLY") == "1" else ("incremental", "full")
    )
    for k in range(runs):
        for mode in modes if k % 2 == 0 else tuple(reversed(modes)):
            os.environ["ASSESSMENT_INCREMENTAL"] = "1" if mode == "incremental" else "0"
            print(f"\n-- run {k + 1}, {mode}; {load()}")
            times[mode].append(upload_shows(scenario))
            cpus[mode].append(scenario.times[("overview", "after approval cpu")][0])
    os.environ.pop("ASSESSMENT_INCREMENTAL", None)
    for mode in modes:
        print(
            f"\n== Overview's next rerun after an approval, {scenario.label}, {mode}, median of {runs}: "
            f"wall {statistics.median(times[mode]):.2f} s, CPU {statistics.median(cpus[mode]):.2f} s "
            f"(target: under 0.5 s); {load()}"
        )
    if len(modes) == 2:
        inc, full = statistics.median(times["incremental"]), statistics.median(times["full"])
        print(f"   ratio full / incremental (wall): {full / inc:.1f}x")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{NATIONAL_COPY}{suffix}").unlink(missing_ok=True)
    return 0


def warm_only(scenario: Scenario, runs: int) -> int:
    """Warm reruns of the overview with nothing changed (one session, caches warm): wall and CPU
    medians."""
    use(scenario)
    clear_caches()
    at = app(scenario, "overview")
    timed_run(at)
    timed_run(at)
    walls, cpus = [], []
    for _ in range(runs):
        walls.append(timed_run(at))
        cpus.append(CPU[-1])
    print(
        f"\n== Overview's warm rerun, {scenario.label}, median of {runs}: "
        f"wall {statistics.median(walls):.2f} s of {[round(x, 2) for x in walls]}, "
        f"CPU {statistics.median(cpus):.2f} s of "
        f"{[round(x, 2) for x in cpus]}; {load()}"
    )
    for suffix in ("", "-wal", "-shm"):
        Path(f"{NATIONAL_COPY}{suffix}").unlink(missing_ok=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", choices=("province", "national", "both"), default="both")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the national store")
    parser.add_argument(
        "--approval-only",
        action="store_true",
        help="only the overview's next rerun after an approval, national, with and without the "
        "incremental rescoring (ASSESSMENT_INCREMENTAL=0), --runs times each, alternating",
    )
    parser.add_argument(
        "--warm-only", action="store_true", help="only warm reruns of the national overview, --runs of them"
    )
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    quiet_streamlit()
    print(f"Page speed, median of {args.runs} runs; {load()}")
    if args.approval_only:
        return approval_only(national_scenarios(args.rebuild)[0], args.runs)
    if args.warm_only:
        return warm_only(national_scenarios(args.rebuild)[0], args.runs)

    scenarios: list[Scenario] = []
    if args.scale in ("province", "both"):
        print("\n== Province scale")
        scenarios.append(province_scenario())
    if args.scale in ("national", "both"):
        print("\n== National scale")
        started = time.perf_counter()
        scenarios += national_scenarios(args.rebuild)
        if time.perf_counter() - started > 600:
            print("  national seeding took over 10 minutes")

    first = scenarios[0]
    use(first)
    clear_caches()
    s = timed_run(app(first, "overview"))
    print(f"\nFirst render in this process (imports + cold caches), {first.label}, overview: {s:.2f} s")
    quiet_streamlit()  # the loggers created by that run

    for sc in scenarios:
        print(f"\n== {sc.label}: signed in as {sc.user}; {load()}")
        measure(sc, args.runs)
    for sc in scenarios:
        print(f"\n== An approved upload shows on the next rerun: {sc.label}")
        upload_shows(sc)
    if args.scale in ("national", "both"):
        sc = next(s for s in scenarios if not s.demo)
        print(f"\n== One-time cost: the value snapshots rebuilt, {sc.label}")
        snapshot_rebuild(sc, args.runs)

    table(scenarios)
    if not args.no_profile:
        sc, page, mode = max(
            ((sc, p, m) for sc in scenarios for (p, m) in sc.times if m in ("cold", "new session", "rerun")),
            key=lambda k: statistics.median(k[0].times[(k[1], k[2])]),
        )
        print(f"\n== Profile of the slowest page run ({load()})")
        profile(sc, page, mode)
    for suffix in ("", "-wal", "-shm"):  # the national working copy (the original is kept for reuse)
        Path(f"{NATIONAL_COPY}{suffix}").unlink(missing_ok=True)
    print(f"\nDone; {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
