"""One assessment of a jurisdiction: the scoring pipeline composed for pages and exports.

``assess`` runs scoring -> aggregation once for a jurisdiction and its periods; the page helpers
below turn the result into the display-ready tables the dashboard draws (pages never transform
data themselves, STYLE 2). Pure pandas: no streamlit, no plotly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

import numpy as np
import pandas as pd

from assessment.catalogue.crosswalk import breaks
from assessment.domain.editions import (
    LOCAL_ASPECT,
    EditionSchedule,
    LocalIndicator,
    local_indicator_codes,
    national_part,
    same_rollup,
    union_edition,
    with_local_indicators,
)
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.scoring.aggregation import aggregate
from assessment.scoring.costing import cost_to_close
from assessment.scoring.equity import equity
from assessment.scoring.indicators import MIN_DENOMINATOR, score_indicators
from assessment.scoring.trends import trends

BASES = ("floor", "standard")  # score against the national floor only, or the binding standard


@dataclass(frozen=True)
class ScoringInputs:
    """What scoring is computed from: the tidy values, the edition, the region tree and the local
    standards (the arguments of :func:`assess`), however they were loaded."""

    values: pd.DataFrame
    edition: Edition
    tree: RegionTree
    standards: tuple[LocalStandard, ...]


@dataclass(frozen=True)
class Recipe:
    """What :func:`assess` computed an :class:`Assessment` from, besides the values: enough to score a
    few counties again exactly as the whole was scored (:func:`assessment.scoring.incremental.update`).

    ``groups``: each edition with the periods it scores; ``scheme``: what :func:`score_indicators` got;
    ``union``: the edition the tables are labelled and aggregated by; ``standards``: the binding local
    standards (local indicators included); ``explicit_periods``: the caller named the periods (else
    they are the periods present in the values); ``reported``: the (region_code, period) pairs that had
    at least one value row, so that an update knows whether a period would disappear."""

    groups: tuple[tuple[Edition, tuple[int, ...]], ...]
    scheme: Edition | EditionSchedule
    union: Edition
    standards: tuple[LocalStandard, ...]
    target_year: int
    confidence: float
    interval: str
    min_denominator: float
    explicit_periods: bool
    reported: pd.DataFrame


@dataclass(frozen=True)
class Assessment:
    """Scores of the counties under ``jurisdiction`` for ``periods`` (DESIGN section 4).

    ``edition`` is the edition of the latest period (the catalogue pages list); ``editions`` names
    the edition each period was scored by (periods of a mixed-edition assessment differ). Every row
    of every table carries its edition and revision (``Edition.label``) in its ``edition`` column.
    ``what_if`` is set when the periods were re-scored under an edition not in force for them
    ("what if that standard had applied"): such an assessment is never the official score.
    """

    edition: Edition
    tree: RegionTree
    jurisdiction: str
    periods: tuple[int, ...]
    basis: str
    scores: pd.DataFrame  # scoring.score_indicators output
    aggregates: pd.DataFrame  # aggregation.aggregate output
    trends: pd.DataFrame  # trends.trends output (target year 2025)
    costs: pd.DataFrame  # costing.cost_to_close output (rows with a shortfall only)
    editions: tuple[tuple[int, Edition], ...] = ()  # (period, the edition it was scored by)
    what_if: str | None = None  # the edition label imposed on every period, when not the official one
    # how the tables were computed, so that a change of a few counties' values can be applied to them
    # without rescoring the rest (:mod:`assessment.scoring.incremental`); not part of equality
    recipe: Recipe | None = field(default=None, compare=False, repr=False)

    def edition_of(self, period: int) -> Edition:
        """The edition ``period`` was scored by."""
        return dict(self.editions).get(int(period), self.edition)

    @property
    def mixed(self) -> bool:
        """Whether the periods were scored by more than one edition."""
        return len({e.label for _, e in self.editions}) > 1

    @property
    def edition_changes(self) -> tuple[tuple[int, Edition, Edition], ...]:
        """(first period, previous edition, new edition) wherever the edition changes between two
        consecutive periods of this assessment."""
        out = []
        pairs = sorted(self.editions, key=lambda pe: pe[0])
        for (_, before), (p, after) in pairwise(pairs):
            if before.label != after.label:
                out.append((p, before, after))
        return tuple(out)

    @cached_property
    def standard_breaks(self) -> pd.DataFrame:
        """Where a series is not like for like: one row per (period, indicator_code) at each change
        of edition whose crosswalk (or floors) says the standard changed, the code is new or was
        removed. Columns: period, indicator_code, change, from_edition, to_edition. Trend charts and
        tables mark these."""
        rows = [
            {
                "period": p,
                "indicator_code": code,
                "change": change,
                "from_edition": a.label,
                "to_edition": b.label,
            }
            for p, a, b in self.edition_changes
            for code, change in sorted(breaks(a, b).items())
        ]
        return pd.DataFrame(
            rows, columns=["period", "indicator_code", "change", "from_edition", "to_edition"]
        )

    # Equity is computed on first use: only the indicator and equity pages show it, and at national
    # scale it costs about a second that the overview and region pages need not pay.
    @cached_property
    def equity_indicator(self) -> pd.DataFrame:
        """equity.equity(by="indicator") across the counties under the jurisdiction (Theil T split as
        for :attr:`equity_aspect`: by province under a national jurisdiction)."""
        return self.period_editions(
            equity(
                self.scores,
                self.tree,
                self.edition,
                by="indicator",
                within=self.jurisdiction,
                group_level=self.theil_group_level,
            )
        )

    @cached_property
    def equity_aspect(self) -> pd.DataFrame:
        """equity.equity(by="aspect"), from the aggregates already computed; Theil T split between
        and within the provinces for a national jurisdiction, the counties' parents otherwise."""
        return self.period_editions(
            equity(
                self.scores,
                self.tree,
                self.edition,
                by="aspect",
                within=self.jurisdiction,
                aggregates=self.aggregates,
                group_level=self.theil_group_level,
            )
        )

    def period_editions(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with its edition column naming each period's own edition."""
        return _labelled(frame, {p: e.label for p, e in self.editions})

    @property
    def theil_group_level(self) -> str | None:
        """The level the Theil decomposition groups the counties by: ``"province"`` under a national
        jurisdiction, None (each county's parent) below it."""
        return "province" if self.tree.get(self.jurisdiction).level == "national" else None


def assess(
    values: pd.DataFrame,
    edition: Edition | EditionSchedule,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    *,
    jurisdiction: str | None = None,
    periods: Sequence[int] | None = None,
    basis: str = "standard",
    target_year: int = 2025,
    what_if: Edition | None = None,
    local_indicators: Sequence[LocalIndicator] = (),
    confidence: float = 0.95,
    interval: str = "wilson",
    min_denominator: float = MIN_DENOMINATOR,
) -> Assessment:
    """Score and aggregate the counties under ``jurisdiction`` (default: the root of the tree).

    ``edition``: one edition for every period, or an :class:`EditionSchedule` (each period scored
    by the edition in force for it; the tables of a mixed-edition assessment are stacked, each row
    naming its edition). ``what_if``: score every period by this edition instead, marked as such.
    ``local_indicators``: the jurisdictions' own indicators; each is scored for the regions under its
    jurisdiction in the periods it is in force (against its threshold, a local standard), aggregated
    into the local aspect (``LOC``) and kept out of the overall score, so that regions under
    different local catalogues stay comparable. On the floor basis they are left out.
    ``basis="floor"`` scores against the national floor alone (local standards ignored);
    ``basis="standard"`` against the binding standard (the stricter of floor and local standard).
    ``confidence``, ``interval`` and ``min_denominator``: the evidence rules of
    :func:`~assessment.scoring.indicators.score_indicators` (docs/METHOD_EVIDENCE.md).
    """
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}")
    root = jurisdiction or tree.root.code
    explicit = periods is not None
    if periods is None:
        periods = sorted(int(p) for p in pd.unique(values["period"])) if len(values) else []
    schedule = edition if isinstance(edition, EditionSchedule) else EditionSchedule.single(edition)
    if what_if is not None:
        schedule = EditionSchedule.single(what_if)
    local = tuple(local_indicators) if basis == "standard" else ()
    stds = (*local_standards, *(li.as_standard() for li in local)) if basis == "standard" else ()
    groups = [
        (with_local_indicators(ed, local, tree, ps), ps)
        for ed, ps in (schedule.split(periods) or [(schedule.latest(), ())])
    ]
    latest = groups[-1][0]
    editions = [ed for ed, _ in groups]
    union = union_edition(editions) if len(groups) > 1 else latest
    recipe = Recipe(
        groups=tuple((ed, tuple(ps)) for ed, ps in groups),
        # one pass over every period, each scored by its own edition (see score_indicators)
        scheme=EditionSchedule(tuple(editions)) if len(groups) > 1 else latest,
        union=union,
        standards=tuple(stds),
        target_year=target_year,
        confidence=confidence,
        interval=interval,
        min_denominator=min_denominator,
        explicit_periods=explicit,
        reported=reported_pairs(values),
    )
    all_scores = score_regions(values, recipe, tree, [root], periods)
    aggregates, costs, trend_table = derive(all_scores, recipe, tree, basis)
    return Assessment(
        latest,
        tree,
        root,
        tuple(periods),
        basis,
        compact(all_scores),
        compact(aggregates),
        compact(trend_table),
        compact(costs),
        editions=tuple((p, ed) for ed, ps in groups for p in ps),
        what_if=what_if.label if what_if is not None else None,
        recipe=recipe,
    )


