"""What the peers sections of the region and indicator pages draw (issue 19, point 6).

The store's :class:`~assessment.store.service_peers.PeerComparison` carries what the viewer may see;
these functions only label it: who the peers are and why (their attributes beside the region's, for
a viewer allowed to name them), and the comparison per indicator with the region's status against
the floor (from its own scores: peers never change it). Suppressed aggregates read "—".
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from assessment.domain.disclosure import MARK
from assessment.domain.i18n import t
from assessment.domain.model import RegionTree
from assessment.scoring import peer_groups as pg
from assessment.scoring.analysis import Assessment, region_label
from assessment.store.service_peers import PeerComparison

COMPARISON_COLUMNS = ("indicator", "value", "n", "p25", "median", "p75", "rank", "gap_median", "status")
WHO_COLUMNS = ("region", "rank_nn", "distance", "population", "fiscal", "urban", "mountainous", "ethnic")


def directions(result: Assessment, period: int) -> tuple[tuple[str, str], ...]:
    """(indicator code, direction) of the edition in force for ``period``, sorted (hashable, for a
    cache key)."""
    return tuple(sorted((i.code, i.direction) for i in result.edition_of(period).indicators))


def _figure(v: object, hidden: bool, fmt: str = "{:.2f}") -> str:
    if hidden:
        return MARK
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    return fmt.format(float(v))  # type: ignore[arg-type]


def _yes(flag: object, lang: str) -> str:
    return t("peer_groups.yes" if bool(flag) else "peer_groups.no", lang)


def who(
    tree: RegionTree,
    region: str,
    comparison: PeerComparison,
    lang: str,
    period: int | None = None,
    neighbours: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The region and its named peers with their attributes side by side (columns
    :data:`WHO_COLUMNS`), the region first; empty when the viewer may not name the peers. For
    nearest neighbours ``neighbours`` (:func:`~assessment.scoring.peer_groups.nearest_neighbours`)
    adds the order and distance."""
    if not comparison.named or not comparison.peers:
        return pd.DataFrame(columns=list(WHO_COLUMNS))
    codes = [region, *comparison.peers]
    attrs = pg.attribute_frame(tree, codes, period)
    nn = (
        neighbours.set_index("peer_code")
        if neighbours is not None and len(neighbours)
        else pd.DataFrame(columns=["rank", "distance"])
    )
    rows = []
    for code in codes:
        a = attrs.loc[code]
        own = code == region
        name = region_label(tree, code, lang) + (t("peer_groups.this_region", lang) if own else "")
        rows.append(
            {
                "region": name,
                "rank_nn": "" if own or code not in nn.index else str(int(nn.at[code, "rank"])),
                "distance": "" if own or code not in nn.index else f"{float(nn.at[code, 'distance']):.2f}",
                "population": f"{a['population']:,.0f}",
                "fiscal": ""
                if math.isnan(a["fiscal_capacity_per_head"])
                else f"{a['fiscal_capacity_per_head']:,.0f}",
                "urban": _yes(a["urban"], lang),
                "mountainous": _yes(a["mountainous"], lang),
                "ethnic": _yes(a["ethnic_autonomous"], lang),
            }
        )
    return pd.DataFrame(rows, columns=list(WHO_COLUMNS))


def fiscal_missing(tree: RegionTree, codes: list[str]) -> bool:
    """True when any of ``codes`` has no fiscal capacity per head (its distances use the rest)."""
    return any(tree.get(c).fiscal_capacity_per_head is None for c in codes if c in tree)


def _names(result: Assessment, period: int, lang: str) -> Mapping[str, str]:
    ind = result.edition_of(period).indicator_frame()
    col = "name_zh" if lang == "zh" else "name_en"
    return dict(zip(ind["indicator_code"], ind["indicator_code"] + " " + ind[col], strict=True))


def comparison(
    result: Assessment,
    comp: PeerComparison,
    period: int,
    lang: str,
    indicator: str | None = None,
) -> pd.DataFrame:
    """The comparison per indicator (columns :data:`COMPARISON_COLUMNS`; ``status`` is the
    region's own status against the floor), in the catalogue's order; one row when ``indicator``
    is given. Aggregates withheld from the viewer read :data:`~assessment.domain.disclosure.MARK`."""
    table = comp.table
    if indicator is not None:
        table = table[table["indicator_code"] == indicator]
    if not len(table):
        return pd.DataFrame(columns=list(COMPARISON_COLUMNS))
    names = _names(result, period, lang)
    s = result.scores
    own = s[(s["region_code"] == comp.region_code) & (s["period"] == int(period))]
    status = own.set_index("indicator_code")["status"].astype(str)
    order = {c: i for i, c in enumerate(names)}
    table = table.assign(_o=table["indicator_code"].map(order).fillna(len(order))).sort_values(
        ["_o", "indicator_code"], kind="stable"
    )
    rows = []
    for r in table.to_dict("records"):
        hidden = bool(r.get("peers_hidden", False))
        has_rank = not hidden and r.get("rank") is not None and r.get("rank") is not pd.NA
        rows.append(
            {
                "indicator": names.get(r["indicator_code"], r["indicator_code"]),
                "value": _figure(r["value"], False),
                "n": MARK if hidden else str(int(r["n"])),
                "p25": _figure(r["p25"], hidden),
                "median": _figure(r["median"], hidden),
                "p75": _figure(r["p75"], hidden),
                "rank": MARK
                if hidden
                else (
                    t("peer_groups.rank_value", lang, rank=int(r["rank"]), of=int(r["of"]))
                    if has_rank
                    else ""
                ),
                "gap_median": _figure(r["gap_median"], hidden, "{:+.2f}"),
                "status": status.get(r["indicator_code"], "no_data"),
            }
        )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS))


def peer_values(
    result: Assessment, comp: PeerComparison, period: int, indicator: str, lang: str
) -> pd.DataFrame:
    """For a viewer who may name the peers: each peer's value of ``indicator`` and its status
    against the floor (columns region, value, status), best first by the indicator's direction."""
    if not comp.named or not len(comp.peer_values):
        return pd.DataFrame(columns=["region", "value", "status"])
    pv = comp.peer_values[comp.peer_values["indicator_code"].astype(str) == indicator]
    s = result.scores
    s = s[(s["period"] == int(period)) & (s["indicator_code"] == indicator)]
    status = s.set_index("region_code")["status"].astype(str)
    lower = dict(directions(result, period)).get(indicator, "higher") == "lower"
    pv = pv.assign(value=pd.to_numeric(pv["value"], errors="coerce")).sort_values(
        ["value", "region_code"], ascending=[lower, True], kind="stable"
    )
    return pd.DataFrame(
        {
            "region": [region_label(result.tree, str(c), lang) for c in pv["region_code"]],
            "value": pv["value"].to_numpy(),
            "status": [status.get(str(c), "no_data") for c in pv["region_code"]],
        }
    )
