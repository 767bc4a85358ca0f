"""Display-ready tables for the indicator view (issue 7, page 3). Pure pandas.

One indicator across the counties of a jurisdiction: its definition and sources
(:func:`indicator_info`), the counties ranked by value with their standards, Wilson intervals,
status and trend arrow (:func:`ranked`), the headline counts (:func:`summary`), the values over the
periods (:func:`trend_frame`, :func:`trend_summary`) and the equity measures of the indicator
(:func:`equity_table`, :func:`convergence`). Every function returns a new frame or a frozen
dataclass and leaves the :class:`~assessment.scoring.analysis.Assessment` untouched.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from assessment.catalogue import STANDARDS_DIR
from assessment.domain.i18n import t as translate
from assessment.domain.markup import escape_markdown
from assessment.domain.model import RegionTree
from assessment.scoring.analysis import Assessment
from assessment.scoring.equity import sigma_convergence
from assessment.scoring.rollup import period_population
from assessment.scoring.stats import INEQUALITY_COLUMNS
from assessment.views.analysis_common import (
    arrow_labels,
    indicator_names,
    leaf_codes,
    region_names,
    unit_text,
)

__all__ = [
    "IndicatorInfo",
    "IndicatorSummary",
    "Outline",
    "Source",
    "convergence",
    "equity_table",
    "indicator_info",
    "indicator_options",
    "outlines",
    "ranked",
    "source_references",
    "sources_markdown",
    "summary",
    "trend_frame",
    "trend_summary",
]

RANKED_COLUMNS = (
    "rank",
    "region_code",
    "name",
    "parent_code",
    "parent_name",
    "group_name",
    "population",
    "population_carried_forward",
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "national_floor",
    "floor_confirmed",
    "local_standard",
    "local_set_by",
    "standard",
    "status",
    "gap_floor",
    "gap_standard",
    "evidence",
    "small_numbers",
    "small_mark",
    "cases_short",
    "arrow",
    "trend",
    "change",
)
EQUITY_TABLE_COLUMNS = (
    "period",
    *(c for c in INEQUALITY_COLUMNS if c not in {"sd", "sd_log"}),
    "n_below_floor",
    "pop_share_below_floor",
    "population_carried_forward",
)


@dataclass(frozen=True)
class Source:
    """A source tag of the catalogue with its title and address (empty when it has none)."""

    tag: str
    title: str
    url: str


@dataclass(frozen=True)
class IndicatorInfo:
    """What the indicator is, how it is judged and where its figures come from."""

    code: str
    name: str
    definition: str
    aspect: str
    item: str
    item_no: int
    kind: str
    unit: str
    direction: str
    national_floor: float | None
    floor_confirmed: bool
    sources: tuple[Source, ...]
    local_standards: tuple[tuple[str, float, int], ...]  # (set by, threshold, counties bound)
    edition: str
    # why there is no floor when an edition raised the standard and the new figure is unknown (the
    # crosswalk's note), "" otherwise: such a floor is unknown, not left to localities
    floor_note: str = ""


@dataclass(frozen=True)
class IndicatorSummary:
    """Headline counts of one indicator and period across the counties."""

    regions_expected: int
    regions_reporting: int
    below_floor: int
    below_local: int
    meets: int
    median: float
    best: float
    worst: float
    not_reported: tuple[str, ...]  # names of the counties without a value, in ranked order
    small_numbers: bool  # some rate rests on a denominator under 30 (wide intervals)


@lru_cache(maxsize=8)
def _sources(edition_id: str) -> dict[str, Source]:
    path = STANDARDS_DIR / edition_id / "sources.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {
            row["tag"]: Source(row["tag"], row.get("title") or "", row.get("url") or "")
            for row in csv.DictReader(fh)
        }


def source_references(edition_id: str, tags: str) -> tuple[Source, ...]:
    """The sources named in a ``source`` cell (``"IC-B;IC-S9"``); unknown tags keep an empty title."""
    known = _sources(edition_id)
    out = []
    for tag in (t.strip() for t in tags.split(";")):
        if tag:
            out.append(known.get(tag, Source(tag, "", "")))
    return tuple(out)


_WEB_ADDRESS = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[^\s()<>\[\]]*)?")


def sources_markdown(sources: tuple[Source, ...]) -> str:
    """A markdown list of the sources: tag in bold, title, and the address as a link when it is a
    plain http(s) address whose host is letters, digits, dots and dashes. Tags and titles can come
    from an imported edition workbook: they are escaped (:func:`escape_markdown`) and show as typed."""
    lines = []
    for src in sources:
        title = escape_markdown(src.title) or "–"
        urls = [u for u in re.split(r"\s*;\s*", src.url) if _WEB_ADDRESS.fullmatch(u)]
        links = " ".join(f"[{u.split('/')[2]}]({u})" for u in urls)
        lines.append(f"- **{escape_markdown(src.tag)}** {title} {links}".rstrip())
    return "\n".join(lines)


def indicator_options(result: Assessment, lang: str, aspect: str | None = None) -> dict[str, str]:
    """``{indicator_code: label}`` in catalogue order (grouped by aspect and item), for a searchable
    select box; ``aspect`` keeps one aspect's indicators. Labels name the aspect and the item so
    that typing either finds the indicator."""
    ind = indicator_names(result.edition, lang)
    if aspect:
        ind = ind.loc[ind["aspect_code"] == aspect]
    labels = (
        ind["indicator_code"] + " " + ind["indicator"] + " 〔" + ind["aspect"] + " / " + ind["item"] + "〕"
    )
    return dict(zip(ind["indicator_code"], labels, strict=True))


def indicator_info(result: Assessment, code: str, period: int, lang: str) -> IndicatorInfo:
    """Definition, unit, direction, floor, the local standards binding in ``period`` and sources
    (from the edition ``period`` was scored by; the newest for an indicator it lacks)."""
    edition = result.edition_of(period)
    if code not in edition.indicator_by_code:
        edition = result.edition
    ind = edition.indicator_by_code[code]
    item = edition.item_by_code[ind.item_code]
    aspect = edition.aspect_by_code[edition.category_by_code[item.category_code].aspect_code]
    s = result.scores
    rows = s.loc[(s["indicator_code"] == code) & (s["period"] == period) & s["local_standard"].notna()]
    names = region_names(result.tree, lang)
    bound = (
        rows.groupby(["local_set_by", "local_standard"], observed=True).size().reset_index(name="n")
        if len(rows)
        else pd.DataFrame({"local_set_by": [], "local_standard": [], "n": []})
    )
    local = tuple(
        (names.get(str(b), str(b)), float(v), int(n))
        for b, v, n in zip(bound["local_set_by"], bound["local_standard"], bound["n"], strict=True)
    )
    zh = lang == "zh"
    return IndicatorInfo(
        code=ind.code,
        name=ind.name_zh if zh else ind.name_en,
        definition=(ind.definition_zh if zh else ind.definition_en) or ind.definition_zh,
        aspect=aspect.name_zh if zh else aspect.name_en,
        item=item.name_zh if zh else item.name_en,
        item_no=item.no,
        kind=ind.kind,
        unit=unit_text(ind.unit, lang),
        direction=ind.direction,
        national_floor=ind.national_floor,
        floor_confirmed=ind.floor_confirmed,
        sources=source_references(edition.id, ind.source),
        local_standards=local,
        edition=edition.label,
        floor_note=_floor_note(edition.id, ind.code, ind.national_floor, lang),
    )


def _floor_note(edition_id: str, code: str, floor: float | None, lang: str) -> str:
    """The crosswalk's note on ``code`` when the edition changed its standard and carries no floor."""
    from assessment.catalogue.crosswalk import list_crosswalks, load_crosswalk

    if floor is not None:
        return ""
    for old, new in list_crosswalks():
        if new != edition_id:
            continue
        for row in load_crosswalk(old, new):
            if row.level == "indicator" and row.to_code == code and row.change == "standard_changed":
                return row.note_zh if lang == "zh" else row.note_en
    return ""