def score_regions(
    values: pd.DataFrame, recipe: Recipe, tree: RegionTree, regions: Sequence[str], periods: Sequence[int]
) -> pd.DataFrame:
    """The indicator scores of the counties under ``regions`` (one pass over every period, each
    scored by its own edition), without the rows of local indicators where none binds."""
    return own_regions(
        score_indicators(
            values,
            recipe.scheme,
            tree,
            recipe.standards,
            periods=periods,
            regions=regions,
            confidence=recipe.confidence,
            interval=recipe.interval,
            min_denominator=recipe.min_denominator,
        ),
        recipe.union,
    )


def derive(
    all_scores: pd.DataFrame, recipe: Recipe, tree: RegionTree, basis: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Aggregates, costs and trends of ``all_scores`` (not yet compacted), each period by its own
    edition's roll-up and prices where the editions differ in them."""
    groups, union = recipe.groups, recipe.union
    editions = [ed for ed, _ in groups]
    if len(groups) == 1 or same_rollup(editions, union):
        labels = {p: ed.label for ed, ps in groups for p in ps}
        aggregates = _labelled(aggregate_local_apart(all_scores, union, tree), labels)
        costs = _labelled(cost_to_close(all_scores, union, tree, against=basis), labels)
    else:  # the editions weigh or price an indicator differently: each by its own
        parts = [(ed, all_scores.loc[all_scores["period"].isin(ps).to_numpy()]) for ed, ps in groups]
        aggregates = stack([aggregate_local_apart(sc, ed, tree) for ed, sc in parts])
        costs = stack([cost_to_close(sc, ed, tree, against=basis) for ed, sc in parts])
        del parts
    trend_table = trends(all_scores, union, target_year=recipe.target_year)
    return aggregates, costs, trend_table


def reported_pairs(values: pd.DataFrame) -> pd.DataFrame:
    """The distinct (region_code, period) pairs of ``values`` (period as int64)."""
    if not len(values):
        empty = {"region_code": pd.Series([], dtype=object), "period": pd.Series([], dtype="int64")}
        return pd.DataFrame(empty)
    period = pd.to_numeric(values["period"], errors="coerce").to_numpy(dtype="float64")
    ok = ~np.isnan(period)
    r_ids, r_index = pd.factorize(values["region_code"].to_numpy()[ok])
    p = period[ok].astype(np.int64)
    p_index = np.unique(p)
    key = np.unique(r_ids.astype(np.int64) * len(p_index) + np.searchsorted(p_index, p))
    r_pos, p_pos = np.divmod(key, len(p_index))
    return pd.DataFrame(
        {"region_code": np.asarray(r_index, dtype=object)[r_pos], "period": p_index[p_pos].astype(np.int64)}
    )


_INT_TYPES = (np.int8, np.int16, np.int32, np.int64)


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the same values in smaller dtypes (issue 20 point 1: one national assessment is
    shared by every session of a process, so its size is the server's memory): integer columns
    (periods, counts, ranks, quintiles, years; nullable or not) in the smallest of int16, int32 or
    int64 that holds their range (int8 only for columns whose values lie within ±63, e.g. quintiles,
    so that adding two of them cannot overflow), and text columns
    (strings or objects holding only strings) as categoricals. Floats, booleans and categoricals are
    kept as they are. Returns a new frame; the input is not modified."""
    out = {}
    changed = False
    for name in frame.columns:
        col = frame[name]
        dtype = col.dtype
        new = col
        if pd.api.types.is_integer_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
            nullable = isinstance(dtype, pd.api.extensions.ExtensionDtype)
            valid = col.dropna() if nullable else col
            lo = int(valid.min()) if len(valid) else 0
            hi = int(valid.max()) if len(valid) else 0
            floor = 0 if lo > -64 and hi < 64 else 1  # int8 only for small codes
            for kind in _INT_TYPES[floor:]:
                info = np.iinfo(kind)
                if info.min <= lo and hi <= info.max:
                    break
            target = pd.api.types.pandas_dtype(kind.__name__.capitalize() if nullable else kind)
            if target != dtype:
                new = col.astype(target)
        elif not isinstance(dtype, pd.CategoricalDtype) and pd.api.types.is_string_dtype(col):
            new = col.astype("category")  # a string column, or objects that are all strings
        changed |= new is not col
        out[name] = new
    if not changed:
        return frame
    return pd.DataFrame(out, index=frame.index, copy=False)


def _labelled(frame: pd.DataFrame, labels: dict[int, str]) -> pd.DataFrame:
    """``frame`` with its edition column naming each period's edition (one pass over several
    editions labels every row with the newest); categorical stays categorical, text stays text."""
    if len(set(labels.values())) < 2 or "edition" not in frame.columns or not len(frame):
        return frame
    names = list(dict.fromkeys(labels.values()))
    by_period = pd.Series({p: names.index(x) for p, x in labels.items()})
    codes = by_period.reindex(frame["period"].to_numpy()).to_numpy(dtype=np.int8, na_value=-1)
    if isinstance(frame["edition"].dtype, pd.CategoricalDtype):  # keep the column's own kind
        return frame.assign(edition=pd.Categorical.from_codes(codes, categories=names))
    text = np.asarray(names, dtype=object)[np.maximum(codes, 0)]
    return frame.assign(edition=np.where(codes >= 0, text, None))


def own_regions(scores: pd.DataFrame, edition: Edition) -> pd.DataFrame:
    """``scores`` without the rows of local indicators where none binds: regions outside the
    jurisdiction that set it and periods it is not in force for."""
    codes = local_indicator_codes(edition)
    if not codes:
        return scores
    drop = scores["indicator_code"].isin(codes).to_numpy() & scores["local_standard"].isna().to_numpy()
    return scores.loc[~drop].reset_index(drop=True) if drop.any() else scores


def aggregate_local_apart(scores: pd.DataFrame, edition: Edition, tree: RegionTree) -> pd.DataFrame:
    """Aggregates of ``scores``; local indicators roll up into the local aspect only (no overall)."""
    codes = local_indicator_codes(edition)
    if not codes:
        return aggregate(scores, edition, tree)
    is_local = scores["indicator_code"].isin(codes).to_numpy()
    national = aggregate(scores.loc[~is_local], national_part(edition), tree)
    own = aggregate(scores.loc[is_local], edition, tree)
    return stack([national, own.loc[own["level"] != "overall"].reset_index(drop=True)])


def stack(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Tables of the same columns one under the other, categorical columns kept categorical (their
    categories united first, so that pandas does not fall back to objects); one table is returned
    as it is."""
    if len(frames) == 1:
        return frames[0]
    frames = list(frames)
    for col in frames[0].columns:
        dtypes = [f[col].dtype for f in frames]
        if (
            all(isinstance(d, pd.CategoricalDtype) for d in dtypes)
            and len({tuple(d.categories) for d in dtypes}) > 1
        ):
            union = pd.Index(
                pd.unique(np.concatenate([np.asarray(d.categories, dtype=object) for d in dtypes]))
            )
            if dtypes[0].categories.dtype != object:
                union = union.astype(dtypes[0].categories.dtype)
            frames = [f.assign(**{col: f[col].cat.set_categories(union)}) for f in frames]
    return pd.concat(frames, ignore_index=True)


def region_label(tree: RegionTree, code: str, lang: str) -> str:
    reg = tree.get(code)
    return reg.name_zh if lang == "zh" else reg.name_en


def aspect_matrix(result: Assessment, period: int, lang: str = "zh") -> pd.DataFrame:
    """Regions (rows, tree order) x aspects (columns, catalogue order) of aspect scores for ``period``.

    Index: region display names; columns: aspect display names; values: 0-100 or NaN where the
    region has no score for that aspect (not reported). The frame's ``attrs["status"]`` holds the
    matching aspect statuses, ``attrs["region_codes"]`` and ``attrs["aspect_codes"]`` the codes,
    ``attrs["period"]`` the period.
    """
    aggs = result.aggregates
    rows = aggs[(aggs["level"] == "aspect") & (aggs["period"] == period)]
    order = result.tree.leaf_codes(result.jurisdiction)
    # the local group is shown only where a jurisdiction's own indicators were scored
    present = set(rows["code"].astype(str))
    aspects = [a for a in result.edition.aspects if a.code != LOCAL_ASPECT or a.code in present]
    score = rows.pivot(index="region_code", columns="code", values="score")
    status = rows.pivot(index="region_code", columns="code", values="status")
    codes = [a.code for a in aspects]
    score = score.reindex(index=order, columns=codes).astype("float64")
    status = status.reindex(index=order, columns=codes).fillna("no_data")
    names = [a.name_zh if lang == "zh" else a.name_en for a in aspects]
    out = pd.DataFrame(
        score.to_numpy(), index=[region_label(result.tree, c, lang) for c in order], columns=names
    )
    out.attrs["status"] = status.to_numpy().tolist()
    out.attrs["region_codes"] = order
    out.attrs["aspect_codes"] = codes
    out.attrs["period"] = period
    return out
