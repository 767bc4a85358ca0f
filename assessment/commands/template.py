"""``python -m assessment template --region CODE --period YEAR [--lang zh|en] [--edition ID] -o FILE.xlsx``.

Writes the Excel template of one region and period (:func:`assessment.intake.template.build_template`)
with the local standards binding on it. The region tree and local standards come from the
database (read as ``--as``, default ``$ASSESSMENT_USER`` or ``system``, who must be allowed to
download the region's template), or from the demo province with ``--demo``. Exit 0 on success,
1 for an unknown region or one outside the acting user's (the message says why), 2 on usage
errors (unknown edition).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assessment.commands._common import documented_parser
from assessment.commands.validate import add_source_args, load_reference
from assessment.domain.i18n import both


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``template`` sub-command."""
    parser = documented_parser(
        subparsers, "template", "write a region's Excel template / 生成地区填报模板", __doc__
    )
    parser.add_argument("--region", required=True, metavar="CODE", help="region code / 地区代码")
    parser.add_argument("--period", required=True, type=int, metavar="YEAR", help="period / 期间（年度）")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of names / 语言")
    parser.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help="output file / 输出文件")
    add_source_args(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the template; 0 on success, 1 refused, 2 on usage errors."""
    from assessment.intake.template import build_template

    ref = load_reference(args, action="download_template")
    if isinstance(ref, str):
        print(ref, file=sys.stderr)
        return 2
    if not len(ref.tree):  # an empty database: say what to do first
        print(both("deploy.tree_empty_hint"), file=sys.stderr)
        return 1
    if args.region not in ref.tree:  # the demo's tree (the store refused it already)
        print(both("ingest.cli.unknown_region", code=args.region), file=sys.stderr)
        return 1
    edition = ref.edition_for(args.period, args.region)  # the edition in force for the period
    data = build_template(edition, ref.tree, args.region, args.period, ref.standards, args.lang)
    Path(args.output).write_bytes(data)
    print(both("ingest.cli.written", path=args.output))
    return 0
