"""A minimal real SMTP server on loopback for the notification tests (stdlib ``asyncio``; aiosmtpd
is not installed). It speaks enough of RFC 5321 for ``smtplib``: EHLO/HELO, MAIL, RCPT, DATA (with
dot-unstuffing), RSET, NOOP, QUIT; no STARTTLS, no AUTH. Received mails are parsed with ``email``
and kept in ``messages``."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 0
    messages: list[Received] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> SmtpServer:
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def up() -> None:
            self._server = await asyncio.start_server(self._session, self.host, self.port)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(up())
        self._loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        say("220 localhost test SMTP")
        sender, rcpts = "", []
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                verb = line[:4].upper()
                if verb == "EHLO":
                    say("250-localhost")
                    say("250-8BITMIME")
                    say("250 SMTPUTF8")
                elif verb == "HELO":
                    say("250 localhost")
                elif verb == "MAIL":
                    sender, rcpts = line.split(":", 1)[1].split()[0].strip("<>"), []
                    say("250 OK")
                elif verb == "RCPT":
                    rcpts.append(line.split(":", 1)[1].strip().strip("<>"))
                    say("250 OK")
                elif verb == "DATA":
                    say("354 End data with <CR><LF>.<CR><LF>")
                    await writer.drain()
                    chunks: list[bytes] = []
                    while True:
                        part = await reader.readline()
                        if part in (b".\r\n", b".\n", b""):
                            break
                        chunks.append(part[1:] if part.startswith(b"..") else part)
                    msg = message_from_bytes(b"".join(chunks), policy=policy.default)
                    self.messages.append(Received(sender, rcpts, msg))  # type: ignore[arg-type]
                    say("250 OK queued")
                elif verb == "RSET":
                    sender, rcpts = "", []
                    say("250 OK")
                elif verb == "NOOP":
                    say("250 OK")
                elif verb == "QUIT":
                    say("221 Bye")
                    await writer.drain()
                    break
                else:
                    say("502 Command not implemented")
                await writer.drain()
        finally:
            writer.close()


def free_port() -> int:
    """A loopback port nobody listens on (for "the SMTP server is down")."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
