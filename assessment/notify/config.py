"""The SMTP settings: stored in the ``settings`` table (keys below), the password from the environment."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

PASSWORD_ENV = "ASSESSMENT_SMTP_PASSWORD"
ENABLED = "notify.enabled"
REMIND_DAYS = "notify.remind_days"
APP_URL = "notify.app_url"
HOST = "smtp.host"
PORT = "smtp.port"
SENDER = "smtp.from"
STARTTLS = "smtp.starttls"
USERNAME = "smtp.username"
SETTING_KEYS = (ENABLED, HOST, PORT, SENDER, STARTTLS, USERNAME, REMIND_DAYS, APP_URL)
DEFAULTS = {ENABLED: "0", PORT: "25", STARTTLS: "1", REMIND_DAYS: "3", HOST: "", SENDER: "", USERNAME: ""}
DEFAULTS[APP_URL] = ""
EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
TRUE = {"1", "true", "yes", "on"}


def is_email(text: str) -> bool:
    """A plausible single e-mail address (no display name, no list)."""
    return bool(EMAIL.match(text.strip())) and len(text.strip()) <= 255


def flag(value: str | None) -> bool:
    """A stored yes/no setting."""
    return (value or "").strip().lower() in TRUE


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send. ``password`` is read from the environment, never stored."""

    enabled: bool
    host: str
    port: int
    sender: str
    starttls: bool
    username: str
    remind_days: int
    app_url: str = ""
    password: str = ""
    timeout: float = 10.0

    @property
    def usable(self) -> bool:
        """Switched on, with a host and a sender address."""
        return self.enabled and bool(self.host) and bool(self.sender)


def config_from_settings(
    values: Mapping[str, str | None], env: Mapping[str, str] | None = None
) -> SmtpConfig:
    """The configuration from stored settings (missing ones take :data:`DEFAULTS`)."""
    env = os.environ if env is None else env

    def get(key: str) -> str:
        got = values.get(key)
        return (got if got is not None else DEFAULTS.get(key, "")).strip()

    def number(key: str) -> int:
        try:
            return int(get(key))
        except ValueError:
            return int(DEFAULTS[key])

    return SmtpConfig(
        enabled=flag(get(ENABLED)),
        host=get(HOST),
        port=number(PORT),
        sender=get(SENDER),
        starttls=flag(get(STARTTLS)),
        username=get(USERNAME),
        remind_days=number(REMIND_DAYS),
        app_url=get(APP_URL),
        password=env.get(PASSWORD_ENV, ""),
    )


def check_settings(values: Mapping[str, str]) -> list[tuple[str, dict[str, object]]]:
    """Problems with settings an administrator typed: (locale key under ``notify.bad.``, fields)."""
    bad: list[tuple[str, dict[str, object]]] = []
    port = values.get(PORT, DEFAULTS[PORT]).strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        bad.append(("port", {"value": port}))
    days = values.get(REMIND_DAYS, DEFAULTS[REMIND_DAYS]).strip()
    if not days.isdigit() or not 0 < int(days) <= 60:
        bad.append(("remind_days", {"value": days}))
    sender = values.get(SENDER, "").strip()
    if sender and not is_email(sender):
        bad.append(("sender", {"value": sender}))
    host = values.get(HOST, "").strip()
    if host and not re.fullmatch(r"[A-Za-z0-9.\-:\[\]]+", host):
        bad.append(("host", {"value": host}))
    if flag(values.get(ENABLED)) and (not host or not sender):
        bad.append(("enabled_incomplete", {}))
    return bad
