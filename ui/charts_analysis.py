"""Plotly figures of the indicator view, and the house style of the analysis pages' figures.

Every figure takes a display-ready frame from ``assessment/views`` and the language, colours by the
one status palette of :mod:`ui.charts`, titles its axes with units, wraps long labels and names the
catalogue edition in its corner (:func:`stamp`). Nothing here computes a score. The equity and
compare figures are in :mod:`ui.charts_equity` and :mod:`ui.charts_compare`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

from assessment.domain.i18n import t
from assessment.views.analysis_common import floor_text
from assessment.views.indicator import IndicatorInfo, Outline
from ui.charts import STATUS_COLOURS, bounding_box, label_mask, wrap_label
from ui.safe import plotly_text

# qualitative colours for series that are not statuses (regions, aspects, periods): Paul Tol's
# colour-blind-safe palette without its grey, so no series is mistaken for "no data"
SERIES = [c for c in qualitative.Safe if c != "rgb(136, 136, 136)"]
FLOOR_COLOUR = "#7b1d12"
LOCAL_COLOUR = "#222222"
STATUS_ORDER = ("below_floor", "below_local", "meets", "no_standard", "no_data")
STATUS_MARKS = {"below_floor": "▼", "below_local": "▽"}  # printed beside coloured values in tables
_FONT = {"size": 13}


def status_labels(lang: str) -> dict[str, str]:
    """``{status code: label}`` in ``lang`` for every status of the palette."""
    return {s: t(f"status.{s}", lang) for s in STATUS_COLOURS}


def stamp(fig: go.Figure, edition: str, lang: str, *, yshift: int = 0) -> go.Figure:
    """Name the catalogue edition above the plot's top left corner (STYLE 6)."""
    fig.add_annotation(
        text=t("analysis.edition_stamp", lang, edition=plotly_text(edition)),
        xref="paper",
        yref="paper",
        x=0,
        y=1,
        xanchor="left",
        yanchor="bottom",
        yshift=yshift,
        showarrow=False,
        font={"size": 11, "color": "#666666"},
    )
    return fig


def house_layout(fig: go.Figure, height: int, *, legend_top: bool = False, **kw: object) -> go.Figure:
    """House layout: white plot, readable font, legend below the plot (``legend_top``: above it,
    right-aligned, for charts whose category labels below the axis are tall)."""
    legend = (
        {"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "right", "x": 1}
        if legend_top
        else {"orientation": "h", "yanchor": "top", "y": -min(0.35, 75 / height), "x": 0}
    )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font=_FONT,
        plot_bgcolor="#ffffff",
        legend=legend,
        **kw,
    )
    return fig


def _unique_labels(names: pd.Series, parents: pd.Series) -> list[str]:
    """Names as axis labels; a name shared by two regions gets its parent's name."""
    counts = names.value_counts()
    return [
        f"{n}（{p}）" if counts.get(n, 0) > 1 else str(n)
        for n, p in zip(names, parents.fillna(""), strict=True)
    ]


def _span(*columns: pd.Series | float | None) -> list[float] | None:
    """An axis range around every finite number given, with 6% padding (None when there are none)."""
    vals = np.concatenate([np.atleast_1d(np.asarray(c, dtype="float64")) for c in columns if c is not None])
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return None
    lo, hi = float(vals.min()), float(vals.max())
    pad = (hi - lo) * 0.06 or max(abs(hi) * 0.05, 1.0)
    return [lo - pad, hi + pad]


