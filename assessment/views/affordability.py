"""Display-ready tables of fiscal affordability (issue 19 point 7): the region page's section, the
overview's burden table and "best yuan" list, the standards page's cost of each local standard.

Every table is built from an :class:`~assessment.scoring.analysis.Assessment`, which the store
already limits to what the viewer may see (an official: their own region), so access is the same
as for the cost figures. Missing fiscal figures are shown as "–" with a note, never as 0.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.model import LocalStandard
from assessment.scoring import affordability as fiscal
from assessment.scoring.analysis import Assessment

DASH = "–"


def _money(value: float) -> str:
    """CNY as 万元 (10,000 CNY), one decimal; "–" for a missing figure."""
    return DASH if pd.isna(value) else f"{value / 1e4:,.1f}"


def _share(value: float) -> str:
    return DASH if pd.isna(value) else f"{value * 100:.2f}%"


def _name(result: Assessment, code: str, lang: str) -> str:
    if code not in result.tree:
        return code
    reg = result.tree.get(code)
    return reg.name_zh if lang == "zh" else (reg.name_en or reg.name_zh)


def _table(result: Assessment, period: int) -> pd.DataFrame:
    codes = result.tree.leaf_codes(result.jurisdiction)
    costs = result.costs[result.costs["period"] == period]
    return fiscal.affordability(costs, result.tree, regions=codes, periods=[period])


def region_summary(result: Assessment, region: str, period: int, lang: str = "zh") -> dict[str, str]:
    """The region page's figures as text: cost to close (with gaps costed of all gaps), its central
    and local parts, own revenue, the shares and the band; ``note`` says what is missing."""
    costs = result.costs[(result.costs["period"] == period) & (result.costs["region_code"] == region)]
    row = fiscal.affordability(costs, result.tree, regions=[region], periods=[period]).iloc[0]
    notes = []
    if pd.isna(row["revenue_per_head"]):
        notes.append(t("fiscal.note.no_finances", lang, period=period))
    if row["n_gaps"] > row["n_costed"]:
        notes.append(t("fiscal.note.partial", lang, n_costed=row["n_costed"], n_gaps=row["n_gaps"]))
    return {
        "cost_total": _money(row["cost_total"]),
        "cost_central": _money(row["cost_central"]),
        "cost_local": _money(row["cost_local"]),
        "costed": t("fiscal.costed_of", lang, n_costed=row["n_costed"], n_gaps=row["n_gaps"]),
        "revenue": _money(row["revenue"]),
        "transfers": _money(row["transfers"]),
        "cost_share_revenue": _share(row["cost_share_revenue"]),
        "local_share_revenue": _share(row["local_share_revenue"]),
        "local_share_resources": _share(row["local_share_resources"]),
        "band": t(f"fiscal.band.{row['band']}", lang),
        "note": " ".join(notes),
    }


def burden_table(result: Assessment, period: int, lang: str = "zh") -> pd.DataFrame:
    """One row per reporting region of the jurisdiction, heaviest burden (local cost as a share of
    own revenue) first; headers in ``lang``."""
    a = _table(result, period)
    out = pd.DataFrame(
        {
            "region": [_name(result, c, lang) for c in a["region_code"]],
            "costed": [f"{c} / {g}" for c, g in zip(a["n_costed"], a["n_gaps"], strict=True)],
            "cost_total": [_money(v) for v in a["cost_total"]],
            "cost_central": [_money(v) for v in a["cost_central"]],
            "cost_local": [_money(v) for v in a["cost_local"]],
            "revenue": [_money(v) for v in a["revenue"]],
            "cost_share_revenue": [_share(v) for v in a["cost_share_revenue"]],
            "local_share_revenue": [_share(v) for v in a["local_share_revenue"]],
            "local_share_resources": [_share(v) for v in a["local_share_resources"]],
            "band": [t(f"fiscal.band.{b}", lang) for b in a["band"]],
        }
    )
    return out.rename(columns={c: t(f"fiscal.col.{c}", lang) for c in out.columns})


def best_yuan_table(result: Assessment, period: int, lang: str = "zh", top: int = 20) -> pd.DataFrame:
    """The ``top`` gaps that a yuan closes most of (gaps and beneficiaries per 10,000 CNY)."""
    costs = result.costs[result.costs["period"] == period]
    b = fiscal.best_yuan(costs).head(top)
    ind = result.edition_of(period).indicator_frame().set_index("indicator_code")
    names = ind["name_zh" if lang == "zh" else "name_en"]
    out = pd.DataFrame(
        {
            "rank": b["rank"].to_numpy(),
            "region": [_name(result, c, lang) for c in b["region_code"]],
            "indicator": [f"{c} {names.get(c, '')}".strip() for c in b["indicator_code"]],
            "status": [t(f"status.{s}", lang) for s in b["status"]],
            "cost_yuan": [DASH if pd.isna(v) else f"{v:,.0f}" for v in b["cost_total"]],  # one gap: yuan
            "gaps_per_10k": [f"{v:.3g}" for v in b["gaps_per_10k"]],
            "beneficiaries_per_10k": [
                DASH if pd.isna(v) else f"{v:,.1f}" for v in b["beneficiaries_per_10k"]
            ],
        }
    )
    return out.rename(columns={c: t(f"fiscal.col.{c}", lang) for c in out.columns})


def standard_costs_table(
    result: Assessment, standards: Iterable[LocalStandard], scope: str, lang: str = "zh"
) -> pd.DataFrame:
    """What each local standard set by ``scope`` costs the regions below it, in the latest period of
    ``result`` it is in force (one row per standard); empty when none is in force."""
    own = [s for s in standards if s.jurisdiction_code == scope]
    if not result.periods or not own:
        return pd.DataFrame()
    period = max(result.periods)
    scores = result.scores[result.scores["period"] == period]
    rows = fiscal.local_standard_costs(scores, result.edition_of(period), result.tree, own)
    if rows.empty:
        return pd.DataFrame()
    ind = result.edition_of(period).indicator_frame().set_index("indicator_code")
    names = ind["name_zh" if lang == "zh" else "name_en"]
    out = pd.DataFrame(
        {
            "indicator": [f"{c} {names.get(c, '')}".strip() for c in rows["indicator_code"]],
            "threshold": [f"{v:g}" for v in rows["threshold"]],
            "period": rows["period"].astype(str).to_numpy(),
            "below": [f"{b} / {n}" for b, n in zip(rows["n_below_standard"], rows["n_regions"], strict=True)],
            "meet_floor_miss": rows["n_meet_floor_miss_standard"].to_numpy(),
            "costed": rows["n_costed"].to_numpy(),
            "extra_cost_total": [_money(v) for v in rows["extra_cost_total"]],
            "extra_cost_local": [_money(v) for v in rows["extra_cost_local"]],
            "extra_share_revenue": [_share(v) for v in rows["extra_share_revenue"]],
        }
    )
    out["costed"] = np.where(
        rows["n_below_standard"].to_numpy() > 0,
        [f"{c} / {b}" for c, b in zip(rows["n_costed"], rows["n_below_standard"], strict=True)],
        DASH,
    )
    return out.rename(columns={c: t(f"fiscal.col.{c}", lang) for c in out.columns})
