"""Widgets of the reporting round as a conversation (issue 16, points 1 and 4).

* :func:`official_banner`: on an official's pages, a banner per returned latest version (the full
  comment, the reason, the reviewer, the date in Beijing time) and the count of open queries.
* :func:`exchange`: returns, replies, reopenings, approvals and queries in time order.
* :func:`answer_queries`: the official's open queries, each with an answer box.
* :func:`review_queries`: the reviewer's queries of a region and period, a form to raise one on a
  value of the submission, and one to close a query.

User text is never rendered as markup: it goes through :func:`ui.safe.md` / ``tr`` or table cells.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.domain.model import Edition
from assessment.store.workflow import Submission
from assessment.views import conversation as views
from ui import data
from ui.safe import md, md_frame
from ui.state import lang, tr

FLASH = "conv_flash"  # session: the outcome of the last query action, shown after the rerun
RESET = "conv_reset"  # session: widget values to set at the start of the next run
ANSWER_MAX = 2000


def reset_later(values: Mapping[str, object]) -> None:
    """Give widgets these values on the next run (call before ``st.rerun``).

    Popping a widget's key is not enough: the browser keeps showing what it had (a select box its
    old label, a text area its old text). A value set in ``st.session_state`` before the widget is
    drawn is sent to the browser, so the widget shows the new state."""
    st.session_state.setdefault(RESET, {}).update(values)


def apply_resets() -> None:
    """Set the values :func:`reset_later` left (at the top of a page, before any widget)."""
    for key, value in st.session_state.pop(RESET, {}).items():
        st.session_state[key] = value


def _flash() -> None:
    if FLASH in st.session_state:
        st.success(st.session_state.pop(FLASH))


def notice_text(notice: views.ReturnNotice) -> str:
    """The banner of one returned version: a line of facts, then the full comment as typed."""
    head = tr(
        "conv.banner",
        period=notice.period,
        version=notice.version,
        reason=notice.reason,
        reviewer=notice.reviewer,
        at=notice.at,
    )
    return f"{head}\n\n{md(notice.comment, lines=True)}\n\n{tr('conv.banner_next')}"


def official_banner(actor: str, role: str, region: str, period: int | None = None) -> None:
    """For an official: the returned latest versions of ``region`` (of ``period``, or of every
    period) and the number of queries waiting for an answer. Nothing for other roles."""
    if role != "official":
        return
    s = data.store()
    L = lang()
    try:
        subs = s.submissions(actor, region_code=region)
        returned = views.returned_latest(subs, period)
        waiting = views.unresolved(s.value_queries(actor, region_code=region, period=period, status="open"))
    except DataFileError as err:
        st.error(md(err.messages(L), lines=True))
        return
    for sid in returned:
        notice = views.return_notice(s.submission(actor, sid), L)
        if notice is not None:
            st.warning(notice_text(notice), icon="↩")
    if len(waiting):
        st.info(tr("conv.open_queries_notice", n=len(waiting)), icon="❓")


def exchange(actor: str, region: str, period: int, edition: Edition | None, where: object = st) -> None:
    """The exchange of one region and period as a table (or a note when nothing was said)."""
    frame = data.store().exchange(actor, region, period)
    if frame.empty:
        where.caption(tr("conv.exchange_empty"))  # type: ignore[attr-defined]
        return
    # a static table: every comment, reply and question in full, wrapped (escaped: user text)
    where.table(md_frame(views.exchange_table(frame, edition, lang())), hide_index=True)  # type: ignore[attr-defined]


def answer_queries(actor: str, region: str, period: int, edition: Edition | None) -> None:
    """The official's queries of ``region`` and ``period``: each unresolved one with an answer box."""
    s = data.store()
    L = lang()
    apply_resets()
    _flash()
    queries = s.value_queries(actor, region_code=region, period=period)
    if queries.empty:
        st.caption(tr("conv.no_queries"))
        return
    st.table(md_frame(views.queries_table(queries, edition, L)), hide_index=True)  # questions in full
    for row in views.unresolved(queries).itertuples(index=False):
        with st.container(border=True):
            st.markdown(
                tr(
                    "conv.query_head",
                    id=int(row.id),
                    indicator=views.indicator_label(str(row.indicator_code), edition, L),
                    version=int(row.version) if not pd.isna(row.version) else "",
                    who=str(row.raised_by),
                )
            )
            st.text(str(row.question))
            box = f"conv_answer_{int(row.id)}"
            text = st.text_area(tr("conv.answer"), max_chars=ANSWER_MAX, key=box, help=tr("conv.answer_help"))
            if st.button(tr("conv.answer_submit"), key=f"conv_answer_go_{int(row.id)}"):
                try:
                    s.answer_query(actor, int(row.id), text)
                except DataFileError as err:
                    st.error(md(err.messages(L), lines=True))
                else:
                    reset_later({box: ""})
                    st.session_state[FLASH] = tr("conv.answered", id=int(row.id))
                    st.rerun()


