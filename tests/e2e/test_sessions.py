"""Issue 15.1 in a real browser against the real server (``server.py``): a second websocket that
joins a signed-in session by its id gets the sign-in screen; a reload stays signed in; a deep link
opened signed out lands on the linked page after signing in; sign-out ends the session for every
tab; the security headers and the closed metrics endpoint on the live server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.e2e.conftest import SHOTS, demo_sign_in, wait_idle

pytestmark = pytest.mark.e2e

# Records the protocols of every websocket the page opens; with window.__victim set, it puts that
# session id where the Streamlit frontend puts its own when it reconnects (Sec-WebSocket-Protocol).
WRAP = """
window.__protos = []; window.__sockets = [];
const Orig = window.WebSocket;
window.WebSocket = function(url, protocols) {
  if (window.__victim && protocols) { protocols = [protocols[0], protocols[1] || '', window.__victim]; }
  window.__protos.push(protocols);
  const ws = new Orig(url, protocols); window.__sockets.push(ws); return ws;
};
window.WebSocket.prototype = Orig.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""


def _heading(pg) -> str:  # type: ignore[no-untyped-def]
    return pg.get_by_test_id("stHeading").first.inner_text()


def _context(browser):  # type: ignore[no-untyped-def]
    ctx = browser.new_context(viewport={"width": 1300, "height": 1000})
    pg = ctx.new_page()
    pg.set_default_timeout(90_000)
    return ctx, pg


def test_a_session_joined_by_its_id_without_the_cookie_is_signed_out(browser, app_url: str) -> None:
    victim_ctx, victim = _context(browser)
    victim.add_init_script(WRAP)
    demo_sign_in(victim, app_url, "demo-admin", lang="zh")
    assert _heading(victim).startswith("总览")
    cookie = {c["name"]: c for c in victim_ctx.cookies()}["assessment_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    victim.evaluate("window.__sockets.at(-1).close()")  # the frontend reconnects with its session id
    victim.wait_for_function("window.__protos.some(p => p && p.length > 2 && p[2])")
    wait_idle(victim)
    session_id = victim.evaluate("window.__protos.filter(p => p && p[2]).at(-1)[2]")

    attacker_ctx, attacker = _context(browser)
    attacker.add_init_script(f"window.__victim = {json.dumps(session_id)};" + WRAP)
    attacker.goto(f"{app_url}/?lang=zh")
    wait_idle(attacker)
    assert attacker.evaluate("window.__protos")[0][2] == session_id, "the attack really joined by id"
    assert _heading(attacker) == "登录"
    assert attacker.locator("[data-testid='stSidebarNav']").count() == 0
    attacker.screenshot(path=str(SHOTS / "session_joined_without_cookie.png"))
    victim.reload()  # the victim's browser is still signed in
    wait_idle(victim)
    assert _heading(victim).startswith("总览")
    attacker_ctx.close()
    victim_ctx.close()


def test_reload_stays_signed_in_and_sign_out_ends_every_tab(browser, app_url: str) -> None:
    ctx, pg = _context(browser)
    demo_sign_in(pg, app_url, "demo-990123", lang="zh")
    signed_in = _heading(pg)
    assert signed_in != "登录"
    pg.reload()
    wait_idle(pg)
    assert _heading(pg) == signed_in
    tab = ctx.new_page()
    tab.goto(f"{app_url}/?lang=zh")
    wait_idle(tab)
    assert _heading(tab) == signed_in
    pg.get_by_test_id("stSidebar").get_by_role("button", name="退出登录").click()
    pg.get_by_text("以 管理员（演示） 登录").wait_for()
    tab.reload()
    wait_idle(tab)
    assert _heading(tab) == "登录"
    ctx.close()


def test_a_deep_link_opened_signed_out_lands_on_its_page_after_signing_in(browser, app_url: str) -> None:
    ctx, pg = _context(browser)
    link = f"{app_url}/indicator?lang=zh&indicator=S01.1&region=990100&period=2024"
    pg.goto(link)
    wait_idle(pg)
    assert _heading(pg) == "登录"
    button = pg.locator(".st-key-auth_demo_demo-province button")
    button.click()
    button.wait_for(state="detached")
    wait_idle(pg)
    assert pg.url.startswith(f"{app_url}/indicator?")
    assert "indicator=S01.1" in pg.url and "region=990100" in pg.url and "period=2024" in pg.url
    assert _heading(pg).startswith("指标视图")
    pg.screenshot(path=str(SHOTS / "deep_link_after_sign_in.png"))
    ctx.close()


def test_the_live_server_sends_security_headers_and_hides_metrics(app_url: str) -> None:
    with urllib.request.urlopen(app_url + "/?lang=zh", timeout=10) as r:
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(app_url + "/_stcore/metrics", timeout=10)
    assert err.value.code == 404
