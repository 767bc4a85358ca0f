"""Issue 16 point 10: the charts and tables read as their legends say (figure objects, no browser).

The overview heatmap fills a cell by status, so a cell below the floor is vermillion with a mark and
an outline, never a blue like its neighbours; the maps print region names where they fit and never
two on top of each other; the floor is named in the legend of the crowded plots; the equity bars'
years have distinct colours; status cells of tables take the legend's colour; people short are whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.reports.workbook import STATUS_COLOURS
from assessment.scoring.analysis import Assessment, aspect_matrix, assess
from assessment.views import equity as eq
from assessment.views import indicator as ind
from assessment.views import overview as ov
from assessment.views import region as rv


@pytest.fixture(scope="module")
def demo() -> Assessment:
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values

    edition = load_edition()
    tree = demo_tree()
    return assess(synthetic_values(edition, tree), edition, tree, demo_local_standards(edition))


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def _colour_of(scale: list, z: float, zmin: float, zmax: float) -> str:
    """The colour a stepwise plotly colour scale gives ``z``."""
    x = (z - zmin) / (zmax - zmin)
    for (x0, c0), (x1, _c1) in zip(scale[::2], scale[1::2], strict=True):
        if x0 <= x <= x1:
            return c0
    raise AssertionError(f"{z} outside the scale")


def test_a_below_floor_cell_is_vermillion_marked_and_outlined_not_a_passing_blue(demo: Assessment) -> None:
    from ui import charts

    matrix = aspect_matrix(demo, 2024, "zh")
    status = np.array(matrix.attrs["status"], dtype=object)
    score = matrix.to_numpy(dtype="float64")
    below = status == "below_floor"
    meets = status == "meets"
    assert below.any() and meets.any()
    # the case of the issue: a below-floor cell scoring as high as passing ones
    assert np.nanmax(score[below]) > np.nanmin(score[meets])
    labels = {s: f"L-{s}" for s in STATUS_COLOURS}
    fig = charts.score_heatmap(matrix, x_title="x", y_title="y", score_label="得分", status_labels=labels)
    heat = fig.data[0]
    z = np.array(heat.z, dtype=float)
    scale = [(float(x), c) for x, c in heat.colorscale]
    fill = np.vectorize(lambda v: _colour_of(scale, v, heat.zmin, heat.zmax))(z)
    assert (fill[below] == STATUS_COLOURS["below_floor"]).all()
    assert (fill[meets] == STATUS_COLOURS["meets"]).all()
    assert np.abs(_rgb(STATUS_COLOURS["below_floor"]) - _rgb(STATUS_COLOURS["meets"])).sum() > 200
    text = np.array(heat.text, dtype=object)
    assert all(t.startswith("▼") for t in text[below]) and not any("▼" in t for t in text[meets])
    r, c = np.argwhere(below)[0]
    assert text[r, c] == f"▼{score[r, c]:.0f}", "the score is still printed"
    outlined = {(round(s.x0 + 0.5), round(s.y0 + 0.5)) for s in fig.layout.shapes}
    assert outlined == {(int(c), int(r)) for r, c in np.argwhere(below)}, "every below-floor cell outlined"
    legend = [d.name for d in fig.data[1:]]
    assert "▼ L-below_floor" in legend and "L-meets" in legend, "the legend names the statuses"
    assert heat.showscale is False, "no 0-100 colour bar that the fill does not follow"


def test_grouped_heatmap_rows_keep_the_worst_status(demo: Assessment) -> None:
    from ui import charts

    grouped = ov.by_child(aspect_matrix(demo, 2024, "zh"), demo, "zh", period=2024)
    fig = charts.score_heatmap(grouped, x_title="x", y_title="y", score_label="s", status_labels={})
    status = np.array(grouped.attrs["status"], dtype=object)
    assert (np.array(fig.data[0].z)[status == "below_floor"] == 0).all()  # index of below_floor


def test_overview_map_prints_region_names_that_do_not_overlap(demo: Assessment) -> None:
    from assessment.demo import demo_boundaries
    from ui import charts

    frame = ov.map_frame(demo, 2024, "zh")
    fig = charts.choropleth(frame, demo_boundaries(), score_label="得分", status_labels={})
    labels = [d for d in fig.data if d.mode == "text"]
    assert len(labels) == 1
    names = list(labels[0].text)
    assert len(names) >= 10 and set(names) <= set(frame["name"])
    assert "丙峰自治县" in names, "a large county is named"
    assert "甲城区" not in names, "a small district is named on hover only (its label would not fit)"
    hover = next(d for d in fig.data if d.mode == "markers" and d.text is not None)
    assert len(hover.text) == len(frame.dropna(subset=["name"])), "every region still named on hover"
    _no_overlaps(list(labels[0].x), list(labels[0].y), names, charts.MAP_ASPECT)


def _no_overlaps(xs: list[float], ys: list[float], names: list[str], aspect: float) -> None:
    """No two label boxes overlap at the scale label_mask assumes."""
    from ui.charts import _label_px

    span = max(max(xs) - min(xs), 1e-9)
    k = 340 / (span + 1.0)  # conservative: the map is wider than the span of the label centres
    boxes = [
        (x * k - _label_px(n, 11) / 2, y * k * aspect - 7, x * k + _label_px(n, 11) / 2, y * k * aspect + 7)
        for x, y, n in zip(xs, ys, names, strict=True)
    ]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), "labels overlap"


def test_label_mask_drops_a_label_that_would_overlap_or_not_fit() -> None:
    from ui.charts import label_mask

    big = (0.0, 0.0, 10.0, 10.0)
    keep = label_mask(
        [(5.0, 5.0), (5.1, 5.0), (9.9, 9.9)],
        ["甲县", "乙县", "丙县"],
        [big, big, (9.8, 9.8, 10.0, 10.0)],
        [100.0, 90.0, 0.04],
    )
    assert keep == [True, False, False], "the second overlaps the first; the third does not fit"


def test_indicator_map_labels_fit_and_every_county_is_on_hover(demo: Assessment) -> None:
    from assessment.demo import demo_boundaries
    from ui import charts_analysis as charts

    info = ind.indicator_info(demo, "S01.1", 2024, "zh")
    frame = ind.ranked(demo, "S01.1", 2024, "zh")
    shapes = ind.outlines(demo_boundaries(), list(frame["region_code"]))
    fig = charts.status_map(frame, shapes, ind.outlines(demo_boundaries(), ["990100"]), info, "zh")
    names = next(d for d in fig.data if d.mode == "markers+text")
    printed = [t for t in names.text if t]
    assert printed and "甲城区" not in printed and "丙峰自治县" in printed
    assert len(names.customdata) == len(shapes), "hover names every county"
    xs = [x for x, t in zip(names.x, names.text, strict=True) if t]
    ys = [y for y, t in zip(names.y, names.text, strict=True) if t]
    _no_overlaps(xs, ys, printed, 1.15)


@pytest.mark.parametrize("chart", ["distribution_box", "trend_lines"])
def test_crowded_plots_name_the_floor_in_the_legend_not_on_the_boxes(demo: Assessment, chart: str) -> None:
    from ui import charts_analysis as charts

    info = ind.indicator_info(demo, "S01.1", 2024, "zh")
    if chart == "distribution_box":
        fig = charts.distribution_box(ind.ranked(demo, "S01.1", 2024, "zh"), info, "zh")
    else:
        fig = charts.trend_lines(
            ind.trend_frame(demo, "S01.1", "zh"), ind.trend_summary(demo, "S01.1"), info, "zh"
        )
    texts = [a.text or "" for a in fig.layout.annotations]
    assert not any("国家底线" in x for x in texts), "no label on top of the boxes and dots"
    assert any((d.name or "").startswith("国家底线 80") for d in fig.data), "the floor is in the legend"
    assert any(s.type == "line" and s.line.dash == "dash" for s in fig.layout.shapes), "the line is drawn"


def test_equity_bars_give_each_year_a_distinct_colour_and_a_legend(demo: Assessment) -> None:
    from ui import charts_equity

    fig = charts_equity.below_floor_bars(eq.below_floor(demo, "zh"), "CN-2023", "zh")
    colours = [d.marker.color for d in fig.data]
    assert [d.name for d in fig.data] == ["2022", "2023", "2024"]
    assert len(set(colours)) == len(colours)
    for i, a in enumerate(colours):
        for b in colours[i + 1 :]:
            assert np.abs(_rgb(a) - _rgb(b)).sum() > 150, f"{a} and {b} are too alike"
    assert fig.layout.legend.title.text == "年度"
    assert [len(set(charts_equity.year_colours(n))) for n in (1, 5, 8)] == [1, 5, 8]


def test_status_cells_take_the_legend_colour() -> None:
    from ui import columns

    shown = pd.DataFrame({"name": ["甲县", "乙县", "丙县"], "status": ["低于国家底线", "达标", ""]})
    codes = pd.Series(["below_floor", "meets", None])
    css = columns.status_styles(shown, codes)
    assert STATUS_COLOURS["below_floor"] in css.loc[0, "status"]
    assert STATUS_COLOURS["meets"] in css.loc[1, "status"]
    assert css.loc[2, "status"] == "" and (css["name"] == "").all()
    html = columns.styled(shown, codes).to_html()
    assert STATUS_COLOURS["below_floor"] in html


def test_key_columns_are_widened_and_pinned() -> None:
    config = {"name": {"label": "地区"}, "indicator": {"label": "指标"}, "score": {"label": "得分"}}
    from ui import columns

    out = columns.key_columns(config)
    assert out["name"]["pinned"] is True and out["name"]["width"] >= 120
    assert out["indicator"]["width"] >= 250
    assert out["score"] == {"label": "得分"}


def test_cost_coverage_counts_the_gaps_the_figure_covers(demo: Assessment) -> None:
    head = ov.headline(demo, 2024)
    cover = ov.cost_coverage(head)
    costs = demo.costs[demo.costs["period"] == 2024]
    assert cover["total"] == len(costs) and cover["priced"] == int(costs["cost_total"].notna().sum())
    assert cover["priced"] + cover["unpriced"] == cover["total"] and 0 < cover["priced"] < cover["total"]


def test_people_short_are_whole_numbers(demo: Assessment) -> None:
    costs = demo.costs
    region = str(costs.loc[costs["beneficiaries_short"] % 1 > 0, "region_code"].iloc[0])
    period = int(costs.loc[costs["region_code"] == region, "period"].max())
    gaps = rv.gaps(demo, region, period, "zh")
    people = gaps["beneficiaries_short"].dropna()
    assert len(people) and str(gaps["beneficiaries_short"].dtype) == "Int64"
    raw = costs[(costs["region_code"] == region) & (costs["period"] == period)].set_index("indicator_code")
    for code, n in zip(gaps["indicator_code"], gaps["beneficiaries_short"], strict=True):
        if pd.notna(n):
            assert n == np.ceil(raw.loc[code, "beneficiaries_short"]), "rounded up: whole people to reach"
