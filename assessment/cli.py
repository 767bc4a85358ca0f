"""``python -m assessment COMMAND``: the command line (DESIGN section 6).

Exit codes: 0 success, 1 invalid input (the messages are printed), 2 usage error.
A data-file problem prints its messages in both languages; never a traceback. A failure of the
database prints a plain message and a reference, never the database URL or the driver's text: those
are logged (logger ``assessment.store.failures``), shown on stderr only with ``--debug``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import pkgutil
import sys

from assessment import commands
from assessment.domain.errors import DataFileError
from assessment.domain.i18n import both
from assessment.store.errors import FAILURE_LOGGER, StorageFailure


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assessment",
        description=(
            "National Basic Public Service Standards compliance assessment / 国家基本公共服务标准达标评估"
        ),
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="show the technical details of a database failure / 显示数据库故障的技术详情",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if mod.name.startswith("_"):  # shared helpers of the commands, not a command
            continue
        module = importlib.import_module(f"{commands.__name__}.{mod.name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # the details of a database failure: on stderr with --debug, else kept off the terminal (a
    # handler here stops Python's last-resort one from printing them)
    details: logging.Handler = logging.StreamHandler(sys.stderr) if args.debug else logging.NullHandler()
    failures = logging.getLogger(FAILURE_LOGGER)
    failures.addHandler(details)
    try:
        return int(args.func(args) or 0)
    except DataFileError as err:
        print(str(err), file=sys.stderr)
        if isinstance(err, StorageFailure) and not args.debug:
            print(both("store.cli.debug_hint"), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` closed the pipe
        return 0
    finally:
        failures.removeHandler(details)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
