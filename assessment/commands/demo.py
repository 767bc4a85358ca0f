"""``python -m assessment demo [--national] [--force | --if-empty]``: seed the fictional demo.

Without ``--national``, the demo province 示例省 (990000). With ``--national``, the fictional country
示例国 Sample Country (900000) over four fictional provinces, 示例省 among them, with a national
evaluator sign-in (``demo-national``); see ``assessment/demo/seed_national.py``.

Loads the demo region tree, local standards and every sample report (``sample_reports/*.xlsx``,
validated and imported, most approved, a few pending or returned, some late) into the database
(``ASSESSMENT_DB_URL``) and marks it as a demo database. Refuses a database that already holds data
unless ``--force`` (nothing is deleted; identical reports are not imported twice); ``--if-empty``
seeds an empty database and quietly leaves a non-empty one alone (used by ``make run``). Demo data
never enters a database with an account that is not a demo sign-in (``users add`` first, then
``make run``, leaves it alone), and ``--force`` refuses a database that was not seeded as a demo.

Exit codes: 0 seeded (or skipped with --if-empty), 1 refused (not empty, sample reports missing,
database unreachable), 2 usage.
"""

from __future__ import annotations

import argparse
import sys

from assessment.commands._common import summarised_parser
from assessment.domain.i18n import both


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``demo`` sub-command."""
    parser = summarised_parser(subparsers, "demo", "seed the demo province / 导入演示省数据", __doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--force", action="store_true", help="seed even if the database is not empty / 强制导入"
    )
    mode.add_argument("--if-empty", action="store_true", help="seed only an empty database / 仅空库时导入")
    parser.add_argument(
        "--national",
        action="store_true",
        help="seed the fictional country of four provinces instead / 导入虚构的全国演示数据（四个省）",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assessment.demo.seed import real_accounts, seed_demo
    from assessment.demo.seed_national import seed_national_demo
    from assessment.store import Store

    with Store() as store:
        if args.if_empty and (not store.is_empty() or real_accounts(store)):
            print(both("store.cli.skipped_not_empty", url=store.url.render_as_string(hide_password=True)))
            return 0
        if args.national:
            summary = seed_national_demo(store, "system", force=args.force)
        else:
            summary = seed_demo(store, "system", force=args.force)
    if summary.rejected:
        print(both("store.cli.rejected_samples", files=", ".join(summary.rejected)), file=sys.stderr)
        for p in summary.problems:
            print("  " + p.logged(), file=sys.stderr)
    print(
        both(
            "national.cli.seeded" if args.national else "store.cli.seeded",
            regions=summary.regions,
            standards=summary.standards,
            submissions=summary.submissions,
            approved=summary.approved,
            pending=summary.pending,
            returned=summary.returned,
        )
    )
    return 0
