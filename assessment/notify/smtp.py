"""Sending over SMTP (``smtplib``): one connection for a batch of messages, STARTTLS when asked, a
login when a user name is configured (the password from ``ASSESSMENT_SMTP_PASSWORD``)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from assessment.notify.config import SmtpConfig


def send(config: SmtpConfig, messages: Sequence[EmailMessage]) -> list[str | None]:
    """Send ``messages``; per message None when sent, else a short error text (never the password).

    A failure to connect or log in fails every message with that error."""
    if not messages:
        return []
    try:
        client = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    except (OSError, smtplib.SMTPException) as err:
        return [_text(err)] * len(messages)
    results: list[str | None] = []
    try:
        client.ehlo()
        if config.starttls:
            client.starttls(context=ssl.create_default_context())
            client.ehlo()
        if config.username:
            client.login(config.username, config.password)
        for msg in messages:
            try:
                client.send_message(msg)
                results.append(None)
            except (OSError, smtplib.SMTPException) as err:
                results.append(_text(err))
    except (OSError, smtplib.SMTPException) as err:
        results.extend([_text(err)] * (len(messages) - len(results)))
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return results


def _text(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"[:500]
