"""Plotly figures for the pages. Colours follow the status palette used in every view and export."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Status colours (shared with the Excel exports): red = below the national floor, amber = below the
# local standard, green = meets, grey = no data.
from assessment.reports.workbook import STATUS_COLOURS
from ui.safe import plotly_text

# 0-100 score scale: a diverging orange (0) to blue (100) scale that reads the same with red-green
# colour blindness, with the number printed in every cell.
SCORE_SCALE = [(0.0, "#b35806"), (0.5, "#f1a340"), (0.75, "#d8daeb"), (1.0, "#2166ac")]


def wrap_label(text: str, width: int = 14) -> str:
    """Break a long axis label onto several lines (plotly wraps nothing by itself); the text is
    escaped for plotly (names come from users), the breaks are ``<br>``."""
    if len(text) <= width or " " not in text:
        return plotly_text(text)
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(plotly_text(part) for part in lines)


# The heatmap's cells are filled by status (the palette of every view, the legend's meaning) with
# the score printed in them: a cell below the national floor is vermillion with a ▼ and an outline,
# never a shade of the score scale that looks like its neighbours at 71-100.
HEATMAP_STATUSES = ("below_floor", "below_local", "meets", "no_standard", "insufficient_data", "no_data")
STATUS_MARKS = {"below_floor": "▼", "below_local": "▽"}  # beside the score, for colour-blind readers
OUTLINE_COLOUR = "#1a1a1a"


def _status_colorscale() -> list[tuple[float, str]]:
    """A stepwise colour scale: z = i (index in :data:`HEATMAP_STATUSES`) takes that status's colour."""
    n = len(HEATMAP_STATUSES)
    scale: list[tuple[float, str]] = []
    for i, status in enumerate(HEATMAP_STATUSES):
        scale += [(i / n, STATUS_COLOURS[status]), ((i + 1) / n, STATUS_COLOURS[status])]
    return scale


def heatmap_cell_text(score: float, status: str) -> str:
    """The text of a heatmap cell: the rounded score with the status mark ("▼62"), "–" for none."""
    if np.isnan(score):
        return "–"
    return f"{STATUS_MARKS.get(status, '')}{score:.0f}"


def set_shapes(fig: go.Figure, shapes: list[dict[str, Any]]) -> None:
    """``fig.layout.shapes = shapes`` without plotly validating every shape (a national heatmap's
    outlines: about 0.1-0.2 s for each new data version). The first shape is validated as plotly
    validates it; when that gives it back unchanged but for the order of its keys, and every shape has
    the same keys, each is written in that order as plotly would have stored it. Anything else is
    assigned the validating way. tests/unit/test_charts_shapes.py compares the figure's JSON."""
    template = go.layout.Shape(shapes[0]).to_plotly_json() if shapes else None
    if template is None or any(not _same_keys(s, template) for s in shapes):
        fig.layout.shapes = shapes
        return
    ordered = [_ordered_like(s, template) for s in shapes]
    if ordered[0] != template:  # plotly would change a value: let it
        fig.layout.shapes = shapes
        return
    layout = fig.layout
    layout._validate = False  # as plotly itself sets its default template
    try:
        layout.shapes = ordered
    finally:
        layout._validate = fig._validate


def _same_keys(given: dict[str, Any], template: dict[str, Any]) -> bool:
    if not isinstance(given, dict) or given.keys() != template.keys():
        return False
    return all(not isinstance(v, dict) or _same_keys(given[k], v) for k, v in template.items())


