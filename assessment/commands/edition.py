"""``python -m assessment edition ACTION``: the catalogue editions in the database.

  edition list                                  editions, the period each is in force from, revisions
  edition export --edition ID [--revision N] -o FILE.xlsx [--lang zh|en]
                                                the catalogue as a workbook to correct
  edition import FILE.xlsx --as ADMIN [--note TEXT] [--dry-run]
                                                a corrected workbook as the next revision (the
                                                differences are printed first; nothing is saved
                                                when any cell is refused or with --dry-run)
  edition in-force --edition ID (--from YEAR | --none) --as ADMIN
                                                the first period scored by the edition
  edition diff --old ID[:REV] --new ID[:REV] [-o FILE.csv]
                                                every changed cell between two revisions/editions
  edition crosswalk --old ID --new ID [-o FILE.csv]
                                                what became of each item and indicator code

Each period is scored by the edition in force for it (defaults: CN-2021 up to 2022, CN-2023 from
2023) at that edition's newest revision; every score names the edition and revision it used.
Exit codes: 0 done, 1 refused (messages in Chinese and English), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from assessment.commands._common import actor_argument, documented_parser, usage
from assessment.domain.i18n import both

if TYPE_CHECKING:
    from assessment.domain.model import Edition
    from assessment.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``edition`` sub-command."""
    parser = documented_parser(subparsers, "edition", both("editions.cli.help"), __doc__)
    actions = parser.add_subparsers(dest="edition_action", metavar="ACTION")
    parser.set_defaults(func=usage(parser))

    lst = actions.add_parser("list", help="editions and revisions / 版本与修订")
    lst.set_defaults(func=run_list)

    exp = actions.add_parser("export", help="catalogue workbook / 导出目录工作簿")
    exp.add_argument("--edition", required=True, help="edition id / 版本")
    exp.add_argument("--revision", type=int, default=None, help="revision (default newest) / 修订号")
    exp.add_argument("-o", "--output", type=Path, required=True, help="FILE.xlsx")
    exp.add_argument("--lang", choices=("zh", "en"), default="zh")
    exp.set_defaults(func=run_export)

    imp = actions.add_parser("import", help="import a corrected catalogue / 导入修订后的目录")
    imp.add_argument("file", type=Path, help="FILE.xlsx")
    imp.add_argument("--note", default="", help="why / 修订说明")
    imp.add_argument("--dry-run", action="store_true", help="check and show the differences only / 只检查")
    actor_argument(imp)
    imp.set_defaults(func=run_import)

    inf = actions.add_parser("in-force", help="the first period an edition applies to / 适用起始期")
    inf.add_argument("--edition", required=True)
    when = inf.add_mutually_exclusive_group(required=True)
    when.add_argument("--from", dest="start", type=int, help="YEAR")
    when.add_argument("--none", action="store_true", help="in force for no period / 不适用于任何报告期")
    actor_argument(inf)
    inf.set_defaults(func=run_in_force)

    dif = actions.add_parser("diff", help="differences / 差异")
    dif.add_argument("--old", required=True, help="ID or ID:REV")
    dif.add_argument("--new", required=True, help="ID or ID:REV")
    dif.add_argument("-o", "--output", type=Path, default=None, help="FILE.csv")
    dif.add_argument("--lang", choices=("zh", "en"), default="zh")
    dif.set_defaults(func=run_diff)

    cw = actions.add_parser("crosswalk", help="crosswalk / 版本对照")
    cw.add_argument("--old", default="CN-2021")
    cw.add_argument("--new", default="CN-2023")
    cw.add_argument("-o", "--output", type=Path, default=None, help="FILE.csv")
    cw.add_argument("--lang", choices=("zh", "en"), default="zh")
    cw.set_defaults(func=run_crosswalk)


def _actor(args: argparse.Namespace) -> str:
    from assessment.commands.import_ import default_actor

    return str(args.actor or default_actor())


