"""AppTest has no HTTP layer, so ``st.context.cookies`` is empty there: the app's cookie reader is
pointed at a session-state stand-in that tests fill with :func:`tests.fixtures.browser_token` /
:func:`tests.fixtures.sign_in_browser` (the server-side session checks run for real)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures import read_browser_cookies_from_session_state


@pytest.fixture(autouse=True, scope="session")
def _browser_cookies_from_session_state() -> Iterator[None]:
    import ui.auth

    original = ui.auth._browser_cookies
    read_browser_cookies_from_session_state()
    yield
    ui.auth._browser_cookies = original  # type: ignore[assignment]
