"""``python -m assessment COMMAND``: the command line (DESIGN section 6).

Exit codes: 0 success, 1 invalid input (the messages are printed), 2 usage error.
A data-file problem prints its messages in both languages; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from assessment import commands
from assessment.domain.errors import DataFileError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assessment",
        description=(
            "National Basic Public Service Standards compliance assessment / 国家基本公共服务标准达标评估"
        ),
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
    try:
        return int(args.func(args) or 0)
    except DataFileError as err:
        print(str(err), file=sys.stderr)
        return 1
    except BrokenPipeError:  # `... | head` closed the pipe
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