def run_list(args: argparse.Namespace) -> int:
    """Print each edition, the period it is in force from, and its revisions."""
    from assessment.store import Store
    from assessment.views.upload import beijing_time

    with Store() as store:
        schedule = store.edition_schedule()
        revisions = store.edition_revisions()
    for ed in schedule.editions:
        start = both("editions.cli.never") if ed.effective_from is None else str(ed.effective_from)
        print(f"{ed.id}  {ed.title_zh} / {ed.title_en}")
        current = both("editions.cli.current")
        print(f"  {both('editions.cli.in_force_from')}: {start}   {current}: r{ed.revision}")
        for r in revisions.loc[revisions["edition_id"] == ed.id].itertuples():
            who = (
                f"{r.created_by} {beijing_time(r.created_at)}"
                if r.revision > 1
                else both("editions.cli.shipped")
            )
            print(f"    r{r.revision}  {who}  {r.note}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the catalogue workbook of an edition's revision."""
    from assessment.intake.edition_workbook import edition_workbook
    from assessment.store import Store

    with Store() as store:
        edition = store.edition_revision(args.edition, args.revision)
    args.output.write_bytes(edition_workbook(edition, args.lang))
    print(both("editions.cli.exported", edition=edition.label, file=str(args.output)))
    return 0


def _read(path: Path) -> bytes:
    from assessment.catalogue.regions import read_data_file

    return read_data_file(path)


def run_import(args: argparse.Namespace) -> int:
    """Check a corrected workbook against the edition it names, print the differences, save it."""
    from assessment.intake.edition_workbook import diff_editions, read_edition_workbook, workbook_edition_id
    from assessment.store import Store

    actor = _actor(args)
    data = _read(args.file)
    with Store() as store:
        store.authorize(actor, "manage_editions")
        edition_id = workbook_edition_id(data, args.file.name)
        current = store.edition_revision(edition_id)
        new = read_edition_workbook(data, current)
        diff = diff_editions(current, new)
        print(both("editions.cli.diff_count", edition=current.label, n=len(diff)))
        if len(diff):
            print(diff.to_string(index=False, max_colwidth=60))
        if args.dry_run:
            return 0
        number = store.save_edition_revision(actor, new, args.note)
    print(both("editions.cli.saved", edition=edition_id, revision=number))
    return 0


def run_in_force(args: argparse.Namespace) -> int:
    """Set the first period an edition is scored for."""
    from assessment.store import Store

    with Store() as store:
        store.set_edition_in_force(_actor(args), args.edition, None if args.none else args.start)
        schedule = store.edition_schedule()
    for ed in schedule.scheduled:
        print(f"{ed.id}: {both('editions.cli.in_force_from')} {ed.effective_from}")
    return 0


def _pick(store: Store, spec: str) -> Edition:
    """The revision ``ID`` (newest) or ``ID:rN`` names."""
    edition_id, _, rev = spec.partition(":")
    return store.edition_revision(edition_id, int(rev.lstrip("r")) if rev else None)


def run_diff(args: argparse.Namespace) -> int:
    """Print (or write) every changed cell between two revisions or editions."""
    from assessment.intake.edition_workbook import diff_editions
    from assessment.store import Store

    with Store() as store:
        old, new = _pick(store, args.old), _pick(store, args.new)
    diff = diff_editions(old, new, args.lang)
    return _write(diff, args.output)


def run_crosswalk(args: argparse.Namespace) -> int:
    """Print (or write) the crosswalk between two shipped editions."""
    from assessment.catalogue.crosswalk import crosswalk_frame, load_crosswalk

    rows = load_crosswalk(args.old, args.new)
    if not rows:
        print(both("editions.cli.no_crosswalk", old=args.old, new=args.new), file=sys.stderr)
        return 1
    return _write(crosswalk_frame(rows, args.lang), args.output)


def _write(frame: object, output: Path | None) -> int:
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if output is None:
        print(frame.to_csv(index=False), end="")
    else:
        output.write_bytes(frame.to_csv(index=False).encode("utf-8-sig"))
        print(both("editions.cli.written", file=str(output), n=len(frame)))
    return 0
