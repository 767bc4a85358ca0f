"""One copy of the columns two assessments of the same data have in common (issue 20.1, memory).

The overview scores a jurisdiction against the national floor (its default basis) while the
accountability panel on the same page reads the binding-standard assessment: at national scale that
is two results of about 390 MiB each, although most of their columns do not depend on the basis
(the values, numerators and denominators, the floor and its gaps, the intervals, the evidence, the
region and indicator codes, most of the trend columns: about 235 MiB of each pair).

:func:`share_columns` returns ``result`` with every such column taken from ``other`` when the two
are equal (same rows, same order, same dtype, same values), so the second result holds only what
differs. Values are compared, never assumed: a column that differs in any row keeps its own array.
Nothing is copied or mutated; the returned assessment equals ``result`` frame by frame.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import pandas as pd

from assessment.scoring.analysis import Assessment

FRAMES = ("scores", "aggregates", "trends")  # the large frames; costs differ by basis (rows too)


def _same_rows(mine: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    return len(mine) == len(theirs) and mine.index.equals(theirs.index)


def _array(s: pd.Series):  # type: ignore[no-untyped-def]
    """The column's own array (numpy or extension), without a copy."""
    return s.array if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) else s.to_numpy(copy=False)


def _same_column(a: pd.Series, b: pd.Series) -> bool:
    """Equal dtype and values; one array already (an incremental update shares most columns with the
    version before it) is known equal without reading it."""
    if a.dtype != b.dtype:
        return False
    x, y = _array(a), _array(b)
    if x is y or (
        isinstance(x, np.ndarray)
        and isinstance(y, np.ndarray)
        and x.shape == y.shape
        and x.strides == y.strides
        and x.__array_interface__["data"][0] == y.__array_interface__["data"][0]
    ):
        return True
    return a.equals(b)


def shared_frame(mine: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame | None:
    """``mine`` with each column equal to ``theirs``' column of that name taken from ``theirs``;
    None when no column can be shared (different rows, or nothing equal)."""
    if not _same_rows(mine, theirs):
        return None
    same = {c for c in mine.columns if c in theirs.columns and _same_column(mine[c], theirs[c])}
    if not same:
        return None
    columns = {c: _array(theirs[c] if c in same else mine[c]) for c in mine.columns}
    out = pd.DataFrame(columns, index=mine.index, copy=False)
    out.attrs = dict(mine.attrs)
    return out


def share_columns(result: Assessment, other: Assessment) -> Assessment:
    """``result`` holding ``other``'s arrays for every column they have in common (see the module
    docstring); ``result`` itself when they are not of the same jurisdiction and periods."""
    if other is result or (result.jurisdiction, result.periods) != (other.jurisdiction, other.periods):
        return result
    changes = {}
    for name in FRAMES:
        frame = shared_frame(getattr(result, name), getattr(other, name))
        if frame is not None:
            changes[name] = frame
    return dataclasses.replace(result, **changes) if changes else result


class Siblings:
    """The latest assessment per key (e.g. jurisdiction, data version, pending, what-if: everything
    but the basis), held weakly: :meth:`share` makes a new result share the columns of the one
    already there. When the cache that holds a result drops it, it is gone from here too."""

    def __init__(self) -> None:
        self._latest: weakref.WeakValueDictionary[Hashable, Assessment] = weakref.WeakValueDictionary()
        self._lock = threading.Lock()

    def share(self, key: Hashable, result: Assessment) -> Assessment:
        with self._lock:
            other = self._latest.get(key)
        if other is not None and other.basis != result.basis:
            result = share_columns(result, other)
        with self._lock:
            self._latest[key] = result
        return result


def shares_across_bases(build: Callable[..., Assessment]) -> Callable[..., Assessment]:
    """Decorate a function that builds an assessment from arguments that include ``basis``: its
    results of the same other arguments (``_``-prefixed ones, e.g. who reads, excepted) share their
    common columns (:meth:`Siblings.share`). Under a cache, the cache keeps the shared result."""
    signature = inspect.signature(build)
    siblings = Siblings()

    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> Assessment:
        result = build(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        key = tuple((k, v) for k, v in bound.arguments.items() if k != "basis" and not k.startswith("_"))
        return siblings.share(key, result)

    wrapper.siblings = siblings  # type: ignore[attr-defined]
    return wrapper
