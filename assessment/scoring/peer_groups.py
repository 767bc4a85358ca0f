"""Like-for-like peer groups (issue 19, point 6). Pure pandas/numpy.

Two kinds of peer group:

* **nearest neighbours** (``nearest``), as the CIPFA and NHS England nearest-neighbour models that
  Fingertips offers (``fingertipsR::nearest_neighbours``): each attribute of the region is put on a
  common scale over the *candidates* (the reporting regions of the same level in the scope: the
  region's province, or the whole tree), and the peers are the ``k`` candidates at the smallest
  weighted Euclidean distance. Attributes (:data:`ATTRIBUTES`):

  - population and fiscal capacity per head: natural log, then z-score over the candidates
    (mean 0, population standard deviation 1; a constant attribute scores 0 for everyone);
  - urban, mountainous, ethnic autonomous: 0/1 as they are (a differing flag counts as much as a
    difference of one standard deviation of a continuous attribute).

  Weights are equal by default (:data:`DEFAULT_WEIGHTS`). Where a figure is missing (no fiscal
  capacity, or a population of 0), the distance of that pair uses the attributes both have and is
  scaled up by (sum of all weights / sum of the weights used), so it stays comparable with the
  others; :func:`nearest_neighbours` says which attributes it left out. Ties are broken by code.
  ``k``: 5 in a province (about 20 counties: a quarter of them), 15 nationally (CIPFA publishes
  each authority's 15 nearest neighbours); never more than the candidates.

* **administrator groups** (``admin``): a mapping ``{region_code: group name}`` that an
  administrator supplies; a region's peers are the other members of its group.

Peers never change a status: the absolute floor stays the pass/fail line. :func:`compare` gives,
per indicator, a region's value beside its peers' quartiles, its rank among them and its gap to
their median; the store (:meth:`~assessment.store.service_peers.StorePeers.peer_comparison`)
decides who may see what.

>>> from assessment.domain.model import Region, RegionTree
>>> tree = RegionTree((Region("99", "省", "P", "province", None, 10),
...     *(Region(f"9901{i}", "县", f"C{i}", "county", "99", 10_000 * i, fiscal_capacity_per_head=1000.0 * i)
...       for i in range(1, 8))))
>>> nearest_neighbours(tree, "99014", k=2)["peer_code"].tolist()
['99013', '99015']
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from assessment.domain.errors import Problem, localized_problem
from assessment.domain.model import RegionTree

KINDS = ("nearest", "admin")
SCOPES = ("province", "national")
DEFAULT_K = {"province": 5, "national": 15}
CONTINUOUS = ("population", "fiscal_capacity_per_head")  # logged, then z-scored
FLAGS = ("urban", "mountainous", "ethnic_autonomous")  # 0/1 as they are
ATTRIBUTES = CONTINUOUS + FLAGS
DEFAULT_WEIGHTS: Mapping[str, float] = dict.fromkeys(ATTRIBUTES, 1.0)
NEIGHBOUR_COLUMNS = ("peer_code", "rank", "distance", "attributes_missing")
COMPARISON_COLUMNS = (
    "indicator_code",
    "value",
    "n",
    "p25",
    "median",
    "p75",
    "rank",
    "of",
    "gap_median",
)
MAX_GROUP_NAME = 60

# What a page or a command hands the store: who the peers of a region are (from the tree and the
# administrator's mapping), and how to compare a region's values with theirs.
Selector = Callable[[RegionTree, Mapping[str, str], str], tuple[str, ...]]
Comparer = Callable[[pd.DataFrame, str, Sequence[str]], pd.DataFrame]


# ---- nearest neighbours ----------------------------------------------------------------------


def scope_root(tree: RegionTree, region: str, scope: str = "province") -> str:
    """The region whose reporting regions are the candidates: the region's province (the ancestor
    of level province, else the root) or, for ``national``, the root."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    ancestors = tree.ancestors(region)
    if not ancestors:
        return region
    if scope == "national":
        return ancestors[-1].code
    return next((a.code for a in ancestors if a.level == "province"), ancestors[-1].code)


