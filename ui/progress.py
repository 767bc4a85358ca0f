"""A progress bar driven by a core function's ``progress(fraction, step_key)`` callback.

The core's long builders (reports, snapshot rebuilds) report their steps through an optional pure
callback; this turns it into an ``st.progress`` element with the step's text in the user's
language. The bar only moves forward (a callback that repeats a step does not redraw).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from ui.state import tr


@dataclass
class ProgressBar:
    """An ``st.progress`` element and the last fraction and step drawn on it."""

    element: Any
    shown: list[tuple[int, str]] = field(default_factory=list)

    def update(self, fraction: float, step: str) -> None:
        """The callback to hand to the core: draws ``step`` (a locale key) at ``fraction``."""
        percent = max(0, min(100, round(fraction * 100)))
        if self.shown and (percent < self.shown[-1][0] or (percent, step) == self.shown[-1]):
            return
        self.shown.append((percent, step))
        self.element.progress(percent, text=tr(step))

    def clear(self) -> None:
        """Remove the bar (the work failed; its message is shown instead)."""
        self.element.empty()


def progress_bar(first_step: str) -> ProgressBar:
    """A new bar at 0 % under the current element, showing ``first_step`` (a locale key)."""
    return ProgressBar(st.progress(0, text=tr(first_step)), [(0, first_step)])
