"""Tables whose status cells are coloured as the legend says and whose key columns are not cut off.

The status legend under the tables ("vermillion = below the national floor; orange = ...") names
the palette of every chart and export (:data:`assessment.reports.workbook.STATUS_COLOURS`); here a
status cell gets that colour, with white or black text as the palette says, so that the table
reads like the legend. The key columns (the region, the indicator) get a width that fits their
names and stay pinned at the left when the table scrolls sideways.

Use :func:`show` with a display frame and column configs built by ``ui.tables.labelled``, or
:func:`table` with the ``{column: (label key, format)}`` specs of ``ui.data_analysis.table``.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from pandas.io.formats.style import Styler

from assessment.reports.workbook import STATUS_COLOURS, STATUS_FONT_COLOURS
from ui.data_analysis import prepared

# key column -> width (pixels): names of 6-12 Chinese characters for regions, up to ~30 for indicators
KEY_WIDTHS: dict[str, int] = {
    "name": 150,
    "region": 150,
    "parent_name": 110,
    "indicator": 300,
    "status": 190,
    "status_label": 190,
}
PINNED = ("name", "region", "indicator")  # stay visible when the table scrolls sideways


def status_css(status: object) -> str:
    """The CSS of a status cell: the palette colour, readable text; nothing for an unknown code."""
    if not isinstance(status, str) or status not in STATUS_COLOURS:
        return ""
    ink = STATUS_FONT_COLOURS.get(status, "#000000")
    return f"background-color: {STATUS_COLOURS[status]}; color: {ink}"


def status_styles(shown: pd.DataFrame, codes: pd.Series, column: str = "status") -> pd.DataFrame:
    """CSS for every cell of ``shown``: the ``column`` cells by their status ``codes`` (same index),
    the rest plain. For ``Styler.apply(..., axis=None)``."""
    out = pd.DataFrame("", index=shown.index, columns=shown.columns)
    if column in shown.columns:
        out[column] = codes.reindex(shown.index).map(status_css).fillna("").to_numpy()
    return out


def key_columns(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` (column -> st.column_config dict) with widths for the key columns and the region /
    indicator column pinned, so that their names are not cut off."""
    out = dict(config)
    for col, width in KEY_WIDTHS.items():
        if col in out:
            out[col] = {**out[col], "width": width, **({"pinned": True} if col in PINNED else {})}
    return out


def _plain_numbers(value: object) -> object:
    """How the Styler shows a number no column config formats: ``12`` not ``12.000000``."""
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:g}"
    return value


def freeze(styler: Styler) -> Styler:
    """``styler`` made to compute and translate itself once (``ui.render_cache`` keeps it and shows it
    on many reruns): Streamlit computes and translates a Styler on every ``st.dataframe`` call (about
    half a second for the national league table); this one gives the first result again after.
    Never change it once shown. (Streamlit recognises a Styler by its exact class, so the instance's
    methods are wrapped rather than subclassed.)"""
    lock = threading.Lock()
    compute, translate = styler._compute, styler._translate
    done: list[bool] = []
    translated: dict[tuple[Any, ...], Any] = {}

    def _compute() -> Styler:
        with lock:
            if not done:
                compute()
                done.append(True)
        return styler

    def _translate(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        with lock:
            if key not in translated:
                translated[key] = translate(*args, **kwargs)
            return translated[key]

    styler._compute = _compute  # type: ignore[method-assign]
    styler._translate = _translate  # type: ignore[method-assign]
    styler._computes_once = True  # type: ignore[attr-defined]  # ui.print_tables: its styles serve a cut copy
    return styler


def styled(
    shown: pd.DataFrame, codes: pd.Series | None, column: str = "status", *, frozen: bool = False
) -> Any:
    """A Styler of ``shown`` with its ``column`` cells coloured by ``codes`` (the status codes);
    ``frozen``: made to compute once (:func:`freeze`), to keep and show again."""
    styler = shown.style.format(_plain_numbers)
    if codes is not None and column in shown.columns:
        styler = styler.apply(lambda f: status_styles(f, codes, column), axis=None)
    return freeze(styler) if frozen else styler


def show(
    frame: pd.DataFrame,
    shown: pd.DataFrame,
    config: dict[str, Any],
    *,
    key: str,
    height: int | str = "auto",
) -> None:
    """``st.dataframe`` of ``shown`` (display values, e.g. from ``ui.tables.labelled(frame, ...)``)
    with its status cells coloured by ``frame["status"]`` and the key columns widened and pinned."""
    draw(*prepared_show(frame, shown, config), key=key, height=height)


def prepared_show(
    frame: pd.DataFrame, shown: pd.DataFrame, config: dict[str, Any]
) -> tuple[Any, dict[str, Any]]:
    """What :func:`show` draws, built once to keep (``ui.render_cache``): a :func:`freeze`d Styler
    and the column config; draw it with :func:`draw`."""
    codes = frame["status"] if "status" in frame.columns else None
    return styled(shown, codes, frozen=True), key_columns(config)


def draw(styler: Any, config: dict[str, Any], *, key: str, height: int | str = "auto") -> None:
    """``st.dataframe`` of what :func:`prepared_show` built."""
    st.dataframe(styler, column_config=config, hide_index=True, width="stretch", height=height, key=key)


def table(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None]], *, key: str, **kw: Any) -> None:
    """Like ``ui.data_analysis.table`` (``{column: (label key, number format or None)}``, numeric
    columns with no value left out, status and evidence codes shown by their labels), with the
    status cells coloured and the key columns widened and pinned."""
    out, config = prepared(frame, columns)
    codes = frame["status"] if "status" in frame.columns else None
    st.dataframe(
        styled(out, codes),
        column_config=key_columns(config),
        hide_index=True,
        width="stretch",
        key=key,
        **kw,
    )
