"""How a report sheet prints on A4 (issue 18 point 4): orientation, scale and pages across.

A sheet is fitted to the page width only when the fitted text stays at or above
:data:`MIN_PRINT_PT` (8 pt): the scale is worked out from the column widths and the printable width
of the page, times the smallest font of the sheet. A sheet too wide for that prints at 100 % in
landscape at the scale that prints its smallest text at :data:`PAGED_PT` (9 pt), paged
across: its first columns (the region or indicator that names a row) repeat on
every page, its header rows too, and the column breaks fall where the next column would not fit.

>>> plan = plan_page([10, 18, 16], smallest_font=10)
>>> plan.landscape, plan.fit_width, plan.scale
(False, True, 1.0)
>>> wide = plan_page([10, 18] + [13] * 30, smallest_font=10, repeat_cols=2)
>>> wide.landscape, wide.fit_width, wide.breaks[:2]
(True, False, (11, 20))
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "MARGINS_IN",
    "MIN_PRINT_PT",
    "PagePlan",
    "column_points",
    "plan_page",
    "printable_width",
]

MIN_PRINT_PT = 8.0  # no printed text smaller than this
PAGED_PT = 9.0  # a sheet paged across prints its smallest text at this size (小五, tables' usual size)
A4_PT = (595.28, 841.89)  # width, height in portrait
# left, right, top, bottom, header, footer (inches, the unit of the xlsx page margins)
MARGINS_IN = (0.4, 0.4, 0.7, 0.6, 0.3, 0.3)


def column_points(width: float) -> float:
    """An xlsx column width (characters of the default font's digit, 7 px at 11 pt) in points:
    the characters plus 5 px of cell padding, at 0.75 pt per pixel."""
    return (7.0 * width + 5.0) * 0.75


def printable_width(landscape: bool) -> float:
    """The width inside the left and right margins of an A4 page, in points."""
    paper = A4_PT[1] if landscape else A4_PT[0]
    return paper - 72.0 * (MARGINS_IN[0] + MARGINS_IN[1])


@dataclass(frozen=True)
class PagePlan:
    """How one sheet prints: ``fit_width`` (one page wide, at ``scale``) or paged across at
    ``scale`` with a new page after each column in ``breaks`` (1-based) and the first ``repeat_cols``
    columns repeated on every page."""

    landscape: bool
    fit_width: bool
    scale: float
    breaks: tuple[int, ...] = ()
    repeat_cols: int = 0


def plan_page(
    widths: Sequence[float], *, smallest_font: float, repeat_cols: int = 0, portrait: bool = True
) -> PagePlan:
    """The print plan of a sheet whose visible columns are ``widths`` wide (characters).

    Portrait when the sheet fits a portrait page at 100 % (and ``portrait`` allows it), else
    landscape; fitted to the width when the smallest font stays >= 8 pt after fitting, else paged
    across (smallest font at 9 pt) with ``repeat_cols`` leading columns repeated (none when they
    would fill half the page).
    """
    points = [column_points(w) for w in widths]
    total = sum(points)
    if portrait and total <= printable_width(False):
        return PagePlan(landscape=False, fit_width=True, scale=1.0)
    page = printable_width(True)
    scale = min(1.0, page / total) if total else 1.0
    if scale * smallest_font >= MIN_PRINT_PT:
        return PagePlan(landscape=True, fit_width=True, scale=round(scale, 4))
    paged = min(1.0, PAGED_PT / smallest_font) if smallest_font else 1.0
    page = page / paged  # the sheet's points that fit across one page at that scale
    repeated = sum(points[:repeat_cols])
    if repeated > page / 2:
        repeat_cols, repeated = 0, 0.0
    breaks: list[int] = []
    used = repeated
    start = repeat_cols
    for idx in range(repeat_cols, len(points)):
        if used + points[idx] > page and idx > start:
            breaks.append(idx)  # a break after column idx (1-based): column idx + 1 begins a page
            used, start = repeated, idx
        used += points[idx]
    return PagePlan(
        landscape=True, fit_width=False, scale=round(paged, 2), breaks=tuple(breaks), repeat_cols=repeat_cols
    )
