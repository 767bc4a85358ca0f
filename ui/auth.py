"""The sign-in gate of the web app (issue 6): local accounts, single sign-on, idle timeout, demo mode.

``dashboard.py`` calls, after the language switch and before building the navigation::

    from ui.auth import sign_in_gate, sign_out_button
    user = sign_in_gate()       # draws the sign-in screen and stops the run until someone signs in
    sign_out_button()           # sidebar: who is signed in, the demo badge, "sign out"

and then registers only the pages for ``user.role``. Pages may call :func:`guard` as a second line of
defence, but the real check is in the store: every store call takes ``user.username`` and refuses
out-of-scope work whatever the page or the query string asks for.

Who is signed in comes from the browser, not from the Streamlit session: the web server
(``server.py``, ``ui/middleware.py``) gives each browser a random token in an HttpOnly,
SameSite=Strict cookie; signing in binds that token to the account in the database
(:mod:`assessment.auth.sessions`), and every run resolves the token the websocket was opened with.
A second websocket that joins this Streamlit session by its id, without the cookie, is signed out;
a reload or a deep link in the same browser stays signed in until the idle timeout.
``st.session_state[ui.state.USER]`` mirrors the resolved user name for the pages; it is set on every
run and never trusted on its own.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

import streamlit as st

from assessment.auth import sessions
from assessment.auth.signin import (
    AuthError,
    authenticate,
    claim_identities,
    demo_accounts,
    demo_active,
    demo_sign_in,
    sso_sign_in,
)
from assessment.domain import access
from assessment.domain.errors import DataFileError
from assessment.domain.model import RegionTree
from assessment.store.service import Store
from assessment.store.users import User
from ui import data
from ui.safe import Markdown, md
from ui.state import USER, lang, tr

METHOD = "auth_method"  # "password" | "sso" | "demo"
NOTICE = "auth_notice"  # a locale key to show on the sign-in screen (e.g. session expired)
FORM = "auth_form"
USERNAME = "auth_username"
PASSWORD = "auth_password"
SUBMIT = "auth_submit"
SSO_BUTTON = "auth_sso"
SIGN_OUT = "auth_sign_out"
DEEP_LINK = "auth_deep_link"  # (page url path, query parameters) the browser asked for signed out
DEMO_PREFIX = "auth_demo_"


def _store() -> Store:
    return data.store()


def _region_tree() -> RegionTree:
    return data.region_tree()


def _text(err: DataFileError) -> Markdown:
    """A refusal's message in the user's language, without the code prefix, escaped (a message may
    quote a typed user name)."""
    L = lang()
    return md("\n\n".join(p.message_zh if L == "zh" else p.message_en for p in err.problems), lines=True)


# -- single sign-on ---------------------------------------------------------------------------------
def _auth_section() -> Mapping[str, object]:
    try:
        section = st.secrets.get("auth")
    except FileNotFoundError:  # no secrets.toml at all (StreamlitSecretNotFoundError)
        return {}
    return section if isinstance(section, Mapping) else {}


def sso_providers() -> list[str | None]:
    """The configured OIDC providers: [None] for a plain ``[auth]`` section, else the named ones."""
    section = _auth_section()
    if not section:
        return []
    named: list[str | None] = [k for k, v in section.items() if isinstance(v, Mapping) and "client_id" in v]
    if named:
        return named
    return [None] if "client_id" in section else []


def _sso_claims() -> dict[str, object]:
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


# -- session ----------------------------------------------------------------------------------------
def _browser_cookies() -> Mapping[str, str]:
    """The cookies the browser sent when it opened this session's websocket."""
    try:
        return st.context.cookies
    except Exception:  # no browser behind this run
        return {}


def _client_address() -> str | None:
    """Where the sign-in comes from, for the per-source throttle: the client's address (behind a
    proxy, its X-Forwarded-For, which uvicorn trusts from 127.0.0.1 or ``FORWARDED_ALLOW_IPS``).
    None for a loopback address (a browser on this machine, or a proxy on it that does not pass
    X-Forwarded-For): all of those would share one address, and throttling it would keep everybody
    out, so only the per-name throttle applies then."""
    try:
        address = st.context.ip_address
    except Exception:
        return None
    if not isinstance(address, str) or not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return None if ip.is_loopback else str(ip)  # loopback: this machine, or a proxy that hides them


