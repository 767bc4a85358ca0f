"""The official's side of the actions page (issue 17): the region's gaps of a period with their
actions; a selected gap row (or ``?indicator=`` from the region profile) opens the action form,
pre-filled with the item's lead department, the budget split by the item's central share and the
next period as due; saving records it (``accountability.service.record_action``) or shows every
refusal at its field, storing nothing."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from assessment.accountability.service import Register, record_action, region_gap
from assessment.domain.actions import ActionDraft
from assessment.domain.errors import DataFileError
from assessment.scoring.analysis import Assessment
from assessment.store.users import User
from assessment.views import actions as view
from ui import data
from ui.actions import FLASH, counts, flash, history_table, table, warning_list
from ui.safe import md
from ui.state import lang, tr, tr_plain

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
    event = table(
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
    flash()
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
    if existing is not None:
        with st.expander(tr("actions_ui.tab.history")):
            history_table(user, int(existing["id"]))
    if len(earlier):
        st.markdown(f"**{tr('actions_ui.earlier_title')}**")
        rows = view.action_rows(earlier, result.scores, data.region_tree(), result.edition_of(period), L)
        table(rows, ("period", "measures", "status", "outcome_text"), key="actions_earlier")
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
