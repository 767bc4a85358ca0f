"""A province in its national context: its overall score against the median of the provinces and its
rank among them, for an evaluator scoped to one province of a national tree. Pure pandas.

The province's evaluator may view only their province (the store's access rules), yet the national
median and rank need every province's score. :func:`national_context` computes them here, in the
core, from a read of the whole country made on the server (the built-in ``system`` account), and
returns only province-level aggregates reduced to a few numbers: the province's own score, the
median of the provinces' scores, its rank and the number of provinces ranked. No county, prefecture
or value of another province, nor another province's own score, leaves this function.

Who gets one: an enabled **evaluator** whose scope is a **province directly below a national
root**. Anyone else gets None (a national evaluator or an administrator sees every province
themselves; a prefecture or county user is not given a figure built from regions beside theirs).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from assessment.domain.access import SYSTEM_USER
from assessment.scoring.aggregation import aggregate
from assessment.scoring.indicators import score_indicators
from assessment.scoring.rollup import rollup_values

if TYPE_CHECKING:
    from assessment.domain.model import Edition, LocalStandard, RegionTree
    from assessment.store.service import Store

__all__ = [
    "NationalContext",
    "context_from_aggregates",
    "national_context",
    "national_province",
    "province_aggregates",
]


@dataclass(frozen=True)
class NationalContext:
    """A province's overall score among the provinces of the country, for one period and basis."""

    province: str
    period: int
    basis: str
    score: float | None  # the province's overall score (None: insufficient data)
    median: float | None  # median of the provinces' overall scores (the ones with a score)
    rank: int | None  # 1 = best among the provinces with a score
    n_ranked: int  # provinces with a score
    n_provinces: int  # provinces in the country


def national_province(tree: RegionTree, code: str | None) -> str | None:
    """``code`` when it is a province directly below a national root, else None.

    >>> from assessment.domain.model import Region, RegionTree
    >>> t = RegionTree((Region("900000", "国", "N", "national", None, 2),
    ...                 Region("910000", "省", "P", "province", "900000", 1),
    ...                 Region("910100", "市", "C", "prefecture", "910000", 1)))
    >>> national_province(t, "910000"), national_province(t, "910100"), national_province(t, "900000")
    ('910000', None, None)
    """
    if not code or code not in tree or tree.root.level != "national":
        return None
    region = tree.get(code)
    return code if region.level == "province" and region.parent_code == tree.root.code else None


def context_from_aggregates(
    aggregates: pd.DataFrame, tree: RegionTree, province: str, period: int, basis: str
) -> NationalContext:
    """The province's context from national aggregates (``aggregation.aggregate`` output)."""
    a = aggregates
    provinces = [r.code for r in tree.children(tree.root.code)]
    rows = a[(a["period"] == period) & (a["level"] == "overall") & a["region_code"].isin(provinces)]
    scores = rows.set_index("region_code")["score"].astype("float64").dropna()
    own = scores.get(province)
    own_score = None if own is None or math.isnan(float(own)) else float(own)
    rank = None if own_score is None else int((scores > own_score + 1e-9).sum()) + 1
    return NationalContext(
        province=province,
        period=int(period),
        basis=basis,
        score=own_score,
        median=float(scores.median()) if len(scores) else None,
        rank=rank,
        n_ranked=len(scores),
        n_provinces=len(provinces),
    )


def national_context(
    store: Store, actor: str, period: int, basis: str = "standard", *, edition: Edition | None = None
) -> NationalContext | None:
    """The national context of ``actor``'s province for ``period`` (see the module docstring), or
    None when ``actor`` is not a provincial evaluator of a national tree. Raises AccessDenied (from
    the store) when ``actor`` may not view their own scope (unknown or disabled user)."""
    from assessment.catalogue import DEFAULT_EDITION, load_edition

    user = store.get_user(actor)
    if user is None or user.role != "evaluator" or not user.scope_region_code:
        return None
    store.authorize(actor, "view", user.scope_region_code)  # refuses a disabled user
    tree = store.region_tree()
    province = national_province(tree, user.scope_region_code)
    if province is None:
        return None
    edition = edition or load_edition(DEFAULT_EDITION)
    # server side: every county of the country, rolled up and scored at the province level only
    values = store.values(SYSTEM_USER, periods=[period])
    return context_from_aggregates(
        province_aggregates(values, edition, tree, store.local_standards(), period, basis),
        tree,
        province,
        period,
        basis,
    )


def province_aggregates(
    values: pd.DataFrame,
    edition: Edition,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard],
    period: int,
    basis: str = "standard",
) -> pd.DataFrame:
    """Aggregates (``aggregation.aggregate`` output) of the provinces only: each province scored
    from its counties' values rolled up (:func:`assessment.scoring.rollup.rollup_values`), the way a
    province's feedback report scores it, against the floor or the binding standard."""
    if values.empty:
        return pd.DataFrame({"region_code": [], "period": [], "level": [], "score": []})
    rolled = rollup_values(values, tree, edition)
    rolled = rolled.assign(note=pd.Series(pd.NA, index=rolled.index, dtype="string"))
    stds = tuple(local_standards) if basis == "standard" else ()
    scores = score_indicators(
        rolled, edition, tree, stds, periods=[period], regions=[tree.root.code], level="province"
    )
    return aggregate(scores, edition, tree)
