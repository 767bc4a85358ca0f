"""Access policy (issue 6 item 1) through the core: :class:`Store` methods on a real SQLite file refuse
out-of-scope work, whatever the caller. The pure policy table is in tests/unit/test_access.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from assessment.auth.accounts import set_disabled
from assessment.domain.access import AccessDenied
from assessment.domain.model import LocalStandard
from assessment.store import Store, StoreError
from tests.fixtures import batch, frame, prepare, upload
from tests.fixtures import store_edition as small_edition
from tests.fixtures import store_tree as tree

# =================================================================================================
# The same rules through the core: Store methods on a real SQLite file refuse out-of-scope work.
# =================================================================================================
S_OFFICIAL = "county_official"  # 990101
S_PROV = "evaluator1"  # 990000
S_ADMIN = "admin1"
S_PREF = "pref_eval"  # 990100
S_PREF_OFFICIAL = "pref_official"  # 990100
S_DISABLED = "disabled_eval"  # 990000, disabled
_period = itertools.count(2001)


@pytest.fixture(scope="module")
def core(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One SQLite file for the whole matrix; every case works on its own period, so none interferes."""
    store = prepare(Store(f"sqlite:///{tmp_path_factory.mktemp('access') / 'access.db'}"))
    store.add_user("system", S_OFFICIAL, "County official", "official", "990101")
    store.add_user("system", S_PREF, "Pref evaluator", "evaluator", "990100")
    store.add_user("system", S_PREF_OFFICIAL, "Pref official", "official", "990100")
    store.add_user("system", S_DISABLED, "Gone", "evaluator", "990000")
    set_disabled(store, "system", S_DISABLED)
    store.register_edition("system", small_edition())
    yield store
    store.close()


def _submission(store: Store, region: str, status: str = "submitted") -> int:
    """A fresh submission in ``region`` for a period of its own, made by the system account."""
    period = next(_period)
    data, result = upload(region, period, salt=str(period))
    sid = store.import_upload("system", data, f"{region}.xlsx", result).submission_id
    if status != "submitted":
        store.review("system", sid, "approve" if status == "approved" else "return", "setup")
    return sid


def _perform(store: Store, actor: str, op: str, region: str) -> object:
    if op == "upload":
        period = next(_period)
        data, result = upload(region, period, salt=f"u{period}")
        return store.import_upload(actor, data, "x.xlsx", result)
    if op == "review":
        return store.review(actor, _submission(store, region), "approve")
    if op == "return":
        return store.review(actor, _submission(store, region), "return", "please fix")
    if op == "reopen":
        return store.reopen(actor, _submission(store, region, "approved"), "second look")
    if op in ("submission", "submission_values", "original_file", "values_only_file", "active_content"):
        return getattr(store, op)(actor, _submission(store, region))
    if op == "diff":
        sid = _submission(store, region)
        return store.diff(actor, sid, sid)
    if op == "reviews":
        return store.reviews(actor, _submission(store, region, "approved"))
    if op == "submissions":
        return store.submissions(actor, region_code=region)
    if op == "values":
        return store.values(actor, region_codes=[region], include_pending=True)
    if op == "completeness":
        return store.completeness(actor, 2024, jurisdiction=region)
    if op == "set_standard":
        std = LocalStandard(region, "S01.1", 95.0, next(_period), None, "test")
        return store.set_local_standard(actor, std, small_edition())
    if op == "set_deadline":
        return store.set_deadline(actor, next(_period), datetime(2030, 3, 31, tzinfo=UTC))
    if op == "save_region_tree":
        return store.save_region_tree(actor, store.region_tree())
    if op == "add_user":
        return store.add_user(actor, f"u{next(_period)}", "New", "official", region)
    if op == "register_edition":
        return store.register_edition(actor, small_edition())
    if op == "set_setting":
        return store.set_setting(actor, "motd", "hello")
    raise AssertionError(op)


VIEW_OPS = (
    "submission",
    "submission_values",
    "values_only_file",
    "active_content",
    "diff",
    "reviews",
    "submissions",
    "values",
    "completeness",
)
ADMIN_OPS = ("save_region_tree", "add_user", "register_edition", "set_setting")

# (actor, operation, region, allowed?)
CORE_CASES: list[tuple[str, str, str, bool]] = []
for _op in VIEW_OPS:
    CORE_CASES += [
        (S_OFFICIAL, _op, "990101", True),
        (S_OFFICIAL, _op, "990102", False),
        (S_PREF, _op, "990103", True),
        (S_PREF, _op, "990201", False),
        (S_PROV, _op, "990202", True),
        (S_ADMIN, _op, "990202", True),
        (S_DISABLED, _op, "990101", False),
    ]
CORE_CASES += [  # the original bytes (may run formulas or links when opened): administrators only
    (S_OFFICIAL, "original_file", "990101", False),
    (S_PREF, "original_file", "990103", False),
    (S_PROV, "original_file", "990202", False),
    (S_ADMIN, "original_file", "990202", True),
    (S_DISABLED, "original_file", "990101", False),
]
for _op in ("review", "return", "reopen"):
    CORE_CASES += [
        (S_OFFICIAL, _op, "990101", False),
        (S_PREF, _op, "990102", True),
        (S_PREF, _op, "990202", False),
        (S_PROV, _op, "990202", True),
        (S_ADMIN, _op, "990101", False),
        (S_DISABLED, _op, "990101", False),
    ]
