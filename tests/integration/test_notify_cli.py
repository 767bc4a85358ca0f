"""``python -m assessment notify``: off by default says so; ``remind`` mails a real SMTP server on
loopback once; ``send`` retries what failed; ``status`` counts (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from assessment.cli import main
from assessment.store import Store, audit
from tests.fixtures import ADMIN, EVALUATOR, PERIOD, prepare
from tests.smtp_server import SmtpServer


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def test_notify_commands(db: str, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    with prepare(Store(db)) as store:
        store.add_user("system", "off_101", "County", "official", "990101")
        store.set_user_email(ADMIN, "off_101", "off101@example.gov.cn")
        store.set_deadline(EVALUATOR, PERIOD, audit.utcnow() + timedelta(days=2))
    code, out = _run(capsys, "notify", "remind")
    assert code == 0 and "未开启" in out and "switched off" in out
    assert smtp.messages == []
    with Store(db) as store:
        store.set_notification_settings(
            ADMIN,
            {
                "notify.enabled": "1",
                "smtp.host": "127.0.0.1",
                "smtp.port": str(smtp.port),
                "smtp.from": "noreply@example.gov.cn",
                "smtp.starttls": "0",
            },
        )
    code, out = _run(capsys, "notify", "remind")
    assert code == 0 and "1 queued, 1 sent, 0 failed" in out, out
    assert [m.recipients for m in smtp.messages] == [["off101@example.gov.cn"]]
    code, out = _run(capsys, "notify", "remind")
    assert code == 0 and "0 queued, 0 sent" in out and len(smtp.messages) == 1
    code, out = _run(capsys, "notify", "send")
    assert code == 0 and "0 mails sent" in out
    code, out = _run(capsys, "notify", "status")
    assert code == 0 and "on. 0 pending, 1 sent, 0 failed" in out and "已开启" in out, out
    code, out = _run(capsys, "notify", "send", "--as", "nobody")
    assert code == 1
