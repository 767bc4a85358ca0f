"""``python -m assessment review ID --approve|--return|--reopen --comment TEXT [--reason CODE] --as USER``.

Records an evaluator's decision on a submission version: approve (locks it), return (a comment
saying what to fix is required; ``--reason`` one of the reason codes, default ``other``) or reopen
(puts an approved or returned latest version back to pending; comment required). Illegal
transitions are refused with a message.

Exit codes: 0 done, 1 refused (unknown submission or user, illegal transition, missing comment),
2 usage.
"""

from __future__ import annotations

import argparse

from assessment.commands._common import actor_argument, summarised_parser
from assessment.domain.i18n import t
from assessment.store.workflow import REASON_CODES


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``review`` sub-command."""
    parser = summarised_parser(
        subparsers, "review", "approve, return or reopen a submission / 审核报送", __doc__
    )
    parser.add_argument("id", type=int, help="submission id / 报送编号")
    decision = parser.add_mutually_exclusive_group(required=True)
    decision.add_argument("--approve", dest="decision", action="store_const", const="approve", help="通过")
    decision.add_argument("--return", dest="decision", action="store_const", const="return", help="退回")
    decision.add_argument("--reopen", dest="decision", action="store_const", const="reopen", help="重新打开")
    parser.add_argument("--comment", default="", metavar="TEXT", help="comment / 审核意见")
    parser.add_argument("--reason", choices=REASON_CODES, help="return reason code / 退回原因")
    actor_argument(parser, required=True)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assessment.store import Store

    with Store() as store:
        if args.decision == "reopen":
            sub = store.reopen(args.actor, args.id, args.comment)
        else:
            sub = store.review(args.actor, args.id, args.decision, args.comment, args.reason)
    for lang in ("zh", "en"):
        print(
            t(
                "store.cli.reviewed",
                lang,
                id=sub.id,
                region=sub.region_code,
                period=sub.period,
                version=sub.version,
                status=t(f"store.status.{sub.status}", lang),
            )
        )
    return 0
