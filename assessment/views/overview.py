"""Display-ready tables for the overview page (issue 7, page 1). Pure pandas.

Every function takes an :class:`~assessment.scoring.analysis.Assessment` and returns a new frame; names
come in the requested language, codes are kept in ``*_code`` columns for drill-down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.domain import reporting_status as rs
from assessment.domain.i18n import t
from assessment.domain.model import LEVEL_RANK
from assessment.scoring.aggregation import AGGREGATE_STATUSES
from assessment.scoring.analysis import Assessment
from assessment.scoring.costing import CostedShare, costed_share, costed_share_note
from assessment.scoring.rollup import period_population
from assessment.views import coverage
from assessment.views.analysis_common import unit_text


@dataclass(frozen=True)
class Headline:
    """The four headline figures of a jurisdiction and period."""

    regions_expected: int  # counties in the jurisdiction (who reported: :func:`reporting`)
    indicators_with_floor: int  # reported indicator values that have a national floor
    share_meeting_floor: float  # of those, the share at or above the floor (NaN when none)
    regions_below_floor: int  # reporting regions with any indicator below the floor
    cost_total: float  # indicative cost to close, CNY (indicators with a unit cost only)
    cost_central: float
    cost_local: float
    cost_indicators_priced: int  # shortfalls with a unit cost
    cost_indicators_unpriced: int  # shortfalls without one (not in the total)


def _names(result: Assessment, lang: str) -> pd.DataFrame:
    tree = result.tree.frame()
    tree["name"] = tree["name_zh"] if lang == "zh" else tree["name_en"]
    parents = tree.set_index("region_code")["name"]
    tree["parent_name"] = tree["parent_code"].map(parents)
    return tree[["region_code", "name", "parent_code", "parent_name", "population"]]


def _indicator_names(result: Assessment, lang: str) -> pd.DataFrame:
    ind = result.edition.indicator_frame()
    suffix = "zh" if lang == "zh" else "en"
    out = ind[["indicator_code", "item_code", "aspect_code", "unit", "direction", "floor_confirmed"]].copy()
    out["indicator"] = ind[f"name_{suffix}"]
    out["unit"] = [unit_text(str(u), lang) for u in out["unit"]]
    out["item"] = ind[f"item_{suffix}"]
    out["aspect"] = ind[f"aspect_{suffix}"]
    return out


def headline(result: Assessment, period: int) -> Headline:
    """The share meeting the floor, regions with a failure, the cost to close. Who reported and who
    is approved are counted once, by :func:`reporting` (not from the scores)."""
    # the four columns it reads, taken at the period's rows (not the whole 25-column table filtered:
    # about 0.1 s at national scale, on every new data version)
    scores = result.scores
    at = np.flatnonzero(scores["period"].to_numpy() == period)
    region = scores["region_code"].take(at)
    status = _equals(scores["status"], at)
    reported = ~status("no_data")
    with_floor = reported & scores["national_floor"].take(at).notna().to_numpy()
    below = status("below_floor")[with_floor]
    n_with_floor = int(np.count_nonzero(with_floor))
    costs = result.costs[result.costs["period"] == period]
    priced = costs["cost_total"].notna()
    share = costed_share(costs)  # the gaps the total covers, as every cost total counts them
    return Headline(
        regions_expected=int(region.nunique()),
        indicators_with_floor=n_with_floor,
        # as pandas' mean of the booleans: their sum over their number, in float64
        share_meeting_floor=float(1 - np.count_nonzero(below) / n_with_floor)
        if n_with_floor
        else float("nan"),
        regions_below_floor=int(region.iloc[np.flatnonzero(with_floor)[below]].nunique()),
        cost_total=float(costs.loc[priced, "cost_total"].sum()),
        cost_central=float(costs.loc[priced, "cost_central"].sum()),
        cost_local=float(costs.loc[priced, "cost_local"].sum()),
        cost_indicators_priced=share.n_costed,
        cost_indicators_unpriced=share.n_gaps - share.n_costed,
    )


def _equals(column: pd.Series, at: np.ndarray):  # type: ignore[no-untyped-def]
    """A test ``value -> column.take(at) == value`` as a boolean array (on a categorical's codes)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()[at]
        categories = column.cat.categories

        def test(value: str) -> np.ndarray:
            found = categories.get_indexer([value])[0]
            return codes == found if found >= 0 else np.zeros(len(codes), dtype=bool)

        return test
    taken = column.take(at)
    return lambda value: (taken == value).fillna(False).to_numpy(dtype=bool)


def cost_note(head: Headline, lang: str) -> str:
    """The note shown beside the cost figure: "其中已测算成本的差距 53/873（6%）" (issue 19 point 7)."""
    cover = cost_coverage(head)
    n_gaps, n_costed = cover["total"], cover["priced"]
    share = CostedShare(n_gaps, n_costed, n_costed / n_gaps if n_gaps else float("nan"))
    return costed_share_note(share, lang)


def cost_coverage(head: Headline) -> dict[str, int]:
    """How many of the period's gaps the cost figure covers: ``priced`` (with a unit cost, in the
    total), ``unpriced`` (without one, left out) and ``total``; shown beside the cost, not only in
    its tooltip."""
    priced, unpriced = head.cost_indicators_priced, head.cost_indicators_unpriced
    return {"priced": priced, "unpriced": unpriced, "total": priced + unpriced}


def reporting(completeness: pd.DataFrame, result: Assessment, period: int) -> rs.ReportingCounts:
    """The reporting counts of the overview (:mod:`assessment.domain.reporting_status`): who reported,
    who is approved, pending, returned, late, not reported (from the store's completeness frame of
    ``period``, the same the review page counts) and how many regions ``result`` scores."""
    regions = completeness["region_code"] if "region_code" in completeness.columns else None
    return rs.reporting_counts(completeness, scored=rs.scored_count(result.aggregates, period, regions))


def reporting_help(counts: rs.ReportingCounts, lang: str, *, include_pending: bool = False) -> str:
    """The help of the approved figure: its definition, how many regions are scored, and the counts
    the overview does not show (returned, late, never reported)."""
    scored = "scored_pending" if include_pending else "scored"
    return t(
        "counts.help.overview",
        lang,
        returned=counts.returned,
        late=counts.late,
        never_reported=counts.never_reported,
        scored_label=rs.count_label(scored, lang),
        scored=counts.scored if counts.scored is not None else "–",
    )


def rank_label_key(result: Assessment) -> str:
    """The label of the league table's ``rank_in_level``: the rank within the jurisdiction assessed
    (a prefecture evaluator's overview ranks counties within the prefecture)."""
    return rs.rank_label_key(result.tree.get(result.jurisdiction).level)


def league_table(result: Assessment, period: int, lang: str = "zh") -> pd.DataFrame:
    """One row per county: overall score, status, ranks, failures, coverage and the change on the
    previous period (``arrow``: ↑ better, ↓ worse, → within half a point), best first;
    ``status_note`` says how many indicators are below the floor where the status is
    insufficient_data ("" elsewhere)."""
    aggs = result.aggregates
    overall = aggs[aggs["level"] == "overall"]
    now = overall[overall["period"] == period]
    earlier = sorted(p for p in result.periods if p < period)
    out = now[
        [
            "region_code",
            "score",
            "status",
            "rank_in_parent",
            "rank_in_level",
            "quintile",
            "n_below_floor",
            "n_below_local",
            "coverage",
        ]
    ].merge(_names(result, lang), on="region_code", how="left")
    if earlier:
        prev = overall[overall["period"] == earlier[-1]][["region_code", "score"]]
        out = out.merge(prev.rename(columns={"score": "prev_score"}), on="region_code", how="left")
    else:
        out["prev_score"] = np.nan
    out["change"] = out["score"] - out["prev_score"]
    out["arrow"] = np.select(
        [out["change"] > 0.5, out["change"] < -0.5, out["change"].notna()], ["↑", "↓", "→"], default="·"
    )
    t = result.trends
    det = t[(t["period"] == period) & (t["arrow"] == "deteriorating")]
    worse = det.groupby("region_code").size().rename("n_deteriorating")
    out = out.merge(worse, left_on="region_code", right_index=True, how="left")
    out["n_deteriorating"] = out["n_deteriorating"].fillna(0).astype(int)
    out = out.sort_values(["rank_in_level", "name"], na_position="last").reset_index(drop=True)
    out["status_note"] = coverage.status_note(out, lang)  # coverage never hides a failure
    return out[
        [
            "region_code",
            "name",
            "parent_name",
            "score",
            "arrow",
            "change",
            "status",
            "rank_in_level",
            "rank_in_parent",
            "quintile",
            "n_below_floor",
            "n_below_local",
            "n_deteriorating",
            "coverage",
            "population",
            "status_note",
        ]
    ]


def largest_gaps(result: Assessment, period: int, lang: str = "zh", n: int = 15) -> pd.DataFrame:
    """The ``n`` largest relative shortfalls against the national floor in ``period``."""
    s = result.scores
    below = s[(s["period"] == period) & (s["status"] == "below_floor")]
    below = below.nsmallest(n, "rel_gap_floor")
    out = below[
        ["region_code", "indicator_code", "value", "national_floor", "gap_floor", "rel_gap_floor", "evidence"]
    ].merge(_names(result, lang)[["region_code", "name"]], on="region_code", how="left")
    out = out.merge(_indicator_names(result, lang), on="indicator_code", how="left")
    return out[
        [
            "region_code",
            "name",
            "indicator_code",
            "indicator",
            "unit",
            "value",
            "national_floor",
            "floor_confirmed",
            "gap_floor",
            "rel_gap_floor",
            "evidence",
        ]
    ].reset_index(drop=True)


def item_matrix(result: Assessment, period: int, aspect_code: str, lang: str = "zh") -> pd.DataFrame:
    """Drill-down of one aspect: counties (rows) x its service items (columns) of item scores, in
    the shape of :func:`assessment.scoring.analysis.aspect_matrix` (statuses in ``attrs``)."""
    aggs = result.aggregates
    items = [
        i
        for i in result.edition.items
        if result.edition.category_by_code[i.category_code].aspect_code == aspect_code
    ]
    codes = [i.code for i in items]
    rows = aggs[(aggs["level"] == "item") & (aggs["period"] == period) & aggs["code"].isin(codes)]
    order = result.tree.leaf_codes(result.jurisdiction)
    score = rows.pivot(index="region_code", columns="code", values="score").reindex(
        index=order, columns=codes
    )
    status = rows.pivot(index="region_code", columns="code", values="status").reindex(
        index=order, columns=codes
    )
    names = _names(result, lang).set_index("region_code")["name"]
    labels = [f"{i.no}. {i.name_zh if lang == 'zh' else i.name_en}" for i in items]
    out = pd.DataFrame(score.to_numpy(dtype="float64"), index=[names[c] for c in order], columns=labels)
    out.attrs["status"] = status.fillna("no_data").to_numpy().tolist()
    out.attrs["region_codes"] = order
    out.attrs["item_codes"] = codes
    out.attrs["period"] = period
    return out


def map_frame(result: Assessment, period: int, lang: str = "zh") -> pd.DataFrame:
    """Per county: overall score, status and failures for the choropleth."""
    return map_columns(league_table(result, period, lang))


def map_columns(league: pd.DataFrame) -> pd.DataFrame:
    """:func:`map_frame` from the period's :func:`league_table` (a page that shows both builds it once)."""
    return league[["region_code", "name", "score", "status", "n_below_floor", "n_below_local"]]


def outline_levels(result: Assessment) -> tuple[str, ...]:
    """The levels whose borders the map draws over the counties: the two highest levels below the
    jurisdiction that have regions below them (provinces and prefectures in a country; prefectures
    in a province), or prefectures when there is none (a prefecture's own map)."""
    tree = result.tree
    top = LEVEL_RANK[tree.get(result.jurisdiction).level]
    inner = {r.level for r in tree.descendants(result.jurisdiction) if tree.children(r.code)}
    levels = [lvl for lvl in tree.levels() if LEVEL_RANK[lvl] > top and lvl in inner]
    return tuple(levels[:2]) or ("prefecture",)


MAX_HEATMAP_COUNTIES = 60  # more counties than this: the heatmap's rows are the regions one level down


def heatmap_by_child(result: Assessment) -> bool:
    """Whether the heatmap should show the regions directly under the jurisdiction rather than its
    counties: there are more than :data:`MAX_HEATMAP_COUNTIES` counties (a row each would make a
    chart thousands of pixels tall) and the jurisdiction has regions with counties of their own."""
    tree, code = result.tree, result.jurisdiction
    many = len(tree.leaf_codes(code)) > MAX_HEATMAP_COUNTIES
    return many and any(tree.children(c.code) for c in tree.children(code))


def by_child(
    matrix: pd.DataFrame, result: Assessment, lang: str = "zh", period: int | None = None
) -> pd.DataFrame:
    """A county heatmap matrix (:func:`assessment.scoring.analysis.aspect_matrix` or :func:`item_matrix`)
    with its rows grouped by the regions directly under the jurisdiction.

    A group's score is the population-weighted mean of its counties' scores (counties without a
    score left out; NaN when none has one); its status is the worst county's, so a county below the
    floor is never averaged away (the rule of DESIGN section 4). ``attrs`` as the input's, with
    ``region_codes`` the groups' codes and ``counties`` how many counties each holds.

    The weights are the populations of ``period`` (default: the matrix's ``attrs["period"]``; the
    base population when neither is known); ``attrs["population_carried_forward"]`` is True when a
    weighted county's population is not that period's own figure but carried forward.
    """
    tree, code = result.tree, result.jurisdiction
    children = list(tree.children(code))
    group_of: dict[str, int] = {}
    for g, child in enumerate(children):
        group_of[child.code] = g
        for r in tree.descendants(child.code):
            group_of[r.code] = g
    counties = list(matrix.attrs["region_codes"])
    group = np.array([group_of.get(c, -1) for c in counties])
    period = matrix.attrs.get("period") if period is None else period
    if period is None:
        weight, carried = (
            np.array([float(tree.get(c).population) for c in counties]),
            np.zeros(len(counties), bool),
        )
    else:
        weight, carried = period_population(
            tree, np.asarray(counties, dtype=object), np.full(len(counties), period)
        )
    weight = np.nan_to_num(weight, nan=0.0)
    score = matrix.to_numpy(dtype="float64")
    has = ~np.isnan(score) & (group[:, None] >= 0)
    severity = np.vectorize(AGGREGATE_STATUSES.index)(np.array(matrix.attrs["status"], dtype=object))
    n_groups, n_cols = len(children), score.shape[1]
    wsum = np.zeros((n_groups, n_cols))
    wtot = np.zeros((n_groups, n_cols))
    worst = np.zeros((n_groups, n_cols), dtype=int)
    for row, g in enumerate(group):
        if g < 0:
            continue
        wsum[g] += np.where(has[row], score[row] * weight[row], 0.0)
        wtot[g] += np.where(has[row], weight[row], 0.0)
        worst[g] = np.maximum(worst[g], severity[row])
    with np.errstate(invalid="ignore", divide="ignore"):
        grouped = np.where(wtot > 0, wsum / wtot, np.nan)
    names = [c.name_zh if lang == "zh" else c.name_en for c in children]
    out = pd.DataFrame(grouped, index=names, columns=matrix.columns)
    out.attrs = {k: v for k, v in matrix.attrs.items() if k not in ("status", "region_codes")}
    out.attrs["status"] = [[AGGREGATE_STATUSES[s] for s in row] for row in worst]
    out.attrs["region_codes"] = [c.code for c in children]
    out.attrs["counties"] = np.bincount(group[group >= 0], minlength=n_groups).tolist()
    out.attrs["population_carried_forward"] = bool((carried & has.any(axis=1)).any())
    return out
