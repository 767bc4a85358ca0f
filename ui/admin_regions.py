"""The administration page's regions tab: the stored tree (or, on an empty database, what to
load), its CSV download (the format the loader reads) and the upload of a new tree (checked whole
by :func:`assessment.catalogue.regions.parse_region_csv`, saved by ``Store.save_region_tree``)."""

from __future__ import annotations

import streamlit as st

from assessment.catalogue.divisions import DIVISIONS_AS_OF, division_tree_csv, starting_points, unlisted_codes
from assessment.catalogue.regions import parse_region_csv
from assessment.domain.errors import DataFileError
from assessment.domain.model import RegionTree
from assessment.store.service import Store
from assessment.store.users import User
from assessment.views import admin as view
from ui import tables
from ui.safe import md
from ui.state import tr

FLASH = "admin_region_flash"
WARN = "admin_region_unlisted"


def _start_from_divisions(lang: str, *, expanded: bool) -> None:
    """Pick the nation or a province and download its tree from the national division list."""
    points = starting_points()
    names = {code: f"{code} {zh if lang == 'zh' else en}" for code, zh, en in points}
    with st.expander(tr("divisions.start_title"), expanded=expanded):
        st.caption(tr("divisions.start_help", as_of=DIVISIONS_AS_OF))
        code = st.selectbox(
            tr("divisions.start_pick"), list(names), format_func=names.__getitem__, key="admin_division_from"
        )
        st.download_button(
            tr("divisions.start_download", name=names[code]),
            division_tree_csv(code),
            file_name=f"regions_{code}.csv",
            mime="text/csv",
            key="admin_division_download",
        )


def regions_tab(store: Store, user: User, tree: RegionTree, lang: str) -> None:
    """Draw the regions tab (works on an empty database: then it says what to load)."""
    if len(tree):
        tables.show(
            view.region_frame(tree, lang),
            {
                "region_code": "col.code",
                "name": "col.region",
                "level": "col.level",
                "parent_code": "col.parent_code",
                "population": "col.population",
            },
            key="admin_regions",
            height=420,
        )
        st.download_button(
            tr("onboarding.region_download"),
            view.region_csv(tree),
            file_name="regions.csv",
            mime="text/csv",
            key="admin_region_download",
        )
    else:
        st.info(tr("onboarding.regions_empty"))
    _start_from_divisions(lang, expanded=not len(tree))
    for text in st.session_state.pop(FLASH, []):  # what the last save said, after its rerun
        st.success(text)
    if WARN in st.session_state:
        st.warning(st.session_state.pop(WARN))
    uploaded = st.file_uploader(tr("admin.region_upload"), type=["csv"], key="admin_region_csv")
    if uploaded is not None and st.button(tr("admin.create"), key="admin_region_save"):
        try:
            new_tree = parse_region_csv(uploaded.getvalue(), uploaded.name)
            counts = store.save_region_tree(user.username, new_tree)
            unlisted = unlisted_codes([r.code for r in new_tree])
        except DataFileError as err:
            st.error(md(err.messages(lang), lines=True))
        else:
            saved = tr(
                "admin.region_saved",
                added=counts.get("added", 0),
                updated=counts.get("updated", 0),
                retired=counts.get("retired", 0),
            )
            st.session_state[FLASH] = [saved]
            if unlisted:
                shown = ", ".join(unlisted[:20]) + (" …" if len(unlisted) > 20 else "")
                st.session_state[WARN] = tr(
                    "divisions.unlisted", count=len(unlisted), codes=shown, as_of=DIVISIONS_AS_OF
                )
            st.rerun()  # the checklist, the table and every page's tree from the new data version