def candidates(tree: RegionTree, region: str, scope: str = "province") -> list[str]:
    """The regions ``region`` may be compared with: the reporting regions (leaves) of the same
    level under the scope's root, the region itself included, in tree order."""
    level = tree.get(region).level
    return [c for c in tree.leaf_codes(scope_root(tree, region, scope)) if tree.get(c).level == level]


def attribute_frame(tree: RegionTree, codes: Sequence[str], period: int | None = None) -> pd.DataFrame:
    """The attributes of ``codes`` (index: region_code; columns :data:`ATTRIBUTES`, floats; NaN
    where unknown). The population is that of ``period`` when given (:meth:`RegionTree.population`),
    else the base figure. The fiscal capacity per head is, for ``period``, the region's own revenue
    plus the transfers it received per head (its finances of that year, issue 19 point 7) when both
    are known, else the region file's ``fiscal_capacity_per_head``."""
    rows = []
    for code in codes:
        r = tree.get(code)
        pop = tree.population(code, int(period))[0] if period is not None else r.population
        fiscal = r.fiscal_capacity_per_head
        if period is not None:
            for year, revenue, transfers in r.finances:
                if year == int(period) and revenue is not None and transfers is not None:
                    fiscal = float(revenue) + float(transfers)
        rows.append(
            {
                "region_code": code,
                "population": float(pop),
                "fiscal_capacity_per_head": np.nan if fiscal is None else float(fiscal),
                "urban": float(r.urban),
                "mountainous": float(r.mountainous),
                "ethnic_autonomous": float(r.ethnic_autonomous),
            }
        )
    frame = pd.DataFrame(rows, columns=["region_code", *ATTRIBUTES])
    return frame.set_index("region_code").astype("float64")


def standardised(attributes: pd.DataFrame) -> pd.DataFrame:
    """The attributes on a common scale: logs of the continuous ones z-scored over the rows
    (population standard deviation; 0 where constant; NaN where the figure is missing or not
    positive), the flags as 0/1."""
    out = attributes.loc[:, list(ATTRIBUTES)].astype("float64").copy()
    for col in CONTINUOUS:
        x = out[col].to_numpy(dtype="float64")
        logged = np.log(np.where(x > 0, x, np.nan))
        mean = np.nanmean(logged) if np.isfinite(logged).any() else np.nan
        sd = np.nanstd(logged) if np.isfinite(logged).any() else np.nan
        out[col] = (
            (logged - mean) / sd
            if sd and np.isfinite(sd) and sd > 0
            else np.where(np.isnan(logged), np.nan, 0.0)
        )
    return out


def distances(std: pd.DataFrame, region: str, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """The weighted Euclidean distance of ``region`` to every other row of ``std`` (standardised
    attributes) and the attributes left out of each (``attributes_missing``, comma-separated). A
    pair missing an attribute uses the others, scaled by (sum of all weights / sum of the weights
    used); a pair with no attribute in common: NaN."""
    w = pd.Series({**DEFAULT_WEIGHTS, **(weights or {})}).reindex(list(ATTRIBUTES)).astype("float64")
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError("weights must be finite, not negative, and not all zero")
    others = std.drop(index=region)
    diff = others.to_numpy(dtype="float64") - std.loc[[region]].to_numpy(dtype="float64")
    valid = np.isfinite(diff)
    wv = np.where(valid, w.to_numpy(), 0.0)
    used = wv.sum(axis=1)
    sq = (np.where(valid, diff, 0.0) ** 2 * wv).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.sqrt(np.where(used > 0, sq * w.sum() / used, np.nan))
    names = np.array(ATTRIBUTES, dtype=object)
    missing = [",".join(names[~row & (w.to_numpy() > 0)]) for row in valid]
    return pd.DataFrame({"peer_code": others.index.astype(str), "distance": d, "attributes_missing": missing})


def nearest_neighbours(
    tree: RegionTree,
    region: str,
    k: int | None = None,
    scope: str = "province",
    period: int | None = None,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """The ``k`` nearest neighbours of ``region`` among its candidates (:func:`candidates`):
    columns :data:`NEIGHBOUR_COLUMNS`, nearest first (rank 1), ties by code. ``k`` defaults to
    :data:`DEFAULT_K` of the scope and is cut to the number of candidates."""
    k = DEFAULT_K[scope] if k is None else int(k)
    if k < 1:
        raise ValueError("k must be at least 1")
    codes = candidates(tree, region, scope)
    if len(codes) < 2:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in NEIGHBOUR_COLUMNS})
    std = standardised(attribute_frame(tree, codes, period))
    d = distances(std, region, weights).dropna(subset=["distance"])
    d = d.assign(_key=d["distance"].round(12)).sort_values(["_key", "peer_code"], kind="stable")
    d = d.head(k).drop(columns="_key").reset_index(drop=True)
    d.insert(1, "rank", np.arange(1, len(d) + 1, dtype="int64"))
    return d.loc[:, list(NEIGHBOUR_COLUMNS)]