def _floor_line(
    fig: go.Figure, info: IndicatorInfo, lang: str, kind: str, position: str, *, in_legend: bool = False
) -> None:
    """The national floor as a dashed line (``kind`` "vline" or "hline"), if there is one, labelled
    on the plot at ``position``, or (``in_legend``) by a legend entry instead: in a crowded plot (a
    box plot, lines over the years) a label on the line sits on top of boxes, dots and lines."""
    if info.national_floor is None:
        return
    label = t("analysis.floor_line", lang, value=floor_text(info.national_floor, info.floor_confirmed))
    line = {"color": FLOOR_COLOUR, "dash": "dash", "width": 2}
    add = fig.add_vline if kind == "vline" else fig.add_hline
    if in_legend:
        add(info.national_floor, line=line)
        fig.add_scatter(x=[None], y=[None], mode="lines", line=line, name=label, hoverinfo="skip")
        return
    add(
        info.national_floor,
        line=line,
        annotation_text=label,
        annotation_position=position,
        annotation_font={"color": FLOOR_COLOUR},
    )


def _status_parts(rows: pd.DataFrame) -> Iterator[tuple[str, np.ndarray, pd.DataFrame]]:
    """(status, row mask, rows) for each status present, in the legend's order."""
    for status in STATUS_ORDER:
        part = (rows["status"] == status).to_numpy()
        if part.any():
            yield status, part, rows.loc[part]


def _whiskers(sub: pd.DataFrame, colour: str, thickness: float, width: float) -> dict:
    """Plotly error bars from ``ci_low``/``ci_high`` around ``value`` (hidden when there are none)."""
    ci = (sub["ci_low"].notna() & sub["ci_high"].notna()).to_numpy()
    return {
        "type": "data",
        "array": np.where(ci, sub["ci_high"] - sub["value"], np.nan),
        "arrayminus": np.where(ci, sub["value"] - sub["ci_low"], np.nan),
        "color": colour,
        "thickness": thickness,
        "width": width,
        "visible": bool(ci.any()),
    }


def ranked_dots(frame: pd.DataFrame, info: IndicatorInfo, lang: str) -> go.Figure:
    """Counties best first as dots coloured by status with their Wilson intervals (a caterpillar
    plot: the axis is zoomed to the data, so it starts where the values are, not at 0), the national
    floor as a dashed line and each county's local standard as a tick (``views.indicator.ranked``)."""
    rows = frame.loc[frame["value"].notna()]
    if len(rows) > MAX_NAMED_ROWS:
        return ranked_caterpillar(rows, info, lang)
    labels = [wrap_label(label, 20) for label in _unique_labels(rows["name"], rows["parent_name"])]
    names = status_labels(lang)
    fig = go.Figure()
    for status, part, sub in _status_parts(rows):
        fig.add_scatter(
            x=sub["value"],
            y=[w for w, keep in zip(labels, part, strict=True) if keep],
            mode="markers",
            name=names[status],
            marker={"color": STATUS_COLOURS[status], "size": 13, "line": {"width": 1, "color": "#333333"}},
            error_x=_whiskers(sub, "#555555", 1.5, 4),
            customdata=np.stack([sub["ci_low"], sub["ci_high"]], axis=-1),
            hovertemplate="%{y}: %{x:.2f} "
            + plotly_text(info.unit)
            + "<br>95% CI %{customdata[0]:.1f} – %{customdata[1]:.1f}"
            "<extra>" + names[status] + "</extra>",
        )
    if rows["ci_low"].notna().any():  # a legend entry for the whiskers
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="lines",
            line={"color": "#555555", "width": 1.5},
            name=t("analysis.ci", lang),
        )
    local = rows["local_standard"].notna().to_numpy()
    if local.any():
        fig.add_scatter(
            x=rows.loc[local, "local_standard"],
            y=[w for w, keep in zip(labels, local, strict=True) if keep],
            mode="markers",
            marker={"symbol": "line-ns", "size": 20, "line": {"width": 3, "color": LOCAL_COLOUR}},
            name=t("analysis.local_standard", lang),
            hovertemplate="%{y}: %{x:g}<extra>" + t("analysis.local_standard", lang) + "</extra>",
        )
    _floor_line(fig, info, lang, "vline", "top")
    fig.update_yaxes(
        categoryorder="array",
        categoryarray=labels,
        autorange="reversed",
        title=t("analysis.region_axis", lang),
        gridcolor="#eeeeee",
    )
    span = _span(rows["value"], rows["ci_low"], rows["ci_high"], rows["local_standard"], info.national_floor)
    fig.update_xaxes(
        title=t("analysis.value_axis", lang, unit=plotly_text(info.unit)), gridcolor="#e5e5e5", range=span
    )
    house_layout(fig, max(320, 34 * len(rows) + 170))
    return stamp(fig, info.edition, lang)


