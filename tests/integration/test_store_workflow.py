"""Review workflow and completeness: transitions table, locks, reopen, deadlines (both databases)."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessment.store import REASON_CODES, Store, StoreError
from assessment.store.completeness import summary
from tests.fixtures import EVALUATOR, OFFICIAL, PERIOD, count_rows, prepare, upload


def _in_state(store: Store, status: str) -> int:
    """A submission id in ``status`` (region 990101, the test period)."""
    first = store.import_upload(OFFICIAL, *_file(1))
    if status == "approved":
        store.review(EVALUATOR, first.submission_id, "approve")
    elif status == "returned":
        store.review(EVALUATOR, first.submission_id, "return", "fix it")
    elif status == "superseded":
        store.import_upload(OFFICIAL, *_file(2))
    return first.submission_id


def _file(n: int, region: str = "990101", period: int = PERIOD) -> tuple[bytes, str, object]:
    data, result = upload(region, period, rows={"S01.1": (float(n), None, None)})
    return data, f"{region}-{n}.xlsx", result


def _act(store: Store, sub_id: int, decision: str):  # type: ignore[no-untyped-def]
    if decision == "reopen":
        return store.reopen(EVALUATOR, sub_id, "second look")
    return store.review(EVALUATOR, sub_id, decision, "comment")


TRANSITIONS = [
    ("submitted", "approve", "approved"),
    ("submitted", "return", "returned"),
    ("submitted", "reopen", "store.transition.submitted"),
    ("approved", "approve", "store.transition.approved"),
    ("approved", "return", "store.transition.approved"),
    ("approved", "reopen", "submitted"),
    ("returned", "approve", "store.transition.returned"),
    ("returned", "return", "store.transition.returned"),
    ("returned", "reopen", "submitted"),
    ("superseded", "approve", "store.transition.superseded"),
    ("superseded", "return", "store.transition.superseded"),
    ("superseded", "reopen", "store.transition.superseded"),
]


@pytest.mark.parametrize(("status", "decision", "expected"), TRANSITIONS)
def test_transitions(store: Store, status: str, decision: str, expected: str) -> None:
    sub_id = _in_state(store, status)
    if expected.startswith("store."):
        before = count_rows(store)
        with pytest.raises(StoreError) as err:
            _act(store, sub_id, decision)
        assert err.value.code == expected
        assert str(sub_id) in err.value.messages("en") and err.value.messages("zh")
        assert count_rows(store) == before
        assert store.submission(EVALUATOR, sub_id).status == status
    else:
        after = _act(store, sub_id, decision)
        assert after.status == expected
        assert (after.reviewed_by, after.review_comment) == (
            EVALUATOR,
            "second look" if decision == "reopen" else "comment",
        )
        history = store.reviews(EVALUATOR, sub_id)
        assert history.iloc[-1][["decision", "from_status", "to_status", "actor"]].tolist() == [
            decision,
            status,
            expected,
            EVALUATOR,
        ]


@pytest.mark.parametrize(
    ("decision", "comment", "reason", "code"),
    [
        ("return", "", None, "store.comment_required.return"),
        ("return", "   ", None, "store.comment_required.return"),
        ("return", "fix", "because", "store.bad_reason"),
        ("reject", "fix", None, "store.bad_decision"),
    ],
)
def test_review_input_is_checked(
    store: Store, decision: str, comment: str, reason: str | None, code: str
) -> None:
    sub_id = _in_state(store, "submitted")
    with pytest.raises(StoreError) as err:
        store.review(EVALUATOR, sub_id, decision, comment, reason)
    assert err.value.code == code
    assert store.submission(EVALUATOR, sub_id).status == "submitted"


def test_return_keeps_comment_and_reason(store: Store) -> None:
    sub_id = _in_state(store, "submitted")
    after = store.review(EVALUATOR, sub_id, "return", "S01.1 is over 100", "implausible")
    assert (after.status, after.review_comment, after.reason_code) == (
        "returned",
        "S01.1 is over 100",
        "implausible",
    )
    assert store.review(EVALUATOR, _other(store), "return", "again").reason_code == "other"
    assert "implausible" in REASON_CODES


def _other(store: Store) -> int:
    return store.import_upload(OFFICIAL, *_file(5, "990102")).submission_id


def test_reopen_needs_a_comment(store: Store) -> None:
    sub_id = _in_state(store, "approved")
    with pytest.raises(StoreError) as err:
        store.reopen(EVALUATOR, sub_id, "")
    assert err.value.code == "store.comment_required.reopen"
    assert store.submission(EVALUATOR, sub_id).locked


def test_approval_locks_and_a_new_upload_waits_beside_it(store: Store) -> None:
    v1 = _in_state(store, "approved")
    v2 = store.import_upload(OFFICIAL, *_file(2)).submission_id
    assert store.submission(EVALUATOR, v1).status == "approved"  # not superseded by a pending upload
    assert store.values(EVALUATOR)["submission_id"].tolist() == [v1]
    with pytest.raises(StoreError) as err:
        store.reopen(EVALUATOR, v1, "want to change it")
    assert err.value.code == "store.reopen_not_latest"
    store.review(EVALUATOR, v2, "return", "no")
    v3 = store.import_upload(OFFICIAL, *_file(3)).submission_id
    assert [store.submission(EVALUATOR, i).status for i in (v1, v2, v3)] == [
        "approved",
        "superseded",
        "submitted",
    ]
    store.review(EVALUATOR, v3, "approve")
    assert [store.submission(EVALUATOR, i).status for i in (v1, v2, v3)] == [
        "superseded",
        "superseded",
        "approved",
    ]
    assert store.submission(EVALUATOR, v1).superseded_by_id == v3
    assert store.values(EVALUATOR)["submission_id"].tolist() == [v3]


def test_unknown_submission_and_unknown_reviewer(store: Store) -> None:
    with pytest.raises(StoreError) as err:
        store.review(EVALUATOR, 999, "approve")
    assert err.value.code == "store.unknown_submission"
    sub_id = _in_state(store, "submitted")
    with pytest.raises(StoreError) as err:
        store.review("ghost", sub_id, "approve")
    assert err.value.code == "store.unknown_user"


def test_review_queue_lists_pending_oldest_first(store: Store) -> None:
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    a = store.import_upload(OFFICIAL, *_file(1, "990102"), now=t0 + timedelta(days=2)).submission_id
    b = store.import_upload(OFFICIAL, *_file(1, "990101"), now=t0).submission_id
    c = store.import_upload(OFFICIAL, *_file(1, "990103"), now=t0 + timedelta(days=1)).submission_id
    store.review(EVALUATOR, c, "approve")
    assert store.review_queue(EVALUATOR)["id"].tolist() == [b, a]


DEADLINE = datetime(2025, 3, 31, 16, 0, tzinfo=UTC)


def _reporting_history(store: Store) -> None:
    store.import_upload(OFFICIAL, *_file(1, "990101"), now=DEADLINE - timedelta(days=10))
    store.import_upload(
        OFFICIAL, *_file(2, "990101"), now=DEADLINE + timedelta(days=5)
    )  # correction: still on time
    store.import_upload(OFFICIAL, *_file(1, "990102"), now=DEADLINE + timedelta(days=2))
    store.import_upload(OFFICIAL, *_file(1, "990103", PERIOD - 1), now=DEADLINE - timedelta(days=400))
    store.import_upload(OFFICIAL, *_file(1, "990201"), now=DEADLINE - timedelta(days=1))


def test_completeness_against_a_deadline(store: Store) -> None:
    _reporting_history(store)
    done = store.completeness(EVALUATOR, PERIOD, DEADLINE).set_index("region_code")
    assert done["status"].to_dict() == {
        "990101": "reported",
        "990102": "late",
        "990103": "missing",
        "990104": "never_reported",
        "990201": "reported",
        "990202": "never_reported",
    }
    assert done.loc["990102", "days_late"] == pytest.approx(2.0)
    assert done.loc["990101", "latest_version"] == 2
    assert done.loc["990101", "first_uploaded_at"] == DEADLINE - timedelta(days=10)
    counts = summary(done.reset_index()).set_index("status")["count"].to_dict()
    assert counts == {"reported": 2, "late": 1, "missing": 1, "never_reported": 2}


def test_completeness_uses_the_stored_deadline_and_a_jurisdiction(store: Store) -> None:
    _reporting_history(store)
    assert set(store.completeness(EVALUATOR, PERIOD)["status"]) == {"reported", "missing", "never_reported"}
    store.set_deadline(EVALUATOR, PERIOD, DEADLINE)
    assert store.deadline(PERIOD) == DEADLINE
    south = store.completeness(EVALUATOR, PERIOD, jurisdiction="990200")
    assert south["region_code"].tolist() == ["990201", "990202"]
    assert "late" in set(store.completeness(EVALUATOR, PERIOD)["status"])


# -- invariants under any sequence of actions (SQLite, fresh file per example) ---------------------

ACTIONS = st.lists(
    st.tuples(st.sampled_from(["upload", "same", "approve", "return", "reopen"]), st.integers(0, 3)),
    min_size=1,
    max_size=12,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(actions=ACTIONS)
def test_workflow_invariants_hold_for_any_sequence(actions: list[tuple[str, int]]) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{Path(tmp) / 's.db'}") as store:
        prepare(store)
        n = 0
        for action, pick in actions:
            listed = store.submissions(EVALUATOR)
            try:
                if action == "upload" or listed.empty:
                    n += 1
                    store.import_upload(OFFICIAL, *_file(n))
                elif action == "same":
                    store.import_upload(OFFICIAL, *_file(n))
                else:
                    sub_id = int(listed["id"].iloc[pick % len(listed)])
                    _act(store, sub_id, action)
            except StoreError:
                pass  # illegal transitions are refused; the invariants must still hold
        listed = store.submissions(EVALUATOR)
        assert sorted(listed["version"]) == list(range(1, len(listed) + 1))  # no gap, no duplicate
        assert (listed["status"] == "submitted").sum() <= 1
        assert (listed["status"] == "approved").sum() <= 1
        live = listed.loc[listed["status"].isin(["submitted", "returned"]), "version"]
        assert live.empty or live.max() == listed["version"].max()  # only the newest can be pending
        assert len(set(store.values(EVALUATOR)["submission_id"])) <= 1