# ---- administrator groups --------------------------------------------------------------------


def admin_peers(mapping: Mapping[str, str], region: str) -> tuple[str, ...]:
    """The other members of ``region``'s group in the administrator's ``mapping``, by code (none
    when the region is in no group)."""
    group = mapping.get(region)
    if group is None:
        return ()
    return tuple(sorted(c for c, g in mapping.items() if g == group and c != region))


def _problem(key: str, *, file: str, row: int | None = None, column: str = "", value: str = "") -> Problem:
    fill = {"file": file, "row": row if row is not None else "", "value": value, "max": MAX_GROUP_NAME}
    return localized_problem(
        f"peer_groups.{key}",
        fill,
        key=f"peer_groups.error.{key}",
        file=file,
        row=row,
        column=column,
        value=value,
    )


def parse_group_csv(data: bytes, filename: str = "groups.csv") -> tuple[dict[str, str], list[Problem]]:
    """An administrator's peer groups from a CSV with the columns ``region_code`` and ``group``
    (one row per region; UTF-8, a BOM allowed). Returns the mapping and every problem found (a
    file with any problem must not be stored). The codes are checked against the region tree by
    the store."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {}, [_problem("not_utf8", file=filename)]
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("region_code", "group") if c not in header]
    if missing:
        return {}, [_problem("columns", file=filename, value=", ".join(missing))]
    mapping: dict[str, str] = {}
    seen: set[str] = set()
    problems: list[Problem] = []
    for number, row in enumerate(reader, start=2):
        clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if isinstance(v, str | None)}
        code, group = clean.get("region_code", ""), clean.get("group", "")
        if not code and not group:
            continue
        if not code:
            problems.append(_problem("empty_code", file=filename, row=number, column="region_code"))
            continue
        if not group:
            problems.append(_problem("no_group_name", file=filename, row=number, column="group", value=code))
        elif len(group) > MAX_GROUP_NAME:
            problems.append(_problem("long_group", file=filename, row=number, column="group", value=group))
        if code in seen:
            problems.append(
                _problem("duplicate", file=filename, row=number, column="region_code", value=code)
            )
        elif group:
            mapping[code] = group
        seen.add(code)
    if not mapping and not problems:
        problems.append(_problem("empty_file", file=filename))
    return mapping, problems


def check_codes(mapping: Mapping[str, str], tree: RegionTree) -> list[Problem]:
    """Problems of a mapping's codes against the region tree: unknown codes, and regions that do
    not report (only reporting regions, the leaves, are compared)."""
    problems = []
    leaves = {r.code for r in tree.leaves()}
    for code in sorted(mapping):
        if code not in tree:
            problems.append(_problem("unknown_code", file="", column="region_code", value=code))
        elif code not in leaves:
            problems.append(_problem("not_reporting", file="", column="region_code", value=code))
    return problems


# ---- the selector a page hands the store -----------------------------------------------------


def selector(
    kind: str,
    k: int | None = None,
    scope: str = "province",
    period: int | None = None,
    weights: Mapping[str, float] | None = None,
) -> Selector:
    """A function of (tree, administrator mapping, region) giving the region's peers of ``kind``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")

    def peers(tree: RegionTree, mapping: Mapping[str, str], region: str) -> tuple[str, ...]:
        if kind == "admin":
            return tuple(c for c in admin_peers(mapping, region) if c in tree)
        return tuple(nearest_neighbours(tree, region, k, scope, period, weights)["peer_code"])

    return peers


