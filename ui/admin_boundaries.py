"""The administration page's boundaries tab: coverage, download, upload a GeoJSON file (checked in
the core by :func:`assessment.catalogue.boundaries.parse_boundaries`, saved by ``Store.save_boundaries``)."""

from __future__ import annotations

import json

import streamlit as st

from assessment.catalogue.boundaries import BoundarySet, feature_collection, parse_boundaries
from assessment.domain.errors import DataFileError
from assessment.domain.model import RegionTree
from assessment.store.service import Store
from assessment.store.users import User
from assessment.views import admin as view
from ui import charts, data, tables
from ui.safe import md
from ui.state import tr

UPLOAD = "admin_boundaries_file"
FLASH = "admin_boundaries_flash"
SAVE = "admin_boundaries_save"


def boundaries_tab(store: Store, user: User, tree: RegionTree, lang: str) -> None:
    st.caption(tr("admin.boundaries_caption"))
    for kind, text in st.session_state.pop(FLASH, []):  # what the last save said, after its rerun
        (st.success if kind == "success" else st.warning)(text)
    geo = data.boundaries()
    with_c, counties, with_j, jurisdictions, missing = view.boundary_coverage(tree, geo, lang)
    c1, c2, c3 = st.columns([1, 1, 2])
    c1.metric(tr("admin.boundaries_coverage"), f"{with_c} / {counties}")
    c2.metric(tr("admin.boundaries_jurisdictions"), f"{with_j} / {jurisdictions}")
    if geo.get("features"):
        c3.download_button(
            tr("admin.boundaries_download"),
            json.dumps(geo, ensure_ascii=False).encode("utf-8"),
            file_name="boundaries.geojson",
            mime="application/geo+json",
            key="admin_boundaries_download",
        )
    if geo.get("source") == "demo":
        st.info(tr("admin.boundaries_demo"))
    if len(missing):
        with st.expander(tr("admin.boundaries_missing", count=len(missing))):
            tables.show(
                missing,
                {"region_code": "col.code", "name": "col.region", "level": "col.level"},
                key="admin_boundaries_missing",
            )
    uploaded = st.file_uploader(tr("admin.boundaries_upload"), type=["geojson", "json"], key=UPLOAD)
    if uploaded is None:
        return
    try:  # checked as soon as it is chosen: errors at once, a preview before anything is stored
        checked = _check(uploaded.getvalue(), uploaded.name, data.data_version())
    except DataFileError as err:
        st.error(md(err.messages(lang), lines=True))
        return
    st.markdown(
        tr("admin.boundaries_preview", count=len(checked.geometries), vertices=f"{checked.vertices:,}")
    )
    for warning in checked.warnings:
        st.warning(md(warning.message(lang), lines=True))
    preview = feature_collection(checked.geometries, tree)
    st.plotly_chart(charts.outline_preview(preview), width="stretch", key="admin_boundaries_preview")
    if not st.button(tr("admin.boundaries_save"), type="primary", key=SAVE):
        return
    try:
        store.save_boundaries(user.username, checked.geometries, uploaded.name)
    except DataFileError as err:  # refused by the store (access, a region retired meanwhile)
        st.error(md(err.messages(lang), lines=True))
        return
    saved = tr("admin.boundaries_saved", count=len(checked.geometries), vertices=f"{checked.vertices:,}")
    st.session_state[FLASH] = [("success", saved)]
    st.rerun()  # redraw the coverage and the maps' cache key with the new boundaries


@st.cache_data(show_spinner=False, max_entries=2)
def _check(data_bytes: bytes, filename: str, version: str) -> BoundarySet:
    """The checked upload, kept across reruns (a country's file takes seconds to check)."""
    return parse_boundaries(data_bytes, filename, data.region_tree())
