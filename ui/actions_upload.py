"""The actions sheet on a page (issue 17 point 1): download it for a region, upload it filled in.

:func:`upload_panel` offers the region's actions workbook (only the actions sheet, pre-filled with the
stored actions; :func:`assessment.reports.actions_workbook.build_actions_workbook`) and a file uploader.
An uploaded file is imported once (:func:`assessment.accountability.sheet.import_actions_sheet`): every
row stored in one transaction, or nothing and every problem at its cell (``ui.problems``). The result
stays on the page across reruns without importing the file again.
"""

from __future__ import annotations

import streamlit as st

from assessment.accountability.sheet import ActionsImport, import_actions_sheet
from assessment.domain.errors import DataFileError
from assessment.store import Store
from ui.problems import show_problems
from ui.safe import md
from ui.state import lang, tr

__all__ = ["upload_panel"]

RESULT = "actions_upload_result"  # session state: (file id, ActionsImport) of the last upload


def _download(store: Store, username: str, region_code: str, period: int) -> None:
    from assessment.reports.actions_workbook import build_actions_workbook

    try:
        name, data = build_actions_workbook(store, username, region_code, period, lang=lang())
    except DataFileError as err:  # no approved figures for the period, or not the user's region
        st.info(md(err.messages(lang()), lines=True))
        return
    st.download_button(
        tr("actions_sheet.upload.download"),
        data=data,
        file_name=name,
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        key=f"actions_sheet_download_{region_code}_{period}",
    )


def _show(result: ActionsImport) -> None:
    if result.problems:
        st.error(tr("actions_sheet.upload.refused", n=len(result.problems)))
        show_problems(st, result.problems, lang())
    elif result.changed or result.unchanged:
        st.success(tr("actions_sheet.upload.done", changed=result.changed, unchanged=result.unchanged))
    else:
        st.info(tr("actions_sheet.upload.empty"))


def upload_panel(store: Store, username: str, region_code: str, period: int) -> ActionsImport | None:
    """Download and upload of the actions sheet of ``region_code`` for ``period``; the result of the
    upload shown (None while nothing was uploaded)."""
    st.caption(tr("actions_sheet.upload.intro"))
    _download(store, username, region_code, period)
    upload = st.file_uploader(tr("actions_sheet.upload.label"), type=["xlsx"], key="actions_sheet_upload")
    if upload is None:
        return None
    last = st.session_state.get(RESULT)
    if last is not None and last[0] == upload.file_id:
        result: ActionsImport = last[1]
    else:
        result = import_actions_sheet(store, username, upload.getvalue(), upload.name)
        st.session_state[RESULT] = (upload.file_id, result)
    _show(result)
    return result
