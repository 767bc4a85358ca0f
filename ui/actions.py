"""Corrective actions on the web (issue 17): what the actions page, the overview and the region
profile share: the cached register, the tables of :mod:`assessment.views.actions` with their
headers and colours, the counts, the compact panel, the early-warning list, and the region profile's
gap table whose rows lead to the action form in one click. The official's form is in
:mod:`ui.actions_form`, the evaluator's register in :mod:`ui.actions_review`.

Every read and write goes through the store with the acting user (``Store.actions``,
``accountability.service.record_action``, ``Store.review_action``); a refusal is shown at its field
and nothing is stored.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import streamlit as st

from assessment.accountability.service import Register, register, register_since
from assessment.domain.errors import DataFileError
from assessment.scoring.analysis import Assessment
from assessment.scoring.incremental import counties_within
from assessment.store.users import User
from assessment.views import actions as view
from assessment.views.analysis_common import region_names
from ui import columns, data, tables
from ui.safe import md, md_frame
from ui.state import lang, tr, tr_plain

PAGE = "app_pages/actions.py"
FLASH = "actions_flash"  # a message to show after the rerun that follows a save or a review
COUNTS = (
    ("gaps", "with_action", "without_action", "to_review", "due_now"),
    ("overdue", "escalated", "closed_by_data", "reopened", "warnings"),
)
WIDTHS: dict[str, Any] = {
    "measures": "large",
    "outcome_text": "large",
    "details": "large",
    "earlier": "large",
}


@st.cache_resource(show_spinner=False, max_entries=16)
def _register(actor: str, jurisdiction: str, period: int, region: str | None, version: str) -> Register:
    result = data.assessment(actor, jurisdiction)  # scored against the binding standard
    return register(data.store(), actor, result, period, region)


def register_of(actor: str, jurisdiction: str, period: int, region: str | None = None) -> Register:
    """The accountability register of ``jurisdiction`` (or one ``region`` in it) for ``period``,
    cached per data version (a save or a review shows at once)."""
    return _register(actor, jurisdiction, int(period), region, data.data_version())


# At most this many changed counties are applied to the panel's register; more: a full register.
MAX_PANEL_CHANGES = 64


@st.cache_resource(show_spinner=False, max_entries=8)
def _base_register(actor: str, jurisdiction: str, period: int, version: str, _result: Assessment) -> Register:
    return register(data.store(), actor, _result, period)


@st.cache_resource(show_spinner=False, max_entries=16)
def _panel_register(actor: str, jurisdiction: str, period: int, version: str) -> Register:
    found = data.latest(jurisdiction, "standard")
    incremental = os.environ.get("ASSESSMENT_INCREMENTAL", "1") != "0"  # as ui.data
    if incremental and found is not None and found[0] != version:
        reg = _since(actor, jurisdiction, period, version, *found)
        if reg is not None:
            return reg
    data.assessment(actor, jurisdiction)  # the standard basis, brought up to date (or computed)
    found = data.latest(jurisdiction, "standard")
    if found is None:  # not kept (incremental rescoring off): a full register
        return _register(actor, jurisdiction, period, None, version)
    # the register a later approval starts from (_since): computed once, here
    return _base_register(actor, jurisdiction, period, *found)


def _since(
    actor: str, jurisdiction: str, period: int, version: str, since: str, result: Assessment
) -> Register | None:
    """The register at ``version`` from the newest standard-basis assessment (at ``since``) with
    only the counties changed since then scored again (issue 20 point 2), or None (nothing to start
    from, or something else changed: a full register)."""
    old, new = int(since.rpartition("#")[2] or 0), int(version.rpartition("#")[2] or 0)
    if old >= new:
        return None
    s = data.store()
    changed = s.changed_regions(old, new)
    if changed is None:
        return None
    counties = counties_within(result.tree, jurisdiction, changed)
    if len(counties) > MAX_PANEL_CHANGES:
        return None
    values = s.values(actor, region_codes=counties) if counties else None
    base = _base_register(actor, jurisdiction, int(period), since, result)
    if values is None:
        values = result.scores.iloc[:0]
    return register_since(s, actor, base, result, values, counties)


def panel_register_of(actor: str, jurisdiction: str, period: int) -> Register:
    """The register the overview's actions panel counts (the whole jurisdiction, ``period``),
    cached per data version. After an approval it does not wait for the standard-basis assessment
    to be brought up to date: the counties changed since the newest one are scored again and their
    rows replaced (:func:`~assessment.accountability.service.register_since`); its gap rows may be
    in another order than :func:`register_of`'s, its counts are the same."""
    data.store().authorize(actor, "view", jurisdiction)  # on every call, cached or not
    return _panel_register(actor, jurisdiction, int(period), data.data_version())


