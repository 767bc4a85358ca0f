"""Codes shown to users as words in their language: roles, region levels, indicator kinds and
directions, statuses, decisions, yes/no, audit actions, units; and the text of a missing value.

Each code has a locale key; a code without one raises ``KeyError`` (tests/unit/test_labels.py and
tests/app/test_language.py find it), so a page never shows a raw code or a ``[key]``.
"""

from __future__ import annotations

import re
from datetime import datetime

import pandas as pd

from assessment.domain.i18n import catalogue, t

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MISSING = "—"  # a missing value, in every language (never "None", "nan", "NaT", "<NA>")

# code family -> locale key prefix
FAMILIES = {
    "role": "auth.role",
    "level": "reports.region_level",
    "kind": "local_indicators.kind",
    "direction": "local_indicators.direction",
    "status": "status",
    "decision": "store.decision",
    "reason": "store.reason",
    "action": "language.audit_action",
    "object": "language.audit_object",
    "bool": "language.bool",
    "detail": "language.audit_detail",
    "submission_kind": "language.submission_kind",
    "method": "language.signin_method",
}
# audit detail fields whose values are codes of a family
DETAIL_VALUES = {
    "from": "status",
    "to": "status",
    "was": "status",
    "role": "role",
    "reason_code": "reason",
    "kind": "submission_kind",
    "method": "method",
}


def label(family: str, code: object, lang: str) -> str:
    """The word for ``code`` of ``family`` (see :data:`FAMILIES`) in ``lang``; "—" when missing.

    >>> label("role", "evaluator", "zh"), label("level", "prefecture", "en"), label("kind", None, "zh")
    ('评估员', 'Prefecture', '—')
    """
    if is_missing(code):
        return MISSING
    if isinstance(code, bool):
        code = "yes" if code else "no"
    return t(f"{FAMILIES[family]}.{code}", lang)


def has_label(family: str, code: object) -> bool:
    """Whether ``code`` has a word (a code that has none is a bug: see :func:`label`)."""
    return f"{FAMILIES[family]}.{code}" in catalogue()


def is_missing(value: object) -> bool:
    """None, NaN, NaT, pd.NA or an empty string."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def shown(value: object) -> object:
    """``value`` for a table cell: "—" for a missing value, anything else as it is."""
    return MISSING if is_missing(value) else value


def display_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text (object/string) columns show "—" for missing values; number
    columns keep their dtype (``st.dataframe`` shows its ``placeholder`` for their missing values)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [shown(v) for v in out[col].astype(object)]
    return out


def audit_details(details: object, lang: str) -> str:
    """An audit event's details as one line in ``lang``: each field by its name, codes as words,
    times in Beijing time, yes/no, lists joined; empty fields left out; "—" when nothing is left.

    >>> audit_details({"period": 2024, "from": "submitted", "to": "returned", "comment": None}, "zh")
    '年度：2024；原状态：待审核；新状态：已退回'
    >>> audit_details({"deadline": "2025-03-31T16:00:00+00:00", "new": True}, "en")
    'deadline: 2025-04-01 00:00 Beijing time; new: Yes'
    """
    from assessment.domain.timefmt import beijing  # a leaf module; kept local to avoid a cycle

    if not isinstance(details, dict):
        return MISSING if is_missing(details) else str(details)
    parts = []
    for key, value in details.items():
        if isinstance(value, list | tuple):
            value = "、".join(str(v) for v in value) if lang == "zh" else ", ".join(str(v) for v in value)
        if is_missing(value):
            continue
        if isinstance(value, bool):
            text = label("bool", value, lang)
        elif key in DETAIL_VALUES and has_label(DETAIL_VALUES[key], value):
            text = label(DETAIL_VALUES[key], value, lang)
        elif isinstance(value, str) and _ISO_TIME.match(value):
            text = beijing(datetime.fromisoformat(value), lang)
        else:
            text = str(value)
        name = label("detail", key, lang) if has_label("detail", key) else key
        parts.append(f"{name}：{text}" if lang == "zh" else f"{name}: {text}")
    return ("；" if lang == "zh" else "; ").join(parts) or MISSING
