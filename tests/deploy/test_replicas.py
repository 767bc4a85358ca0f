"""Issue 20.5: two Streamlit replicas behind HAProxy (deploy/haproxy.cfg) on one PostgreSQL database.

A fresh database (its own, dropped afterwards) is seeded with the demo province; two replicas of
``server.py`` and HAProxy start on loopback ports (deploy/cluster.py, the deployed proxy file given
its ports through the environment). Through the proxy, in Debian's Chromium:

* a browser pinned to replica app1 (the sticky cookie) and one pinned to app2 both sign in as the
  provincial evaluator; every response each gets comes from its own replica (the header HAProxy
  adds), and the sticky cookie keeps it there;
* app2 shows the overview, whose numbers it caches in its own process;
* in app1 the evaluator approves a pending 2024 report on the review page (a real write of app1's
  process into the shared database);
* at its next rerun (a click, no reload, no new session) app2's overview counts one more approved
  report: the cache of the other process was invalidated through the database (``data_version``,
  the newest audit id, read on every rerun).

Skipped with the reason when haproxy, Chromium or PostgreSQL is missing; with
``ASSESSMENT_REQUIRE_PG=1`` (CI) a missing PostgreSQL fails instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessment.domain.reporting_status import count_label
from deploy.cluster import HAPROXY, REPLICA_HEADER, ROUTE_COOKIE, Cluster, cluster, haproxy_available
from tests.e2e.conftest import ARGS, CHROMIUM, SHOTS, demo_sign_in, go_to, wait_idle
from tests.fixtures import PG_URL

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]


def _need(what: str, reason: str | None) -> None:
    if reason:
        pytest.skip(f"{what}: {reason}")


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database seeded with the demo province (``python -m assessment demo``)."""
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as err:  # any failure means "no server here"
        admin.dispose()
        msg = f"PostgreSQL not reachable at {PG_URL} ({type(err).__name__}); set ASSESSMENT_TEST_PG_URL"
        if os.environ.get("ASSESSMENT_REQUIRE_PG") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    name = f"replicas_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        env = {**os.environ, "ASSESSMENT_DB_URL": url}
        subprocess.run(
            [sys.executable, "-m", "assessment", "demo"], cwd=ROOT, env=env, check=True, timeout=600
        )
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="module")
def two_replicas(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    _need("no haproxy", None if haproxy_available() else "install Debian's haproxy (apt-get install haproxy)")
    pg_database = request.getfixturevalue("pg_database")  # after the check: no seeding for a skip
    with cluster(pg_database, tmp_path_factory.mktemp("replicas"), replicas=2) as c:
        yield c


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _need("no Chromium", None if Path(CHROMIUM).exists() else f"none at {CHROMIUM} (set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def _pinned(browser, c: Cluster, replica: str):  # type: ignore[no-untyped-def]
    """A browser context whose sticky cookie sends it to ``replica``; records which replica served
    every response it gets from the proxy."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1800})
    ctx.add_cookies([{"name": ROUTE_COOKIE, "value": replica, "url": c.url}])
    served: list[str | None] = []
    ctx.on(
        "response",
        lambda r: served.append(r.headers.get(REPLICA_HEADER)) if r.url.startswith(c.url) else None,
    )
    pg = ctx.new_page()
    pg.set_default_timeout(90_000)
    return ctx, pg, served


def _approved(pg) -> int:  # type: ignore[no-untyped-def]
    metric = pg.get_by_test_id("stMetric").filter(has_text=count_label("approved", "en"))
    return int(metric.get_by_test_id("stMetricValue").first.inner_text().split()[0])


def test_the_proxy_config_is_valid_and_routes_by_its_sticky_cookie(two_replicas: Cluster) -> None:
    import urllib.request

    check = subprocess.run(
        [HAPROXY, "-c", "-f", str(ROOT / "deploy" / "haproxy.cfg")], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stdout + check.stderr
    for name in ("app1", "app2", "app1"):
        req = urllib.request.Request(
            two_replicas.url + "/_stcore/health", headers={"Cookie": f"{ROUTE_COOKIE}={name}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.read() == b"ok"
            assert resp.headers.get(REPLICA_HEADER) == name
    # a browser without the cookie is given one naming the replica that answered
    with urllib.request.urlopen(two_replicas.url + "/_stcore/health", timeout=10) as resp:
        first = resp.headers.get(REPLICA_HEADER)
        cookies = resp.headers.get_all("Set-Cookie") or []
    assert first in {"app1", "app2"}
    assert any(c.startswith(f"{ROUTE_COOKIE}={first};") for c in cookies), cookies
    assert any(c.startswith("assessment_session=") for c in cookies), "the app's own cookie passes through"


def test_an_approval_in_one_replica_shows_in_the_other_at_its_next_rerun(
    browser, two_replicas: Cluster
) -> None:
    c = two_replicas
    ctx_b, pg_b, served_b = _pinned(browser, c, "app2")
    demo_sign_in(pg_b, c.url, "demo-province")
    assert "Overview" in pg_b.get_by_test_id("stHeading").first.inner_text()
    before = _approved(pg_b)

    ctx_a, pg_a, served_a = _pinned(browser, c, "app1")
    demo_sign_in(pg_a, c.url, "demo-province")
    assert _approved(pg_a) == before, "both replicas read the same database"
    go_to(pg_a, "review")
    # the first choice is the head of the queue: one of the demo's three pending 2024 reports
    pick = pg_a.locator(".st-key-review_pick")
    picked = " ".join([pick.inner_text(), *(i.input_value() for i in pick.locator("input").all())])
    assert "2024" in picked, picked
    pg_a.locator(".st-key-review_decision").get_by_text("Approve", exact=True).click()
    wait_idle(pg_a)
    confirm = pg_a.locator(".st-key-review_confirm_open")
    if confirm.count():  # open questions on the report: confirm approving anyway
        confirm.locator("label").click()
    pg_a.locator(".st-key-review_comment textarea").fill("Approved in replica app1.")
    pg_a.locator(".st-key-review_submit button").click()
    wait_idle(pg_a)
    pg_a.get_by_test_id("stAlertContentSuccess").first.wait_for()
    go_to(pg_a, "overview")
    assert _approved(pg_a) == before + 1, "the writing replica counts its own approval"

    # replica app2: the same session, its next rerun (a click on the sidebar, not a reload)
    assert _approved(pg_b) == before, "nothing reruns app2 until its user acts"
    go_to(pg_b, "review")
    go_to(pg_b, "overview")
    after = _approved(pg_b)
    pg_b.screenshot(path=str(SHOTS / "replica_app2_after_approval_in_app1.png"), full_page=True)
    assert after == before + 1, f"app2 after an approval in app1: {before} -> {after}"

    # every response came from the replica each browser is pinned to, and the cookie stayed
    assert served_a and set(served_a) == {"app1"}, set(served_a)
    assert served_b and set(served_b) == {"app2"}, set(served_b)
    assert {k["name"]: k["value"] for k in ctx_a.cookies()}[ROUTE_COOKIE] == "app1"
    assert {k["name"]: k["value"] for k in ctx_b.cookies()}[ROUTE_COOKIE] == "app2"
    ctx_a.close()
    ctx_b.close()