def _group_of(tree: RegionTree, jurisdiction: str, code: str) -> str:
    """The region directly under ``jurisdiction`` that holds ``code`` (the jurisdiction itself for
    a county directly under it): how the charts group counties, by province in a national view and
    by prefecture in a provincial one."""
    node = tree.get(code)
    while node.parent_code not in (None, jurisdiction):
        node = tree.get(node.parent_code)
    return jurisdiction if node.code == code or node.parent_code is None else node.code


def _regions(result: Assessment, lang: str, period: int | None = None) -> pd.DataFrame:
    """The counties of the jurisdiction with their names, parents and population: that of
    ``period`` (with ``population_carried_forward``), or the base when no period is given."""
    names = region_names(result.tree, lang)
    codes = leaf_codes(result.tree, result.jurisdiction)
    parents = [result.tree.get(c).parent_code for c in codes]
    groups = [_group_of(result.tree, result.jurisdiction, c) for c in codes]
    if period is None:
        pop = np.array([float(result.tree.get(c).population) for c in codes], dtype="float64")
        carried = np.zeros(len(codes), dtype=bool)
    else:
        pop, carried = period_population(
            result.tree, np.asarray(codes, dtype=object), np.full(len(codes), period)
        )
    return pd.DataFrame(
        {
            "region_code": codes,
            "name": [names[c] for c in codes],
            "parent_code": parents,
            "parent_name": [names.get(p, "") if p else "" for p in parents],
            "group_name": [names.get(g, "") for g in groups],
            "population": pop,
            "population_carried_forward": carried,
        }
    )


