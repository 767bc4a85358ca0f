"""The administration page's users tab (issue 16, point 9): the accounts, a form to create one that
keeps what was typed after an error (each problem shown under its field), and for an existing
account: enable or disable, a new temporary password (its sessions end), role, region and display
name. Every rule and every audit event is in the core (:mod:`assessment.auth.accounts`,
:meth:`Store.update_user <assessment.store.service_users_admin.StoreUsersAdmin.update_user>`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from assessment.auth import accounts
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.model import RegionTree
from assessment.store.schema import ROLES, SYSTEM_USER
from assessment.store.service import Store
from assessment.store.users import User
from assessment.views import admin as view
from assessment.views.upload import beijing_time
from ui import tables
from ui.safe import md
from ui.state import tr, tr_plain

FLASH = "admin_users_flash"  # the outcome of the last change, shown after the rerun
NEW = {  # field -> widget key of the create form (kept by tests/app/test_page_admin.py)
    "username": "admin_new_username",
    "display": "admin_new_display",
    "role": "admin_new_role",
    "scope": "admin_new_scope",
    "password": "admin_new_password",
    "identity": "admin_new_sso",
}
CLEAR_NEW = "admin_new_clear"  # set after a user was created: empty the form on the next run
FIELD_OF_CODE = {  # where a refusal is shown (anything else: at the region field)
    "store.users_admin.self": "role",
    "store.users_admin.last_admin": "role",
    "store.bad_role": "role",
    "store.users_admin.display_name_long": "display",
    "store.user_exists": "username",
    "store.bad_username": "username",
    "store.users_admin.password_or_identity": "password",
    "auth.identity_format": "identity",
    "auth.identity_taken": "identity",
}


def _text(problems: list[Problem], lang: str) -> str:
    return "\n".join(p.message_zh if lang == "zh" else p.message_en for p in problems)


def _field(problems: list[Problem]) -> str:
    code = problems[0].code if problems else ""
    return "password" if code.startswith("auth.weak_password") else FIELD_OF_CODE.get(code, "scope")


def _role_labels() -> dict[str, str]:
    """Role names in the page's language, fixed at this run (a format_func must not read the
    language later: AppTest calls it outside the run)."""
    return {role: tr_plain(f"auth.role.{role}") for role in ROLES}


def _flash(text: str) -> None:
    st.session_state[FLASH] = text
    st.rerun()


def users_tab(store: Store, user: User, tree: RegionTree, lang: str) -> None:
    """The whole users tab for the administrator ``user``."""
    store.authorize(user.username, "manage_users")
    if FLASH in st.session_state:
        st.success(md(st.session_state.pop(FLASH)))
    everyone = store.users()
    frame = view.users_frame(everyone, tree, lang, store.sign_in_waits())
    if len(frame):  # role names in the page's language; no wait: an empty cell
        frame["role"] = frame["role"].map(_role_labels()).fillna(frame["role"])
        waits = frame["throttled_until"]
        frame["throttled_until"] = [
            beijing_time(w) if w is not None and not pd.isna(w) else "" for w in waits
        ]
    tables.show(
        frame,
        {
            "username": "col.username",
            "display_name": "col.display_name",
            "role": "col.role",
            "scope": "col.scope",
            "password": "col.has_password",
            "sso": "col.sso",
            "disabled": "col.disabled",
            "throttled_until": "col.throttled_until",
        },
        key="admin_users",
    )
    _create_form(store, user, lang)
    others = [u for u in everyone if u.username != SYSTEM_USER]
    if others:
        _manage(store, user, {u.username: u for u in others}, lang)


def _create_form(store: Store, user: User, lang: str) -> None:
    if st.session_state.pop(CLEAR_NEW, False):  # before the widgets exist: allowed to reset them
        for field, key in NEW.items():
            st.session_state[key] = ROLES[2] if field == "role" else ""
    with st.form("admin_add_user", clear_on_submit=False):  # an error keeps what was typed
        st.markdown(f"**{tr('admin.add_user')}**")
        c1, c2, c3 = st.columns(3)
        values: dict[str, Any] = {
            "username": c1.text_input(tr("admin.username"), key=NEW["username"]),
            "display": c2.text_input(tr("admin.display_name"), key=NEW["display"]),
            "role": c3.selectbox(
                tr("admin.role"),
                ("official", "evaluator", "admin"),
                format_func=_role_labels().__getitem__,
                key=NEW["role"],
            ),
        }
        slots = {"username": c1.empty(), "display": c2.empty(), "role": c3.empty()}
        c4, c5, c6 = st.columns(3)
        values["scope"] = c4.text_input(
            tr("admin.scope"), key=NEW["scope"], help=tr("users_admin.scope_help")
        )
        values["password"] = c5.text_input(tr("admin.password"), type="password", key=NEW["password"])
        values["identity"] = c6.text_input(tr("admin.sso"), key=NEW["identity"])
        slots |= {"scope": c4.empty(), "password": c5.empty(), "identity": c6.empty()}
        if st.form_submit_button(tr("admin.create")):
            _create(store, user, values, slots, lang)


def _create(store: Store, user: User, values: Mapping[str, Any], slots: Mapping[str, Any], lang: str) -> None:
    name = str(values["username"]).strip()
    scope = None if values["role"] == "admin" else str(values["scope"]).strip() or None  # admins: none
    args = (store, user.username, name, values["role"], scope)
    found = accounts.new_account_problems(
        *args, password=values["password"] or None, identity=values["identity"]
    )
    if not found:
        try:
            accounts.create_account(
                *args,
                display_name=str(values["display"]).strip(),
                password=values["password"] or None,
                identity=values["identity"] or None,
            )
        except DataFileError as err:  # a race (the name taken meanwhile...): shown at its field
            found = {_field(err.problems): err.problems}
        else:
            st.session_state[CLEAR_NEW] = True
            _flash(tr("admin.created", username=name))
    st.error(tr("users_admin.not_created"))
    for field, problems in found.items():
        slots.get(field, slots["username"]).error(md(_text(problems, lang), lines=True))


def _manage(store: Store, user: User, accounts_by_name: dict[str, User], lang: str) -> None:
    st.subheader(tr("users_admin.title_manage"))
    names = list(accounts_by_name)
    target = st.selectbox(tr("users_admin.pick"), names, key="admin_edit_target")
    if target is None:
        return
    who = accounts_by_name[target]
    state = tr("users_admin.state_disabled" if who.disabled else "users_admin.state_enabled")
    st.caption(
        tr(
            "users_admin.state",
            role=_role_labels()[who.role],
            scope=who.scope_region_code or tr("users_admin.no_scope"),
            state=state,
        )
    )
    toggle_error = st.empty()
    label = "users_admin.enable" if who.disabled else "users_admin.disable"
    if st.button(tr(label), key=f"admin_toggle_{target}"):
        try:
            accounts.set_disabled(store, user.username, target, not who.disabled)
        except DataFileError as err:
            toggle_error.error(md(_text(err.problems, lang), lines=True))
        else:
            done = "users_admin.enabled_done" if who.disabled else "users_admin.disabled_done"
            _flash(tr(done, username=target))
    left, right = st.columns(2)
    with left:
        _role_form(store, user, who, lang)
    with right:
        _password_form(store, user, who, lang)


def _role_form(store: Store, user: User, who: User, lang: str) -> None:
    with st.form(f"admin_edit_{who.username}", clear_on_submit=False):
        st.markdown(f"**{tr('users_admin.role_title')}**")
        role = st.selectbox(
            tr("admin.role"),
            ROLES,
            index=ROLES.index(who.role),
            format_func=_role_labels().__getitem__,
            key=f"admin_edit_role_{who.username}",
        )
        slots = {"role": st.empty()}
        scope = st.text_input(
            tr("admin.scope"),
            value=who.scope_region_code or "",
            key=f"admin_edit_scope_{who.username}",
            help=tr("users_admin.scope_help"),
        )
        slots["scope"] = st.empty()
        display = st.text_input(
            tr("admin.display_name"), value=who.display_name, key=f"admin_edit_display_{who.username}"
        )
        slots["display"] = st.empty()
        if not st.form_submit_button(tr("users_admin.save")):
            return
        scope_code = scope.strip() or None
        changed = (role, scope_code if role != "admin" else None) != (who.role, who.scope_region_code)
        if not changed and display.strip() == who.display_name:
            st.info(tr("users_admin.unchanged"))
            return
        try:
            store.update_user(
                user.username,
                who.username,
                role=role if changed else None,
                scope_region_code=scope_code,
                display_name=display,
            )
        except DataFileError as err:
            st.error(tr("users_admin.not_saved"))
            slots.get(_field(err.problems), slots["role"]).error(md(_text(err.problems, lang), lines=True))
        else:
            _flash(tr("users_admin.saved", username=who.username))


def _password_form(store: Store, user: User, who: User, lang: str) -> None:
    with st.form(f"admin_reset_{who.username}", clear_on_submit=False):
        st.markdown(f"**{tr('users_admin.reset_title')}**")
        new = st.text_input(
            tr("users_admin.new_password"), type="password", key=f"admin_reset_pw_{who.username}"
        )
        slot = st.empty()
        if not st.form_submit_button(tr("users_admin.reset")):
            return
        if not new:
            slot.error(tr("users_admin.password_empty"))
            return
        try:
            accounts.set_password(store, user.username, who.username, new)  # ends its sessions
        except DataFileError as err:
            slot.error(md(_text(err.problems, lang), lines=True))
        else:
            _flash(tr("users_admin.reset_done", username=who.username))
