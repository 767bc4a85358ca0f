"""Progress lines of the long commands (``snapshots rebuild``, ``import``) on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from assessment.domain.i18n import both


def printer(stream: TextIO | None = None) -> Callable[[float, str], None]:
    """A progress callback printing "NN% step" (both languages) on ``stream`` (stderr) when the
    whole percent or the step changes."""
    last: list[tuple[int, str]] = []

    def show(fraction: float, step: str) -> None:
        percent = int(fraction * 100)
        if last and last[-1] == (percent, step):
            return
        last.append((percent, step))
        print(f"{percent:>3}% {both(step)}", file=stream or sys.stderr, flush=True)

    return show
