"""Showing core tables: translated headers, status labels and number formats in one place."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from assessment.domain.audit_text import audit_details
from assessment.domain.i18n import catalogue
from assessment.domain.labels import MISSING, has_label, label
from ui.state import lang, tr

CODED = ("status", "evidence", "flag", "arrow")  # columns holding codes with i18n keys "<col>.<code>"
# columns holding codes of a family of assessment.domain.labels (role, level, kind...): their words
FAMILY_COLUMNS = {
    "role": "role",
    "level": "level",
    "kind": "kind",
    "direction": "direction",
    "decision": "decision",
    "reason": "reason",
    "action": "action",
    "object_type": "object",
}

# column -> (label key, st.column_config factory args)
_FORMATS: dict[str, dict] = {
    "score": {"format": "%.1f"},
    "change": {"format": "%+.1f"},
    "coverage": {"format": "percent"},
    "value": {"format": "%.2f"},
    "national_floor": {"format": "%.2f"},
    "gap_floor": {"format": "%+.2f"},
    "rel_gap_floor": {"format": "percent"},
    "population": {"format": "localized"},
    "beneficiaries_short": {"format": "%,d"},  # people: whole numbers with thousands separators
}


def labelled(frame: pd.DataFrame, columns: dict[str, str]) -> tuple[pd.DataFrame, dict]:
    """Keep ``columns`` (name -> i18n key), translate status/evidence codes, build column configs."""
    out = frame[list(columns)].copy()
    keys = catalogue()
    for col in CODED:
        if col in out:
            out[col] = out[col].map(
                lambda v, c=col: (tr(f"{c}.{v}") if f"{c}.{v}" in keys else v) if isinstance(v, str) else ""
            )
    for col, family in FAMILY_COLUMNS.items():
        if col in out and (out[col].dtype == object or pd.api.types.is_string_dtype(out[col])):
            out[col] = [coded(family, v) for v in out[col]]
    if "details" in out:  # audit details: only what the event set (never a row of None)
        actions = frame["action"] if "action" in frame else [None] * len(out)
        out["details"] = [audit_details(v, lang(), a) for v, a in zip(out["details"], actions, strict=True)]
    if "floor_confirmed" in frame and "national_floor" in out:
        out["national_floor"] = [
            "" if pd.isna(v) else f"{v:g}" + ("" if ok else " *")
            for v, ok in zip(frame["national_floor"], frame["floor_confirmed"], strict=True)
        ]
    config = {}
    for col, key in columns.items():
        fmt = _FORMATS.get(col)
        if fmt and not (col == "national_floor" and "floor_confirmed" in frame):
            config[col] = st.column_config.NumberColumn(tr(key), **fmt)
        else:
            config[col] = st.column_config.Column(tr(key))
    return out, config


def coded(family: str, value: object) -> object:
    """The word for a code in the page's language (a code without a word stays as it is, and
    tests/app/test_language.py reports it); a missing value as "—"."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return MISSING
    if isinstance(value, str) and has_label(family, value):
        return label(family, value, lang())
    return value


def show(frame: pd.DataFrame, columns: dict[str, str], *, key: str, height: int | str = "auto") -> None:
    """st.dataframe of ``frame`` restricted to ``columns`` with translated headers."""
    out, config = labelled(frame, columns)
    st.dataframe(out, column_config=config, hide_index=True, width="stretch", height=height, key=key)


def status_chip(column: object, label: str, status: str, text: str) -> None:
    """A headline status in ``column`` (an ``st.columns`` cell): the label above, the status as a
    chip in the palette's colour. Unlike ``st.metric`` it wraps instead of cutting long statuses
    ("Below the national floor") to "Below the na…"."""
    from html import escape

    from assessment.reports.workbook import STATUS_COLOURS, STATUS_FONT_COLOURS

    fill = STATUS_COLOURS.get(status, STATUS_COLOURS["no_data"])
    ink = STATUS_FONT_COLOURS.get(status, "#000000")
    column.markdown(  # type: ignore[attr-defined]
        f'<div style="font-size:0.875rem;opacity:0.8">{escape(label)}</div>'
        f'<div style="display:inline-block;margin-top:0.45rem;padding:0.3rem 0.75rem;border-radius:0.5rem;'
        f'background:{fill};color:{ink};font-weight:600;font-size:1.25rem;line-height:1.4">{escape(text)}</div>',
        unsafe_allow_html=True,
    )
