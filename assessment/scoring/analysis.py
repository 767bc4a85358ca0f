"""One assessment of a jurisdiction: the scoring pipeline composed for pages and exports.

``assess`` runs scoring -> aggregation once for a jurisdiction and its periods; the page helpers
below turn the result into the display-ready tables the dashboard draws (pages never transform
data themselves, STYLE 2). Pure pandas: no streamlit, no plotly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.scoring.aggregation import aggregate
from assessment.scoring.costing import cost_to_close
from assessment.scoring.equity import equity
from assessment.scoring.indicators import score_indicators
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
class Assessment:
    """Scores of the counties under ``jurisdiction`` for ``periods`` (DESIGN section 4)."""

    edition: Edition
    tree: RegionTree
    jurisdiction: str
    periods: tuple[int, ...]
    basis: str
    scores: pd.DataFrame  # scoring.score_indicators output
    aggregates: pd.DataFrame  # aggregation.aggregate output
    trends: pd.DataFrame  # trends.trends output (target year 2025)
    costs: pd.DataFrame  # costing.cost_to_close output (rows with a shortfall only)

    # Equity is computed on first use: only the indicator and equity pages show it, and at national
    # scale it costs about a second that the overview and region pages need not pay.
    @cached_property
    def equity_indicator(self) -> pd.DataFrame:
        """equity.equity(by="indicator") across the counties under the jurisdiction (Theil T split as
        for :attr:`equity_aspect`: by province under a national jurisdiction)."""
        return equity(
            self.scores,
            self.tree,
            self.edition,
            by="indicator",
            within=self.jurisdiction,
            group_level=self.theil_group_level,
        )

    @cached_property
    def equity_aspect(self) -> pd.DataFrame:
        """equity.equity(by="aspect"), from the aggregates already computed; Theil T split between
        and within the provinces for a national jurisdiction, the counties' parents otherwise."""
        return equity(
            self.scores,
            self.tree,
            self.edition,
            by="aspect",
            within=self.jurisdiction,
            aggregates=self.aggregates,
            group_level=self.theil_group_level,
        )

    @property
    def theil_group_level(self) -> str | None:
        """The level the Theil decomposition groups the counties by: ``"province"`` under a national
        jurisdiction, None (each county's parent) below it."""
        return "province" if self.tree.get(self.jurisdiction).level == "national" else None


def assess(
    values: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    *,
    jurisdiction: str | None = None,
    periods: Sequence[int] | None = None,
    basis: str = "standard",
    target_year: int = 2025,
) -> Assessment:
    """Score and aggregate the counties under ``jurisdiction`` (default: the root of the tree).

    ``basis="floor"`` scores against the national floor alone (local standards ignored);
    ``basis="standard"`` against the binding standard (the stricter of floor and local standard).
    """
    if basis not in BASES:
        raise ValueError(f"basis must be one of {BASES}")
    root = jurisdiction or tree.root.code
    if periods is None:
        periods = sorted(int(p) for p in pd.unique(values["period"])) if len(values) else []
    stds = tuple(local_standards) if basis == "standard" else ()
    scores = score_indicators(values, edition, tree, stds, periods=periods, regions=[root])
    aggs = aggregate(scores, edition, tree)
    return Assessment(
        edition,
        tree,
        root,
        tuple(periods),
        basis,
        scores,
        aggs,
        trends(scores, edition, target_year=target_year),
        cost_to_close(scores, edition, tree, against=basis),
    )


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
    aspects = list(result.edition.aspects)
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
