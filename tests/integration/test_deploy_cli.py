"""A scripted deployment from an empty database, on SQLite and PostgreSQL: the first administrator,
``regions import``, ``boundaries import``, ``standards import``, ``regions export`` and ``list``;
each refusal with a clear message (where, what, what to do) and nothing stored."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from assessment.catalogue.regions import parse_region_csv
from assessment.cli import main
from assessment.demo import DEMO_DIR
from assessment.store import Store

PASSWORD = "a-Long-enough-passw0rd"
REGIONS = DEMO_DIR / "regions.csv"
BOUNDARIES = DEMO_DIR / "boundaries.geojson"
STANDARDS = DEMO_DIR / "local_standards.csv"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def counts(url: str) -> tuple[int, int, int]:
    with Store(url) as store:
        return len(store.region_tree()), len(store.boundaries()), len(store.local_standards())


def test_deployment_from_an_empty_database(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert run(capsys, "users", "add", "admin", "--role", "admin", "--password-stdin")[0] == 0

    # nothing yet: the listing and the export say what to do next, exit 0
    code, out, _ = run(capsys, "regions", "list")
    assert code == 0 and "regions import" in out
    code, out, err = run(capsys, "regions", "list", "--json")
    assert code == 0 and json.loads(out) == [] and "regions import" in err
    template = tmp_path / "template.csv"
    code, _, err = run(capsys, "regions", "export", "-o", template)
    assert code == 0 and "regions import" in err
    assert template.read_text(encoding="utf-8").splitlines() == [
        "code,name_zh,name_en,level,parent_code,population,urban,mountainous,ethnic_autonomous,"
        "fiscal_capacity_per_head,reports"
    ]

    # boundaries and standards need the tree first: refused with the next step, nothing stored
    for argv in (("boundaries", "import", BOUNDARIES), ("standards", "import", STANDARDS)):
        code, _, err = run(capsys, *argv, "--as", "admin")
        assert code == 1, err
        assert "deploy.no_tree" in err and "regions import" in err and "区划" in err
        assert "Traceback" not in err
    assert counts(db) == (0, 0, 0)

    # the region tree
    code, out, err = run(capsys, "regions", "import", REGIONS, "--as", "admin")
    assert code == 0, err
    assert "24" in out and "boundaries import" in out
    code, out, _ = run(capsys, "regions", "list")
    assert code == 0 and "990102" in out and "Sample Province" in out
    code, out, _ = run(capsys, "regions", "list", "--json")
    assert {r["code"] for r in json.loads(out)} >= {"990000", "990100", "990102"}

    # export gives back the same file the loader reads (round trip)
    exported = tmp_path / "regions.csv"
    assert run(capsys, "regions", "export", "-o", exported)[0] == 0
    assert set(parse_region_csv(exported.read_bytes())) == set(parse_region_csv(REGIONS.read_bytes()))
    code, out, _ = run(capsys, "regions", "export")
    assert code == 0 and out.encode("utf-8") == exported.read_bytes()
    assert sorted(exported.read_text(encoding="utf-8").splitlines()) == sorted(
        REGIONS.read_text(encoding="utf-8").splitlines()
    )

    # the boundaries
    code, out, err = run(capsys, "boundaries", "import", BOUNDARIES, "--as", "admin")
    assert code == 0, err
    assert counts(db)[1] == 24

    # the local standards: an evaluator may set only its own jurisdiction's; the whole file is refused
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        run(capsys, "users", "add", "prov", "--role", "evaluator", "--scope", "990000", "--password-stdin")[0]
        == 0
    )
    code, _, err = run(capsys, "standards", "import", STANDARDS, "--as", "prov")
    assert code == 1 and "access.denied" in err and "990100" in err
    assert counts(db)[2] == 0, "nothing stored when one row is refused"
    own = tmp_path / "province.csv"
    lines = STANDARDS.read_text(encoding="utf-8").splitlines()
    own.write_text("\n".join([lines[0], *(x for x in lines[1:] if x.startswith("990000,"))]) + "\n", "utf-8")
    code, out, err = run(capsys, "standards", "import", own, "--as", "prov")
    assert code == 0, err
    province = counts(db)[2]
    assert province == len(lines[1:]) - sum(x.startswith("990100,") for x in lines[1:]) > 0
    # the whole file as the operator's system account; importing it again changes nothing
    for _ in range(2):
        code, out, err = run(capsys, "standards", "import", STANDARDS)
        assert code == 0, err
        assert counts(db) == (24, 24, len(lines) - 1)
    with Store(db) as store:
        set_by = {s.jurisdiction_code: s.set_by for s in store.local_standards()}
    assert set_by["990100"]


def test_bad_files_are_refused_with_their_place_and_nothing_is_stored(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "regions.csv"
    bad.write_text(REGIONS.read_text(encoding="utf-8").replace("990102,", "99O102,", 1), "utf-8")
    code, _, err = run(capsys, "regions", "import", bad)
    assert code == 1 and "regions.csv" in err and "row" in err and "行" in err
    code, _, err = run(capsys, "regions", "import", tmp_path / "missing.csv")
    assert code == 1 and "missing.csv" in err
    assert counts(db) == (0, 0, 0)

    assert run(capsys, "regions", "import", REGIONS)[0] == 0
    geo = tmp_path / "b.geojson"
    geo.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"', "utf-8")
    code, _, err = run(capsys, "boundaries", "import", geo)
    assert code == 1 and "b.geojson" in err and "Traceback" not in err

    weak = tmp_path / "weak.csv"
    weak.write_text(
        "jurisdiction_code,indicator_code,threshold,effective_from\n990000,S05.1,95,2022\n990100,S05.1,80,2022\n",
        "utf-8",
    )
    code, _, err = run(capsys, "standards", "import", weak)
    assert code == 1 and "weak.csv" in err and "row 3" in err
    # weaker than a stored standard of the parent: found before anything is stored
    assert run(capsys, "standards", "import", STANDARDS)[0] == 0
    before = counts(db)
    weaker = tmp_path / "weaker.csv"
    weaker.write_text(
        "jurisdiction_code,indicator_code,threshold,effective_from\n990200,S02.1,95,2022\n990100,S05.1,91,2022\n",
        "utf-8",
    )
    code, _, err = run(capsys, "standards", "import", weaker)
    assert code == 1 and "weaker.csv, row 3" in err and "local_standards.weaker_than_parent" in err
    assert counts(db) == before
    with Store(db) as store:
        assert not [s for s in store.local_standards() if s.jurisdiction_code == "990200"]


def test_commands_without_an_action_print_their_help(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("regions", "boundaries", "standards"):
        code, out, _ = run(capsys, name)
        assert code == 2 and "import" in out


@pytest.mark.parametrize(
    "argv",
    [
        ("template", "--region", "990101", "--period", "2024", "-o", "{tmp}/t.xlsx"),
        ("validate", "{samples}/990102_2024.xlsx"),
    ],
)
def test_template_and_validate_name_the_next_step_on_an_empty_database(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: tuple[str, ...]
) -> None:
    samples = Path(__file__).resolve().parents[2] / "sample_reports"
    args = [a.format(tmp=tmp_path, samples=samples) for a in argv]
    code, _, err = run(capsys, *args)
    assert code == 1
    assert "regions import" in err
    assert not (tmp_path / "t.xlsx").exists()


def test_the_file_the_standards_page_downloads_imports_back(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from assessment.catalogue import load_edition
    from assessment.catalogue.local_standards import local_standards_csv
    from assessment.demo import demo_local_standards

    assert run(capsys, "regions", "import", REGIONS)[0] == 0
    edition = load_edition()
    demo = demo_local_standards(edition)
    path = tmp_path / "local_standards_990000.csv"
    path.write_bytes(local_standards_csv(demo))  # what the page offers (here: every jurisdiction)
    code, _, err = run(capsys, "standards", "import", path)
    assert code == 0, err
    with Store(db) as store:
        stored = store.local_standards()
    key = lambda s: (s.jurisdiction_code, s.indicator_code, s.effective_from)  # noqa: E731
    assert sorted((key(s), s.threshold, s.effective_to, s.set_by, s.note) for s in stored) == sorted(
        (key(s), s.threshold, s.effective_to, s.set_by, s.note) for s in demo
    )