def ranked(result: Assessment, code: str, period: int, lang: str) -> pd.DataFrame:
    """One row per county of the jurisdiction, best first (by value, direction-aware), the counties
    without a value last (status ``no_data``). ``rank`` 1 = best, ties share the best rank.

    Columns: :data:`RANKED_COLUMNS` (``arrow``/``change`` from the trends of that period).
    """
    s = result.scores
    rows = s.loc[(s["indicator_code"] == code) & (s["period"] == period)]
    rows = rows.assign(region_code=rows["region_code"].astype("string"))
    t = result.trends
    tr = t.loc[(t["indicator_code"] == code) & (t["period"] == period), ["region_code", "arrow", "change"]]
    tr = tr.assign(region_code=tr["region_code"].astype("string"))
    out = _regions(result, lang, period).astype({"region_code": "string"})
    out = out.merge(rows.drop(columns=["edition", "period", "indicator_code"]), on="region_code", how="left")
    out = out.merge(tr, on="region_code", how="left")
    out["status"] = out["status"].astype("string").fillna("no_data")
    out["arrow"] = out["arrow"].astype("string").fillna("insufficient_data")
    out["trend"] = out["arrow"].map(arrow_labels(lang)).astype("string")
    out["evidence"] = out["evidence"].astype("string")
    out["small_numbers"] = out["small_numbers"].astype("boolean").fillna(False).astype(bool)
    # the page shows the flag as a word (a bare True/False would print in English)
    out["small_mark"] = np.where(out["small_numbers"], translate("evidence.small_mark", lang), "")
    out["local_set_by"] = out["local_set_by"].astype("string")
    higher = result.edition.indicator_by_code[code].higher_is_better
    out["rank"] = out["value"].rank(ascending=not higher, method="min").astype("Int64")
    key = out["value"] if higher else -out["value"]
    out = out.assign(_key=key).sort_values(["_key", "name"], ascending=[False, True], na_position="last")
    return out.loc[:, list(RANKED_COLUMNS)].reset_index(drop=True)


def summary(frame: pd.DataFrame) -> IndicatorSummary:
    """Counts of a :func:`ranked` frame: expected, reporting, below the floor, below the local
    standard, meeting; median, best and worst value (NaN when nobody reported); who did not report
    and whether any rate rests on small numbers."""
    status = frame["status"]
    values = frame["value"].dropna()
    reported = frame.loc[frame["value"].notna()]
    return IndicatorSummary(
        regions_expected=len(frame),
        regions_reporting=len(values),
        below_floor=int((status == "below_floor").sum()),
        below_local=int((status == "below_local").sum()),
        meets=int((status == "meets").sum()),
        median=float(values.median()) if len(values) else float("nan"),
        best=float(reported["value"].iloc[0]) if len(reported) else float("nan"),
        worst=float(reported["value"].iloc[-1]) if len(reported) else float("nan"),
        not_reported=tuple(str(n) for n in frame.loc[frame["value"].isna(), "name"]),
        small_numbers=bool(frame["small_numbers"].fillna(False).astype(bool).any()),
    )


def trend_frame(result: Assessment, code: str, lang: str) -> pd.DataFrame:
    """The indicator's value per county and period (reported values only), tree order then period.

    Columns: region_code, name, parent_name, period, value, ci_low, ci_high, status.
    """
    s = result.scores
    rows = s.loc[(s["indicator_code"] == code) & s["value"].notna()]
    rows = rows.loc[:, ["region_code", "period", "value", "ci_low", "ci_high", "status"]]
    rows = rows.assign(
        region_code=rows["region_code"].astype("string"), status=rows["status"].astype("string")
    )
    regions = _regions(result, lang).astype({"region_code": "string"})
    regions = regions.assign(_order=np.arange(len(regions)))
    out = regions.loc[:, ["region_code", "name", "parent_name", "_order"]].merge(rows, on="region_code")
    out = out.sort_values(["_order", "period"]).drop(columns="_order")
    return out.reset_index(drop=True)


