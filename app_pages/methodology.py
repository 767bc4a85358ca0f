"""Methodology (everyone): generated from the catalogue and the scoring method."""

from __future__ import annotations

import streamlit as st

from assessment.views import methodology as view
from ui import data, tables
from ui.state import lang, tr

L = lang()
schedule, _ = data.catalogue()
st.title(tr("methodology.title"))
ids = [e.id for e in reversed(schedule.editions)]
chosen = st.selectbox(tr("methodology.edition_pick"), ids, key="methodology_edition")
edition = schedule.get(chosen)
title = edition.title_zh if L == "zh" else edition.title_en
st.caption(tr("app.edition_caption", edition=edition.label, title=title))
st.markdown(tr("methodology.summary", edition=edition.id, **view.counts(edition)))
st.markdown(tr("methodology.method"))
st.markdown(tr("methodology.evidence_rules"))
st.markdown(tr("methodology.coverage_equity_rules"))
st.markdown(tr("methodology.costed_share"))  # issue 19 point 7: what a cost total covers
st.markdown(tr("methodology.accountability"))
st.markdown(tr("methodology.fiscal_rules"))

st.markdown(tr("methodology.peer_rules"))
st.subheader(tr("methodology.indicators_title"))
tables.show(
    view.indicator_table(edition, L),
    {
        "indicator_code": "col.code",
        "aspect": "col.aspect",
        "item": "col.item",
        "indicator": "col.indicator",
        "kind": "col.kind",
        "unit": "col.unit",
        "direction": "col.direction",
        "national_floor": "col.floor",
        "optimum": "col.optimum",
        "lower_bound": "col.lower_bound",
        "weight": "col.weight",
        "unit_cost": "col.unit_cost",
        "item_verified": "col.verified",
        "source": "col.source",
    },
    key="methodology_indicators",
    height=520,
)
st.caption(tr("overview.unconfirmed_note"))

st.subheader(tr("methodology.items_title"))
tables.show(
    view.item_table(edition, L),
    {
        "no": "col.no",
        "aspect": "col.aspect",
        "category": "col.category",
        "item": "col.item",
        "served_population": "col.served_population",
        "standard": "col.standard_text",
        "expenditure": "col.expenditure",
        "central_share": "col.central_share_ratio",
        "lead_department": "col.lead_department",
        "verified": "col.verified",
        "source": "col.source",
    },
    key="methodology_items",
    height=520,
)
st.caption(tr("methodology.provenance", edition=edition.id))
