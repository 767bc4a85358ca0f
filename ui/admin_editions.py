"""The administration page's Editions tab: the editions and the periods they are in force for, the
revisions of each catalogue, the catalogue workbook (download, correct, import as a new revision,
with the differences shown before saving), the difference between any two revisions or editions,
and the crosswalk between editions. Every write goes through the store (admins only, audited)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from assessment.catalogue.crosswalk import list_crosswalks, load_crosswalk
from assessment.domain.errors import DataFileError
from assessment.domain.model import Edition
from assessment.store.service import Store
from assessment.store.users import User
from assessment.views import editions as view
from assessment.views.upload import problems_frame
from ui import tables
from ui.data_workflow import XLSX_MIME
from ui.safe import md
from ui.state import tr

FLASH = "admin_editions_flash"


def _cols(*names: str) -> dict[str, str]:
    return {n: f"editions.col.{n}" for n in names}


def editions_tab(store: Store, user: User, lang: str) -> None:
    """Draw the tab (the caller has checked the user is an administrator)."""
    actor = user.username
    for level, text in st.session_state.pop(FLASH, []):
        getattr(st, level)(text)
    schedule = store.edition_schedule()
    revisions = store.edition_revisions()
    st.caption(tr("editions.ui.intro"))
    tables.show(
        view.editions_table(schedule, lang),
        _cols(
            "edition",
            "title",
            "published",
            "in_force",
            "revision",
            "items",
            "indicators",
            "unconfirmed_floors",
        ),
        key="admin_editions",
    )
    ids = [e.id for e in schedule.editions]

    st.subheader(tr("editions.ui.in_force_title"))
    with st.form("edition_in_force"):
        c1, c2, c3 = st.columns([2, 1, 1])
        chosen = c1.selectbox(tr("editions.ui.edition"), ids, index=len(ids) - 1, key="edition_in_force_id")
        current = schedule.get(chosen).effective_from
        start = c2.number_input(
            tr("editions.ui.start"),
            min_value=1990,
            max_value=2100,
            step=1,
            value=current or 2023,
            format="%d",
        )
        off = c3.checkbox(tr("editions.ui.not_in_force"), value=current is None)
        if st.form_submit_button(tr("editions.ui.save_in_force")):
            try:
                store.set_edition_in_force(actor, chosen, None if off else int(start))
                st.session_state[FLASH] = [("success", tr("editions.ui.in_force_saved", edition=chosen))]
                st.rerun()
            except DataFileError as err:
                st.error(md(err.messages(lang), lines=True))
    st.caption(tr("editions.ui.in_force_caption"))

    st.subheader(tr("editions.ui.revisions_title"))
    tables.show(
        view.revisions_table(revisions, lang),
        {"edition_id": "editions.col.edition", **_cols("revision", "created_by", "created_at", "note")},
        key="admin_edition_revisions",
    )
    options = view.revision_options(schedule, revisions)
    pick = st.selectbox(tr("editions.ui.workbook_of"), options, key="edition_workbook_pick")
    st.download_button(
        tr("editions.ui.download"),
        data=_workbook(store, pick, lang),
        file_name=f"catalogue_{pick.replace(':', '_')}.xlsx",
        mime=XLSX_MIME,
        on_click="ignore",
        key="edition_download",
    )
    _import(store, actor, lang)

    st.subheader(tr("editions.ui.diff_title"))
    c1, c2 = st.columns(2)
    old = c1.selectbox(
        tr("editions.ui.diff_old"), options, index=min(1, len(options) - 1), key="edition_diff_old"
    )
    new = c2.selectbox(tr("editions.ui.diff_new"), options, index=0, key="edition_diff_new")
    from assessment.intake.edition_workbook import diff_editions

    diff = diff_editions(_revision(store, old), _revision(store, new), lang)
    st.caption(tr("editions.ui.diff_count", n=len(diff), old=old, new=new))
    if len(diff):
        tables.show(
            view.diff_table(diff, lang),
            _cols("table", "code", "field", "old", "new", "change"),
            key="edition_diff",
        )

    st.subheader(tr("editions.ui.crosswalk_title"))
    pairs = list_crosswalks()
    if not pairs:
        st.info(tr("editions.ui.no_crosswalk"))
        return
    label = {f"{a} → {b}": (a, b) for a, b in pairs}
    a, b = label[st.selectbox(tr("editions.ui.crosswalk_pair"), list(label), key="edition_crosswalk_pair")]
    rows = load_crosswalk(a, b)
    newer = schedule.get(b)
    tables.show(
        view.change_counts(rows, lang), _cols("change", "items", "indicators"), key="edition_change_counts"
    )
    tables.show(
        view.crosswalk_table(rows, newer, lang),
        _cols("level", "from_code", "to_code", "name", "change", "confirmed", "note"),
        key="edition_crosswalk",
        height=400,
    )
    st.caption(tr("editions.ui.crosswalk_caption"))


def _revision(store: Store, spec: str) -> Edition:
    edition_id, _, rev = spec.partition(":r")
    return store.edition_revision(edition_id, int(rev) if rev else None)


def _workbook(store: Store, spec: str, lang: str) -> Callable[[], bytes]:
    def build() -> bytes:
        from assessment.intake.edition_workbook import edition_workbook

        return edition_workbook(_revision(store, spec), lang)

    return build


def _import(store: Store, actor: str, lang: str) -> None:
    """Upload a corrected catalogue workbook: problems at their cells, or the differences and a
    save button (nothing is saved before the click)."""
    from assessment.intake.edition_workbook import diff_editions, read_edition_workbook, workbook_edition_id

    upload = st.file_uploader(tr("editions.ui.upload"), type=["xlsx"], key="edition_upload")
    if upload is None:
        return
    data = upload.getvalue()
    try:
        edition_id = workbook_edition_id(data, upload.name)
        current = store.edition_revision(edition_id)
        new = read_edition_workbook(data, current)
    except DataFileError as err:
        st.error(tr("editions.ui.refused", n=len(err.problems)))
        st.dataframe(problems_frame(err.problems, lang), hide_index=True, key="edition_upload_problems")
        return
    diff = diff_editions(current, new, lang)
    if not len(diff):
        st.info(tr("editions.ui.no_change", edition=current.label))
        return
    st.warning(tr("editions.ui.pending", n=len(diff), edition=current.label, revision=current.revision + 1))
    tables.show(
        view.diff_table(diff, lang),
        _cols("table", "code", "field", "old", "new", "change"),
        key="edition_upload_diff",
    )
    note = st.text_input(tr("editions.ui.note"), key="edition_upload_note", max_chars=500)
    if st.button(tr("editions.ui.save_revision"), type="primary", key="edition_upload_save"):
        try:
            number = store.save_edition_revision(actor, new, note)
            st.session_state[FLASH] = [
                ("success", tr("editions.ui.saved", edition=edition_id, revision=number))
            ]
            st.rerun()
        except DataFileError as err:
            st.error(md(err.messages(lang), lines=True))
