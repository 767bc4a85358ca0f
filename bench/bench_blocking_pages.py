"""A second session's page render while a report is generated in another (issue 20 point 7).

    python bench/bench_blocking_pages.py [--runs 7] [--page overview.py] [--fmt pdf|xlsx]
                                         [--modes child,in-process]

On a copy of the demo province (seeded under bench/out/ if missing), renders ``--page`` as a new
session of the provincial evaluator ``demo-province`` (Streamlit's AppTest: sign-in, first run,
the page; warm caches after a first render) ``--runs`` times with nothing else running, then
again while a background thread builds the provincial evaluation report (``build_report``, PDF by
default) in a loop, as a second user's session thread would. Prints the medians side by side and
the load average; asserts nothing. A lock held by report generation would show as a render time
close to one report's time; sharing two cores shows as a modest ratio.

``--modes``: the busy phase once per mode, side by side against the same idle median: ``child``
(the default since issue 20.7: the file is rendered in a niced child process, the forkserver
started by one untimed report first) and ``in-process`` (``ASSESSMENT_REPORT_ISOLATE=0``, the
baseline: rendering in the session's own process). Writes bench/out/blocking_pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
DB = OUT / "blocking_pages.db"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--page", default="overview.py")
    parser.add_argument("--fmt", default="pdf", choices=("pdf", "xlsx"))
    parser.add_argument("--modes", default="child,in-process")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    seeded = OUT / "blocking_pages_seed.db"
    url = f"sqlite:///{DB}"
    os.environ["ASSESSMENT_DEMO"] = "1"
    os.chdir(ROOT)
    if not seeded.exists():
        import subprocess

        env = {**os.environ, "ASSESSMENT_DB_URL": f"sqlite:///{seeded}"}
        subprocess.run([sys.executable, "-m", "assessment", "demo"], check=True, env=env, cwd=ROOT)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{DB}{suffix}").unlink(missing_ok=True)
    shutil.copy(seeded, DB)
    os.environ["ASSESSMENT_DB_URL"] = url

    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    from assessment.reports.service import build_report
    from assessment.store import Store
    from tests.fixtures import app_as

    def render() -> float:
        t = time.perf_counter()
        at = app_as("demo-province", "zh", page=args.page)
        elapsed = time.perf_counter() - t
        if at.exception:
            raise SystemExit(f"page failed: {[e.value for e in at.exception]}")
        return elapsed

    render()  # warm the caches: what follows is "another user opens the page"
    idle = [render() for _ in range(args.runs)]
    print(f"idle:              {args.page} new session median {statistics.median(idle):.2f} s  load {load()}")

    results: dict[str, dict[str, object]] = {
        "idle": {"median_s": statistics.median(idle), "runs": idle, "load": load()}
    }
    for mode in [m.strip() for m in args.modes.split(",") if m.strip()]:
        os.environ["ASSESSMENT_REPORT_ISOLATE"] = "0" if mode == "in-process" else "1"
        if mode == "child":  # start the forkserver (its preloads) outside the timed renders
            with Store(url) as store:
                build_report(store, "demo-province", "evaluation", "990000", 2024, fmt=args.fmt)
        busy, reports = busy_phase(url, args.fmt, args.runs, render)
        ratio = statistics.median(busy) / statistics.median(idle)
        results[mode] = {
            "median_s": statistics.median(busy),
            "max_s": max(busy),
            "ratio": ratio,
            "report_s": statistics.median(reports),
            "reports": len(reports),
            "runs": busy,
            "load": load(),
        }
        print(
            f"during {args.fmt} reports ({mode}): {args.page} new session median "
            f"{statistics.median(busy):.2f} s (max {max(busy):.2f} s, {ratio:.2f}x idle); "
            f"one report {statistics.median(reports):.2f} s x {len(reports)}  load {load()}"
        )
    print("\nside by side (new-session render medians, s):")
    print("  " + "  ".join(f"{k:>12}" for k in results))
    print("  " + "  ".join(f"{float(v['median_s']):>12.2f}" for v in results.values()))  # type: ignore[arg-type]
    out = OUT / "blocking_pages.json"
    out.write_text(json.dumps({"page": args.page, "fmt": args.fmt, "results": results}, indent=2))
    print(f"wrote {out}")


def busy_phase(url: str, fmt: str, runs: int, render: object) -> tuple[list[float], list[float]]:
    """``runs`` renders while a thread builds the provincial report in a loop."""
    from assessment.reports.service import build_report
    from assessment.store import Store

    stop = threading.Event()
    reports: list[float] = []

    def loop() -> None:
        with Store(url) as store:
            while not stop.is_set():
                t = time.perf_counter()
                build_report(store, "demo-province", "evaluation", "990000", 2024, fmt=fmt)
                reports.append(time.perf_counter() - t)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    time.sleep(0.5)
    busy = [render() for _ in range(runs)]  # type: ignore[operator]
    stop.set()
    thread.join()
    return busy, reports


if __name__ == "__main__":
    main()
