"""A light client of Streamlit's websocket protocol: one simulated user without a browser (issue 20.6).

``bench/loadtest.py`` drives many of these in one asyncio loop (its default ``--driver ws``); a
Chromium tab per user cost more CPU than the replicas it was measuring on a 2-core machine. What a
user does here is what Streamlit's frontend does, on the same wire (Streamlit 1.67, protobufs of
``streamlit.proto``):

1. ``GET /_stcore/health`` and ``/_stcore/host-config`` through the proxy, keeping the cookies: the
   app's session cookie (``ui/middleware.py`` sets it on those two paths) and HAProxy's sticky route
   cookie (``deploy.cluster.ROUTE_COOKIE``; given beforehand to pin a replica);
2. ``ws://.../_stcore/stream`` with those cookies, the page's ``Origin`` and the subprotocol
   ``streamlit`` (the frontend's first entry; the server selects it);
3. every run is a ``BackMsg.rerun_script`` (:class:`ClientState`: the query string, the page's
   ``page_script_hash`` as the sidebar sends it, and widget states: a button click is a
   ``trigger_value``); the ``ForwardMsg`` s of the run are read until ``script_finished``.
   ``FINISHED_EARLY_FOR_RERUN`` (``st.rerun``/``st.switch_page``) is not an end: the run that follows
   is waited for, as the browser's "running" state lasts through it. ``new_session`` starts a run
   (the elements shown so far are forgotten), ``navigation`` lists the pages with their hashes,
   ``delta.new_element`` carries headings, exceptions, alerts and widgets with their ids.

Widget states: a rerun carries only the clicked button's trigger. The browser would also send the
current value of every widget on the page; unchanged values make no difference to the server (it
keeps each widget's last value in the session state), and the journeys change pages, not widgets.

No message cache: the client reports no ``cached_message_hashes``, so the server sends every message
whole (the browser would receive references for messages it already holds; the server's work of
building them is the same).

What counts as a failed page (:meth:`Run.problem`, the same checks as the browser driver and more):
an exception element, the app's "database unavailable" page or its generic "something went wrong"
error (both by their text in the user's language, from the locale files), no heading, a run that
does not finish successfully, a timeout, a lost connection.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

from assessment.domain.i18n import t

DEMO_PREFIX = "auth_demo_"  # ui/auth.py: the demo sign-in buttons' keys
SUCCESS = ForwardMsg.ScriptFinishedStatus.FINISHED_SUCCESSFULLY
EARLY_FOR_RERUN = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


class ClientError(RuntimeError):
    """A page that failed (its reason is the message)."""


@dataclass
class Widget:
    kind: str  # the element type: button, radio, selectbox, ...
    id: str  # the widget id the server gave it ("$$ID-<hash>-<user key>" for keyed widgets)
    label: str

    @property
    def key(self) -> str:
        """The user key (``key=`` in the app), "" for an unkeyed widget."""
        parts = self.id.split("-", 2)
        return parts[2] if self.id.startswith("$$ID-") and len(parts) == 3 else ""


@dataclass
class Run:
    """What one run (or a chain of runs through ``st.rerun``) showed."""

    seconds: float = 0.0
    status: int = -1  # script_finished status of the last run
    headings: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # st.error bodies
    widgets: list[Widget] = field(default_factory=list)
    block_keys: list[str] = field(default_factory=list)  # keyed containers' user keys
    page_script_hash: str = ""  # the page that ran (new_session)
    messages: int = 0
    bytes: int = 0

    def widget(self, key: str) -> Widget | None:
        return next((w for w in self.widgets if w.key == key), None)

    def problem(self, lang: str) -> str | None:
        """Why this run is not a good page, or None."""
        if self.exceptions:
            return f"an exception: {self.exceptions[0][:200]}"
        if t("app.db_unavailable_title", lang) in self.headings or "database_unavailable" in self.block_keys:
            return "database unavailable"
        generic = t("app.error_generic", lang, ref="@@").split("@@")[0]
        for body in self.errors:
            if body.startswith(generic):
                return f"the app's generic error: {body[:200]}"
        if self.status != SUCCESS:
            return f"the run ended with status {self.status}"
        if not self.headings:
            return "no heading"
        return None


@dataclass
class Page:
    name: str
    url_pathname: str
    script_hash: str
    is_default: bool


class StUser:
    """One simulated browser tab: its cookies, one websocket, one Streamlit session.

    ``async with StUser(url) as user: await user.open(); run = await user.rerun(...)``.
    """

    def __init__(
        self,
        base_url: str,
        *,
        lang: str = "en",
        timeout: float = 240.0,
        cookies: dict[str, str] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.lang = lang
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self._preset = dict(cookies or {})
        self.ws: ClientConnection | None = None
        self.pages: list[Page] = []
        self.nav_visible = False  # a navigation menu with more than one page (signed in)
        self.query_string = f"lang={lang}"
        self.page_script_hash = ""
        self.last: Run | None = None

    async def __aenter__(self) -> StUser:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- HTTP: cookies -------------------------------------------------------------------------
    def _get(self, path: str) -> bytes:
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPCookieProcessor(self.jar)
        )
        req = urllib.request.Request(self.base_url + path)
        if self._preset:  # e.g. the sticky route cookie: sent with every request from the start
            have = self.cookies()
            extra = "; ".join(f"{k}={v}" for k, v in self._preset.items() if k not in have)
            if extra:
                req.add_unredirected_header("Cookie", extra)
        with opener.open(req, timeout=self.timeout) as resp:
            return bytes(resp.read())

    def cookies(self) -> dict[str, str]:
        got = {c.name: c.value or "" for c in self.jar}
        return {**{k: v for k, v in self._preset.items() if k not in got}, **got}

    # -- websocket -----------------------------------------------------------------------------
    async def open(self) -> Run:
        """The page load: cookies, the websocket, the first run (the sign-in screen when signed out)."""
        t0 = time.perf_counter()
        for path in ("/_stcore/health", "/_stcore/host-config"):
            await asyncio.to_thread(self._get, path)
        host = urlsplit(self.base_url).netloc
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies().items())
        self.ws = await connect(
            f"ws://{host}/_stcore/stream",
            origin=self.base_url,  # type: ignore[arg-type]
            subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers={"Cookie": cookie} if cookie else None,
            max_size=None,  # a national page sends multi-megabyte tables and figures
            proxy=None,
            open_timeout=self.timeout,
            ping_interval=None,  # the server's pings are answered; a busy server must not drop us
        )
        run = await self.rerun()
        run.seconds = time.perf_counter() - t0
        return run

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def rerun(
        self, page_script_hash: str | None = None, widget_states: Sequence[WidgetState] = ()
    ) -> Run:
        """One rerun request and every message until its run (chain) finishes; raises on a lost
        connection or after ``timeout`` seconds."""
        if self.ws is None:
            raise ClientError("not connected")
        if page_script_hash is not None:
            self.page_script_hash = page_script_hash
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query_string
        cs.page_script_hash = self.page_script_hash
        cs.widget_states.widgets.extend(widget_states)
        cs.context_info.url = f"{self.base_url}/?{self.query_string}"
        cs.context_info.locale = "en-US" if self.lang == "en" else "zh-CN"
        cs.context_info.timezone = "Asia/Shanghai"
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        try:
            run = await asyncio.wait_for(self._read_run(), self.timeout)
        except TimeoutError as err:
            raise ClientError(f"no end of the run within {self.timeout:.0f} s") from err
        run.seconds = time.perf_counter() - t0
        self.last = run
        return run

    async def _read_run(self) -> Run:
        assert self.ws is not None
        run = Run()
        while True:
            try:
                data = await self.ws.recv()
            except Exception as err:  # ConnectionClosed and friends: a lost connection
                raise ClientError(f"connection lost: {type(err).__name__}: {err}") from err
            if isinstance(data, str):
                continue
            run.messages += 1
            run.bytes += len(data)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            kind = fm.WhichOneof("type")
            if kind == "new_session":  # a run starts: what the page shows is drawn anew
                keep = run.messages, run.bytes
                run = Run(messages=keep[0], bytes=keep[1])
                run.page_script_hash = fm.new_session.page_script_hash
            elif kind == "navigation":
                self._navigation(fm)
            elif kind == "delta":
                self._delta(fm, run)
            elif kind == "page_not_found":
                run.exceptions.append(f"page not found: {fm.page_not_found.page_name}")
            elif kind == "script_finished":
                run.status = int(fm.script_finished)
                if fm.script_finished == EARLY_FOR_RERUN:
                    continue  # st.rerun / st.switch_page: the next run follows
                return run

    def _navigation(self, fm: ForwardMsg) -> None:
        nav = fm.navigation
        self.pages = [
            Page(p.page_name, p.url_pathname, p.page_script_hash, p.is_default) for p in nav.app_pages
        ]
        self.nav_visible = nav.position != nav.HIDDEN and len(self.pages) > 1
        if nav.page_script_hash:
            self.page_script_hash = nav.page_script_hash

    @staticmethod
    def _delta(fm: ForwardMsg, run: Run) -> None:
        delta = fm.delta
        which = delta.WhichOneof("type")
        if which == "add_block":
            block = delta.add_block
            if block.HasField("id") and block.id.startswith("$$ID-"):
                parts = block.id.split("-", 2)
                if len(parts) == 3:
                    run.block_keys.append(parts[2])
            return
        if which != "new_element":
            return
        el = delta.new_element
        etype = el.WhichOneof("type")
        if etype == "heading":
            run.headings.append(el.heading.body)
        elif etype == "exception":
            run.exceptions.append(f"{el.exception.type}: {el.exception.message}")
        elif etype == "alert" and el.alert.format == el.alert.ERROR:
            run.errors.append(el.alert.body)
        elif etype is not None:
            inner: Any = getattr(el, etype)
            wid = getattr(inner, "id", "")
            if isinstance(wid, str) and wid:
                run.widgets.append(Widget(etype, wid, str(getattr(inner, "label", ""))))

    # -- what a user does ------------------------------------------------------------------------
    async def click(self, widget: Widget) -> Run:
        """A button click: a rerun with the button's trigger."""
        return await self.rerun(widget_states=[WidgetState(id=widget.id, trigger_value=True)])

    async def sign_in_demo(self, username: str) -> Run:
        """Open the app and click the demo sign-in of ``username``; the signed-in first page.
        Raises when there is no such button or the app is still signed out afterwards."""
        t0 = time.perf_counter()
        first = await self.open()
        bad = first.problem(self.lang) if first.exceptions or first.errors else None
        if bad:
            raise ClientError(f"sign-in screen: {bad}")
        button = first.widget(DEMO_PREFIX + username)
        if button is None:
            raise ClientError(f"no demo sign-in button for {username!r} (is the database a demo?)")
        run = await self.click(button)
        if run.widget(DEMO_PREFIX + username) is not None or not self.nav_visible:
            raise ClientError("still signed out after the demo sign-in")
        run.seconds = time.perf_counter() - t0
        return run

    def page(self, url_pathname: str) -> Page:
        """The page the sidebar links as ``url_pathname`` (the role's default page is linked as the
        app's root: it also answers to its own path)."""
        for p in self.pages:
            if p.url_pathname == url_pathname:
                return p
        for p in self.pages:  # as the browser driver does: a path not linked is the root's link
            if p.is_default:
                return p
        raise ClientError(f"no page {url_pathname!r} in the menu ({[p.url_pathname for p in self.pages]})")

    async def go(self, url_pathname: str) -> Run:
        """Follow the sidebar link to ``url_pathname`` (a rerun with the page's script hash)."""
        return await self.rerun(page_script_hash=self.page(url_pathname).script_hash)
