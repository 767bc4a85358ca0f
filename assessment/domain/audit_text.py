"""An audit event's details as one line of text in the user's language (the admin page's audit log)."""

from __future__ import annotations

import re
from datetime import datetime

from assessment.domain.labels import MISSING, has_label, is_missing, label, shown
from assessment.domain.timefmt import beijing

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
# audit detail fields whose values are codes of a family
# (the first family that knows the code wins: a corrective action's status moves "from"/"to" too)
DETAIL_VALUES: dict[str, tuple[str, ...]] = {
    "from": ("status", "action_status", "action_review"),
    "to": ("status", "action_status", "action_review"),
    "was": ("status",),
    "role": ("role",),
    "reason_code": ("reason",),
    "kind": ("submission_kind",),
    "method": ("method",),
    "status": ("action_status",),
    "review": ("action_review",),
    "gap_kind": ("gap_kind",),
    "lang": ("ui_language",),
    "format": ("file_format",),
    "what": ("object",),  # a tidy export's contents: scores, equity, trends, actions
}
# the events whose "reason" is a code (why a sign-in failed, why a password was set); elsewhere it is
# text a user typed (a dropped corrective action's reason) and is shown as typed
CODED_REASON_ACTIONS = frozenset({"sign_in_failed", "user.password"})


def _coded(key: str, value: object, lang: str, action: str | None = None) -> str | None:
    """``value`` as a word when ``key`` holds codes of a family that knows it."""
    families = DETAIL_VALUES.get(key, ())
    if key == "reason" and action in CODED_REASON_ACTIONS:
        families = ("audit_reason",)
    for family in families:
        if has_label(family, value):
            return label(family, value, lang)
    return None


def audit_details(details: object, lang: str, action: str | None = None) -> str:
    """An audit event's details as one line in ``lang``: each field by its name, codes as words,
    times in Beijing time, yes/no, lists joined; empty fields left out; "—" when nothing is left.

    >>> audit_details({"period": 2024, "from": "submitted", "to": "returned", "comment": None}, "zh")
    '年度：2024；原状态：待审核；新状态：已退回'
    >>> audit_details({"deadline": "2025-03-31T16:00:00+00:00", "new": True}, "en")
    'deadline: 2025-04-01 00:00 Beijing time; new: Yes'
    >>> audit_details({"reason": "throttled"}, "en", action="sign_in_failed")
    'reason: too many attempts, locked for a while'
    """
    if not isinstance(details, dict):
        return MISSING if is_missing(details) else str(details)
    parts = []
    for key, value in details.items():
        if isinstance(value, list | tuple):
            value = "、".join(str(v) for v in value) if lang == "zh" else ", ".join(str(v) for v in value)
        if is_missing(value):
            continue
        coded = _coded(key, value, lang, action) if isinstance(value, str) else None
        if isinstance(value, dict) and {"from", "to"} >= set(value):  # a changed field: old → new
            old, new = (_coded(key, value.get(k), lang) or str(shown(value.get(k))) for k in ("from", "to"))
            text = f"{old} → {new}"
        elif isinstance(value, bool):
            text = label("bool", value, lang)
        elif coded is not None:
            text = coded
        elif isinstance(value, str) and _ISO_TIME.match(value):
            text = beijing(datetime.fromisoformat(value), lang)
        else:
            text = str(value)
        name = label("detail", key, lang) if has_label("detail", key) else key
        parts.append(f"{name}：{text}" if lang == "zh" else f"{name}: {text}")
    return ("；" if lang == "zh" else "; ").join(parts) or MISSING
