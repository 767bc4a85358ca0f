"""``python -m assessment catalogue [--edition ID] [--json]``: what a catalogue edition holds.

With ``--json`` it prints exactly ``assessment.catalogue.summary(edition)``; otherwise a short
bilingual summary for people. A malformed edition exits 1 with its problems (via the CLI).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter

from assessment.catalogue import DEFAULT_EDITION, list_editions, load_edition, summary
from assessment.domain.i18n import both, t
from assessment.domain.model import KINDS, Edition


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``catalogue`` sub-command."""
    parser = subparsers.add_parser(
        "catalogue", help=both("catalogue.cli.help"), description=both("catalogue.cli.help")
    )
    parser.add_argument(
        "--edition", default=DEFAULT_EDITION, choices=list_editions(), help=both("catalogue.cli.edition_help")
    )
    parser.add_argument("--json", action="store_true", help=both("catalogue.cli.json_help"))
    parser.set_defaults(func=run)


def describe(edition: Edition) -> list[str]:
    """Human-readable lines (Chinese, then English) summarising ``edition``."""
    counts = summary(edition)
    verified = sum(item.verified for item in edition.items)
    floors = [ind for ind in edition.indicators if ind.national_floor is not None]
    unconfirmed = sum(not ind.floor_confirmed for ind in floors)
    kinds = Counter(ind.kind for ind in edition.indicators)
    kind_text = ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS if kinds[kind])
    lines = [f"{edition.id}  {edition.title_zh} / {edition.title_en}"]
    lines.append(f"{both('catalogue.cli.published')}: {edition.published}")
    for lang in ("zh", "en"):
        lines.append(t("catalogue.cli.counts", lang, verified=verified, **counts))
    for lang in ("zh", "en"):
        lines.append(t("catalogue.cli.floors", lang, floors=len(floors), unconfirmed=unconfirmed))
    lines.append(f"{both('catalogue.cli.kinds')}: {kind_text}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Print the summary of ``args.edition``; 0 on success (DataFileError is handled by the CLI)."""
    edition = load_edition(args.edition)
    if args.json:
        print(json.dumps(summary(edition), ensure_ascii=False))
    else:
        print("\n".join(describe(edition)))
    return 0
