"""``python -m assessment boundaries import FILE [--as USERNAME]``: map boundaries from GeoJSON.

Checks a GeoJSON FeatureCollection (longitude/latitude, one polygon feature per region of the stored
tree, its six-digit code in ``code``, ``region_code``, ``adcode`` or ``gb``) exactly as
Administration → Boundaries does, and saves it only when every feature is usable; otherwise every
problem is printed and nothing is stored. Needs the region tree first (``regions import``).
Administrators only. Exit codes: 0 done, 1 refused (messages in Chinese and English), 2 usage.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assessment.commands._common import actor_argument, documented_parser, no_tree, usage
from assessment.domain.i18n import both


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``boundaries`` sub-command."""
    parser = documented_parser(subparsers, "boundaries", both("deploy.boundaries_help"), __doc__)
    actions = parser.add_subparsers(dest="boundaries_action", metavar="ACTION")
    parser.set_defaults(func=usage(parser))
    imp = actions.add_parser("import", help="check and save a GeoJSON file / 导入地图边界")
    imp.add_argument("file", type=Path, help="GeoJSON FeatureCollection / GeoJSON 文件")
    actor_argument(imp)
    imp.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Check ``args.file`` against the stored tree, then save it as ``args.actor``."""
    from assessment.catalogue.boundaries import parse_boundaries
    from assessment.catalogue.regions import read_data_file
    from assessment.commands.import_ import default_actor
    from assessment.store import Store

    actor = args.actor or default_actor()
    with Store() as store:
        store.authorize(actor, "manage_regions")
        tree = store.region_tree()
        if not len(tree):
            raise no_tree("boundaries", args.file.name)
        checked = parse_boundaries(read_data_file(args.file), args.file.name, tree)
        store.save_boundaries(actor, checked.geometries, args.file.name)
    print(
        both(
            "deploy.boundaries_saved",
            file=args.file.name,
            count=len(checked.geometries),
            vertices=f"{checked.vertices:,}",
        )
    )
    if checked.missing:
        shown = ", ".join(checked.missing[:10]) + (" ..." if len(checked.missing) > 10 else "")
        print(both("deploy.boundaries_missing", count=len(checked.missing), codes=shown))
    return 0