MAX_NAMED_ROWS = 60  # more counties than this: rank on the x axis instead of a row per county


def ranked_caterpillar(rows: pd.DataFrame, info: IndicatorInfo, lang: str) -> go.Figure:
    """The ranked dots for many counties (a province of 100, a country of 2,850): rank along the x
    axis (1 = best), value up the y axis, Wilson intervals as vertical whiskers, the national floor
    as a dashed line; the county's name on hover. One chart height whatever the number of counties."""
    names = status_labels(lang)
    rank = np.arange(1, len(rows) + 1)
    fig = go.Figure()
    for status, part, sub in _status_parts(rows):
        fig.add_scatter(
            x=rank[part],
            y=sub["value"],
            mode="markers",
            name=names[status],
            marker={"color": STATUS_COLOURS[status], "size": 5 if len(rows) > 500 else 8},
            error_y=_whiskers(sub, "#999999", 0.8, 0),
            customdata=np.stack([sub["name"].map(plotly_text), sub["parent_name"].map(plotly_text)], axis=-1),
            hovertemplate="%{customdata[0]} (%{customdata[1]})<br>%{y:.2f} "
            + plotly_text(info.unit)
            + "<br>#%{x}<extra>"
            + names[status]
            + "</extra>",
        )
    _floor_line(fig, info, lang, "hline", "top left")
    span = _span(rows["value"], rows["ci_low"], rows["ci_high"], rows["local_standard"], info.national_floor)
    fig.update_yaxes(
        title=t("analysis.value_axis", lang, unit=plotly_text(info.unit)), gridcolor="#e5e5e5", range=span
    )
    fig.update_xaxes(title=t("analysis.rank_axis", lang, n=len(rows)), gridcolor="#eeeeee")
    house_layout(fig, 460)
    return stamp(fig, info.edition, lang)


def distribution_box(frame: pd.DataFrame, info: IndicatorInfo, lang: str) -> go.Figure:
    """Box of the values for all counties and per region directly under the jurisdiction (``group_name``:
    prefectures in a province, provinces in a country), each county a dot coloured by its status
    (deterministic jitter; with more than :data:`MAX_NAMED_ROWS` counties only those below the floor,
    the rest is the boxes), with the national floor."""
    rows = frame.loc[frame["value"].notna()]
    many = len(rows) > MAX_NAMED_ROWS
    groups = [g for g in dict.fromkeys(rows["group_name"]) if g]
    all_label = t("analysis.all_regions", lang)
    positions = {g: i for i, g in enumerate([all_label, *groups])}
    fig = go.Figure()
    box = {"marker_color": "#555555", "fillcolor": "#e6e6e6", "boxpoints": False, "showlegend": False}
    fig.add_box(x=[0] * len(rows), y=rows["value"], name=all_label, **box)
    for g in groups:
        sub = rows.loc[rows["group_name"] == g]
        fig.add_box(x=[positions[g]] * len(sub), y=sub["value"], name=plotly_text(g), **box)
    names = status_labels(lang)
    rng = np.random.default_rng(7)
    for status in STATUS_ORDER:
        sub = rows.loc[rows["status"] == status]
        if sub.empty or (many and status != "below_floor"):  # many counties: only those below the floor
            continue
        for col in (0, 1):  # every county in "all" and in its group's box
            x = np.zeros(len(sub)) if col == 0 else sub["group_name"].map(positions).to_numpy(dtype=float)
            fig.add_scatter(
                x=x + 0.28 + rng.uniform(-0.06, 0.06, len(sub)),
                y=sub["value"],
                mode="markers",
                marker={
                    "color": STATUS_COLOURS[status],
                    "size": 6 if many else 9,
                    "line": {"width": 1, "color": "#ffffff"},
                },
                name=names[status],
                legendgroup=status,
                showlegend=col == 0,
                text=sub["name"].map(plotly_text),
                hovertemplate="%{text}: %{y:.2f}<extra>" + names[status] + "</extra>",
            )
    _floor_line(fig, info, lang, "hline", "top left", in_legend=True)
    fig.update_xaxes(
        tickvals=list(positions.values()),
        ticktext=[wrap_label(g, 12) for g in positions],
        range=[-0.5, len(positions) - 0.3],
        tickangle=-90 if len(positions) > 12 else 0,
    )
    fig.update_yaxes(title=t("analysis.value_axis", lang, unit=plotly_text(info.unit)), gridcolor="#e5e5e5")
    house_layout(fig, 420)
    return stamp(fig, info.edition, lang)


