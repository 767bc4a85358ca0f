"""Helpers shared by the sub-command modules (not a sub-command: the CLI skips modules named ``_*``).

A sub-command's help page is its module docstring: :func:`documented_parser` shows all of it as
written, :func:`summarised_parser` only its second paragraph (the first repeats the usage line).
:func:`actor_argument` is the one ``--as USERNAME`` option: who is acting, for the store's checks.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["actor_argument", "documented_parser", "no_tree", "summarised_parser", "usage"]


def documented_parser(
    subparsers: argparse._SubParsersAction, name: str, help_text: str, doc: str | None
) -> argparse.ArgumentParser:
    """A sub-parser whose description is the whole docstring ``doc``, line breaks kept."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help_text, description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    return parser


def summarised_parser(
    subparsers: argparse._SubParsersAction, name: str, help_text: str, doc: str | None
) -> argparse.ArgumentParser:
    """A sub-parser whose description is the second paragraph of the docstring ``doc``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help_text, description=(doc or "").split("\n\n")[1]
    )
    return parser


def actor_argument(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    *,
    default: str | None = None,
    required: bool = False,
) -> None:
    """Add ``--as USERNAME`` (stored as ``args.actor``): the acting user whose rights the store checks."""
    suffix = f" (default {default})" if default else ""
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="USERNAME",
        default=default,
        required=required,
        help=f"acting user / 操作用户{suffix}",
    )


def usage(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace], int]:
    """Without an action: the help page, exit 2 (usage)."""

    def show(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return show


def no_tree(what: str, filename: str) -> Exception:
    """The refusal of a file that needs the region tree when there is none yet."""
    from assessment.domain.errors import DataFileError, localized_problem
    from assessment.domain.i18n import t

    return DataFileError(
        [
            localized_problem(
                "deploy.no_tree",
                per_lang={lang: {"what": t(f"deploy.what_{what}", lang)} for lang in ("zh", "en")},
                file=filename,
            )
        ]
    )
