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
from pandas.io.formats.style_render import maybe_convert_css_to_tuples

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
                if not _status_ctx(styler):
                    compute()
                done.append(True)
        return styler

    def _translate(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        with lock:
            if key not in translated:
                fast = grid_translate(styler) if args == (False, False) and not kwargs else None
                translated[key] = fast if fast is not None else translate(*args, **kwargs)
            return translated[key]

    styler._compute = _compute  # type: ignore[method-assign]
    styler._translate = _translate  # type: ignore[method-assign]
    styler._computes_once = True  # type: ignore[attr-defined]  # ui.print_tables: its styles serve a cut copy
    return styler


def _status_ctx(styler: Styler) -> bool:
    """Fill ``styler.ctx`` as pandas' ``_compute`` does for a Styler :func:`styled` made (its one
    styling step: the status cells' colours), without building a frame of every cell's CSS and
    walking it; False (nothing done) for any other Styler. Compared with pandas' in
    tests/unit/test_columns_translate.py."""
    status = getattr(styler, "_status_codes", None)
    shown = styler.data
    if status is None or len(styler._todo) != 1 or not shown.index.is_unique or not shown.columns.is_unique:
        return False
    codes, column = status
    styler.ctx.clear()
    styler.ctx_index.clear()
    styler.ctx_columns.clear()
    if column not in shown.columns:
        return True
    j = shown.columns.get_loc(column)
    css = status_styles(shown[[column]], codes, column)[column].to_numpy()
    parsed: dict[str, list[tuple[str, str]]] = {}
    for i in np.flatnonzero(css != ""):
        text = css[i]
        if text not in parsed:
            parsed[text] = maybe_convert_css_to_tuples(text)
        styler.ctx[(int(i), j)].extend(parsed[text])
    return True


def grid_translate(styler: Styler) -> dict[str, Any] | None:
    """What Streamlit reads of ``styler._translate(False, False)`` (``marshall_styler``: the table and
    cell styles, the body cells' ids and display values, the caption), built directly, or None when
    ``styler`` is not one :func:`styled` made as it comes (anything hidden, trimmed, renamed, other
    formatters...): pandas' own ``_translate`` then. pandas builds the whole HTML render dict, about
    0.15 s for the national league table on every new data version; this gives the same entries,
    except that the body leaves out the text cells (Streamlit starts from ``str`` of every value and
    writes the display values over it, one cell at a time: for text the display value is that
    string). tests/unit/test_columns_translate.py compares the marshalled protos byte for byte.
    ``styler`` must be computed (``_compute``) first, as Streamlit does."""
    data = styler.data
    n_rows, n_cols = data.shape
    plain = (
        not styler.hidden_rows
        and not styler.hidden_columns
        and not styler.cell_context
        and not styler.concatenated
        and not styler.table_styles
        and styler.tooltips is None
        and styler.cell_ids
        and styler.css.get("row") == "row"
        and styler.css.get("col") == "col"
        and pd.get_option("styler.render.max_rows") is None
        and pd.get_option("styler.render.max_columns") is None
        and n_rows * n_cols <= pd.get_option("styler.render.max_elements")
    )
    funcs = styler._display_funcs
    if not plain or len(funcs) != n_rows * n_cols or any(f is not _plain_numbers for f in funcs.values()):
        return None
    ctx = styler.ctx
    cellstyle: dict[tuple[Any, ...], list[str]] = {}
    columns = [list(data.iloc[:, c]) for c in range(n_cols)]  # the values as itertuples gives them
    body = []
    for r in range(n_rows):
        row = []
        for c in range(n_cols):
            cell, value = f"row{r}_col{c}", columns[c][r]
            if type(value) is not str:  # Streamlit starts from str(value): a text cell is already it
                row.append({"id": cell, "display_value": _plain_numbers(value)})
            props = ctx.get((r, c))
            if props:  # grouped by their properties, in the order pandas meets them
                cellstyle.setdefault(tuple(props), []).append(cell)
        body.append(row)
    return {
        "uuid": styler.uuid,
        "table_styles": [],
        "caption": styler.caption,
        "body": body,
        "cellstyle": [{"props": list(props), "selectors": cells} for props, cells in cellstyle.items()],
    }


def styled(
    shown: pd.DataFrame, codes: pd.Series | None, column: str = "status", *, frozen: bool = False
) -> Any:
    """A Styler of ``shown`` with its ``column`` cells coloured by ``codes`` (the status codes);
    ``frozen``: made to compute once (:func:`freeze`), to keep and show again."""
    styler = shown.style.format(_plain_numbers)
    if codes is not None and column in shown.columns:
        styler = styler.apply(lambda f: status_styles(f, codes, column), axis=None)
        styler._status_codes = (codes, column)  # type: ignore[attr-defined]  # what _status_ctx computes
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
