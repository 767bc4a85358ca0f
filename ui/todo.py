"""The to-do panel of the landing pages (issue 16, point 3): evaluators on the overview, officials on
their region page. Built by :mod:`assessment.views.todo` from store reads; links with
``st.page_link``. A failing read never breaks the landing page: the panel is then left out.

Open value queries come from ``Store.value_queries`` (issue 16, point 4) when the store has it."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.store.service import Store
from assessment.store.users import User
from assessment.views import todo as view
from ui import conversation, data
from ui.state import lang, tr, tr_plain

# one compact line per item: a coloured mark by urgency, the text, its link on the same line
MARK = {"error": ":red[●]", "warning": ":orange[●]", "info": ":blue[●]", "success": ":green[●]"}
RECENT_PERIODS = 3  # periods with a deadline looked at for the "next deadline"


def _open_queries(store: Store, actor: str) -> pd.DataFrame:
    """The actor's value queries (the to-do counts those still waiting for an answer)."""
    return store.value_queries(actor)


def _deadline(
    store: Store, actor: str, region: str, periods: list[int], now: datetime
) -> view.Deadline | None:
    found = {p: view.deadline_of(p, store.effective_deadline(actor, region, p), now) for p in periods}
    return view.next_deadline(found)


def items_for(store: Store, user: User, home: str, now: datetime | None = None) -> list[view.TodoItem]:
    """The to-do items of ``user`` (scope ``home``): empty for other roles."""
    now = now or datetime.now(UTC)
    actor = user.username
    periods = sorted({int(p) for p in store.deadlines(actor)["period"]}, reverse=True)[:RECENT_PERIODS]
    if user.role == "official":
        subs = store.submissions(actor)
        return view.official_items(
            subs, _open_queries(store, actor), _deadline(store, actor, home, periods, now)
        )
    if user.role != "evaluator":
        return []
    queue = store.review_queue(actor)
    completeness = store.completeness(actor, periods[0], jurisdiction=home) if periods else None
    due = _deadline(store, actor, home, periods, now)
    tree = data.region_tree()
    return view.evaluator_items(queue, completeness, _open_queries(store, actor), due, tree, lang())


def todo_panel(user: User, home: str, roles: tuple[str, ...] = ("evaluator", "official")) -> None:
    """Draw the to-do list of ``user`` when its role is one of ``roles`` (evaluators and officials
    have one; nothing for others)."""
    if user.role not in roles or user.role not in ("evaluator", "official"):
        return
    try:
        items = items_for(data.store(), user, home)
    except DataFileError:
        return
    with st.container(border=True):
        st.markdown(f"**{tr('todo.title')}**")
        if not items:
            st.caption(tr("todo.nothing"))
        for item in items:
            text, link = st.columns([5, 1], vertical_alignment="center")
            text.markdown(f"{MARK.get(item.level, MARK['info'])} {tr(item.key, **dict(item.fields))}")
            if item.page and item.link_key:
                link.page_link(item.page, label=tr_plain(item.link_key))


def official_landing(user: User, home: str) -> None:
    """An official's landing: the banner of a returned report (the reviewer's comment in full),
    then the to-do list (the return, open queries, the next deadline). Nothing for other roles."""
    conversation.official_banner(user.username, user.role, home)
    todo_panel(user, home, roles=("official",))
