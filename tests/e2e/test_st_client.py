"""The load test's websocket client (bench/st_client.py) against one served app on the demo data.

One journey as ``bench/loadtest.py --driver ws`` runs it: open the app, click the provincial
evaluator's demo sign-in (a widget trigger found in the deltas), then follow the sidebar to the
region page (a rerun with that page's script hash). The signed-in pages must be the role's menu and
each page must finish with its heading and no error; an unknown demo user must fail to sign in.
No browser: a few seconds.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

from assessment.domain.i18n import t

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from st_client import ClientError, StUser

pytestmark = pytest.mark.e2e  # a running app (the session's app_url, shared with the browser tests)


async def _journey(url: str) -> None:
    async with StUser(url, lang="en", timeout=90) as user:
        first = await user.sign_in_demo("demo-province")
        assert first.problem("en") is None
        assert user.nav_visible
        paths = [p.url_pathname for p in user.pages]
        assert "region" in paths and "review" in paths  # an evaluator's menu, not the sign-in screen
        assert t("auth.ui.title", "en") not in first.headings
        assert any(h.startswith("Overview") for h in first.headings), first.headings
        region = await user.go("region")
        assert region.problem("en") is None, region.problem("en")
        assert region.page_script_hash == user.page("region").script_hash
        assert any(h.startswith("Region profile") for h in region.headings), region.headings


async def _unknown_user(url: str) -> None:
    async with StUser(url, lang="en", timeout=90) as user:
        with pytest.raises(ClientError, match="no demo sign-in button"):
            await user.sign_in_demo("nobody")


def _run(coro: Coroutine[Any, Any, None]) -> None:
    """``asyncio.run`` in a thread of its own: the session's Playwright (sync API) keeps an event loop
    running in the test thread once a browser test has run, and asyncio.run refuses to nest."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as err:  # re-raised in the test thread
            errors.append(err)

    thread = threading.Thread(target=target, name="st-client-test")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def test_ws_client_signs_in_and_reaches_a_page(app_url: str) -> None:
    _run(_journey(app_url))
    _run(_unknown_user(app_url))
