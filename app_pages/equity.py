"""Equity (evaluator): how unequal the counties are, aspect by aspect: CV, Gini and Theil over the
years, the Theil decomposition between and within prefectures, the counties and population below
the national floor, and the σ-convergence verdict. Choices are kept in the URL."""

from __future__ import annotations

import streamlit as st

from assessment.scoring.analysis import region_label
from assessment.views import equity as view
from ui import charts_equity, data
from ui.auth import can, guard, home_region
from ui.data_analysis import (
    EQUITY_COLUMNS,
    carried_forward_caption,
    jurisdiction_select,
    period_select,
    table,
)
from ui.editions_ui import edition_caption, edition_changes
from ui.state import lang, tr

L = lang()
tree = data.region_tree()
home = home_region()
user = guard("view", home, roles=("evaluator", "admin"))
title = st.empty()
root = jurisdiction_select(tree, home, key="equity_region", allowed=lambda c: can(user, "view", c))
title.title(tr("equity.title", region=region_label(tree, root, L)))
result = data.assessment(user.username, root)
if not result.periods:
    st.info(tr("analysis.no_periods"))
    st.stop()
st.caption(tr("equity.intro"))
carried_forward_caption(result.equity_aspect)  # the weights of some period are not its own populations
edition = result.edition.label

st.subheader(tr("equity.lines_title"))
st.plotly_chart(
    charts_equity.equity_lines(view.measures_over_time(result, L), edition, L, edition_changes(result)),
    width="stretch",
    key="equity_lines",
)
st.caption(tr("equity.lines_caption"))

st.subheader(tr("equity.convergence_title"))
table(
    view.convergence(result, L),
    {
        "aspect": ("equity.col.aspect", None),
        "first_period": ("equity.col.first_period", "%d"),
        "last_period": ("equity.col.last_period", "%d"),
        "n_first": ("equity_edges.col.n_first", "%d"),
        "n_last": ("equity_edges.col.n_last", "%d"),
        "n_balanced": ("equity_edges.col.n_balanced", "%d"),
        "n_dropped": ("equity_edges.col.n_dropped", "%d"),
        "cv_first": ("equity.col.cv_first", "%.4f"),
        "cv_last": ("equity.col.cv_last", "%.4f"),
        "cv_change": ("equity.col.cv_change", "%+.4f"),
        "verdict_label": ("equity.col.verdict", None),
    },
    key="equity_convergence",
)
st.caption(tr("equity.convergence_caption") + " " + tr("equity_edges.convergence_panel"))

basis = view.decomposition_basis(result)
groups = tr(f"analysis.groups.{basis.level}") if basis.level else ""
c_title, c_period = st.columns([4, 1])
c_title.subheader(tr("equity.decomposition_title", groups=groups))
with c_period:
    period = period_select(sorted(result.periods, reverse=True), key="equity_period")
decomposition = view.decomposition(result, period, L)
st.plotly_chart(
    charts_equity.theil_stack(decomposition, basis.level, edition, L), width="stretch", key="equity_theil"
)
st.caption(tr("equity.decomposition_caption", groups=groups))
if basis.single_group:
    st.info(tr("equity.single_group", groups=tr("analysis.groups.prefecture")))

st.subheader(tr("equity.below_title"))
below = view.below_floor(result, L)
st.plotly_chart(charts_equity.below_floor_bars(below, edition, L), width="stretch", key="equity_below")
st.caption(tr("equity.below_caption"))
with st.expander(tr("equity.table_title")):
    table(
        view.aspect_table(result, L),
        {
            "aspect": ("equity.col.aspect", None),
            **EQUITY_COLUMNS,
            "undefined_reason": ("equity_edges.col.undefined_reason", None),  # "—" and why
        },
        key="equity_table",
    )

st.caption(edition_caption(result, L))
