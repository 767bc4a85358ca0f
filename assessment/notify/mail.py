"""The texts of the notification mails: Chinese first, English below (the recipient's language is
not known), plain text only (a reviewer's comment or a question goes in as typed, never as markup)."""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from assessment.domain.i18n import catalogue, t
from assessment.notify.config import SmtpConfig

KINDS = ("return", "approve", "query_raised", "query_answered", "remind", "test")
RULE = "-" * 40


def _text(key: str, lang: str, fields: Mapping[str, object]) -> str:
    return t(key, lang, **fields)


def _fields(context: Mapping[str, object], lang: str) -> dict[str, object]:
    """Placeholders for one language: region name in that language, reason translated."""
    out = {k: ("" if v is None else v) for k, v in context.items()}
    out["region"] = (
        context.get(f"region_{lang}") or context.get("region_zh") or context.get("region_code", "")
    )
    reason = str(context.get("reason_code") or "")
    out["reason"] = t(f"store.reason.{reason}", lang) if f"store.reason.{reason}" in catalogue() else reason
    return out


def compose(kind: str, context: Mapping[str, object]) -> tuple[str, str]:
    """(subject, body) of a ``kind`` mail. ``context``: region_code, region_zh, region_en, period,
    and per kind version, comment, reason_code, indicator, text, deadline (Beijing time text), days,
    app_url."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    zh, en = _fields(context, "zh"), _fields(context, "en")
    subject = f"{_text(f'notify.subject.{kind}', 'zh', zh)} / {_text(f'notify.subject.{kind}', 'en', en)}"
    parts = []
    for lang, fields in (("zh", zh), ("en", en)):
        body = _text(f"notify.body.{kind}", lang, fields)
        extra = [
            _text(f"notify.line.{name}", lang, fields) + "\n" + str(fields[name]).strip()
            for name in ("comment", "text")
            if str(fields.get(name) or "").strip()
        ]
        link = _text("notify.line.link", lang, fields) if fields.get("app_url") else ""
        footer = _text("notify.footer", lang, fields)
        parts.append("\n\n".join(p for p in (body, *extra, link, footer) if p))
    return subject[:255], f"\n\n{RULE}\n\n".join(parts) + "\n"


def message(config: SmtpConfig, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text UTF-8 message from the configured sender to ``to``."""
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=config.sender.rsplit("@", 1)[-1] or None)
    msg.set_content(body, subtype="plain", charset="utf-8")
    return msg
