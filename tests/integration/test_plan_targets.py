"""The national level carries plan targets as local-only indicators (issue 14 item 5): the 14th
Five-Year Plan file imports onto a national tree from the division list through the command line,
appears in a county's template and is scored against its target; a bad file stores nothing. On
SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from assessment.catalogue import STANDARDS_DIR
from assessment.domain.editions import edition_chooser
from assessment.scoring.analysis import assess
from assessment.store import Store
from tests.fixtures import count_rows
from tests.integration.test_divisions_deploy import _fill_population, run

PLAN = STANDARDS_DIR.parent / "plans" / "fyp14_national.csv"


def _national(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "regions.csv"
    assert run(capsys, "regions", "template", "--from", "100000", "-o", path)[0] == 0
    _fill_population(path)
    assert run(capsys, "regions", "import", path)[0] == 0


def test_plan_targets_import_template_and_score(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _national(capsys, tmp_path)
    rc, out, err = run(capsys, "standards", "import", PLAN)
    assert rc == 0, err
    assert "16" in out
    with Store(db) as store:
        local = store.local_indicators()
        tree = store.region_tree()
        schedule = store.edition_schedule()
    assert len(local) == 16 and {li.jurisdiction_code for li in local} == {"100000"}
    doctors = next(li for li in local if li.code == "FYP14.07")
    assert (doctors.threshold, doctors.kind, doctors.effective_to) == (3.2, "per_capita", 2025)
    county = tree.leaf_codes("110000")[0]
    catalogue = edition_chooser(schedule, local, tree)(2024, county)
    assert "FYP14.07" in catalogue.indicator_by_code and catalogue.id == "CN-2023"
    assert "FYP14.07" not in edition_chooser(schedule, local, tree)(2026, county).indicator_by_code
    values = pd.DataFrame(
        {
            "region_code": [county, tree.leaf_codes("310000")[0]],
            "period": [2024, 2024],
            "indicator_code": ["FYP14.07", "FYP14.07"],
            "value": [3.5, 2.8],
            "numerator": [float("nan")] * 2,
            "denominator": [float("nan")] * 2,
            "note": ["", ""],
        }
    )
    result = assess(values, schedule, tree, (), local_indicators=local)
    rows = result.scores.loc[result.scores["indicator_code"] == "FYP14.07"].set_index("region_code")
    assert rows.loc[county, "status"] == "meets"
    assert rows.loc[tree.leaf_codes("310000")[0], "status"] == "below_local"
    assert len(rows) == len(tree.leaves())  # every county of the nation, none outside


def test_a_bad_plan_file_is_refused_whole(
    db: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _national(capsys, tmp_path)
    text = PLAN.read_text(encoding="utf-8")
    bad = text.replace("FYP14.02,", "S05.1X,", 1).replace(
        ",rate,%,higher,96,50,", ",rate,%,higher,196,50,", 1
    )
    bad = bad.replace("FYP14.05,", "S81,", 1)  # the 2023 edition's new item code: a collision
    path = tmp_path / "bad.csv"
    path.write_text(bad, encoding="utf-8")
    with Store(db) as store:
        before = count_rows(store)
    rc, _, err = run(capsys, "standards", "import", path)
    assert rc == 1
    assert "bad.csv" in err and "S81" in err and "196" in err
    with Store(db) as store:
        assert count_rows(store) == before
