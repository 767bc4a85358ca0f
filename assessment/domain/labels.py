"""Codes shown to users as words in their language: roles, region levels, indicator kinds and
directions, statuses, decisions, yes/no, audit actions, units; and the text of a missing value.

Each code has a locale key; a code without one raises ``KeyError`` (tests/unit/test_labels.py and
tests/app/test_language.py find it), so a page never shows a raw code or a ``[key]``.
"""

from __future__ import annotations

import re

import pandas as pd

from assessment.domain.i18n import catalogue, t

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
    "ui_language": "language.ui_language",
    "file_format": "language.file_format",
    "audit_reason": "language.audit_reason",
    "submission_kind": "language.submission_kind",
    "method": "language.signin_method",
    "action_status": "actions.status",
    "action_review": "actions.review",
    "gap_kind": "actions.gap",
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


_CJK = re.compile(r"[\u3400-\u9fff]")


def unit_text(unit: str, lang: str) -> str:
    """The catalogue's bilingual unit (``"元/人·年 CNY/person/yr"``) in one language, for axes and
    figures; a unit without two languages is returned as it is.

    >>> unit_text("元/人·年 CNY/person/yr", "en"), unit_text("元/人·年 CNY/person/yr", "zh")
    ('CNY/person/yr', '元/人·年')
    >>> unit_text("‰（每千活产 per 1,000 live births）", "en")
    '‰ (per 1,000 live births)'
    >>> unit_text("是=1 否=0 (yes=1 no=0)", "zh"), unit_text("%", "en")
    ('是=1 否=0', '%')
    """
    text = unit.strip()
    if not _CJK.search(text):
        return text
    m = re.fullmatch(r"(\S+?)（(\S*?)\s+([A-Za-z].*)）", text)
    if m:  # symbol（中文 english）
        return f"{m[1]}（{m[2]}）" if lang == "zh" else f"{m[1]} ({m[3]})"
    m = re.fullmatch(r"(.*?)\s*[（(]([^（()）]*)[)）]", text)
    if m and not _CJK.search(m[2]):  # 中文 (english)
        return m[1] if lang == "zh" else m[2]
    m = re.fullmatch(r"(\S*[\u3400-\u9fff]\S*)\s+([A-Za-z0-9].*)", text)
    if m:  # 中文 english
        return m[1] if lang == "zh" else m[2]
    return text
