"""The crosswalk file between editions: the shipped one is complete, a bad one is refused at its rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessment.catalogue import load_edition
from assessment.catalogue.crosswalk import CROSSWALK_DIR, breaks, load_crosswalk, parse_crosswalk
from assessment.domain.errors import DataFileError

NAME = "CN-2021_CN-2023.csv"
OLD, NEW = load_edition("CN-2021"), load_edition("CN-2023")


def test_the_shipped_crosswalk_covers_every_code_once() -> None:
    rows = load_crosswalk("CN-2021", "CN-2023")
    items = [r for r in rows if r.level == "item"]
    assert len(items) == 81 and {r.change for r in items if r.code == "S81"} == {"new"}
    assert {r.code for r in rows if r.level == "indicator"} == set(OLD.indicator_by_code) | set(
        NEW.indicator_by_code
    )
    marks = breaks(OLD, NEW)
    assert marks["S81.1"] == "new" and marks["S14.2"] == "standard_changed"
    assert "S02.1" not in marks


def _copy(tmp_path: Path, edit: callable) -> Path:  # type: ignore[valid-type]
    shutil.copy(CROSSWALK_DIR / NAME, tmp_path / NAME)
    path = tmp_path / NAME
    path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return tmp_path


def test_a_row_naming_an_unknown_code_is_refused_at_its_row(tmp_path: Path) -> None:
    folder = _copy(tmp_path, lambda text: text.replace("indicator,S02.1,S02.1,", "indicator,S02.1,S02.9,", 1))
    with pytest.raises(DataFileError) as err:
        parse_crosswalk(folder, NAME, OLD, NEW)
    codes = {p.code for p in err.value.problems}
    assert "crosswalk_unknown_code" in codes
    bad = next(p for p in err.value.problems if p.code == "crosswalk_unknown_code")
    assert bad.row is not None and bad.row > 1 and "S02.9" in bad.message_en and "S02.9" in bad.message_zh
    assert "crosswalk_missing_rows" in codes  # S02.1 of CN-2023 now has no row


def test_a_bad_change_and_a_new_row_with_an_old_code_are_refused(tmp_path: Path) -> None:
    def edit(text: str) -> str:
        text = text.replace("item,,S81,new", "item,S03,S81,new", 1)
        return text.replace("indicator,S04.1,S04.1,reworded", "indicator,S04.1,S04.1,renamed", 1)

    folder = _copy(tmp_path, edit)
    with pytest.raises(DataFileError) as err:
        parse_crosswalk(folder, NAME, OLD, NEW)
    codes = [p.code for p in err.value.problems]
    assert "bad_choice" in codes  # "renamed" is not a change the file knows
    assert "crosswalk_new_with_from" in codes  # a new item has no old code
    assert all(p.file == NAME for p in err.value.problems)
