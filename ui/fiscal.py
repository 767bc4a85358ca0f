"""Fiscal affordability sections (issue 19 point 7): the region page's figures, the overview's burden
table and "best yuan" list, the standards page's cost of each local standard. Thin: the tables come
from :mod:`assessment.views.affordability`; the viewer's assessment already holds only what they
may see (the same access as the cost figures)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import pandas as pd
import streamlit as st

from assessment.domain.model import LocalStandard
from assessment.scoring.analysis import Assessment
from assessment.views import affordability as view
from ui.render_cache import memo
from ui.state import lang, tr


def region_section(result: Assessment, region: str, period: int) -> None:
    """Cost to close against the region's own revenue, the central part, the band."""
    L = lang()
    st.subheader(tr("fiscal.title"))
    fig = view.region_summary(result, region, period, L)
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(tr("fiscal.kpi.cost_total"), fig["cost_total"], help=fig["costed"])
    k2.metric(tr("fiscal.kpi.cost_central"), fig["cost_central"])
    k3.metric(tr("fiscal.kpi.local_share_revenue"), fig["local_share_revenue"])
    k4.metric(tr("fiscal.kpi.band"), fig["band"])
    st.caption(fig["costed"] + (" " + fig["note"] if fig["note"] else ""))
    st.caption(tr("fiscal.caption"))


def overview_section(
    result: Assessment, period: int, cache: tuple[tuple[Hashable, ...], str] | None = None
) -> None:
    """The burden table (heaviest first) and the "best yuan" list of the jurisdiction; ``cache``:
    the key and data version to keep the tables under (``ui.render_cache``; the key names the
    jurisdiction, basis, period and language of ``result``)."""
    L = lang()

    def build() -> tuple[pd.DataFrame, pd.DataFrame]:
        return view.burden_table(result, period, L), view.best_yuan_table(result, period, L)

    burden, best = build() if cache is None else memo("fiscal.overview", cache[0], cache[1], build)
    st.subheader(tr("fiscal.burden_title"))
    st.dataframe(burden, hide_index=True, key="fiscal_burden")
    st.caption(tr("fiscal.caption"))
    st.subheader(tr("fiscal.best_title"))
    if best.empty:
        st.info(tr("fiscal.best_empty"))
    else:
        st.dataframe(best, hide_index=True, key="fiscal_best_yuan")
        st.caption(tr("fiscal.best_caption"))


def standards_section(result: Assessment, standards: Iterable[LocalStandard], scope: str) -> None:
    """What each of ``scope``'s local standards costs the regions below it."""
    st.subheader(tr("fiscal.standards_title"))
    table = view.standard_costs_table(result, standards, scope, lang())
    if table.empty:
        st.info(tr("fiscal.standards_empty"))
        return
    st.dataframe(table, hide_index=True, key="fiscal_standard_costs")
    st.caption(tr("fiscal.standards_caption"))