def status_map(
    frame: pd.DataFrame, shapes: list[Outline], borders: list[Outline], info: IndicatorInfo, lang: str
) -> go.Figure:
    """Counties filled by status on plain axes (no geo subplot: plotly's geo always fetches a world
    map from its CDN, which an offline server cannot reach), the parent regions' borders drawn on
    top, one legend entry per status; hover (and a small label) names the county and its value."""
    by_code = {o.code: o for o in shapes}
    rows = frame.loc[frame["region_code"].isin(list(by_code))]
    names = status_labels(lang)
    fig = go.Figure()
    for status in STATUS_ORDER:
        sub = rows.loc[rows["status"] == status]
        if sub.empty:
            continue
        lon: list[float | None] = []
        lat: list[float | None] = []
        for code in sub["region_code"]:
            lon.extend([*by_code[code].lon, None])
            lat.extend([*by_code[code].lat, None])
        fig.add_scatter(
            x=lon,
            y=lat,
            fill="toself",
            fillcolor=STATUS_COLOURS[status],
            mode="lines",
            line={"color": "#ffffff", "width": 1},
            name=names[status],
            hoverinfo="skip",
        )
    for o in borders:
        fig.add_scatter(
            x=o.lon,
            y=o.lat,
            mode="lines",
            line={"color": "#333333", "width": 1.5},
            hoverinfo="skip",
            showlegend=False,
        )
    centre = [by_code[c].centre for c in rows["region_code"]]
    value = [f"{v:.2f} {plotly_text(info.unit)}" if pd.notna(v) else "–" for v in rows["value"]]
    lat0 = float(np.mean([c[1] for c in centre])) if centre else 0.0
    aspect = 1 / max(np.cos(np.radians(lat0)), 0.2)
    # names printed where they fit inside their county without overlapping another (largest first);
    # every county is named on hover
    shown = label_mask(
        centre,
        [str(n) for n in rows["name"]],
        [bounding_box(list(by_code[c].lon), list(by_code[c].lat)) for c in rows["region_code"]],
        [by_code[c].area for c in rows["region_code"]],
        aspect=aspect,
        font_px=10,
    )
    fig.add_scatter(
        x=[c[0] for c in centre],
        y=[c[1] for c in centre],
        mode="markers+text",
        marker={"size": 16, "opacity": 0},
        text=[plotly_text(str(n)) if keep else "" for n, keep in zip(rows["name"], shown, strict=True)],
        textfont={"size": 10, "color": "#111111"},
        customdata=np.stack(
            [rows["name"].map(plotly_text), value, [names[s] for s in rows["status"]]], axis=-1
        )
        if len(rows)
        else None,
        hovertemplate="%{customdata[0]}<br>%{customdata[1]}<br>%{customdata[2]}<extra></extra>",
        showlegend=False,
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=aspect)
    house_layout(fig, 460)
    fig.update_layout(margin={"l": 0, "r": 0, "t": 30, "b": 0}, legend={"y": -0.02})
    return stamp(fig, info.edition, lang)


