"""The web server's middleware (ui/middleware.py) on a tiny Starlette app: the session cookie is
minted only where the page asks before its websocket, never replaces one the browser has, and is
HttpOnly + SameSite=Strict (``__Host-`` and Secure on HTTPS); security headers on every response;
``/_stcore/metrics`` refused."""

from __future__ import annotations

import warnings

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

with warnings.catch_warnings():  # starlette 1.x asks for httpx2 instead of httpx; httpx still works
    warnings.simplefilter("ignore", DeprecationWarning)
    from starlette.testclient import TestClient

from assessment.auth import sessions
from ui.middleware import SECURE_ENV, AppMiddleware


def _ok(request):  # type: ignore[no-untyped-def]
    return PlainTextResponse(
        "ok", headers={"x-frame-options": "SAMEORIGIN"} if "framed" in request.url.path else None
    )


APP = Starlette(
    routes=[
        Route("/", _ok),
        Route("/framed", _ok),
        Route("/_stcore/health", _ok),
        Route("/_stcore/host-config", _ok),
        Route("/_stcore/metrics", _ok),
        Route("/app/_stcore/metrics", _ok),
    ],
    middleware=[Middleware(AppMiddleware)],
)


def client(base: str = "http://testserver") -> TestClient:
    return TestClient(APP, base_url=base)


@pytest.mark.parametrize("path", ["/_stcore/health", "/_stcore/host-config"])
def test_the_requests_before_the_websocket_get_a_fresh_http_only_strict_cookie(path: str) -> None:
    r = client().get(path)
    cookie = r.headers["set-cookie"]
    name, value = cookie.split(";")[0].split("=", 1)
    assert name == sessions.COOKIE and sessions.valid_token(value)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert (
        "Secure" not in cookie and "Max-Age" not in cookie and "Expires" not in cookie
    )  # gone with the browser
    assert client().get(path).headers["set-cookie"] != cookie, "random per browser"


def test_a_browser_that_has_a_cookie_keeps_it() -> None:
    c = client()
    c.cookies.set(sessions.COOKIE, sessions.new_token())
    assert "set-cookie" not in c.get("/_stcore/health").headers


def test_the_html_page_never_sets_it() -> None:
    """A link from another site brings no SameSite=Strict cookie with the page itself: replacing
    the cookie there would sign the user out."""
    assert "set-cookie" not in client().get("/").headers


def test_https_uses_the_host_prefix_and_secure(monkeypatch: pytest.MonkeyPatch) -> None:
    cookie = client("https://testserver").get("/_stcore/health").headers["set-cookie"]
    assert cookie.startswith(sessions.SECURE_COOKIE + "=") and "; Secure" in cookie
    monkeypatch.setenv(SECURE_ENV, "1")  # TLS ended before a proxy that does not say so
    assert client().get("/_stcore/health").headers["set-cookie"].startswith(sessions.SECURE_COOKIE)


def test_security_headers_on_every_response_without_overriding_the_app() -> None:
    h = client().get("/").headers
    assert h["x-frame-options"] == "DENY"
    assert h["content-security-policy"] == "frame-ancestors 'none'"
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "same-origin"
    assert client().get("/framed").headers["x-frame-options"] == "SAMEORIGIN"


@pytest.mark.parametrize("path", ["/_stcore/metrics", "/app/_stcore/metrics", "/_stcore/metrics/"])
def test_metrics_are_not_public(path: str) -> None:
    r = client().get(path)
    assert r.status_code == 404 and r.text != "ok"
    assert r.headers["x-frame-options"] == "DENY"
