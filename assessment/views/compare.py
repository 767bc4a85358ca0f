"""Display-ready tables for comparing two to four counties side by side (issue 7, page 5).

* :func:`region_options` / :func:`selection`: the counties a user may compare and a safe
  selection (a shared URL or a crafted session value can never add a county outside the list);
* :func:`aspect_scores`: each county's nine aspect scores and overall score (for grouped bars);
* :func:`region_summary`: overall score, status, rank and failures per county;
* :func:`comparison`: one row per indicator, each county's value and status side by side, with the
  spread between them and a flag where their statuses differ.

Pure pandas: every function returns a new frame or frozen dataclass.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.model import RegionTree
from assessment.scoring.analysis import Assessment
from assessment.views.analysis_common import (
    aspect_names,
    floor_text,
    indicator_names,
    leaf_codes,
    region_names,
)

__all__ = [
    "MAX_REGIONS",
    "Comparison",
    "aspect_scores",
    "column_labels",
    "comparison",
    "region_options",
    "region_summary",
    "selection",
]

MAX_REGIONS = 4
OVERALL = "overall"


@dataclass(frozen=True)
class Comparison:
    """The side-by-side indicator table.

    ``table``: indicator_code, indicator, aspect, unit, floor (text, ``*`` = unconfirmed), one
    value column per county (named by the county), spread (max − min of the values), differs
    (statuses differ among the counties that reported). ``status``: the same rows, one column per
    county (same names) holding status codes, for colouring. ``regions``: the value columns in
    selection order.
    """

    table: pd.DataFrame
    status: pd.DataFrame
    regions: tuple[str, ...]


def region_options(tree: RegionTree, home: str, lang: str) -> dict[str, str]:
    """``{county code: "county (parent)"}`` for every county under ``home``, tree order."""
    names = region_names(tree, lang)
    out = {}
    for code in leaf_codes(tree, home):
        parent = tree.get(code).parent_code
        out[code] = f"{names[code]}（{names[parent]}）" if parent and parent != home else names[code]
    return out


def selection(asked: Iterable[object] | str | None, options: Sequence[str]) -> tuple[list[str], list[str]]:
    """``(chosen, refused)``: the asked codes that are options (order kept, duplicates dropped, at
    most :data:`MAX_REGIONS`) and those that are not. Nothing asked: the first two options.

    ``asked`` may be a comma-separated string (from the URL) or a list (from the session).
    """
    if asked is None or (isinstance(asked, str) and not asked.strip()):
        return list(options[:2]), []
    items = asked.split(",") if isinstance(asked, str) else list(asked)
    allowed = set(options)
    chosen: list[str] = []
    refused: list[str] = []
    for item in (str(i).strip() for i in items):
        if item in allowed:
            if item not in chosen and len(chosen) < MAX_REGIONS:
                chosen.append(item)
        elif item:
            refused.append(item)
    return chosen, refused


def column_labels(tree: RegionTree, codes: Sequence[str], lang: str) -> list[str]:
    """Display names of ``codes``; a name shared by two of them gets its code appended."""
    names = region_names(tree, lang)
    plain = [names[c] for c in codes]
    return [f"{n} ({c})" if plain.count(n) > 1 else n for n, c in zip(plain, codes, strict=True)]


def _region_frame(result: Assessment, codes: Sequence[str], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": pd.array(list(codes), dtype="string"),
            "region": column_labels(result.tree, codes, lang),
            "_r": range(len(codes)),
        }
    )


def aspect_scores(result: Assessment, codes: Sequence[str], period: int, lang: str) -> pd.DataFrame:
    """Aspect and overall scores of the counties ``codes`` in ``period``, long format.

    Columns: region_code, region, aspect_code (``"overall"`` last), aspect, score (NaN when not
    reported), status. Order: aspect (catalogue, overall last), then county (selection order).
    """
    a = result.aggregates
    rows = a.loc[(a["period"] == period) & a["level"].isin(["aspect", "overall"])]
    rows = rows.loc[:, ["region_code", "code", "score", "status"]]
    rows = rows.assign(region_code=rows["region_code"].astype("string"), code=rows["code"].astype("string"))
    names = aspect_names(result.edition, lang)
    aspects = pd.DataFrame(
        {
            "code": pd.array([*names, OVERALL], dtype="string"),
            "aspect": [*names.values(), t("compare.overall", lang)],
            "_a": range(len(names) + 1),
        }
    )
    grid = aspects.merge(_region_frame(result, codes, lang), how="cross")
    out = grid.merge(rows, on=["region_code", "code"], how="left")
    out["status"] = out["status"].astype("string").fillna("no_data")
    out = out.sort_values(["_a", "_r"]).rename(columns={"code": "aspect_code"})
    return out.loc[:, ["region_code", "region", "aspect_code", "aspect", "score", "status"]].reset_index(
        drop=True
    )


def region_summary(result: Assessment, codes: Sequence[str], period: int, lang: str) -> pd.DataFrame:
    """Per county (selection order): overall score, status, rank in the jurisdiction and among its
    siblings, indicators below the floor and the local standard, coverage."""
    a = result.aggregates
    rows = a.loc[(a["period"] == period) & (a["level"] == "overall")]
    cols = [
        "score",
        "status",
        "rank_in_level",
        "rank_in_parent",
        "n_below_floor",
        "n_below_local",
        "coverage",
    ]
    rows = rows.loc[:, ["region_code", *cols]]
    rows = rows.assign(region_code=rows["region_code"].astype("string"))
    out = _region_frame(result, codes, lang).merge(rows, on="region_code", how="left")
    out["status"] = out["status"].astype("string").fillna("no_data")
    return out.sort_values("_r").loc[:, ["region_code", "region", *cols]].reset_index(drop=True)


def comparison(
    result: Assessment,
    codes: Sequence[str],
    period: int,
    lang: str,
    *,
    aspect: str | None = None,
    only_differences: bool = False,
) -> Comparison:
    """Indicators (rows, catalogue order) x counties ``codes`` (columns) of values and statuses.

    ``aspect`` keeps one aspect's indicators; ``only_differences`` keeps the rows where the
    statuses differ. See :class:`Comparison` for the columns.
    """
    ind = indicator_names(result.edition, lang)
    if aspect:
        ind = ind.loc[ind["aspect_code"] == aspect]
    s = result.scores
    rows = s.loc[(s["period"] == period) & s["region_code"].isin(list(codes))]
    rows = rows.loc[:, ["region_code", "indicator_code", "value", "status"]]
    rows = rows.assign(
        region_code=rows["region_code"].astype("string"),
        indicator_code=rows["indicator_code"].astype("string"),
    )
    labels = column_labels(result.tree, codes, lang)
    codes_idx = pd.Index(ind["indicator_code"].astype("string"))
    value = rows.pivot(index="indicator_code", columns="region_code", values="value")
    status = rows.pivot(index="indicator_code", columns="region_code", values="status")
    value = value.reindex(index=codes_idx, columns=list(codes)).astype("float64")
    status = status.reindex(index=codes_idx, columns=list(codes)).astype("string").fillna("no_data")
    value.columns = labels
    status.columns = labels
    reported = status.where(status != "no_data")
    differs = (reported.nunique(axis=1) > 1).to_numpy()
    spread = (value.max(axis=1) - value.min(axis=1)).to_numpy()
    table = pd.DataFrame(
        {
            "indicator_code": ind["indicator_code"].to_numpy(),
            "indicator": ind["indicator"].to_numpy(),
            "aspect": ind["aspect"].to_numpy(),
            "unit": ind["unit"].to_numpy(),
            "floor": [
                floor_text(f, bool(c))
                for f, c in zip(ind["national_floor"], ind["floor_confirmed"], strict=True)
            ],
        }
    )
    for label in labels:
        table[label] = value[label].to_numpy()
    table["spread"] = np.where(value.notna().sum(axis=1).to_numpy() >= 2, spread, np.nan)
    table["differs"] = differs
    status_out = status.reset_index(drop=True)
    if only_differences:
        table = table.loc[differs].reset_index(drop=True)
        status_out = status_out.loc[differs].reset_index(drop=True)
    return Comparison(table, status_out, tuple(labels))