def _browser_token() -> str | None:
    return sessions.token_of(_browser_cookies())


def _forget() -> None:
    """Drop what this Streamlit session remembered about a signed-in user."""
    for key in (USER, METHOD):
        st.session_state.pop(key, None)


def _start(user: User, method: str) -> None:
    """Bind this browser to ``user`` and rerun signed in; without the browser's cookie, a message."""
    token = _browser_token()
    if token is None:
        st.error(tr("auth.ui.no_cookie"))
        st.stop()
    sessions.bind(_store(), token, user, method)
    st.session_state[USER] = user.username
    st.session_state[METHOD] = method
    st.rerun()


def _end(reason: str) -> None:
    method = st.session_state.get(METHOD)
    _forget()
    with contextlib.suppress(DataFileError):  # a failed audit write must not block signing out
        sessions.end(_store(), _browser_token(), reason=reason)
    if method == "sso" and _sso_claims().get("is_logged_in"):
        st.logout()


def current_user() -> User | None:
    """The user this browser is signed in as, or None (not signed in, idle or too old, disabled or
    deleted meanwhile, or a websocket without this browser's cookie). Counts as activity."""
    resolved = sessions.resolve(_store(), _browser_token())
    if resolved.user is None:
        if resolved.expired:
            st.session_state[NOTICE] = "auth.session_expired"
        _forget()
        return None
    st.session_state[USER] = resolved.user.username
    st.session_state[METHOD] = resolved.method
    return resolved.user


def _notice() -> None:
    key = st.session_state.pop(NOTICE, None)
    if key == "auth.session_expired":
        from assessment.auth.signin import session_expired_error

        st.warning(_text(session_expired_error()))


def _sso_section(store: Store) -> None:
    providers = sso_providers()
    if not providers:
        return
    if _sso_claims().get("is_logged_in"):
        try:
            user = sso_sign_in(store, claim_identities(_sso_claims()))
        except AuthError as err:
            st.error(_text(err))
            if st.button(tr("auth.ui.sign_out"), key=SIGN_OUT):
                st.logout()
            st.stop()
        _start(user, "sso")
    for provider in providers:
        label = tr("auth.ui.sso") + (f" ({md(provider)})" if provider else "")
        key = SSO_BUTTON if provider is None else f"{SSO_BUTTON}_{provider}"
        if st.button(label, key=key, type="primary"):
            st.login(provider) if provider else st.login()
    st.caption(tr("auth.ui.or_local"))


def _demo_section(store: Store) -> None:
    if not demo_active(store):
        return
    st.info(tr("auth.ui.demo_banner"))
    cols = st.columns(2)
    for i, acc in enumerate(demo_accounts(store)):
        name = acc.display_name.split(" / ")[0 if lang() == "zh" else -1]
        if cols[i % 2].button(tr("auth.ui.demo_button", name=name), key=DEMO_PREFIX + acc.username):
            try:
                user = demo_sign_in(store, acc.username)
            except AuthError as err:
                st.error(_text(err))
                return
            _start(user, "demo")


def _password_form(store: Store) -> None:
    with st.form(FORM, clear_on_submit=True):  # the password never stays in session state
        username = st.text_input(tr("auth.ui.username"), key=USERNAME, max_chars=64)
        password = st.text_input(tr("auth.ui.password"), key=PASSWORD, type="password", max_chars=1024)
        submitted = st.form_submit_button(tr("auth.ui.submit"), key=SUBMIT)
    if not submitted:
        return
    if not username.strip() or not password:
        st.error(tr("auth.ui.empty_fields"))
        return
    try:
        user = authenticate(store, username, password, source=_client_address())
    except AuthError as err:
        st.error(_text(err))
        return
    _start(user, "password")


