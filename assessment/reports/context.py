"""The figures behind a report, computed once and checked: :class:`ReportData`.

:func:`evaluation_data` scores the counties under a jurisdiction, :func:`feedback_data` one region
and its peers (for ranks); both run scoring -> aggregation -> costing for the report period and
keep the scores of the earlier periods for trends. Bad input is refused here, before any sheet is
written, with a :class:`~assessment.domain.errors.DataFileError` whose Problem says what to do in Chinese
and English: an unknown language, region or jurisdiction, a period without data, or a period in
which the region asked for has no data (a report is never an empty file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from assessment.domain.errors import DataFileError, Problem
from assessment.domain.i18n import LANGS, t
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.scoring.analysis import aggregate_local_apart, own_regions
from assessment.scoring.costing import cost_to_close
from assessment.scoring.indicators import score_indicators
from assessment.scoring.rollup import period_population, rollup_values, scope_regions

__all__ = [
    "ReportData",
    "evaluation_data",
    "feedback_data",
    "label_map",
    "labels",
    "report_problem",
]

VALUE_COLUMNS = ("region_code", "period", "indicator_code", "value")


@dataclass(frozen=True)
class ReportData:
    """Everything a report sheet needs, for one region or jurisdiction (``code``) and period."""

    edition: Edition
    tree: RegionTree
    code: str  # the jurisdiction (evaluation) or the region (feedback)
    period: int
    lang: str
    periods: tuple[int, ...]  # periods with data up to and including ``period``
    regions: pd.DataFrame  # tree frame + name, parent_name, order (tree order); populations of ``period``
    indicators: pd.DataFrame  # indicator frame + name, item, category, aspect (in lang), order
    values: pd.DataFrame  # the values of ``period`` for the regions scored (note included)
    scores_all: pd.DataFrame  # score_indicators over ``periods``
    scores: pd.DataFrame  # the rows of ``period``
    aggregates: pd.DataFrame  # aggregate() of ``scores``
    costs: pd.DataFrame  # cost_to_close against the binding standard, ``period``
    costs_floor: pd.DataFrame  # cost_to_close against the national floor, ``period``
    data_as_of: datetime | None
    actions: pd.DataFrame | None = None  # the stored corrective actions the reader may see (issue 17)

    def name(self, code: str) -> str:
        """A region's name in the report language."""
        reg = self.tree.get(code)
        return reg.name_zh if self.lang == "zh" else reg.name_en

    @property
    def unconfirmed_floors(self) -> int:
        """Indicators whose national floor is not confirmed by a source."""
        ind = self.indicators
        return int((ind["national_floor"].notna() & ~ind["floor_confirmed"].astype(bool)).sum())


def report_problem(key: str, *, column: str = "", value: str = "", **fmt: object) -> Problem:
    """A Problem whose texts come from ``reports.error.<key>`` in ``locales/reports.toml``."""
    full = f"reports.error.{key}"
    return Problem(
        code=full,
        message_zh=t(full, "zh", **fmt),
        message_en=t(full, "en", **fmt),
        column=column,
        value=value,
    )


def labels(prefix: str, keys: Sequence[str], lang: str) -> dict[str, str]:
    """``{key: t(prefix.key)}`` for a set of keys (status, arrow, evidence...)."""
    return {k: t(f"{prefix}.{k}", lang) for k in keys}


def label_map(series: pd.Series, prefix: str, keys: Sequence[str], lang: str) -> pd.Series:
    """The machine keys of ``series`` replaced by their labels (missing stays missing)."""
    return series.astype("string").map(labels(prefix, keys, lang)).astype("string")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise DataFileError([report_problem("bad_lang", column="lang", value=str(lang), language=lang)])


def _check_values(values: pd.DataFrame) -> pd.Series:
    missing = [c for c in VALUE_COLUMNS if c not in values.columns]
    if missing:
        cols = ", ".join(missing)
        raise DataFileError([report_problem("missing_columns", column=cols, columns=cols)])
    return pd.to_numeric(values["period"], errors="coerce")


