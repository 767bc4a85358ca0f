"""``python -m assessment peers define --file FILE | show [--json] | nearest CODE``: like-for-like peers.

* ``peers define --file groups.csv [--as USERNAME]``: an administrator's peer groups, a CSV with
  the columns ``region_code`` and ``group`` (one row per reporting region; UTF-8). A file with any
  problem (unknown or non-reporting code, a code twice, an empty group) is refused whole, every
  problem printed in Chinese and English, and nothing is stored. The groups replace any defined
  before; they are kept as a setting (``peer_groups.admin``) and need the right to manage settings.
* ``peers show [--json]``: the stored groups.
* ``peers nearest CODE [--k K] [--scope province|national] [--period YEAR] [--json]``: the nearest
  neighbours of a region on its attributes (log population and fiscal capacity per head,
  standardised; urban, mountainous, ethnic autonomous as 0/1; equal weights), nearest first, as the
  pages use them (k: 5 in the province, 15 nationally).

The database is ``ASSESSMENT_DB_URL``. Exit codes: 0 done, 1 refused (messages in Chinese and
English), 2 usage.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assessment.commands._common import actor_argument, documented_parser, usage
from assessment.domain.errors import DataFileError, localized_problem
from assessment.domain.i18n import both


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``peers`` sub-command and its actions."""
    parser = documented_parser(subparsers, "peers", both("peer_groups.cli.help"), __doc__)
    actions = parser.add_subparsers(dest="peers_action", metavar="ACTION")
    parser.set_defaults(func=usage(parser))

    define = actions.add_parser("define", help="store an administrator's peer groups / 定义同类组")
    define.add_argument("--file", type=Path, required=True, help="CSV: region_code,group / 同类组表")
    actor_argument(define)
    define.set_defaults(func=run_define)

    show = actions.add_parser("show", help="the stored peer groups / 查看同类组")
    show.add_argument("--json", action="store_true", help="print JSON / 以 JSON 输出")
    actor_argument(show)
    show.set_defaults(func=run_show)

    near = actions.add_parser("nearest", help="a region's nearest neighbours / 最近邻")
    near.add_argument("code", help="region code / 地区代码")
    near.add_argument("--k", type=int, default=None, help="how many (default 5, nationally 15)")
    near.add_argument("--scope", choices=("province", "national"), default="province")
    near.add_argument("--period", type=int, default=None, help="population of this year")
    near.add_argument("--json", action="store_true", help="print JSON / 以 JSON 输出")
    near.set_defaults(func=run_nearest)


def run_define(args: argparse.Namespace) -> int:
    """Parse and check ``args.file`` whole, then store it as ``args.actor``."""
    from assessment.commands.import_ import default_actor
    from assessment.scoring.peer_groups import check_codes, parse_group_csv
    from assessment.store import Store

    mapping, problems = parse_group_csv(args.file.read_bytes(), args.file.name)
    with Store() as store:
        problems += check_codes(mapping, store.region_tree())  # every problem at once
        if problems:
            raise DataFileError(problems)
        n = store.define_peer_groups(args.actor or default_actor(), mapping)
    print(both("peer_groups.cli.defined", n=n, groups=len(set(mapping.values())), file=args.file.name))
    return 0


def run_show(args: argparse.Namespace) -> int:
    """Print the stored groups (code, group per line, or JSON)."""
    from assessment.commands.import_ import default_actor
    from assessment.store import Store

    with Store() as store:
        groups = store.peer_group_definition(args.actor or default_actor())
    if args.json:
        print(json.dumps(groups, ensure_ascii=False, indent=2, sort_keys=True))
    elif not groups:
        print(both("peer_groups.cli.none"))
    else:
        for code, group in sorted(groups.items(), key=lambda kv: (kv[1], kv[0])):
            print(f"{code}\t{group}")
    return 0


def run_nearest(args: argparse.Namespace) -> int:
    """Print the nearest neighbours of ``args.code`` with their distances."""
    from assessment.scoring.peer_groups import nearest_neighbours
    from assessment.store import Store

    with Store() as store:
        tree = store.region_tree()
    if args.code not in tree:
        p = localized_problem(
            "peer_groups.unknown_region", {"code": args.code}, key="peer_groups.cli.unknown_region"
        )
        raise DataFileError([p])
    nn = nearest_neighbours(tree, args.code, args.k, args.scope, args.period)
    rows = [
        {
            "rank": int(r["rank"]),
            "code": r["peer_code"],
            "name_zh": tree.get(r["peer_code"]).name_zh,
            "name_en": tree.get(r["peer_code"]).name_en,
            "distance": round(float(r["distance"]), 4),
            "attributes_missing": r["attributes_missing"],
        }
        for r in nn.to_dict("records")
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['rank']}\t{r['code']}\t{r['name_zh']}\t{r['name_en']}\t{r['distance']:.3f}")
    if any(r["attributes_missing"] for r in rows) or tree.get(args.code).fiscal_capacity_per_head is None:
        print(both("peer_groups.cli.missing_fiscal", code=args.code))
    return 0
