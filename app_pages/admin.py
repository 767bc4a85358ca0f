"""Administration (admin): the first-run checklist, users, the region tree and map boundaries,
editions, the audit log, reporting deadlines. Works on an empty database (no region tree yet)."""

from __future__ import annotations

import streamlit as st

from assessment.auth import accounts
from assessment.domain.errors import DataFileError
from assessment.views import admin as view
from assessment.views.upload import beijing_time
from ui import data, tables
from ui.admin_boundaries import boundaries_tab
from ui.admin_editions import editions_tab
from ui.admin_mail import mail_panel
from ui.admin_regions import regions_tab
from ui.admin_setup import checklist, deadlines_tab
from ui.auth import guard
from ui.safe import md
from ui.state import lang, tr
from ui.upload_files import uploads_section

L = lang()
user = guard("manage_users", roles=("admin",))
store = data.store()
tree = data.region_tree()
st.title(tr("admin.title"))
checklist(store, tree, L)
t_users, t_regions, t_bounds, t_editions, t_audit, t_deadlines = st.tabs(
    [
        tr("admin.tab_users"),
        tr("admin.tab_regions"),
        tr("admin.tab_boundaries"),
        tr("admin.tab_editions"),
        tr("admin.tab_audit"),
        tr("onboarding.tab_deadlines"),
    ]
)

with t_users:
    store.authorize(user.username, "manage_users")
    tables.show(
        view.users_frame(store.users(), tree, L, store.sign_in_waits()),
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
    with st.form("admin_add_user", clear_on_submit=True):
        st.markdown(f"**{tr('admin.add_user')}**")
        c1, c2, c3 = st.columns(3)
        username = c1.text_input(tr("admin.username"), key="admin_new_username")
        display = c2.text_input(tr("admin.display_name"), key="admin_new_display")
        role = c3.selectbox(tr("admin.role"), ("official", "evaluator", "admin"), key="admin_new_role")
        c4, c5, c6 = st.columns(3)
        scope = c4.text_input(tr("admin.scope"), key="admin_new_scope")
        password = c5.text_input(tr("admin.password"), type="password", key="admin_new_password")
        identity = c6.text_input(tr("admin.sso"), key="admin_new_sso")
        if st.form_submit_button(tr("admin.create")):
            try:
                accounts.create_account(
                    store,
                    user.username,
                    username.strip(),
                    role,
                    scope.strip() or None,
                    display_name=display.strip(),
                    password=password or None,
                    identity=identity or None,
                )
                st.success(tr("admin.created", username=username.strip()))
            except DataFileError as err:
                st.error(md(err.messages(L), lines=True))
    names = [
        u.username for u in store.users() if not u.disabled and u.username not in ("system", user.username)
    ]
    c1, c2 = st.columns([3, 1])
    target = c1.selectbox(tr("admin.disable_user"), names, key="admin_disable_target")
    if c2.button(tr("admin.disable"), key="admin_disable") and target:
        try:
            accounts.set_disabled(store, user.username, target)
            st.success(tr("admin.disabled", username=target))
        except DataFileError as err:
            st.error(md(err.messages(L), lines=True))

with t_regions:
    regions_tab(store, user, tree, L)

with t_bounds:
    if len(tree):
        boundaries_tab(store, user, tree, L)
    else:
        st.info(tr("onboarding.boundaries_need_tree"))

with t_editions:
    store.authorize(user.username, "manage_editions")
    editions_tab(store, user, L)

with t_audit:
    store.authorize(user.username, "view_audit")
    log = store.audit_log().tail(200).iloc[::-1].copy()
    log["at"] = [beijing_time(when, L) for when in log["at"]]  # stored in UTC, shown in Beijing time
    st.caption(tr("admin.audit_caption", n=len(log)))
    tables.show(
        log,
        {
            "at": "col.at",
            "actor": "col.actor",
            "action": "col.action",
            "object_type": "col.object",
            "region_code": "col.region",
            "details": "col.details",
        },
        key="admin_audit",
        height=420,
    )
    uploads_section(store, user, L)  # an upload's values-only copy and original (admins)

with t_deadlines:
    deadlines_tab(store, user, L)
    mail_panel(store, user, L)  # SMTP settings, e-mail addresses, outbox (issue 16)
