"""Local standards (evaluator): edit one's own jurisdiction's standards; inherited ones; history."""

from __future__ import annotations

import streamlit as st

from assessment.catalogue.local_standards import local_standards_csv
from assessment.domain.errors import DataFileError
from assessment.scoring.analysis import region_label
from assessment.views import standards as views
from ui import data, fiscal
from ui import data_workflow as wf
from ui.auth import guard, home_region
from ui.local_indicators import local_indicators_section
from ui.safe import md
from ui.state import lang, tr

FLASH = "standards_flash"  # session: [(level, text)] from the last save, shown after the rerun
EDITOR = "standards_editor"
L = lang()
s = data.store()
tree = data.region_tree()
scope = home_region()
user = guard("set_standard", scope)
actor = user.username
edition = wf.edition(None, scope)
st.title(tr("standards.title", region=region_label(tree, scope, L)))
st.caption(tr("standards.intro"))
for level, text in st.session_state.pop(FLASH, []):
    getattr(st, level)(text)

in_force = s.local_standards()
original = views.editor_frame(in_force, scope, edition, L)
st.subheader(tr("standards.own_title", region=region_label(tree, scope, L)))
if original.empty:
    st.info(tr("standards.own_empty"))
edited = st.data_editor(
    original,
    num_rows="add",
    column_config=wf.standards_columns(edition, L),
    column_order=views.EDITOR_COLUMNS,
    placeholder="",
    key=EDITOR,
)
st.caption(tr("standards.editor_caption"))
st.download_button(
    tr("standards.download"),
    local_standards_csv(in_force, [scope]),
    file_name=f"local_standards_{scope}.csv",
    mime="text/csv",
    help=tr("standards.download_help"),
    key="standards_download",
)
rows = views.precheck(views.changes(original, edited, scope), in_force, edition, tree)
blocked = [m for r in rows if not r.ok for m in r.messages(L)]
notes = [m for r in rows if r.ok for m in r.messages(L)]
if blocked:
    st.error(tr("standards.refused", n=len(blocked)) + "\n\n" + "\n".join(f"- {md(m)}" for m in blocked))
if notes:
    st.warning("\n".join(f"- {md(m)}" for m in notes))
if rows and not blocked:
    st.caption(tr("standards.pending", n=len(rows)))
if st.button(tr("standards.save"), type="primary", disabled=not rows or bool(blocked), key="standards_save"):
    flash: list[tuple[str, str]] = []
    for row in rows:
        try:
            warnings = s.set_local_standard(actor, row.standard, edition, tree)
        except DataFileError as err:  # the store is the authority: a race or a rule the page missed
            flash.append(("error", tr("standards.row_refused", row=row.row, messages=err.messages(L))))
            continue
        flash.append(("success", tr("standards.row_saved", row=row.row, indicator=row.indicator_code)))
        flash += [("warning", w.message_zh if L == "zh" else w.message_en) for w in warnings]
    st.session_state[FLASH] = flash
    st.session_state.pop(EDITOR, None)  # start the editor afresh from what is now stored
    st.rerun()

local_indicators_section(s, actor, scope, tree, L)

st.subheader(tr("standards.inherited_title"))
above = views.inherited_table(in_force, tree, scope, edition, L)
if len(above):
    st.dataframe(above, hide_index=True, key="standards_inherited")
    st.caption(tr("standards.inherited_caption"))
else:
    st.info(tr("standards.inherited_empty"))
below = views.below_table(in_force, tree, scope, edition, L)
with st.expander(tr("standards.below_title", n=len(below))):
    if len(below):
        st.dataframe(below, hide_index=True, key="standards_below")
    else:
        st.caption(tr("standards.below_empty"))
with st.expander(tr("standards.history_title")):
    history = views.history_table(s.local_standard_history(), tree, scope, edition, L)
    st.dataframe(history, hide_index=True, key="standards_history")
fiscal.standards_section(data.assessment(actor, scope), in_force, scope)  # issue 19: what they cost
st.caption(tr("standards.floor_footnote", edition=edition.id))
