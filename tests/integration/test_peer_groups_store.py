"""Issue 19 point 6: like-for-like peer comparisons in the store (SQLite and PostgreSQL): named
peers for an evaluator, aggregates only for an official, administrator groups stored as a setting
and refused whole on bad input."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from assessment.domain.access import AccessDenied
from assessment.domain.errors import DataFileError
from assessment.scoring import peer_groups as pg
from assessment.store import Store
from assessment.store.service_peers import ADMIN_GROUPS_SETTING

OFFICIAL, JIA, PROVINCE, ADMIN = "demo-990123", "demo-jia", "demo-province", "demo-admin"


@pytest.fixture
def demo(store_url: str) -> Iterator[Store]:
    from assessment.auth.signin import seed_demo_accounts
    from assessment.demo.seed import seed_demo

    with Store(store_url) as s:
        seed_demo(s)
        seed_demo_accounts(s)
        yield s


def _period(s: Store) -> int:
    return int(s.values(PROVINCE)["period"].max())


def _directions(s: Store, period: int) -> dict[str, str]:
    return {i.code: i.direction for i in s.edition_schedule().for_period(period).indicators}


def _compare(s: Store, actor: str, region: str, kind: str = "nearest", before: tuple = ()):  # type: ignore[no-untyped-def]
    period = _period(s)
    return s.peer_comparison(
        actor, period, region, kind, pg.selector(kind), pg.comparer(_directions(s, period)), before
    )


def test_evaluator_sees_named_peers_and_their_values(demo: Store) -> None:
    comp = _compare(demo, PROVINCE, "990322")
    assert comp.named and comp.shown
    assert comp.peers == ("990323", "990321", "990324", "990224", "990325")
    assert set(comp.peer_values["region_code"]) <= set(comp.peers)
    row = comp.table.dropna(subset=["value", "median"]).iloc[0]
    peers = comp.peer_values[comp.peer_values["indicator_code"] == row["indicator_code"]]["value"]
    assert row["median"] == pytest.approx(peers.astype(float).median())
    assert row["n"] == len(peers) and not comp.table["peers_hidden"].any()


def test_prefecture_evaluator_gets_aggregates_for_peers_outside_their_prefecture(demo: Store) -> None:
    comp = _compare(demo, JIA, "990103")  # peers include 990202, 990203 of Yi city
    assert comp.shown and not comp.named and comp.peers == () and comp.peer_values.empty
    assert comp.table["median"].notna().any()  # evaluators are not under the small-cell rule


def test_official_gets_aggregates_only(demo: Store) -> None:
    comp = _compare(demo, OFFICIAL, "990123")
    assert comp.shown and not comp.named
    assert comp.peers == () and comp.peer_values.empty and comp.n_peers == 5
    shown = comp.table[~comp.table["peers_hidden"]]
    assert len(shown) and (shown["n"].astype(int) >= 3).all()
    hidden = comp.table[comp.table["peers_hidden"]]
    assert hidden[["n", "median", "rank"]].isna().all().all()  # emptied, never zero
    with pytest.raises(AccessDenied):
        _compare(demo, OFFICIAL, "990102")


def test_admin_groups_define_show_and_compare(demo: Store) -> None:
    groups = {"990102": "城区", "990103": "城区", "990104": "城区", "990202": "城区", "990123": "城区"}
    assert demo.define_peer_groups(ADMIN, groups) == 5
    assert demo.peer_group_definition(PROVINCE) == groups
    assert demo.peer_group_definition(OFFICIAL) == {"990123": "城区"}  # never who else is in it
    comp = _compare(demo, PROVINCE, "990123", "admin")
    assert comp.peers == ("990102", "990103", "990104", "990202")
    # an official: a group differing from the nearest neighbours by 1 or 2 regions is withheld
    near = set(pg.selector("nearest")(demo.region_tree(), {}, "990123"))
    extra = "990202" if "990202" not in near else "990203"
    close = [*sorted(near)[:4], extra]  # 4 of the 5 nearest and one other: differs by 2
    demo.define_peer_groups(ADMIN, {c: "g" for c in [*close, "990123"]})
    official = _compare(demo, OFFICIAL, "990123", "admin", (pg.selector("nearest"),))
    assert not official.shown and official.table.empty
    alone = _compare(demo, OFFICIAL, "990123", "admin")  # without the nearest group shown before
    assert alone.shown


@pytest.mark.parametrize(
    ("mapping", "code"),
    [
        ({"123456": "A"}, "peer_groups.unknown_code"),
        ({"990100": "A"}, "peer_groups.not_reporting"),
        ({"990102": " "}, "peer_groups.no_group_name"),
    ],
)
def test_bad_groups_are_refused_and_nothing_stored(demo: Store, mapping: dict[str, str], code: str) -> None:
    demo.define_peer_groups(ADMIN, {"990102": "A", "990103": "A"})
    with pytest.raises(DataFileError) as err:
        demo.define_peer_groups(ADMIN, {"990104": "B", **mapping})
    assert [p.code for p in err.value.problems] == [code]
    assert demo.peer_group_definition(ADMIN) == {"990102": "A", "990103": "A"}


def test_only_settings_managers_define_groups(demo: Store) -> None:
    with pytest.raises(AccessDenied):
        demo.define_peer_groups(OFFICIAL, {"990123": "A"})
    with pytest.raises(AccessDenied):
        demo.define_peer_groups(PROVINCE, {"990123": "A"})
    assert demo.peer_group_definition(ADMIN) == {}
    assert ADMIN_GROUPS_SETTING == "peer_groups.admin"
