"""The methodology page, generated from the catalogue (issue 7, page 9). Pure pandas."""

from __future__ import annotations

import pandas as pd

from assessment.domain.labels import label
from assessment.domain.model import Edition
from assessment.views.analysis_common import unit_text


def indicator_table(edition: Edition, lang: str = "zh") -> pd.DataFrame:
    """Every indicator with its floor, whether the floor is confirmed, bounds, weight and source."""
    ind = edition.indicator_frame()
    sfx = "zh" if lang == "zh" else "en"
    out = pd.DataFrame(
        {
            "indicator_code": ind["indicator_code"],
            "aspect": ind[f"aspect_{sfx}"],
            "item": ind["item_no"].astype(str) + ". " + ind[f"item_{sfx}"],
            "indicator": ind[f"name_{sfx}"],
            "kind": ind["kind"].map(lambda k: label("kind", k, lang)),
            "unit": ind["unit"].map(lambda u: unit_text(str(u), lang)),
            "direction": ind["direction"].map({"higher": "↑", "lower": "↓"}),
            "national_floor": ind["national_floor"],
            "floor_confirmed": ind["floor_confirmed"].astype(bool),
            "optimum": ind["optimum"],
            "lower_bound": ind["lower_bound"],
            "weight": ind["weight"],
            "unit_cost": ind["unit_cost"],
            "item_verified": ind["item_verified"].astype(bool),
            "source": ind["source"],
        }
    )
    return out


def item_table(edition: Edition, lang: str = "zh") -> pd.DataFrame:
    """Every service item with its category, expenditure responsibility, lead department and
    whether its wording was verified against a source."""
    rows = []
    for item in edition.items:
        cat = edition.category_by_code[item.category_code]
        asp = edition.aspect_by_code[cat.aspect_code]
        rows.append(
            {
                "no": item.no,
                "aspect": asp.name_zh if lang == "zh" else asp.name_en,
                "category": cat.name_zh if lang == "zh" else cat.name_en,
                "item": item.name_zh if lang == "zh" else item.name_en,
                "served_population": item.served_population_zh,
                "standard": item.standard_zh,
                "expenditure": item.expenditure_zh,
                "central_share": item.central_share,
                "lead_department": item.lead_department_zh,
                "verified": item.verified,
                "source": item.source,
            }
        )
    return pd.DataFrame(rows)


def counts(edition: Edition) -> dict[str, int]:
    """How many items are verified and floors confirmed, for the page's summary line."""
    ind = edition.indicator_frame()
    with_floor = ind["national_floor"].notna()
    return {
        "items": len(edition.items),
        "items_verified": sum(i.verified for i in edition.items),
        "indicators": len(ind),
        "floors": int(with_floor.sum()),
        "floors_confirmed": int((with_floor & ind["floor_confirmed"].astype(bool)).sum()),
    }
