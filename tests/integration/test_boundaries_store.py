"""Region boundaries in the store (admins only, audited, replaced region by region, on SQLite and
PostgreSQL) and in the demo seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment.catalogue.boundaries import parse_boundaries
from assessment.demo import demo_tree
from assessment.demo.seed import seed_demo
from assessment.domain.access import AccessDenied
from assessment.store import Store, StoreError
from tests.fixtures import ADMIN, EVALUATOR, SQUARE
from tests.fixtures import geojson_collection as _collection
from tests.fixtures import geojson_feature as _feature
from tests.fixtures import store_tree as tree

# --- the store --------------------------------------------------------------------------------------


def test_store_saves_replaces_and_audits(store: Store) -> None:
    first = parse_boundaries(
        _collection(_feature({"code": "990101"}), _feature({"code": "990102"})), "a.geojson", tree()
    )
    assert store.save_boundaries(ADMIN, first.geometries, "a.geojson") == {"added": 2, "replaced": 0}
    moved = [[x + 1.0, y] for x, y in SQUARE]
    second = parse_boundaries(
        _collection(_feature({"code": "990102"}, {"type": "Polygon", "coordinates": [moved]})),
        "b.geojson",
        tree(),
    )
    assert store.save_boundaries(ADMIN, second.geometries, "b.geojson") == {"added": 0, "replaced": 1}
    got = store.boundaries()
    assert set(got) == {"990101", "990102"}
    assert got["990102"]["coordinates"][0][0] == [101.0, 30.0] and got["990101"]["coordinates"][0][0] == [
        100.0,
        30.0,
    ]
    log = store.audit_log()
    assert (log["action"] == "boundaries.save").sum() == 2


def test_store_refuses_non_admins_and_unknown_regions(store: Store) -> None:
    checked = parse_boundaries(_collection(_feature({"code": "990101"})), "a.geojson", tree())
    with pytest.raises(AccessDenied, match="manage regions"):
        store.save_boundaries(EVALUATOR, checked.geometries, "a.geojson")
    with pytest.raises(StoreError, match="110101"):
        store.save_boundaries(ADMIN, {"110101": checked.geometries["990101"]}, "x.geojson")
    with pytest.raises(StoreError):
        store.save_boundaries(ADMIN, {}, "empty.geojson")
    assert store.boundaries() == {}


def test_the_demo_seed_stores_its_boundaries(tmp_path: Path) -> None:
    with Store(f"sqlite:///{tmp_path / 'demo.db'}") as store:
        seed_demo(store)
        assert set(store.boundaries()) == {r.code for r in demo_tree()}