# ---- comparison ------------------------------------------------------------------------------


def compare(
    values: pd.DataFrame, region: str, peers: Sequence[str], directions: Mapping[str, str]
) -> pd.DataFrame:
    """Per indicator (one period's tidy values: region_code, indicator_code, value): the region's
    value, how many peers report it (``n``), their quartiles, the region's rank among the ``n + 1``
    (1 = best by the indicator's direction; ties share the better rank; NA without a value of its
    own) and its gap to the peers' median, signed so that negative is behind them (in the
    indicator's unit). Indicators neither the region nor a peer reports are left out."""
    cols = list(COMPARISON_COLUMNS)
    if values is None or not len(values):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols}).astype({"indicator_code": object})
    v = values.loc[:, ["region_code", "indicator_code", "value"]].assign(
        region_code=values["region_code"].astype(str),
        indicator_code=values["indicator_code"].astype(str),
        value=pd.to_numeric(values["value"], errors="coerce"),
    )
    v = v.dropna(subset=["value"]).drop_duplicates(["region_code", "indicator_code"], keep="last")
    own = v[v["region_code"] == region].set_index("indicator_code")["value"]
    pv = v[v["region_code"].isin({str(p) for p in peers} - {region})]
    g = pv.groupby("indicator_code")["value"]
    stats = pd.DataFrame(
        {"n": g.size(), "p25": g.quantile(0.25), "median": g.median(), "p75": g.quantile(0.75)}
    )
    codes = sorted(set(own.index) | set(stats.index))
    out = stats.reindex(codes)
    out.insert(0, "value", own.reindex(codes))
    out["n"] = out["n"].fillna(0).astype("int64")
    lower = np.array([directions.get(c, "higher") == "lower" for c in codes])
    sign = np.where(lower, -1.0, 1.0)
    out["gap_median"] = (out["value"] - out["median"]) * sign
    mine = pv["indicator_code"].map(own).to_numpy(dtype="float64", na_value=np.nan)
    theirs = pv["value"].to_numpy(dtype="float64", na_value=np.nan)
    low = np.array([directions.get(c, "higher") == "lower" for c in pv["indicator_code"]], dtype=bool)
    better = np.where(low, theirs < mine, theirs > mine)
    merged = pv
    ahead = pd.Series(better, index=merged.index).groupby(merged["indicator_code"]).sum()
    rank = 1 + ahead.reindex(codes).fillna(0).astype("int64")
    out["rank"] = pd.array(np.where(out["value"].notna(), rank.to_numpy(), 0), dtype="Int64")
    out.loc[out["value"].isna(), "rank"] = pd.NA
    out["of"] = pd.array(np.where(out["value"].notna(), out["n"] + 1, 0), dtype="Int64")
    out.loc[out["value"].isna(), "of"] = pd.NA
    out = out.reset_index(names="indicator_code")
    return out.loc[:, cols]


def comparer(directions: Mapping[str, str]) -> Comparer:
    """:func:`compare` with the indicators' directions fixed (what a page hands the store)."""
    fixed = dict(directions)

    def run(values: pd.DataFrame, region: str, peers: Sequence[str]) -> pd.DataFrame:
        return compare(values, region, peers, fixed)

    return run