def _check_region(tree: RegionTree, code: str) -> None:
    if code not in tree:
        raise DataFileError([report_problem("unknown_region", column="region", value=str(code), code=code)])


def _periods_with_data(values: pd.DataFrame, period_num: pd.Series, leaves: set[str]) -> list[int]:
    has = values["value"].notna()
    if "numerator" in values.columns and "denominator" in values.columns:
        has = has | (values["numerator"].notna() & values["denominator"].notna())
    inside = values["region_code"].astype("string").isin(leaves) & has & period_num.notna()
    return sorted({int(p) for p in period_num[inside.fillna(False)]})


def _check_period(
    tree: RegionTree, values: pd.DataFrame, period_num: pd.Series, code: str, period: int
) -> list[int]:
    """The periods with data (all regions); refuses an unknown period or one without data for code."""
    everywhere = sorted({int(p) for p in period_num.dropna()})
    if not everywhere:
        raise DataFileError([report_problem("no_periods", column="period")])
    if period not in everywhere:
        raise DataFileError(
            [
                report_problem(
                    "unknown_period",
                    column="period",
                    value=str(period),
                    period=period,
                    available=", ".join(map(str, everywhere)),
                )
            ]
        )
    leaves = set(scope_regions(tree, [code]))
    own = _periods_with_data(values, period_num, leaves)
    if period not in own:
        reg = tree.get(code)
        raise DataFileError(
            [
                Problem(
                    code="reports.error.no_data_in_scope",
                    message_zh=t(
                        "reports.error.no_data_in_scope",
                        "zh",
                        region=reg.name_zh,
                        code=code,
                        period=period,
                        available=", ".join(map(str, own)) or "—",
                    ),
                    message_en=t(
                        "reports.error.no_data_in_scope",
                        "en",
                        region=reg.name_en,
                        code=code,
                        period=period,
                        available=", ".join(map(str, own)) or "—",
                    ),
                    column="period",
                    value=str(period),
                )
            ]
        )
    return [p for p in everywhere if p <= period]


def _checked_periods(values: pd.DataFrame, tree: RegionTree, code: str, period: int, lang: str) -> list[int]:
    """Every check a report's input goes through (language, value columns, region, period), in
    that order; the periods with data up to ``period``."""
    _check_lang(lang)
    period_num = _check_values(values)
    _check_region(tree, code)
    return _check_period(tree, values, period_num, code, period)


def region_frame(tree: RegionTree, lang: str, period: int | None = None) -> pd.DataFrame:
    """The tree as a frame with ``name`` and ``parent_name`` in ``lang`` and ``order`` (tree order).

    With ``period``, ``population`` is the resident population of that period (that year's
    figure, else the latest earlier one, else the base) and ``population_carried_forward`` says
    which are not the period's own; without, the base population, nothing marked."""
    frame = tree.frame()
    name_col = "name_zh" if lang == "zh" else "name_en"
    names = dict(zip(frame["region_code"], frame[name_col], strict=True))
    if period is None:
        pop, carried = frame["population"].to_numpy(), np.zeros(len(frame), dtype=bool)
    else:
        pop, carried = period_population(tree, frame["region_code"], np.full(len(frame), int(period)))
    return frame.assign(
        name=frame[name_col].astype("string"),
        parent_name=frame["parent_code"].map(names).astype("string"),
        order=np.arange(len(frame)),
        population=pop,
        population_carried_forward=carried,
    )


def indicator_frame(edition: Edition, lang: str) -> pd.DataFrame:
    """The catalogue with display names in ``lang`` and ``order`` (catalogue order)."""
    ind = edition.indicator_frame()
    sfx = "zh" if lang == "zh" else "en"
    return ind.assign(
        name=ind[f"name_{sfx}"],
        item=ind[f"item_{sfx}"],
        category=ind[f"category_{sfx}"],
        aspect=ind[f"aspect_{sfx}"],
        order=np.arange(len(ind)),
    )


