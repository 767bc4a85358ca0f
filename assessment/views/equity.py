"""Display-ready tables for the equity page (issue 7, page 4). Pure pandas.

How unequal the counties of a jurisdiction are, aspect by aspect (the measured quantity is the
aspect score, 0-100, population-weighted; see :mod:`assessment.scoring.equity`):

* :func:`measures_over_time`: CV, Gini and Theil T per aspect and period (long, for line charts);
* :func:`decomposition`: Theil T split into the part *between* the parent regions (prefectures)
  and the part *within* them, per aspect, for one period;
* :func:`below_floor`: how many counties, and what share of the population, live below the
  national floor in each aspect and period ("leave no one behind": read beside the dispersion);
* :func:`convergence`: the σ-convergence verdict per aspect (did the CV fall from the first to the
  last period?).

Every function returns a new frame; aspects come in catalogue order with names in ``lang``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.domain.editions import LOCAL_ASPECT
from assessment.domain.i18n import t
from assessment.scoring.analysis import Assessment
from assessment.scoring.equity import EQUITY_COLUMNS, sigma_convergence
from assessment.views.analysis_common import aspect_names, leaf_codes

__all__ = [
    "MEASURES",
    "DecompositionBasis",
    "aspect_table",
    "below_floor",
    "convergence",
    "decomposition",
    "decomposition_basis",
    "measures_over_time",
    "undefined_reasons",
]

MEASURES = ("cv", "gini", "theil")


@dataclass(frozen=True)
class DecompositionBasis:
    """Which groups the Theil decomposition uses: the parents of the counties in the jurisdiction.

    ``groups`` are their codes in tree order; with a single group the between part is 0 by
    definition (choose a higher jurisdiction to see it).
    """

    groups: tuple[str, ...]
    level: str  # the groups' level ("prefecture"), "" when there are none

    @property
    def single_group(self) -> bool:
        return len(self.groups) < 2


def _aspect_frame(result: Assessment, lang: str) -> pd.DataFrame:
    """The aspects in catalogue order (the local group only where a jurisdiction's own indicators
    were reported)."""
    aggs = result.aggregates
    scored = set(aggs.loc[(aggs["level"] == "aspect") & aggs["score"].notna(), "code"].astype(str))
    names = {c: n for c, n in aspect_names(result.edition, lang).items() if c != LOCAL_ASPECT or c in scored}
    return pd.DataFrame(
        {"code": list(names), "aspect": list(names.values()), "_order": np.arange(len(names))}
    )


def _with_names(frame: pd.DataFrame, result: Assessment, lang: str) -> pd.DataFrame:
    rows = frame.assign(code=frame["code"].astype("string"))
    aspects = _aspect_frame(result, lang).astype({"code": "string"})
    return aspects.merge(rows, on="code", how="inner")


def measures_over_time(result: Assessment, lang: str) -> pd.DataFrame:
    """CV, Gini and Theil T per aspect and period, long format.

    Columns: aspect_code, aspect, period, measure (one of :data:`MEASURES`), value, n_regions.
    Rows without a figure (fewer than one reporting county) are left out.
    """
    e = _with_names(result.equity_aspect, result, lang)
    long = e.melt(
        id_vars=["code", "aspect", "_order", "period", "n_regions"],
        value_vars=list(MEASURES),
        var_name="measure",
        value_name="value",
    )
    long = long.loc[long["value"].notna()]
    long = long.assign(_m=long["measure"].map({m: i for i, m in enumerate(MEASURES)}))
    long = long.sort_values(["_m", "_order", "period"]).rename(columns={"code": "aspect_code"})
    return long.loc[:, ["aspect_code", "aspect", "period", "measure", "value", "n_regions"]].reset_index(
        drop=True
    )


def decomposition(result: Assessment, period: int, lang: str) -> pd.DataFrame:
    """Theil T of each aspect in ``period`` split into between and within the parent regions.

    Columns: aspect_code, aspect, theil, theil_between, theil_within, between_share (between / T,
    NaN when T is 0 or missing), n_regions. Catalogue order.
    """
    e = result.equity_aspect
    e = _with_names(e.loc[e["period"] == period], result, lang)
    theil = e["theil"].astype("float64")
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(theil > 0, e["theil_between"].astype("float64") / theil, np.nan)
    out = e.assign(between_share=share).rename(columns={"code": "aspect_code"}).sort_values("_order")
    cols = ["aspect_code", "aspect", "theil", "theil_between", "theil_within", "between_share", "n_regions"]
    return out.loc[:, cols].reset_index(drop=True)


def decomposition_basis(result: Assessment) -> DecompositionBasis:
    """The regions the decomposition groups the counties by (see :class:`DecompositionBasis`): the
    provinces under a national jurisdiction, else the counties' parents."""
    tree = result.tree
    if result.theil_group_level:  # a national jurisdiction: the provinces
        level = result.theil_group_level
        groups = tuple(r.code for r in tree.descendants(result.jurisdiction) if r.level == level)
        return DecompositionBasis(groups, level)
    parents: list[str] = []
    for code in leaf_codes(tree, result.jurisdiction):
        parent = tree.get(code).parent_code
        if parent and parent not in parents:
            parents.append(parent)
    level = tree.get(parents[0]).level if parents else ""
    return DecompositionBasis(tuple(parents), level)


