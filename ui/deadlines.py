"""The deadline panel of the review page (issue 16, point 2): the jurisdiction's deadline for the
period with the days left, who has not reported or reported late (with CSV and Excel downloads),
and, for the jurisdiction's own evaluator, a form to set (or remove) its deadline."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assessment.domain.errors import DataFileError
from assessment.domain.i18n import t
from assessment.domain.model import RegionTree
from assessment.notify.times import beijing_day, beijing_text
from assessment.store.service import Store
from assessment.store.users import User
from assessment.views import todo as view
from ui.auth import can
from ui.data import region_tree as store_tree
from ui.safe import md
from ui.state import lang as lang_now
from ui.state import tr

FLASH = "deadline_flash"


def _name(tree: RegionTree, code: str, lang: str) -> str:
    if code not in tree:
        return code
    reg = tree.get(code)
    return reg.name_zh if lang == "zh" else (reg.name_en or reg.name_zh)


def _left(due: view.Deadline) -> str:
    if due.days_left > 0:
        return tr("deadline.left", days=due.days_left)
    if due.days_left == 0:
        return tr("deadline.today")
    return tr("deadline.passed", days=-due.days_left)


def deadline_panel(
    store: Store,
    user: User,
    period: int,
    completeness: pd.DataFrame,
    tree: RegionTree,
    lang: str,
    jurisdiction: str,
) -> None:
    """Draw the panel for ``jurisdiction`` (the reviewer's scope) and ``period``."""
    for text in st.session_state.pop(FLASH, []):
        st.success(text)
    st.markdown(f"**{tr('deadline.title')}**")
    now = datetime.now(UTC)
    try:
        found = store.effective_deadline(user.username, jurisdiction, period)
    except DataFileError as err:
        st.error(md(err.messages(lang), lines=True))
        return
    due = view.deadline_of(period, found, now)
    if due is None:
        st.caption(tr("deadline.none", period=period))
    else:
        by = _name(tree, due.set_by, lang)
        st.info(tr("deadline.current", period=period, date=due.text, by=by, left=_left(due)))
    listed = view.not_reported(completeness, tree, lang)
    if len(listed):
        with st.expander(tr("deadline.not_reported_title", n=len(listed)), expanded=False):
            st.dataframe(listed, hide_index=True, key="deadline_not_reported")
            c1, c2 = st.columns(2)
            c1.download_button(
                tr("deadline.download_csv"),
                view.csv_bytes(listed),
                file_name=f"not_reported_{jurisdiction}_{period}.csv",
                mime="text/csv",
                key="deadline_csv",
            )
            c2.download_button(
                tr("deadline.download_xlsx"),
                lambda: view.xlsx_bytes(listed, t("deadline.sheet", lang)),
                file_name=f"not_reported_{jurisdiction}_{period}.xlsx",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="deadline_xlsx",
            )
    elif len(completeness):
        st.caption(tr("deadline.all_reported"))
    if can(user, "set_deadline", jurisdiction):
        _form(store, user, period, tree, lang, jurisdiction, due)


def _form(
    store: Store,
    user: User,
    period: int,
    tree: RegionTree,
    lang: str,
    jurisdiction: str,
    due: view.Deadline | None,
) -> None:
    region = _name(tree, jurisdiction, lang)
    own = due is not None and due.set_by == jurisdiction
    default = beijing_day(due.deadline) if due is not None else date(period + 1, 3, 31)
    with st.form("deadline_form"):
        st.markdown(tr("deadline.set_title", region=region))
        st.caption(tr("deadline.set_help"))
        day = st.date_input(tr("deadline.date"), value=default, key="deadline_date")
        save = st.form_submit_button(tr("deadline.save"))
    if save and isinstance(day, date):
        # the end of the chosen day in Beijing (UTC+8) is 16:00 UTC of that day
        at = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=16)
        try:
            store.set_deadline(user.username, period, at, jurisdiction)
        except DataFileError as err:
            st.error(md(err.messages(lang), lines=True))
            return
        st.session_state[FLASH] = [tr("deadline.saved", region=region, period=period, date=beijing_text(at))]
        st.rerun()
    is_root = len(tree) > 0 and tree.root.code == jurisdiction
    if own and not is_root and st.button(tr("deadline.clear"), key="deadline_clear"):
        try:
            store.clear_deadline(user.username, period, jurisdiction)
        except DataFileError as err:
            st.error(md(err.messages(lang), lines=True))
            return
        st.session_state[FLASH] = [tr("deadline.cleared", region=region, period=period)]
        st.rerun()


def deadline_caption(store: Store, user: User, region: str, period: int, where: DeltaGenerator) -> None:
    """One line under the upload page's period: the region's effective deadline and the days left."""
    try:
        found = store.effective_deadline(user.username, region, period)
    except DataFileError:
        return
    due = view.deadline_of(period, found, datetime.now(UTC))
    if due is not None:
        by = _name(store_tree(), due.set_by, lang_now())
        where.caption(tr("deadline.current", period=period, date=due.text, by=by, left=_left(due)))