def _spread_bands(fig: go.Figure, bands: pd.DataFrame, lang: str) -> None:
    """Percentile bands of the counties' values per period (outer 10-90, inner 25-75) and the median."""
    x = bands["period"].tolist()
    for low, high, colour, key in (
        ("p10", "p90", "#e3e8ee", "analysis.band_outer"),
        ("p25", "p75", "#b8c2cc", "analysis.band_inner"),
    ):
        fig.add_scatter(
            x=x, y=bands[low], mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False
        )
        fig.add_scatter(
            x=x,
            y=bands[high],
            mode="lines",
            line={"width": 0},
            fill="tonexty",
            fillcolor=colour,
            name=t(key, lang),
            hoverinfo="skip",
        )
    fig.add_scatter(
        x=x,
        y=bands["p50"],
        mode="lines+markers",
        line={"color": "#555555", "width": 2, "dash": "dot"},
        name=t("analysis.band_median", lang),
        customdata=bands["n"],
        hovertemplate="%{x}: %{y:.2f} (n = %{customdata})<extra></extra>",
    )


def trend_lines(
    trend: pd.DataFrame,
    summary: pd.DataFrame,
    info: IndicatorInfo,
    lang: str,
    bands: pd.DataFrame | None = None,
    breaks: Sequence[tuple[int, str, str]] = (),
) -> go.Figure:
    """Each county's value over the years (thin lines, dots coloured by status), the population-
    weighted mean (thick) and the national floor (dashed). ``breaks`` (period, change, editions):
    where the standard changed between editions, a dotted line before that period, so that a jump
    is not read as progress. With ``bands``
    (:func:`assessment.views.indicator.trend_bands`, for many counties) the counties are drawn as
    their spread instead: 10th-90th and 25th-75th percentile bands and the median."""
    fig = go.Figure()
    if bands is not None:
        _spread_bands(fig, bands, lang)
        trend = trend.iloc[0:0]  # no line per county
    for code, sub in trend.groupby("region_code", sort=False, observed=True):
        fig.add_scatter(
            x=sub["period"],
            y=sub["value"],
            mode="lines+markers",
            line={"color": "#b8c2cc", "width": 1},
            marker={"color": [STATUS_COLOURS.get(s, "#999999") for s in sub["status"]], "size": 7},
            name=plotly_text(sub["name"].iloc[0]),
            showlegend=False,
            hovertemplate=plotly_text(sub["name"].iloc[0]) + " %{x}: %{y:.2f}<extra></extra>",
            legendgroup=str(code),
        )
    names = status_labels(lang)
    for status in STATUS_ORDER[:-1]:  # legend of the dot colours
        if (trend["status"] == status).any():
            fig.add_scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"color": STATUS_COLOURS[status], "size": 9},
                name=names[status],
            )
    fig.add_scatter(
        x=summary["period"],
        y=summary["weighted_mean"],
        mode="lines+markers",
        line={"color": SERIES[4], "width": 4},
        name=t("analysis.weighted_mean", lang),
    )
    _floor_line(fig, info, lang, "hline", "top left", in_legend=True)
    for period, change, editions in breaks:
        fig.add_vline(
            x=period - 0.5,
            line={"color": "#6b4c9a", "width": 2, "dash": "dot"},
            annotation_text=t(
                "analysis.standard_break",
                lang,
                change=t(f"editions.change.{change}", lang),
                editions=plotly_text(editions),
            ),
            annotation_position="top right",
            annotation_font={"color": "#6b4c9a", "size": 12},
        )
    periods = sorted(set(trend["period"]) | set(summary["period"]))
    fig.update_xaxes(
        title=t("analysis.period_axis", lang), tickvals=periods, ticktext=[str(p) for p in periods]
    )
    fig.update_yaxes(title=t("analysis.value_axis", lang, unit=plotly_text(info.unit)), gridcolor="#e5e5e5")
    house_layout(fig, 420)
    return stamp(fig, info.edition, lang)
