"""Overview (evaluator): headline figures, map, regions x aspects heatmap with drill-down,
league table with trend arrows, the largest gaps."""

from __future__ import annotations

import streamlit as st

from assessment.scoring.analysis import region_label
from assessment.views import overview as view
from ui import actions, columns, data, fiscal, reporting_counts, todo
from ui import overview_built as built
from ui.auth import can, guard, home_region
from ui.data_analysis import jurisdiction_select, period_select
from ui.editions_ui import edition_caption
from ui.national import national_panel
from ui.render_cache import memo
from ui.state import lang, tr

L = lang()
tree = data.region_tree()
home = home_region()
user = guard("view", home, roles=("evaluator", "admin"))
title = st.empty()
root = jurisdiction_select(tree, home, key="overview_region", allowed=lambda c: can(user, "view", c))
title.title(tr("overview.title", region=region_label(tree, root, L)))
todo.todo_panel(user, home, roles=("evaluator",))  # waiting reviews, overdue regions, open queries (issue 16)

col_period, col_basis, col_pending = st.columns([1, 2, 1])
basis = col_basis.radio(
    tr("overview.basis"),
    ("floor", "standard"),
    format_func=lambda b: tr(f"overview.basis_{b}"),
    horizontal=True,
    key="overview_basis",
)
pending = col_pending.toggle(tr("overview.include_pending"), key="overview_pending")
# read before the assessment: what is built below is kept per data version (ui.render_cache)
version = data.data_version()
result = data.assessment(user.username, root, basis=basis, include_pending=pending)
if not result.periods:
    st.info(tr("overview.no_periods"))
    st.stop()
with col_period:
    period = period_select(data.periods(result), key="overview_period")
shown = (root, basis, pending, int(period), L)  # what the built things depend on besides the version

head = memo("overview.headline", shown, version, lambda: view.headline(result, period))
# counted as on the review page
reporting_counts.overview(user.username, root, result, period, pending, version)
reporting_counts.headline(head)  # meeting the floor, below it, the cost to close (with what it covers)
actions.panel(user, root, period)  # issue 17: corrective actions, closure share, escalated flag

if root == home:  # a provincial evaluator's province against the country's provinces (core-computed)
    national_panel(user.username, period, basis)
st.subheader(tr("overview.heatmap_title"))
aspects = {a.code: (a.name_zh if L == "zh" else a.name_en) for a in result.edition.aspects}
drill = st.selectbox(
    tr("overview.drill"),
    ["", *aspects],
    format_func=lambda c: aspects.get(c, tr("overview.drill_none")),
    key="overview_drill",
)

grouped, carried, fig = built.heatmap(result, period, drill, L, shown, version)
if grouped:
    st.caption(tr("overview.heatmap_grouped", n=view.MAX_HEATMAP_COUNTIES))
    if carried:
        st.caption(tr("analysis.population_carried_forward", periods=period))
st.plotly_chart(fig, width="stretch", key="overview_heatmap")
st.caption(
    tr("charts.heatmap_caption") + " " + tr("app.edition_short", edition=result.edition_of(period).label)
)

# the map, then the league table across the whole width: its eleven columns did not fit beside the
# map (the later ones scrolled out of sight)
st.subheader(tr("overview.map_title"))
fig_map = built.map_figure(result, root, period, L, shown, version)
if fig_map is not None:
    st.plotly_chart(fig_map, width="stretch", key="overview_map")
    st.caption(tr("charts.map_names"))
else:
    st.info(tr("app.no_boundaries"))
st.subheader(tr("overview.league_title"))
st.caption(tr("analysis.status_legend"))
columns.draw(*built.league(result, period, L, shown, version), key="overview_league", height=460)

st.subheader(tr("overview.gaps_title"))
gaps_shown = built.gaps(result, period, L, shown, version)
if gaps_shown is None:
    st.success(tr("overview.no_gaps"))
else:
    columns.draw(*gaps_shown, key="overview_gaps")
    st.caption(tr("overview.unconfirmed_note"))
# issue 19: burden against own revenue, where a yuan goes furthest
fiscal.overview_section(result, period, cache=(shown, version))
st.caption(edition_caption(result, L))
