"""Seed the fictional national demo into a store (``python -m assessment demo --national``).

The country 示例国 Sample Country (900000) over four fictional provinces (``national/``, made by
``scripts/make_national_demo.py``), in ONE transaction like :func:`assessment.demo.seed.seed_demo_data`:

1. the national region tree, its boundaries and the catalogue edition;
2. the demo province's fictional local standards (示例省 and 示例甲市);
3. a reporting deadline per demo period;
4. the synthetic values of every reporting county (:func:`assessment.demo.scheduled_values`, the same
   figures the provincial demo has for 示例省's counties), written in memory as one tidy batch CSV per
   prefecture and period, read through :func:`assessment.intake.ingest.read_upload` and imported,
   uploads spread before the deadline;
5. every version approved a week after its upload;
6. the settings ``demo = 1`` and ``demo_kind = national`` and an audit event ``demo.seed``.

Then the demo sign-ins: the provincial demo's (``demo-province`` is 示例省's evaluator) and the
national evaluator ``demo-national``. Nothing here is real.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pandas as pd

from assessment.auth.signin import ALL_DEMO_ACCOUNTS, seed_demo_accounts
from assessment.demo.seed import DemoSummary, _spread, deadline_for, guard_real_data, save_reference
from assessment.domain.errors import Problem
from assessment.store import audit, reference, standards, submissions, workflow
from assessment.store.errors import refuse

if TYPE_CHECKING:
    from assessment.store.service import Store

BATCH_COLUMNS = ["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]


def batch_csv(values: pd.DataFrame, region_codes: list[str], period: int) -> bytes:
    """The tidy values of ``region_codes`` for ``period`` as batch CSV bytes (UTF-8 with BOM)."""
    v = values[values["region_code"].isin(region_codes) & (values["period"] == period)]
    out = v[BATCH_COLUMNS].copy()
    for col in ("numerator", "denominator"):
        whole = out[col].dropna()
        if (whole % 1 == 0).all():
            out[col] = out[col].astype("Int64")
    return out.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def seed_national_demo(store: Store, actor: str = "system", *, force: bool = False) -> DemoSummary:
    """Seed the national demo (:func:`seed_national_demo_data`) and its demo sign-ins."""
    summary = seed_national_demo_data(store, actor, force=force)
    seed_demo_accounts(store, actor, ALL_DEMO_ACCOUNTS)
    return summary


def seed_national_demo_data(store: Store, actor: str = "system", *, force: bool = False) -> DemoSummary:
    """Seed the fictional country into ``store``; refuses a non-empty database unless ``force``."""
    from assessment.catalogue import load_edition, shipped_schedule
    from assessment.catalogue.boundaries import parse_boundaries
    from assessment.demo import (
        DEMO_PERIODS,
        NATIONAL_DIR,
        national_local_standards,
        national_tree,
        scheduled_values,
    )
    from assessment.domain.editions import edition_chooser
    from assessment.intake.ingest import read_upload

    guard_real_data(store, force=force)
    if not force and not store.is_empty():
        raise refuse("demo_not_empty", url=store.engine.url.render_as_string(hide_password=True))
    edition = load_edition()
    tree = national_tree()
    local = national_local_standards(edition)
    geojson = NATIONAL_DIR / "boundaries.geojson"
    boundaries = parse_boundaries(geojson.read_bytes(), geojson.name, tree).geometries
    # each period on the edition in force for it: 2023 and 2024 carry the 2023 edition's new item
    schedule = shipped_schedule()
    values = scheduled_values(schedule, tree)
    choose = edition_chooser(schedule, (), tree)
    prefectures = [r.code for r in tree if r.level == "prefecture"]

    def work(conn):  # type: ignore[no-untyped-def]
        from assessment.store import users
        from assessment.store.queries import list_submissions

        users.require(conn, actor)
        save_reference(
            conn,
            actor,
            tree,
            boundaries,
            "assessment/demo/national/boundaries.geojson",
            edition,
            local,
            DEMO_PERIODS,
        )
        rejected: list[str] = []
        problems: list[Problem] = []
        approvals: list[tuple] = []
        uploads = sorted(
            (deadline_for(p) + _spread(code, p), code, p) for p in DEMO_PERIODS for code in prefectures
        )
        for at, code, period in uploads:
            counties = tree.leaf_codes(code)
            data = batch_csv(values, counties, period)
            name = f"batch_{code}_{period}.csv"
            result = read_upload(
                data,
                name,
                edition=choose,
                tree=tree,
                local_standards=local,
                expected_region=code,
                expected_period=period,
            )
            if not result.ok:
                rejected.append(name)
                problems.extend(result.errors[:5])
                continue
            outcome = submissions.import_upload(conn, actor, data, name, result, now=at)
            approvals += [(at + timedelta(days=7), i.id) for i in outcome.items if i.created]
        for at, sid in sorted(approvals):
            workflow.decide(conn, actor, sid, "approve", "", now=at)
        listed = list_submissions(conn)
        reference.set_setting(conn, actor, "demo", "1")
        reference.set_setting(conn, actor, "demo_kind", "national")
        summary = DemoSummary(
            regions=len(tree),
            standards=len(standards.in_force(conn)),
            submissions=len(listed),
            approved=int((listed["status"] == "approved").sum()),
            pending=int((listed["status"] == "submitted").sum()),
            returned=int((listed["status"] == "returned").sum()),
            rejected=tuple(rejected),
            problems=tuple(problems),
        )
        details = {k: v for k, v in summary.__dict__.items() if isinstance(v, int)}
        audit.record(conn, [audit.event(actor, "demo.seed", "database", "national-demo", details=details)])
        return summary

    return store._write(None, work)
