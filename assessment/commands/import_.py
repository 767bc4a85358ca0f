"""``python -m assessment import FILE [--as USERNAME] [--region CODE] [--period YEAR] [--json]``.

Validates a filled template or a batch file exactly as the upload page does
(:func:`assessment.intake.ingest.read_upload`, against the database's region tree and local standards) and
stores it as a new submission version (:meth:`assessment.store.Store.import_upload`). Prints the
version stored, or that the identical file was already there. The database is ``ASSESSMENT_DB_URL``.

Its steps (reading, validating, storing) are printed on stderr as "NN% step" lines, since a
national batch file takes seconds; ``--quiet`` prints none.

Exit codes: 0 stored (or already stored), 1 invalid (every validation message printed in Chinese
and English; nothing stored), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from assessment.commands._common import actor_argument, summarised_parser
from assessment.domain.i18n import both

DEFAULT_ACTOR = "system"


def default_actor() -> str:
    """``$ASSESSMENT_USER``, else the built-in ``system`` user."""
    return os.environ.get("ASSESSMENT_USER") or DEFAULT_ACTOR


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``import`` sub-command."""
    parser = summarised_parser(
        subparsers,
        "import",
        "validate and store a filled template or batch file / 校验并保存填报文件",
        __doc__,
    )
    parser.add_argument("file", type=Path, help="xlsx template or batch file (xlsx/csv) / 填报文件")
    actor_argument(parser)
    parser.add_argument("--region", metavar="CODE", help="expected region code / 预期地区代码")
    parser.add_argument("--period", type=int, metavar="YEAR", help="expected period / 预期报告期")
    parser.add_argument("--edition", metavar="ID", help="catalogue edition (default: current) / 标准版本")
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON / 以 JSON 输出")
    parser.add_argument(
        "--reply", metavar="TEXT", help="your reply to the return, stored with the version / 对退回意见的答复"
    )
    parser.add_argument("--quiet", action="store_true", help=both("progress.cli.quiet_help"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from assessment.commands._progress import printer
    from assessment.domain.editions import edition_chooser
    from assessment.intake.ingest import read_upload
    from assessment.store import Store
    from assessment.store.users import require

    actor = args.actor or default_actor()
    progress = (lambda fraction, step: None) if args.quiet else printer()
    progress(0.0, "progress.import.reading")
    try:
        data = args.file.read_bytes()
    except OSError as err:
        print(
            both("store.cli.file_not_found", path=str(args.file), reason=err.strerror or type(err).__name__),
            file=sys.stderr,
        )
        return 1
    with Store() as store:
        with store.read() as conn:
            require(conn, actor)
        tree = store.region_tree()
        if len(tree) == 0:
            print(both("store.cli.no_tree"), file=sys.stderr)
            return 1
        if args.region is not None:  # unknown, or not one the actor may upload to: exit 1
            store.check_region(actor, args.region, "upload")
        local = store.local_indicators()
        progress(0.1, "progress.import.validating")
        edition = (
            store.edition_revision(args.edition)
            if args.edition
            else edition_chooser(store.edition_schedule(), local, tree)
        )  # by default the edition in force for the file's period
        result = read_upload(
            data,
            args.file.name,
            edition=edition,
            tree=tree,
            local_standards=(*store.local_standards(), *(li.as_standard() for li in local)),
            expected_region=args.region,
            expected_period=args.period,
            history=store.values(actor),
        )
        if not result.ok:
            print(
                both("store.cli.invalid_upload", file=args.file.name, count=len(result.errors)),
                file=sys.stderr,
            )
            for p in result.errors:
                print("  " + p.logged(), file=sys.stderr)
            return 1
        progress(0.6, "progress.import.storing")
        outcome = store.import_upload(actor, data, args.file.name, result, reply=args.reply)
    progress(1.0, "progress.import.done")
    if result.warnings and not args.json:
        print(both("store.cli.warnings", count=len(result.warnings)))
        for p in result.warnings:
            print("  " + p.logged())
    if args.json:
        items = [{**item.__dict__, "superseded": list(item.superseded)} for item in outcome.items]
        payload = {
            "created": outcome.created,
            "kind": outcome.kind,
            "sha256": outcome.sha256,
            "submissions": items,
            "warnings": [
                {"code": p.code, "message_zh": p.message_zh, "message_en": p.message_en}
                for p in result.warnings
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(outcome.message("zh"))
        print(outcome.message("en"))
    return 0