def table_columns(frame: pd.DataFrame, names: tuple[str, ...]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``frame``'s ``names`` columns with headers from ``actions_ui.col.*`` and number formats."""
    out = frame.loc[:, list(names)]
    config: dict[str, Any] = {}
    for col in names:
        label = tr_plain(f"actions_ui.col.{col}")
        if col == "budget_total":
            config[col] = st.column_config.NumberColumn(label, format="localized")
        elif col in ("value", "threshold", "shortfall", "floor", "change_per_year", "projected"):
            config[col] = st.column_config.NumberColumn(label, format="%.2f")
        elif col == "years_to_floor":
            config[col] = st.column_config.NumberColumn(label, format="%.1f")
        elif col in ("period", "due_period", "id"):
            config[col] = st.column_config.NumberColumn(label, format="%d")
        else:
            config[col] = st.column_config.TextColumn(label, width=WIDTHS.get(col))
    return out, config


def _styled(frame: pd.DataFrame, out: pd.DataFrame) -> Any:
    """``out`` with the gap kind in the status palette's colour and the outcome of an escalated
    action in vermillion (flagged red), as the status legend says."""
    escalated = (
        frame["outcome_code"].eq("escalated").fillna(False).to_numpy(dtype=bool)
        if "outcome_code" in frame
        else None
    )

    def paint(shown: pd.DataFrame) -> pd.DataFrame:
        styles = pd.DataFrame("", index=shown.index, columns=shown.columns)
        if "gap_kind" in styles.columns and "kind_code" in frame:
            styles["gap_kind"] = frame["kind_code"].map(columns.status_css).fillna("").to_numpy()
        for col in ("outcome_text", "outcome"):
            if col in styles.columns and escalated is not None:
                styles.loc[escalated, col] = columns.status_css("below_floor")
        return styles

    return columns.styled(out, None).apply(paint, axis=None)  # missing numbers blank, never "nan"


def table(frame: pd.DataFrame, names: tuple[str, ...], *, key: str, **kw: Any) -> Any:
    out, config = table_columns(frame, names)
    return st.dataframe(
        _styled(frame, out), column_config=config, hide_index=True, width="stretch", key=key, **kw
    )


def history_table(user: User, action_id: int) -> None:
    """The audited changes of one action (Beijing time), as a table that wraps the long details;
    escaped, since the details quote typed text."""
    shown = view.history_rows(data.store().action_history(user.username, action_id), lang())
    shown.columns = [tr_plain(f"actions_ui.col.{c}") for c in shown.columns]
    st.table(md_frame(shown), hide_index=True)


def flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message)


# -- the counts and the panel ------------------------------------------------------------------------
def counts(reg: Register) -> None:
    """The register's headline counts as metrics, the closure line and the escalated flag."""
    numbers = reg.counts()
    for row in COUNTS:
        for column, name in zip(st.columns(len(row)), row, strict=True):
            column.metric(tr_plain(f"actions_ui.count.{name}"), numbers[name])
    st.markdown(f"**{md(view.closure_line(reg.closure_total, reg.period, lang()))}**")
    unreported = int(reg.closure["not_reported"].sum()) if len(reg.closure) else 0
    if unreported:
        st.caption(tr("actions_ui.closure_unreported", n=unreported, period=reg.period))
    if numbers["escalated"]:
        st.error(tr("actions_ui.escalated_flag", n=numbers["escalated"]))


def panel(user: User, jurisdiction: str, period: int, region: str | None = None) -> None:
    """The compact accountability block of the overview and the region profile: counts, closure
    share, the escalated flag and a link to the actions page. Nothing for other roles."""
    if user.role not in ("evaluator", "official"):
        return
    try:
        if region is None:
            reg = panel_register_of(user.username, jurisdiction, period)
        else:
            reg = register_of(user.username, jurisdiction, period, region)
    except DataFileError:
        return
    numbers = reg.counts()
    with st.container(border=True, key="actions_panel"):
        text, link = st.columns([5, 1], vertical_alignment="center")
        text.markdown(f"**{tr('actions_ui.panel_title')}**　{tr('actions_ui.panel_line', **numbers)}")
        text.caption(md(view.closure_line(reg.closure_total, reg.period, lang())))
        if numbers["escalated"]:
            text.markdown(f":red[● {tr('actions_ui.escalated_flag', n=numbers['escalated'])}]")
        link.page_link(
            PAGE,
            label=tr_plain("actions_ui.panel_link"),
            query_params={"region": region or jurisdiction, "period": str(period)},
        )


# -- the region profile's gaps: one click to the form ------------------------------------------------
def region_gaps(user: User, gaps: pd.DataFrame, columns: dict[str, str], region: str, period: int) -> None:
    """The region profile's gap table. For the region's official each row is selectable: a click
    opens the actions page with that gap's form (``?region=&period=&indicator=``)."""
    out, config = tables.labelled(gaps, columns)
    if user.role != "official":
        st.dataframe(out, column_config=config, hide_index=True, width="stretch", key="region_gaps")
        return
    st.caption(tr("actions_ui.region_gaps_hint"))
    event = st.dataframe(
        out,
        column_config=config,
        hide_index=True,
        width="stretch",
        key="region_gaps",
        on_select="rerun",
        selection_mode="single-row",
    )
    rows = event.selection.rows if event is not None else []
    if rows:
        indicator = str(gaps["indicator_code"].iloc[rows[0]])
        st.switch_page(PAGE, query_params={"region": region, "period": str(period), "indicator": indicator})


WARNING_COLUMNS = ("indicator", "value", "floor", "change_per_year", "projected", "years_to_floor")


def warning_list(reg: Register, result: Assessment, period: int, *, with_region: bool) -> None:
    """The early-warning list (监测预警): indicators still meeting the floor but heading below it."""
    st.caption(tr("actions_ui.warnings_note"))
    if reg.warnings.empty:
        st.caption(tr("actions_ui.no_warnings"))
        return
    rows = view.warning_rows(reg.warnings, data.region_tree(), result.edition_of(period), lang())
    names = ("region", *WARNING_COLUMNS) if with_region else WARNING_COLUMNS
    table(rows, names, key="actions_warnings")


def scope_options(home: str) -> list[str]:
    """The regions an evaluator may open on the actions page: ``home`` and every region below it."""
    tree = data.region_tree()
    return [home, *(r.code for r in tree.descendants(home))]


def scope_names() -> dict[str, str]:
    return region_names(data.region_tree(), lang())