CORE_CASES += [
    (S_OFFICIAL, "upload", "990101", True),
    (S_OFFICIAL, "upload", "990102", False),
    (S_OFFICIAL, "upload", "990201", False),
    (S_PREF_OFFICIAL, "upload", "990104", True),
    (S_PREF_OFFICIAL, "upload", "990202", False),
    (S_PREF, "upload", "990101", False),
    (S_PROV, "upload", "990101", False),
    (S_ADMIN, "upload", "990101", False),
    (S_DISABLED, "upload", "990101", False),
    (S_PROV, "set_standard", "990000", True),
    (S_PROV, "set_standard", "990100", False),
    (S_PREF, "set_standard", "990100", True),
    (S_PREF, "set_standard", "990200", False),
    (S_PREF, "set_standard", "990000", False),
    (S_OFFICIAL, "set_standard", "990101", False),
    (S_ADMIN, "set_standard", "990000", False),
    (S_PROV, "set_deadline", "990000", True),
    (S_PREF, "set_deadline", "990000", False),
    (S_OFFICIAL, "set_deadline", "990000", False),
    (S_ADMIN, "set_deadline", "990000", True),
]
for _op in ADMIN_OPS:
    CORE_CASES += [
        (S_ADMIN, _op, "990101", True),
        (S_PROV, _op, "990101", False),
        (S_PREF, _op, "990101", False),
        (S_OFFICIAL, _op, "990101", False),
        (S_DISABLED, _op, "990101", False),
    ]


@pytest.mark.parametrize(("actor", "op", "region", "expected"), CORE_CASES)
def test_core_matrix(core: Store, actor: str, op: str, region: str, expected: bool) -> None:
    before = len(core.audit_log())
    if expected:
        _perform(core, actor, op, region)
        return
    with pytest.raises((AccessDenied, StoreError)) as err:
        _perform(core, actor, op, region)
    assert err.value.problems[0].code in (
        "access.denied",
        "access.disabled",
        "store.disabled_user",
        "store.unknown_submission",  # another region's submission looks like a missing one
    )
    message = err.value.messages("en") + err.value.messages("zh")
    assert actor not in message or actor == S_DISABLED
    # nothing the refused actor tried was written (setup writes by "system" are allowed)
    log = core.audit_log()
    assert (log.iloc[before:]["actor"] == actor).sum() == 0


def test_core_matrix_covers_every_role_and_both_outcomes() -> None:
    roles = {S_OFFICIAL: "official", S_PREF: "evaluator", S_PROV: "evaluator", S_ADMIN: "admin"}
    for role in set(roles.values()):
        outcomes = {e for a, _, _, e in CORE_CASES if roles.get(a) == role}
        assert outcomes == {True, False}, role


def test_lists_are_filtered_to_the_visible_regions(core: Store) -> None:
    for region in ("990101", "990102", "990201"):
        _submission(core, region, "approved")
    assert set(core.submissions(S_OFFICIAL)["region_code"]) == {"990101"}
    assert set(core.values(S_OFFICIAL)["region_code"]) == {"990101"}
    assert set(core.submissions(S_PREF)["region_code"]) <= {"990100", "990101", "990102", "990103", "990104"}
    assert {"990101", "990102"} <= set(core.values(S_PREF)["region_code"])
    assert "990201" in set(core.values(S_PROV)["region_code"])
    assert "990201" not in set(core.review_queue(S_PREF)["region_code"])
    completeness = core.completeness(S_OFFICIAL, 2024)
    assert set(completeness["region_code"]) == {"990101"}
    assert set(core.completeness(S_PREF, 2024)["region_code"]) <= {
        "990100",
        "990101",
        "990102",
        "990103",
        "990104",
    }
    own = set(core.submissions(S_PREF)["id"])
    assert set(core.reviews(S_PREF)["submission_id"]) <= own


def test_completeness_with_a_crafted_tree_still_shows_only_visible_regions(core: Store) -> None:
    listed = core.completeness(S_OFFICIAL, 2024, regions=tree())
    assert set(listed["region_code"]) <= {"990101"}


def test_out_of_scope_submission_looks_like_a_missing_one(core: Store) -> None:
    other = _submission(core, "990202")
    calls = (core.submission, core.submission_values, core.original_file, core.values_only_file, core.reviews)
    for call in calls:
        with pytest.raises(StoreError) as hidden:
            call(S_OFFICIAL, other)
        with pytest.raises(StoreError) as missing:
            call(S_OFFICIAL, 999_999)
        assert hidden.value.code == missing.value.code == "store.unknown_submission"
        assert hidden.value.messages("en").replace(str(other), "N") == missing.value.messages("en").replace(
            "999999", "N"
        )
        assert "990202" not in hidden.value.messages("en") + hidden.value.messages("zh")
    with pytest.raises(StoreError) as hidden:
        core.review(S_PREF, other, "approve")
    assert hidden.value.code == "store.unknown_submission"


def test_batch_with_one_region_outside_scope_stores_nothing(core: Store) -> None:
    period = next(_period)
    data, result = batch([frame({"S01.1": (1.0, None, None)}, code, period) for code in ("990104", "990201")])
    before = len(core.submissions("system", period=period))
    with pytest.raises(AccessDenied) as err:
        core.import_upload(S_PREF_OFFICIAL, data, "batch.csv", result)
    assert "990201" in err.value.messages("en")
    assert len(core.submissions("system", period=period)) == before == 0


def test_unknown_region_in_an_upload_is_still_reported_as_unknown(core: Store) -> None:
    data, result = upload("123456", next(_period))
    with pytest.raises(StoreError) as err:
        core.import_upload(S_OFFICIAL, data, "x.xlsx", result)
    assert err.value.code == "store.unknown_region"
