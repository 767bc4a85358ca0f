"""Helpers shared by the sub-command modules (not a sub-command itself: :func:`register` adds nothing).

A sub-command's help page is its module docstring: :func:`documented_parser` shows all of it as
written, :func:`summarised_parser` only its second paragraph (the first repeats the usage line).
"""

from __future__ import annotations

import argparse

__all__ = ["documented_parser", "summarised_parser"]


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
