"""``python -m assessment validate FILE [--region CODE] [--period YEAR] [--json] [--annotate OUT.xlsx]``.

Checks a filled template or a batch file (xlsx or csv) exactly as the upload page does
(:func:`assessment.intake.ingest.read_upload`). The region tree, local standards and earlier values (for
the plausibility warnings) come from the database, or from the demo province with ``--demo``.

The acting user is ``--as`` (default ``$ASSESSMENT_USER``, else ``system``): a ``--region`` outside
its regions is refused, and the earlier values behind the warnings are only its regions'.

Exit codes: 0 valid (warnings are printed), 1 invalid (every problem printed in Chinese and
English; also an unknown region or one outside the acting user's), 2 usage (missing file, unknown
edition). ``--json`` prints
``{"valid": bool, "errors": [...], "warnings": [...]}`` with code, sheet, cell, row, column,
value, message_zh, message_en per entry, plus kind, region_code, period, edition, sha256, rows.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from assessment.commands._common import actor_argument, documented_parser
from assessment.domain.editions import EditionChooser
from assessment.domain.errors import Problem
from assessment.domain.i18n import both
from assessment.domain.model import Edition, LocalStandard, RegionTree

PROBLEM_FIELDS = ("code", "sheet", "cell", "row", "column", "value", "message_zh", "message_en")


@dataclass(frozen=True)
class Reference:
    """What uploads are checked against: one edition (``--edition``) or the chooser of the edition
    in force for a file's period and region (with the local-only indicators that apply)."""

    edition: Edition | EditionChooser
    tree: RegionTree
    standards: tuple[LocalStandard, ...]
    history: pd.DataFrame | None

    def edition_for(self, period: int | None, region: str | None) -> Edition:
        """The catalogue of ``period`` and ``region``."""
        return self.edition if isinstance(self.edition, Edition) else self.edition(period, region)


def add_source_args(parser: argparse.ArgumentParser) -> None:
    """``--demo``, ``--edition`` and ``--as``, shared by ``template`` and ``validate``."""
    parser.add_argument(
        "--edition",
        metavar="ID",
        help="catalogue edition (default: the one in force for the period) / 标准版本",
    )
    parser.add_argument(
        "--demo", action="store_true", help="use the demo province instead of the database / 使用演示省数据"
    )
    actor_argument(parser)


def load_reference(
    args: argparse.Namespace, with_history: bool = False, action: str = "view"
) -> Reference | str:
    """The edition (or the chooser of the edition in force per period), tree, local standards (and
    history) for a command, or an error message.

    From the database, as the acting user (``--as``, default ``$ASSESSMENT_USER`` or ``system``):
    a ``--region`` that is not in the tree or on which the user may not do ``action`` is refused
    (StoreError / AccessDenied: exit 1), and the history is limited to the user's regions."""
    from assessment import catalogue as standards
    from assessment.domain.editions import edition_chooser

    if args.edition and args.edition not in standards.list_editions():
        return both("ingest.cli.unknown_edition", edition=args.edition)
    if args.demo:
        from assessment.demo import demo_local_standards, demo_tree, scheduled_values

        tree = demo_tree()
        schedule = standards.shipped_schedule()
        chosen: Edition | EditionChooser = (
            standards.load_edition(args.edition) if args.edition else edition_chooser(schedule, (), tree)
        )
        history = scheduled_values(schedule, tree) if with_history else None
        stds = tuple(demo_local_standards(standards.load_edition()))
        return Reference(chosen, tree, stds, history)
    from assessment.commands.import_ import default_actor
    from assessment.store import Store

    actor = args.actor or default_actor()
    with Store() as store:
        tree = store.region_tree()
        if args.region and len(tree):
            store.check_region(actor, args.region, action)
        local = store.local_indicators()
        stds = (*store.local_standards(), *(li.as_standard() for li in local))
        schedule = store.edition_schedule()
        chosen = (
            store.edition_revision(args.edition) if args.edition else edition_chooser(schedule, local, tree)
        )
        history = store.values(actor) if with_history else None
    return Reference(chosen, tree, stds, history)


def problem_dict(p: Problem) -> dict[str, object]:
    """One problem as the ``--json`` output shows it."""
    return {field: getattr(p, field) for field in PROBLEM_FIELDS}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` sub-command."""
    parser = documented_parser(
        subparsers, "validate", "check a filled template or batch file / 检查填报文件", __doc__
    )
    parser.add_argument("file", help="the .xlsx or .csv file / 要检查的文件")
    parser.add_argument("--region", metavar="CODE", help="the region (or jurisdiction) reporting / 填报地区")
    parser.add_argument("--period", type=int, metavar="YEAR", help="the period reported / 填报期间")
    parser.add_argument("--json", action="store_true", help="machine-readable output / 输出 JSON")
    parser.add_argument("--annotate", metavar="OUT.xlsx", help="write the annotated copy / 输出标注文件")
    add_source_args(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate ``args.file``; 0 valid, 1 invalid, 2 usage."""
    from assessment.intake.annotate import annotate
    from assessment.intake.ingest import read_upload

    path = Path(args.file)
    if not path.is_file():
        print(both("ingest.cli.no_file", path=str(path)), file=sys.stderr)
        return 2
    ref = load_reference(args, with_history=True)
    if isinstance(ref, str):
        print(ref, file=sys.stderr)
        return 2
    if not len(ref.tree):  # an empty database: say what to do first
        print(both("deploy.tree_empty_hint"), file=sys.stderr)
        return 1
    if args.region and args.region not in ref.tree:  # the demo's tree (the store refused it already)
        print(both("ingest.cli.unknown_region", code=args.region), file=sys.stderr)
        return 1
    data = path.read_bytes()
    result = read_upload(
        data,
        path.name,
        edition=ref.edition,
        tree=ref.tree,
        local_standards=ref.standards,
        expected_region=args.region,
        expected_period=args.period,
        history=ref.history,
    )
    if args.annotate:
        Path(args.annotate).write_bytes(annotate(data, result))
    if args.json:
        out = {
            "valid": result.ok,
            "kind": result.kind,
            "region_code": result.region_code,
            "period": result.period,
            "edition": result.edition,
            "sha256": result.sha256,
            "rows": len(result.values),
            "errors": [problem_dict(p) for p in result.errors],
            "warnings": [problem_dict(p) for p in result.warnings],
        }
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        for p in result.problems:
            print(p.logged())  # the rule's code, then both languages
        key = "ingest.cli.valid" if result.ok else "ingest.cli.invalid"
        print(both(key, rows=len(result.values), errors=len(result.errors), warnings=len(result.warnings)))
        if args.annotate:
            print(both("ingest.cli.written", path=args.annotate))
    return 0 if result.ok else 1
