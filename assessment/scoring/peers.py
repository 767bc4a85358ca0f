"""Overall scores of a peer group, for :meth:`Store.peer_standing` (issue 16, point 5). Pure.

The store reads the peers' values and may not import the scoring layer; this module gives it the
function that turns those values into overall scores. The scores stay inside the store's call:
only the region's rank and the quartiles of the group come out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from assessment.domain.editions import EditionSchedule, LocalIndicator
from assessment.domain.model import LocalStandard, RegionTree
from assessment.scoring.analysis import assess


def overall_scorer(
    schedule: EditionSchedule,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    local_indicators: Sequence[LocalIndicator] = (),
    basis: str = "standard",
) -> Callable[[pd.DataFrame, int], pd.Series]:
    """A function of (tidy values, period) giving each region's overall score (index: region code),
    scored as the region page scores (:func:`~assessment.scoring.analysis.assess`)."""

    def score(values: pd.DataFrame, period: int) -> pd.Series:
        if not len(values):
            return pd.Series(dtype="float64")
        result = assess(
            values,
            schedule,
            tree,
            local_standards,
            periods=[int(period)],
            basis=basis,
            local_indicators=local_indicators,
        )
        a = result.aggregates
        rows = a[(a["level"] == "overall") & (a["period"] == int(period))]
        return pd.Series(
            rows["score"].astype("float64").to_numpy(), index=rows["region_code"].astype(str).to_numpy()
        )

    return score
