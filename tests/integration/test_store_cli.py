"""Command line: import, submissions, review, demo (real templates through the real validator)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from assessment.cli import main
from assessment.store import Store
from tests.fixtures import demo_template

REGION, PERIOD = "990102", 2024


@pytest.fixture
def db(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with the demo tree, its local standards and two users; ASSESSMENT_DB_URL set."""
    from assessment.catalogue import load_edition
    from assessment.demo import demo_local_standards, demo_tree

    monkeypatch.setenv("ASSESSMENT_DB_URL", store_url)
    with Store(store_url) as store:
        store.save_region_tree("system", demo_tree())
        edition = load_edition()
        for std in demo_local_standards(edition):
            store.set_local_standard("system", std, edition)
        store.add_user("system", "wang", "王", "official", REGION)
        store.add_user("system", "li", "李", "evaluator", "990000")
    return store_url


def _file(tmp_path: Path, change: float = 0.0, name: str | None = None) -> Path:
    path = tmp_path / (name or f"{REGION}_{PERIOD}_{change}.xlsx")
    path.write_bytes(demo_template(REGION, PERIOD, change))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_import_prints_the_version_and_is_idempotent(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path)
    code, out, _ = _run(capsys, "import", str(path), "--as", "wang")
    assert code == 0 and "version 1" in out and "第 1 版" in out
    code, out, _ = _run(capsys, "import", str(path), "--as", "wang")
    assert code == 0 and "identical" in out
    code, out, _ = _run(capsys, "import", str(_file(tmp_path, change=3)), "--as", "wang", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["created"] is True
    assert payload["submissions"][0]["version"] == 2 and payload["submissions"][0]["superseded"] == [1]


def test_invalid_file_exits_1_with_messages_and_stores_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "report.xlsx"
    bad.write_bytes(b"this is not a workbook at all")
    code, _, err = _run(capsys, "import", str(bad), "--as", "wang")
    assert code == 1 and "report.xlsx" in err and "nothing was stored" in err and "未保存" in err
    wrong_region = _file(tmp_path)
    code, _, err = _run(capsys, "import", str(wrong_region), "--as", "wang", "--region", "990103")
    assert code == 1
    with Store(db) as store:
        assert store.submissions("system").empty


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["import", "{file}", "--as", "ghost"], "ghost"),
        (["import", "/no/such/file.xlsx", "--as", "wang"], "/no/such/file.xlsx"),
        (["submissions", "--region", "123456"], "123456"),
        (["review", "999", "--approve", "--as", "li"], "999"),
        (["review", "1", "--approve", "--as", "ghost"], "ghost"),
    ],
)
def test_bad_input_exits_1_with_a_message(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    argv = [a.replace("{file}", str(_file(tmp_path))) for a in argv]
    code, out, err = _run(capsys, *argv)
    assert code == 1 and needle in out + err


def test_unreachable_database_exits_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSESSMENT_DB_URL", "postgresql+psycopg://u:pw@127.0.0.1:1/none")
    code, _, err = _run(capsys, "submissions", "--json")
    assert code == 1 and "pw" not in err and "127.0.0.1" not in err and "postgresql" not in err.lower()
    assert "store.db_unreachable" in err


def test_submissions_json_and_review_flow(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "submissions", "--json")[1].strip() == "[]"
    _run(capsys, "import", str(_file(tmp_path)), "--as", "wang")
    code, out, _ = _run(capsys, "submissions", "--region", REGION, "--period", str(PERIOD), "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 1
    row = rows[0]
    assert {
        "id",
        "region_code",
        "period",
        "version",
        "status",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    } <= set(row)
    assert (row["region_code"], row["period"], row["version"], row["status"], row["uploaded_by"]) == (
        REGION,
        PERIOD,
        1,
        "submitted",
        "wang",
    )
    assert datetime.fromisoformat(row["uploaded_at"]).tzinfo is not None
    sub_id = str(row["id"])
    code, _, err = _run(capsys, "review", sub_id, "--return", "--as", "li")
    assert code == 1 and "comment" in err
    code, out, _ = _run(
        capsys, "review", sub_id, "--return", "--comment", "fix S01", "--reason", "incomplete", "--as", "li"
    )
    assert code == 0 and "returned" in out
    code, _, err = _run(capsys, "review", sub_id, "--approve", "--as", "li")
    assert code == 1 and "returned" in err
    assert _run(capsys, "review", sub_id, "--reopen", "--comment", "ok after call", "--as", "li")[0] == 0
    code, out, _ = _run(capsys, "review", sub_id, "--approve", "--as", "li")
    assert code == 0 and "approved" in out
    assert "approved" in _run(capsys, "submissions")[1]


def test_review_usage_errors_exit_2(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["review", "abc", "--approve", "--as", "li"],
        ["review", "1", "--as", "li"],
        ["review", "1", "--approve"],
    ):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
    capsys.readouterr()


def test_demo_refuses_a_non_empty_database(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "demo")
    # real accounts (li, wang) are here: refused, and --force is not offered as a way round (issue 15)
    assert code == 1 and "not demo sign-ins" in err and "--force" not in err
    code, out, _ = _run(capsys, "demo", "--if-empty")
    assert code == 0 and "skipped" in out
