"""Region profile: status and rank, spine chart, aspects, trends, gaps with cost, history, flags."""

from __future__ import annotations

import streamlit as st

from assessment.domain.disclosure import note, restricted
from assessment.domain.timefmt import beijing_column
from assessment.scoring.analysis import region_label
from assessment.views import region as view
from assessment.views.coverage import status_text
from ui import actions, charts, data, fiscal, peer_groups, tables
from ui import data_workflow as wf
from ui.auth import guard, home_region
from ui.data_analysis import period_select, url_select
from ui.national import national_panel
from ui.state import lang, tr
from ui.todo import official_landing

L = lang()
home = home_region()
user = guard("view", home)
result = data.assessment(user.username, home)
choices = view.counties(result)
if user.role == "official" or len(choices) == 1:
    region = home if home in choices else choices[0]
else:
    region = url_select(
        tr("region.choose"),
        choices,
        key="region_code",
        param="region",
        format_func=lambda c: region_label(result.tree, c, L),
    )
guard("view", region)  # second line of defence; the store filters too
st.title(tr("region.title", region=region_label(result.tree, region, L)))
official_landing(user, home)  # an official: the return to answer, open queries, the next deadline
if not result.periods:
    st.info(tr("overview.no_periods"))
    st.stop()
period = period_select(data.periods(result), key="region_period")
labels = {s: tr(f"status.{s}") for s in charts.STATUS_COLOURS}

head = view.header(result, region, period, viewer=user)
k1, k2, k3, k4 = st.columns([2, 3, 3, 2])
k1.metric(tr("region.kpi_score"), "–" if head.get("score") is None else f"{head['score']:.1f}")
status = head.get("status", "no_data")
tables.status_chip(k2, tr("region.kpi_status"), status, status_text(status, head.get("n_below_floor", 0), L))
official = restricted(user)  # an official: rank and bands from anonymised peer statistics only
standings = wf.peer_standing(user.username, period, region) if official else None
rank = view.rank_figure(head, standings, L, view.same_scope(result, region))  # an evaluator: real ranks
rank_title = tr("peers.rank_title") if official else view.rank_label(result, region, L)  # where taken
if rank:
    k3.metric(rank_title, rank[0], help=rank[1])
k4.metric(tr("region.kpi_failures"), f"{head.get('n_below_floor', 0)} / {head.get('n_below_local', 0)}")
if official or head.get("peers_hidden"):  # an official: every group's rank, median and quartiles
    st.caption(rank[1] if official and rank else note(L))  # locale text and numbers only
if head.get("score") is None:
    st.warning(tr("region.no_score"))
national_panel(user.username, period)  # only for a provincial evaluator of a national tree

st.subheader(tr("region.aspects_title"))
aspect_rows = view.aspect_summary(result, region, period, L)
tables.show(
    aspect_rows,
    {
        "aspect": "col.aspect",
        "score": "col.score",
        "status": "col.status",
        # an aspect with insufficient data, yet n indicators below the floor
        **({"status_note": "coverage.col.status_note"} if aspect_rows["status_note"].ne("").any() else {}),
        "n_reported": "col.n_reported",
        "n_below_floor": "col.below_floor",
        "n_below_local": "col.below_local",
    },
    key="region_aspects",
)

st.subheader(tr("region.spine_title"))
aspects = {a.code: (a.name_zh if L == "zh" else a.name_en) for a in result.edition.aspects}
aspect = st.selectbox(tr("region.spine_aspect"), list(aspects), format_func=aspects.get, key="region_aspect")
peers = wf.peer_statistics(user.username, period, region) if official else None
spine = view.spine(result, region, period, L, aspect, viewer=user, peers=peers)
fig = charts.spine_chart(spine, status_labels=labels, legend=view.spine_legend(L))
st.plotly_chart(fig, width="stretch", key="region_spine")
st.caption(
    tr("peers.spine_caption" if official else "region.spine_caption") + " " + tr("analysis.status_legend")
)
if spine["peers_hidden"].any():
    st.caption(note(L))
st.caption(tr("app.edition_short", edition=result.edition_of(period).label))

st.subheader(tr("region.trend_title"))
fig = charts.score_lines(
    view.score_history(result, region, L), score_label=tr("overview.score"), period_label=tr("col.period")
)
st.plotly_chart(fig, width="stretch", key="region_trend")

st.subheader(tr("region.gaps_title"))
actions.panel(user, home, period, region)  # issue 17: counts, closure, escalated flag, link
gaps = view.gaps(result, region, period, L)
if gaps.empty:
    st.success(tr("region.no_gaps"))
else:  # an official's rows lead to the action form in one click (ui.actions.region_gaps)
    gap_columns = {"indicator": "col.indicator", "unit": "col.unit", "value": "col.value"}
    gap_columns |= {"national_floor": "col.floor", "standard": "col.standard", "status": "col.status"}
    gap_columns |= {"arrow": "col.trend", "beneficiaries_short": "col.beneficiaries_short"}
    gap_columns |= {"cost_total": "col.cost_total", "cost_central": "col.cost_central"}
    actions.region_gaps(user, gaps, gap_columns | {"cost_local": "col.cost_local"}, region, period)
    st.caption(view.gaps_cost_note(result, region, period, L))
    st.caption(tr("overview.unconfirmed_note"))
fiscal.region_section(result, region, period)  # issue 19: cost against the region's own revenue

peer_groups.section(user, result, region, period, key="region_peers")  # issue 19: like-for-like peers

left, right = st.columns(2)
with left:
    st.subheader(tr("region.history_title"))
    history = data.store().submissions(user.username, region_code=region)
    tables.show(
        history.assign(uploaded_at=beijing_column(history["uploaded_at"])),  # stored in UTC
        {
            "period": "col.period",
            "version": "col.version",
            "status": "col.status",
            "uploaded_by": "col.uploaded_by",
            "uploaded_at": "col.uploaded_at",
            "review_comment": "col.review_comment",
        },
        key="region_history",
    )
with right:
    st.subheader(tr("region.quality_title"))
    flags = view.quality_flags(result, region, period, L)
    if flags.empty:
        st.write(tr("region.no_flags"))
    else:
        tables.show(
            flags,
            {
                "indicator": "col.indicator",
                "value": "col.value",
                "denominator": "col.denominator",
                "flag": "col.flag",
            },
            key="region_flags",
        )
