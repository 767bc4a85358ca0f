"""Things a page builds from an assessment, built once per data version (issue 20 point 2).

At national scale the overview spent about two seconds of every rerun rebuilding the same tables,
figures and print copies from an unchanged assessment. :func:`memo` keeps what ``build`` returns per
(name, key, data version): the key must name everything the result depends on besides the data
version (the jurisdiction, basis, period, language, a selection...) and, for anything read with the
acting user's rights, the user. Results are shared by every session and never mutated; the frames
and stylers in them are registered with :func:`ui.print_tables.shared` so that their print-only
copies are built once too, and stylers are made to compute once (:func:`ui.columns.freeze`).

The version must be read *before* the assessment the result is built from (``data.data_version()``
first, then ``data.assessment``): a write in between then only files a newer result under an older
version, which no later rerun asks for, never an older result under a newer one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from ui import print_tables

T = TypeVar("T")


@st.cache_resource(show_spinner=False, max_entries=64)
def _memo(name: str, key: tuple[Hashable, ...], version: str, _build: Callable[[], Any]) -> Any:
    built = _build()
    _share(built)
    return built


def _share(value: Any) -> None:
    if isinstance(value, tuple | list):
        for item in value:
            _share(item)
    elif isinstance(value, dict):
        for item in value.values():
            _share(item)
    elif isinstance(value, pd.DataFrame) or (hasattr(value, "data") and isinstance(value.data, pd.DataFrame)):
        print_tables.shared(value)


def memo(name: str, key: tuple[Hashable, ...], version: str, build: Callable[[], T]) -> T:
    """``build()``, kept per ``name``, ``key`` and data ``version`` (see the module docstring)."""
    return _memo(name, key, version, build)  # type: ignore[no-any-return]
