"""``python -m assessment regions import FILE | export [-o FILE] | list [--json]``: the region tree.

* ``regions import FILE [--as USERNAME]``: check a region-tree CSV (``code, name_zh, name_en, level,
  parent_code, population`` and optionally ``urban, mountainous, ethnic_autonomous,
  fiscal_capacity_per_head, reports``; see ``assessment/demo/regions.csv``) and save it: new regions
  are added, known ones updated, absent ones retired. A file with any problem is refused whole
  (every problem printed with its row and column) and nothing is stored. Administrators only.
* ``regions export [-o FILE]``: the stored tree in the same CSV format (stdout without ``-o``); on an
  empty database only the header, a template to fill in.
* ``regions list [--json]``: the stored regions in tree order.
* ``regions template [--from CODE] [-o FILE]``: the region tree of the nation (default, ``100000``)
  or of a province from the built-in national division list (NBS statistical codes as of
  2023-06-30), codes, names, levels and parents filled in: fill the populations, then import it.

The database is ``ASSESSMENT_DB_URL``. Exit codes: 0 done, 1 refused (messages in Chinese and
English), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from assessment.commands._common import actor_argument, documented_parser, usage
from assessment.domain.i18n import both


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``regions`` sub-command and its actions."""
    parser = documented_parser(subparsers, "regions", both("deploy.regions_help"), __doc__)
    actions = parser.add_subparsers(dest="regions_action", metavar="ACTION")
    parser.set_defaults(func=usage(parser))

    imp = actions.add_parser("import", help="check and save a region-tree CSV / 导入行政区划表")
    imp.add_argument("file", type=Path, help="region-tree CSV / 行政区划表")
    actor_argument(imp)
    imp.set_defaults(func=run_import)

    exp = actions.add_parser("export", help="the stored tree as CSV / 导出行政区划表")
    exp.add_argument("-o", "--output", type=Path, help="output file (default stdout) / 输出文件")
    exp.set_defaults(func=run_export)

    lst = actions.add_parser("list", help="list the stored regions / 列出地区")
    lst.add_argument("--json", action="store_true", help="print JSON / 以 JSON 输出")
    lst.set_defaults(func=run_list)

    tpl = actions.add_parser("template", help=both("divisions.template_help"))
    tpl.add_argument(
        "--from", dest="code", default="100000", metavar="CODE", help="100000 or a province code"
    )
    tpl.add_argument("-o", "--output", type=Path, help="output file (default stdout) / 输出文件")
    tpl.set_defaults(func=run_template)


def run_import(args: argparse.Namespace) -> int:
    """Check ``args.file`` whole, then save it as ``args.actor`` (DataFileError: exit 1 via the CLI)."""
    from assessment.catalogue.regions import load_region_tree
    from assessment.commands.import_ import default_actor
    from assessment.store import Store

    tree = load_region_tree(args.file)
    _warn_unlisted([r.code for r in tree])
    with Store() as store:
        counts = store.save_region_tree(args.actor or default_actor(), tree)
    print(
        both(
            "deploy.tree_saved",
            file=args.file.name,
            added=counts.get("added", 0),
            updated=counts.get("updated", 0),
            retired=counts.get("retired", 0),
            count=len(tree),
        )
    )
    return 0


def _warn_unlisted(codes: list[str]) -> None:
    """Say which codes are not on the national division list (allowed: new or test regions)."""
    from assessment.catalogue.divisions import DIVISIONS_AS_OF, unlisted_codes

    unlisted = unlisted_codes(codes)
    if unlisted:
        shown = ", ".join(unlisted[:20]) + (" …" if len(unlisted) > 20 else "")
        print(
            both("divisions.unlisted", count=len(unlisted), codes=shown, as_of=DIVISIONS_AS_OF),
            file=sys.stderr,
        )


def run_template(args: argparse.Namespace) -> int:
    """Write the division subtree of ``args.code`` as a region-tree CSV to fill in."""
    from assessment.catalogue.divisions import division_tree_csv

    data = division_tree_csv(args.code)
    count = data.count(b"\n") - 1
    if args.output is None:
        sys.stdout.write(data.decode("utf-8-sig"))
        return 0
    args.output.write_bytes(data)
    print(both("divisions.template_written", count=count, code=args.code, file=args.output), file=sys.stderr)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """Write the stored tree as CSV (header only when there is none yet)."""
    from assessment.store import Store
    from assessment.views.admin import region_csv

    with Store() as store:
        tree = store.region_tree()
    data = region_csv(tree)
    if args.output is None:
        sys.stdout.write(data.decode("utf-8"))
        if not len(tree):
            print(both("deploy.tree_empty_hint"), file=sys.stderr)
        return 0
    args.output.write_bytes(data)
    key = "deploy.tree_exported" if len(tree) else "deploy.tree_exported_empty"
    print(both(key, count=len(tree), file=args.output), file=sys.stderr)
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Print the stored regions (or, with none, the next step)."""
    from assessment.domain.model import LEVEL_RANK
    from assessment.store import Store
    from assessment.views.admin import tree_order

    with Store() as store:
        tree = store.region_tree()
    order = tree_order(tree)
    if args.json:
        rows = [{"code": r.code, **{k: v for k, v in r.__dict__.items() if k != "code"}} for r in order]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        if not order:
            print(both("deploy.tree_empty_hint"), file=sys.stderr)
        return 0
    if not order:
        print(both("deploy.tree_empty_hint"))
        return 0
    top = min(LEVEL_RANK[r.level] for r in order)
    for r in order:
        indent = "  " * (LEVEL_RANK[r.level] - top)
        print(f"{r.code}  {indent}{r.name_zh} / {r.name_en}  ({r.level}, {r.population:,})")
    return 0
