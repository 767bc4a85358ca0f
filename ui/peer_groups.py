"""The "compare with like-for-like peers" section of the region profile and the indicator view
(issue 19, point 6): the peer kind, who the peers are and why (named only to a viewer allowed to
see them), the comparison table and the reminder that the floor stays the pass/fail line."""

from __future__ import annotations

import streamlit as st

from assessment.domain.access import UserLike
from assessment.scoring import peer_groups as pg
from assessment.scoring.analysis import Assessment
from assessment.store.service_peers import PeerComparison
from assessment.views import peer_groups as view
from ui import data, tables
from ui.state import lang, tr, tr_plain

COMPARISON = {
    "indicator": "col.indicator",
    "value": "peer_groups.col.value",
    "n": "peer_groups.col.n",
    "p25": "peer_groups.col.p25",
    "median": "peer_groups.col.median",
    "p75": "peer_groups.col.p75",
    "rank": "peer_groups.col.rank",
    "gap_median": "peer_groups.col.gap_median",
    "status": "peer_groups.col.status",
}
WHO = {
    "region": "peer_groups.col.region",
    "rank_nn": "peer_groups.col.rank_nn",
    "distance": "peer_groups.col.distance",
    "population": "peer_groups.col.population",
    "fiscal": "peer_groups.col.fiscal",
    "urban": "peer_groups.col.urban",
    "mountainous": "peer_groups.col.mountainous",
    "ethnic": "peer_groups.col.ethnic",
}
VALUES = {"region": "peer_groups.col.region", "value": "col.value", "status": "col.status"}


@st.cache_data(show_spinner=False, max_entries=32)
def _comparison(
    actor: str, period: int, region: str, kind: str, directions: tuple[tuple[str, str], ...], version: str
) -> PeerComparison:
    select = pg.selector(kind, period=period)
    before = [pg.selector(k, period=period) for k in pg.KINDS[: pg.KINDS.index(kind)]]
    compare = pg.comparer(dict(directions))
    return data.store().peer_comparison(actor, period, region, kind, select, compare, before)


def section(
    user: UserLike, result: Assessment, region: str, period: int, *, key: str, indicator: str | None = None
) -> None:
    """Draw the peers section for ``region`` in ``period`` (one indicator's row when ``indicator``)."""
    L = lang()
    st.subheader(tr("peer_groups.title"))
    kinds = {k: tr_plain(f"peer_groups.kind.{k}") for k in pg.KINDS}
    kind = st.radio(
        tr("peer_groups.kind_label"), list(kinds), format_func=kinds.__getitem__, horizontal=True, key=key
    )
    st.caption(tr("peer_groups.floor_line"))
    comp = _comparison(
        user.username, int(period), region, kind, view.directions(result, period), data.data_version()
    )
    if kind == "nearest":
        st.caption(tr("peer_groups.nearest_caption", k=pg.DEFAULT_K["province"]))
    else:
        group = data.store().peer_group_definition(user.username).get(region)
        st.caption(
            tr("peer_groups.admin_caption", group=group) if group else tr("peer_groups.no_admin_group")
        )
    if comp.n_peers == 0:
        st.info(tr("peer_groups.no_peers"))
        return
    if not comp.shown:
        st.info(tr("peer_groups.withheld"))
        return
    if comp.named:
        neighbours = pg.nearest_neighbours(result.tree, region, period=period) if kind == "nearest" else None
        st.markdown(f"**{tr_plain('peer_groups.who_title')}**")
        tables.show(view.who(result.tree, region, comp, L, period, neighbours), WHO, key=f"{key}_who")
        if view.fiscal_missing(result.tree, [region, *comp.peers]):
            st.caption(tr("peer_groups.fiscal_missing"))
    else:
        st.caption(tr("peer_groups.anonymised", n=comp.n_peers))
    rows = view.comparison(result, comp, period, L, indicator)
    if rows.empty:
        st.info(tr("peer_groups.indicator_none"))
        return
    st.markdown(f"**{tr_plain('peer_groups.table_title')}**")
    tables.show(rows, COMPARISON, key=f"{key}_table")
    if comp.table["peers_hidden"].any():
        st.caption(tr("peer_groups.hidden_rows"))
    if indicator is not None and comp.named:
        st.markdown(f"**{tr_plain('peer_groups.values_title')}**")
        tables.show(view.peer_values(result, comp, period, indicator, L), VALUES, key=f"{key}_values")


def indicator_section(user: UserLike, result: Assessment, root: str, period: int, indicator: str) -> None:
    """The indicator view's peers section: pick a reporting region under ``root``, then
    :func:`section` for that region and indicator."""
    from assessment.scoring.analysis import region_label
    from assessment.views import analysis_common as common

    L = lang()
    choices = common.leaf_codes(result.tree, root)
    if not choices:
        return
    region = st.selectbox(
        tr("peer_groups.region_label"),
        choices,
        format_func=lambda c: region_label(result.tree, c, L),
        key="indicator_peers_region",
    )
    section(user, result, region, period, key="indicator_peers", indicator=indicator)