def _values_of(values: pd.DataFrame, period_num: pd.Series, period: int, codes: set[str]) -> pd.DataFrame:
    keep = (period_num == period).fillna(False) & values["region_code"].astype("string").isin(codes)
    cols = [
        c
        for c in ("region_code", "indicator_code", "value", "numerator", "denominator", "note")
        if c in values
    ]
    out = values.loc[keep.to_numpy(), cols]
    return out.assign(region_code=out["region_code"].astype("string"), period=period)


def _build(
    scored_values: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard],
    *,
    code: str,
    scope: str,
    level: str | None,
    periods: list[int],
    period: int,
    lang: str,
    data_as_of: datetime | None,
) -> ReportData:
    scores_all = own_regions(
        score_indicators(
            scored_values,
            edition,
            tree,
            tuple(local_standards),
            periods=periods,
            regions=[scope],
            level=level,
        ),
        edition,
    )
    scores = scores_all.loc[scores_all["period"] == period].reset_index(drop=True)
    aggs = aggregate_local_apart(scores, edition, tree)
    codes = set(scores["region_code"].astype("string").unique())
    period_num = pd.to_numeric(scored_values["period"], errors="coerce")
    return ReportData(
        edition=edition,
        tree=tree,
        code=code,
        period=period,
        lang=lang,
        periods=tuple(periods),
        regions=region_frame(tree, lang, period),
        indicators=indicator_frame(edition, lang),
        values=_values_of(scored_values, period_num, period, codes),
        scores_all=scores_all,
        scores=scores,
        aggregates=aggs,
        costs=cost_to_close(scores, edition, tree, against="standard"),
        costs_floor=cost_to_close(scores, edition, tree, against="floor"),
        data_as_of=data_as_of,
    )


def evaluation_data(
    values: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    *,
    jurisdiction: str,
    period: int,
    lang: str = "zh",
    data_as_of: datetime | None = None,
) -> ReportData:
    """The counties under ``jurisdiction`` scored for ``period`` (and the earlier periods)."""
    periods = _checked_periods(values, tree, jurisdiction, int(period), lang)
    return _build(
        values,
        edition,
        tree,
        local_standards,
        code=jurisdiction,
        scope=jurisdiction,
        level=None,
        periods=periods,
        period=int(period),
        lang=lang,
        data_as_of=data_as_of,
    )


def peer_scope(tree: RegionTree, code: str) -> str:
    """Where a region's ranks are taken: its province (or the root of its branch)."""
    anc = tree.ancestors(code)
    provinces = [a.code for a in anc if a.level == "province"]
    if provinces:
        return provinces[0]
    return anc[-1].code if anc else code


def feedback_data(
    values: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    *,
    region: str,
    period: int,
    lang: str = "zh",
    data_as_of: datetime | None = None,
) -> ReportData:
    """``region`` scored for ``period`` with its peers (same level, same province) for ranks.

    A county is scored from its own values; a prefecture or province from the values of the
    counties below it, rolled up (:func:`assessment.scoring.rollup.rollup_values`).
    """
    periods = _checked_periods(values, tree, region, int(period), lang)
    reg = tree.get(region)
    leaf = not tree.children(region)
    scope = peer_scope(tree, region)
    if leaf:
        scored_values, level = values, None
    else:
        rolled = rollup_values(values, tree, edition)
        scored_values, level = (
            rolled.assign(note=pd.Series(pd.NA, index=rolled.index, dtype="string")),
            reg.level,
        )
    return _build(
        scored_values,
        edition,
        tree,
        local_standards,
        code=region,
        scope=scope,
        level=level,
        periods=periods,
        period=int(period),
        lang=lang,
        data_as_of=data_as_of,
    )
