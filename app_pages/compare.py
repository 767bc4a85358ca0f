"""Compare (evaluator): two to four counties side by side: aspect scores as grouped bars, their
overall standing, and every indicator's value and status with the differences highlighted. The
chosen counties are kept in the URL (``?regions=990102,990323``)."""

from __future__ import annotations

import streamlit as st

from assessment.domain.reporting_status import rank_label_key
from assessment.views import analysis_common as common
from assessment.views import compare as view
from ui import charts_compare, columns, data
from ui.auth import guard, home_region
from ui.data_analysis import period_select
from ui.editions_ui import edition_caption
from ui.state import lang, tr

L = lang()
tree = data.region_tree()
home = home_region()
user = guard("view", home, roles=("evaluator", "admin"))
st.title(tr("compare.title"))
result = data.assessment(user.username, home)
if not result.periods:
    st.info(tr("analysis.no_periods"))
    st.stop()

options = view.region_options(tree, home, L)
asked = st.session_state.get("compare_regions")
chosen, refused = view.selection(
    asked if asked is not None else st.query_params.get("regions"), list(options)
)
if refused:  # a crafted link or session value: counties outside the list never reach the widget
    st.warning(tr("compare.refused", n=len(refused)))
if asked is not None:
    st.session_state["compare_regions"] = chosen
c_regions, c_period = st.columns([5, 1])
codes = c_regions.multiselect(
    tr("compare.choose"),
    list(options),
    default=None if asked is not None else chosen,
    format_func=options.__getitem__,
    max_selections=view.MAX_REGIONS,
    key="compare_regions",
)
st.query_params["regions"] = ",".join(codes)
with c_period:
    period = period_select(sorted(result.periods, reverse=True), key="compare_period")
if len(codes) < 2:
    st.info(tr("compare.need_two"))
    st.stop()
edition = result.edition_of(period).label

st.subheader(tr("compare.scores_title"))
scores = view.aspect_scores(result, codes, period, L)
st.plotly_chart(charts_compare.compare_bars(scores, edition, L), width="stretch", key="compare_scores")
st.caption(tr("analysis.below_floor_hatch"))

st.subheader(tr("compare.summary_title"))
columns.table(
    view.region_summary(result, codes, period, L),
    {
        "region": ("col.region", None),
        "score": ("col.score", "%.1f"),
        "status": ("col.status", None),
        "rank_in_level": (rank_label_key(result.tree.get(home).level), "%d"),  # within the jurisdiction
        "rank_in_parent": ("counts.rank_in.parent", "%d"),
        "n_below_floor": ("compare.col.n_below_floor", "%d"),
        "n_below_local": ("compare.col.n_below_local", "%d"),
        "coverage": ("col.coverage", "percent"),
    },
    key="compare_summary",
)

st.subheader(tr("compare.table_title"))
c_aspect, c_diff = st.columns([3, 2])
aspects = {"": tr("compare.aspect_all"), **common.aspect_names(result.edition, L)}
aspect = c_aspect.selectbox(
    tr("compare.aspect_filter"), list(aspects), format_func=aspects.__getitem__, key="compare_aspect"
)
only_diff = c_diff.toggle(tr("compare.only_differences"), key="compare_only_differences")
cmp = view.comparison(result, codes, period, L, aspect=aspect or None, only_differences=only_diff)
if cmp.table.empty:
    st.info(tr("compare.no_differences"))
else:
    config = {
        "indicator_code": st.column_config.Column(tr("compare.col.indicator_code")),
        "indicator": st.column_config.Column(tr("col.indicator")),
        "aspect": st.column_config.Column(tr("compare.col.aspect"), width="small"),
        "unit": st.column_config.Column(tr("col.unit")),
        "floor": st.column_config.Column(tr("compare.col.floor")),
        "spread": st.column_config.NumberColumn(tr("compare.col.spread"), format="%.2f"),
        "differs": st.column_config.CheckboxColumn(tr("compare.col.differs")),
    }
    styled = charts_compare.status_styler(cmp.table, cmp.status, cmp.regions)
    st.dataframe(
        styled,
        column_config=columns.key_columns(config),
        hide_index=True,
        width="stretch",
        height=520,
        key="compare_table",
    )
st.caption(tr("compare.table_caption") + " " + tr("analysis.unconfirmed_note"))
st.caption(tr("analysis.status_legend"))
st.caption(edition_caption(result, L))
