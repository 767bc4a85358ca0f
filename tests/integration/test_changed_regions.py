"""Which regions changed between two data versions (``Store.changed_regions``, issue 20 point 2):
the regions of imports, approvals and returns; nothing for sign-ins, queries or deadlines; None
(rescore everything) when anything an assessment is computed from changed otherwise. Both
databases."""

from __future__ import annotations

from datetime import datetime

from assessment.catalogue import load_edition
from assessment.domain.model import LocalStandard
from assessment.store import Store
from assessment.store.service_reads import MAX_CHANGED_REGIONS
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, upload


def _import(store: Store, region: str, value: float) -> int:
    data, result = upload(region, rows={"S01.1": (value, None, None)})
    return store.import_upload(OFFICIAL, data, f"{region}.xlsx", result).submission_id


def test_imports_approvals_and_returns_name_their_regions(store: Store) -> None:
    start = store.data_version()
    first = _import(store, "990101", 90.0)
    after_import = store.data_version()
    assert store.changed_regions(start, after_import) == frozenset({"990101"})
    second = _import(store, "990201", 80.0)
    store.review(EVALUATOR, first, "approve")
    store.review(EVALUATOR, second, "return", "请核对")
    now = store.data_version()
    assert store.changed_regions(start, now) == frozenset({"990101", "990201"})
    assert store.changed_regions(after_import, now) == frozenset({"990101", "990201"})
    assert store.changed_regions(now, now) == frozenset()
    assert store.changed_regions(now, start) is None  # backwards: nothing to build on


def test_events_that_change_no_score_leave_the_set_alone(store: Store) -> None:
    start = store.data_version()
    store.audit(EVALUATOR, "sign_in", "user", EVALUATOR)
    store.set_deadline(ADMIN, 2023, datetime(2024, 3, 31))
    moved = store.data_version()
    assert moved > start  # a deadline is a write of data (the review pages show it) ...
    assert store.changed_regions(start, moved) == frozenset()  # ... but no county's scores change
    sub = _import(store, "990102", 91.0)
    assert store.changed_regions(start, store.data_version()) == frozenset({"990102"})
    assert sub > 0


def test_a_standard_or_a_tree_change_asks_for_a_full_rescore(store: Store) -> None:
    start = store.data_version()
    _import(store, "990101", 90.0)
    store.set_local_standard(
        "system", LocalStandard("990000", "S01.1", 99.0, 2023, None, "test"), load_edition()
    )
    assert store.changed_regions(start, store.data_version()) is None
    later = store.data_version()
    store.save_region_tree("system", store.region_tree())
    assert store.changed_regions(later, store.data_version()) is None


def test_many_changed_regions_ask_for_a_full_rescore(store: Store) -> None:
    start = store.data_version()
    for i in range(MAX_CHANGED_REGIONS + 1):
        store.audit(EVALUATOR, "submission.import", "submission", i, region_code=f"R{i:04d}")
    assert store.changed_regions(start, store.data_version()) is None


def test_the_reference_version_moves_with_reference_data_not_with_approvals(store: Store) -> None:
    """The tree and the catalogue are cached by ``Store.reference_version``: an import, an approval,
    a deadline or a query leave it alone; a local standard or a region tree moves it."""
    ref = store.reference_version()
    sub = _import(store, "990101", 90.0)
    store.review(EVALUATOR, sub, "approve")
    store.set_deadline(ADMIN, 2023, datetime(2024, 3, 31))
    store.audit(EVALUATOR, "sign_in", "user", EVALUATOR)
    assert store.data_version() > ref
    assert store.reference_version() == ref
    store.set_local_standard(
        "system", LocalStandard("990000", "S01.1", 99.0, 2023, None, "t"), load_edition()
    )
    moved = store.reference_version()
    assert moved > ref and moved == store.data_version()
    store.save_region_tree("system", store.region_tree())
    assert store.reference_version() > moved
