"""Overview (evaluator): regions x aspects heatmap of scores for one year."""

from __future__ import annotations

import streamlit as st

from assessment.analysis import aspect_matrix, region_label
from ui import charts, data
from ui.auth import guard
from ui.state import lang, tr

L = lang()
tree = data.store().region_tree()
user = guard("view", data.home_region())
root = data.home_region()
actor = user.username
st.title(tr("overview.title", region=region_label(tree, root, L)))

col_period, col_basis = st.columns([1, 2])
basis = col_basis.radio(
    tr("overview.basis"),
    ("floor", "standard"),
    format_func=lambda b: tr(f"overview.basis_{b}"),
    horizontal=True,
    key="overview_basis",
)
result = data.assessment(actor, root, basis=basis)
if not result.periods:
    st.info(tr("overview.no_periods"))
    st.stop()
period = col_period.selectbox(tr("overview.period"), data.periods(result), key="overview_period")

st.subheader(tr("overview.heatmap_title"))
matrix = aspect_matrix(result, period, L)
fig = charts.score_heatmap(
    matrix,
    x_title=tr("overview.aspect_axis"),
    y_title=tr("overview.region_axis"),
    score_label=tr("overview.score"),
    status_labels={s: tr(f"status.{s}") for s in charts.STATUS_COLOURS},
)
st.plotly_chart(fig, width="stretch", key="overview_heatmap")
st.caption(tr("overview.heatmap_caption"))
st.caption(
    tr(
        "app.edition_caption",
        edition=result.edition.id,
        title=result.edition.title_zh if L == "zh" else result.edition.title_en,
    )
)
