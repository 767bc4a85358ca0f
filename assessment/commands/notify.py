"""``python -m assessment notify send|remind|status [--days N] [--as USER]``: e-mail notifications.

``send`` delivers the queued mails that are due (new ones, and failed ones to retry); ``remind``
queues the deadline reminders due (regions that have not reported, whose effective deadline is
within the next N days, ``notify.remind_days`` by default; once per region, period and official)
and sends them; ``status`` prints whether notifications are on and the outbox counts. Run
``remind`` once a day and ``send`` every few minutes from cron (see docs/NOTIFICATIONS.md). With
notifications switched off both do nothing and say so.

Exit codes: 0 done (also when some mails failed: they stay queued for the next run), 1 refused,
2 usage.
"""

from __future__ import annotations

import argparse

from assessment.commands._common import actor_argument, summarised_parser
from assessment.domain.i18n import t


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``notify`` sub-command."""
    parser = summarised_parser(
        subparsers, "notify", "send e-mail notifications and reminders / 发送邮件通知", __doc__
    )
    parser.add_argument("action", choices=("send", "remind", "status"), help="send | remind | status")
    parser.add_argument("--days", type=int, default=None, help="days of notice / 提前提醒天数")
    actor_argument(parser, default="system")
    parser.set_defaults(func=run)


def _print(key: str, **fields: object) -> None:
    for lang in ("zh", "en"):
        print(t(key, lang, **fields))


def run(args: argparse.Namespace) -> int:
    from assessment.store import Store

    with Store() as store:
        config = store.notification_config()
        if args.action == "status":
            box = store.outbox(args.actor, limit=100_000)
            counts = box["status"].value_counts().to_dict() if not box.empty else {}
            numbers = {k: int(counts.get(k, 0)) for k in ("pending", "sent", "failed")}
            state = "notify.cli.on" if config.usable else "notify.cli.off"
            for lang in ("zh", "en"):
                print(t("notify.cli.status", lang, state=t(state, lang), **numbers))
            return 0
        if not config.usable:
            _print("notify.cli.disabled")
            return 0
        if args.action == "remind":
            done = store.remind(args.actor, days=args.days)
            _print("notify.cli.reminded", **done)
        else:
            done = store.send_notifications(args.actor)
            _print("notify.cli.sent", **done)
    return 0
