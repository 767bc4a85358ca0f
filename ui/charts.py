"""Plotly figures for the pages. Colours follow the status palette used in every view and export."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

# Status colours (shared with the Excel exports): red = below the national floor, amber = below the
# local standard, green = meets, grey = no data.
STATUS_COLOURS = {
    "below_floor": "#c0392b",
    "below_local": "#e6a23c",
    "meets": "#2e8b57",
    "no_standard": "#7f8c8d",
    "no_data": "#d0d3d4",
    "insufficient_data": "#d0d3d4",
}
# 0-100 score scale: red (0) through amber to green (100); colour-blind safe enough with the numbers
# printed in every cell.
SCORE_SCALE = [(0.0, "#b2182b"), (0.5, "#f4a259"), (0.8, "#d9ef8b"), (1.0, "#1a9850")]


def wrap_label(text: str, width: int = 14) -> str:
    """Break a long axis label onto several lines (plotly wraps nothing by itself)."""
    if len(text) <= width or " " not in text:
        return text
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def score_heatmap(
    matrix: pd.DataFrame,
    *,
    x_title: str,
    y_title: str,
    score_label: str,
    status_labels: dict[str, str],
) -> go.Figure:
    """Regions x aspects heatmap with the score printed in each cell; blank (grey) where no data."""
    z = matrix.to_numpy(dtype="float64")
    text = np.vectorize(lambda v: "–" if np.isnan(v) else f"{v:.0f}", otypes=[object])(z)
    status = np.array(matrix.attrs.get("status", [["no_data"] * z.shape[1]] * z.shape[0]), dtype=object)
    status_text = np.vectorize(lambda s: status_labels.get(s, s))(status)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[wrap_label(str(c)) for c in matrix.columns],
            y=list(matrix.index),
            zmin=0,
            zmax=100,
            colorscale=SCORE_SCALE,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 12},
            customdata=status_text,
            hovertemplate="%{y} · %{x}<br>" + score_label + ": %{z:.1f}<br>%{customdata}<extra></extra>",
            colorbar={"title": {"text": score_label}, "thickness": 14},
            xgap=2,
            ygap=2,
        )
    )
    fig.update_layout(
        height=max(360, 28 * len(matrix.index) + 140),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        plot_bgcolor=STATUS_COLOURS["no_data"],
        xaxis={"title": x_title, "side": "top", "tickangle": 0},
        yaxis={"title": y_title, "autorange": "reversed"},
    )
    return fig
