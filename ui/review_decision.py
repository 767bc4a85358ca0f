"""The review page's decision: no default, confirmation when queries are open, the new state after
every decision (issue 16, point 6)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.domain.model import RegionTree
from assessment.store import REASON_CODES, Store, Submission, User
from assessment.views import review as views
from ui import conversation
from ui.safe import md
from ui.state import lang, tr


def decision_form(
    s: Store,
    user: User,
    sub: Submission,
    versions: pd.DataFrame,
    still_open: int,
    tree: RegionTree,
    flash: str,
) -> None:
    """Approve, return or reopen ``sub``; on success the outcome goes to ``st.session_state[flash]``
    and the page reruns with the selector, decision and comment reset to the new state."""
    L = lang()
    actor = user.username
    st.subheader(tr("review.decide_title"))
    allowed = views.decisions_for(sub.status, sub.version == int(versions["version"].max()))
    if not allowed:
        st.info(tr("review.no_action", status=tr(f"store.status.{sub.status}")))
        return
    decision = st.radio(
        tr("review.decision"),
        allowed,
        index=None,  # no default: the evaluator chooses every time
        format_func=lambda d: tr(f"review.action.{d}"),
        horizontal=True,
        key="review_decision",
    )
    if decision is None:
        st.caption(tr("conv.decision_prompt"))
    with st.form("review_form"):
        reason = None
        confirmed = True
        if decision == "return":
            reason = st.selectbox(
                tr("review.reason"),
                REASON_CODES,
                format_func=lambda r: tr(f"store.reason.{r}"),
                key="review_reason",
            )
        if decision == "approve" and still_open:
            confirmed = st.checkbox(tr("conv.approve_with_open", n=still_open), key="review_confirm_open")
        comment = st.text_area(
            tr("review.comment"), max_chars=2000, key="review_comment", help=tr("review.comment_help")
        )
        go = st.form_submit_button(tr("review.submit"), type="primary", key="review_submit")
    if go and decision is None:
        st.error(tr("conv.decision_required"))
    elif go and not confirmed:
        st.warning(tr("conv.approve_confirm_needed", n=still_open))
    elif go:
        try:
            if decision == "reopen":
                done = s.reopen(actor, sub.id, comment.strip())
            else:
                done = s.review(actor, sub.id, str(decision), comment.strip(), reason)
        except DataFileError as err:
            st.error(md(err.messages(L), lines=True))
        else:
            status = tr(f"store.status.{done.status}")
            st.session_state[flash] = tr(
                "review.done", label=views.submission_label(done, tree, L, status=False), status=status
            )
            conversation.reset_later(
                {
                    "review_pick": done.id,
                    "review_decision": None,
                    "review_comment": "",
                    "review_confirm_open": False,
                }
            )
            st.query_params["submission"] = str(done.id)
            st.rerun()
