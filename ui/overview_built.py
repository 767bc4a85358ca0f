"""What the overview draws from an assessment, built once per data version (``ui.render_cache``):
the heatmap, the map, the league and gap tables. ``shown`` is the overview's key (jurisdiction,
basis, pending, period, language); ``version`` the data version read before the assessment."""

from __future__ import annotations

from collections.abc import Hashable
from types import SimpleNamespace
from typing import Any

import pandas as pd

from assessment.scoring.analysis import Assessment, aspect_matrix
from assessment.views import overview as view
from ui import charts, columns, data, tables
from ui.render_cache import memo
from ui.state import tr

Key = tuple[Hashable, ...]


def status_labels() -> dict[str, str]:
    return {s: tr(f"status.{s}") for s in charts.STATUS_COLOURS}


def heatmap(
    result: Assessment, period: int, drill: str, lang: str, shown: Key, version: str
) -> tuple[bool, bool, Any]:
    """(grouped by child region, population carried forward, the figure) of the regions x aspects
    heatmap (or ``drill``'s items)."""

    def build() -> tuple[bool, bool, Any]:
        matrix = (
            view.item_matrix(result, period, drill, lang) if drill else aspect_matrix(result, period, lang)
        )
        grouped = view.heatmap_by_child(result)  # too many counties for one row each
        if grouped:
            matrix = view.by_child(matrix, result, lang, period=period)
        fig = charts.score_heatmap(
            matrix,
            x_title=tr("overview.aspect_axis"),
            y_title=tr("overview.region_axis"),
            score_label=tr("overview.score"),
            status_labels=status_labels(),
        )
        return grouped, bool(grouped and matrix.attrs["population_carried_forward"]), fig

    return memo("overview.heatmap", (*shown, drill), version, build)


def map_figure(result: Assessment, root: str, period: int, lang: str, shown: Key, version: str) -> Any | None:
    """The choropleth of ``root``'s regions, or None when none has a boundary."""

    def build() -> Any | None:
        map_rows = view.map_columns(league_frame(result, period, lang, shown, version))
        geo = data.boundaries_within(root)
        if not data.has_boundaries(geo, map_rows["region_code"].tolist()):
            return None
        return charts.choropleth(
            map_rows,
            geo,
            score_label=tr("overview.score"),
            status_labels=status_labels(),
            outlines=view.outline_levels(result),
        )

    # the boundaries are reference data: their version is part of the key
    return memo("overview.map", (*shown, data.reference_version()), version, build)


def league_frame(result: Assessment, period: int, lang: str, shown: Key, version: str) -> pd.DataFrame:
    """``view.league_table`` of the period, built once per version for the league table and the map
    (``view.map_frame`` is its columns); kept in a holder, not as a frame, so no print copy is made."""

    def build() -> SimpleNamespace:
        return SimpleNamespace(table=view.league_table(result, period, lang))

    table: pd.DataFrame = memo("overview.league_frame", shown, version, build).table
    return table


def league(result: Assessment, period: int, lang: str, shown: Key, version: str) -> tuple[Any, dict]:
    """The league table, ready for ``columns.draw``."""

    def build() -> tuple[Any, dict]:
        frame = league_frame(result, period, lang, shown, version)
        note = {"status_note": "coverage.col.status_note"} if frame["status_note"].ne("").any() else {}
        names = {
            "name": "col.region",
            "score": "col.score",
            "arrow": "col.trend",
            "change": "col.change",
            "status": "col.status",
            **note,
            "rank_in_level": view.rank_label_key(result),  # within the jurisdiction assessed
            "n_below_floor": "col.below_floor",
            "n_below_local": "col.below_local",
            "n_deteriorating": "col.deteriorating",
            "coverage": "col.coverage",
        }
        return columns.prepared_show(frame, *tables.labelled(frame, names))

    return memo("overview.league", shown, version, build)


def gaps(result: Assessment, period: int, lang: str, shown: Key, version: str) -> tuple[Any, dict] | None:
    """The largest gaps, ready for ``columns.draw``, or None when there are none."""

    def build() -> tuple[Any, dict] | None:
        frame = view.largest_gaps(result, period, lang)
        if frame.empty:
            return None
        names = {
            "name": "col.region",
            "indicator": "col.indicator",
            "unit": "col.unit",
            "value": "col.value",
            "national_floor": "col.floor",
            "gap_floor": "col.gap",
            "rel_gap_floor": "col.rel_gap",
            "evidence": "col.evidence",
        }
        return columns.prepared_show(frame, *tables.labelled(frame, names))

    return memo("overview.gaps", shown, version, build)