def below_floor(result: Assessment, lang: str) -> pd.DataFrame:
    """Counties below the national floor and their population share, per aspect and period.

    An aspect is below the floor in a county when any of its indicators is. Columns: aspect_code,
    aspect, period, n_regions (reporting), n_below_floor, pop_share_below_floor (0-1), label
    (``"11/19"``). Catalogue order, then period.
    """
    e = _with_names(result.equity_aspect, result, lang).sort_values(["_order", "period"])
    n = e["n_regions"].astype("int64")
    below = e["n_below_floor"].astype("int64")
    out = e.assign(label=below.astype("string") + "/" + n.astype("string"))
    out = out.rename(columns={"code": "aspect_code"})
    cols = ["aspect_code", "aspect", "period", "n_regions", "n_below_floor", "pop_share_below_floor", "label"]
    return out.loc[:, cols].reset_index(drop=True)


def convergence(result: Assessment, lang: str) -> pd.DataFrame:
    """σ-convergence per aspect: CV in the first and the last period and the verdict.

    Columns: aspect_code, aspect, first_period, last_period, n_first and n_last (counties reporting
    in those periods), n_balanced (counties reporting in every period: the only ones compared),
    n_dropped, cv_first, cv_last, cv_change (CVs of the balanced panel), verdict (``"converging"``
    when the CV fell, ``"diverging"`` when it rose or stayed, ``"insufficient"`` with fewer than two
    periods or two counties), verdict_label (in ``lang``). Every aspect of the catalogue has a row.
    """
    sigma = sigma_convergence(result.equity_aspect)
    aspects = _aspect_frame(result, lang).astype({"code": "string"})
    sigma = sigma.assign(code=sigma["code"].astype("string"))
    out = aspects.merge(sigma, on="code", how="left").sort_values("_order")
    conv = out["converging"].astype("boolean")
    verdict = np.where(conv.isna(), "insufficient", np.where(conv.fillna(False), "converging", "diverging"))
    labels = {v: t(f"analysis.verdict.{v}", lang) for v in ("converging", "diverging", "insufficient")}
    out = out.assign(verdict=verdict, verdict_label=pd.Series(verdict, index=out.index).map(labels))
    out = out.rename(columns={"code": "aspect_code"})
    cols = [
        "aspect_code",
        "aspect",
        "first_period",
        "last_period",
        "n_first",
        "n_last",
        "n_balanced",
        "n_dropped",
        "cv_first",
        "cv_last",
        "cv_change",
        "verdict",
        "verdict_label",
    ]
    return out.loc[:, cols].reset_index(drop=True)


def aspect_table(result: Assessment, lang: str) -> pd.DataFrame:
    """Every equity figure per aspect and period (the columns of :data:`assessment.scoring.equity.
    EQUITY_COLUMNS` after ``code``, with the aspect's name), catalogue order then period. Where the
    measures are undefined (fewer than 2 counties) ``undefined_reason`` is the reason in ``lang``
    ("— fewer than 2 regions: ..."), "" elsewhere."""
    e = _with_names(result.equity_aspect, result, lang).sort_values(["_order", "period"])
    cols = ["aspect", *(c for c in EQUITY_COLUMNS if c not in ("edition", "by", "code"))]
    out = e.rename(columns={"code": "aspect_code"}).loc[:, ["aspect_code", *cols]].reset_index(drop=True)
    out["undefined_reason"] = undefined_reasons(out["undefined_reason"], lang)
    return out


def undefined_reasons(reasons: pd.Series, lang: str) -> pd.Series:
    """The reason codes of undefined inequality measures as text in ``lang`` ("" where defined)."""
    return pd.Series(
        ["" if pd.isna(r) else t(f"equity_edges.reason.{r}", lang) for r in reasons],
        index=reasons.index,
        dtype="string",
    )
