"""Indicator view (evaluator): one indicator across the counties: ranked with the floor, local
standards and confidence bars; distribution; map; trend; equity. Choices are kept in the URL."""

from __future__ import annotations

import streamlit as st

from assessment.scoring.analysis import region_label
from assessment.views import analysis_common as common
from assessment.views import indicator as view
from ui import charts_analysis as charts
from ui import columns, data, peer_groups
from ui.auth import can, guard, home_region
from ui.data_analysis import (
    EQUITY_COLUMNS,
    RANKED_COLUMNS,
    carried_forward_caption,
    jurisdiction_select,
    period_select,
    table,
    url_select,
)
from ui.editions_ui import breaks_of, edition_caption, what_if
from ui.safe import md
from ui.state import lang, tr, tr_plain

L = lang()
tree = data.region_tree()
home = home_region()
user = guard("view", home, roles=("evaluator", "admin"))
title = st.empty()
root = jurisdiction_select(tree, home, key="indicator_region", allowed=lambda c: can(user, "view", c))
title.title(tr("indicator.title", region=region_label(tree, root, L)))
result = what_if(user.username, root, data.assessment(user.username, root), key="indicator_what_if")
if not result.periods:
    st.info(tr("analysis.no_periods"))
    st.stop()

c_aspect, c_ind, c_period = st.columns([2, 5, 1])
aspects = {"": tr("indicator.aspect_all"), **common.aspect_names(result.edition, L)}
aspect = c_aspect.selectbox(
    tr("indicator.aspect_filter"), list(aspects), format_func=aspects.__getitem__, key="indicator_aspect"
)
choices = view.indicator_options(result, L, aspect or None)
with c_ind:
    code = url_select(
        tr("indicator.choose"),
        list(choices),
        key="indicator_code",
        param="indicator",
        format_func=choices.__getitem__,
    )
with c_period:
    period = period_select(data.periods(result), key="indicator_period")

info = view.indicator_info(result, code, period, L)
st.subheader(tr("indicator.heading", code=info.code, name=info.name))
st.caption(tr("indicator.path", aspect=info.aspect, no=info.item_no, item=info.item))
d1, d2 = st.columns([3, 2])
d1.markdown(f"**{tr('indicator.definition')}**")
d1.text(info.definition)
floor = common.floor_text(info.national_floor, info.floor_confirmed) or tr(
    "indicator.floor_unknown" if info.floor_note else "indicator.floor_none"
)
local = [tr_plain("indicator.local_item", by=b, value=f"{v:g}", n=n) for b, v, n in info.local_standards]
facts = {
    tr("indicator.unit"): info.unit,
    tr("indicator.direction"): tr("indicator.direction_" + info.direction),
    tr("indicator.floor"): floor,
    tr("indicator.local", period=period): "; ".join(local) or tr("indicator.local_none"),
}
d2.text("\n".join(tr_plain("indicator.fact", label=k, value=v) for k, v in facts.items()))
if info.floor_note:
    d2.caption(md(info.floor_note))
with d2.expander(tr("indicator.sources")):
    st.markdown(view.sources_markdown(info.sources))

ranked = view.ranked(result, code, period, L)
head = view.summary(ranked)
k1, k2, k3, k4 = st.columns(4)
k1.metric(
    tr("indicator.kpi_reporting"),
    tr("indicator.kpi_reporting_value", n=head.regions_reporting, of=head.regions_expected),
)
k2.metric(tr("indicator.kpi_below_floor"), head.below_floor)
k3.metric(tr("indicator.kpi_below_local"), head.below_local)
k4.metric(
    tr("indicator.kpi_median", unit=info.unit), "–" if head.regions_reporting == 0 else f"{head.median:.2f}"
)
if head.regions_reporting == 0:
    st.info(tr("indicator.none_reported", period=period))
unconfirmed = info.national_floor is not None and not info.floor_confirmed
st.caption(tr("analysis.status_legend") + (" " + tr("analysis.unconfirmed_note") if unconfirmed else ""))

left, right = st.columns([3, 2])
with left:
    st.subheader(tr("indicator.ranked_title"))
    st.plotly_chart(charts.ranked_dots(ranked, info, L), width="stretch", key="indicator_ranked")
    many = int(ranked["value"].notna().sum()) > charts.MAX_NAMED_ROWS
    st.caption(tr("indicator.ranked_caption_many" if many else "indicator.ranked_caption"))
    if head.not_reported:
        sep = "、" if L == "zh" else ", "
        st.caption(tr("indicator.no_data_regions", names=sep.join(head.not_reported)))
    if head.small_numbers:
        st.caption(tr("indicator.small_numbers"))
with right:
    st.subheader(tr("indicator.map_title"))
    geo = data.boundaries()
    shapes = view.outlines(geo, common.leaf_codes(tree, root))
    borders = view.outlines(geo, common.jurisdictions(tree, root))
    if shapes:
        st.plotly_chart(
            charts.status_map(ranked, shapes, borders, info, L), width="stretch", key="indicator_map"
        )
        st.caption(tr("charts.map_names"))
    else:
        st.info(tr("app.no_boundaries"))

left, right = st.columns(2)
with left:
    st.subheader(tr("indicator.dist_title"))
    st.plotly_chart(charts.distribution_box(ranked, info, L), width="stretch", key="indicator_distribution")
with right:
    st.subheader(tr("indicator.trend_title"))
    trend, means = view.trend_frame(result, code, L), view.trend_summary(result, code)
    bands = view.trend_bands(trend) if many else None  # a line per county would be a grey blur
    fig_trend = charts.trend_lines(trend, means, info, L, bands, breaks_of(result, code))
    st.plotly_chart(fig_trend, width="stretch", key="indicator_trend")

st.subheader(tr("indicator.equity_title"))
st.caption(tr("indicator.equity_caption"))
st.markdown(tr("indicator.convergence", verdict=tr("analysis.verdict." + view.convergence(result, code))))
equity_rows = view.equity_table(result, code)
table(equity_rows, EQUITY_COLUMNS, key="indicator_equity")
carried_forward_caption(equity_rows)

st.subheader(tr("indicator.table_title"))
columns.table(ranked, RANKED_COLUMNS, key="indicator_table")
st.caption(edition_caption(result, L))
peer_groups.indicator_section(user, result, root, period, code)  # issue 19: like-for-like peers
