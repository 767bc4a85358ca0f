"""Plotly figures of the equity page: dispersion over the years, the Theil decomposition, and the
population below the national floor (frames from :mod:`assessment.views.equity`)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from assessment.domain.i18n import t
from ui.charts import wrap_label
from ui.charts_analysis import SERIES, house_layout, stamp
from ui.safe import plotly_text


def equity_lines(
    long: pd.DataFrame, edition: str, lang: str, changes: Sequence[tuple[int, str]] = ()
) -> go.Figure:
    """CV, Gini and Theil T per aspect over the years: three panels, one line per aspect
    (``views.equity.measures_over_time``). ``changes`` (first period, "old → new"): where the
    edition changes, a dotted line in every panel, as the aspect scores are not like for like."""
    measures = ("cv", "gini", "theil")
    fig = make_subplots(rows=1, cols=3, subplot_titles=[t(f"analysis.measure.{m}", lang) for m in measures])
    aspects = list(dict.fromkeys(long["aspect_code"]))
    for i, m in enumerate(measures, start=1):
        for j, code in enumerate(aspects):
            sub = long.loc[(long["measure"] == m) & (long["aspect_code"] == code)]
            if sub.empty:
                continue
            name = str(sub["aspect"].iloc[0])
            fig.add_scatter(
                x=sub["period"],
                y=sub["value"],
                mode="lines+markers",
                line={"color": SERIES[j % len(SERIES)], "width": 2},
                name=wrap_label(name, 24),
                legendgroup=code,
                showlegend=i == 1,
                hovertemplate=plotly_text(name) + " %{x}: %{y:.4f}<extra></extra>",
                row=1,
                col=i,
            )
    periods = sorted(set(long["period"]))
    for period, editions in changes:
        for col in (1, 2, 3):
            fig.add_vline(
                x=period - 0.5, line={"color": "#6b4c9a", "width": 2, "dash": "dot"}, row=1, col=col
            )
        fig.add_annotation(
            text=t("analysis.edition_change", lang, editions=plotly_text(editions)),
            xref="paper", yref="paper", x=0, y=-0.5, showarrow=False, xanchor="left",
            font={"color": "#6b4c9a", "size": 12},
        )  # fmt: skip
    fig.update_xaxes(
        title=t("analysis.period_axis", lang), tickvals=periods, ticktext=[str(p) for p in periods]
    )
    fig.update_yaxes(gridcolor="#e5e5e5", rangemode="tozero")
    fig.update_yaxes(title=t("analysis.measure_axis", lang), row=1, col=1)
    house_layout(fig, 500)
    fig.update_layout(legend={"y": -0.2}, margin={"t": 70, "b": 150 if changes else 80})
    return stamp(fig, edition, lang, yshift=26)


def theil_stack(decomp: pd.DataFrame, groups_level: str, edition: str, lang: str) -> go.Figure:
    """Theil T per aspect as a stacked bar: between the parent regions and within them."""
    groups = t(f"analysis.groups.{groups_level}", lang) if groups_level else ""
    x = [wrap_label(a, 12) for a in decomp["aspect"]]
    share = [f"{s:.0%}" if pd.notna(s) else "" for s in decomp["between_share"]]
    fig = go.Figure()
    fig.add_bar(
        x=x,
        y=decomp["theil_between"],
        name=t("analysis.theil_between", lang, groups=groups),
        marker_color=SERIES[4],
        text=share,
        textposition="inside",
        hovertemplate="%{x}<br>%{y:.5f} (%{text})<extra></extra>",
    )
    fig.add_bar(
        x=x,
        y=decomp["theil_within"],
        name=t("analysis.theil_within", lang, groups=groups),
        marker_color=SERIES[0],
        hovertemplate="%{x}<br>%{y:.5f}<extra></extra>",
    )
    fig.update_yaxes(title=t("analysis.theil_axis", lang), gridcolor="#e5e5e5")
    fig.update_xaxes(title=t("analysis.aspect_axis", lang), tickangle=0)
    house_layout(fig, 460, legend_top=True, barmode="stack")
    return stamp(fig, edition, lang)


# Year colours of the below-floor bars: Paul Tol's colour-blind-safe qualitative colours ordered so
# that the latest years take the most distinct and darkest ones (indigo, teal, sand...), never
# shades of one hue that neighbouring bars make hard to tell apart.
YEAR_COLOURS = ("#cc6677", "#88ccee", "#ddcc77", "#44aa99", "#332288")


def year_colours(n: int) -> list[str]:
    """``n`` colours for ``n`` years, oldest first: the last ``n`` of :data:`YEAR_COLOURS`, or the
    series palette cycled beyond five years."""
    if n <= len(YEAR_COLOURS):
        return list(YEAR_COLOURS[len(YEAR_COLOURS) - n :])
    return [SERIES[i % len(SERIES)] for i in range(n)]


def below_floor_bars(frame: pd.DataFrame, edition: str, lang: str) -> go.Figure:
    """Population share in counties below the national floor per aspect, one bar per year (each year
    its own colour of a qualitative palette, the latest the darkest), labelled with the count of
    counties below it (``"6/15"``)."""
    periods = sorted(set(frame["period"]))
    shades = year_colours(len(periods))
    fig = go.Figure()
    for p, colour in zip(periods, shades, strict=True):
        sub = frame.loc[frame["period"] == p]
        fig.add_bar(
            x=[wrap_label(a, 12) for a in sub["aspect"]],
            y=sub["pop_share_below_floor"] * 100,
            name=str(p),
            marker_color=colour,
            text=sub["label"],
            textposition="outside",
            textangle=-90,
            textfont={"size": 11},
            hovertemplate="%{x} " + str(p) + ": %{y:.1f}% (%{text})<extra></extra>",
        )
    top = float(np.nanmax(frame["pop_share_below_floor"])) * 100 if len(frame) else 0.0
    top = 100.0 if not np.isfinite(top) else top
    fig.update_yaxes(
        title=t("analysis.pop_share_axis", lang), range=[0, min(118.0, top * 1.25 + 8)], gridcolor="#e5e5e5"
    )
    fig.update_xaxes(title=t("analysis.aspect_axis", lang), tickangle=0)
    house_layout(fig, 460, legend_top=True, barmode="group")
    fig.update_layout(legend_title_text=t("analysis.period_axis", lang))
    return stamp(fig, edition, lang)
