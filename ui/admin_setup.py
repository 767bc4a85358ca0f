"""The administration page's first-run checklist (region tree, boundaries, editions, local
standards, accounts, reporting deadlines: what is done and what to do next) and its reporting
deadlines tab (``Store.set_deadline``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import streamlit as st

from assessment.catalogue import list_editions, load_edition
from assessment.domain.errors import DataFileError
from assessment.domain.model import RegionTree
from assessment.store.service import Store
from assessment.store.users import User
from assessment.views import admin as view
from ui import data
from ui.data_workflow import deadlines, this_year
from ui.safe import Markdown, md
from ui.state import tr

FLASH = "admin_deadline_flash"
# Streamlit's bundled icon font: no emoji font needed on the viewer's machine
# the checklist's icons: the page's own markdown, filled into a template as it is (``Markdown``)
DONE, TODO, OPTIONAL = (
    Markdown(":material/check_circle:"),
    Markdown(":material/radio_button_unchecked:"),
    Markdown(":material/remove:"),
)


def deadline_periods() -> list[int]:
    """The reporting years the checklist and the deadlines tab look at: five back, one ahead."""
    year = this_year()
    return list(range(year - 5, year + 2))


def checklist(store: Store, tree: RegionTree, lang: str) -> list[view.SetupStep]:
    """Draw the first-run checklist (open while a required step is missing); returns its steps."""
    geo = data.boundaries() if len(tree) else {}
    codes = [f.get("properties", {}).get("code") for f in geo.get("features", [])]
    steps = view.setup_checklist(
        tree,
        codes,
        [load_edition(e) for e in list_editions()],
        store.local_standards(),
        store.users(),
        deadlines(deadline_periods()),
        lang,
    )
    required = [s for s in steps if not s.optional]
    done = sum(s.done for s in required)
    with st.expander(tr("onboarding.checklist_title"), expanded=done < len(required)):
        if done == len(required):
            st.markdown(
                f"{DONE} {tr('onboarding.checklist_complete')}"
            )  # not an alert: the tabs' own come first
        else:
            st.progress(
                done / len(required), text=tr("onboarding.checklist_progress", done=done, total=len(required))
            )
        lines = []
        for s in steps:
            mark = DONE if s.done else (OPTIONAL if s.optional else TODO)
            status = tr(
                "onboarding.done" if s.done else "onboarding.optional" if s.optional else "onboarding.todo"
            )
            line = tr(
                "onboarding.line",
                mark=mark,
                step=tr(f"onboarding.step.{s.key}"),
                status=status,
                state=s.state,
            )
            if s.next_step:
                line += f"  \n　　→ {md(s.next_step)}"
            lines.append(f"- {line}")
        st.markdown("\n".join(lines))
    return steps


def deadlines_tab(store: Store, user: User, lang: str) -> None:
    """Reporting deadlines: the ones set, and a form to set one (the end of the chosen day in Beijing)."""
    for text in st.session_state.pop(FLASH, []):
        st.success(text)
    st.caption(tr("onboarding.deadline_caption"))
    known = deadlines(deadline_periods())
    if known:
        st.markdown("\n".join(f"- {p}: {d:%Y-%m-%d}" for p, d in sorted(known.items(), reverse=True)))
    else:
        st.info(tr("onboarding.deadlines_none"))
    with st.form("admin_deadline_form"):
        c1, c2 = st.columns(2)
        period = int(
            c1.number_input(
                tr("onboarding.deadline_period"),
                min_value=2000,
                max_value=2100,
                value=this_year() - 1,
                step=1,
                key="admin_deadline_period",
            )
        )
        day = c2.date_input(
            tr("onboarding.deadline_date"), value=date(this_year(), 3, 31), key="admin_deadline_date"
        )
        if st.form_submit_button(tr("onboarding.deadline_save")):
            # the end of the day in Beijing (UTC+8) is 16:00 UTC
            at = datetime(day.year, day.month, day.day, 16, 0, tzinfo=UTC)
            try:
                store.set_deadline(user.username, period, at)
            except DataFileError as err:
                st.error(md(err.messages(lang), lines=True))
                return
            st.session_state[FLASH] = [tr("onboarding.deadline_saved", period=period, date=f"{day:%Y-%m-%d}")]
            st.rerun()
