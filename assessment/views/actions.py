"""Display tables of the corrective-actions page and panels (issue 17): pure pandas over a
:class:`~assessment.accountability.service.Register`.

Region and indicator names in the page's language, statuses, reviews and outcomes by their words
(``locales/actions.toml``), what the data say of an action as one sentence ("2024 年数值 95.1 达到标准
95，已由数据销号"), times in Beijing time. Codes stay in the ``*_code`` and ``id`` columns so that a
page can act on a selected row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd

from assessment.domain.actions import STATUSES, check_transition
from assessment.domain.errors import Problem
from assessment.domain.i18n import t
from assessment.domain.labels import MISSING, is_missing
from assessment.domain.model import Edition, RegionTree
from assessment.domain.timefmt import beijing_column
from assessment.views.analysis_common import region_names

__all__ = [
    "FIELDS",
    "TABS",
    "action_rows",
    "closure_line",
    "field_problems",
    "gap_rows",
    "history_rows",
    "indicator_labels",
    "next_statuses",
    "num",
    "outcome_text",
    "tab_rows",
    "warning_rows",
]

# the fields of the action form, in order (names of ActionDraft and of actions.field.*)
FIELDS = (
    "indicator_code",
    "measures",
    "department",
    "budget_total",
    "budget_central",
    "budget_local",
    "due_period",
    "status",
    "reason",
)
TABS = ("review", "due", "overdue", "escalated", "closed", "without", "warnings", "history")


def num(value: object) -> str:
    """A figure for a sentence: at most two decimals, no trailing zeros; "—" when missing.

    >>> num(95.10), num(650.0), num(90.195466), num(None)
    ('95.1', '650', '90.2', '—')
    """
    if is_missing(value):
        return MISSING
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return MISSING
    text = f"{number:,.2f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def indicator_labels(edition: Edition, lang: str) -> dict[str, str]:
    """``{indicator_code: "S05.1 name"}`` of ``edition`` in ``lang``."""
    return {i.code: f"{i.code} {i.name_zh if lang == 'zh' else i.name_en}" for i in edition.indicators}


def _word(family: str, code: object, lang: str) -> str:
    return MISSING if is_missing(code) else t(f"actions.{family}.{code}", lang)


def _shortfall(value: pd.Series, threshold: pd.Series) -> pd.Series:
    return (value.astype("float64") - threshold.astype("float64")).abs()


def gap_rows(
    gaps: pd.DataFrame, actions: pd.DataFrame, tree: RegionTree, edition: Edition, lang: str
) -> pd.DataFrame:
    """The gaps of a register (``Register.gaps``) for a table: region, indicator, gap kind, value,
    threshold, shortfall, the action's status, review and outcome, its due period, and the latest
    earlier action on the same indicator (from the judged ``actions``, ``Register.actions``);
    codes in ``region_code``, ``indicator_code``, ``action_id``. Below the floor first, then by
    region and indicator."""
    names, labels = region_names(tree, lang), indicator_labels(edition, lang)
    out = gaps.sort_values(["gap_kind", "region_code", "indicator_code"]).reset_index(drop=True)
    has_action = out["action_id"].notna()
    earlier = actions.set_index(actions["id"].astype("int64"))[["period", "closed_in", "outcome"]]
    shown = pd.DataFrame(
        {
            "region_code": out["region_code"].astype(str),
            "indicator_code": out["indicator_code"].astype(str),
            "action_id": out["action_id"],
            "region": out["region_code"].map(names).fillna(out["region_code"]),
            "indicator": out["indicator_code"].map(labels).fillna(out["indicator_code"]),
            "gap_kind": [_word("gap", k, lang) for k in out["gap_kind"]],
            "value": out["value"].astype("float64"),
            "threshold": out["threshold"].astype("float64"),
            "shortfall": _shortfall(out["value"], out["threshold"]),
            "status": [
                _word("status", s, lang) if ok else t("actions_ui.no_action", lang)
                for s, ok in zip(out["action_status"], has_action, strict=True)
            ],
            "review": [_word("review", r, lang) for r in out["review"]],
            "outcome": [_word("outcome", o, lang) for o in out["outcome"]],
            "due_period": out["due_period"],
            "earlier": [_earlier(a, earlier, lang) for a in out["earlier_action"]],
            "kind_code": out["gap_kind"].astype(str),
            "outcome_code": out["outcome"].astype("string"),
        }
    )
    return shown


def _earlier(action_id: object, earlier: pd.DataFrame, lang: str) -> str:
    """The latest earlier action on a gap's indicator, in words ("" when none)."""
    if is_missing(action_id) or int(action_id) not in earlier.index:  # type: ignore[call-overload]
        return ""
    row = earlier.loc[int(action_id)]  # type: ignore[call-overload]
    if row["outcome"] == "reopened":
        return t("actions_ui.earlier.reopened", lang, closed=row["closed_in"], id=int(action_id))  # type: ignore[call-overload]
    return t(
        "actions_ui.earlier.other",
        lang,
        period=row["period"],
        id=int(action_id),  # type: ignore[call-overload]
        outcome=_word("outcome", row["outcome"], lang),
    )


