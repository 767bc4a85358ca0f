"""Streamlit server memory (issue 20 point 1): RSS of one real ``streamlit run server.py`` process
after the national overview, region and indicator pages, and per further session. Asserts nothing.

    python bench/bench_server_memory.py [--sessions 5] [--timeout 900] [--code DIR] [--label NAME]
                                        [--env NAME=VALUE ...] [--rebuild]

The data is the national bench store of bench/pages_national.py (2,850 counties x 5 years, every
submission approved; built once under bench/out/ and reused), copied to a working file that is
marked a demo database and given the demo sign-in ``demo-national`` scoped to the national root
000000 (as bench/loadtest_seed.py does for PostgreSQL), so a browser signs in with one click.

One Streamlit process of ``server.py`` (demo mode, loopback) serves Debian's Chromium driven by
Playwright. Steps, each waited for until Streamlit reports the run finished (the MutationObserver
of bench/loadtest.py) and the page shows its heading and no exception box:

1. the server started (no session yet);
2. the national evaluator signed in: the national overview;
3. the region page (sidebar click, a rerun in the same session);
4. the indicator page;
5. K further sessions (new browser contexts, kept open), each signing in and loading the overview.

After each step the server's VmRSS and VmHWM (/proc/PID/status) are read (after a short settle).
Printed: step, RSS MiB, delta against the previous step, peak, against the targets (under 1 GiB
after the three pages; under 20 MiB per further session), the load average before and after.
``--code DIR`` runs ``server.py`` from another checkout (the baseline; same venv). ``--env`` sets
variables of the server process (e.g. ``MALLOC_ARENA_MAX=2``). Figures go to
bench/out/bench_server_memory[_LABEL].json; the previous file of the same label is printed beside.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import pages_national  # noqa: E402
from loadtest import ARGS, CHROMIUM, OBSERVER, _check, _idle, _timed_click, loadavg  # noqa: E402

from deploy.cluster import free_port, peak_rss_mib, rss_mib, wait_ok  # noqa: E402

OUT = ROOT / "bench" / "out"
WORK_DB = OUT / "server_memory.db"
USER = "demo-national"
PAGE_TARGET_MIB = 1024.0
SESSION_TARGET_MIB = 20.0
STEP_TIMEOUT_MS = 300_000


def prepare(rebuild: bool) -> str:
    """A working copy of the national store, marked a demo, with ``demo-national`` at 000000."""
    from assessment.store.service import Store

    info = pages_national.ensure(rebuild=rebuild)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{WORK_DB}{suffix}").unlink(missing_ok=True)
    shutil.copy(pages_national.DB_PATH, WORK_DB)
    url = f"sqlite:///{WORK_DB}"
    with Store(url) as store:
        store.set_setting("system", "demo", "1")
        store.add_user("system", USER, "National evaluator (bench)", "evaluator", info.nation)
    print(f"  store: {info.regions:,} regions ({info.counties:,} counties), {info.values:,} values")
    return url


async def sign_in(browser, url: str):  # type: ignore[no-untyped-def]
    """A new browser context signed in as the national evaluator, on its first page, idle."""
    ctx = await browser.new_context(viewport={"width": 1300, "height": 1000})
    ctx.set_default_timeout(STEP_TIMEOUT_MS)
    pg = await ctx.new_page()
    await pg.add_init_script(OBSERVER)
    await pg.goto(f"{url}/?lang=en")
    await _idle(pg)
    button = pg.locator(f".st-key-auth_demo_{USER} button")
    await button.click()
    await button.wait_for(state="detached")
    await pg.wait_for_function(
        """() => (window.__runs.at(-1) || [0, ''])[1] === 'notRunning'
                 && document.querySelector("[data-testid='stSidebarNav']") !== null""",
        timeout=STEP_TIMEOUT_MS,
        polling=100,
    )
    await _idle(pg)
    await _check(pg, "sign-in")
    return ctx, pg


async def drive(url: str, pid: int, sessions: int, settle: float) -> list[dict]:
    from playwright.async_api import async_playwright

    rows: list[dict] = []

    async def record(step: str, seconds: float | None) -> None:
        await asyncio.sleep(settle)
        rss, peak = rss_mib(pid), peak_rss_mib(pid)
        rows.append({"step": step, "rss": rss, "peak": peak, "seconds": seconds, "load": loadavg()})
        r = rows[-1]
        print(f"  {step:<34}{r['rss']:>9,.0f} MiB  (peak {r['peak']:,.0f}; load {r['load']})", flush=True)

    await record("server started", None)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        t = time.perf_counter()
        ctx, pg = await sign_in(browser, url)
        await record("sign-in + national overview", time.perf_counter() - t)
        for path in ("region", "indicator"):
            link = pg.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']")
            seconds = await _timed_click(pg, link.first)
            await _check(pg, path)
            await record(f"{path} page", seconds)
        others = []
        for i in range(1, sessions + 1):
            t = time.perf_counter()
            others.append(await sign_in(browser, url))
            await record(f"session {i + 1}: sign-in + overview", time.perf_counter() - t)
        for c, _ in [(ctx, pg), *others]:
            await c.close()
        await browser.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, default=5, help="further sessions after the three pages")
    ap.add_argument("--timeout", type=float, default=900, help="the whole run's bound in seconds")
    ap.add_argument("--code", default=None, help="run server.py from this checkout (baseline)")
    ap.add_argument("--label", default="")
    ap.add_argument("--env", action="append", default=[], help="NAME=VALUE for the server process")
    ap.add_argument("--settle", type=float, default=2.0, help="seconds to wait before reading RSS")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the national bench store")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
    code = Path(args.code).resolve() if args.code else ROOT
    out_file = OUT / f"bench_server_memory{'_' + args.label if args.label else ''}.json"
    previous = json.loads(out_file.read_text()) if out_file.exists() else {}
    print(f"server memory: code {code}, {args.sessions} further sessions; load average {loadavg()}")
    url_db = prepare(args.rebuild)
    extra = dict(e.split("=", 1) for e in args.env)
    env = {**os.environ, "ASSESSMENT_DB_URL": url_db, "ASSESSMENT_DEMO": "1", **extra}
    env["PYTHONPATH"] = str(code)
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port)]
    cmd += ["--server.address", "127.0.0.1", "--server.headless", "true"]
    cmd += ["--browser.gatherUsageStats", "false"]
    OUT.mkdir(parents=True, exist_ok=True)
    load_before = loadavg()
    with open(OUT / f"bench_server_memory{'_' + args.label if args.label else ''}.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=code, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://127.0.0.1:{port}"
            wait_ok(url + "/_stcore/health", 90, proc)
            rows = asyncio.run(
                asyncio.wait_for(drive(url, proc.pid, args.sessions, args.settle), timeout=args.timeout)
            )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
    load_after = loadavg()

    prev_rows = {r["step"]: r for r in previous.get("rows", [])}
    print(f"\n{'step':<36}{'RSS MiB':>9}{'delta':>8}{'peak':>8}{'secs':>7}{'prev RSS':>10}{'prev peak':>10}")
    last = None
    for r in rows:
        delta = "" if last is None else f"{r['rss'] - last:+.0f}"
        prev = prev_rows.get(r["step"])
        prev_text = f"{prev['rss']:>10,.0f}{prev['peak']:>10,.0f}" if prev else f"{'-':>10}{'-':>10}"
        secs = "" if r["seconds"] is None else f"{r['seconds']:.1f}"
        print(f"{r['step']:<36}{r['rss']:>9,.0f}{delta:>8}{r['peak']:>8,.0f}{secs:>7}{prev_text}")
        last = r["rss"]
    pages = rows[3]["rss"]
    per_session = [b["rss"] - a["rss"] for a, b in itertools.pairwise(rows[3:])]
    mean_session = sum(per_session) / len(per_session) if per_session else float("nan")
    summary = {
        "after_three_pages_mib": pages,
        "peak_after_three_pages_mib": rows[3]["peak"],
        "per_session_mib": per_session,
        "mean_per_session_mib": mean_session,
    }
    met_pages = "met" if pages < PAGE_TARGET_MIB else "NOT met"
    met_sessions = "met" if mean_session < SESSION_TARGET_MIB else "NOT met"
    print(
        f"\nafter the overview, region and indicator pages: {pages:,.0f} MiB RSS"
        f" (peak {rows[3]['peak']:,.0f})"
        f" against under {PAGE_TARGET_MIB:,.0f} MiB: {met_pages}"
    )
    print(
        f"each further session: {', '.join(f'{d:+.0f}' for d in per_session)} MiB, mean {mean_session:+.1f}"
        f" against under {SESSION_TARGET_MIB:.0f} MiB: {met_sessions}"
    )
    if previous:
        ps = previous.get("summary", {})
        print(
            f"previous run ({previous.get('code')}, env {previous.get('env')}): "
            f"{ps.get('after_three_pages_mib', 0):,.0f} MiB after the pages, "
            f"{ps.get('mean_per_session_mib', 0):+.1f} MiB per session"
        )
    print(f"load average before {load_before}, after {load_after}; {os.cpu_count()} cores")
    out_file.write_text(
        json.dumps(
            {
                "code": str(code),
                "env": extra,
                "rows": rows,
                "summary": summary,
                "load_before": load_before,
                "load_after": load_after,
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
