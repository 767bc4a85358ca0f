"""The local-only indicators that apply to a jurisdiction, as the local-standards page shows them."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from assessment.domain.editions import LocalIndicator, applying
from assessment.domain.i18n import t
from assessment.domain.model import RegionTree

COLUMNS = [
    "jurisdiction", "code", "name", "item_code", "kind", "unit", "direction", "threshold", "lower_bound",
    "period", "note",
]  # fmt: skip


def related(items: Sequence[LocalIndicator], tree: RegionTree, scope: str) -> list[LocalIndicator]:
    """The local indicators that apply to ``scope`` (set by it or above it) and those set below it."""
    below = [
        li
        for li in items
        if li.jurisdiction_code in tree
        and li.jurisdiction_code != scope
        and tree.is_within(li.jurisdiction_code, scope)
    ]
    return [*applying(items, tree, scope), *below]


def local_table(items: Sequence[LocalIndicator], tree: RegionTree, lang: str) -> pd.DataFrame:
    """One row per local indicator, names and codes in ``lang`` (user text shown as plain text)."""
    rows = []
    for li in items:
        reg = tree.get(li.jurisdiction_code)
        end = "" if li.effective_to is None else str(li.effective_to)
        rows.append(
            {
                "jurisdiction": f"{reg.code} {reg.name_zh if lang == 'zh' else reg.name_en}",
                "code": li.code,
                "name": li.name_zh if lang == "zh" or not li.name_en else li.name_en,
                "item_code": li.item_code,
                "kind": t(f"local_indicators.kind.{li.kind}", lang),
                "unit": li.unit,
                "direction": t(f"local_indicators.direction.{li.direction}", lang),
                "threshold": li.threshold,
                "lower_bound": li.lower_bound,
                "period": f"{li.effective_from}–{end}"
                if end
                else t("editions.span_open", lang, start=li.effective_from),
                "note": li.note,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)
