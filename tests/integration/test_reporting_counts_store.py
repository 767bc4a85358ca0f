"""The reporting counts (issue 16, point 7) of real versions: submitted, approved, returned,
superseded and late, read back through Store.completeness (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assessment.domain.reporting_status import reporting_counts
from assessment.store import Store
from assessment.views.review import completeness_counts
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, PERIOD, upload

DEADLINE = datetime(2025, 3, 31, tzinfo=UTC)
ON_TIME, LATE = DEADLINE - timedelta(days=5), DEADLINE + timedelta(days=2)


def _up(store: Store, region: str, n: int, when: datetime, period: int = PERIOD) -> int:
    data, result = upload(region, period, rows={"S01.1": (float(n), None, None)}, salt=f"{region}{n}")
    return store.import_upload(OFFICIAL, data, f"{region}-{n}.xlsx", result, now=when).submission_id


def test_counts_of_submitted_approved_returned_superseded_and_late_versions(store: Store) -> None:
    store.set_deadline(ADMIN, PERIOD, DEADLINE)
    store.review(EVALUATOR, _up(store, "990101", 1, ON_TIME), "approve")  # approved
    store.review(EVALUATOR, _up(store, "990102", 1, ON_TIME), "approve")
    _up(store, "990102", 2, LATE)  # a correction after the deadline: approved and pending, not late
    store.review(EVALUATOR, _up(store, "990103", 1, LATE), "return", "fix it")  # late, returned
    store.review(EVALUATOR, _up(store, "990104", 1, ON_TIME), "return", "fix it")
    _up(store, "990104", 2, LATE)  # the returned version superseded: pending
    _up(store, "990201", 1, LATE)  # superseded before any review
    store.review(EVALUATOR, _up(store, "990201", 2, LATE), "approve")  # late, approved
    _up(store, "990202", 1, ON_TIME, period=PERIOD - 1)  # reported another period only

    comp = store.completeness(EVALUATOR, PERIOD)
    counts = reporting_counts(comp)
    assert counts.as_dict() == {
        "expected": 6,
        "reported": 5,
        "approved": 3,
        "pending": 2,
        "returned": 1,
        "late": 2,
        "not_reported": 1,
        "never_reported": 0,
        "scored": None,
    }
    # the review page's metrics are the same numbers
    shown = ("reported", "approved", "pending", "returned", "late", "not_reported")
    assert completeness_counts(comp) == {k: v for k, v in counts.as_dict().items() if k in shown}
    # within a prefecture
    jia = reporting_counts(store.completeness(EVALUATOR, PERIOD, jurisdiction="990100"))
    assert (jia.expected, jia.reported, jia.approved, jia.pending, jia.late) == (4, 4, 2, 2, 1)
