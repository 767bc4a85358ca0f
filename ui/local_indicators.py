"""The local-standards page's section on local-only indicators: those that apply to the
jurisdiction, a download in the import format, and an upload (CSV or Excel) checked whole before
anything is saved. The store checks again and refuses a jurisdiction outside the user's scope."""

from __future__ import annotations

import streamlit as st

from assessment.catalogue.local_indicators import local_indicators_csv, parse_standards_file
from assessment.domain.editions import with_local_indicators
from assessment.domain.errors import DataFileError
from assessment.domain.model import RegionTree
from assessment.intake.sheet_csv import table_text
from assessment.store.service import Store
from assessment.views import local_indicators as view
from assessment.views.upload import problems_frame
from ui import tables
from ui.data import catalogue
from ui.safe import md
from ui.state import tr

FLASH = "local_indicators_flash"


def local_indicators_section(store: Store, actor: str, scope: str, tree: RegionTree, lang: str) -> None:
    """Draw the section for ``scope`` (the caller checked the user may set its standards)."""
    st.subheader(tr("local_indicators.ui.title"))
    st.caption(tr("local_indicators.ui.intro"))
    for level, text in st.session_state.pop(FLASH, []):
        getattr(st, level)(text)
    schedule, local = catalogue()
    shown = view.related(local, tree, scope)
    if shown:
        tables.show(
            view.local_table(shown, tree, lang),
            {c: f"local_indicators.col.{c}" for c in view.COLUMNS},
            key="local_indicators_table",
        )
    else:
        st.info(tr("local_indicators.ui.empty"))
    own = [li for li in shown if li.jurisdiction_code == scope]
    st.download_button(
        tr("local_indicators.ui.download"),
        local_indicators_csv(own),
        file_name=f"local_indicators_{scope}.csv",
        mime="text/csv",
        key="local_indicators_download",
    )
    upload = st.file_uploader(
        tr("local_indicators.ui.upload"), type=["csv", "xlsx"], key="local_indicators_upload"
    )
    if upload is None:
        return
    try:
        text = table_text(upload.getvalue(), upload.name)
        defined, standards = parse_standards_file(
            text, schedule.latest(), tree, local, upload.name, editions=schedule.editions
        )
    except DataFileError as err:
        st.error(tr("local_indicators.ui.refused", n=len(err.problems)))
        st.dataframe(problems_frame(err.problems, lang), hide_index=True, key="local_indicators_problems")
        return
    if not defined and not standards:
        st.info(tr("local_indicators.ui.nothing"))
        return
    st.success(tr("local_indicators.ui.preview", defined=len(defined), standards=len(standards)))
    if defined:
        tables.show(
            view.local_table(defined, tree, lang),
            {c: f"local_indicators.col.{c}" for c in view.COLUMNS},
            key="local_indicators_preview",
        )
    if st.button(tr("local_indicators.ui.save"), type="primary", key="local_indicators_save"):
        try:
            if defined:
                store.save_local_indicators(actor, defined)
            edition = store.edition_schedule().latest()
            extended = with_local_indicators(edition, store.local_indicators(), tree)
            for std in standards:
                store.set_local_standard(actor, std, extended, tree)
        except DataFileError as err:
            st.error(md(err.messages(lang), lines=True))
            return
        st.session_state[FLASH] = [
            ("success", tr("local_indicators.ui.saved", defined=len(defined), standards=len(standards)))
        ]
        st.rerun()
