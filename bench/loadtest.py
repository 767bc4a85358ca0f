"""Load test (issue 20.6): N concurrent simulated users drive the real app through the proxy.

    python bench/loadtest.py [--data national|demo] [--users 10,30,60] [--replicas 2] [--budget 900]
                             [--driver ws|browser]
    make loadtest                      # the same, defaults

What runs, all on loopback: a PostgreSQL database seeded once and kept (``bench/loadtest_seed.py``:
``national`` is the benchmark country of bench/pages_national.py, 2,850 counties and 1.6 M values;
``demo`` the 20-county demo province), two Streamlit replicas of ``server.py`` and HAProxy with
``deploy/haproxy.cfg`` in front (``deploy/cluster.py``), and the simulated users:

* ``--driver ws`` (the default): each user is a :class:`st_client.StUser`, a light client of
  Streamlit's websocket protocol in this process's asyncio loop (its own cookies, so its own sticky
  replica and its own signed-in session; the same HTTP requests for the cookies, the same websocket,
  the same rerun messages as Streamlit's frontend). Nearly all the machine's CPU goes to the
  replicas and PostgreSQL, which is what is measured;
* ``--driver browser``: ONE Debian Chromium driven by Playwright with one browser context per user.
  On a 2-core machine its tabs take most of the CPU from the replicas (at N = 30 and 60 the client,
  not the app, is what is measured).

Every user signs in with the demo button and follows one journey through the sidebar (each step is
a real Streamlit rerun over the websocket, no reload):

* ``national`` (the national evaluator, 4 users in 10): overview, region, indicator, overview;
* ``province`` (a provincial evaluator, 3 in 10): overview, region, equity, review;
* ``official`` (a county official, 3 in 10): region, upload, region, methodology.

A page time runs from the click (the rerun request) to the end of the run it starts: with ``ws``,
from sending the ``rerun_script`` message to receiving ``script_finished``; with ``browser``, in the
page, from the click to Streamlit's frontend reporting the run finished (``data-test-script-state``
back to ``notRunning`` after a ``running``, seen by a MutationObserver), so Playwright's own polling
does not count. A sign-in time runs from opening the app (with ``ws``: the HTTP requests for the
cookies and the websocket) to the signed-in first page being finished. An error is any journey step
that fails: a timeout, a lost connection, an exception, the "database unavailable" page, a page
without its heading (``ws`` also: the app's generic error message, a run that does not finish
successfully). Nothing is asserted: the figures are printed (p50/p95 per page kind and overall,
errors, RSS per replica now and its peak during the round, and the load average).

Before the rounds, one warm-up user of each kind runs alone: its times are the "first viewer" cost
(the national assessment computed in each replica) and are printed apart. Rounds run N = 10, 30, 60
in turn against the same replicas; each round is cut at ``--budget / rounds`` seconds (unfinished
journeys then count as errors) and the whole run is bounded by ``--budget``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import loadtest_seed  # noqa: E402
from st_client import StUser  # noqa: E402

from assessment.domain.i18n import t as tr  # noqa: E402
from deploy.cluster import ROUTE_COOKIE, Cluster, cluster, haproxy_available  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-renderer-backgrounding",  # many background tabs: keep their timers running
    "--disable-background-timer-throttling",
    "--disable-backgrounding-occluded-windows",
]
OUT = ROOT / "bench" / "out" / "loadtest"
JOURNEYS: dict[str, tuple[str, list[str]]] = {
    # kind: (demo sign-in, sidebar pages in order; "" is the role's default page)
    "national": ("demo-national", ["region", "indicator", "overview"]),
    "province": ("demo-province", ["region", "equity", "review"]),
    "official": ("demo-990123", ["upload", "region", "methodology"]),
}
# --data demo has no national evaluator: the Jia City (prefecture) evaluator takes that part
SIGN_IN_AS: dict[str, str] = {}
FIRST_PAGE = {"national": "overview", "province": "overview", "official": "region"}
MIX = [
    "national",
    "province",
    "official",
    "national",
    "province",
    "official",
    "national",
    "province",
    "official",
    "national",
]  # 4 : 3 : 3
STEP_TIMEOUT_MS = 240_000

OBSERVER = """
(() => {
  window.__runs = [];
  const attach = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) { setTimeout(attach, 50); return; }
    const state = () => app.getAttribute('data-test-script-state');
    new MutationObserver(() => window.__runs.push([performance.now(), state()]))
      .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
  };
  attach();
})();
"""


@dataclass
class Round:
    users: int
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    journeys_ok: int = 0
    wall: float = 0.0
    rss_end: dict[str, float] = field(default_factory=dict)
    rss_max: dict[str, float] = field(default_factory=dict)
    load_before: str = ""
    load_after: str = ""
    received: int = 0  # bytes of ForwardMsgs the users received (ws driver)
    client_cpu: float = 0.0  # CPU seconds of this process (the simulated users) during the round
    driver: str = "ws"
    replicas_used: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def _idle(pg) -> None:  # type: ignore[no-untyped-def]
    await pg.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    await pg.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


async def _check(pg, where: str) -> None:  # type: ignore[no-untyped-def]
    """Raise when the page shows an error instead of its content."""
    if await pg.locator("[data-testid='stException']").count():
        raise RuntimeError(f"{where}: an exception box")
    unavailable = tr("app.db_unavailable_title", "en")  # ui.unavailable's heading (the users browse in en)
    if await pg.get_by_test_id("stHeading").filter(has_text=unavailable).count():
        raise RuntimeError(f"{where}: database unavailable")
    if not await pg.get_by_test_id("stHeading").count():
        raise RuntimeError(f"{where}: no heading")


async def _timed_click(pg, link) -> float:  # type: ignore[no-untyped-def]
    """Click ``link``, wait for the run it starts; seconds from the click to the run's end, in the page."""
    n0 = await pg.evaluate("window.__runs.length")
    t0 = await pg.evaluate("performance.now()")
    await link.click()
    done = await pg.wait_for_function(
        """([n0, t0]) => {
            const r = window.__runs.slice(n0);
            const i = r.findIndex(e => e[1] === 'running');
            if (i < 0) return null;
            const end = r.slice(i).find(e => e[1] === 'notRunning');
            return end ? end[0] - t0 : null;
        }""",
        arg=[n0, t0],
        timeout=STEP_TIMEOUT_MS,
        polling=100,
    )
    return float(await done.json_value()) / 1000