def sign_in_gate() -> User:
    """The signed-in user; otherwise draws the sign-in screen and stops the run (``st.stop``).

    Shows: a notice when an idle session ended; "sign in with single sign-on" when ``[auth]`` is in
    ``st.secrets`` (an identity with no linked account is refused politely, nothing is created);
    in demo mode (``ASSESSMENT_DEMO=1`` and a demo database) a banner and one-click demo sign-ins;
    the user name / password form. Wrong credentials, a throttled name or source, a disabled account
    each get a clear message that says nothing about other accounts.
    """
    user = current_user()
    if user is not None:
        return user
    _remember_link()
    store = _store()
    st.title(tr("auth.ui.title"))
    _notice()
    _sso_section(store)
    _demo_section(store)
    _password_form(store)
    st.stop()
    raise AssertionError("unreachable")  # pragma: no cover - st.stop() ends the run


def _remember_link() -> None:
    """Keep the page and query the browser opened while signed out (a shared deep link such as
    ``/indicator?region=...&indicator=...&period=...``) for :func:`follow_deep_link`."""
    if DEEP_LINK in st.session_state:
        return
    try:
        url = st.context.url or ""
    except Exception:  # no browser behind this run
        url = ""
    path = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    st.session_state[DEEP_LINK] = (path, st.query_params.to_dict())


def follow_deep_link(sections: Mapping[str, list[st.Page]], current: st.Page) -> None:
    """Once, right after signing in: switch to the page of the link opened while signed out, with
    its query, when it is one of this user's pages (anything else stays on the default page)."""
    link = st.session_state.pop(DEEP_LINK, None)
    if not link:
        return
    path, query = link
    if not path or path == current.url_path:
        return
    for pages in sections.values():
        for page in pages:
            if page.url_path == path:
                st.switch_page(page, query_params=query)


def sign_out_button() -> None:
    """Sidebar: who is signed in (and a demo badge in demo mode) and the sign-out button."""
    name = st.session_state.get(USER)
    if not name:
        return
    user = _store().get_user(name)
    if user is None:
        return
    role = tr(f"auth.role.{user.role}")
    demo = demo_active(_store())
    shown = user.display_name or user.username
    if demo and user.username in {a.username for a in demo_accounts(_store())}:
        shown = shown.split(" / ")[0 if lang() == "zh" else -1]  # demo names are "中文 / English"
    st.sidebar.caption(tr("auth.ui.signed_in_as", name=shown, role=role))
    if demo:
        st.sidebar.warning(tr("auth.ui.demo_badge"))
    if st.sidebar.button(tr("auth.ui.sign_out"), key=SIGN_OUT):
        _end("sign_out")
        st.rerun()


def home_region() -> str:
    """The signed-in user's own region or jurisdiction (admins: the root of the tree)."""
    user = current_user()
    tree = data.region_tree()
    if not len(tree):
        no_region_tree(user)
    if user is not None and user.scope_region_code and user.scope_region_code in tree:
        return user.scope_region_code
    return tree.root.code


def no_region_tree(user: User | None) -> None:
    """An empty database (no region tree yet): the next step instead of the page, then stop the run.
    Administrators are told where to load the tree; everyone else whom to ask."""
    admin = user is not None and user.role == "admin"
    st.info(tr("onboarding.no_tree_admin" if admin else "onboarding.no_tree_user"))
    st.stop()


def can(user: User, action: str, region_code: str | None = None) -> bool:
    """Whether ``user`` may do ``action`` (on ``region_code``): for showing or hiding controls."""
    return access.allowed(user, action, region_code, _region_tree())


def guard(action: str, region_code: str | None = None, *, roles: tuple[str, ...] | None = None) -> User:
    """For the top of a page: the signed-in user when allowed, else an error and ``st.stop``.

    ``roles`` limits the page to those roles (e.g. evaluator pages reached by a typed URL); the
    action check asks the same policy the store enforces.
    """
    user = sign_in_gate()
    role_ok = roles is None or user.role in roles or access.is_system(user)
    if not role_ok or not can(user, action, region_code):
        st.error(_text(access.denied(action, region_code if role_ok else None)))
        st.stop()
    return user
