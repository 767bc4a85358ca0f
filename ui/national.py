"""The national context of a province for its evaluator: the province's overall score against the
median of the country's provinces and its rank among them (computed in the core by
:func:`assessment.views.national.national_context`, which returns only those few numbers)."""

from __future__ import annotations

import streamlit as st

from assessment.views.national import NationalContext, national_context, national_province
from ui import data
from ui.state import lang, tr


@st.cache_resource(show_spinner=False, max_entries=16)
def _context(actor: str, period: int, basis: str, version: str) -> NationalContext | None:
    user = data.store().get_user(actor)
    if user is None or user.role != "evaluator" or not user.scope_region_code:
        return None  # as national_context decides it
    # nobody's province but a provincial evaluator's: decided on the tree this process holds (per
    # reference version) instead of national_context reading it again for every data version
    if national_province(data.region_tree(), user.scope_region_code) is None:
        return None
    return national_context(data.store(), actor, period, basis)


def national_panel(actor: str, period: int, basis: str = "standard") -> None:
    """A row of figures for a provincial evaluator of a national tree; nothing for anyone else.
    The core decides who gets a context; the cache key includes the actor."""
    ctx = _context(actor, int(period), basis, data.data_version())
    if ctx is None:
        return
    province = data.region_tree().get(ctx.province)
    name = province.name_zh if lang() == "zh" else province.name_en
    st.subheader(tr("national.panel_title", region=name))
    k1, k2, k3 = st.columns(3)
    k1.metric(tr("national.kpi_score"), "–" if ctx.score is None else f"{ctx.score:.1f}")
    delta = None if ctx.score is None or ctx.median is None else f"{ctx.score - ctx.median:+.1f}"
    k2.metric(tr("national.kpi_median"), "–" if ctx.median is None else f"{ctx.median:.1f}", delta=delta)
    rank = "–" if ctx.rank is None else tr("national.kpi_rank_value", rank=ctx.rank, n=ctx.n_ranked)
    k3.metric(tr("national.kpi_rank"), rank)
    st.caption(tr(f"national.caption_{basis}", n=ctx.n_provinces, period=ctx.period))