def _ordered_like(given: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    return {k: _ordered_like(given[k], v) if isinstance(v, dict) else given[k] for k, v in template.items()}


def score_heatmap(
    matrix: pd.DataFrame,
    *,
    x_title: str,
    y_title: str,
    score_label: str,
    status_labels: dict[str, str],
) -> go.Figure:
    """Regions x aspects heatmap: each cell filled by its status (``matrix.attrs["status"]``) in the
    status palette, the score printed in it (with ▼/▽ for below the floor / the local standard);
    cells below the floor also get a dark outline. One legend entry per status shown."""
    z = matrix.to_numpy(dtype="float64")
    status = np.array(matrix.attrs.get("status", [["no_data"] * z.shape[1]] * z.shape[0]), dtype=object)
    status = status.reshape(z.shape) if status.size == z.size else np.full(z.shape, "no_data", dtype=object)
    status = np.where(np.isin(status, HEATMAP_STATUSES), status, "no_data")
    cells = [list(zip(zr, sr, strict=True)) for zr, sr in zip(z, status, strict=True)]
    code = [[HEATMAP_STATUSES.index(s) for _, s in row] for row in cells]
    text = [[heatmap_cell_text(v, s) for v, s in row] for row in cells]
    hover = [[["–" if np.isnan(v) else f"{v:.1f}", status_labels.get(s, s)] for v, s in row] for row in cells]
    x = [wrap_label(str(c)) for c in matrix.columns]
    y = [plotly_text(r) for r in matrix.index]
    n = len(HEATMAP_STATUSES)
    fig = go.Figure(
        go.Heatmap(
            z=code,
            x=x,
            y=y,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=_status_colorscale(),
            showscale=False,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 12},
            customdata=hover,
            hovertemplate="%{y} · %{x}<br>"
            + plotly_text(score_label)
            + ": %{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            xgap=2,
            ygap=2,
        )
    )
    # the outlines in one assignment: add_shape per cell re-validates every shape already there
    # (quadratic: 60 s for the country's prefectures x aspects)
    outline = {"color": OUTLINE_COLOUR, "width": 2}
    set_shapes(
        fig,
        [
            {
                "type": "rect",
                "x0": c - 0.5,
                "x1": c + 0.5,
                "y0": r - 0.5,
                "y1": r + 0.5,
                "line": outline,
                "layer": "above",
            }
            for r, c in zip(*np.nonzero(status == "below_floor"), strict=True)
        ],
    )
    for s in HEATMAP_STATUSES:  # the legend: the statuses shown, in the palette's order
        if (status == s).any():
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    marker={
                        "symbol": "square",
                        "size": 14,
                        "color": STATUS_COLOURS[s],
                        "line": {"width": 2 if s == "below_floor" else 0, "color": OUTLINE_COLOUR},
                    },
                    name=(STATUS_MARKS[s] + " " if s in STATUS_MARKS else "") + status_labels.get(s, s),
                    hoverinfo="skip",
                )
            )
    fig.update_layout(
        height=max(360, 28 * len(matrix.index) + 180),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor=STATUS_COLOURS["no_data"],
        xaxis={"title": x_title, "side": "top", "tickangle": 0, "showgrid": False, "zeroline": False},
        yaxis={"title": y_title, "autorange": "reversed", "showgrid": False, "zeroline": False},
        showlegend=True,
        legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0},
    )
    return fig


def _colour_at(score: float) -> str:
    """The SCORE_SCALE colour of a 0-100 score (linear between the scale's stops)."""
    x = min(max(score / 100.0, 0.0), 1.0)
    for (x0, c0), (x1, c1) in pairwise(SCORE_SCALE):
        if x <= x1:
            f = 0 if x1 == x0 else (x - x0) / (x1 - x0)
            a = [int(c0[i : i + 2], 16) for i in (1, 3, 5)]
            b = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
            return "#" + "".join(f"{round(u + (v - u) * f):02x}" for u, v in zip(a, b, strict=True))
    return SCORE_SCALE[-1][1]


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in data units


def _label_px(name: str, font_px: float) -> float:
    """Rough width of a one-line label in pixels: a CJK character is about a font size wide."""
    return sum(font_px if ord(ch) >= 0x2E80 else 0.6 * font_px for ch in name) + 2


def label_mask(
    centres: list[tuple[float, float]],
    names: list[str],
    boxes: list[Box],
    areas: list[float],
    *,
    aspect: float = 1.0,
    width_px: float = 340,
    height_px: float = 400,
    font_px: float = 11,
) -> list[bool]:
    """Which regions of a map get their name printed: a label goes where it fits well inside its
    region (its bounding box, and at most a third of its area) and keeps clear of every label placed
    before it (largest regions first); the others are named on hover only. ``areas``: of each
    region's shape in square data units; ``aspect``: the map's y scale ratio;
    ``width_px``/``height_px``: the plot area the map is drawn in (the narrower fit decides the
    scale; a column of a wide page, on the small side so that labels are dropped rather than
    overlap)."""
    if not centres:
        return []
    x0 = min(b[0] for b in boxes)
    y0 = min(b[1] for b in boxes)
    x1 = max(b[2] for b in boxes)
    y1 = max(b[3] for b in boxes)
    span_x, span_y = max(x1 - x0, 1e-9), max((y1 - y0) * aspect, 1e-9)
    kx = min(width_px / span_x, height_px / span_y)  # pixels per x unit
    ky = kx * aspect
    placed: list[Box] = []
    keep = [False] * len(centres)
    order = sorted(range(len(centres)), key=lambda i: -areas[i])
    h = font_px * 1.3
    for i in order:
        w = _label_px(names[i], font_px)
        bw, bh = (boxes[i][2] - boxes[i][0]) * kx, (boxes[i][3] - boxes[i][1]) * ky
        if not names[i] or w > bw * 0.75 or h > bh * 0.6 or w * h > areas[i] * kx * ky / 3:
            continue
        cx, cy = centres[i][0] * kx, centres[i][1] * ky
        rect = (cx - w / 2 - 4, cy - h / 2 - 2, cx + w / 2 + 4, cy + h / 2 + 2)
        if any(rect[0] < r[2] and r[0] < rect[2] and rect[1] < r[3] and r[1] < rect[3] for r in placed):
            continue
        placed.append(rect)
        keep[i] = True
    return keep


