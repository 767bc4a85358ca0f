"""Every text a user can see in an AppTest run, with where it came from (for the language test).

PYTEST_DONT_REWRITE: a helper module, not a test module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd

from tests.fixtures import shown

# proto fields that hold text shown to the user (labels, help, placeholders, options, bodies...)
TEXT_FIELDS = frozenset(
    {
        "label",
        "help",
        "placeholder",
        "body",
        "options",
        "display_options",
        "caption",
        "text",
        "title",
        "delta",
        "value",
        "default_value",
        "formatted_value",
        "page_title",
        "name",
        "columns",  # the dataframe column config (JSON): headers and help
    }
)
# element types whose text is not a user-facing string (code, raw data, images, charts' internals)
SKIP_TYPES = frozenset({"json", "empty", "image", "imgs", "audio", "video", "iframe", "space", "divider"})
_TAG = re.compile(r"<[^>]+>")
_PLOTLY_PLACEHOLDER = re.compile(r"%\{[^}]*\}")
_MD_LINK = re.compile(r"\]\([^)]*\)")


def _clean(text: str) -> str:
    """What a reader sees: markdown escapes, HTML tags, link targets and material icons removed."""
    text = re.sub(r"<style[^>]*>.*?</style>", " ", text, flags=re.DOTALL | re.IGNORECASE)
    text = shown(text)
    text = _MD_LINK.sub("]", text)
    text = _TAG.sub(" ", text)
    text = re.sub(r":material/[a-z_]+:", " ", text)
    return text


def _column_config(raw: str) -> Iterator[str]:
    try:
        config = json.loads(raw)
    except ValueError:
        return
    for col in config.values() if isinstance(config, dict) else ():
        if isinstance(col, dict):
            for key in ("label", "help"):
                if isinstance(col.get(key), str):
                    yield col[key]
            typed = col.get("type_config") or {}
            for opt in typed.get("options", []) or []:
                if isinstance(opt, str):
                    yield opt


def _frame_texts(frame: pd.DataFrame, hidden: set[str], missing: str) -> Iterator[tuple[str, str]]:
    for col in frame.columns:
        if str(col) in hidden or str(col).startswith("_"):
            continue
        yield "column", str(col)
        for cell in frame[col].tolist():
            if cell is None or cell is pd.NaT or (not isinstance(cell, str) and _isna(cell)):
                yield "cell", missing  # what the grid shows for a missing value
            elif not isinstance(cell, (bool, int, float)):  # a bool shows as a check box
                yield "cell", str(cell)


def _isna(cell: object) -> bool:
    try:
        return bool(pd.isna(cell))
    except (TypeError, ValueError):
        return False


# what Streamlit 1.67's frontend shows in an empty select box / multiselect without a placeholder
_DEFAULT_PLACEHOLDER = {"selectbox": "Choose an option", "multiselect": "Choose options"}


def _plotly_texts(spec: str) -> Iterator[str]:
    """Titles, axis titles, legend, trace names, annotations, tick and hover texts of a figure."""
    try:
        fig = json.loads(spec)
    except ValueError:
        return

    def walk(node: Any, key: str = "") -> Iterator[str]:
        if isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, k)
        elif isinstance(node, list):
            if key in {"text", "ticktext", "hovertext", "customdata", "labels"}:
                for v in node:
                    yield from walk(v, "text")
        elif isinstance(node, str) and key in {"text", "name", "hovertemplate", "texttemplate", "ticktext"}:
            yield _PLOTLY_PLACEHOLDER.sub(" ", node)

    yield from walk(fig.get("data", []))
    yield from walk(fig.get("layout", {}))


def _proto_texts(proto: Any) -> Iterator[tuple[str, str]]:
    if proto is None or not hasattr(proto, "ListFields"):
        return
    for field, value in proto.ListFields():
        name = field.name
        if field.type == field.TYPE_MESSAGE:
            items = value if field.is_repeated else [value]
            for item in items:
                if hasattr(item, "ListFields"):
                    yield from _proto_texts(item)
        elif field.type == field.TYPE_STRING and name in TEXT_FIELDS:
            items = value if field.is_repeated else [value]
            for item in items:
                if name == "columns":
                    for text in _column_config(item):
                        yield "column", text
                elif item:
                    yield name, item


def visible_texts(at: Any) -> list[tuple[str, str]]:
    """(element, text) for every text of the run: sidebar and main, blocks (tabs, expanders) and
    elements (headings, markdown, alerts, metrics, widgets with their options and help, tables and
    dataframes with headers and cells, chart texts)."""
    out: list[tuple[str, str]] = []
    for node in at._tree:
        kind = getattr(node, "type", "?")
        if kind in SKIP_TYPES:
            continue
        proto = getattr(node, "proto", None)
        if kind == "html" and 'class="print-copy"' in getattr(proto, "body", ""):
            continue  # the print-only copy of the dataframe just read, cell for cell (ui/print_tables.py)
        if kind in {"dataframe", "arrow_data_frame", "table", "arrow_table"}:
            try:
                frame = node.value
            except Exception:
                frame = None
            hidden: set[str] = set()
            labels: list[str] = []
            raw = getattr(proto, "columns", "")
            if raw:
                try:
                    config = json.loads(raw)
                    hidden = {k for k, v in config.items() if isinstance(v, dict) and v.get("hidden")}
                    labels = list(_column_config(raw))
                except ValueError:
                    pass
            if isinstance(frame, pd.DataFrame):
                configured = set(json.loads(raw)) if raw else set()
                # st.dataframe shows ``placeholder`` for a missing value, "None" without one
                missing = "None"
                if kind in {"dataframe", "arrow_data_frame"} and proto.HasField("placeholder"):
                    missing = proto.placeholder
                for where, text in _frame_texts(frame, hidden, missing):
                    if where == "column" and text in configured:
                        continue  # its configured label (below) is what shows
                    out.append((f"{kind} {where}", _clean(text) if kind == "table" else text))
            out.extend((f"{kind} header", text) for text in labels)
            continue
        if kind == "plotly_chart":
            out.extend((kind, _clean(t)) for t in _plotly_texts(getattr(proto, "spec", "")))
            continue
        for name, text in _proto_texts(proto):
            out.append((f"{kind}.{name}", _clean(text)))
        if kind in _DEFAULT_PLACEHOLDER and not getattr(proto, "placeholder", ""):
            value = node.value
            if value is None or (kind == "multiselect" and not value):
                out.append((f"{kind}.placeholder", _DEFAULT_PLACEHOLDER[kind]))
    return out
