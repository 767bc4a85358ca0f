"""Corrective actions on the web (issue 17): the official's gaps and action form, the evaluator's
register (counts, closure, plans to review, due, overdue, escalated, closed by the data, gaps without
an action, early warnings, history), the compact panel of the overview and the region profile, and
the region profile's gap table whose rows lead to the form in one click.

Every read and write goes through the store with the acting user (``Store.actions``,
``accountability.service.record_action``, ``Store.review_action``): a refusal is shown at its field
and nothing is stored. Display tables come from :mod:`assessment.views.actions`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assessment.accountability.service import Register, record_action, region_gap, register
from assessment.domain.actions import ActionDraft
from assessment.domain.errors import DataFileError
from assessment.scoring.analysis import Assessment
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


def _columns(frame: pd.DataFrame, names: tuple[str, ...]) -> tuple[pd.DataFrame, dict[str, Any]]:
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


def _table(frame: pd.DataFrame, names: tuple[str, ...], *, key: str, **kw: Any) -> Any:
    out, config = _columns(frame, names)
    return st.dataframe(
        _styled(frame, out), column_config=config, hide_index=True, width="stretch", key=key, **kw
    )


def _flash() -> None:
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
    _table(rows, names, key="actions_warnings")


# -- the official: gaps and the action form ----------------------------------------------------------
GAP_COLUMNS = (
    "indicator",
    "gap_kind",
    "value",
    "threshold",
    "shortfall",
    "status",
    "review",
    "outcome",
    "due_period",
    "earlier",
)


def _chosen_gap(shown: pd.DataFrame) -> str | None:
    """The indicator of the selected gap row, else the one in ``?indicator=`` (a link from the
    region profile), else None."""
    event = _table(
        shown, GAP_COLUMNS, key="actions_gaps", on_select="rerun", selection_mode="single-row", height=320
    )
    codes = shown["indicator_code"].tolist()
    rows = event.selection.rows if event is not None else []
    if rows:
        st.query_params["indicator"] = codes[rows[0]]
        st.session_state["actions_had_pick"] = True
        return str(codes[rows[0]])
    if st.session_state.pop("actions_had_pick", False):  # the row was unselected: close the form
        st.query_params.pop("indicator", None)
        return None
    asked = st.query_params.get("indicator")
    return asked if asked in codes else None


def official_view(user: User, result: Assessment, reg: Register, period: int) -> None:
    """The region's gaps of ``period`` with their actions; a chosen gap opens the action form."""
    L = lang()
    tree = data.region_tree()
    edition = result.edition_of(period)
    st.caption(tr("actions_ui.intro_official"))
    _flash()
    counts(reg)
    if not reg.warnings.empty:  # plan before the floor is missed
        with st.expander(f"{tr('actions_ui.tab.warnings')} · {len(reg.warnings)}"):
            warning_list(reg, result, period, with_region=False)
    st.subheader(tr("actions_ui.gaps_title", period=period))
    if reg.gaps.empty:
        st.success(tr("actions_ui.no_gaps", period=period))
        return
    shown = view.gap_rows(reg.gaps, reg.actions, tree, edition, L)
    st.caption(tr("actions_ui.gaps_hint"))
    indicator = _chosen_gap(shown)
    if indicator is None:
        st.info(tr("actions_ui.pick_gap"))
        return
    row = shown.loc[shown["indicator_code"].eq(indicator)].iloc[0]
    action_form(user, result, reg, str(row["region_code"]), period, indicator, row)


def _existing(reg: Register, region: str, period: int, indicator: str) -> dict[str, Any] | None:
    a = reg.actions
    if a.empty:
        return None
    hit = a.loc[
        a["region_code"].astype(str).eq(region).to_numpy()
        & (a["period"].to_numpy() == int(period))
        & a["indicator_code"].astype(str).eq(indicator).to_numpy()
    ]
    return None if hit.empty else hit.iloc[0].to_dict()


def _errors(where: Any, messages: dict[str, list[str]], field: str) -> None:
    for message in messages.get(field, []):
        where.error(md(message))


def _value(existing: dict[str, Any] | None, field: str, default: Any = None) -> Any:
    if existing is None:
        return default
    value = existing.get(field)
    return default if value is None or (isinstance(value, float) and pd.isna(value)) else value


