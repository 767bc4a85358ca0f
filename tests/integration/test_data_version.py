"""The data version the page caches key on (``Store.data_version``, issue 20): it moves with every write
of data and not with a sign-in, a failed sign-in, a sign-out or a download, so that users signing in do
not throw away every server process's cached assessments. Both databases."""

from __future__ import annotations

from assessment.store import Store
from tests.fixtures import EVALUATOR, OFFICIAL, upload


def test_sign_ins_and_downloads_leave_the_data_version_alone(store: Store) -> None:
    data, result = upload("990101", rows={"S01.1": (90.0, None, None)})
    first = store.import_upload(OFFICIAL, data, "990101.xlsx", result)
    before = store.data_version()
    assert before > 0
    for action in ("sign_in", "sign_in_failed", "sign_out", "session_expired", "export"):
        store.audit(EVALUATOR, action, "user", EVALUATOR)
    assert store.data_version() == before
    newest = int(store.audit_log()["id"].max())
    assert newest > before  # the events were written, they just do not count as data
    store.review(EVALUATOR, first.submission_id, "approve")
    after = store.data_version()
    assert after > newest  # an approval is a write of data
    store.audit(EVALUATOR, "sign_in", "user", EVALUATOR)
    assert store.data_version() == after


def test_an_empty_database_has_version_zero(store: Store) -> None:
    fresh = store.audit_log()
    data_events = fresh[
        ~fresh["action"].isin(["sign_in", "sign_in_failed", "sign_out", "session_expired", "export"])
    ]
    assert store.data_version() == (int(data_events["id"].max()) if len(data_events) else 0)
