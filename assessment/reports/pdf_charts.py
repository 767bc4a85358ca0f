"""Charts for the PDF reports as SVG (matplotlib, vector; issue 18 item 1).

Each function returns an ``<img>`` element holding an SVG drawn at its printed size, so a font
size given here is the size on paper (never below 8 pt). Text stays text (``svg.fonttype: none``)
and is drawn by WeasyPrint with the report's Noto CJK fonts. Colours are the dashboard's status
palette. Uses matplotlib's object API (``Figure``), never pyplot: no global state, thread-safe.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from assessment.reports.workbook import STATUS_COLOURS

__all__ = ["bar_chart", "map_chart"]

FONT = ["Noto Sans CJK SC", "Noto Sans CJK JP", "DejaVu Sans"]
MM = 1 / 25.4
RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.sans-serif": FONT,
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8.5,
    "axes.unicode_minus": False,
    "svg.hashsalt": "assessment",  # the same figure gives the same file
}


def _svg(fig: Any, width_mm: float, height_mm: float) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (
        f'<img src="data:image/svg+xml;base64,{data}" style="width:{width_mm}mm;height:{height_mm}mm" alt="">'
    )


def _figure(width_mm: float, height_mm: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width_mm * MM, height_mm * MM))


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    statuses: Sequence[str],
    *,
    xlabel: str,
    width_mm: float = 170,
    bar_mm: float = 6.5,
    xmax: float | None = 100.0,
    fmt: str = "{:.1f}",
) -> str:
    """Horizontal bars (first label on top) coloured by status, each with its value written."""
    import matplotlib

    names = [_wrap(str(s)) for s in labels]
    if any("\n" in n for n in names):  # two-line labels need taller rows
        bar_mm = max(bar_mm, 8.0)
    height = 14 + bar_mm * max(len(labels), 1)
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        fig = _figure(width_mm, height)
        ax = fig.add_axes((0.34, 10 / height, 0.58, 1 - 12 / height))
        ys = list(range(len(labels)))[::-1]
        vals = [0.0 if v is None else float(v) for v in values]
        colours = [STATUS_COLOURS.get(s, STATUS_COLOURS["no_data"]) for s in statuses]
        ax.barh(ys, vals, color=colours, height=0.68)
        ax.set_yticks(ys, names)
        top = xmax if xmax is not None else (max(vals) * 1.15 if vals and max(vals) > 0 else 1.0)
        ax.set_xlim(0, top)
        for y, v, raw in zip(ys, vals, values, strict=True):
            ax.text(v + top * 0.01, y, "—" if raw is None else fmt.format(v), va="center", fontsize=8)
        ax.set_xlabel(xlabel)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _svg(fig, width_mm, height)


def _wrap(label: str, width: int = 30) -> str:
    """A long (English) label on two lines; Chinese labels are short and stay on one."""
    if len(label) <= width or " " not in label:
        return label
    return textwrap.fill(label, width=max(width, len(label) // 2 + 4), max_lines=2, placeholder="…")


def _rings(geometry: Mapping[str, Any]) -> list[list[list[float]]]:
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [ring for ring in coords[:1]]
    if kind == "MultiPolygon":
        return [poly[0] for poly in coords if poly]
    return []


def map_chart(
    geometries: Mapping[str, Mapping[str, Any]],
    status: Mapping[str, str],
    *,
    labels: Mapping[str, str] | None = None,
    width_mm: float = 170,
    height_mm: float = 150,
) -> str | None:
    """The regions of ``status`` (code -> status key) filled in the status colour, outlined; None
    when none of them has a boundary. Outer rings only (holes are rare in county outlines)."""
    import matplotlib
    from matplotlib.collections import PolyCollection

    polys, colours, names = [], [], []
    for code, key in status.items():
        geom = geometries.get(code)
        if not geom:
            continue
        rings = [[(float(x), float(y)) for x, y, *_ in ring] for ring in _rings(geom)]
        polys.extend(rings)
        colours.extend([STATUS_COLOURS.get(key, STATUS_COLOURS["no_data"])] * len(rings))
        if labels and code in labels and rings:
            big = max(rings, key=len)
            cx, cy = sum(x for x, _ in big) / len(big), sum(y for _, y in big) / len(big)
            dark = key in ("below_floor", "meets", "no_standard")
            names.append((cx, cy, labels[code], "#ffffff" if dark else "#000000"))
    if not polys:
        return None
    xs = [x for p in polys for x, _ in p]
    ys = [y for p in polys for _, y in p]
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        fig = _figure(width_mm, height_mm)
        ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
        ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors="#ffffff", linewidths=0.6))
        ax.set_xlim(min(xs), max(xs))
        ax.set_ylim(min(ys), max(ys))
        for x, y, text, colour in names:
            ax.text(x, y, text, ha="center", va="center", fontsize=8, color=colour)
        ax.set_aspect("equal", adjustable="box")
        ax.set_axis_off()
        return _svg(fig, width_mm, height_mm)
