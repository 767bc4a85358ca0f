"""Anonymised peer statistics for officials' checks and region pages (issue 16, point 5), and
like-for-like peer comparisons (issue 19, point 6).

:class:`StorePeers` is a mixin of :class:`~assessment.store.service.Store`: it uses ``read``,
``_write`` and the read methods of :class:`~assessment.store.service_reads.StoreReads`.

The peers' values are read inside the store, whoever asks, and only aggregates come out
(:mod:`assessment.intake.peer_stats`: n, quartiles, MAD; nothing for fewer than 3 peers), so an
official's upload check gets the same plausibility warnings as the reviewer's check of the same file
without any figure of another region reaching the official. The actor must be allowed to view each
region asked about (an official: their own), checked in the same read transaction.

:meth:`StorePeers.peer_comparison` compares a region with a like-for-like peer group: its nearest
neighbours on region attributes, or the group an administrator defined
(:meth:`StorePeers.define_peer_groups`, kept as the setting :data:`ADMIN_GROUPS_SETTING`). Who the
peers are and how the values are compared is handed in by the caller
(:mod:`assessment.scoring.peer_groups`, which the store may not import). A viewer who may view every
peer (an evaluator whose jurisdiction covers them, an administrator) gets the peers' names and
values; anyone else gets aggregates only (n, quartiles, rank, gap to the median), and none for an
indicator with fewer than 3 reporting peers that are not their own, nor for a group that differs
from a group shown before it (the nearest neighbours before the administrator's group) by 1 or 2
regions (:func:`assessment.domain.disclosure.showable`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import pandas as pd
from sqlalchemy.engine import Connection

from assessment.domain import access, disclosure
from assessment.domain.errors import Problem, localized_problem
from assessment.domain.model import RegionTree
from assessment.intake import peer_stats
from assessment.store import queries, reference, scope, snapshots
from assessment.store.errors import StoreError

# Overall scores of regions from their tidy values (index: region code): supplied by the scoring
# layer (``assessment.scoring.peers.overall_scorer``), which the store may not import.
Scorer = Callable[[pd.DataFrame, int], pd.Series]
# Who the peers of a region are (tree, administrator's groups, region) and how its values compare
# with theirs (values, region, peers): supplied by ``assessment.scoring.peer_groups``.
PeerSelector = Callable[[RegionTree, Mapping[str, str], str], tuple[str, ...]]
PeerComparer = Callable[[pd.DataFrame, str, Sequence[str]], pd.DataFrame]
ADMIN_GROUPS_SETTING = "peer_groups.admin"
T = TypeVar("T")
# the aggregate columns of a comparison withheld from a restricted viewer (then ``peers_hidden``)
AGGREGATE_COLUMNS = ("n", "p25", "median", "p75", "rank", "of", "gap_median")


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


@dataclass(frozen=True, eq=False)
class PeerComparison:
    """A region compared with one like-for-like peer group in one period.

    ``table``: per indicator the region's value and the peers' aggregates (the comparer's columns
    and ``peers_hidden``: True where the small-cell rule empties the aggregates for this viewer).
    ``named``: the viewer may view every peer, so ``peers`` names them and ``peer_values`` holds
    their values (region_code, indicator_code, value); otherwise both are empty. ``shown`` is
    False when the whole group is withheld from this viewer (fewer than 3 peers not their own, or
    a group that differences with the prefecture or province group)."""

    kind: str
    region_code: str
    period: int
    n_peers: int
    shown: bool
    named: bool
    peers: tuple[str, ...] = ()
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    peer_values: pd.DataFrame = field(default_factory=pd.DataFrame)


def _group_problem(key: str, value: str = "") -> Problem:
    return localized_problem(
        f"peer_groups.{key}",
        {"value": value, "file": "", "row": ""},
        key=f"peer_groups.error.{key}",
        value=value,
    )


def _as_list(x: object) -> list:
    if isinstance(x, str | int):
        return [x]
    return list(x)  # type: ignore[call-overload]


class StorePeers:
    """Methods mixed into :class:`~assessment.store.service.Store`."""

    if TYPE_CHECKING:  # provided by Store

        def read(self) -> AbstractContextManager[Connection]: ...

        def _write(
            self,
            actor: str | None,
            work: Callable[[Connection], T],
            check: Callable[[Connection], object] | None = None,
        ) -> T: ...

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

    # -- like-for-like peer groups (issue 19, point 6) ------------------------------------------

    def _admin_groups(self, conn: Connection) -> dict[str, str]:
        raw = reference.get_setting(conn, ADMIN_GROUPS_SETTING)
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def peer_group_definition(self, actor: str) -> dict[str, str]:
        """The administrator's peer groups ``{region_code: group}``: all of them for a viewer who
        sees every statistic (evaluator, administrator), else only the entries of the actor's own
        regions (an official learns their group's name, not who else is in it)."""
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            groups = self._admin_groups(conn)
        if not disclosure.restricted(user):
            return groups
        own = disclosure.own_regions(user, tree)
        return {c: g for c, g in groups.items() if c in own}

    def define_peer_groups(self, actor: str, mapping: Mapping[str, str]) -> int:
        """Store the administrator's peer groups ``{region_code: group}`` (replacing any before;
        an empty mapping clears them). Every code must be a reporting region of the stored tree and
        every group name non-empty: otherwise a :class:`StoreError` names each bad entry and
        nothing is stored. Needs ``manage_settings``; audited. Returns the number of regions."""
        clean = {str(k).strip(): str(v).strip() for k, v in mapping.items()}
        with self.read() as conn:
            scope.authorize(conn, actor, "manage_settings")
            tree = reference.region_tree(conn)
        leaves = {r.code for r in tree.leaves()}
        problems = []
        for code in sorted(clean):
            if code not in tree:
                problems.append(_group_problem("unknown_code", code))
            elif code not in leaves:
                problems.append(_group_problem("not_reporting", code))
            if not clean[code]:
                problems.append(_group_problem("no_group_name", code))
        if problems:
            raise StoreError(problems)
        value = json.dumps(dict(sorted(clean.items())), ensure_ascii=False, sort_keys=True)

        def work(conn: Connection) -> None:
            if reference.get_setting(conn, ADMIN_GROUPS_SETTING) != value:
                reference.set_setting(conn, actor, ADMIN_GROUPS_SETTING, value)

        self._write(actor, work, lambda c: scope.authorize(c, actor, "manage_settings"))
        return len(clean)

    def peer_comparison(
        self,
        actor: str,
        period: int,
        region_code: str,
        kind: str,
        select: PeerSelector,
        compare: PeerComparer,
        shown_before: Sequence[PeerSelector] = (),
    ) -> PeerComparison:
        """The region's values in ``period`` beside those of its peers (``select`` names them,
        ``compare`` makes the per-indicator table), from approved values, disclosed as the module
        docstring says. ``shown_before``: the selectors of the groups of this kind of comparison
        shown to the viewer before this one (a restricted viewer's ranks among two groups that
        differ by 1 or 2 regions would tell how those regions did). The actor must be allowed to
        view the region (AccessDenied else)."""
        region = str(region_code)
        with self.read() as conn:
            user, tree = scope.actor_and_tree(conn, actor)
            access.require(user, "view", region, tree)
            full = reference.region_tree(conn)  # with the attributes (the access tree has none)
            groups = self._admin_groups(conn)
            chosen = select(full, groups, region) if region in full else ()
            peers = tuple(p for p in chosen if p != region and p in tree)
            codes = sorted({region, *peers})
            values = queries.values(conn, [int(period)], False, codes)
        named = all(access.allowed(user, "view", p, tree) for p in peers)
        table = compare(values, region, peers)
        if named:
            table = table.assign(peers_hidden=False)
            pv = values.loc[
                values["region_code"].astype(str).isin(peers), ["region_code", "indicator_code", "value"]
            ]
            return PeerComparison(kind, region, int(period), len(peers), bool(peers), True, peers, table, pv)
        before = [
            {p for p in other(full, groups, region) if p != region} if region in full else set()
            for other in shown_before
        ]
        shown = bool(peers) and disclosure.showable(user, tree, [*before, set(peers)])[-1]
        others = len(disclosure.others(user, tree, peers))
        if not shown:
            empty = table.iloc[0:0].assign(peers_hidden=pd.Series(dtype=bool))
            return PeerComparison(kind, region, int(period), others, False, False, (), empty)
        reporting = values.loc[values["region_code"].astype(str).isin(peers)]
        reporting = reporting.dropna(subset=["value"]) if "value" in reporting.columns else reporting
        per_indicator = reporting.groupby(reporting["indicator_code"].astype(str))["region_code"].agg(set)
        counts = table["indicator_code"].map(
            lambda c: len(disclosure.others(user, tree, per_indicator.get(c, set())))
        )
        hide = (counts < disclosure.MIN_OTHERS).to_numpy() & disclosure.restricted(user)
        present = [c for c in AGGREGATE_COLUMNS if c in table.columns]
        table = disclosure.suppress(table, present, hide, "peers_hidden")
        return PeerComparison(kind, region, int(period), others, True, False, (), table)
