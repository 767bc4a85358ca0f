"""Fixtures of the fictional national demo (``demo --national``): a seeded SQLite file and the app's
environment pointed at it. Import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# the counties of the provinces other than 示例省 990000 (the provincial evaluator's province)
OTHER_PROVINCES = ("910000", "920000", "930000")


@pytest.fixture(scope="session")
def national_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite file seeded with the national demo once per session (per importing module)."""
    from assessment.demo.seed_national import seed_national_demo
    from assessment.store.service import Store

    path = tmp_path_factory.mktemp("national-db") / "assessment.db"
    url = f"sqlite:///{path}"
    with Store(url) as store:
        seed_national_demo(store)
    yield url


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()  # the process-wide store too: it must open this database


@pytest.fixture
def national_env(national_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point the app at the seeded national demo for one test (the app's caches cleared before and
    after, so neither this test nor the next reads another test's database)."""
    monkeypatch.setenv("ASSESSMENT_DB_URL", national_db_url)
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    monkeypatch.chdir(ROOT)
    _clear_caches()
    yield national_db_url
    _clear_caches()


def foreign_counties() -> dict[str, str]:
    """``{code: zh name}`` and English names of the counties of the other provinces."""
    from assessment.demo import national_tree

    tree = national_tree()
    out: dict[str, str] = {}
    for province in OTHER_PROVINCES:
        for code in tree.leaf_codes(province):
            region = tree.get(code)
            out[code] = region.name_zh
            out[f"{code}/en"] = region.name_en
    return out
