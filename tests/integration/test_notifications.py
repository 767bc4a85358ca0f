"""E-mail notifications against a real SMTP server on loopback (issue 16, point 2), both databases:
off by default; a return mails the region's official once, the comment as plain text; an SMTP
server that is down never fails the action and the outbox keeps the error for a retry; deadline
reminders go once per region, period and official; a query answered mails the evaluators."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from assessment.store import Store, audit, notifications
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, PERIOD, upload
from tests.smtp_server import SmtpServer, free_port

COMMENT = 'S01.1 比上年下降 30%，请核实。<b>不是标记</b> {region} & "引号"'


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer().start()
    yield server
    server.stop()


def _people(store: Store) -> None:
    store.add_user("system", "off_101", "County official", "official", "990101")
    store.add_user("system", "off_102", "Other county", "official", "990102")
    store.add_user("system", "eval_jia", "Jia evaluator", "evaluator", "990100")
    store.set_user_email(ADMIN, "off_101", "off101@example.gov.cn")
    store.set_user_email(ADMIN, "off_102", "off102@example.gov.cn")
    store.set_user_email(ADMIN, "eval_jia", "jia@example.gov.cn")
    store.set_user_email(ADMIN, EVALUATOR, "prov@example.gov.cn")


def _switch_on(store: Store, port: int) -> None:
    store.set_notification_settings(
        ADMIN,
        {
            "notify.enabled": "1",
            "smtp.host": "127.0.0.1",
            "smtp.port": str(port),
            "smtp.from": "noreply@example.gov.cn",
            "smtp.starttls": "0",
        },
    )


def _returned(store: Store) -> int:
    data, result = upload("990101", PERIOD, rows={"S01.1": (60.0, None, None)})
    sid = store.import_upload(OFFICIAL, data, "990101.xlsx", result).submission_id
    store.review(EVALUATOR, sid, "return", COMMENT, "implausible")
    return sid


def _settle() -> None:
    notifications.wait_for_delivery(30)


def test_off_by_default_nothing_is_queued_or_sent(store: Store, smtp: SmtpServer) -> None:
    _people(store)
    assert store.notification_settings(ADMIN)["notify.enabled"] == "0"
    _returned(store)
    _settle()
    assert store.outbox(ADMIN).empty
    assert smtp.messages == []


def test_a_return_mails_the_official_once_with_the_comment_as_plain_text(
    store: Store, smtp: SmtpServer
) -> None:
    _people(store)
    _switch_on(store, smtp.port)
    _returned(store)
    _settle()
    assert [m.recipients for m in smtp.messages] == [["off101@example.gov.cn"]]  # not 990102, not official1
    msg = smtp.messages[0].message
    assert msg.get_content_type() == "text/plain"
    body = msg.get_content()
    assert COMMENT in body  # as typed: no markup, no placeholder filled
    assert body.index("退回") < body.index("returned")  # Chinese first, English below
    assert "数据不合理" in body or "implausible" in body.lower()
    assert "甲1县" in str(msg["Subject"]) and "Jia 1" in str(msg["Subject"])
    box = store.outbox(ADMIN)
    assert box["status"].tolist() == ["sent"] and box["recipient"].tolist() == ["off_101"]


def test_smtp_down_the_action_succeeds_and_the_outbox_keeps_the_failure(
    store: Store, smtp: SmtpServer
) -> None:
    _people(store)
    _switch_on(store, free_port())
    sid = _returned(store)
    _settle()
    assert store.submission(EVALUATOR, sid).status == "returned"
    box = store.outbox(ADMIN)
    assert box["status"].tolist() == ["failed"]
    assert box["attempts"].tolist() == [1]
    assert "Connection" in box["last_error"][0] or "refused" in box["last_error"][0].lower()
    # the server is back: the retry sends it
    _switch_on(store, smtp.port)
    assert store.send_notifications(ADMIN) == {"sent": 1, "failed": 0}
    assert len(smtp.messages) == 1
    assert store.outbox(ADMIN)["status"].tolist() == ["sent"]


def test_reminders_go_once_per_region_period_and_official(store: Store, smtp: SmtpServer) -> None:
    _people(store)
    _switch_on(store, smtp.port)
    now = datetime(2030, 3, 28, 8, tzinfo=UTC)
    store.set_deadline(EVALUATOR, PERIOD, now + timedelta(days=2, hours=1))
    data, result = upload("990102", PERIOD, rows={"S01.1": (90.0, None, None)})
    store.import_upload(OFFICIAL, data, "990102.xlsx", result)  # 990102 has reported: no reminder
    first = store.remind(ADMIN, now=now)
    assert first == {"queued": 1, "sent": 1, "failed": 0}
    assert smtp.messages[0].recipients == ["off101@example.gov.cn"]
    body = smtp.messages[0].message.get_content()
    assert "还剩 2 天" in body and "北京时间" in body and "2030-03-30 17:00" in body
    again = store.remind(ADMIN, now=now + timedelta(hours=12))
    assert again["queued"] == 0 and len(smtp.messages) == 1
    # out of the window (deadline 10 days away, 3 days notice): nothing
    store.set_deadline(EVALUATOR, PERIOD + 1, now + timedelta(days=10))
    assert store.remind(ADMIN, now=now)["queued"] == 0


def test_a_query_answered_mails_the_evaluators_of_the_jurisdiction(store: Store, smtp: SmtpServer) -> None:
    _people(store)
    _switch_on(store, smtp.port)
    with store.transaction() as conn:
        audit.record(
            conn,
            [
                audit.event(
                    "off_101",
                    "query.answer",
                    "value_query",
                    7,
                    region_code="990101",
                    details={"period": PERIOD, "indicator_code": "S01.1", "submission_id": 1},
                )
            ],
        )
    _settle()
    got = sorted(r for m in smtp.messages for r in m.recipients)
    assert got == ["jia@example.gov.cn", "prov@example.gov.cn"]
    assert "S01.1" in str(smtp.messages[0].message["Subject"])


def test_settings_are_checked_and_the_password_never_stored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessment.store import StoreError

    with pytest.raises(StoreError) as err:
        store.set_notification_settings(ADMIN, {"smtp.port": "99999", "notify.enabled": "1"})
    codes = {p.code for p in err.value.problems}
    assert codes == {"store.notify_bad_port", "store.notify_bad_enabled_incomplete"}
    assert store.notification_settings(ADMIN)["smtp.port"] == "25"
    with pytest.raises(StoreError):
        store.set_notification_settings(ADMIN, {"smtp.password": "x"})
    with pytest.raises(StoreError):
        store.set_user_email(ADMIN, "official1", "not an address")
    monkeypatch.setenv("ASSESSMENT_SMTP_PASSWORD", "s3cret-pass")
    assert store.notification_config().password == "s3cret-pass"
    assert "s3cret-pass" not in str(store.notification_settings(ADMIN))
    from assessment.domain.access import AccessDenied

    with pytest.raises(AccessDenied):
        store.notification_settings(EVALUATOR)
    with pytest.raises(AccessDenied):
        store.set_user_email(EVALUATOR, "official1", "a@example.gov.cn")


def test_delivery_does_not_slow_the_action_when_the_server_hangs(store: Store) -> None:
    """A server that accepts but never answers: the review returns at once (delivery is after the
    commit, in the background)."""
    import socket

    _people(store)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        _switch_on(store, listener.getsockname()[1])
        started = time.monotonic()
        _returned(store)
        assert time.monotonic() - started < 5
    finally:
        listener.close()
        _settle()