async def journey(browser, url: str, kind: str, rnd: Round, user_no: int, pin: str | None = None) -> None:  # type: ignore[no-untyped-def]
    username, pages = JOURNEYS[kind]
    username = SIGN_IN_AS.get(username, username)
    ctx = await browser.new_context(viewport={"width": 1300, "height": 1000})
    if pin:  # the sticky cookie set beforehand: this user goes to that replica
        await ctx.add_cookies([{"name": ROUTE_COOKIE, "value": pin, "url": url}])
    ctx.set_default_timeout(STEP_TIMEOUT_MS)
    pg = await ctx.new_page()
    await pg.add_init_script(OBSERVER)
    where = f"user {user_no} ({kind}) sign-in"
    try:
        t0 = time.perf_counter()
        await pg.goto(f"{url}/?lang=en")
        await _idle(pg)
        button = pg.locator(f".st-key-auth_demo_{username} button")
        await button.click()
        await button.wait_for(state="detached")
        await pg.wait_for_function(
            """() => (window.__runs.at(-1) || [0, ''])[1] === 'notRunning'
                     && document.querySelector("[data-testid='stSidebarNav']") !== null""",
            timeout=STEP_TIMEOUT_MS,
            polling=100,
        )
        await _idle(pg)
        rnd.times[f"sign-in + {kind} {FIRST_PAGE[kind]}"].append(time.perf_counter() - t0)
        await _check(pg, where)
        for path in pages:
            where = f"user {user_no} ({kind}) {path}"
            link = pg.locator(f"[data-testid='stSidebarNav'] a[href$='/{path}']")
            if not await link.count():  # the role's default page is linked as the app's root
                link = pg.locator("[data-testid='stSidebarNav'] a").first
            seconds = await _timed_click(pg, link.first)
            await _check(pg, where)
            rnd.times[f"{kind} {path}"].append(seconds)
        cookies = {c["name"]: c["value"] for c in await ctx.cookies()}
        rnd.replicas_used[cookies.get(ROUTE_COOKIE, "?")] += 1
        rnd.journeys_ok += 1
    except Exception as err:  # every failure is counted and named, none stops the round
        rnd.errors.append(f"{where}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
    finally:
        await ctx.close()


async def journey_ws(_client, url: str, kind: str, rnd: Round, user_no: int, pin: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """The same journey as :func:`journey` by a websocket client of Streamlit's protocol."""
    username, pages = JOURNEYS[kind]
    username = SIGN_IN_AS.get(username, username)
    where = f"user {user_no} ({kind}) sign-in"
    user = StUser(
        url, lang="en", timeout=STEP_TIMEOUT_MS / 1000, cookies={ROUTE_COOKIE: pin} if pin else None
    )
    try:
        run = await user.sign_in_demo(username)
        rnd.received += run.bytes
        rnd.times[f"sign-in + {kind} {FIRST_PAGE[kind]}"].append(run.seconds)
        if bad := run.problem(user.lang):
            raise RuntimeError(bad)
        for path in pages:
            where = f"user {user_no} ({kind}) {path}"
            run = await user.go(path)
            rnd.received += run.bytes
            if bad := run.problem(user.lang):
                raise RuntimeError(bad)
            rnd.times[f"{kind} {path}"].append(run.seconds)
        rnd.replicas_used[user.cookies().get(ROUTE_COOKIE, "?")] += 1
        rnd.journeys_ok += 1
    except Exception as err:  # every failure is counted and named, none stops the round
        rnd.errors.append(f"{where}: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
    finally:
        await user.close()


def _sampler(c: Cluster, rnd: Round, stop: threading.Event) -> None:
    while not stop.is_set():
        for name, mib in c.rss().items():
            rnd.rss_max[name] = max(rnd.rss_max.get(name, 0.0), mib)
        stop.wait(0.5)


async def run_round(  # type: ignore[no-untyped-def]
    browser,
    c: Cluster,
    users: int,
    budget: float,
    kinds: list[str] | None = None,
    pin: str | None = None,
    driver: str = "ws",
) -> Round:
    rnd = Round(users, driver=driver)
    rnd.load_before = loadavg()
    stop = threading.Event()
    sampler = threading.Thread(target=_sampler, args=(c, rnd, stop), daemon=True)
    sampler.start()
    rng = random.Random(users)
    kinds = kinds or [MIX[i % len(MIX)] for i in range(users)]

    async def one(i: int, kind: str) -> None:
        await asyncio.sleep(rng.uniform(0, min(5.0, users * 0.1)))  # arrivals spread over a few seconds
        await (journey_ws if driver == "ws" else journey)(browser, c.url, kind, rnd, i, pin)

    t0, cpu0 = time.perf_counter(), time.process_time()
    tasks = [asyncio.create_task(one(i, k)) for i, k in enumerate(kinds)]
    _, pending = await asyncio.wait(tasks, timeout=budget)
    for t in pending:
        t.cancel()
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
        rnd.errors += [f"{len(pending)} journeys unfinished after the round's budget of {budget:.0f} s"]
    rnd.wall = time.perf_counter() - t0
    rnd.client_cpu = time.process_time() - cpu0
    stop.set()
    sampler.join()
    rnd.rss_end = c.rss()
    rnd.load_after = loadavg()
    return rnd


def pct(xs: list[float], q: float) -> float:
    if len(xs) == 1:
        return xs[0]
    return statistics.quantiles(xs, n=100, method="inclusive")[q - 1] if q < 100 else max(xs)


def report(title: str, rnd: Round) -> str:
    lines = [
        f"== {title}: {rnd.users} users, {rnd.journeys_ok} journeys done, errors {len(rnd.errors)}, "
        f"wall {rnd.wall:.0f} s, client CPU {rnd.client_cpu:.1f} s"
        f"{' (this Python process, Chromium not counted)' if rnd.driver == 'browser' else ''}, "
        f"load average {rnd.load_before} -> {rnd.load_after}"
    ]
    every: list[float] = []
    lines.append(f"  {'step':<34}{'n':>4}{'p50 s':>9}{'p95 s':>9}{'max s':>9}")
    for name in sorted(rnd.times):
        xs = rnd.times[name]
        if not name.startswith("sign-in"):
            every += xs
        lines.append(f"  {name:<34}{len(xs):>4}{pct(xs, 50):>9.2f}{pct(xs, 95):>9.2f}{max(xs):>9.2f}")
    if every:
        lines.append(
            f"  {'every page (not sign-in)':<34}{len(every):>4}{pct(every, 50):>9.2f}"
            f"{pct(every, 95):>9.2f}{max(every):>9.2f}"
        )
    rss = ", ".join(
        f"{k} {rnd.rss_end[k]:,.0f} MiB (max {rnd.rss_max.get(k, 0):,.0f})" for k in sorted(rnd.rss_end)
    )
    lines.append(f"  RSS per replica at the end (max during the round): {rss}")
    lines.append(f"  journeys per replica (sticky cookie): {dict(sorted(rnd.replicas_used.items()))}")
    if rnd.received:
        lines.append(f"  received by the users: {rnd.received / 2**20:,.1f} MiB of ForwardMsgs")
    for e in rnd.errors[:10]:
        lines.append(f"  ERROR {e}")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace, c: Cluster) -> list[str]:
    if args.driver == "ws":
        return await _rounds(args, c, None)
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            return await _rounds(args, c, browser)
        finally:
            await browser.close()


async def _rounds(args: argparse.Namespace, c: Cluster, browser) -> list[str]:  # type: ignore[no-untyped-def]
    out: list[str] = []
    started = time.perf_counter()
    counts = [int(n) for n in args.users.split(",")]
    # warm-up: one user of each kind per replica, alone (the first viewer of each jurisdiction)
    for name in [r.name for r in c.replicas]:
        warm = Round(3, driver=args.driver)
        for kind in ("national", "province", "official"):
            ctx_round = await run_round(browser, c, 1, args.budget / 3, [kind], pin=name, driver=args.driver)
            for k, v in ctx_round.times.items():
                warm.times[k] += v
            warm.errors += ctx_round.errors
            warm.journeys_ok += ctx_round.journeys_ok
            warm.wall += ctx_round.wall
            warm.client_cpu += ctx_round.client_cpu
            warm.received += ctx_round.received
            warm.rss_end, warm.load_before, warm.load_after = (
                ctx_round.rss_end,
                ctx_round.load_before,
                ctx_round.load_after,
            )
            warm.rss_max = {k: max(warm.rss_max.get(k, 0), v) for k, v in ctx_round.rss_max.items()}
            warm.replicas_used[name] += ctx_round.journeys_ok
        out.append(report(f"warm-up, first viewers alone on {name}", warm))
        print(out[-1], flush=True)
    for n in counts:
        left = args.budget - (time.perf_counter() - started)
        if left < 30:
            out.append(f"== N={n}: not run, the budget of {args.budget:.0f} s is spent")
            print(out[-1], flush=True)
            continue
        rnd = await run_round(
            browser, c, n, min(left, args.budget / max(1, len(counts)) * 1.5), driver=args.driver
        )
        out.append(report(f"N={n}", rnd))
        print(out[-1], flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data", default=os.environ.get("LOADTEST_DATA", "national"), choices=["national", "demo"]
    )
    ap.add_argument("--users", default=os.environ.get("LOADTEST_USERS", "10,30,60"))
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--budget", type=float, default=float(os.environ.get("LOADTEST_BUDGET", "900")))
    ap.add_argument(
        "--driver",
        default=os.environ.get("LOADTEST_DRIVER", "ws"),
        choices=["ws", "browser"],
        help="ws: websocket clients of Streamlit's protocol (default); "
        "browser: one Chromium, a browser context per user",
    )
    ap.add_argument("--db", default=None, help="PostgreSQL database name (default loadtest_<data>)")
    args = ap.parse_args()
    if not haproxy_available():
        raise SystemExit("no haproxy: apt-get install haproxy")
    if args.driver == "browser" and not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)")
    t = time.perf_counter()
    print(
        f"load test: data {args.data}, users {args.users}, {args.replicas} replicas, driver {args.driver}, "
        f"budget {args.budget:.0f} s; "
        f"load average {loadavg()}, {os.cpu_count()} cores",
        flush=True,
    )
    if args.data == "demo":
        SIGN_IN_AS["demo-national"] = "demo-jia"
    url = loadtest_seed.ensure(args.data, args.db or f"loadtest_{args.data}")
    print(f"  database ready in {time.perf_counter() - t:.0f} s", flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    with cluster(url, OUT / "logs", args.replicas) as c:
        print(
            f"  proxy {c.url}, replicas "
            + ", ".join(f"{r.name} :{r.port}" for r in c.replicas)
            + f"; RSS at start {', '.join(f'{k} {v:,.0f} MiB' for k, v in c.rss().items())}",
            flush=True,
        )
        lines = asyncio.run(main_async(args, c))
    (OUT / "last.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"total {time.perf_counter() - t:.0f} s; figures also in {(OUT / 'last.txt').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