def review_queries(
    actor: str, sub: Submission, values: pd.DataFrame, edition: Edition | None
) -> pd.DataFrame:
    """The queries of the submission's region and period, a form to raise one on a value of
    ``sub`` (its ``values``: :meth:`Store.submission_values`) and one to close a query. Returns the
    queries (for the approval's confirmation)."""
    s = data.store()
    L = lang()
    apply_resets()
    _flash()
    queries = s.value_queries(actor, submission_id=sub.id)
    if queries.empty:
        st.caption(tr("conv.no_queries"))
    else:
        st.table(md_frame(views.queries_table(queries, edition, L)), hide_index=True)  # questions in full
    codes = [str(c) for c in values["indicator_code"]]
    col_raise, col_close = st.columns(2)
    if sub.status != "superseded" and codes:
        with col_raise.form("conv_raise_form"):
            st.markdown(tr("conv.raise_title", version=sub.version))
            code = st.selectbox(
                tr("conv.raise_indicator"),
                codes,
                index=None,
                placeholder=tr("conv.raise_indicator_prompt"),
                format_func=lambda c: views.indicator_label(c, edition, L),
                key="conv_raise_indicator",
            )
            question = st.text_area(
                tr("conv.raise_question"), max_chars=ANSWER_MAX, key="conv_raise_question"
            )
            go = st.form_submit_button(tr("conv.raise_submit"), key="conv_raise_go")
        if go:
            if code is None:
                col_raise.error(tr("conv.raise_pick_first"))
            else:
                try:
                    ident = s.raise_query(actor, sub.id, code, question)
                except DataFileError as err:
                    col_raise.error(md(err.messages(L), lines=True))
                else:
                    reset_later({"conv_raise_indicator": None, "conv_raise_question": ""})
                    st.session_state[FLASH] = tr("conv.raised", id=ident)
                    st.rerun()
    still = views.unresolved(queries)
    if len(still):
        with col_close.form("conv_close_form"):
            st.markdown(tr("conv.close_title"))
            labels = {
                int(
                    r.id
                ): f"#{int(r.id)} {r.indicator_code} · {views.query_state(str(r.status), r.corrected_in, L)}"
                for r in still.itertuples(index=False)
            }
            pick = st.selectbox(
                tr("conv.close_pick"),
                list(labels),
                index=None,
                placeholder=tr("conv.close_pick_prompt"),
                format_func=labels.get,
                key="conv_close_pick",
            )
            note = st.text_input(tr("conv.close_note"), max_chars=ANSWER_MAX, key="conv_close_note")
            shut = st.form_submit_button(tr("conv.close_submit"), key="conv_close_go")
        if shut:
            if pick is None:
                col_close.error(tr("conv.close_pick_first"))
            else:
                try:
                    s.close_query(actor, int(pick), note)
                except DataFileError as err:
                    col_close.error(md(err.messages(L), lines=True))
                else:
                    reset_later({"conv_close_pick": None, "conv_close_note": ""})
                    st.session_state[FLASH] = tr("conv.closed", id=int(pick))
                    st.rerun()
    return queries
