"""Overview (evaluator): headline figures, map, regions x aspects heatmap with drill-down,
league table with trend arrows, the largest gaps."""

from __future__ import annotations

import streamlit as st

from assessment.scoring.analysis import aspect_matrix, region_label
from assessment.views import overview as view
from ui import actions, charts, columns, data, fiscal, reporting_counts, tables, todo
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
version = (
    data.data_version()
)  # before the assessment: what is built below is kept per version (ui.render_cache)
result = data.assessment(user.username, root, basis=basis, include_pending=pending)
if not result.periods:
    st.info(tr("overview.no_periods"))
    st.stop()
with col_period:
    period = period_select(data.periods(result), key="overview_period")
status_labels = {s: tr(f"status.{s}") for s in charts.STATUS_COLOURS}
shown = (root, basis, pending, int(period), L)  # what the built things depend on besides the version

head = memo("overview.headline", shown, version, lambda: view.headline(result, period))
reporting_counts.overview(
    user.username, root, result, period, pending, version
)  # counted as on the review page
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


def _heatmap() -> tuple[bool, bool, object]:
    matrix = view.item_matrix(result, period, drill, L) if drill else aspect_matrix(result, period, L)
    grouped = view.heatmap_by_child(result)  # too many counties for one row each
    if grouped:
        matrix = view.by_child(matrix, result, L, period=period)
    fig = charts.score_heatmap(
        matrix,
        x_title=tr("overview.aspect_axis"),
        y_title=tr("overview.region_axis"),
        score_label=tr("overview.score"),
        status_labels=status_labels,
    )
    return grouped, bool(grouped and matrix.attrs["population_carried_forward"]), fig


grouped, carried, fig = memo("overview.heatmap", (*shown, drill), version, _heatmap)
if grouped:
    st.caption(tr("overview.heatmap_grouped", n=view.MAX_HEATMAP_COUNTIES))
    if carried:
        st.caption(tr("analysis.population_carried_forward", periods=period))
st.plotly_chart(fig, width="stretch", key="overview_heatmap")
st.caption(
    tr("charts.heatmap_caption") + " " + tr("app.edition_short", edition=result.edition_of(period).label)
)

left, right = st.columns([2, 3])
with left:
    st.subheader(tr("overview.map_title"))

    def _map() -> object | None:
        map_rows, geo = view.map_frame(result, period, L), data.boundaries_within(root)
        if not data.has_boundaries(geo, map_rows["region_code"].tolist()):
            return None
        borders = view.outline_levels(result)
        return charts.choropleth(
            map_rows, geo, score_label=tr("overview.score"), status_labels=status_labels, outlines=borders
        )

    # the boundaries are reference data: their version is part of the key
    fig_map = memo("overview.map", (*shown, data.reference_version()), version, _map)
    if fig_map is not None:
        st.plotly_chart(fig_map, width="stretch", key="overview_map")
        st.caption(tr("charts.map_names"))
    else:
        st.info(tr("app.no_boundaries"))
with right:
    st.subheader(tr("overview.league_title"))
    st.caption(tr("analysis.status_legend"))

    def _league() -> tuple[object, dict]:
        league = view.league_table(result, period, L)
        return columns.prepared_show(
            league,
            *tables.labelled(
                league,
                {
                    "name": "col.region",
                    "score": "col.score",
                    "arrow": "col.trend",
                    "change": "col.change",
                    "status": "col.status",
                    **(
                        {"status_note": "coverage.col.status_note"}
                        if league["status_note"].ne("").any()
                        else {}
                    ),
                    "rank_in_level": view.rank_label_key(result),  # within the jurisdiction assessed
                    "n_below_floor": "col.below_floor",
                    "n_below_local": "col.below_local",
                    "n_deteriorating": "col.deteriorating",
                    "coverage": "col.coverage",
                },
            ),
        )

    columns.draw(*memo("overview.league", shown, version, _league), key="overview_league", height=460)

st.subheader(tr("overview.gaps_title"))


def _gaps() -> tuple[object, dict] | None:
    gaps = view.largest_gaps(result, period, L)
    if gaps.empty:
        return None
    return columns.prepared_show(
        gaps,
        *tables.labelled(
            gaps,
            {
                "name": "col.region",
                "indicator": "col.indicator",
                "unit": "col.unit",
                "value": "col.value",
                "national_floor": "col.floor",
                "gap_floor": "col.gap",
                "rel_gap_floor": "col.rel_gap",
                "evidence": "col.evidence",
            },
        ),
    )


gaps_shown = memo("overview.gaps", shown, version, _gaps)
if gaps_shown is None:
    st.success(tr("overview.no_gaps"))
else:
    columns.draw(*gaps_shown, key="overview_gaps")
    st.caption(tr("overview.unconfirmed_note"))
fiscal.overview_section(
    result, period, cache=(shown, version)
)  # issue 19: burden against own revenue, where a yuan goes furthest
st.caption(edition_caption(result, L))
