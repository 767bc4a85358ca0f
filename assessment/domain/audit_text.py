"""An audit event's details as one line of text in the user's language (the admin page's audit log)."""

from __future__ import annotations

import re
from datetime import datetime

from assessment.domain.labels import MISSING, has_label, is_missing, label
from assessment.domain.timefmt import beijing

_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
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


def audit_details(details: object, lang: str) -> str:
    """An audit event's details as one line in ``lang``: each field by its name, codes as words,
    times in Beijing time, yes/no, lists joined; empty fields left out; "—" when nothing is left.

    >>> audit_details({"period": 2024, "from": "submitted", "to": "returned", "comment": None}, "zh")
    '年度：2024；原状态：待审核；新状态：已退回'
    >>> audit_details({"deadline": "2025-03-31T16:00:00+00:00", "new": True}, "en")
    'deadline: 2025-04-01 00:00 Beijing time; new: Yes'
    """
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
