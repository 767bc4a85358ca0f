"""The corrective actions an actor sees, judged by the approved figures, as one tidy table (issue 17
point 6): what ``python -m assessment actions list|export`` prints or writes and what the tidy
export ``actions`` of the reports page holds.

One row per action: the stored fields (:data:`assessment.store.actions.ACTION_COLUMNS`) with the
region's and the indicator's names, and what the data say of it as of the newest period with
approved figures (:func:`assessment.scoring.accountability.judge`: outcome, closed_in, escalated...).
Access is the store's: only the regions the actor reports for or reviews; an unknown region or
one outside the actor's is refused (``AccessDenied`` / ``StoreError``), an administrator sees none.
"""

from __future__ import annotations

import pandas as pd

from assessment.accountability.service import region_assessment
from assessment.domain.errors import DataFileError, localized_problem
from assessment.scoring import accountability as acc
from assessment.store import Store

__all__ = ["EXPORT_COLUMNS", "actions_table"]

EXPORT_COLUMNS = [
    "id",
    "region_code",
    "region_name",
    "period",
    "indicator_code",
    "indicator_name",
    "gap_kind",
    "gap_value",
    "gap_threshold",
    "measures",
    "department",
    "budget_total",
    "budget_central",
    "budget_local",
    "due_period",
    "status",
    "reason",
    "review",
    "review_comment",
    "reviewed_by",
    "reviewed_at",
    "as_of",
    *acc.JUDGED_COLUMNS,
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
]


def _home(store: Store, actor: str) -> str:
    """The region the actor works on (its scope region; the tree's root for a global scope)."""
    user = store.get_user(actor)
    if user is None:
        raise DataFileError([localized_problem("store.unknown_user", {"username": actor}, value=actor)])
    return user.scope_region_code or store.region_tree().root.code


def actions_table(
    store: Store,
    actor: str,
    jurisdiction: str | None = None,
    period: int | None = None,
    lang: str = "zh",
) -> pd.DataFrame:
    """The actions under ``jurisdiction`` (default: the actor's own region) that ``actor`` sees,
    judged as of the newest period with approved figures; ``period``: only the gaps of that period.
    Columns :data:`EXPORT_COLUMNS`; names in ``lang``."""
    code = jurisdiction or _home(store, actor)
    result = region_assessment(store, actor, code)  # refuses an unknown region or one not the actor's
    actions = store.actions(actor, jurisdiction=code, period=period)
    as_of = max((int(p) for p in result.periods), default=period or 0)
    as_of = max(as_of, int(period)) if period is not None else as_of
    judged = acc.judge(actions, result.scores, as_of)
    tree = result.tree
    regions = (tree.get(c) for c in set(judged["region_code"].astype(str)) if c in tree)
    names = {r.code: (r.name_zh if lang == "zh" else r.name_en) for r in regions}
    edition = result.edition_of(as_of)
    ind_names = {i.code: (i.name_zh if lang == "zh" else i.name_en) for i in edition.indicators}
    for _, ed in result.editions:
        for i in ed.indicators:
            ind_names.setdefault(i.code, i.name_zh if lang == "zh" else i.name_en)
    judged = judged.assign(
        region_name=judged["region_code"].astype(str).map(names).astype("string"),
        indicator_name=judged["indicator_code"].astype(str).map(ind_names).astype("string"),
        as_of=as_of,
    )
    return judged[EXPORT_COLUMNS].reset_index(drop=True)
