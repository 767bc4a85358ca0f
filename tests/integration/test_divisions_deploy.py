"""A real tree from the built-in national division list (issue 13 item 2): ``regions template``
writes the nation's or a province's tree, an administrator fills the populations and imports it;
codes that are not on the list are allowed with a warning. On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from assessment.cli import main
from assessment.demo import DEMO_DIR
from assessment.store import Store


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _fill_population(path: Path, value: str = "250000") -> None:
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row["population"] = value
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.mark.parametrize(("code", "expected"), [("100000", 3340), ("110000", 17)])
def test_a_tree_from_the_division_list_is_filled_and_imported(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, code: str, expected: int
) -> None:
    path = tmp_path / f"regions_{code}.csv"
    rc, _, err = run(capsys, "regions", "template", "--from", code, "-o", path)
    assert rc == 0 and f"{expected}" in err and "regions import" in err
    rc, _, err = run(capsys, "regions", "import", path)  # populations still empty: refused, nothing stored
    assert rc == 1 and "population" in err
    with Store(db) as store:
        assert len(store.region_tree()) == 0
    _fill_population(path)
    rc, _out, err = run(capsys, "regions", "import", path)
    assert rc == 0, err
    assert "divisions.unlisted" not in err and "not in the national division list" not in err
    with Store(db) as store:
        tree = store.region_tree()
    assert len(tree) == expected and tree.root.code == code


def test_codes_missing_from_the_list_are_allowed_with_a_warning(
    db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rc, _, err = run(capsys, "regions", "import", DEMO_DIR / "regions.csv")  # the fictional 99xxxx codes
    assert rc == 0
    assert "24 region codes are not in the national division list" in err and "990000" in err
    with Store(db) as store:
        assert len(store.region_tree()) == 24


def test_an_unknown_starting_code_is_refused(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rc, _, err = run(capsys, "regions", "template", "--from", "990000", "-o", tmp_path / "x.csv")
    assert rc == 1 and "990000" in err and "national division list" in err
    assert not (tmp_path / "x.csv").exists()
