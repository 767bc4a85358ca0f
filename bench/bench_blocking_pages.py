"""A second session's page render while a report is generated in another (issue 20 point 7).

    python bench/bench_blocking_pages.py [--runs 7] [--page overview.py] [--fmt pdf|xlsx]

On a copy of the demo province (seeded under bench/out/ if missing), renders ``--page`` as a new
session of the provincial evaluator ``demo-province`` (Streamlit's AppTest: sign-in, first run,
the page; warm caches after a first render) ``--runs`` times with nothing else running, then
again while a background thread builds the provincial evaluation report (``build_report``, PDF by
default) in a loop, as a second user's session thread would. Prints the medians side by side and
the load average; asserts nothing. A lock held by report generation would show as a render time
close to one report's time; sharing two cores shows as a modest ratio.
"""

from __future__ import annotations

import argparse
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

    stop = threading.Event()
    reports: list[float] = []

    def loop() -> None:
        with Store(url) as store:
            while not stop.is_set():
                t = time.perf_counter()
                build_report(store, "demo-province", "evaluation", "990000", 2024, fmt=args.fmt)
                reports.append(time.perf_counter() - t)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    time.sleep(0.5)
    busy = [render() for _ in range(args.runs)]
    stop.set()
    thread.join()
    ratio = statistics.median(busy) / statistics.median(idle)
    print(
        f"during {args.fmt} reports: {args.page} new session median {statistics.median(busy):.2f} s "
        f"(max {max(busy):.2f} s, {ratio:.2f}x idle); one report {statistics.median(reports):.2f} s "
        f"x {len(reports)}  load {load()}"
    )


if __name__ == "__main__":
    main()
