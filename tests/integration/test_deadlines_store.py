"""Reporting deadlines per jurisdiction (issue 16, point 2), both databases: a prefecture's deadline
overrides the province's for its counties, may not be later than it, "late" and "overdue" follow the
effective deadline, and only the jurisdiction's own evaluator (or an admin) sets it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from assessment.domain.access import AccessDenied
from assessment.store import Store, StoreError
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, PERIOD, count_rows, upload

PROVINCE_DUE = datetime(2030, 3, 31, 16, tzinfo=UTC)
PREF_EVAL = "eval_jia"


@pytest.fixture
def with_pref(store: Store) -> Store:
    store.add_user("system", PREF_EVAL, "Jia evaluator", "evaluator", "990100")
    store.add_user("system", "eval_yi", "Yi evaluator", "evaluator", "990200")
    store.add_user("system", "off_101", "County official", "official", "990101")
    return store


def test_a_prefecture_deadline_overrides_the_province_for_its_counties(with_pref: Store) -> None:
    store = with_pref
    store.set_deadline(EVALUATOR, PERIOD, PROVINCE_DUE)
    earlier = PROVINCE_DUE - timedelta(days=10)
    store.set_deadline(PREF_EVAL, PERIOD, earlier, "990100")
    assert store.deadline(PERIOD) == PROVINCE_DUE  # the province-wide one, as before
    assert store.deadline(PERIOD, "990100") == earlier
    assert store.effective_deadline(EVALUATOR, "990101", PERIOD) == (earlier, "990100")
    assert store.effective_deadline(EVALUATOR, "990201", PERIOD) == (PROVINCE_DUE, "990000")
    assert store.effective_deadline("off_101", "990101", PERIOD) == (earlier, "990100")
    frame = store.deadlines(EVALUATOR)
    assert sorted(frame["jurisdiction_code"]) == ["990000", "990100"]
    events = store.audit_log(action="deadline.set")
    assert events["region_code"].tolist() == ["990000", "990100"]
    # the prefecture's own deadline removed: the province's applies again
    assert store.clear_deadline(PREF_EVAL, PERIOD, "990100")
    assert store.effective_deadline(EVALUATOR, "990101", PERIOD) == (PROVINCE_DUE, "990000")


def test_a_prefecture_cannot_set_a_later_deadline(with_pref: Store) -> None:
    store = with_pref
    store.set_deadline(EVALUATOR, PERIOD, PROVINCE_DUE)
    before = count_rows(store)
    with pytest.raises(StoreError) as err:
        store.set_deadline(PREF_EVAL, PERIOD, PROVINCE_DUE + timedelta(days=1), "990100")
    assert err.value.problems[0].code == "store.deadline_after_parent"
    text = err.value.messages("zh")
    assert "示例省" in text and "2030-03-31 24:00" in text and "北京时间" in text, text
    assert "Sample Province" in err.value.messages("en")
    assert count_rows(store) == before
    # the same day is fine
    store.set_deadline(PREF_EVAL, PERIOD, PROVINCE_DUE, "990100")


def test_the_province_moving_earlier_wins_over_a_later_prefecture(with_pref: Store) -> None:
    store = with_pref
    store.set_deadline(EVALUATOR, PERIOD, PROVINCE_DUE)
    store.set_deadline(PREF_EVAL, PERIOD, PROVINCE_DUE - timedelta(days=5), "990100")
    store.set_deadline(EVALUATOR, PERIOD, PROVINCE_DUE - timedelta(days=20))
    assert store.effective_deadline(EVALUATOR, "990102", PERIOD) == (
        PROVINCE_DUE - timedelta(days=20),
        "990000",
    )


@pytest.mark.parametrize(
    ("actor", "jurisdiction", "ok"),
    [
        (EVALUATOR, None, True),
        (EVALUATOR, "990000", True),
        (EVALUATOR, "990100", False),  # the province does not set the prefecture's own
        (PREF_EVAL, "990100", True),
        (PREF_EVAL, None, False),  # the province's
        (PREF_EVAL, "990200", False),
        (PREF_EVAL, "990101", False),
        ("off_101", "990101", False),
        (OFFICIAL, "990000", False),
        (ADMIN, "990100", True),
        (ADMIN, None, True),
    ],
)
def test_who_sets_which_deadline(with_pref: Store, actor: str, jurisdiction: str | None, ok: bool) -> None:
    store = with_pref
    due = PROVINCE_DUE - timedelta(days=30)
    if ok:
        store.set_deadline(actor, PERIOD, due, jurisdiction)
        assert store.deadline(PERIOD, jurisdiction) == due
    else:
        with pytest.raises(AccessDenied):
            store.set_deadline(actor, PERIOD, due, jurisdiction)
        assert store.deadlines(EVALUATOR).empty


def test_unknown_jurisdiction_is_refused(with_pref: Store) -> None:
    with pytest.raises(StoreError) as err:
        with_pref.set_deadline(ADMIN, PERIOD, PROVINCE_DUE, "123456")
    assert err.value.problems[0].code == "store.unknown_region_code"


def _up(store: Store, region: str, at: datetime) -> None:
    data, result = upload(region, PERIOD, rows={"S01.1": (90.0, None, None)})
    store.import_upload(OFFICIAL, data, f"{region}.xlsx", result, now=at)


def test_late_and_overdue_follow_the_effective_deadline(with_pref: Store) -> None:
    store = with_pref
    pref_due = PROVINCE_DUE - timedelta(days=10)
    store.set_deadline(EVALUATOR, PERIOD, PROVINCE_DUE)
    store.set_deadline(PREF_EVAL, PERIOD, pref_due, "990100")
    _up(store, "990101", pref_due + timedelta(days=2))  # late for the prefecture's deadline
    _up(store, "990201", pref_due + timedelta(days=2))  # on time for the province's
    frame = store.completeness(EVALUATOR, PERIOD).set_index("region_code")
    assert frame.loc["990101", "status"] == "late"
    assert frame.loc["990101", "days_late"] == pytest.approx(2.0)
    assert frame.loc["990201", "status"] == "reported"
    assert frame.loc["990101", "deadline_by"] == "990100"
    assert frame.loc["990201", "deadline_by"] == "990000"
    assert frame.loc["990102", "deadline"] == pref_due
    # 2030 has not come: nobody is overdue yet
    assert not frame["overdue"].any()
    # a deadline in the past: those without a report are overdue
    store.set_deadline(EVALUATOR, PERIOD - 1, datetime(2020, 1, 1, tzinfo=UTC))
    past = store.completeness(EVALUATOR, PERIOD - 1).set_index("region_code")
    assert past["overdue"].all() and len(past) == 6
    # the prefecture evaluator sees its own counties with its deadline
    jia = store.completeness(PREF_EVAL, PERIOD)
    assert set(jia["region_code"]) == {"990101", "990102", "990103", "990104"}
    assert set(jia["deadline_by"]) == {"990100"}


def test_migration_0009_moves_the_province_wide_deadlines_to_the_root(store_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from assessment.store import engine as store_engine
    from tests.fixtures import prepare

    store = prepare(Store(store_url))
    store.set_deadline(EVALUATOR, PERIOD, PROVINCE_DUE)
    store.add_user("system", "eval_jia", "Jia", "evaluator", "990100")
    store.set_deadline("eval_jia", PERIOD, PROVINCE_DUE - timedelta(days=1), "990100")
    cfg = Config()
    cfg.set_main_option("script_location", str(store_engine.MIGRATIONS))
    with store.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
        rows = conn.execute(sa.text("SELECT period, set_by FROM reporting_deadlines")).all()
        assert rows == [(PERIOD, EVALUATOR)]  # the prefecture's own is lost on the way down
        command.upgrade(cfg, "head")
        if conn.in_transaction():
            conn.commit()
    assert store.deadline(PERIOD) == PROVINCE_DUE
    assert store.deadlines(EVALUATOR)["jurisdiction_code"].tolist() == ["990000"]
    store.close()
