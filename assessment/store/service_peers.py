"""Anonymised peer statistics for officials' checks and region pages (issue 16, point 5).

:class:`StorePeers` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.

The peers' values are read inside the store, whoever asks, and only aggregates come out
(:mod:`assessment.intake.peer_stats`: n, quartiles, MAD; nothing for fewer than 3 peers), so an
official's upload check gets the same plausibility warnings as the reviewer's check of the same file
without any figure of another region reaching the official. The actor must be allowed to view each
region asked about (an official: their own), checked in the same read transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
from sqlalchemy.engine import Connection

from assessment.domain import access, disclosure
from assessment.domain.model import RegionTree
from assessment.intake import peer_stats
from assessment.store import queries, scope, snapshots

# Overall scores of regions from their tidy values (index: region code): supplied by the scoring
# layer (``assessment.scoring.peers.overall_scorer``), which the store may not import.
Scorer = Callable[[pd.DataFrame, int], pd.Series]


@dataclass(frozen=True)
class PeerStanding:
    """A region's place among its peers in one group (aggregates only): its rank (1 = best) among
    ``n`` scored regions (itself included), and the quartiles of their scores. ``shown`` is False
    when the small-cell rule withholds the group from this viewer (then every figure is None)."""

    group: str  # "prefecture" | "province"
    shown: bool
    rank: int | None = None
    n: int | None = None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None


def _as_list(x: object) -> list:
    if isinstance(x, str | int):
        return [x]
    return list(x)  # type: ignore[call-overload]


class StorePeers:
    """Methods mixed into :class:`~assessment.store.service.Store`."""

    if TYPE_CHECKING:  # provided by Store

        def read(self) -> AbstractContextManager[Connection]: ...

    def _peer_values(
        self, conn: Connection, tree: RegionTree, regions: list[str], max_period: int | None
    ) -> pd.DataFrame:
        """The approved values of every peer of ``regions`` up to ``max_period`` (inside the store)."""
        codes = sorted(peer_stats.needed_regions(tree, regions))
        if not codes:
            return pd.DataFrame(columns=["region_code", "period", "indicator_code", "value"])
        chosen = queries.chosen_submissions(conn, None, False, codes)
        if max_period is not None:
            chosen = chosen[chosen["period"] <= max_period]
        rows = snapshots.fetch_rows(conn, chosen["submission_id"].tolist())
        return queries.assemble(chosen, rows)

    def _check_regions(self, conn: Connection, actor: str, regions: list[str]) -> RegionTree:
        user, tree = scope.actor_and_tree(conn, actor)
        for code in regions:
            access.require(user, "view", code, tree)
        return tree

    def peer_statistics(
        self, actor: str, period: int | Iterable[int], region_code: str | Iterable[str]
    ) -> pd.DataFrame:
        """Anonymised statistics of each region's peers per period and indicator
        (:data:`~assessment.intake.peer_stats.STAT_COLUMNS`: the group used, n, quartiles, MAD,
        and those of the peers' changes), from approved values; no row where fewer than 3 peers
        report. The actor must be allowed to view every region asked about (AccessDenied else);
        the answer is the same whoever asks."""
        regions = [str(r) for r in _as_list(region_code)]
        periods = [int(p) for p in _as_list(period)]
        if not regions or not periods:
            with self.read() as conn:
                scope.actor_and_tree(conn, actor)
            return peer_stats.empty()
        with self.read() as conn:
            tree = self._check_regions(conn, actor, regions)
            values = self._peer_values(conn, tree, regions, max(periods))
        return peer_stats.peer_statistics(values, tree, regions, periods)

    def peer_standing(
        self, actor: str, period: int, region_code: str, scorer: Scorer
    ) -> tuple[PeerStanding, ...]:
        """The region's rank and the quartiles of the overall scores in its prefecture and its
        province for ``period`` (``scorer`` turns the approved values of the group into overall
        scores inside this call; only the aggregates are returned). A group is withheld
        (``shown`` False) under the small-cell rule of :mod:`assessment.domain.disclosure` for
        this actor: fewer than 3 scored regions that are not the actor's own, or two groups that
        differ by 1 or 2 such regions."""
        region = str(region_code)
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            access.require(user, "view", region, tree)
            groups = peer_stats.peer_groups(tree, region)
            members = {g: tree.leaf_codes(code) for g, code in groups}
            codes = sorted({c for m in members.values() for c in m})
            values = queries.values(conn, [int(period)], False, codes) if codes else None
        scores = scorer(values, int(period)) if values is not None and len(values) else pd.Series(dtype=float)
        scored = {g: scores.reindex(m).dropna() for g, m in members.items()}
        allowed = disclosure.showable(user, tree, [set(s.index) for s in scored.values()])
        out = []
        for (group, s), ok in zip(scored.items(), allowed, strict=True):
            place = peer_stats.rank_among(s, region)
            if not ok or place is None:
                out.append(PeerStanding(group, False))
                continue
            q = peer_stats.score_summary(s)
            out.append(PeerStanding(group, True, place[0], place[1], q["p25"], q["median"], q["p75"]))
        return tuple(out)
