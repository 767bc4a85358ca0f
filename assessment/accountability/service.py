"""Record corrective actions against real gaps, and the accountability register of a jurisdiction.

Every function takes the acting user: the figures come from ``Store.values`` (refused outside the
actor's regions) and the actions from ``Store.actions`` (only the regions the actor reviews or
reports for), and writes go through ``Store.save_action``/``save_actions``, which check the
official's right in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from assessment.domain.actions import ActionDraft, Gap
from assessment.scoring import accountability as acc
from assessment.scoring.analysis import Assessment, assess
from assessment.scoring.incremental import rescored
from assessment.store import Store

__all__ = ["DUE_HORIZON", "Register", "record_action", "region_assessment", "region_gap", "register"]

DUE_HORIZON = 10  # a due period at most this many years after the gap's


def region_assessment(store: Store, actor: str, region: str) -> Assessment:
    """The approved figures of one region scored against its binding standards (every period)."""
    store.check_region(actor, region)
    tree = store.region_tree()
    values = store.values(actor, region_codes=tree.leaf_codes(region))
    return assess(
        values,
        store.edition_schedule(),
        tree,
        store.local_standards(),
        jurisdiction=region,
        local_indicators=store.local_indicators(),
    )


def region_gap(
    store: Store, actor: str, region: str, period: int, indicator: str, result: Assessment | None = None
) -> Gap | None:
    """The gap of one indicator of ``region`` in ``period`` (None when the approved figure has none).
    ``result``: an assessment already made for the actor that covers the region (else one is made)."""
    if result is None or not result.scores["region_code"].eq(region).any():  # no copy of the codes
        result = region_assessment(store, actor, region)
    return acc.find_gap(result.scores, result.edition_of(period), region, int(period), indicator)


def record_action(store: Store, actor: str, draft: ActionDraft, result: Assessment | None = None) -> int:
    """Record or change the action of a gap; refused (DataFileError, at the field) when the region,
    period and indicator show no gap, or the draft breaks a rule. Returns the action's id."""
    gap = region_gap(store, actor, draft.region_code, draft.period, draft.indicator_code, result)
    return store.save_action(actor, draft, gap, known_periods=DUE_HORIZON)


@dataclass(frozen=True)
class Register:
    """The accountability of a jurisdiction for one period (issue 17 point 2)."""

    jurisdiction: str
    period: int
    gaps: pd.DataFrame  # acc.GAP_COLUMNS of ``period`` + action_id, action status, review, outcome
    actions: pd.DataFrame  # every action of the jurisdiction, judged as of ``period``
    closure: pd.DataFrame  # per region (acc.closure)
    warnings: pd.DataFrame  # acc.early_warnings of ``period``

    @property
    def closure_total(self) -> dict[str, Any]:
        return acc.closure_total(self.closure)

    def counts(self) -> dict[str, int]:
        """The headline counts: gaps, with and without an action, plans to review (pending), due
        this period, overdue, escalated, closed by the data, early warnings."""
        g, a = self.gaps, self.actions
        live = a.loc[a["status"].ne("dropped")] if len(a) else a
        return {
            "gaps": len(g),
            "with_action": int(g["action_id"].notna().sum()) if len(g) else 0,
            "without_action": int(g["action_id"].isna().sum()) if len(g) else 0,
            "to_review": int(live["review"].eq("pending").sum()) if len(live) else 0,
            "due_now": int(a["due_now"].sum()) if len(a) else 0,
            "overdue": int(a["overdue"].sum()) if len(a) else 0,
            "escalated": int(a["outcome"].eq("escalated").sum()) if len(a) else 0,
            "closed_by_data": int(a["outcome"].eq("closed_by_data").sum()) if len(a) else 0,
            "reopened": int(a["outcome"].eq("reopened").sum()) if len(a) else 0,
            "warnings": len(self.warnings),
        }


def register(
    store: Store, actor: str, result: Assessment, period: int, region: str | None = None
) -> Register:
    """The register of ``result``'s jurisdiction (or of one ``region`` in it) for ``period``: the
    assessment must be scored against the binding standard (``basis="standard"``)."""
    code = region or result.jurisdiction
    scores = result.scores
    if region is not None:
        within = set(store.region_tree().leaf_codes(region)) | {region}
        scores = scores.loc[scores["region_code"].astype(str).isin(within).to_numpy()]
    actions = _actions(store, actor, code, period)
    return _assemble(
        code,
        int(period),
        acc.gaps(scores, period),
        acc.judge(actions, scores, int(period)),
        acc.closure(scores, period),
        acc.early_warnings(scores, result.trends, result.edition_of(period), period),
    )


