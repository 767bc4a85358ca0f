"""The evaluator's side of the actions page (issue 17): the register of a jurisdiction and period
(counts, the share of last period's gaps closed, the escalated flag) and a tab per list: plans to
review (accept, or return with a comment: ``Store.review_action``), due this period, overdue,
escalated (flagged red), closed by the data, gaps without an action, the early-warning list and an
action's audited history (Beijing time)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.accountability.service import Register
from assessment.domain.errors import DataFileError
from assessment.scoring.analysis import Assessment
from assessment.store.users import User
from assessment.views import actions as view
from ui import data
from ui.actions import FLASH, counts, flash, history_table, table, warning_list
from ui.safe import md
from ui.state import lang, tr, tr_plain

REVIEW_COLUMNS = (
    "id",
    "region",
    "period",
    "indicator",
    "measures",
    "department",
    "budget_total",
    "due_period",
    "status",
)
ACTION_COLUMNS = (  # what the data say first: the reason the action is in the tab
    "region",
    "period",
    "indicator",
    "outcome_text",
    "due_period",
    "status",
    "review",
    "comment",
    "department",
    "budget_total",
    "measures",
    "id",
)


def _option(rows: pd.DataFrame) -> dict[int, str]:
    return {
        int(r["id"]): tr_plain(
            "actions_ui.option",
            id=int(r["id"]),
            region=r["region"],
            indicator=r["indicator"],
            period=r["period"],
        )
        for r in rows.to_dict("records")
    }


def _review(user: User, pending: pd.DataFrame) -> None:
    """Accept a plan, or return it with a comment (Store.review_action)."""
    table(pending, REVIEW_COLUMNS, key="actions_review_table")
    options = _option(pending)
    pick = st.selectbox(
        tr("actions_ui.review_pick"),
        list(options),
        format_func=options.__getitem__,
        key="actions_review_pick",
    )
    comment = st.text_area(tr("actions_ui.review_comment"), key="actions_review_comment")
    accept, back = st.columns(2)
    decision = None
    if accept.button(tr("actions_ui.accept"), type="primary", key="actions_accept"):
        decision = "accepted"
    if back.button(tr("actions_ui.return"), key="actions_return"):
        decision = "returned"
    if decision is None or pick is None:
        return
    try:
        data.store().review_action(user.username, int(pick), decision, comment.strip())
    except DataFileError as err:
        st.error(md(err.messages(lang()), lines=True))
        return
    st.session_state[FLASH] = tr(f"actions_ui.reviewed.{decision}", id=int(pick))
    st.session_state.pop("actions_review_comment", None)
    st.rerun()


def _history(user: User, rows: pd.DataFrame) -> None:
    options = _option(rows)
    pick = st.selectbox(
        tr("actions_ui.history_pick"),
        list(options),
        format_func=options.__getitem__,
        key="actions_history_pick",
    )
    if pick is None:
        return
    history_table(user, int(pick))


def evaluator_view(user: User, result: Assessment, reg: Register, period: int) -> None:
    """The register of the jurisdiction: counts, closure, and a tab per list."""
    L = lang()
    tree = data.region_tree()
    edition = result.edition_of(period)
    st.caption(tr("actions_ui.intro_evaluator"))
    flash()
    counts(reg)
    rows = view.action_rows(reg.actions, result.scores, tree, edition, L)
    tabs = st.tabs([tr_plain(f"actions_ui.tab.{name}") for name in view.TABS])
    for tab, name in zip(tabs, view.TABS, strict=True):
        with tab:
            if name in ("review", "due", "overdue", "escalated", "closed"):
                some = view.tab_rows(rows, reg.actions, name)
                if some.empty:
                    st.caption(tr("actions_ui.empty"))
                elif name == "review":
                    _review(user, some)
                else:
                    table(some, ACTION_COLUMNS, key=f"actions_{name}")
            elif name == "without":
                gaps = view.gap_rows(reg.gaps, reg.actions, tree, edition, L)
                gaps = gaps.loc[gaps["action_id"].isna().to_numpy()]
                table(
                    gaps,
                    ("region", "indicator", "gap_kind", "value", "threshold", "shortfall", "earlier"),
                    key="actions_without",
                )
            elif name == "warnings":
                warning_list(reg, result, period, with_region=True)
            elif not rows.empty:
                _history(user, rows)
            else:
                st.caption(tr("actions_ui.empty"))
