"""A real SMTP server on loopback for the notification tests: aiosmtpd's controller (its own thread
and event loop), with a handler that parses each mail with ``email`` and keeps it in ``messages``.
``smtplib`` talks to it exactly as to a production server (EHLO, MAIL, RCPT, DATA, QUIT)."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    """``SmtpServer().start()`` listens on 127.0.0.1 on a free port (``.port``) until ``stop()``."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._controller: Controller | None = None

    # aiosmtpd calls its handler's hooks by name
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content
        msg = message_from_bytes(data if isinstance(data, bytes) else data.encode(), policy=policy.default)
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 OK queued"

    def start(self) -> SmtpServer:
        self.port = self.port or free_port()
        self._controller = Controller(self, hostname=self.host, port=self.port, ready_timeout=10)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def free_port() -> int:
    """A loopback port nobody listens on (for "the SMTP server is down")."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