def ring_area(xs: list[float], ys: list[float]) -> float:
    """The area of a closed ring (shoelace), in square data units."""
    x, y = np.asarray(xs, dtype="float64"), np.asarray(ys, dtype="float64")
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def bounding_box(xs: list[float | None], ys: list[float | None]) -> Box:
    """The bounding box of a path's points (None separators ignored)."""
    px = [v for v in xs if v is not None]
    py = [v for v in ys if v is not None]
    return (min(px), min(py), max(px), max(py))


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return [geometry["coordinates"][0]]
    if geometry.get("type") == "MultiPolygon":
        return [poly[0] for poly in geometry["coordinates"]]
    return []


RingPath = tuple[list[float | None], list[float | None]]  # x and y of rings, separated by None


def _add_rings(path: RingPath, rings: list[list[list[float]]]) -> None:
    for ring in rings:
        path[0].extend([*(pt[0] for pt in ring), None])
        path[1].extend([*(pt[1] for pt in ring), None])


def _outline(fig: go.Figure, path: RingPath, colour: str, width: float) -> None:
    if path[0]:
        fig.add_trace(
            go.Scatter(
                x=path[0],
                y=path[1],
                mode="lines",
                line={"color": colour, "width": width},
                hoverinfo="skip",
                showlegend=False,
            )
        )


MAP_ASPECT = 1.15  # y/x scale of the maps: ~1/cos(latitude) at 30°N


def _map_layout(fig: go.Figure, height: int) -> go.Figure:
    """Plain axes hidden, degrees kept in proportion (~1/cos(latitude) at 30°N)."""
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=MAP_ASPECT)
    fig.update_layout(
        height=height, margin={"l": 0, "r": 0, "t": 0, "b": 0}, plot_bgcolor="#ffffff", hovermode="closest"
    )
    return fig


def outline_preview(geojson: dict, height: int = 420) -> go.Figure:
    """Every boundary of a FeatureCollection as an outline (counties thin, the rest thicker), on
    plain axes like the maps: what an administrator is about to save."""
    counties: RingPath = ([], [])
    others: RingPath = ([], [])
    for feature in geojson.get("features", []):
        is_county = feature.get("properties", {}).get("level") == "county"
        _add_rings(counties if is_county else others, _rings(feature.get("geometry") or {}))
    fig = go.Figure()
    _outline(fig, counties, "#7f8c8d", 0.8)
    _outline(fig, others, "#2c3e50", 1.6)
    return _map_layout(fig, height)


