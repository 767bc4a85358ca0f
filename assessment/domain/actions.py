"""Corrective actions (issue 17, DESIGN 3): the rules of a plan to close a gap, without a database.

A **gap** is an indicator of a region and period whose approved figure is below the national floor
(``below_floor``) or meets the floor but misses the binding local standard (``below_local``). For each
gap the region's official records one **corrective action**: the measures, the responsible department
(pre-filled with the item's lead department), the budget in yuan split central/local (pre-filled by
the item's expenditure responsibility where the catalogue knows it), the period by which the gap will
close (``due_period``, not before the gap's period) and a status::

    planned --> in_progress --> done
       \\            \\
        +------------+--> dropped (with a reason; final)

A change may move one step forward, stay, or step back from ``done`` to ``in_progress`` (the data
showed the gap is still open); skipping a step (``planned`` -> ``done``) is refused, and ``dropped``
is final. The evaluators of the region's jurisdiction review each plan: ``pending`` -> ``accepted``
or ``returned`` (with a comment). When the official changes a plan's substance (measures, department,
budget, due period) it goes back to ``pending``.

What the data decide (``closed_by_data``, ``escalated``, ``reopened``) is not stored: it is worked
out on every read from the approved figures (:mod:`assessment.scoring.accountability`), so it never
goes stale. This module holds the vocabulary and the checks of one draft; every refusal is a
:class:`~assessment.domain.errors.Problem` naming the field, in Chinese and English.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.domain.i18n import t

__all__ = [
    "GAP_KINDS",
    "OUTCOMES",
    "REVIEW_STATES",
    "STATUSES",
    "TEXT_MAX",
    "ActionDraft",
    "Gap",
    "action_problem",
    "check_draft",
    "check_transition",
    "split_budget",
]

STATUSES = ("planned", "in_progress", "done", "dropped")
REVIEW_STATES = ("pending", "accepted", "returned")
GAP_KINDS = ("below_floor", "below_local")
# what the approved data say of an action (computed, never stored; see scoring.accountability)
OUTCOMES = ("open", "closed_by_data", "escalated", "awaiting_data", "reopened", "dropped")
TEXT_MAX = 2000  # characters of the measures, a reason or a comment
DEPARTMENT_MAX = 200
BUDGET_MAX = 1e13  # yuan: ten trillion, far above any county's budget (a typo guard)
# the steps a status may take (staying put is always allowed)
_NEXT = {
    "planned": {"in_progress", "dropped"},
    "in_progress": {"done", "dropped"},
    "done": {"in_progress"},
    "dropped": set(),
}


@dataclass(frozen=True)
class Gap:
    """A gap as the approved data show it: what an action is recorded against."""

    region_code: str
    period: int
    indicator_code: str
    kind: str  # one of GAP_KINDS
    value: float
    threshold: float  # the floor (below_floor) or the binding standard (below_local)
    lead_department: str = ""
    central_share: float | None = None  # of the item's cost borne by central finance, where known


@dataclass(frozen=True)
class ActionDraft:
    """What an official types for a gap (one action per region, period and indicator)."""

    region_code: str
    period: int
    indicator_code: str
    measures: str
    department: str
    due_period: int
    budget_total: float | None = None
    budget_central: float | None = None
    budget_local: float | None = None
    status: str = "planned"
    reason: str = ""  # why it was dropped (required for ``dropped``)


def action_problem(key: str, *, field: str = "", value: object = "", **fmt: object) -> Problem:
    """A Problem whose texts come from ``actions.error.<key>`` (``locales/actions.toml``), placed at
    ``field`` (shown as the column)."""
    column = f"{t(f'actions.field.{field}', 'zh')} {field}" if field else ""
    return localized_problem(f"actions.error.{key}", {"value": value, **fmt}, column=column, value=str(value))


def _number(value: object) -> float | None:
    """None for an empty value, NaN for one that is not a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def split_budget(
    total: float | None, central: float | None, local: float | None, central_share: float | None
) -> tuple[float | None, float | None, float | None]:
    """Fill in what is missing of (total, central, local): the total from the two parts, a part from
    the total and the other part, or both parts from the total and the item's central share."""
    if total is None and central is not None and local is not None:
        total = central + local
    if total is not None:
        if central is None and local is not None:
            central = total - local
        elif local is None and central is not None:
            local = total - central
        elif central is None and local is None and central_share is not None:
            central = round(total * central_share, 2)
            local = round(total - central, 2)
    return total, central, local


