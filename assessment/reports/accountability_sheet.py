"""The accountability sheet (整改跟踪 / Accountability) of the evaluation workbook (issue 17 point 2).

Three blocks, from the report's own figures and the corrective actions its reader sees
(``ReportData.actions``), judged as of the report period by :mod:`assessment.scoring.accountability`:

1. per region (and a total row): the gaps of the period, with and without an action, plans awaiting
   review, actions due this period, overdue, escalated, closed by the data, reopened, early
   warnings, and last period's gaps closed in this one ("12 of 31, 39%");
2. every action on a gap of the period or before, with its status, review, due period and what the
   data say of it (closed by the data in which period, escalated...);
3. the early-warning list (监测预警): indicators still meeting the national floor whose latest
   yearly change, kept up, takes them below it before the next period.

Pure tables (:func:`accountability_tables`) then one sheet (:func:`accountability_sheet`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.domain.actions import OUTCOMES, STATUSES
from assessment.domain.i18n import t
from assessment.reports.context import ReportData, label_map
from assessment.reports.layout import Report, status_table_sheet
from assessment.reports.workbook import FMT_COUNT, FMT_MONEY, FMT_SHARE, FMT_VALUE, Column
from assessment.scoring import accountability as acc
from assessment.scoring.trends import trends
from assessment.store.actions import ACTION_COLUMNS

__all__ = ["COUNT_KEYS", "accountability_sheet", "accountability_tables", "sheet_name"]

COUNT_KEYS = (
    "gaps",
    "with_action",
    "without_action",
    "to_review",
    "due_now",
    "overdue",
    "escalated",
    "closed_by_data",
    "reopened",
    "warnings",
    "gaps_before",
    "closed",
    "share_closed",
)


def sheet_name(lang: str) -> str:
    return t("actions_sheet.eval.sheet", lang)


def _actions(data: ReportData) -> pd.DataFrame:
    """The actions of the regions scored, up to the report period, judged as of it."""
    actions = data.actions if data.actions is not None else pd.DataFrame(columns=ACTION_COLUMNS)
    codes = set(data.scores_all["region_code"].astype(str).unique())
    keep = actions["region_code"].astype(str).isin(codes).to_numpy() & (
        pd.to_numeric(actions["period"]).to_numpy() <= data.period
    )
    actions = actions.loc[keep].reset_index(drop=True)
    for column in ("period", "due_period"):
        actions[column] = actions[column].astype("int64")
    return acc.judge(actions, data.scores_all, data.period)


def accountability_tables(data: ReportData) -> dict[str, pd.DataFrame]:
    """``counts`` (per region + total), ``actions`` (judged) and ``warnings`` of the report period."""
    judged = _actions(data)
    gaps = acc.gaps(data.scores_all, data.period)
    now = judged.loc[judged["period"].to_numpy() == data.period]
    with_action = set(zip(now["region_code"].astype(str), now["indicator_code"].astype(str), strict=True))
    gaps = gaps.assign(
        has_action=[
            (r, i) in with_action for r, i in zip(gaps["region_code"], gaps["indicator_code"], strict=True)
        ]
    )
    warnings = acc.early_warnings(
        data.scores_all, trends(data.scores_all, data.edition), data.edition, data.period
    )
    closure = acc.closure(data.scores_all, data.period)
    regions = data.regions
    leaves = sorted(
        set(data.scores["region_code"].astype(str).unique()),
        key=lambda c: int(regions.set_index("region_code")["order"].get(c, 0)),
    )
    live = judged.loc[judged["status"].astype(str).ne("dropped").to_numpy()]
    rows = []
    for code in leaves:
        g = gaps.loc[gaps["region_code"].to_numpy() == code]
        a = judged.loc[judged["region_code"].astype(str).to_numpy() == code]
        lv = live.loc[live["region_code"].astype(str).to_numpy() == code]
        c = closure.loc[closure["region_code"].astype(str).to_numpy() == code]
        rows.append(
            {
                "region_code": code,
                "region": data.name(code),
                "gaps": len(g),
                "with_action": int(g["has_action"].sum()),
                "without_action": int((~g["has_action"]).sum()),
                "to_review": int(lv["review"].eq("pending").sum()),
                "due_now": int(a["due_now"].sum()),
                "overdue": int(a["overdue"].sum()),
                "escalated": int(a["outcome"].eq("escalated").sum()),
                "closed_by_data": int(a["outcome"].eq("closed_by_data").sum()),
                "reopened": int(a["outcome"].eq("reopened").sum()),
                "warnings": int((warnings["region_code"] == code).sum()),
                "gaps_before": int(c["gaps_before"].sum()) - int(c["not_reported"].sum()) if len(c) else 0,
                "closed": int(c["closed"].sum()) if len(c) else 0,
            }
        )
    counts = pd.DataFrame(rows, columns=["region_code", "region", *COUNT_KEYS[:-1]])
    if len(counts):
        total = {k: int(counts[k].sum()) for k in COUNT_KEYS[:-1]}
        counts = pd.concat(
            [
                counts,
                pd.DataFrame(
                    [{"region_code": "", "region": t("actions_sheet.eval.total", data.lang), **total}]
                ),
            ],
            ignore_index=True,
        )
    before = counts["gaps_before"].to_numpy(dtype="float64") if len(counts) else np.array([])
    closed = counts["closed"].to_numpy(dtype="float64") if len(counts) else np.array([])
    counts["share_closed"] = np.where(before > 0, closed / np.where(before > 0, before, 1), np.nan)
    ind = data.indicators.set_index("indicator_code")["name"]
    lang = data.lang
    judged = judged.assign(
        region=judged["region_code"].astype(str).map(data.name),
        indicator=judged["indicator_code"].astype(str).map(ind).astype("string"),
        gap_kind=label_map(judged["gap_kind"], "actions.gap", acc.GAP_STATUSES, lang),
        status=label_map(judged["status"], "actions.status", STATUSES, lang),
        review=label_map(judged["review"], "actions.review", ("pending", "accepted", "returned"), lang),
        outcome_key=judged["outcome"].astype("string"),
        outcome=label_map(judged["outcome"], "actions.outcome", OUTCOMES, lang),
    ).sort_values(["period", "region_code", "indicator_code"], ignore_index=True)
    warnings = warnings.assign(
        region=warnings["region_code"].astype(str).map(data.name),
        indicator=warnings["indicator_code"].astype(str).map(ind).astype("string"),
    )
    return {"counts": counts, "actions": judged, "warnings": warnings}


def _col(key: str, lang: str, fmt: str | None = None, width: float = 10.0, wrap: bool = False) -> Column:
    return Column(key, t(f"actions_sheet.eval.col.{key}", lang), fmt, width, wrap)


def accountability_sheet(report: Report) -> None:
    """Write the accountability sheet of an evaluation workbook (see the module docstring)."""
    data, lang = report.data, report.lang
    tables = accountability_tables(data)
    counts = [_col("region", lang, width=16), *(_col(k, lang, FMT_COUNT, 9) for k in COUNT_KEYS[:-1])]
    counts.append(_col("share_closed", lang, FMT_SHARE, 9))
    actions = [
        _col("region", lang, width=16),
        _col("indicator_code", lang, width=10),
        _col("indicator", lang, width=28, wrap=True),
        _col("period", lang, "0", 8),
        _col("gap_kind", lang, width=12),
        _col("status", lang, width=10),
        _col("review", lang, width=10),
        _col("due_period", lang, "0", 9),
        _col("outcome", lang, width=14),
        _col("closed_in", lang, "0", 9),
        _col("latest_value", lang, FMT_VALUE, 10),
        _col("measures", lang, width=36, wrap=True),
        _col("department", lang, width=16, wrap=True),
        _col("budget_total", lang, FMT_MONEY, 13),
    ]
    warnings = [
        _col("region", lang, width=16),
        _col("indicator_code", lang, width=10),
        _col("indicator", lang, width=28, wrap=True),
        _col("value", lang, FMT_VALUE, 10),
        _col("national_floor", lang, FMT_VALUE, 10),
        _col("change_per_year", lang, FMT_VALUE, 10),
        _col("projected", lang, FMT_VALUE, 10),
        _col("years_to_floor", lang, "0.0", 9),
    ]
    notes = [
        t("actions_sheet.eval.counts", lang, period=data.period) + ("。" if lang == "zh" else "."),
        t("actions_sheet.eval.note", lang, period=data.period),
    ]
    # the action list and the early warnings get a sheet of their own when there is any
    if not len(tables["actions"]):
        notes.append(t("actions_sheet.eval.none", lang))
    if not len(tables["warnings"]):
        notes.append(t("actions_sheet.eval.no_warnings", lang))
    status_table_sheet(
        report, sheet_name(lang), tables["counts"], counts, [], freeze="B", note=" ".join(notes)
    )
    for key, frame, columns, heading in (
        ("sheet_actions", tables["actions"], actions, "actions"),
        ("sheet_warnings", tables["warnings"], warnings, "warnings"),
    ):
        if len(frame):
            status_table_sheet(
                report,
                t(f"actions_sheet.eval.{key}", lang),
                frame,
                columns,
                [],
                freeze="D",
                note=t(f"actions_sheet.eval.{heading}", lang, period=data.period),
            )


def sheet_names(lang: str) -> list[str]:
    """The names of the three accountability sheets, in order."""
    return [
        sheet_name(lang),
        t("actions_sheet.eval.sheet_actions", lang),
        t("actions_sheet.eval.sheet_warnings", lang),
    ]


def _pad(widths: list[float], n: int) -> list[float]:
    return (widths + [0.0] * n)[:n]