def choropleth(
    frame: pd.DataFrame,
    geojson: dict,
    *,
    score_label: str,
    status_labels: dict[str, str],
    height: int = 460,
    outlines: tuple[str, ...] = ("prefecture",),
) -> go.Figure:
    """Counties coloured by score, drawn as filled polygons on plain axes.

    Plotly's geo maps fetch a base-map topojson from a CDN even when the base map is hidden, and
    draw nothing offline; these filled shapes need no network at all (DESIGN: maps work offline).
    Unreported counties are grey, so they are not mistaken for low scores. The shapes are grouped
    into one trace per colour (scores coloured in steps of 2.5 points, finer than the eye can tell
    on this scale), so a whole country's 2,850 counties make a few dozen traces rather than
    thousands; hover works through an invisible marker at each county's centre. ``outlines``: the
    levels whose borders are drawn on top, the first thick (provinces in a country, prefectures in
    a province), the next thin.
    """
    rows = frame.set_index("region_code")
    fills: dict[str, RingPath] = {}
    borders: dict[str, RingPath] = {level: ([], []) for level in outlines}
    hover_x, hover_y, hover_text = [], [], []
    names: list[str] = []
    boxes: list[Box] = []
    areas: list[float] = []
    for feature in geojson.get("features", []):
        props = feature.get("properties", {})
        rings = _rings(feature.get("geometry") or {})
        if props.get("level") in borders:  # outlines on top
            _add_rings(borders[props["level"]], rings)
        code = props.get("code")
        if code not in rows.index or not rings:
            continue
        row = rows.loc[code]
        score = float(row["score"]) if pd.notna(row["score"]) else None
        colour = STATUS_COLOURS["no_data"] if score is None else _colour_at(round(score / 2.5) * 2.5)
        _add_rings(fills.setdefault(colour, ([], [])), rings)
        largest = max(rings, key=len)
        hover_x.append(float(np.mean([pt[0] for pt in largest])))
        hover_y.append(float(np.mean([pt[1] for pt in largest])))
        names.append(str(row["name"]))
        boxes.append(bounding_box([pt[0] for pt in largest], [pt[1] for pt in largest]))
        areas.append(ring_area([pt[0] for pt in largest], [pt[1] for pt in largest]))
        hover_text.append(
            f"{plotly_text(row['name'])}<br>"
            + (
                f"{score_label}: {score:.1f}<br>{status_labels.get(row['status'], row['status'])}"
                if score is not None
                else status_labels.get("no_data", "")
            )
        )
    fig = go.Figure()
    for colour, (xs, ys) in fills.items():
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                fill="toself",
                fillcolor=colour,
                mode="lines",
                line={"color": "#ffffff", "width": 1},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    for depth, path in enumerate(reversed(list(borders.values()))):  # the thick one last, on top
        thick = depth == len(borders) - 1
        _outline(
            fig,
            path,
            "#2c3e50" if thick else "#5d6d7e",
            2.4 if thick and len(borders) > 1 else 2 if thick else 0.9,
        )
    fig.add_trace(
        go.Scatter(
            x=hover_x,
            y=hover_y,
            mode="markers",
            marker={"size": 14, "opacity": 0},
            text=hover_text,
            hoverinfo="text",
            showlegend=False,
        )
    )
    # names printed where they fit (largest regions first, never overlapping); the rest on hover
    shown = label_mask(list(zip(hover_x, hover_y, strict=True)), names, boxes, areas, aspect=MAP_ASPECT)
    if any(shown):
        fig.add_trace(
            go.Scatter(
                x=[x for x, keep in zip(hover_x, shown, strict=True) if keep],
                y=[y for y, keep in zip(hover_y, shown, strict=True) if keep],
                mode="text",
                text=[plotly_text(n) for n, keep in zip(names, shown, strict=True) if keep],
                textfont={"size": 11, "color": "#111111"},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    # the colour bar: one invisible marker carrying the scale
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            marker={
                "colorscale": SCORE_SCALE,
                "cmin": 0,
                "cmax": 100,
                "color": [0],
                "showscale": True,
                "colorbar": {"title": {"text": score_label}, "thickness": 14},
            },
            hoverinfo="skip",
            showlegend=False,
        )
    )
    return _map_layout(fig, height)


SPINE_RANGE = (-0.03, 1.03)  # the spine chart's x axis: 0 = worst .. 1 = best, a little margin


