"""Does long work in one session hold up other users? (issue 20 point 7)

    python bench/bench_blocking.py [--db PATH] [--seconds 15] [--scenarios report,import,rebuild]

Streamlit runs each session's script in a thread of one process, so long work (a report, a batch
import, a snapshot rebuild) must hold no process-wide lock that another session's page waits on.
This script works on a copy of a store (default: the national bench store of
:mod:`pages_national`, built if missing) and times, in the main thread, what every page run of
another signed-in user does against the database:

* ``touch``: :func:`assessment.auth.sessions.resolve` when the session's last activity is due to be
  written (a write transaction, at most once a minute per session);
* ``read``: ``Store.values`` of one county (a read transaction);
* ``audit``: ``Store.audit`` (a write: what a sign-in or an export records).

first with nothing else running (``idle``), then while a background thread loops one kind of long
work: ``report`` (``build_report`` of the national evaluation workbook), ``import`` (a batch file of
one period for every county, ``Store.import_upload``), ``rebuild`` (``snapshots.rebuild(force=True)``).
Prints medians and maxima per probe and scenario and the load average; asserts nothing.

First (``--first-viewer``, on by default) what the first viewer after an upgrade waits for:
``Store.values`` of the whole store with the snapshot table emptied (the viewer rebuilds them) and
after ``snapshots.rebuild`` (the command's work: the viewer finds them ready), medians of 3 runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "bench" / "out"


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, help="a store to copy (default: the national bench store)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--scenarios", default="report,import,rebuild")
    parser.add_argument("--no-first-viewer", dest="first_viewer", action="store_false")
    args = parser.parse_args()

    import pandas as pd

    from assessment.auth import sessions
    from assessment.reports.service import build_report
    from assessment.store import Store, snapshots, users
    from assessment.store.errors import StorageFailure

    if args.db is None:
        import pages_national

        src = pages_national.ensure().url.removeprefix("sqlite:///")
    else:
        src = str(args.db)
    OUT.mkdir(parents=True, exist_ok=True)
    copy = OUT / "blocking_run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    shutil.copy(src, copy)
    store = Store(f"sqlite:///{copy}")
    tree = store.region_tree()
    root = tree.root.code
    county = tree.leaf_codes(root)[0]
    periods = sorted({int(p) for p in store.values("system", region_codes=[county])["period"]})
    period = periods[-1]
    token = sessions.new_token()
    with store.read() as conn:
        user = next(
            u
            for name in ("bench-national", "demo-national", "demo-province", "system")
            if (u := users.get(conn, name)) is not None
        )
    clock = [datetime.now(UTC)]
    sessions.bind(store, token, user, "password", now=clock[0])

    def touch() -> None:
        clock[0] += timedelta(seconds=61)  # always due: the write happens on every probe
        sessions.resolve(store, token, now=clock[0])

    def read() -> None:
        store.values("system", region_codes=[county])

    def audit() -> None:
        store.audit("system", "bench", "probe", "x")

    probes: dict[str, Callable[[], None]] = {"touch": touch, "read": read, "audit": audit}

    base = store.values("system", periods=[period])
    salt = [0]

    def import_once() -> None:
        from tests.fixtures import FakeUpload  # a validated batch: only the storing is timed here

        salt[0] += 1
        frame = base[["region_code", "period", "indicator_code", "value", "numerator", "denominator"]].copy()
        frame["value"] = frame["value"] * (1 + salt[0] * 1e-6)
        frame["note"] = None
        data = (frame.to_csv(index=False) + f"#{salt[0]}").encode()
        import hashlib

        result = FakeUpload(ok=True, values=frame, kind="batch", sha256=hashlib.sha256(data).hexdigest())
        store.import_upload("system", data, f"bench_{salt[0]}.csv", result)

    work: dict[str, Callable[[], None]] = {
        "report": lambda: build_report(store, "system", "evaluation", root, period),
        "import": import_once,
        "rebuild": lambda: snapshots.rebuild(store.engine, [period], force=True),
    }

    def measure(label: str, seconds: float, busy: threading.Event | None) -> None:
        times: dict[str, list[float]] = {name: [] for name in probes}
        failed = dict.fromkeys(probes, 0)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end or (busy is not None and not busy.is_set()):
            for name, probe in probes.items():
                t = time.perf_counter()
                try:
                    probe()
                except StorageFailure:  # e.g. "database is locked" after the 15 s busy timeout
                    failed[name] += 1
                times[name].append(time.perf_counter() - t)
            time.sleep(0.05)
            if busy is None and time.perf_counter() >= end:
                break
        cells = "  ".join(
            f"{n} med {statistics.median(v) * 1000:6.0f} ms max {max(v) * 1000:6.0f} ms"
            f" (n={len(v)}{f', {failed[n]} FAILED' if failed[n] else ''})"
            for n, v in times.items()
        )
        print(f"{label:<8} {cells}  load {load()}", flush=True)

    print(f"store {src} ({len(tree):,} regions), period {period}; load {load()}")
    if args.first_viewer:
        from assessment.store.schema import value_snapshots

        def timed(wipe: bool) -> float:
            if wipe:
                with store.transaction() as conn:
                    conn.execute(value_snapshots.delete())
            else:
                snapshots.rebuild(store.engine)
            t = time.perf_counter()
            store.values(user.username)
            return time.perf_counter() - t

        cases = ((True, "snapshots emptied (viewer rebuilds)"), (False, "after snapshots rebuild"))
        for wipe, label in cases:
            runs = [timed(wipe) for _ in range(3)]
            print(f"first viewer, {label}: median {statistics.median(runs):.2f} s  load {load()}", flush=True)
        t = time.perf_counter()
        snapshots.rebuild(store.engine, force=True)
        print(f"snapshots.rebuild(force=True), every period: {time.perf_counter() - t:.1f} s  load {load()}")
    measure("idle", min(5.0, args.seconds), None)
    for name in [s for s in args.scenarios.split(",") if s]:
        stop = threading.Event()
        ran: list[float] = []
        failures: list[BaseException] = []

        def loop(
            job: Callable[[], None] = work[name],
            stop: threading.Event = stop,
            ran: list[float] = ran,
            failures: list[BaseException] = failures,
        ) -> None:
            while not stop.is_set():
                t = time.perf_counter()
                try:
                    job()
                except BaseException as err:
                    failures.append(err)
                    return
                ran.append(time.perf_counter() - t)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        measure(f"{name}", args.seconds, None)
        stop.set()
        thread.join()
        each = f"{statistics.median(ran):.1f} s each x {len(ran)}" if ran else "did not finish once"
        print(f"         ({name}: {each}{'; FAILED: ' + repr(failures[0]) if failures else ''})", flush=True)
    del pd
    store.close()


if __name__ == "__main__":
    main()
