"""Widgets of the analysis pages whose choice is kept in the URL, so that a view can be shared.

``?region=990100&period=2023&indicator=S05.1`` opens the same view for anyone allowed to see it. A
value in the link that is unknown, or a region outside the user's jurisdiction, is refused with a
clear message and the default is shown instead (the data itself comes from store calls that check
the acting user, so a crafted link or session value never widens what is read).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from assessment.domain.model import RegionTree
from assessment.views.analysis_common import carried_forward_periods, jurisdictions, pick, region_names
from ui.state import lang, tr

T = TypeVar("T")


def _safe(text: object) -> str:
    """A value from the URL, shortened and stripped of markdown, to quote in a message."""
    return "".join(ch for ch in str(text)[:40] if ch.isalnum() or ch in "-_ .")


def url_select(
    label: str,
    options: Sequence[T],
    *,
    key: str,
    param: str,
    format_func: Callable[[T], str] = str,
    unknown_key: str | None = "analysis.url_unknown",
    show: bool = True,
    default: T | None = None,
    where: Any = st,
) -> T:
    """A select box (in the container ``where``) whose choice is read from and written to
    ``?param=`` so that a view can be shared (``show=False``: no widget, the default or the URL's).
    Without a usable URL value the ``default`` option is shown (else the first); an unknown URL
    value is explained with ``unknown_key`` (``None``: silently). A session value that is not an
    option is dropped and the default shown (the URL then only echoes the old choice, so it is not
    consulted)."""
    options = list(options)
    stale = key in st.session_state and st.session_state[key] not in options
    if stale:  # the options changed (another filter) or the session value was crafted
        del st.session_state[key]
    index = options.index(default) if default is not None and default in options else 0
    if key not in st.session_state and not stale:
        asked = st.query_params.get(param)
        found = pick(asked, options)
        if found is not None:
            index = options.index(found)
        elif asked and unknown_key:
            st.warning(tr(unknown_key, value=_safe(asked), shown=format_func(options[index])))
    if show:
        value = where.selectbox(label, options, index=index, format_func=format_func, key=key)
    else:
        value = st.session_state.get(key, options[index])
    st.query_params[param] = str(value)
    return value


def jurisdiction_select(tree: RegionTree, home: str, *, key: str, allowed: Callable[[str], bool]) -> str:
    """The jurisdiction to analyse: ``home`` or a region with counties below it (from ``?region=``).

    A region in the link outside ``allowed`` is refused (error); a county is explained (warning);
    either way ``home`` is shown. Only one option: no widget.
    """
    options = jurisdictions(tree, home)
    names = region_names(tree, lang())
    asked = st.query_params.get("region")
    if asked and key not in st.session_state and pick(asked, options) is None:
        code = str(asked)
        if code in tree and allowed(code):
            st.warning(tr("analysis.region_not_jurisdiction", value=names[code], shown=names[home]))
        else:
            st.error(tr("analysis.region_refused", value=_safe(code), shown=names[home]))
        st.query_params["region"] = home
    return url_select(
        tr("analysis.jurisdiction"),
        options,
        key=key,
        param="region",
        format_func=names.__getitem__,
        show=len(options) > 1,
    )


def period_select(periods: Sequence[int], *, key: str) -> int:
    """The year (newest first) from ``?period=``; an unknown year in the link is explained."""
    return url_select(
        tr("analysis.period"),
        list(periods),
        key=key,
        param="period",
        unknown_key="analysis.url_unknown_period",
    )


def prepared(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None]]) -> tuple[pd.DataFrame, dict]:
    """``frame`` restricted to ``columns`` ({column: (label key, number format)}) and its column
    configs: the format is a printf string, "percent", or None for text. Status and evidence codes
    are shown by their labels; numeric columns with no value at all are left out, and so is the
    ``population_carried_forward`` marker when no row is marked."""
    out = frame.loc[:, list(columns)]
    empty = [c for c, (_, fmt) in columns.items() if fmt and out[c].isna().all()]
    if (
        "population_carried_forward" in out.columns
        and not out["population_carried_forward"].fillna(False).any()
    ):
        empty.append("population_carried_forward")  # the marker only where a population was carried forward
    out = out.drop(columns=empty)  # e.g. confidence limits of an indicator that is not a rate
    for col in ("status", "evidence"):
        if col in out.columns:
            out[col] = out[col].map(lambda v, c=col: tr(f"{c}.{v}") if isinstance(v, str) else "")
    config = {
        col: st.column_config.NumberColumn(tr(label), format=fmt)
        if fmt
        else st.column_config.Column(tr(label))
        for col, (label, fmt) in columns.items()
        if col not in empty
    }
    return out, config


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None]], *, key: str, **kw: Any) -> None:
    """``st.dataframe`` of :func:`prepared` ``frame``."""
    out, config = prepared(frame, columns)
    st.dataframe(out, column_config=config, hide_index=True, width="stretch", key=key, **kw)


def carried_forward_caption(frame: pd.DataFrame) -> None:
    """A caption when a population-weighted figure of ``frame`` uses a population carried forward
    from an earlier year (its ``population_carried_forward`` column); nothing otherwise."""
    periods = carried_forward_periods(frame)
    if periods:
        st.caption(tr("analysis.population_carried_forward", periods=", ".join(map(str, periods))))


# column specs of the analysis tables: {column: (label key, number format or None)}
EQUITY_COLUMNS: dict[str, tuple[str, str | None]] = {
    "period": ("analysis.col.period", None),
    "n_regions": ("analysis.col.n_regions", "%d"),
    "mean": ("analysis.col.mean", "%.2f"),
    "weighted_mean": ("analysis.col.weighted_mean", "%.2f"),
    "cv": ("analysis.col.cv", "%.4f"),
    "gini": ("analysis.col.gini", "%.4f"),
    "theil": ("analysis.col.theil", "%.5f"),
    "theil_between": ("analysis.col.theil_between", "%.5f"),
    "theil_within": ("analysis.col.theil_within", "%.5f"),
    "max_min_ratio": ("analysis.col.max_min_ratio", "%.2f"),
    "n_below_floor": ("analysis.col.n_below_floor", "%d"),
    "pop_share_below_floor": ("analysis.col.pop_share_below_floor", "percent"),
    "population_carried_forward": ("analysis.col.population_carried_forward", None),
}
RANKED_COLUMNS: dict[str, tuple[str, str | None]] = {
    "rank": ("indicator.col.rank", "%d"),
    "name": ("col.region", None),
    "parent_name": ("col.parent", None),
    "value": ("col.value", "%.2f"),
    "ci_low": ("indicator.col.ci_low", "%.2f"),
    "ci_high": ("indicator.col.ci_high", "%.2f"),
    "denominator": ("indicator.col.denominator", "%d"),
    "local_standard": ("indicator.col.local_standard", "%g"),
    "status": ("col.status", None),
    "gap_floor": ("col.gap", "%+.2f"),
    "gap_standard": ("indicator.col.gap_standard", "%+.2f"),
    "evidence": ("col.evidence", None),
    "small_mark": ("evidence.col.small_numbers", None),
    "cases_short": ("evidence.col.cases_short", "%d"),
    "trend": ("indicator.col.trend", None),
}