def register_since(
    store: Store, actor: str, base: Register, result: Assessment, values: pd.DataFrame, changed: Iterable[str]
) -> Register | None:
    """The register of ``result``'s whole jurisdiction after the values of the counties ``changed``
    moved, from ``base`` (:func:`register` of ``result``, the same period) and ``values`` (the new
    values of those counties, every period), without rescoring the other counties (issue 20 point 2):
    the changed counties are scored again against the binding standard and their gap, closure and
    early-warning rows replace theirs in ``base``; every action (read again: one may have been
    saved since) is judged on the new scores of its county. None when only a full
    :func:`register` of a new assessment is right (``incremental.rescored`` says why).

    Its tables hold the rows and figures of a full :func:`register` of the new data, but the gap
    rows of the changed counties come last (the counts, the closure and the warnings are the same;
    tests/app/test_incremental_cache.py checks them against a full register)."""
    if base.jurisdiction != result.jurisdiction:
        return None
    found = rescored(result, values, changed)
    if found is None:
        return None
    counties, scores, trends = found
    period = base.period
    actions = _actions(store, actor, base.jurisdiction, period)
    if not counties:
        return _assemble(
            base.jurisdiction,
            period,
            base.gaps[list(acc.GAP_COLUMNS)],
            acc.judge(actions, result.scores, period),
            base.closure,
            base.warnings,
        )
    changed_set = set(counties)

    def others(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.loc[~frame["region_code"].astype(str).isin(changed_set).to_numpy()]

    mine = actions["region_code"].astype(str).isin(changed_set).to_numpy()
    judged = pd.concat(
        [
            acc.judge(actions.loc[~mine], result.scores, period),  # the other counties' scores stand
            acc.judge(actions.loc[mine], scores, period),
        ]
    ).sort_index()
    gap_rows = pd.concat(
        [others(base.gaps)[list(acc.GAP_COLUMNS)], acc.gaps(scores, period)], ignore_index=True
    )
    closure = pd.concat([others(base.closure), acc.closure(scores, period)], ignore_index=True)
    closure = closure.sort_values("region_code", kind="stable", ignore_index=True)
    warnings = pd.concat(
        [others(base.warnings), acc.early_warnings(scores, trends, result.edition_of(period), period)],
        ignore_index=True,
    )
    warnings = warnings.sort_values(["years_to_floor", "region_code", "indicator_code"], ignore_index=True)
    return _assemble(base.jurisdiction, period, gap_rows, judged.reset_index(drop=True), closure, warnings)


def _actions(store: Store, actor: str, code: str, period: int) -> pd.DataFrame:
    actions = store.actions(actor, jurisdiction=code)
    return actions.loc[actions["period"].to_numpy() <= int(period)].reset_index(drop=True)


def _assemble(
    code: str,
    period: int,
    gap_rows: pd.DataFrame,
    judged: pd.DataFrame,
    closure: pd.DataFrame,
    warnings: pd.DataFrame,
) -> Register:
    """A register from its parts: each gap row with the action of its period and the latest earlier
    one on the same indicator."""
    own = judged.loc[
        judged["period"].to_numpy() == int(period),
        ["region_code", "indicator_code", "id", "status", "review", "outcome", "due_period"],
    ]
    own = own.rename(columns={"id": "action_id", "status": "action_status"})
    gap_rows = gap_rows.merge(own, on=["region_code", "indicator_code"], how="left")
    gap_rows["action_id"] = gap_rows["action_id"].astype("Int64")
    gap_rows["due_period"] = gap_rows["due_period"].astype("Int64")
    # the latest earlier action on the same indicator: a gap that was closed and came back reopens
    # its history (outcome "reopened"); one never closed continues it ("escalated"...)
    earlier = judged.loc[judged["period"].to_numpy() < int(period)].sort_values("period")
    earlier = earlier.groupby(["region_code", "indicator_code"], as_index=False).last()
    earlier = earlier[["region_code", "indicator_code", "id", "outcome"]].rename(
        columns={"id": "earlier_action", "outcome": "earlier_outcome"}
    )
    gap_rows = gap_rows.merge(earlier, on=["region_code", "indicator_code"], how="left")
    gap_rows["earlier_action"] = gap_rows["earlier_action"].astype("Int64")
    return Register(code, int(period), gap_rows, judged, closure, warnings)