def spine_chart(
    frame: pd.DataFrame,
    *,
    status_labels: dict[str, str],
    legend: dict[str, str],
) -> go.Figure:
    """Fingertips-style spine chart: one row per indicator, worst peer at the left, best at the right.

    Grey bar: the peers' range; darker band: their middle half; black tick: national floor; amber
    diamond: binding local standard; dot: the region, coloured by status, with its confidence
    interval as a whisker for rates, clipped to the axis range (never drawn outside the plot);
    a median tick where ``pos_p50`` is given and ``legend`` has "median". ``legend`` labels: peers,
    middle, floor, local, region, worst, best (median optional). A band with no data is left out.
    """
    df = frame.iloc[::-1].reset_index(drop=True)  # first indicator on top
    labels = [
        wrap_label(f"{n} ({u})" if u and u != "%" else n, 48)
        for n, u in zip(df["indicator"], df["unit"], strict=True)
    ]
    y = list(range(len(df)))
    fig = go.Figure()
    lo = np.fmin(df["pos_p_min"], df["pos_p_max"])
    hi = np.fmax(df["pos_p_min"], df["pos_p_max"])
    q_lo = np.fmin(df["pos_p25"], df["pos_p75"])
    q_hi = np.fmax(df["pos_p25"], df["pos_p75"])
    for left, right, colour, name in (
        (lo, hi, "#e5e8eb", legend["peers"]),
        (q_lo, q_hi, "#aab7c4", legend["middle"]),
    ):
        if not (right - left).notna().any():  # no band at all (an official sees no extremes)
            continue
        fig.add_trace(
            go.Bar(
                y=y,
                x=right - left,
                base=left,
                orientation="h",
                marker_color=colour,
                name=name,
                hoverinfo="skip",
                width=0.6,
            )
        )
    fig.add_trace(
        go.Scatter(
            y=y,
            x=df["pos_national_floor"],
            mode="markers",
            name=legend["floor"],
            marker={
                "symbol": "line-ns-open",
                "size": 16,
                "color": "#1a1a1a",
                "line": {"width": 3, "color": "#1a1a1a"},
            },
            customdata=df["national_floor"],
            hovertemplate=legend["floor"] + ": %{customdata}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=y,
            x=df["pos_local_standard"],
            mode="markers",
            name=legend["local"],
            marker={
                "symbol": "diamond",
                "size": 9,
                "color": STATUS_COLOURS["below_local"],
                "line": {"width": 1, "color": "#1a1a1a"},
            },
            customdata=df["local_standard"],
            hovertemplate=legend["local"] + ": %{customdata}<extra></extra>",
        )
    )
    if "pos_p50" in df and df["pos_p50"].notna().any() and "median" in legend:
        fig.add_trace(
            go.Scatter(
                y=y,
                x=df["pos_p50"],
                mode="markers",
                name=legend["median"],
                marker={
                    "symbol": "line-ns-open",
                    "size": 12,
                    "color": "#34495e",
                    "line": {"width": 2, "color": "#34495e"},
                },
                hoverinfo="skip",
            )
        )
    # the whisker stays inside the axis: the interval is clipped to the drawn range
    ci_lo = np.fmin(df["pos_ci_low"], df["pos_ci_high"]).clip(lower=SPINE_RANGE[0], upper=SPINE_RANGE[1])
    ci_hi = np.fmax(df["pos_ci_low"], df["pos_ci_high"]).clip(lower=SPINE_RANGE[0], upper=SPINE_RANGE[1])
    pos = df["pos_value"]
    fig.add_trace(
        go.Scatter(
            y=y,
            x=pos,
            mode="markers",
            name=legend["region"],
            marker={
                "size": 12,
                "color": [STATUS_COLOURS.get(s, "#7f8c8d") for s in df["status"]],
                "line": {"width": 1, "color": "#1a1a1a"},
            },
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (ci_hi - pos).clip(lower=0),
                "arrayminus": (pos - ci_lo).clip(lower=0),
                "color": "#555",
                "thickness": 1.5,
                "width": 4,
            },
            customdata=np.stack(
                [df["value"].round(2).astype(str), df["status"].map(lambda s: status_labels.get(s, s))],
                axis=-1,
            ),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
        )
    )
    fig.update_layout(
        barmode="overlay",
        height=max(300, 34 * len(df) + 110),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        plot_bgcolor="#ffffff",
        xaxis={
            "range": list(SPINE_RANGE),
            "tickvals": [0, 0.5, 1],
            "ticktext": [legend["worst"], "", legend["best"]],
            "showgrid": False,
        },
        yaxis={"tickvals": y, "ticktext": labels, "automargin": True},
    )
    return fig


def score_lines(history: pd.DataFrame, *, score_label: str, period_label: str) -> go.Figure:
    """Overall (thick) and aspect scores over periods."""
    fig = go.Figure()
    for series, part in history.groupby("series", sort=False):
        overall = bool((part["code"] == "overall").all())
        fig.add_trace(
            go.Scatter(
                x=part["period"],
                y=part["score"],
                mode="lines+markers",
                name=wrap_label(str(series), 24),
                line={"width": 4 if overall else 1.5, "color": "#1f4e79" if overall else None},
            )
        )
    fig.update_layout(
        height=380,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        yaxis={
            "title": score_label,
            "range": [
                max(0, float(history["score"].min()) - 5) if history["score"].notna().any() else 0,
                100,
            ],
        },
        xaxis={"title": period_label, "dtick": 1},
    )
    return fig
