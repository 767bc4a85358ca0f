"""AppTest: with per-year populations the analysis pages weigh by the population of the period and
say so where a population-weighted figure uses a population carried forward from an earlier year
(the demo database with the tree of :func:`tests.fixtures.yearly_demo_tree`: in 2024 one county has
only its 2023 figure; 2022 precedes every figure)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures import app_as, yearly_demo_tree

ROOT = Path(__file__).resolve().parents[2]
MARKER = {"zh": "人口为沿用最近年份数据", "en": "Population carried forward from the latest year"}


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()  # the process-wide store too: it must open this database


@pytest.fixture(scope="module")
def yearly_db_url(demo_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A copy of the seeded demo database whose region tree has per-year populations."""
    from assessment.store.service import Store

    path = tmp_path_factory.mktemp("yearly-db") / "assessment.db"
    shutil.copyfile(demo_db_url.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    with Store(url) as store:
        store.save_region_tree("demo-admin", yearly_demo_tree())
        assert store.region_tree().has_yearly_populations
    return url


@pytest.fixture
def yearly_env(yearly_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("ASSESSMENT_DB_URL", yearly_db_url)
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    monkeypatch.chdir(ROOT)
    _clear_caches()
    yield yearly_db_url
    _clear_caches()


def _ok(at) -> None:
    assert not at.exception, [e.value for e in at.exception]


def _captions(at) -> str:
    return " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_equity_page_marks_carried_forward_populations(yearly_env: str, lang: str) -> None:
    at = app_as("demo-province", lang, page="equity.py")
    _ok(at)
    text = _captions(at)
    assert MARKER[lang] in text and "2024" in text
    tables = [df.value for df in at.dataframe]
    marked = [df for df in tables if "population_carried_forward" in df.columns]
    assert marked, "the equity table shows the marker column"
    rows = marked[0]
    assert set(rows.loc[rows["period"] == 2024, "population_carried_forward"]) == {True}
    assert set(rows.loc[rows["period"] == 2023, "population_carried_forward"]) == {False}


def test_indicator_page_marks_carried_forward_populations(yearly_env: str) -> None:
    at = app_as("demo-province", "en", page="indicator.py")
    _ok(at)
    assert MARKER["en"] in _captions(at)


def test_without_per_year_populations_nothing_is_marked(demo_env: str) -> None:
    _clear_caches()
    try:
        for page in ("equity.py", "indicator.py"):
            at = app_as("demo-province", "en", page=page)
            _ok(at)
            assert MARKER["en"] not in _captions(at)
            assert not any("population_carried_forward" in df.value.columns for df in at.dataframe)
    finally:
        _clear_caches()
