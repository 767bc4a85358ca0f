"""Small-cell protection: which peer statistics an official may see (issue 15 point 8). Pure.

A *peer statistic* (a mean, median, rank, percentile, minimum, maximum or count over several
regions) tells an official something about the regions it is computed from. With two counties in a
prefecture, "the siblings' mean" and one's own score give the neighbour's exact score
(2 x mean - own); a rank among two gives the other's order. So:

    A peer statistic computed from a set of regions is shown to an official only when at least
    :data:`MIN_OTHERS` (3) of those regions are not the official's own.

The official's own regions are those they may view anyway (their scope region and the regions
below it, :func:`assessment.domain.access.visible_regions`): a statistic of those alone discloses
nothing, but it is no comparison either (a county "ranked 1 of 1"), so it is not shown as one; the
rule counts only the others. Own regions inside the set do not help: a mean over the official's
county and two others is suppressed like a mean over the two others (the own score subtracts out).

Two statistics of the same quantity over nested sets difference to the regions between them (a
rank in the province minus the rank in the prefecture counts the regions outside the prefecture
that rank higher). :func:`showable` therefore also suppresses a statistic whose set differs from
an already shown one by 1 or 2 regions that are not the viewer's own.

Evaluators and administrators (and the built-in system account) see every statistic. Anyone else
(an official, a user of an unknown role, a disabled user, nobody) is treated as an official.

Suppressed cells carry :data:`MARK` ("—") and a note (``disclosure.note``), never a zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.domain.access import UserLike, is_system
from assessment.domain.i18n import t
from assessment.domain.model import RegionTree

__all__ = [
    "MARK",
    "MIN_OTHERS",
    "UNRESTRICTED_ROLES",
    "Viewer",
    "audience_of",
    "marked",
    "may_show",
    "note",
    "others",
    "own_regions",
    "restricted",
    "showable",
    "suppress",
]

MIN_OTHERS = 3
MARK = "—"
UNRESTRICTED_ROLES = ("evaluator", "admin")


@dataclass(frozen=True)
class Viewer:
    """Who will read a figure, when it is not the signed-in user (fits :class:`UserLike`)."""

    username: str
    role: str
    scope_region_code: str | None
    disabled: bool = False


def audience_of(region_code: str) -> Viewer:
    """The readers of a region's feedback: an official of that region, whoever made the file."""
    return Viewer(username="", role="official", scope_region_code=region_code)


def restricted(viewer: UserLike | None) -> bool:
    """True when ``viewer`` sees peer statistics only under the small-cell rule."""
    if viewer is None or viewer.disabled:
        return True
    return not (is_system(viewer) or viewer.role in UNRESTRICTED_ROLES)


def own_regions(viewer: UserLike | None, tree: RegionTree) -> frozenset[str]:
    """The viewer's own regions: the scope region and everything below it (none without a scope)."""
    scope = None if viewer is None else viewer.scope_region_code
    if not scope or scope not in tree:
        return frozenset()
    return frozenset(r.code for r in tree if tree.is_within(r.code, scope))


def others(viewer: UserLike | None, tree: RegionTree, regions: Iterable[str]) -> frozenset[str]:
    """The regions of ``regions`` that are not the viewer's own."""
    return frozenset(map(str, regions)) - own_regions(viewer, tree)


def may_show(viewer: UserLike | None, tree: RegionTree, regions: Iterable[str]) -> bool:
    """True when a peer statistic computed from ``regions`` may be shown to ``viewer``.

    >>> from assessment.domain.model import Region, RegionTree
    >>> tree = RegionTree((Region("990000", "省", "P", "province", None, 10),
    ...     *(Region(f"99010{i}", "县", "C", "county", "990000", 1) for i in range(1, 5))))
    >>> me = audience_of("990101")
    >>> may_show(me, tree, ["990101", "990102", "990103"]), may_show(me, tree, ["990102", "990103", "990104"])
    (False, True)
    """
    if not restricted(viewer):
        return True
    return len(others(viewer, tree, regions)) >= MIN_OTHERS


def showable(viewer: UserLike | None, tree: RegionTree, groups: Sequence[Iterable[str]]) -> list[bool]:
    """For statistics of one quantity over each set of ``groups`` (in order of importance): which
    may be shown. Each must pass :func:`may_show`, and a set that differs from one already shown by
    1 or 2 regions not the viewer's own (either way) is suppressed too, so no two shown figures
    difference down to fewer than :data:`MIN_OTHERS` regions."""
    if not restricted(viewer):
        return [True] * len(groups)
    own = own_regions(viewer, tree)
    shown: list[frozenset[str]] = []
    out = []
    for group in groups:
        codes = frozenset(map(str, group)) - own
        ok = len(codes) >= MIN_OTHERS and all(
            len(d) == 0 or len(d) >= MIN_OTHERS for s in shown for d in (codes - s, s - codes)
        )
        out.append(ok)
        if ok:
            shown.append(codes)
    return out


def suppress(frame: pd.DataFrame, columns: Sequence[str], hide: object, flag: str) -> pd.DataFrame:
    """``frame`` with ``columns`` emptied (NA, never zero) where ``hide`` is True and a boolean
    ``flag`` column saying where; ``flag`` is OR-ed with an existing column of that name."""
    mask = np.asarray(hide, dtype=bool)
    if mask.shape != (len(frame),):
        raise ValueError("hide must have one entry per row")
    out = frame.copy()
    for col in columns:
        values = out[col]
        if not pd.api.types.is_float_dtype(values.dtype):
            values = values.astype("Float64")
        out[col] = values.mask(mask)
    if flag in out.columns:
        mask = mask | out[flag].fillna(False).to_numpy(dtype=bool)
    out[flag] = mask
    return out


def marked(frame: pd.DataFrame, columns: Sequence[str], flag: str, mark: str = MARK) -> pd.DataFrame:
    """``frame`` with :data:`MARK` in ``columns`` where ``flag`` is True (for a table or a file,
    whose suppressed cells must read as suppressed, not as missing or zero)."""
    if flag not in frame.columns:
        return frame
    mask = frame[flag].fillna(False).to_numpy(dtype=bool)
    if not mask.any():
        return frame
    out = frame.copy()
    for col in columns:
        values = np.array(out[col].to_numpy(dtype=object, na_value=None), dtype=object)
        values[mask] = mark
        out[col] = pd.Series(values, index=out.index, dtype=object)
    return out


def note(lang: str) -> str:
    """The footnote of a suppressed cell ("— fewer than 3 other regions: not shown")."""
    return t("disclosure.note", lang, mark=MARK, n=MIN_OTHERS)
