"""Tables that print whole (issue 18 point 5).

``st.dataframe`` draws a canvas grid: on paper it shows only the rows and columns that fit its box
on screen. Every table a page draws therefore gets a print-only twin, a plain HTML table of the same
display values (the column labels, hidden columns and number formats of its column config, the
status cells in their colours), hidden on screen and printed in place of the grid by the print
stylesheet of :mod:`ui.chrome`. The twin is built from the same frame the grid shows, so paper and
screen cannot disagree.

Every value is escaped: region names, file names and notes are user text and never HTML.
A table longer than :data:`PRINT_ROWS` rows prints its first rows and says how many were left out
and where to get them all (the page's Excel download).
"""

from __future__ import annotations

import functools
import json
import re
import threading
import weakref
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from assessment.domain.labels import MISSING

PRINT_ROWS = 1000  # about 30 landscape A4 pages; a longer table is for the Excel download
CLASS = "print-copy"

# printf formats of Streamlit's NumberColumn that the pages use: %d %.1f %+.2f %,d
_PRINTF = re.compile(r"^(?P<pre>[^%]*)%(?P<flags>[+,]*)(?:\.(?P<prec>\d+))?(?P<kind>[dfi])(?P<post>.*)$")


def number_text(value: object, fmt: str | None) -> str:
    """``value`` as the grid shows it under the NumberColumn ``fmt`` (None: as it comes)."""
    if type(value) is str:  # most cells: names, labels (what the last branch gives them)
        return value
    if value is None or value is pd.NA or value is pd.NaT:
        return MISSING
    if isinstance(value, float | np.floating) and np.isnan(value):
        return MISSING
    if isinstance(value, bool | np.bool_):  # the grid's checkbox: a tick, in no language
        return "✓" if value else ""
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M")
    if not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    if fmt == "percent":
        return f"{float(value) * 100:.1f}%"
    if fmt == "localized":
        return (
            f"{value:,}"
            if isinstance(value, int | np.integer)
            else f"{float(value):,.2f}".rstrip("0").rstrip(".")
        )
    match = _PRINTF.match(fmt or "")
    if match is None:
        if isinstance(value, float | np.floating):
            return f"{float(value):g}"
        return str(value)
    sign = "+" if "+" in match["flags"] else ""
    comma = "," if "," in match["flags"] else ""
    if match["kind"] in "di":
        body = format(round(float(value)), f"{sign}{comma}d")
    else:
        body = format(float(value), f"{sign}{comma}.{match['prec'] or 6}f")
    return f"{match['pre']}{body}{match['post']}"


def _config_of(entry: Any, column: str) -> tuple[str | None, str | None, bool]:
    """(label, number format, hidden) of one column-config entry (a str label, None = hidden, or the
    dict Streamlit's ``st.column_config.*`` return)."""
    if entry is None:
        return None, None, True
    if isinstance(entry, str):
        return entry, None, False
    if isinstance(entry, dict):
        type_config = entry.get("type_config") or {}
        fmt = type_config.get("format") if isinstance(type_config, dict) else None
        return entry.get("label"), fmt, bool(entry.get("hidden"))
    return None, None, False


def _cell_styles(styler: Any) -> dict[tuple[int, int], str]:
    """The CSS a pandas Styler gives each cell (row, column positions); none when it cannot say."""
    if styler is None:
        return {}
    try:
        computed = styler._compute()  # pandas' own step before rendering: fills .ctx
        return {key: "; ".join(f"{p}: {v}" for p, v in props) for key, props in computed.ctx.items() if props}
    except Exception:  # a style the print copy cannot compute only loses its colours
        return {}


def _head_styler(styler: Any, limit: int) -> Any:
    """The first ``limit`` rows of a Styler with the same styling steps (they take the whole frame
    and align on its index, as ``ui.columns.status_styles`` does), so a cut table keeps its colours."""
    try:
        head = styler.data.iloc[:limit].style
        head._todo = list(styler._todo)
        return head
    except Exception:  # pandas changed its internals: the cut table prints without colours
        return None


@functools.lru_cache(maxsize=256)  # a table has a handful of distinct cell styles, thousands of cells
def _safe_css(css: str) -> str:
    """Only colours reach the print copy's style attribute (the styles are ours, but be strict)."""
    kept = []
    for part in css.split(";"):
        prop, _, value = part.partition(":")
        prop, value = prop.strip().lower(), value.strip()
        if prop in ("background-color", "color") and re.fullmatch(r"#[0-9a-fA-F]{3,8}|[a-z]+", value):
            kept.append(f"{prop}:{value}")
    return ";".join(kept)


# Frames and stylers shared read-only between reruns (ui.render_cache): their print copies are kept
# with them, by object identity (an entry leaves with its object).
_SHARED: dict[int, tuple[weakref.ref[Any], dict[str, str | None]]] = {}
_SHARED_LOCK = threading.Lock()


