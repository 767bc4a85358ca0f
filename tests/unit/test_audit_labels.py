"""Every audit event the code writes reads as words in both languages on the admin page's audit log.

The actions, object types and detail fields are collected from the source (the literal arguments of
every call that writes an event), so a new event without its words fails here instead of showing
an English code in the Chinese UI.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from assessment.domain.audit_text import audit_details
from assessment.domain.i18n import t
from assessment.domain.labels import FAMILIES, has_label
from assessment.reports.service import KINDS
from assessment.reports.tidy import EXPORTS

ROOT = Path(__file__).resolve().parents[2]
# function name -> positions of (action, object type) among its arguments (None: not an argument)
WRITERS: dict[str, tuple[int | None, int | None]] = {
    "event": (1, 2),  # audit.event(actor, action, object_type, ...)
    "audit": (1, 2),  # Store.audit(actor, action, object_type, ...)
    "audit_export": (None, 2),  # audit_export(store, actor, kind, ...)
    "_change": (3, None),  # value_queries._change(conn, actor, row, action, ...)
}
HAN = re.compile(r"[\u4e00-\u9fff]")
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z_]+")
ZH_ALLOWED = {"PDF", "CSV", "Excel", "xlsx", "parquet", "English"}


def _written() -> tuple[set[str], set[str], set[str]]:
    actions: set[str] = set()
    objects: set[str] = set()
    keys: set[str] = set()
    for path in (ROOT / "assessment").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name == "sign_out":  # sign_out(store, user, reason=...): the reason is the action
                actions.update(
                    k.value.value
                    for k in node.keywords
                    if k.arg == "reason" and isinstance(k.value, ast.Constant)
                )
            if name not in WRITERS:
                continue
            for where, into in zip(WRITERS[name], (actions, objects), strict=True):
                if where is not None and len(node.args) > where:
                    arg = node.args[where]
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        into.add(arg.value)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Dict):
                    keys.update(k.value for k in sub.keys if isinstance(k, ast.Constant))
    return actions, objects, keys


ACTIONS, OBJECTS, KEYS = _written()


def test_the_source_scan_finds_the_events() -> None:
    """The scan itself works: it sees events of every kind of writer (else the tests below are void)."""
    assert {"submission.import", "query.answer", "session_expired", "export"} <= ACTIONS
    assert {"submission", "query", "actions_sheet"} <= OBJECTS
    assert {"period", "file", "lang", "reason"} <= KEYS


@pytest.mark.parametrize(
    ("family", "codes"),
    [
        ("action", ACTIONS | {"sign_in", "sign_out"}),  # sign_out: a default argument, not a literal
        # reports and tidy exports are audited with their kind as the object type
        ("object", OBJECTS | set(KINDS) | set(EXPORTS) | {"actions", "export"}),
        ("detail", KEYS - {"from", "to"} | {"format", "rows", "what"}),
    ],
)
def test_every_code_has_words_in_both_languages(family: str, codes: set[str]) -> None:
    missing = sorted(c for c in codes if not has_label(family, c))
    assert not missing, f"no {FAMILIES[family]} words for {missing}"
    for code in codes:
        zh = t(f"{FAMILIES[family]}.{code}", "zh")
        assert HAN.search(zh), (code, zh)


@pytest.mark.parametrize(
    ("action", "details"),
    [
        ("export", {"period": 2024, "lang": "zh", "file": "评估报告.pdf", "format": "pdf"}),
        ("export", {"what": "scores", "format": "parquet", "rows": 120}),
        ("export", {"format": "csv", "rows": 3}),
        ("export", {"period": 2023, "lang": "en", "file": "a.xlsx"}),
        ("sign_in_failed", {"reason": "throttled", "source": "127.0.0.1"}),
        ("sign_in_failed", {"reason": "unknown_identity", "identity": "oidc:abc"}),
        ("user.password", {"reason": "reset"}),
    ],
)
def test_export_and_sign_in_details_read_in_chinese(action: str, details: dict[str, object]) -> None:
    text = audit_details(details, "zh", action)
    for value in ("评估报告.pdf", "a.xlsx", "oidc:abc", "127.0.0.1"):  # data: file names, identities
        text = text.replace(value, " ")
    words = [w for w in ASCII_WORD.findall(text) if w not in ZH_ALLOWED]
    assert not words, text


def test_a_typed_reason_is_shown_as_typed() -> None:
    """A dropped corrective action's reason is a user's text: never turned into a coded word."""
    assert audit_details({"reason": "reset"}, "en", "action.status") == "reason: reset"
    assert "administrator" in audit_details({"reason": "reset"}, "en", "user.password")
