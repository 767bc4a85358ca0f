"""``python -m assessment users ...`` and the ``--as`` access checks of import / review / submissions."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.auth import signin as auth
from assessment.cli import main
from assessment.demo import demo_tree
from assessment.store import Store
from tests.fixtures import use_fast_hashing

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """An empty database with the demo region tree, pointed to by ASSESSMENT_DB_URL."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    monkeypatch.delenv("ASSESSMENT_USER", raising=False)
    use_fast_hashing(monkeypatch)
    with Store(url) as store:
        store.save_region_tree("system", demo_tree())
    yield url


def run(
    capsys: pytest.CaptureFixture[str],
    *argv: str,
    stdin: str | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    code, out, _ = run(capsys, "users", "list", "--json")
    assert code == 0
    return {u["username"]: u for u in json.loads(out)}


def test_first_admin_from_stdin_then_list_never_shows_hashes(capsys, monkeypatch, db: str) -> None:
    code, out, _ = run(
        capsys,
        "users",
        "add",
        "boss",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "boss" in out
    users = listed(capsys)
    assert users["boss"]["role"] == "admin" and users["boss"]["has_password"] is True
    assert "password_hash" not in users["boss"] and "$argon2" not in json.dumps(users)
    with Store(db) as store:
        assert auth.authenticate(store, "boss", PASSWORD).username == "boss"
        assert store.audit_log(action="user.add", object_id="boss")["actor"].tolist() == ["system"]


def test_prompted_password_is_asked_twice(capsys, monkeypatch) -> None:
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("sys.stdin", io.StringIO())
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, _ = run(
        capsys, "users", "add", "wang", "--role", "official", "--scope", "990123", "--display-name", "王芳"
    )
    assert code == 0
    assert listed(capsys)["wang"]["display_name"] == "王芳"


def test_mismatched_prompted_passwords_change_nothing(capsys, monkeypatch) -> None:
    answers = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("sys.stdin", io.StringIO())
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run(capsys, "users", "add", "wang", "--role", "official", "--scope", "990123")
    assert code == 1 and "differ" in err
    assert "wang" not in listed(capsys)


def test_no_terminal_and_no_stdin_flag_refuses_instead_of_hanging(capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code, _, err = run(capsys, "users", "add", "boss", "--role", "admin")
    assert code == 1 and "--password-stdin" in err
    assert "boss" not in listed(capsys)


@pytest.mark.parametrize(
    ("argv", "stdin", "expect"),
    [
        (["users", "add", "x", "--role", "official", "--password-stdin"], PASSWORD, "auth.scope_required"),
        (
            ["users", "add", "x", "--role", "evaluator", "--scope", "123456", "--password-stdin"],
            PASSWORD,
            "auth.unknown_scope",
        ),
        (["users", "add", "x", "--role", "admin", "--password-stdin"], "short", "auth.weak_password_short"),
        (["users", "add", "x", "--role", "admin", "--password-stdin"], "", "password"),
        (["users", "add", "system", "--role", "admin", "--password-stdin"], PASSWORD, "store.user_exists"),
        (["users", "disable", "ghost"], None, "ghost"),
        (["users", "disable", "system"], None, "auth.system_fixed"),
        (["users", "reset-password", "system", "--password-stdin"], PASSWORD, "auth.system_no_password"),
    ],
)
def test_bad_requests_exit_1_with_a_message(capsys, monkeypatch, argv, stdin, expect) -> None:
    before = listed(capsys)
    code, _, err = run(capsys, *argv, stdin=stdin if stdin is None else stdin + "\n", monkeypatch=monkeypatch)
    assert code == 1
    assert expect in err
    assert "Traceback" not in err
    assert listed(capsys) == before


@pytest.mark.parametrize(
    "argv", [["users", "add", "x"], ["users", "add", "x", "--role", "king"], ["users", "nope"]]
)
def test_usage_errors_exit_2(capsys, argv) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_users_without_action_prints_help(capsys) -> None:
    code, out, _ = run(capsys, "users")
    assert code == 2 and "reset-password" in out


def test_disable_enable_and_reset_password(capsys, monkeypatch, db: str) -> None:
    run(
        capsys,
        "users",
        "add",
        "wang",
        "--role",
        "official",
        "--scope",
        "990123",
        "--password-stdin",
        stdin=PASSWORD + "\n",
        monkeypatch=monkeypatch,
    )
    assert run(capsys, "users", "disable", "wang")[0] == 0
    assert listed(capsys)["wang"]["disabled"] is True
    with Store(db) as store, pytest.raises(auth.AuthError) as err:
        auth.authenticate(store, "wang", PASSWORD)
    assert err.value.code == "auth.disabled"
    assert run(capsys, "users", "enable", "wang")[0] == 0
    code, out, _ = run(
        capsys,
        "users",
        "reset-password",
        "wang",
        "--password-stdin",
        stdin="a brand new phrase\n",
        monkeypatch=monkeypatch,
    )
    assert code == 0 and "wang" in out
    with Store(db) as store:
        assert auth.authenticate(store, "wang", "a brand new phrase").username == "wang"
        actions = store.audit_log(object_id="wang")["action"].tolist()
    assert [a for a in actions if a.startswith("user.")] == [
        "user.add",
        "user.disable",
        "user.enable",
        "user.password",
    ]
    assert actions.count("sign_in_failed") == 1 and actions[-1] == "sign_in"


def test_sso_only_account(capsys) -> None:
    code, _, _ = run(
        capsys,
        "users",
        "add",
        "li",
        "--role",
        "evaluator",
        "--scope",
        "990100",
        "--identity",
        "li@example.gov.cn",
        "--no-password",
    )
    assert code == 0
    row = listed(capsys)["li"]
    assert row["has_password"] is False and row["external_identity"] == "email:li@example.gov.cn"


def test_link_takes_issuer_and_subject_and_unlock_clears_the_wait(capsys, monkeypatch, db: str) -> None:
    """Issue 15 points 5 and 9 on the command line: ``users link USERNAME "ISSUER SUBJECT"`` (a bare
    subject is refused with the format), ``users list`` marks a throttled name, ``users unlock``
    clears it (audited)."""
    from assessment.auth.signin import FREE_ATTEMPTS, AuthError, authenticate

    run(capsys, "users", "add", "li", "--role", "evaluator", "--scope", "990100", "--no-password")
    code, _, err = run(capsys, "users", "link", "li", "li-sub")
    assert code == 1 and "ISSUER SUBJECT" in err
    code, out, _ = run(capsys, "users", "link", "li", "https://sso.example.gov.cn Li-Sub")
    assert code == 0 and "https://sso.example.gov.cn Li-Sub" in out
    assert listed(capsys)["li"]["external_identity"] == "https://sso.example.gov.cn Li-Sub"
    code, out, _ = run(capsys, "users", "link", "li")
    assert code == 0 and listed(capsys)["li"]["external_identity"] is None

    run(
        capsys,
        "users",
        "add",
        "wang",
        "--role",
        "official",
        "--scope",
        "990123",
        "--password-stdin",
        stdin="correct horse battery\n",
        monkeypatch=monkeypatch,
    )
    with Store(db) as store:
        for _ in range(FREE_ATTEMPTS):
            with pytest.raises(AuthError):
                authenticate(store, "wang", "wrong")
    assert listed(capsys)["wang"]["throttled_until"] is not None
    code, out, _ = run(capsys, "users", "list")
    assert "throttled" in out.splitlines()[-1]
    code, out, _ = run(capsys, "users", "unlock", "wang")
    assert code == 0 and "wang" in out
    assert listed(capsys)["wang"]["throttled_until"] is None
    with Store(db) as store:
        assert authenticate(store, "wang", "correct horse battery").username == "wang"
        assert store.audit_log(action="user.unlock")["object_id"].tolist() == ["wang"]


def test_only_user_managers_may_manage_users(capsys, monkeypatch) -> None:
    run(capsys, "users", "add", "li", "--role", "evaluator", "--scope", "990000", "--no-password")
    code, _, err = run(capsys, "users", "add", "x", "--role", "admin", "--no-password", "--as", "li")
    assert code == 1 and "access.denied" in err
    assert run(capsys, "users", "disable", "system", "--as", "li")[0] == 1
    monkeypatch.setenv("ASSESSMENT_USER", "li")  # the default actor follows ASSESSMENT_USER
    assert run(capsys, "users", "add", "y", "--role", "admin", "--no-password")[0] == 1
    assert run(capsys, "users", "list")[0] == 1  # listing accounts is managing them too
    monkeypatch.delenv("ASSESSMENT_USER")
    assert {"x", "y"}.isdisjoint(listed(capsys))


# -- import / review / submissions: --as goes through the store's access checks ---------------------
@pytest.fixture
def scoped(db: str, tmp_path: Path) -> dict[str, Path]:
    """An official of 990123, a Jia City evaluator, a Yi City evaluator; templates for two counties."""
    from assessment.catalogue import load_edition
    from assessment.demo import demo_local_standards
    from tests.fixtures import demo_template

    with Store(db) as store:
        edition = load_edition()
        for std in demo_local_standards(edition):
            store.set_local_standard("system", std, edition)
        store.add_user("system", "wang", "王", "official", "990123")
        store.add_user("system", "li", "李", "evaluator", "990100")
        store.add_user("system", "yi", "乙", "evaluator", "990200")
    files = {}
    for region in ("990123", "990202"):
        files[region] = tmp_path / f"{region}_2024.xlsx"
        files[region].write_bytes(demo_template(region, 2024))
    return files


def _count(db: str) -> int:
    with Store(db) as store:
        return len(store.submissions("system"))


def test_import_as_an_official_of_another_region_is_refused(capsys, db: str, scoped) -> None:
    code, _, err = run(capsys, "import", str(scoped["990202"]), "--as", "wang")
    assert code == 1 and "access.denied" in err and "990202" in err
    assert "Traceback" not in err
    assert _count(db) == 0
    code, _, _ = run(capsys, "import", str(scoped["990123"]), "--as", "wang")
    assert code == 0 and _count(db) == 1


def test_review_outside_the_jurisdiction_is_refused(capsys, db: str, scoped) -> None:
    assert run(capsys, "import", str(scoped["990123"]), "--as", "wang")[0] == 0
    with Store(db) as store:
        sub_id = str(int(store.submissions("system")["id"].iloc[0]))
    for actor in ("yi", "wang"):  # another prefecture's evaluator; the uploader herself
        code, _, err = run(capsys, "review", sub_id, "--approve", "--as", actor)
        assert code == 1 and "Traceback" not in err
    code, _, err = run(capsys, "review", sub_id, "--approve", "--as", "yi")
    assert "store.unknown_submission" in err and "990123" not in err  # looks like a missing one
    with Store(db) as store:
        assert store.submissions("system")["status"].tolist() == ["submitted"]
    assert run(capsys, "review", sub_id, "--approve", "--as", "li")[0] == 0


def test_submissions_list_only_the_actors_regions(capsys, db: str, scoped) -> None:
    assert run(capsys, "import", str(scoped["990123"]), "--as", "wang")[0] == 0
    assert run(capsys, "import", str(scoped["990202"]), "--as", "system")[0] == 0
    code, out, _ = run(capsys, "submissions", "--json", "--as", "wang")
    assert code == 0 and {r["region_code"] for r in json.loads(out)} == {"990123"}
    code, out, _ = run(capsys, "submissions", "--json", "--as", "yi")
    assert {r["region_code"] for r in json.loads(out)} == {"990202"}
    code, _, err = run(capsys, "submissions", "--region", "990202", "--as", "wang")
    assert code == 1 and "access.denied" in err