def outcome_text(row: Mapping[str, object], closed_value: object, lang: str) -> str:
    """One sentence of what the data say of a judged action (``row``: a row of ``Register.actions``);
    ``closed_value``: the figure of the period that closed it."""
    outcome = row.get("outcome")
    due = row.get("due_period")
    if outcome == "closed_by_data":
        key = "closed_late" if bool(row.get("closed_late")) else "closed_by_data"
        return t(
            f"actions_ui.outcome_text.{key}",
            lang,
            period=row.get("closed_in"),
            value=num(closed_value),
            threshold=num(row.get("gap_threshold")),
            due=due,
        )
    if outcome == "escalated":
        return t(
            "actions_ui.outcome_text.escalated",
            lang,
            due=due,
            period=row.get("latest_period"),
            value=num(row.get("latest_value")),
            threshold=num(row.get("gap_threshold")),
        )
    if outcome == "reopened":
        return t(
            "actions_ui.outcome_text.reopened",
            lang,
            closed=row.get("closed_in"),
            period=row.get("reopened_in"),
        )
    if outcome == "dropped":
        reason = row.get("reason")
        return t("actions_ui.outcome_text.dropped", lang, reason="" if is_missing(reason) else reason)
    if outcome in ("awaiting_data", "open"):
        return t(f"actions_ui.outcome_text.{outcome}", lang, due=due)
    return MISSING


def _closed_values(actions: pd.DataFrame, scores: pd.DataFrame) -> pd.Series:
    """The figure of the period that closed each action (NaN where none)."""
    if actions.empty or "closed_in" not in actions:
        return pd.Series(dtype="float64", index=actions.index)
    keys = pd.DataFrame(
        {
            "region_code": actions["region_code"].astype(str),
            "period": pd.to_numeric(actions["closed_in"], errors="coerce"),
            "indicator_code": actions["indicator_code"].astype(str),
        },
        index=actions.index,
    )
    figures = scores[["region_code", "period", "indicator_code", "value"]].assign(
        region_code=scores["region_code"].astype(str),
        indicator_code=scores["indicator_code"].astype(str),
        period=scores["period"].astype("float64"),
    )
    merged = keys.reset_index().merge(figures, on=["region_code", "period", "indicator_code"], how="left")
    return merged.drop_duplicates("index").set_index("index")["value"].reindex(actions.index)


def action_rows(
    actions: pd.DataFrame, scores: pd.DataFrame, tree: RegionTree, edition: Edition, lang: str
) -> pd.DataFrame:
    """Judged actions (``Register.actions``) for a table: id, region, gap period, indicator, measures,
    department, budget, due period, status, review, the reviewer's comment, the outcome and what the
    data say of it (``outcome_text``); codes in ``region_code``, ``indicator_code``,
    ``outcome_code``, ``review_code``, ``status_code``."""
    names, labels = region_names(tree, lang), indicator_labels(edition, lang)
    closed = _closed_values(actions, scores)
    records = actions.to_dict("records")
    return pd.DataFrame(
        {
            "id": actions["id"].astype("int64").to_numpy() if len(actions) else [],
            "region_code": actions["region_code"].astype(str).to_numpy(),
            "indicator_code": actions["indicator_code"].astype(str).to_numpy(),
            "region": actions["region_code"].astype(str).map(names).to_numpy(),
            "period": actions["period"].to_numpy(),
            "indicator": actions["indicator_code"]
            .astype(str)
            .map(labels)
            .fillna(actions["indicator_code"])
            .to_numpy(),
            "measures": actions["measures"].to_numpy(),
            "department": actions["department"].to_numpy(),
            "budget_total": pd.to_numeric(actions["budget_total"], errors="coerce").to_numpy(),
            "due_period": actions["due_period"].to_numpy(),
            "status": [_word("status", s, lang) for s in actions["status"]],
            "review": [_word("review", r, lang) for r in actions["review"]],
            "comment": ["" if is_missing(c) else str(c) for c in actions["review_comment"]],
            "outcome": [_word("outcome", o, lang) for o in actions["outcome"]],
            "outcome_text": [
                outcome_text(r, v, lang) for r, v in zip(records, closed.to_numpy(), strict=True)
            ],
            "status_code": actions["status"].astype(str).to_numpy(),
            "review_code": actions["review"].astype(str).to_numpy(),
            "outcome_code": actions["outcome"].astype(str).to_numpy(),
        }
    )


