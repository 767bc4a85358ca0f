"""Seed the fictional demo province into a store (``python -m assessment demo``).

In ONE transaction (a failed seed leaves the database as it was):

1. the demo region tree (:func:`assessment.demo.demo_tree`) and the catalogue edition;
2. the demo's higher local standards (:func:`assessment.demo.demo_local_standards`);
3. a reporting deadline per demo period: 31 March of the following year, 24:00 Beijing time;
4. every ``sample_reports/*.xlsx`` read through :func:`assessment.intake.ingest.read_upload` and imported,
   with upload times spread before the deadline, and a few after it (late reporters);
5. reviews a week after each upload: everything approved except, in the latest period, the
   suspicious county's report (returned, reason ``implausible``) and three reports left pending, so
   the review queue has work;
6. the setting ``demo = 1`` (the access-control issue reads it) and an audit event ``demo.seed``.

Uploads and reviews are replayed in time order, so the audit trail reads chronologically. Seeding an
already seeded database with ``force`` adds nothing twice: identical files are not re-imported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assessment.auth.signin import seed_demo_accounts
from assessment.domain.errors import Problem
from assessment.store import audit, reference, standards, submissions, workflow
from assessment.store.errors import refuse

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from assessment.domain.model import Edition, LocalStandard, RegionTree
    from assessment.store.service import Store

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_reports"
LATE = {2022: ("990323",), 2023: ("990124",), 2024: ("990222", "990323")}
PENDING = ("990223", "990325", "990381")
RETURNED = {
    "990123": (
        "implausible",
        "多个数值恰好等于国家底线，且有一处分母大于常住人口，请核实后重报。 / "
        "Many values sit exactly at the national floor and one denominator exceeds the resident "
        "population: please check and upload again.",
    )
}


@dataclass(frozen=True)
class DemoSummary:
    """What seeding did."""

    regions: int
    standards: int
    submissions: int
    approved: int
    pending: int
    returned: int
    rejected: tuple[str, ...] = field(default=())  # sample files the validator refused (should be none)
    problems: tuple[Problem, ...] = field(default=())


def deadline_for(period: int) -> datetime:
    """The demo reporting deadline of ``period``: 31 March of the next year, midnight in Beijing."""
    return datetime(period + 1, 3, 31, 16, 0, tzinfo=UTC)


def _spread(region: str, period: int) -> timedelta:
    """A deterministic offset from the deadline for one report (negative = early)."""
    h = int(hashlib.sha256(f"{region}/{period}".encode()).hexdigest()[:8], 16)
    if region in LATE.get(period, ()):
        return timedelta(days=2 + h % 18, hours=h % 9)
    return -timedelta(days=3 + h % 40, hours=h % 11)


def _sample_files(folder: Path) -> list[tuple[str, int, Path]]:
    out = []
    for path in sorted(folder.glob("*.xlsx")):
        region, _, period = path.stem.partition("_")
        if region.isdigit() and period.isdigit():
            out.append((region, int(period), path))
    return out


def save_reference(
    conn: Connection,
    actor: str,
    tree: RegionTree,
    boundaries: dict[str, Any],
    boundaries_source: str,
    edition: Edition,
    local: Sequence[LocalStandard],
    periods: Iterable[int],
) -> None:
    """A demo's reference data in the open transaction: the region tree, boundaries, edition, its
    local standards (those not already in force) and a reporting deadline per period."""
    reference.save_region_tree(conn, actor, tree)
    reference.save_boundaries(conn, actor, boundaries, boundaries_source)
    reference.register_edition(conn, actor, edition)
    in_force = set(standards.in_force(conn))
    for std in local:
        if std not in in_force:
            standards.set_standard(conn, actor, std, edition, tree)
    for period in periods:
        reference.set_deadline(conn, actor, period, deadline_for(period))


def real_accounts(store: Store) -> list[str]:
    """The accounts of ``store`` that are neither the built-in ``system`` nor a demo sign-in."""
    from assessment.auth.signin import ALL_DEMO_ACCOUNTS, SYSTEM_USER

    demo = {a.username for a in ALL_DEMO_ACCOUNTS} | {SYSTEM_USER}
    return sorted(u.username for u in store.users() if u.username not in demo)


def guard_real_data(store: Store, *, force: bool) -> None:
    """Refuse to seed demo data into a database that holds anything real (issue 15): an account
    that is not a demo sign-in, whatever the order of commands; and, with ``force``, any data in a
    database that was not seeded as a demo."""
    found = real_accounts(store)
    if found:
        raise refuse("demo_real_accounts", count=len(found), names=", ".join(found[:5]))
    if force and not store.is_demo() and not store.is_empty():
        raise refuse("demo_real_data")


def seed_demo(
    store: Store, actor: str = "system", *, force: bool = False, sample_dir: Path | None = None
) -> DemoSummary:
    """Seed the demo province (:func:`seed_demo_data`) and its one-click demo sign-ins
    (:func:`assessment.auth.signin.seed_demo_accounts`) into ``store``."""
    from assessment.demo.actions import seed_demo_actions

    summary = seed_demo_data(store, actor, force=force, sample_dir=sample_dir)
    seed_demo_accounts(store, actor)
    seed_demo_actions(store, actor)
    return summary


def seed_demo_data(
    store: Store, actor: str = "system", *, force: bool = False, sample_dir: Path | None = None
) -> DemoSummary:
    """Seed the demo province into ``store``; refuses a non-empty database unless ``force``."""
    from assessment.catalogue import load_edition, shipped_schedule
    from assessment.catalogue.boundaries import parse_boundaries
    from assessment.demo import DEMO_DIR, DEMO_PERIODS, demo_local_standards, demo_tree
    from assessment.domain.editions import edition_chooser
    from assessment.intake.ingest import read_upload

    guard_real_data(store, force=force)
    if not force and not store.is_empty():
        raise refuse("demo_not_empty", url=store.engine.url.render_as_string(hide_password=True))
    edition = load_edition()
    tree = demo_tree()
    local = demo_local_standards(edition)
    # each sample file is checked against the edition in force for its period
    choose = edition_chooser(shipped_schedule(), (), tree)
    geojson = DEMO_DIR / "boundaries.geojson"
    boundaries = parse_boundaries(geojson.read_bytes(), geojson.name, tree).geometries
    files = _sample_files(sample_dir or SAMPLE_DIR)
    if not files:
        raise refuse("demo_no_samples", folder=str(sample_dir or SAMPLE_DIR))
    latest = max(period for _, period, _ in files)

    def work(conn):  # type: ignore[no-untyped-def]
        from assessment.store import users

        users.require(conn, actor)
        save_reference(
            conn,
            actor,
            tree,
            boundaries,
            "assessment/demo/boundaries.geojson",
            edition,
            local,
            sorted({*DEMO_PERIODS, *(p for _, p, _ in files)}),
        )
        rejected: list[str] = []
        problems: list[Problem] = []
        events = []
        for region, period, path in files:
            at = deadline_for(period) + _spread(region, period)
            events.append((at, 0, region, period, path))
        counts = {"approved": 0, "submitted": 0, "returned": 0}
        ids: dict[tuple[str, int], int] = {}
        for at, _, region, period, path in sorted(events):
            data = path.read_bytes()
            result = read_upload(
                data,
                path.name,
                edition=choose,
                tree=tree,
                local_standards=local,
                expected_region=region,
                expected_period=period,
            )
            if not result.ok:
                rejected.append(path.name)
                problems.extend(result.errors[:5])
                continue
            outcome = submissions.import_upload(conn, actor, data, path.name, result, now=at)
            if outcome.created:
                ids[(region, period)] = outcome.submission_id
        reviews = sorted(
            (deadline_for(p) + _spread(r, p) + timedelta(days=7), r, p, sid) for (r, p), sid in ids.items()
        )
        for at, region, period, sid in reviews:
            if period == latest and region in PENDING:
                continue
            if period == latest and region in RETURNED:
                reason, comment = RETURNED[region]
                workflow.decide(conn, actor, sid, "return", comment, reason, now=at)
            else:
                workflow.decide(conn, actor, sid, "approve", "", now=at)
        from assessment.store.queries import list_submissions

        listed = list_submissions(conn)
        for status in counts:
            counts[status] = int((listed["status"] == status).sum())
        reference.set_setting(conn, actor, "demo", "1")
        summary = DemoSummary(
            regions=len(tree),
            standards=len(standards.in_force(conn)),
            submissions=len(listed),
            approved=counts["approved"],
            pending=counts["submitted"],
            returned=counts["returned"],
            rejected=tuple(rejected),
            problems=tuple(problems),
        )
        audit.record(
            conn,
            [
                audit.event(
                    actor,
                    "demo.seed",
                    "database",
                    "demo",
                    details={k: v for k, v in summary.__dict__.items() if isinstance(v, int)},
                )
            ],
        )
        return summary

    return store._write(None, work)
