"""Plotly figure and table style of the compare page (frames from :mod:`assessment.views.compare`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from assessment.domain.i18n import t
from ui.charts import STATUS_COLOURS, wrap_label
from ui.charts_analysis import SERIES, STATUS_MARKS, house_layout, stamp, status_labels
from ui.safe import plotly_text


def compare_bars(frame: pd.DataFrame, edition: str, lang: str) -> go.Figure:
    """Aspect and overall scores of 2-4 counties as grouped bars (one colour per county); bars of an
    aspect with an indicator below the national floor are hatched (``views.compare.aspect_scores``)."""
    fig = go.Figure()
    palette = [SERIES[4], SERIES[0], SERIES[5], SERIES[6]]
    for i, (_code, sub) in enumerate(frame.groupby("region_code", sort=False)):
        below = (sub["status"] == "below_floor").to_numpy()
        fig.add_bar(
            x=[wrap_label(a, 12) for a in sub["aspect"]],
            y=sub["score"],
            name=plotly_text(sub["region"].iloc[0]),
            marker={
                "color": palette[i % len(palette)],
                "pattern": {
                    "shape": ["/" if b else "" for b in below],
                    "fgcolor": "#ffffff",
                    "fillmode": "overlay",  # lines over the bar colour ("replace" left the bar white)
                    "size": 6,
                },
            },
            text=[f"{v:.0f}" if pd.notna(v) else "–" for v in sub["score"]],
            textposition="outside",
            customdata=[status_labels(lang).get(s, s) for s in sub["status"]],
            hovertemplate="%{x}: %{y:.1f}<br>%{customdata}<extra>"
            + plotly_text(sub["region"].iloc[0])
            + "</extra>",
        )
    fig.update_yaxes(title=t("analysis.score_axis", lang), range=[0, 110], gridcolor="#e5e5e5")
    fig.update_xaxes(title=t("analysis.aspect_axis", lang), tickangle=0)
    house_layout(fig, 480, legend_top=True, barmode="group")
    return stamp(fig, edition, lang)


def _tint(colour: str, alpha: float = 0.35) -> str:
    """``colour`` mixed with white, so that black text stays readable on it."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - alpha * (255 - c)) for c in (r, g, b)]
    return "#{:02x}{:02x}{:02x}".format(*mix)


def status_styler(table: pd.DataFrame, status: pd.DataFrame, value_columns: tuple[str, ...]) -> object:
    """A pandas Styler of ``table`` whose value cells are tinted by ``status`` (same rows, one column
    per value column) and whose rows with ``differs`` are marked in the first column."""
    fills = {s: f"background-color: {_tint(c)}" for s, c in STATUS_COLOURS.items()}

    def colour(frame: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame("", index=frame.index, columns=frame.columns)
        for col in value_columns:
            if col in frame.columns:
                out[col] = status[col].map(fills).fillna("").to_numpy()
        if "differs" in frame.columns:
            mark = np.where(
                frame["differs"].to_numpy(dtype=bool), "background-color: #fff1b8; font-weight: bold", ""
            )
            out[frame.columns[0]] = mark
        return out

    number = {c: "{:.2f}" for c in (*value_columns, "spread") if c in table.columns}
    styler = table.style.apply(colour, axis=None).format(number, na_rep="–")
    for col in value_columns:  # a symbol beside the colour, for readers who cannot tell them apart
        for code, mark in STATUS_MARKS.items():
            rows = table.index[(status[col] == code).to_numpy()]
            if len(rows):
                styler = styler.format(f"{{:.2f}} {mark}", subset=pd.IndexSlice[rows, [col]], na_rep="–")
    return styler
