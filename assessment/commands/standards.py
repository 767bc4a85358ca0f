"""``python -m assessment standards import FILE [--edition ID] --as USERNAME``: local standards and
local-only indicators.

Reads a local-standards file, CSV or xlsx (``jurisdiction_code`` (or ``jurisdiction``),
``indicator_code, threshold, effective_from`` and optionally ``effective_to, set_by, note``; see
``assessment/demo/local_standards.csv``). A row for a code that is not in the catalogue defines a
local-only indicator of its jurisdiction and needs ``name_zh, kind, direction, lower_bound``
(optionally ``item_code, name_en, unit``): see ``assessment/catalogue/local_indicators.py``. Each
is saved as USERNAME would on the Local standards page: the file is checked whole first (the
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
    imp.add_argument(
        "--edition",
        default=None,
        choices=list_editions(),
        help=f"edition whose floors apply (default: the newest in force; e.g. {DEFAULT_EDITION}) / 标准版本",
    )
    actor_argument(imp)
    imp.set_defaults(func=run_import)


def _rows_of(data: bytes, name: str, standards: tuple[LocalStandard, ...]) -> list[int]:
    """The file row of each standard (the standards are in file order, definitions left out)."""
    from assessment.catalogue.local_indicators import with_aliases
    from assessment.catalogue.local_standards import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
    from assessment.catalogue.regions import read_csv_table

    frame = read_csv_table(with_aliases(data, name), name, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    keys = [(s.jurisdiction_code, s.indicator_code, s.effective_from) for s in standards]
    rows = {
        (j, i, int(f)): int(r)
        for j, i, f, r in zip(
            frame["jurisdiction_code"],
            frame["indicator_code"],
            frame["effective_from"].map(lambda x: int(float(x)) if x else 0),
            frame["_row"],
            strict=True,
        )
    }
    return [rows.get(k, 0) for k in keys]


def _overlap(a: LocalStandard, b: LocalStandard) -> bool:
    """Whether the effective periods of ``a`` and ``b`` share a year (None = open-ended)."""
    a_end = a.effective_to if a.effective_to is not None else 10**6
    b_end = b.effective_to if b.effective_to is not None else 10**6
    return a.effective_from <= b_end and b.effective_from <= a_end


def run_import(args: argparse.Namespace) -> int:
    """Check ``args.file`` whole (file, rights, stored standards), then set each standard."""
    from dataclasses import replace

    from assessment.catalogue.local_indicators import parse_standards_file
    from assessment.catalogue.local_standards import check_local_standard
    from assessment.catalogue.regions import read_data_file
    from assessment.commands.import_ import default_actor
    from assessment.domain.editions import with_local_indicators
    from assessment.domain.errors import DataFileError, localized_problem
    from assessment.intake.sheet_csv import table_text
    from assessment.store import Store

    actor = args.actor or default_actor()
    name = args.file.name
    data = table_text(read_data_file(args.file), name, max_bytes=64 * 1024 * 1024)
    with Store() as store:
        tree = store.region_tree()
        if not len(tree):
            raise no_tree("standards", name)
        schedule = store.edition_schedule()
        base = schedule.get(args.edition) if args.edition else schedule.latest()
        existing = store.local_indicators()
        defined, standards = parse_standards_file(
            data, base, tree, existing, name, editions=schedule.editions
        )
        if not standards and not defined:
            print(both("deploy.standards_empty", file=name))
            return 0
        for code in sorted({li.jurisdiction_code for li in defined}):
            store.authorize(actor, "set_standard", code)
        everyone = [*(e for e in existing if e.code not in {d.code for d in defined}), *defined]
        edition = with_local_indicators(base, everyone, tree)
        rows = _rows_of(data, name, standards)
        for code in sorted({s.jurisdiction_code for s in standards}):
            store.authorize(actor, "set_standard", code)
        # as the store will see them, one after the other: the stored ones minus those superseded
        on_record = [*store.local_standards(), *(li.as_standard() for li in everyone)]
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
        if defined:  # the whole file was checked: the definitions first, the standards build on them
            store.save_local_indicators(actor, defined)
            print(both("deploy.local_indicators_saved", file=name, count=len(defined)))
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
    if standards:
        print(both("deploy.standards_saved", file=name, count=len(standards)))
    return 0
