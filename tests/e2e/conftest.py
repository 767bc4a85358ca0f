"""A real app server and a real browser (Debian's Chromium through Playwright) for e2e tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("ASSESSMENT_E2E_SHOTS", ROOT / "bench" / "out" / "e2e-shots"))  # test artifacts
SHOTS.mkdir(parents=True, exist_ok=True)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(db_url: str, log_dir: Path) -> Iterator[str]:
    """``streamlit run server.py`` (the app behind its middleware) on a free port against ``db_url``
    in demo mode; yields its URL once ``/_stcore/health`` answers, stops the server afterwards."""
    port = _free_port()
    env = {**os.environ, "ASSESSMENT_DB_URL": db_url, "ASSESSMENT_DEMO": "1"}
    log = open(log_dir / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "server.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app server did not answer /_stcore/health within 60 s")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def app_url(demo_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app against a copy of the seeded demo database."""
    src = Path(demo_db_url.removeprefix("sqlite:///"))
    db = tmp_path_factory.mktemp("e2e-db") / "assessment.db"
    shutil.copy(src, db)
    with serve_app(f"sqlite:///{db}", tmp_path_factory.mktemp("e2e-log")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium, or set CHROMIUM_PATH)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, app_url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    pg = context.new_page()
    pg.set_default_timeout(90_000)
    yield pg
    context.close()


def wait_idle(pg) -> None:
    """Wait until the app is connected and no script is running (Streamlit's own e2e harness)."""
    pg.wait_for_selector("[data-testid='stAppViewContainer']")
    pg.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    pg.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    pg.wait_for_timeout(300)
    pg.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def demo_sign_in(pg, url: str, username: str, lang: str = "en") -> None:
    pg.goto(f"{url}/?lang={lang}")
    wait_idle(pg)
    button = pg.locator(f".st-key-auth_demo_{username} button")
    button.click()
    button.wait_for(state="detached")  # the run that binds this browser's session, then the page
    wait_idle(pg)


def go_to(pg, url_path: str) -> None:
    """Follow the sidebar link (a fresh URL load would start a new, signed-out session)."""
    link = pg.locator(f"[data-testid='stSidebarNav'] a[href$='/{url_path}']")
    if not link.count():  # the role's default page is linked as the app's root
        link = pg.locator("[data-testid='stSidebarNav'] a").first
    link.first.click()
    wait_idle(pg)
