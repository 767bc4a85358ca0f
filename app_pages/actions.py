"""Corrective actions (issue 17): an official records the action of each gap of their region (from
the gap, one click); an evaluator reviews the plans of the jurisdiction and sees what the approved
figures say of them (due, overdue, escalated, closed by the data), the share of last period's gaps
closed and the early-warning list (监测预警)."""

from __future__ import annotations

import streamlit as st

from assessment.scoring.analysis import region_label
from ui import actions, actions_form, actions_review, actions_upload, data
from ui.auth import guard, home_region
from ui.data_analysis import period_select, url_select
from ui.state import lang, tr

L = lang()
home = home_region()
user = guard("view", home, roles=("evaluator", "official"))
tree = data.region_tree()
title = st.empty()  # above the region and period choices
col_region, col_period = st.columns([2, 1])
if user.role == "official":
    code, col_period = home, col_region  # an official: their own region only, whatever the link says
else:
    names = actions.scope_names()
    code = url_select(
        tr("actions_ui.region"),
        actions.scope_options(home),
        key="actions_region",
        param="region",
        format_func=names.__getitem__,
        where=col_region,
    )
guard("view", code)  # second line of defence; the store filters too
title.title(tr("actions_ui.title", region=region_label(tree, code, L)))
result = data.assessment(user.username, code)  # scored against the binding standard
if not result.periods:
    st.info(tr("overview.no_periods"))
    st.stop()
with col_period:
    period = period_select(data.periods(result), key="actions_period")
register = actions.register_of(user.username, code, period)
if user.role == "official":
    actions_form.official_view(user, result, register, period)
    with st.expander(tr("actions_sheet.upload.title")):  # the same, in Excel: the actions sheet
        actions_upload.upload_panel(data.store(), user.username, code, period)
else:
    actions_review.evaluator_view(user, result, register, period)
