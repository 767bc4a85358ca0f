"""Demo data never enters a database that holds anything real (issue 15 item 4), whatever the order
of commands: a real account first, then ``make run``'s ``demo --if-empty``, ``demo`` or ``demo
--force``; real data without accounts and ``demo --force``; a demo database that got a real account.
On SQLite and PostgreSQL; each refusal stores nothing."""

from __future__ import annotations

import io

import pytest

from assessment.store import Store
from tests.fixtures import count_rows
from tests.integration.test_deploy_cli import PASSWORD, REGIONS, run


def _admin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, name: str = "admin") -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert run(capsys, "users", "add", name, "--role", "admin", "--password-stdin")[0] == 0


def _rows(url: str) -> dict[str, int]:
    with Store(url) as store:
        return {k: v for k, v in count_rows(store).items() if k != "audit_log"}


def test_a_real_account_first_then_make_run_leaves_the_database_alone(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _admin(capsys, monkeypatch)
    before = _rows(db)
    code, _, _ = run(capsys, "demo", "--if-empty")
    assert code == 0 and _rows(db) == before  # skipped: not seeded
    with Store(db) as store:
        assert not store.is_demo() and len(store.region_tree()) == 0


@pytest.mark.parametrize("force", [False, True])
def test_a_real_account_first_then_demo_is_refused(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, force: bool
) -> None:
    _admin(capsys, monkeypatch)
    before = _rows(db)
    code, _, err = run(capsys, "demo", *(["--force"] if force else []))
    assert code == 1
    assert "admin" in err and "not demo sign-ins" in err and "非演示账户" in err
    assert _rows(db) == before


def test_real_data_without_accounts_refuses_demo_force(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "regions", "import", REGIONS)[0] == 0
    before = _rows(db)
    code, _, err = run(capsys, "demo", "--force")
    assert code == 1 and "not seeded as a demo" in err
    assert _rows(db) == before


def test_a_demo_database_that_got_a_real_account_is_not_reseeded(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "demo")[0] == 0
    assert run(capsys, "demo", "--force")[0] == 0  # a demo database may be seeded again
    _admin(capsys, monkeypatch, "real-admin")
    before = _rows(db)
    code, _, err = run(capsys, "demo", "--force")
    assert code == 1 and "real-admin" in err
    assert _rows(db) == before
    code, _, _ = run(capsys, "demo", "--national", "--force")
    assert code == 1 and _rows(db) == before
