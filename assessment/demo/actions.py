"""Corrective actions of the fictional demo province (issue 17), so that the accountability pages
show the whole loop on first start: actions planned on 2022 gaps and due in 2023 (some closed by the
2023 figures, others escalated), and on 2023 gaps due in 2024 (some awaiting review). The measures,
budgets and departments are invented for the demo (the departments are the items' lead departments
from the catalogue); nothing here is an official figure.
"""

from __future__ import annotations

import zlib
from dataclasses import replace

from assessment.domain.actions import ActionDraft, check_draft
from assessment.scoring import accountability as acc
from assessment.scoring.analysis import assess
from assessment.store import Store
from assessment.store import actions as act

__all__ = ["seed_demo_actions"]

# fictional measures by aspect (the first letter group of the indicator code is not the aspect, so
# the text is chosen by a stable hash of the indicator code)
MEASURES = (
    "增加基层服务人员编制，年内完成培训并上岗；按季度通报进度。",
    "将该项目纳入年度民生实事，安排专项资金，分片包干到乡镇。",
    "完善信息系统，按月核对服务对象名单，补齐漏登人员。",
    "与对口医院和学校建立帮扶机制，组织巡回服务进村入户。",
)


def _stable(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def seed_demo_actions(store: Store, actor: str = "system") -> int:
    """Record the demo's corrective actions; returns how many. Idempotent per gap (one action each)."""
    tree = store.region_tree()
    schedule = store.edition_schedule()
    values = store.values(actor)
    if values.empty:
        return 0
    result = assess(
        values, schedule, tree, store.local_standards(), local_indicators=store.local_indicators()
    )
    periods = sorted(result.periods)
    if len(periods) < 2:
        return 0
    drafts = []
    for n, period in enumerate(periods[:-1]):
        found = acc.gaps(result.scores, period)
        if found.empty:
            continue
        after = result.scores.loc[result.scores["period"].to_numpy() == periods[n + 1]]
        status_after = dict(
            zip(
                zip(after["region_code"].astype(str), after["indicator_code"].astype(str), strict=True),
                after["status"].astype(str),
                strict=True,
            )
        )
        found = found.assign(
            closes=[
                acc.closes(k, status_after.get((r, i), "no_data"))
                for r, i, k in zip(
                    found["region_code"], found["indicator_code"], found["gap_kind"], strict=True
                )
            ]
        )
        # one gap the next figures close and one they do not, where the county has both
        found = found.sort_values(
            ["region_code", "closes", "rel_gap_standard"], ascending=[True, False, True]
        )
        found = found.groupby(["region_code", "closes"], sort=False).head(1)
        for region, rows in found.groupby("region_code", sort=True):
            if _stable(f"{region}{period}") % 4 == 0:  # a quarter of the counties planned nothing
                continue
            for _, row in rows.head(2).iterrows():
                code = str(row["indicator_code"])
                gap = acc.find_gap(result.scores, result.edition_of(period), str(region), period, code)
                if gap is None:
                    continue
                key = _stable(f"{region}{period}{code}")
                latest = n == len(periods) - 2
                status = ("planned", "in_progress")[key % 2] if latest else ("in_progress", "done")[key % 2]
                draft = ActionDraft(
                    region_code=str(region),
                    period=int(period),
                    indicator_code=code,
                    measures=MEASURES[key % len(MEASURES)],
                    department=gap.lead_department or "县政府办公室",
                    due_period=int(period) + 1,
                    budget_total=float(50_000 * (1 + key % 12)),
                    status="planned",
                )
                drafts.append((check_draft(draft, gap), gap, status, latest and key % 3 == 0))

    with store.transaction() as conn:
        count = 0
        for draft, gap, status, leave_pending in drafts:
            if act.find(conn, draft.region_code, draft.period, draft.indicator_code) is not None:
                continue
            ident, _ = act.save(conn, actor, draft, gap)
            count += 1
            steps = {"planned": [], "in_progress": ["in_progress"], "done": ["in_progress", "done"]}[status]
            for step in steps:
                act.save(conn, actor, replace(draft, status=step), gap)
            if not leave_pending:
                act.review(conn, actor, act.get(conn, ident), "accepted", "")
    return count
