"""The standards page's pre-check of a local standard agrees with what a real SQLite store accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree
from assessment.domain.model import LocalStandard
from assessment.views import standards as sv

EDITION = load_edition()
TREE = demo_tree()
STANDARDS = demo_local_standards(EDITION)
JIA = "990100"  # Sample Jia City: sets S05.1 95 (the province sets 93; the national floor is 90)


# -- local standards -------------------------------------------------------------------------------
def _std(
    code: str, threshold: float, start: int = 2022, end: int | None = None, jur: str = JIA
) -> LocalStandard:
    return LocalStandard(jur, code, threshold, start, end, "")


@pytest.mark.parametrize("threshold", [80.0, 92.0, 93.0, 95.5, 101.0])
def test_precheck_agrees_with_the_store(tmp_path: Path, threshold: float) -> None:
    from assessment.domain.errors import DataFileError
    from assessment.store import Store

    with Store(f"sqlite:///{tmp_path / 'std.db'}") as store:
        store.save_region_tree("system", TREE)
        for std in STANDARDS:
            store.set_local_standard("system", std, EDITION)
        store.add_user("system", "li", "李", "evaluator", JIA)
        std = _std("S05.1", threshold)
        (row,) = sv.precheck([sv.RowChange(1, "S05.1", std)], store.local_standards(), EDITION, TREE)
        try:
            store.set_local_standard("li", std, EDITION, TREE)
            accepted = True
        except DataFileError:
            accepted = False
    assert row.ok is accepted
