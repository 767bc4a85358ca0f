"""Anonymised peer statistics of reported values (issue 16, point 5). Pure pandas.

The plausibility warnings of an upload and the bands of an official's spine chart compare a
region's value with its *peers*: the other reporting regions (leaves) of the same prefecture, or,
where the prefecture has fewer than :data:`MIN_PEERS` peers with a value of the indicator in the
period, the other reporting regions of the province. Only aggregates leave this module: per target
region, period and indicator the peer group used (``prefecture`` / ``province``), how many peers
(``n``), their quartiles (``p25``, ``median``, ``p75``) and median absolute deviation (``mad``), and
the same for the peers' changes on their previous reported period (``n_change``,
``change_median``, ``change_mad``). Nothing is given for fewer than :data:`MIN_PEERS` peers (the
small-cell rule of :mod:`assessment.domain.disclosure`): no row, so no peer warning.

The region itself is never one of its peers, so its own figure (stored, pending or in the file at
hand) does not move the statistics: the official's check and the reviewer's check of the same file
see the same aggregates.

>>> from assessment.domain.model import Region, RegionTree
>>> tree = RegionTree((Region("99", "省", "P", "province", None, 10),
...     Region("9901", "市", "C", "prefecture", "99", 5),
...     *(Region(f"99010{i}", "县", "C", "county", "9901", 1) for i in range(1, 6))))
>>> vals = pd.DataFrame({"region_code": [f"99010{i}" for i in range(1, 6)], "period": 2024,
...     "indicator_code": "S01", "value": [10.0, 20.0, 30.0, 40.0, 50.0]})
>>> s = peer_statistics(vals, tree, ["990101"], [2024])
>>> s[["group", "n", "p25", "median", "p75"]].to_dict("records")
[{'group': 'prefecture', 'n': 4, 'p25': 27.5, 'median': 35.0, 'p75': 42.5}]
>>> len(peer_statistics(vals.iloc[:3], tree, ["990101"], [2024]))  # 2 peers: nothing
0
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from assessment.domain.disclosure import MIN_OTHERS
from assessment.domain.model import RegionTree

MIN_PEERS = MIN_OTHERS  # fewer peers than this: no statistic at all
GROUPS = ("prefecture", "province")
STAT_COLUMNS = (
    "region_code",
    "period",
    "indicator_code",
    "group",
    "n",
    "p25",
    "median",
    "p75",
    "mad",
    "n_change",
    "change_median",
    "change_mad",
)
# What an upload check asks for: the statistics of these regions in these periods.
PeerSource = Callable[[Sequence[str], Sequence[int]], pd.DataFrame]


def empty() -> pd.DataFrame:
    """A statistics frame with no rows (columns :data:`STAT_COLUMNS`)."""
    frame = pd.DataFrame({c: pd.Series(dtype="float64") for c in STAT_COLUMNS})
    return frame.astype(
        {"region_code": object, "period": "int64", "indicator_code": object, "group": object, "n": "int64"}
    )


def peer_groups(tree: RegionTree, region: str) -> list[tuple[str, str]]:
    """``(group, code)`` for the region's prefecture (its parent) and its province (the ancestor of
    level province, else the root), nearest first; one entry when they are the same region."""
    if region not in tree:
        return []
    ancestors = tree.ancestors(region)
    if not ancestors:
        return []
    parent = ancestors[0]
    province = next((a for a in ancestors if a.level == "province"), ancestors[-1])
    out = [("prefecture", parent.code)]
    if province.code != parent.code:
        out.append(("province", province.code))
    return out


def peer_regions(tree: RegionTree, region: str) -> dict[str, list[str]]:
    """The peers of ``region`` per group: the reporting regions of the group, the region excluded."""
    return {g: [c for c in tree.leaf_codes(code) if c != region] for g, code in peer_groups(tree, region)}


def needed_regions(tree: RegionTree, regions: Iterable[str]) -> set[str]:
    """Every region whose values the statistics of ``regions`` are computed from."""
    out: set[str] = set()
    for r in regions:
        for peers in peer_regions(tree, r).values():
            out.update(peers)
    return out


def _tidy(values: pd.DataFrame | None) -> pd.DataFrame:
    if values is None or not len(values):
        return pd.DataFrame({"region_code": [], "period": [], "indicator_code": [], "value": []})
    v = values[["region_code", "period", "indicator_code", "value"]]
    v = v.assign(
        region_code=v["region_code"].astype(str).astype(object),
        period=pd.to_numeric(v["period"], errors="coerce"),
        indicator_code=v["indicator_code"].astype(str).astype(object),
        value=pd.to_numeric(v["value"], errors="coerce"),
    )
    v = v.dropna(subset=["period", "value"]).astype({"period": "int64"})
    return v.drop_duplicates(["region_code", "period", "indicator_code"], keep="last")


def with_changes(values: pd.DataFrame) -> pd.DataFrame:
    """Tidy values with ``change``: the value minus the region's value of the indicator in its
    previous reported period (NaN for a first report)."""
    v = _tidy(values).sort_values(["region_code", "indicator_code", "period"], ignore_index=True)
    prev = v.groupby(["region_code", "indicator_code"], sort=False)["value"].shift(1)
    return v.assign(change=v["value"] - prev)


def _summary(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """n, quartiles and MAD of ``column`` per (period, indicator_code)."""
    x = frame.dropna(subset=[column])
    if not len(x):
        cols = ["period", "indicator_code", "n", "p25", "median", "p75", "mad"]
        return pd.DataFrame({c: [] for c in cols})
    g = x.groupby(["period", "indicator_code"], sort=True)[column]
    out = g.quantile([0.25, 0.5, 0.75]).unstack()
    out.columns = ["p25", "median", "p75"]
    out["n"] = g.count()
    med = x.groupby(["period", "indicator_code"])[column].transform("median")
    out["mad"] = (x[column] - med).abs().groupby([x["period"], x["indicator_code"]]).median()
    return out.reset_index()


def peer_statistics(
    values: pd.DataFrame | None, tree: RegionTree, regions: Iterable[str], periods: Iterable[int]
) -> pd.DataFrame:
    """The anonymised statistics (:data:`STAT_COLUMNS`) of each of ``regions`` in ``periods``,
    from ``values`` (tidy: region_code, period, indicator_code, value; earlier periods give the
    changes). Per indicator, the prefecture's peers when at least :data:`MIN_PEERS` of them have a
    value, else the province's; neither: no row. The change statistics need :data:`MIN_PEERS`
    peers with a change too (NaN otherwise)."""
    wanted = sorted({int(p) for p in periods})
    v = with_changes(values)
    v = v[v["period"].isin(wanted)]
    parts = []
    for region in dict.fromkeys(map(str, regions)):
        chosen: pd.DataFrame | None = None
        for group, peers in peer_regions(tree, region).items():
            stats = _summary(v[v["region_code"].isin(peers)], "value")
            stats = stats[stats["n"] >= MIN_PEERS]
            if chosen is not None:  # the province only where the prefecture gave nothing
                done = pd.MultiIndex.from_frame(chosen[["period", "indicator_code"]])
                stats = stats[~pd.MultiIndex.from_frame(stats[["period", "indicator_code"]]).isin(done)]
            if not len(stats):
                continue
            change = _summary(v[v["region_code"].isin(peers)], "change")
            change = change[change["n"] >= MIN_PEERS].rename(
                columns={"n": "n_change", "median": "change_median", "mad": "change_mad"}
            )[["period", "indicator_code", "n_change", "change_median", "change_mad"]]
            stats = stats.merge(change, how="left", on=["period", "indicator_code"])
            stats = stats.assign(region_code=region, group=group)
            chosen = stats if chosen is None else pd.concat([chosen, stats], ignore_index=True)
        if chosen is not None:
            parts.append(chosen)
    if not parts:
        return empty()
    out = pd.concat(parts, ignore_index=True)
    out["n_change"] = out["n_change"].fillna(0)
    out = out[list(STAT_COLUMNS)].astype(
        {"period": "int64", "n": "int64", "n_change": "int64", "region_code": object, "group": object}
    )
    float_cols = ["p25", "median", "p75", "mad", "change_median", "change_mad"]
    out[float_cols] = out[float_cols].astype("float64")
    return out.sort_values(["region_code", "period", "indicator_code"], ignore_index=True)


def rank_among(scores: pd.Series, region: str, higher_is_better: bool = True) -> tuple[int, int] | None:
    """``(rank, n)`` of ``region`` among the scored regions of ``scores`` (index: region codes;
    1 = best, ties share the better rank); None when the region has no score."""
    s = scores.dropna()
    if region not in s.index:
        return None
    ranks = s.rank(ascending=not higher_is_better, method="min")
    return int(ranks[region]), len(s)


def score_summary(scores: pd.Series) -> dict[str, float | int]:
    """n and quartiles of the scores (aggregates only)."""
    s = scores.dropna().astype("float64")
    if not len(s):
        return {"n": 0, "p25": np.nan, "median": np.nan, "p75": np.nan}
    q = s.quantile([0.25, 0.5, 0.75]).to_numpy()
    return {"n": len(s), "p25": float(q[0]), "median": float(q[1]), "p75": float(q[2])}