def action_form(
    user: User, result: Assessment, reg: Register, region: str, period: int, indicator: str, row: pd.Series
) -> None:
    """The form of one gap's action, pre-filled (the item's lead department, the budget split by
    the item's central share, due the next period); saving records it or shows every refusal at
    its field (nothing stored)."""
    L = lang()
    store = data.store()
    gap = region_gap(store, user.username, region, period, indicator, result)
    existing = _existing(reg, region, period, indicator)
    st.subheader(tr("actions_ui.form_title", indicator=row["indicator"], period=period))
    st.markdown(
        tr(
            "actions_ui.form_gap",
            kind=row["gap_kind"],
            value=view.num(row["value"]),
            threshold=view.num(row["threshold"]),
            shortfall=view.num(row["shortfall"]),
        )
    )
    if existing and existing.get("review") == "returned":
        st.warning(tr("actions_ui.returned_banner", comment=str(existing.get("review_comment") or "")))
    elif existing and existing.get("review") == "accepted":
        st.success(tr("actions_ui.accepted_banner"))
    earlier = (
        reg.actions.loc[
            reg.actions["region_code"].astype(str).eq(region).to_numpy()
            & reg.actions["indicator_code"].astype(str).eq(indicator).to_numpy()
            & (reg.actions["period"].to_numpy() < int(period))
        ]
        if len(reg.actions)
        else reg.actions
    )
    if len(earlier):
        st.markdown(f"**{tr('actions_ui.earlier_title')}**")
        rows = view.action_rows(earlier, result.scores, data.region_tree(), result.edition_of(period), L)
        _table(rows, ("period", "measures", "status", "outcome_text"), key="actions_earlier")
    suffix = f"{region}_{period}_{indicator}".replace(".", "_")  # a CSS class name (st-key-...)
    problems_key = f"actions_problems_{suffix}"
    messages = view.field_problems(st.session_state.get(problems_key, []), L)
    if messages:
        st.error(tr("actions_ui.refused"))
        _errors(st, messages, "")
        _errors(st, messages, "indicator_code")
    share = gap.central_share if gap is not None else None
    with st.form(key=f"action_form_{suffix}", border=True):
        measures = st.text_area(
            tr("actions.field.measures"), value=_value(existing, "measures", ""), key=f"am_{suffix}"
        )
        _errors(st, messages, "measures")
        department = st.text_input(
            tr("actions.field.department"),
            value=_value(existing, "department", gap.lead_department if gap else ""),
            help=tr_plain("actions_ui.lead_help"),
            key=f"ad_{suffix}",
        )
        _errors(st, messages, "department")
        if share is not None:
            st.caption(tr("actions_ui.share_note", share=f"{share:.0%}"))
        else:
            st.caption(tr("actions_ui.share_unknown"))
        money = st.columns(3)
        budget = {}
        for column, field in zip(money, ("budget_total", "budget_central", "budget_local"), strict=True):
            budget[field] = column.number_input(
                tr(f"actions.field.{field}"),
                value=_value(existing, field, None),
                step=10000.0,
                format="%.0f",
                key=f"a{field}_{suffix}",
            )
            _errors(column, messages, field)
        left, right = st.columns(2)
        due = left.number_input(
            tr("actions.field.due_period"),
            value=int(_value(existing, "due_period", int(period) + 1)),
            step=1,
            format="%d",
            key=f"adue_{suffix}",
        )
        _errors(left, messages, "due_period")
        options = view.next_statuses(_value(existing, "status", None))
        status = right.selectbox(
            tr("actions.field.status"),
            options,
            format_func=lambda s: tr_plain(f"actions.status.{s}"),
            help=tr_plain("actions_ui.status_help"),
            key=f"astatus_{suffix}",
        )
        _errors(right, messages, "status")
        reason = st.text_input(
            tr("actions.field.reason"), value=_value(existing, "reason", ""), key=f"areason_{suffix}"
        )
        _errors(st, messages, "reason")
        go = st.form_submit_button(tr("actions_ui.save"), type="primary", key="actions_save")
    if go:
        draft = ActionDraft(
            region_code=region,
            period=int(period),
            indicator_code=indicator,
            measures=measures,
            department=department,
            due_period=int(due),
            budget_total=budget["budget_total"],
            budget_central=budget["budget_central"],
            budget_local=budget["budget_local"],
            status=str(status),
            reason=reason,
        )
        try:
            done = record_action(store, user.username, draft, result)
        except DataFileError as err:
            st.session_state[problems_key] = list(err.problems)
        else:
            st.session_state.pop(problems_key, None)
            st.session_state[FLASH] = tr("actions_ui.saved", id=done)
            for key in [k for k in st.session_state if str(k).endswith(f"_{suffix}")]:
                del st.session_state[key]  # the form shows the action as stored (the budget split)
        st.rerun()


# -- the evaluator: the register of a jurisdiction ---------------------------------------------------
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
    _table(pending, REVIEW_COLUMNS, key="actions_review_table")
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
    shown = view.history_rows(data.store().action_history(user.username, int(pick)), lang())
    shown.columns = [tr_plain(f"actions_ui.col.{c}") for c in shown.columns]
    st.table(md_frame(shown), hide_index=True)  # wraps the long details; escaped (typed text)


def evaluator_view(user: User, result: Assessment, reg: Register, period: int) -> None:
    """The register of the jurisdiction: counts, closure, and a tab per list."""
    L = lang()
    tree = data.region_tree()
    edition = result.edition_of(period)
    st.caption(tr("actions_ui.intro_evaluator"))
    _flash()
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
                    _table(some, ACTION_COLUMNS, key=f"actions_{name}")
            elif name == "without":
                gaps = view.gap_rows(reg.gaps, reg.actions, tree, edition, L)
                gaps = gaps.loc[gaps["action_id"].isna().to_numpy()]
                _table(
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


def scope_options(home: str) -> list[str]:
    """The regions an evaluator may open on the actions page: ``home`` and every region below it."""
    tree = data.region_tree()
    return [home, *(r.code for r in tree.descendants(home))]


def scope_names() -> dict[str, str]:
    return region_names(data.region_tree(), lang())


__all__ = [
    "PAGE",
    "action_form",
    "counts",
    "evaluator_view",
    "official_view",
    "panel",
    "region_gaps",
    "register_of",
    "scope_names",
    "scope_options",
]