def trend_bands(trend: pd.DataFrame) -> pd.DataFrame:
    """Per period, the spread of the counties' values in a :func:`trend_frame`: 10th, 25th, 50th,
    75th and 90th percentiles and how many counties reported (for charts of many counties, where a
    line per county is a grey blur). Columns: period, n, p10, p25, p50, p75, p90."""
    qs = (0.1, 0.25, 0.5, 0.75, 0.9)
    if trend.empty:
        return pd.DataFrame(columns=["period", "n", "p10", "p25", "p50", "p75", "p90"])
    grouped = trend.groupby("period", sort=True)["value"]
    out = grouped.quantile(list(qs)).unstack()
    out.columns = [f"p{round(q * 100)}" for q in qs]
    out.insert(0, "n", grouped.count())
    return out.reset_index()


def trend_summary(result: Assessment, code: str) -> pd.DataFrame:
    """Per period: the plain and the population-weighted mean across counties and the national
    floor. Columns: period, n_regions, mean, weighted_mean, national_floor."""
    e = result.equity_indicator
    rows = e.loc[e["code"] == code, ["period", "n_regions", "mean", "weighted_mean"]]
    floor = result.edition.indicator_by_code[code].national_floor
    return rows.assign(national_floor=np.nan if floor is None else float(floor)).reset_index(drop=True)


def equity_table(result: Assessment, code: str) -> pd.DataFrame:
    """The equity measures of the indicator per period (see :mod:`assessment.scoring.equity`).

    Columns: :data:`EQUITY_TABLE_COLUMNS`, oldest period first.
    """
    e = result.equity_indicator
    rows = e.loc[e["code"] == code, list(EQUITY_TABLE_COLUMNS)]
    return rows.sort_values("period").reset_index(drop=True)


def convergence(result: Assessment, code: str) -> str:
    """σ-convergence of the indicator across the periods: ``"converging"`` (CV fell),
    ``"diverging"`` (CV rose or stayed) or ``"insufficient"`` (fewer than two periods with a CV)."""
    e = result.equity_indicator
    sigma = sigma_convergence(e.loc[e["code"] == code])
    if sigma.empty or pd.isna(sigma["converging"].iloc[0]):
        return "insufficient"
    return "converging" if bool(sigma["converging"].iloc[0]) else "diverging"


@dataclass(frozen=True)
class Outline:
    """One region's boundary as plot paths: longitudes and latitudes of every ring, rings separated
    by None (plotly draws them as separate shapes), and a point inside for its label/hover."""

    code: str
    lon: tuple[float | None, ...]
    lat: tuple[float | None, ...]
    centre: tuple[float, float]  # (lon, lat): the mean vertex of its largest ring
    area: float  # of its largest ring, in square degrees (to skip labels on small shapes)


def outlines(geojson: dict, codes: list[str]) -> list[Outline]:
    """The outlines of ``codes`` (in that order; codes without a feature are skipped) from a GeoJSON
    FeatureCollection keyed by ``properties.code`` (Polygon or MultiPolygon; holes are drawn as
    rings too). For a map on plain axes: no geo subplot, so nothing is fetched from the network."""
    by_code = {
        f.get("properties", {}).get("code"): f.get("geometry") or {} for f in geojson.get("features", [])
    }
    out = []
    for code in codes:
        geom = by_code.get(code)
        if not geom:
            continue
        polygons = geom.get("coordinates", [])
        if geom.get("type") == "Polygon":
            polygons = [polygons]
        elif geom.get("type") != "MultiPolygon":
            continue
        rings = [ring for poly in polygons for ring in poly if len(ring) >= 3]
        if not rings:
            continue
        lon: list[float | None] = []
        lat: list[float | None] = []
        for ring in rings:
            lon.extend([float(p[0]) for p in ring] + [None])
            lat.extend([float(p[1]) for p in ring] + [None])
        big = np.asarray(max(rings, key=len), dtype="float64")[:, :2]
        x, y = big[:, 0], big[:, 1]
        area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))  # shoelace
        centre = (float(x.mean()), float(y.mean()))
        out.append(Outline(code, tuple(lon[:-1]), tuple(lat[:-1]), centre, area))
    return out
