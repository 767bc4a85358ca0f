"""Reference data in the store: region tree, users, settings, editions, local standards with history."""

from __future__ import annotations

from dataclasses import replace

import pytest
import sqlalchemy as sa

from assessment.domain.model import LocalStandard, Region, RegionTree
from assessment.store import Store, StoreError
from assessment.store.schema import users as users_table
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, count_rows, upload
from tests.fixtures import store_edition as small_edition
from tests.fixtures import store_tree as tree


def test_region_tree_round_trip(store: Store) -> None:
    assert store.region_tree() == tree()
    assert [r.code for r in store.region_tree()] == [r.code for r in tree()]


def test_saving_a_smaller_tree_retires_regions_but_keeps_their_submissions(store: Store) -> None:
    out = store.import_upload(OFFICIAL, *_args(upload("990202")))
    smaller = RegionTree(tuple(r for r in tree() if r.code != "990202"))
    bigger_pop = RegionTree(tuple(replace(r, population=r.population + 1) for r in smaller))
    counts = store.save_region_tree(ADMIN, bigger_pop)
    assert counts == {"added": 0, "updated": len(smaller), "retired": 1}
    got = store.region_tree()
    assert "990202" not in got and got.get("990101").population == 500_001
    assert store.submission(EVALUATOR, out.submission_id).region_code == "990202"
    with pytest.raises(StoreError) as err:  # a retired region cannot receive new uploads
        store.import_upload(OFFICIAL, *_args(upload("990202", salt="new", rows={"S01.1": (1.0, None, None)})))
    assert err.value.code == "store.unknown_region"
    store.save_region_tree(ADMIN, tree())
    assert "990202" in store.region_tree()


def test_region_attributes_survive(store: Store) -> None:
    special = Region("990105", "丙县", "Bing", "county", "990100", 150_000, True, True, True, 12_345.5, False)
    store.save_region_tree(ADMIN, RegionTree((*tree().regions, special)))
    assert store.region_tree().get("990105") == special


def test_users_add_get_and_refusals(store: Store) -> None:
    user = store.add_user(ADMIN, "li", "李四", "official", "990102", password_hash="argon2$x")
    assert (user.role, user.scope_region_code, user.disabled, user.failed_attempts) == (
        "official",
        "990102",
        False,
        0,
    )
    assert store.get_user("li") == user and store.get_user("nobody") is None
    assert {u.username for u in store.users()} >= {"system", "li", OFFICIAL, EVALUATOR, ADMIN}
    for args, code in [
        (("li", "again", "official"), "store.user_exists"),
        (("wang", "王", "superuser"), "store.bad_role"),
        (("", "empty", "admin"), "store.bad_username"),
    ]:
        with pytest.raises(StoreError) as err:
            store.add_user(ADMIN, *args)
        assert err.value.code == code
    assert store.audit_log(action="user.add", object_id="li")["actor"].tolist() == [ADMIN]


def test_disabled_user_cannot_act(store: Store) -> None:
    with store.engine.begin() as conn:
        conn.execute(sa.update(users_table).where(users_table.c.username == OFFICIAL).values(disabled=True))
    before = count_rows(store)
    with pytest.raises(StoreError) as err:
        store.import_upload(OFFICIAL, *_args(upload()))
    assert err.value.code == "store.disabled_user"
    assert count_rows(store) == before


def test_settings_and_demo_flag_and_emptiness(store_url: str) -> None:
    with Store(store_url) as fresh:
        assert fresh.is_empty() and not fresh.is_demo()
        fresh.set_setting("system", "demo", "1")
        assert fresh.is_demo() and fresh.setting("demo") == "1"
        fresh.set_setting("system", "demo", "0")
        assert not fresh.is_demo()
        fresh.save_region_tree("system", tree())
        assert not fresh.is_empty()


def test_register_edition(store: Store) -> None:
    store.register_edition(ADMIN, small_edition())
    store.register_edition(ADMIN, small_edition())  # again: updated, not duplicated
    assert count_rows(store)["editions"] == 1
    assert store.audit_log(action="edition.register")["details"].tolist() == [{"new": True}, {"new": False}]


def _std(
    threshold: float, start: int, end: int | None = None, jur: str = "990000", ind: str = "S01.1"
) -> LocalStandard:
    return LocalStandard(jur, ind, threshold, start, end, "示例省卫健委", "test")


def test_local_standard_set_and_superseded_with_history(store: Store) -> None:
    ed = small_edition()
    assert store.set_local_standard(EVALUATOR, _std(95, 2022), ed) == []
    store.set_local_standard(EVALUATOR, _std(97, 2024), ed)
    in_force = sorted(store.local_standards(), key=lambda s: s.effective_from)
    assert [(s.threshold, s.effective_from, s.effective_to) for s in in_force] == [
        (95, 2022, 2023),
        (97, 2024, None),
    ]
    assert in_force[0].set_by == "示例省卫健委"
    history = store.local_standard_history()
    assert len(history) == 3 and history["in_force"].tolist() == [False, True, True]
    assert history.loc[0, "superseded_by"] == EVALUATOR
    actions = store.audit_log(object_type="local_standard")["action"].tolist()
    assert actions == ["local_standard.set", "local_standard.supersede", "local_standard.set"]


def test_local_standard_inside_an_older_period_splits_it(store: Store) -> None:
    ed = small_edition()
    store.set_local_standard(EVALUATOR, _std(95, 2020), ed)
    store.set_local_standard(EVALUATOR, _std(96, 2022, 2023), ed)
    got = sorted((s.effective_from, s.effective_to, s.threshold) for s in store.local_standards())
    assert got == [(2020, 2021, 95), (2022, 2023, 96), (2024, None, 95)]


@pytest.mark.parametrize(
    ("std", "code"),
    [
        (_std(85, 2022), "local_standards.weaker_than_floor"),
        (_std(95, 2022, jur="990101"), "local_standards.county_jurisdiction"),
        (_std(95, 2022, ind="S99.9"), "local_standards.unknown_indicator"),
        (_std(93, 2022, jur="990100"), "local_standards.weaker_than_parent"),
    ],
)
def test_bad_local_standard_is_refused_and_changes_nothing(
    store: Store, std: LocalStandard, code: str
) -> None:
    ed = small_edition()
    store.set_local_standard(EVALUATOR, _std(95, 2022), ed)
    before = count_rows(store)
    with pytest.raises(StoreError) as err:  # "system": the store's own checks, whoever's jurisdiction
        store.set_local_standard("system", std, ed)
    assert err.value.code == code
    assert count_rows(store) == before


def _args(pair: tuple[bytes, object]) -> tuple[bytes, str, object]:
    return pair[0], "upload.xlsx", pair[1]
