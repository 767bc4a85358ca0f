"""Shared fixtures: a seeded demo database (a real SQLite file), reused by app and e2e tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A SQLite file seeded with the demo province once per test session."""
    from assessment.auth.signin import seed_demo_accounts
    from assessment.demo.seed import seed_demo
    from assessment.store.service import Store

    path = tmp_path_factory.mktemp("demo-db") / "assessment.db"
    url = f"sqlite:///{path}"
    with Store(url) as store:
        seed_demo(store)
        seed_demo_accounts(store)
    yield url


@pytest.fixture
def demo_env(demo_db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point the app at the seeded demo database for one test."""
    monkeypatch.setenv("ASSESSMENT_DB_URL", demo_db_url)
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    monkeypatch.chdir(ROOT)
    return demo_db_url


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"ASSESSMENT_TEST_PG_URL={os.environ.get('ASSESSMENT_TEST_PG_URL', '(default)')}"]


@pytest.fixture(autouse=True)
def _restore_main_module() -> Iterator[None]:
    """AppTest runs a script as ``__main__`` and leaves it in ``sys.modules``; a process spawned
    afterwards (the storage concurrency tests) would then re-run dashboard.py as its main module."""
    import sys

    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
