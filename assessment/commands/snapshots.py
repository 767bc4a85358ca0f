"""``python -m assessment snapshots rebuild [--period YEAR ...] [--force] [--quiet]`` and
``python -m assessment snapshots status``: the per-period value snapshots
(:mod:`assessment.store.snapshots`).

After an upgrade (or restoring a database) the snapshots may all be stale; left alone, the first
viewer of a national page would rebuild them while waiting. ``rebuild`` does it ahead, printing its
progress on stderr, so that the first viewer finds them ready; ``make run`` calls it before serving.
It takes no lock that holds up users: it reads in a read-only transaction and writes each period in
a short one, so it may run while the app serves. A snapshot is a cache of values the viewer could
read anyway and the command prints only counts, so it needs no acting user (like ``demo``).

Exit codes: 0 done (``status``: every snapshot ready), 1 ``status`` found a stale snapshot, 2 usage.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from assessment.commands._common import summarised_parser, usage
from assessment.commands._progress import printer
from assessment.domain.i18n import both
from assessment.store import engine
from assessment.store.errors import storage_failure

if TYPE_CHECKING:
    from assessment.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``snapshots`` sub-command with ``rebuild`` and ``status``."""
    parser = summarised_parser(subparsers, "snapshots", both("progress.cli.help"), __doc__)
    parser.set_defaults(func=usage(parser))
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    rebuild = sub.add_parser("rebuild", help=both("progress.cli.rebuild_help"))
    rebuild.add_argument(
        "--period", type=int, action="append", metavar="YEAR", help=both("progress.cli.period_help")
    )
    rebuild.add_argument("--force", action="store_true", help=both("progress.cli.force_help"))
    rebuild.add_argument("--quiet", action="store_true", help=both("progress.cli.quiet_help"))
    rebuild.set_defaults(func=run_rebuild)
    status = sub.add_parser("status", help=both("progress.cli.status_help"))
    status.add_argument(
        "--period", type=int, action="append", metavar="YEAR", help=both("progress.cli.period_help")
    )
    status.set_defaults(func=run_status)


@contextmanager
def _failures(store: Store) -> Iterator[None]:
    """A database failure as the CLI's plain message with a reference, never a traceback."""
    try:
        yield
    except DBAPIError as err:
        raise storage_failure(err, "db_error", database=engine.redacted(store.url)) from None


def run_rebuild(args: argparse.Namespace) -> int:
    from assessment.store import Store, snapshots

    start = time.perf_counter()
    with Store() as store, _failures(store):
        done = snapshots.rebuild(
            store.engine, args.period, force=args.force, progress=None if args.quiet else printer()
        )
    for item in done:
        print(
            both(
                f"progress.cli.{item.state}",
                period=item.period,
                submissions=item.submissions,
                rows=item.rows,
            )
        )
    print(
        both(
            "progress.cli.summary",
            periods=len(done),
            rebuilt=sum(item.state == "rebuilt" for item in done),
            seconds=f"{time.perf_counter() - start:.1f}",
        )
    )
    return 0


def run_status(args: argparse.Namespace) -> int:
    from assessment.store import Store, snapshots

    with Store() as store, _failures(store):
        stale = snapshots.stale_periods(store.engine, args.period)
    if not stale:
        print(both("progress.cli.status_none"))
    for period, is_stale in stale.items():
        print(both("progress.cli.status_stale" if is_stale else "progress.cli.status_ready", period=period))
    return 1 if any(stale.values()) else 0
