"""Every command that takes a region refuses one outside the acting user's regions, and an unknown
code, with exit 1 and a message that says why (issue 15 point 11); ``users list`` needs an admin.

The database (SQLite and PostgreSQL) holds the demo tree and one approved report each for 990102
(prefecture 990100) and 990202 (prefecture 990200). ``wang`` is the official of 990102, ``jia`` the
evaluator of prefecture 990100: 990202 and 990200 are outside both.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment.cli import main
from assessment.domain.i18n import t
from assessment.store import Store
from tests.fixtures import demo_template

PERIOD = 2024
OWN, FOREIGN, FOREIGN_PREFECTURE, UNKNOWN = "990102", "990202", "990200", "999999"


@pytest.fixture
def scoped_db(db: str, tmp_path: Path) -> dict[str, object]:
    """The demo tree, two approved reports, an official, an evaluator and an administrator."""
    from assessment.catalogue import load_edition
    from assessment.demo import demo_local_standards, demo_tree
    from assessment.intake.ingest import read_upload

    ids: dict[str, int] = {}
    with Store(db) as store:
        store.save_region_tree("system", demo_tree())
        edition = load_edition()
        for std in demo_local_standards(edition):
            store.set_local_standard("system", std, edition)
        store.add_user("system", "wang", "王", "official", OWN)
        store.add_user("system", "jia", "贾", "evaluator", "990100")
        store.add_user("system", "boss", "Boss", "admin")
        for region in (OWN, FOREIGN):
            data = demo_template(region, PERIOD)
            result = read_upload(
                data, f"{region}.xlsx", edition=edition, tree=store.region_tree(), local_standards=()
            )
            assert result.ok, result.errors
            outcome = store.import_upload("system", data, f"{region}.xlsx", result)
            store.review("system", outcome.submission_id, "approve", "")
            ids[region] = outcome.submission_id
    upload = tmp_path / f"{FOREIGN}_{PERIOD}.xlsx"
    upload.write_bytes(demo_template(FOREIGN, PERIOD))
    standards = tmp_path / "standards.csv"
    standards.write_text(
        f"jurisdiction_code,indicator_code,threshold,effective_from\n{{region}},S01.1,99,{PERIOD}\n",
        encoding="utf-8",
    )
    return {"ids": ids, "upload": upload, "standards": standards, "out": tmp_path / "out"}


# Each command with the region it asks for as {region}; {out} is a file it would write.
COMMANDS = {
    "score": ["score", "--period", str(PERIOD), "--region", "{region}"],
    "score-item": ["score", "--period", str(PERIOD), "--region", "{region}", "--level", "item"],
    "trends": ["trends", "--region", "{region}"],
    "cost": ["cost", "--period", str(PERIOD), "--region", "{region}"],
    "equity": ["equity", "--period", str(PERIOD), "--within", "{region}"],
    "report-region": ["report", "--region", "{region}", "--period", str(PERIOD), "-o", "{out}"],
    "report-jurisdiction": ["report", "--jurisdiction", "{region}", "--period", str(PERIOD), "-o", "{out}"],
    "export": ["export", "--what", "scores", "--jurisdiction", "{region}", "-o", "{out}"],
    "template": ["template", "--region", "{region}", "--period", str(PERIOD), "-o", "{out}"],
    "validate": ["validate", "{upload}", "--region", "{region}"],
    "import": ["import", "{upload}", "--region", "{region}"],
    "submissions": ["submissions", "--region", "{region}"],
}
ACTION = {  # the action each command is refused, as the pages name it
    "report-region": "export",
    "report-jurisdiction": "export",
    "export": "export",
    "template": "download_template",
    "import": "upload",
}


def _argv(name: str, region: str, env: dict[str, object], actor: str) -> list[str]:
    fill = {"region": region, "upload": str(env["upload"]), "out": str(env["out"])}
    return [part.format(**fill) for part in COMMANDS[name]] + ["--as", actor]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("actor", ["wang", "jia"])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_a_region_outside_the_actors_is_refused_with_the_pages_message(
    scoped_db: dict[str, object], capsys: pytest.CaptureFixture[str], name: str, actor: str
) -> None:
    region = FOREIGN_PREFECTURE if name in {"equity", "export", "report-jurisdiction"} else FOREIGN
    before = _count_submissions(scoped_db)
    code, out, err = _run(capsys, _argv(name, region, scoped_db, actor))
    assert code == 1, (out, err)
    assert out == ""  # no table, not even an empty one
    action = ACTION.get(name, "view")
    for lang in ("zh", "en"):  # word for word the refusal the pages show
        expected = t("access.denied_region", lang, action=t(f"access.action.{action}", lang), region=region)
        assert expected in err
    assert "Traceback" not in err
    assert not Path(str(scoped_db["out"])).exists()
    assert _count_submissions(scoped_db) == before


@pytest.mark.parametrize("actor", ["wang", "boss"])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_an_unknown_region_code_is_refused_as_unknown(
    scoped_db: dict[str, object], capsys: pytest.CaptureFixture[str], name: str, actor: str
) -> None:
    code, out, err = _run(capsys, _argv(name, UNKNOWN, scoped_db, actor))
    assert code == 1, (out, err)
    assert out == ""
    for lang in ("zh", "en"):
        assert t("store.unknown_region_code", lang, code=UNKNOWN) in err
    assert not Path(str(scoped_db["out"])).exists()


@pytest.mark.parametrize("name", ["score", "trends", "submissions", "validate"])
def test_the_actors_own_region_still_works(
    scoped_db: dict[str, object], capsys: pytest.CaptureFixture[str], name: str
) -> None:
    fill = {**scoped_db, "upload": Path(str(scoped_db["upload"])).with_name("own.xlsx")}
    Path(str(fill["upload"])).write_bytes(demo_template(OWN, PERIOD))
    code, out, err = _run(capsys, _argv(name, OWN, fill, "wang"))
    assert code == 0, err
    if name == "validate":
        assert "The file is valid" in out
    else:
        assert OWN in out and FOREIGN not in out


def test_review_of_a_foreign_submission_is_refused_as_unknown(
    scoped_db: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    foreign = scoped_db["ids"][FOREIGN]  # type: ignore[index]
    code, out, err = _run(capsys, ["review", str(foreign), "--approve", "--as", "jia"])
    assert code == 1 and out == ""
    assert t("store.unknown_submission", "en", id=foreign) in err
    assert t("store.unknown_submission", "zh", id=foreign) in err


def test_standards_for_a_foreign_jurisdiction_are_refused(
    scoped_db: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    path = Path(str(scoped_db["standards"]))
    path.write_text(path.read_text(encoding="utf-8").format(region=FOREIGN_PREFECTURE), encoding="utf-8")
    code, out, err = _run(capsys, ["standards", "import", str(path), "--as", "jia"])
    assert code == 1 and out == ""
    action = t("access.action.set_standard", "en")
    assert t("access.denied_region", "en", action=action, region=FOREIGN_PREFECTURE) in err


@pytest.mark.parametrize("actor", ["wang", "jia"])
def test_users_list_needs_an_administrator(
    scoped_db: dict[str, object], capsys: pytest.CaptureFixture[str], actor: str
) -> None:
    code, out, err = _run(capsys, ["users", "list", "--json", "--as", actor])
    assert code == 1 and out == ""
    for lang in ("zh", "en"):
        assert t("access.denied", lang, action=t("access.action.manage_users", lang)) in err
    code, out, _ = _run(capsys, ["users", "list", "--as", "boss"])
    assert code == 0 and "wang" in out and "jia" in out


def _count_submissions(env: dict[str, object]) -> int:
    import os

    with Store(os.environ["ASSESSMENT_DB_URL"]) as store:
        return len(store.submissions("system"))