def tab_rows(rows: pd.DataFrame, judged: pd.DataFrame, tab: str) -> pd.DataFrame:
    """The rows of :func:`action_rows` ``rows`` (same index as the judged ``judged``) for one tab:
    ``review`` (plans awaiting review, not dropped), ``due`` (due this period), ``overdue``,
    ``escalated``, ``closed`` (closed by the data)."""
    if rows.empty:
        return rows
    masks = {
        "review": judged["review"].eq("pending") & judged["status"].ne("dropped"),
        "due": judged["due_now"].astype(bool),
        "overdue": judged["overdue"].astype(bool),
        "escalated": judged["outcome"].eq("escalated"),
        "closed": judged["outcome"].eq("closed_by_data"),
    }
    return rows.loc[masks[tab].to_numpy()].reset_index(drop=True)


def warning_rows(warnings: pd.DataFrame, tree: RegionTree, edition: Edition, lang: str) -> pd.DataFrame:
    """The early-warning list (监测预警) for a table: region, indicator, value, floor, yearly change,
    projected next value, years to the floor; nearest to the floor first (as the core sorts it)."""
    names, labels = region_names(tree, lang), indicator_labels(edition, lang)
    return pd.DataFrame(
        {
            "region_code": warnings["region_code"].astype(str).to_numpy(),
            "indicator_code": warnings["indicator_code"].astype(str).to_numpy(),
            "region": warnings["region_code"].astype(str).map(names).to_numpy(),
            "indicator": warnings["indicator_code"]
            .astype(str)
            .map(labels)
            .fillna(warnings["indicator_code"])
            .to_numpy(),
            "value": warnings["value"].astype("float64").to_numpy(),
            "floor": warnings["national_floor"].astype("float64").to_numpy(),
            "change_per_year": warnings["change_per_year"].astype("float64").to_numpy(),
            "projected": warnings["projected"].astype("float64").to_numpy(),
            "years_to_floor": warnings["years_to_floor"].astype("float64").to_numpy(),
        }
    )


def _details(details: object, lang: str) -> str:
    """An action event's details as one line: field names and status/review words in ``lang``."""
    if not isinstance(details, dict):
        return MISSING if is_missing(details) else str(details)
    sep, colon = ("；", "：") if lang == "zh" else ("; ", ": ")
    parts = []
    for key, value in details.items():
        if is_missing(value) or key in ("region_code", "period", "gap_kind", "gap_value", "gap_threshold"):
            continue
        if key in ("from", "to"):
            family = "status" if value in STATUSES else "review"
            text, name = _word(family, value, lang), t(f"actions_ui.detail.{key}", lang)
        elif key in ("status", "review"):
            text, name = _word(key, value, lang), t(f"actions.field.{key}", lang)
        else:
            name = t(f"actions.field.{key}", lang) if f"actions.field.{key}" in _FIELD_KEYS else key
            text = num(value) if isinstance(value, float) else str(value)
        parts.append(f"{name}{colon}{text}")
    return sep.join(parts) or MISSING


_FIELD_KEYS = {f"actions.field.{f}" for f in (*FIELDS, "region_code", "period", "review", "comment")}


def history_rows(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """``Store.action_history`` for a table: time (Beijing), who, the change, its details."""
    return pd.DataFrame(
        {
            "at": beijing_column(history["at"]).to_numpy(),
            "actor": [
                t("actions_ui.actor_system", lang) if a == "system" else str(a) for a in history["actor"]
            ],
            "event": [
                t(f"actions_ui.event.{str(a).removeprefix('action.')}", lang) for a in history["action"]
            ],
            "details": [_details(d, lang) for d in history["details"]],
        }
    )


def closure_line(total: Mapping[str, object], period: int, lang: str) -> str:
    """ "2023 年的差距到 2024 年已关闭：31 个中 12 个（39%）" from ``Register.closure_total``."""
    if total.get("before") is None or not total.get("comparable"):
        return t("actions_ui.closure_none", lang)
    share = total.get("share")
    shown = MISSING if is_missing(share) else f"{float(share):.0%}"  # type: ignore[arg-type]
    return t(
        "actions_ui.closure",
        lang,
        before=total["before"],
        period=period,
        comparable=total["comparable"],
        closed=total["closed"],
        share=shown,
    )


def next_statuses(current: str | None) -> list[str]:
    """The statuses an action may take from ``current`` (itself first); a new action: planned."""
    if current is None or current not in STATUSES:
        return ["planned"]
    return [current, *(s for s in STATUSES if s != current and check_transition(current, s) is None)]


def field_problems(problems: Iterable[Problem], lang: str) -> dict[str, list[str]]:
    """``{field: [message, ...]}`` of refusals placed at a form field (``Problem.column`` ends with
    the field's name); those at no field under ``""``."""
    out: dict[str, list[str]] = {}
    for problem in problems:
        words = problem.column.split()
        field = words[-1] if words and words[-1] in FIELDS else ""
        out.setdefault(field, []).append(problem.message(lang))
    return out
