"""An upload's files, for the review page and the admin page's audit tab (issue 15 point 6).

Everyone who may view a submission downloads the values-only copy (formulas replaced by their
saved results, links and DDE removed). Administrators also get the original bytes, with a warning
beside the button: they may hold formulas or links that run when opened.
:meth:`Store.original_file` enforces the rule; hiding the button is only the visible half.
"""

from __future__ import annotations

import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.store import Store
from assessment.store.users import User
from assessment.store.workflow import Submission
from assessment.views import review as views
from ui import data_workflow as wf
from ui.auth import can
from ui.data import region_tree
from ui.state import tr


def downloads(user: User, sub: Submission, lang: str, key: str) -> None:
    """What the original held (a warning, when anything), the values-only download and, for
    administrators, the original's download with its warning. ``key`` prefixes the widget keys."""
    note = views.active_content_note(wf.active_content(user.username, sub.id), lang)
    if note:
        st.warning(note)
    st.download_button(
        tr("review.download_values"),
        data=wf.values_only_file(user.username, sub.id),
        file_name=views.values_name(sub.filename),
        help=tr("review.download_values_help"),
        on_click="ignore",
        key=f"{key}_values_only",
    )
    if can(user, "download_original", sub.region_code):
        st.warning(tr("review.original_warning"))
        st.download_button(
            tr("review.download_original"),
            data=wf.original_file(user.username, sub.id),
            file_name=sub.filename,
            on_click="ignore",
            key=f"{key}_original",
        )


def uploads_section(store: Store, user: User, lang: str) -> None:
    """Admin page: pick a submission by its number and download its files."""
    st.subheader(tr("admin.uploads_title"))
    picked = st.number_input(tr("admin.uploads_id"), min_value=1, step=1, value=None, key="admin_upload_id")
    if picked is None:
        return
    try:
        sub = store.submission(user.username, int(picked))
    except DataFileError as err:
        st.error(err.messages(lang))
        return
    st.caption(views.submission_label(sub, region_tree(), lang))
    downloads(user, sub, lang, "admin")
