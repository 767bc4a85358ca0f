"""``python -m assessment standards import FILE [--edition ID] --as USERNAME``: local standards.

Reads a local-standards CSV (``jurisdiction_code, indicator_code, threshold, effective_from`` and
optionally ``effective_to, set_by, note``; see ``assessment/demo/local_standards.csv``) and sets
each standard as USERNAME would on the Local standards page: the file is checked whole first (the
rules of the edition and the region tree, the rows against each other and against the standards
already stored, and USERNAME's right to set each jurisdiction's standards) and nothing is stored
when any row is refused. A standard overlapping a stored one of the same jurisdiction and indicator
supersedes it, so importing the same file again changes nothing. Needs the region tree first.
Exit codes: 0 done, 1 refused (messages in Chinese and English), 2 usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assessment.commands._common import actor_argument, documented_parser, no_tree, usage
from assessment.domain.i18n import both
from assessment.domain.model import LocalStandard


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``standards`` sub-command."""
    from assessment.catalogue import DEFAULT_EDITION, list_editions

    parser = documented_parser(subparsers, "standards", both("deploy.standards_help"), __doc__)
    actions = parser.add_subparsers(dest="standards_action", metavar="ACTION")
    parser.set_defaults(func=usage(parser))
    imp = actions.add_parser("import", help="check and save a local-standards CSV / 导入地方标准")
    imp.add_argument("file", type=Path, help="local-standards CSV / 地方标准表")
    imp.add_argument("--edition", default=DEFAULT_EDITION, choices=list_editions(), help="edition / 标准版本")
    actor_argument(imp)
    imp.set_defaults(func=run_import)


def _overlap(a: LocalStandard, b: LocalStandard) -> bool:
    """Whether the effective periods of ``a`` and ``b`` share a year (None = open-ended)."""
    a_end = a.effective_to if a.effective_to is not None else 10**6
    b_end = b.effective_to if b.effective_to is not None else 10**6
    return a.effective_from <= b_end and b.effective_from <= a_end


def run_import(args: argparse.Namespace) -> int:
    """Check ``args.file`` whole (file, rights, stored standards), then set each standard."""
    from dataclasses import replace

    from assessment.catalogue import load_edition
    from assessment.catalogue.local_standards import (
        OPTIONAL_COLUMNS,
        REQUIRED_COLUMNS,
        check_local_standard,
        parse_local_standards,
    )
    from assessment.catalogue.regions import read_csv_table, read_data_file
    from assessment.commands.import_ import default_actor
    from assessment.domain.errors import DataFileError, localized_problem
    from assessment.store import Store

    actor = args.actor or default_actor()
    name = args.file.name
    edition = load_edition(args.edition)
    data = read_data_file(args.file)
    with Store() as store:
        tree = store.region_tree()
        if not len(tree):
            raise no_tree("standards", name)
        standards = parse_local_standards(data, edition, tree, name)
        if not standards:
            print(both("deploy.standards_empty", file=name))
            return 0
        rows = list(read_csv_table(data, name, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)["_row"])
        for code in sorted({s.jurisdiction_code for s in standards}):
            store.authorize(actor, "set_standard", code)
        # as the store will see them, one after the other: the stored ones minus those superseded
        on_record = list(store.local_standards())
        problems = []
        for row, std in zip(rows, standards, strict=True):
            others = [
                o
                for o in on_record
                if not (
                    o.jurisdiction_code == std.jurisdiction_code
                    and o.indicator_code == std.indicator_code
                    and _overlap(o, std)
                )
            ]
            for p in check_local_standard(std, others, edition, tree):
                if p.severity == "error":
                    problems.append(replace(p, file=name, row=int(row)))
            on_record = [*others, std]
        if problems:
            raise DataFileError(problems)
        saved = 0
        try:
            for std in standards:
                store.set_local_standard(actor, std, edition, tree)
                saved += 1
        except DataFileError as err:  # refused by the store meanwhile (a concurrent change)
            if saved:
                left = len(standards) - saved
                note = localized_problem(
                    "deploy.standards_partial", {"saved": saved, "left": left}, file=name
                )
                raise DataFileError([*err.problems, note]) from None
            raise
    print(both("deploy.standards_saved", file=name, count=len(standards)))
    return 0
