"""The page cache after an approval (issue 20 point 2): ``ui.data.assessment`` brings the previous
assessment up to date by rescoring only the approved county, and what it returns equals a full
rescore of the new data; a local standard set in between makes it rescore everything.

On a private copy of the seeded demo database (the test approves and returns submissions)."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import streamlit as st

from assessment.catalogue import load_edition
from assessment.domain.model import LocalStandard
from assessment.scoring import analysis
from tests.app.test_page_upload import copy_demo_db
from tests.unit.test_incremental import assert_same

ROOT = Path(__file__).resolve().parents[2]
EVALUATOR = "demo-province"


@pytest.fixture
def db(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from ui import data

    url = copy_demo_db(demo_db_url, tmp_path, monkeypatch)
    data.store.clear()
    st.cache_resource.clear()
    yield url
    data.store.clear()
    st.cache_resource.clear()


def _submitted(url: str) -> list[tuple[int, str]]:
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
        rows = conn.execute(
            "SELECT id, region_code FROM submissions WHERE status = 'submitted' ORDER BY id"
        ).fetchall()
    return [(int(i), str(r)) for i, r in rows]


def _full(root: str, basis: str = "standard"):
    """What a cold cache computes for the same data (the function under the page cache)."""
    from ui import data

    s = data.store()
    schedule, local = s.edition_schedule(), s.local_indicators()
    tree = s.region_tree()
    return analysis.assess(
        s.values(EVALUATOR),
        schedule,
        tree,
        s.local_standards(),
        jurisdiction=root,
        basis=basis,
        local_indicators=local,
    )


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the full rescores the page cache runs (``ui.data.assess``)."""
    from ui import data

    calls: list[int] = []
    real = data.assess

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(data, "assess", counted)
    return calls


def test_an_approval_rescoring_only_its_county_equals_a_full_rescore(db, monkeypatch) -> None:
    from ui import data

    waiting = _submitted(db)
    assert len(waiting) >= 2, "the demo has submissions waiting for review"
    root = data.region_tree().root.code
    full_runs = _counting(monkeypatch)
    before = data.assessment(EVALUATOR, root)
    assert full_runs == [1]

    (first, county), (second, _returned) = waiting[0], waiting[1]
    data.store().review(EVALUATOR, first, "approve")
    data.store().review(EVALUATOR, second, "return", "请核对后重新上报")
    after = data.assessment(EVALUATOR, root)
    assert full_runs == [1], "the approval was applied to the cached assessment, not rescored"
    assert after is not before
    assert_same(after, _full(root))
    a = before.scores["value"].to_numpy(dtype=float, na_value=np.nan)
    b = after.scores["value"].to_numpy(dtype=float, na_value=np.nan)
    moved = ~((a == b) | (np.isnan(a) & np.isnan(b)))
    assert set(after.scores.loc[moved, "region_code"].astype(str)) == {county}  # the approved county only

    # a jurisdiction's own cache entry (a prefecture) follows the same path
    prefecture = data.region_tree().get(county).parent_code
    assert prefecture
    data.assessment(EVALUATOR, prefecture)
    assert full_runs == [1, 1]


def test_a_local_standard_in_between_rescores_everything(db, monkeypatch) -> None:
    from ui import data

    root = data.region_tree().root.code
    full_runs = _counting(monkeypatch)
    data.assessment(EVALUATOR, root)
    first = _submitted(db)[0][0]
    data.store().review(EVALUATOR, first, "approve")
    std = LocalStandard(root, "S02.1", 97.0, 2022, None, "test")
    data.store().set_local_standard(EVALUATOR, std, load_edition())
    after = data.assessment(EVALUATOR, root)
    assert full_runs == [1, 1]
    assert_same(after, _full(root))
