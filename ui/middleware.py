"""HTTP middleware of the web server (``server.py``): the session cookie and the security headers.

Streamlit 1.67 runs an app written as ``st.App(script, middleware=[...])`` on its Starlette server
(``streamlit run server.py``); app code cannot set cookies, but middleware can. This one:

* gives every browser a random token in an HttpOnly, SameSite=Strict cookie
  (:data:`assessment.auth.sessions.COOKIE`; ``__Host-`` prefixed and ``Secure`` on HTTPS) when it
  has none. It is set on ``/_stcore/health`` and ``/_stcore/host-config``, which the page fetches
  from its own origin before it opens the websocket, so the websocket carries the cookie and the app
  reads it with ``st.context.cookies``. (Not on the HTML page itself: a top-level navigation from
  another site does not send a SameSite=Strict cookie, and minting a new one there would sign the
  user out.) Signing in binds the token to the account (:mod:`assessment.auth.sessions`);
* refuses ``/_stcore/metrics`` (404): Streamlit serves its internal metrics to anyone;
* adds headers against framing and sniffing on every response: ``X-Frame-Options: DENY``,
  ``Content-Security-Policy: frame-ancestors 'none'``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: same-origin`` (a deep link's query does not leak to other sites),
  ``Permissions-Policy``, ``Cross-Origin-Opener-Policy: same-origin``.

What the reverse proxy must still add (HTTPS, HSTS, request size limits) is in docs/deploy.md.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

from assessment.auth.sessions import COOKIE, SECURE_COOKIE, new_token, token_of

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-frame-options", "DENY"),
    ("content-security-policy", "frame-ancestors 'none'"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("cross-origin-opener-policy", "same-origin"),
)
MINT_PATHS = ("/_stcore/health", "/_stcore/host-config")
BLOCKED_PATHS = ("/_stcore/metrics",)
SECURE_ENV = "ASSESSMENT_COOKIE_SECURE"  # "1": always Secure + __Host- (TLS ends before the proxy)


def _cookies(scope: Scope) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in scope.get("headers") or ():
        if name == b"cookie":
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header: treat as none
                continue
    return {k: m.value for k, m in jar.items()}


def _secure(scope: Scope) -> bool:
    return scope.get("scheme") == "https" or os.environ.get(SECURE_ENV) == "1"


def session_cookie(token: str, secure: bool) -> str:
    """The Set-Cookie value for ``token``: a session cookie (gone when the browser closes)."""
    if secure:
        return f"{SECURE_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Secure"
    return f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict"


class AppMiddleware:
    """Pure ASGI middleware (websocket traffic passes through untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", "")).rstrip("/")
        if path.endswith(BLOCKED_PATHS):
            await send({"type": "http.response.start", "status": 404, "headers": _headers([])})
            await send({"type": "http.response.body", "body": b"Not Found"})
            return
        mint = None
        if path.endswith(MINT_PATHS) and token_of(_cookies(scope)) is None:
            mint = session_cookie(new_token(), _secure(scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"set-cookie", mint.encode("latin-1"))] if mint else []
                message["headers"] = _headers(list(message.get("headers") or []) + extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    for name, value in SECURITY_HEADERS:
        if name.encode() not in present:
            headers.append((name.encode(), value.encode()))
    return headers