def check_draft(draft: ActionDraft, gap: Gap | None, *, known_periods: int | None = None) -> ActionDraft:
    """``draft`` cleaned (text stripped, budget split filled in), or DataFileError with every problem
    at its field. ``gap`` None: the region, period and indicator name no gap (refused)."""
    problems: list[Problem] = []
    if gap is None:
        problems.append(
            action_problem(
                "no_gap",
                field="indicator_code",
                value=draft.indicator_code,
                indicator=draft.indicator_code,
                region=draft.region_code,
                period=draft.period,
            )
        )
    measures = (draft.measures or "").strip()
    department = (draft.department or "").strip()
    reason = (draft.reason or "").strip()
    if not measures:
        problems.append(action_problem("measures_required", field="measures"))
    if len(measures) > TEXT_MAX:
        problems.append(
            action_problem("text_too_long", field="measures", limit=TEXT_MAX, length=len(measures))
        )
    if not department:
        problems.append(action_problem("department_required", field="department"))
    if len(department) > DEPARTMENT_MAX:
        problems.append(
            action_problem("text_too_long", field="department", limit=DEPARTMENT_MAX, length=len(department))
        )
    if len(reason) > TEXT_MAX:
        problems.append(action_problem("text_too_long", field="reason", limit=TEXT_MAX, length=len(reason)))
    if draft.status not in STATUSES:
        problems.append(
            action_problem("bad_status", field="status", value=draft.status, allowed=", ".join(STATUSES))
        )
    elif draft.status == "dropped" and not reason:
        problems.append(action_problem("reason_required", field="reason"))
    due = draft.due_period
    if not isinstance(due, int) or isinstance(due, bool):
        problems.append(action_problem("bad_due", field="due_period", value=due))
    elif due < int(draft.period):
        problems.append(
            action_problem("due_before_gap", field="due_period", value=due, due=due, period=draft.period)
        )
    elif known_periods is not None and due > int(draft.period) + known_periods:
        problems.append(
            action_problem(
                "due_too_far", field="due_period", value=due, due=due, limit=int(draft.period) + known_periods
            )
        )
    before_budget = len(problems)
    parts = {
        "budget_total": draft.budget_total,
        "budget_central": draft.budget_central,
        "budget_local": draft.budget_local,
    }
    clean: dict[str, float | None] = {}
    for field, raw in parts.items():
        number = _number(raw)
        if number is not None and (math.isnan(number) or math.isinf(number)):
            problems.append(action_problem("budget_not_number", field=field, value=raw))
            number = None
        elif number is not None and number < 0:
            problems.append(action_problem("budget_negative", field=field, value=raw))
        elif number is not None and number > BUDGET_MAX:
            problems.append(action_problem("budget_too_large", field=field, value=raw))
        clean[field] = number
    if len(problems) > before_budget:  # no split check on amounts already refused
        raise DataFileError(problems)
    share = gap.central_share if gap is not None else None
    total, central, local = split_budget(
        clean["budget_total"], clean["budget_central"], clean["budget_local"], share
    )
    if (
        total is not None
        and central is not None
        and local is not None
        and abs(central + local - total) > 0.005
    ):
        problems.append(
            action_problem(
                "budget_split", field="budget_total", value=total, total=total, central=central, local=local
            )
        )
    for field, number in (("budget_central", central), ("budget_local", local)):
        if number is not None and number < 0 and clean[field] is None:  # a derived part came out negative
            problems.append(
                action_problem(
                    "budget_split", field=field, value=number, total=total, central=central, local=local
                )
            )
    if problems:
        raise DataFileError(problems)
    return replace(
        draft,
        measures=measures,
        department=department,
        reason=reason,
        budget_total=total,
        budget_central=central,
        budget_local=local,
    )


def check_transition(old: str, new: str) -> Problem | None:
    """None when ``old`` -> ``new`` is allowed (see the module docstring), else the refusal."""
    if new not in STATUSES:
        return action_problem("bad_status", field="status", value=new, allowed=", ".join(STATUSES))
    if new == old or new in _NEXT.get(old, set()):
        return None
    key = "status_final" if old == "dropped" else "status_skip"
    return action_problem(key, field="status", value=new, old=old, new=new)
