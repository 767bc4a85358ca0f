"""Administration (admin): the first-run checklist, users, the region tree and map boundaries,
editions, the audit log, reporting deadlines. Works on an empty database (no region tree yet)."""

from __future__ import annotations

import streamlit as st

from assessment.views.upload import beijing_time
from ui import data, tables
from ui.admin_boundaries import boundaries_tab
from ui.admin_editions import editions_tab
from ui.admin_mail import mail_panel
from ui.admin_regions import regions_tab
from ui.admin_setup import checklist, deadlines_tab
from ui.admin_users import users_tab
from ui.auth import guard
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
    users_tab(store, user, tree, L)

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
