"""Region boundaries: the admin page's boundaries tab with a real upload, and the maps that use them."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.demo import demo_tree
from assessment.store import Store
from tests.fixtures import SQUARE, shown
from tests.fixtures import geojson_collection as _collection
from tests.fixtures import geojson_feature as _feature

# --- the admin page ---------------------------------------------------------------------------------


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()  # the process-wide store too: it must open this test's database


@pytest.fixture
def own_demo(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private copy of the seeded demo database (the upload below changes it)."""
    src = Path(demo_db_url.removeprefix("sqlite:///"))
    dst = tmp_path / "assessment.db"
    shutil.copyfile(src, dst)
    url = f"sqlite:///{dst}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    _clear_caches()
    yield url
    _clear_caches()


def _choose(at, name: str, data: bytes):  # type: ignore[no-untyped-def]
    at.file_uploader(key="admin_boundaries_file").set_value((name, data, "application/geo+json"))
    return at.run()


def test_admin_uploads_boundaries_and_the_maps_use_them(own_demo: str) -> None:
    from tests.fixtures import app_as

    at = app_as("demo-admin", "en", page="admin.py")
    assert not at.exception, [e.value for e in at.exception]
    coverage = {m.label: m.value for m in at.metric}
    assert coverage["Counties with a boundary"] == "20 / 20"
    moved = [[x + 2.0, y] for x, y in SQUARE]
    at = _choose(
        at,
        "fix.geojson",
        _collection(_feature({"adcode": "990102"}, {"type": "Polygon", "coordinates": [moved]})),
    )
    assert not at.exception, [e.value for e in at.exception]
    assert any("boundaries of 1 regions" in m.value for m in at.markdown), "checked before saving"
    assert any("23 regions of the region tree have no boundary" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 1, "a preview of what would be saved"
    with Store(own_demo) as store:  # nothing stored until the administrator saves
        assert store.boundaries()["990102"]["coordinates"][0][0] != [102.0, 30.0]
    at.button(key="admin_boundaries_save").click()
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Saved the boundaries of 1 regions" in s.value for s in at.success), [
        e.value for e in at.error
    ]
    with Store(own_demo) as store:
        assert store.boundaries()["990102"]["coordinates"][0][0] == [102.0, 30.0]
        assert len(store.boundaries()) == len(demo_tree())  # the others kept


def test_a_bad_boundary_file_is_explained_and_stores_nothing(own_demo: str) -> None:
    from tests.fixtures import app_as

    with Store(own_demo) as store:
        before = store.boundaries()
    at = app_as("demo-admin", "zh", page="admin.py")
    at = _choose(at, "bad.geojson", _collection(_feature({"code": "990102"}), _feature({"code": "123456"})))
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(shown(e.value) for e in at.error)
    assert "bad.geojson" in errors and "第 2 个要素" in errors and "123456" in errors
    assert not [b for b in at.button if b.key == "admin_boundaries_save"], "nothing to save"
    with Store(own_demo) as store:
        assert store.boundaries() == before


def test_no_boundaries_gives_an_empty_state_not_a_blank_map(own_demo: str) -> None:
    import sqlalchemy as sa

    from tests.fixtures import app_as

    with Store(own_demo) as store, store.transaction() as conn:
        conn.execute(sa.text("DELETE FROM region_boundaries"))
        conn.execute(sa.text("DELETE FROM settings WHERE key = 'demo'"))
    at = app_as("demo-province", "en", page="overview.py")
    assert not at.exception, [e.value for e in at.exception]
    assert any("Administration → Boundaries" in i.value for i in at.info), [i.value for i in at.info]