def shared(obj: Any) -> Any:
    """Mark ``obj`` (a DataFrame or a Styler that is never mutated again) so that its print copies
    are built once and kept while it lives; returns it."""
    key = id(obj)
    with _SHARED_LOCK:
        if key in _SHARED and _SHARED[key][0]() is obj:
            return obj
        _SHARED[key] = (weakref.ref(obj), {})
    weakref.finalize(obj, _forget, key)
    return obj


def _forget(key: int) -> None:
    with _SHARED_LOCK:
        entry = _SHARED.get(key)
        if entry is not None and entry[0]() is None:
            del _SHARED[key]


def html_table(
    data: Any,
    column_config: dict[str, Any] | None = None,
    *,
    hide_index: bool | None = True,
    more_rows: str = "",
    limit: int = PRINT_ROWS,
) -> str | None:
    """:func:`build_html_table`, kept with ``data`` when it is :func:`shared`."""
    with _SHARED_LOCK:
        entry = _SHARED.get(id(data))
    if entry is None or entry[0]() is not data:
        return build_html_table(data, column_config, hide_index=hide_index, more_rows=more_rows, limit=limit)
    key = json.dumps([column_config, hide_index, more_rows, limit], sort_keys=True, default=repr)
    copies = entry[1]
    if key not in copies:
        copies[key] = build_html_table(
            data, column_config, hide_index=hide_index, more_rows=more_rows, limit=limit
        )
    return copies[key]


def build_html_table(
    data: Any,
    column_config: dict[str, Any] | None = None,
    *,
    hide_index: bool | None = True,
    more_rows: str = "",
    limit: int = PRINT_ROWS,
) -> str | None:
    """The print-only HTML twin of ``st.dataframe(data, column_config=...)``, or None when ``data``
    is not a table this can copy (the grid then prints as it is). ``more_rows`` is the sentence
    printed under a table cut at ``limit`` rows (``{shown}`` and ``{total}`` filled in)."""
    styles: dict[tuple[int, int], str] = {}
    if isinstance(data, pd.DataFrame):
        frame = data
    elif hasattr(data, "data") and isinstance(getattr(data, "data", None), pd.DataFrame):  # a Styler
        frame = data.data
        # a frozen Styler (ui.columns.freeze) computes its styles once for the grid anyway: the cut
        # copy reads the first rows' styles from them instead of computing a head Styler's
        whole = len(frame) <= limit or getattr(data, "_computes_once", False)
        styles = _cell_styles(data if whole else _head_styler(data, limit))
    elif isinstance(data, pd.Series):
        frame = data.to_frame()
    else:
        return None
    config = column_config or {}
    total = len(frame)
    rows = frame.iloc[:limit]
    columns: list[tuple[int, str, str | None]] = []  # (position, header, format)
    for pos, col in enumerate(rows.columns):
        label, fmt, hidden = _config_of(config.get(str(col), config.get(col, "")), str(col))
        if hidden:
            continue
        columns.append((pos, label if label else str(col), fmt))
    head = "".join(f"<th>{escape(header)}</th>" for _, header, _ in columns)
    if hide_index is False:
        head = "<th></th>" + head
    body = []
    values = rows.to_numpy(dtype=object)
    for r in range(len(rows)):
        cells = []
        if hide_index is False:
            cells.append(f"<th>{escape(str(rows.index[r]))}</th>")
        for pos, _, fmt in columns:
            css = _safe_css(styles.get((r, pos), ""))
            style = f' style="{css}"' if css else ""
            cells.append(f"<td{style}>{escape(number_text(values[r, pos], fmt))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    note = ""
    if total > limit and more_rows:
        note = f"<p>{escape(more_rows.format(shown=f'{limit:,}', total=f'{total:,}'))}</p>"
    return (
        f'<div class="{CLASS}"><table><thead><tr>{head}</tr></thead><tbody>'
        + "".join(body)
        + f"</tbody></table>{note}</div>"
    )


# On screen the twin takes no room; on paper it replaces the grid. Part of ui.chrome's stylesheet.
CSS = f"""
[data-testid='stElementContainer']:has(.{CLASS}), .{CLASS} {{ display: none; }}
@media print {{
  [data-testid='stDataFrame'], [data-testid='stElementContainer']:has([data-testid='stDataFrame']) {{
    display: none !important;
  }}
  [data-testid='stElementContainer']:has(.{CLASS}), .{CLASS} {{ display: block !important; }}
  .{CLASS} table {{ border-collapse: collapse; width: 100%; font-size: 15px; }}
  .{CLASS} th, .{CLASS} td {{
    border: 1px solid #999; padding: 2px 4px; text-align: left; vertical-align: top;
  }}
  .{CLASS} thead {{ display: table-header-group; }}
  .{CLASS} thead th {{ background: #eee; }}
  .{CLASS} tr {{ break-inside: avoid; page-break-inside: avoid; }}
  .{CLASS} td, .{CLASS} th {{ -webkit-print-color-adjust: exact; print-color-adjust: exact; }}
}}
"""
