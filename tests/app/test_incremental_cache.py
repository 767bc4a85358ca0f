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


def _sorted(frame):
    from tests.fixtures import plain_cells

    keys = [c for c in ("region_code", "indicator_code", "period", "id") if c in frame.columns]
    rows = plain_cells(frame.sort_values(keys, ignore_index=True)[sorted(frame.columns)])
    return list(rows.itertuples(index=False, name=None))


def test_the_panel_register_after_an_approval_equals_a_full_register(db, monkeypatch) -> None:
    """The overview's actions panel counts a register brought up to date from the newest
    standard-basis assessment (only the approved county scored again); it equals a full register of
    the new data, and the standard-basis assessment itself was not rescored or updated for it."""
    from assessment.accountability.service import register
    from ui import actions, data

    root = data.region_tree().root.code
    period = max(data.assessment(EVALUATOR, root).periods)
    before = actions.panel_register_of(EVALUATOR, root, period)
    waiting = _submitted(db)
    first = waiting[0][0]
    data.store().review(EVALUATOR, first, "approve")
    full_runs = _counting(monkeypatch)
    updates: list[int] = []
    real_update = data.update
    monkeypatch.setattr(data, "update", lambda *a, **k: updates.append(1) or real_update(*a, **k))
    after = actions.panel_register_of(EVALUATOR, root, period)
    assert full_runs == [] and updates == [], "the panel did not wait for the standard assessment"
    assert after is not before

    expected = register(data.store(), EVALUATOR, _full(root), period)
    assert after.counts() == expected.counts()
    assert after.closure_total == expected.closure_total
    for name in ("gaps", "actions", "closure", "warnings"):
        assert _sorted(getattr(after, name)) == _sorted(getattr(expected, name)), name


def _rendered(at) -> dict[str, object]:
    """What the overview shows that ui.render_cache keeps: the league and gap tables (values, cell
    styles and print copies), the heatmap, the headline and reporting figures, the actions panel."""
    import json

    tables = {d.proto.id: d for d in at.dataframe}
    return {
        "metrics": [(m.label, m.value) for m in at.metric],
        "tables": sorted(
            (json.dumps(d.value.astype(str).to_numpy().tolist()), d.proto.arrow_data.styler.styles)
            for d in tables.values()
        ),
        "print": sorted(h.proto.body for h in at.get("html") if "print-copy" in h.proto.body),
        "charts": [c.proto.spec for c in at.get("plotly_chart")],
        "panel": [m.value for m in at.markdown if "●" not in m.value],
    }


def test_the_overview_shows_an_approval_on_its_next_rerun(db) -> None:
    """Stale-cache guard: the league table, its print copy, the heatmap and the headline the overview
    keeps per data version show an approval on the next rerun of the same session, exactly as a
    fresh session with every cache cleared shows them."""
    from tests.fixtures import app_as

    at = app_as(EVALUATOR, "zh", page="overview.py")
    assert not at.exception, [e.value for e in at.exception]
    at.run()  # warm: everything shown comes from the caches
    before = _rendered(at)
    waiting = _submitted(db)
    from ui import data

    for sid, _county in waiting:  # approve every waiting report: the scores shown must move
        data.store().review(EVALUATOR, sid, "approve")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    after = _rendered(at)
    assert after["tables"] != before["tables"] and after["print"] != before["print"]
    assert after["metrics"] != before["metrics"]
    assert len(after["charts"]) == 2  # the heatmap and the map (drawn from the league's kept frame)
    st.cache_resource.clear()
    st.cache_data.clear()
    data.store.clear()
    fresh = _rendered(app_as(EVALUATOR, "zh", page="overview.py"))
    assert after == fresh


def test_counties_within_is_the_jurisdictions_leaves_among_the_codes() -> None:
    """``incremental.counties_within`` (walks up from each changed code) against the set of every
    leaf of the jurisdiction, for every region of the demo tree as the jurisdiction."""
    from assessment.demo import demo_tree
    from assessment.scoring.incremental import counties_within

    tree = demo_tree()
    codes = [r.code for r in tree]
    rng = np.random.default_rng(3)
    for jurisdiction in codes:
        for _ in range(3):
            picked = [str(c) for c in rng.choice(codes, size=5, replace=False)] + ["no-such-region"]
            expected = sorted(set(picked) & set(tree.leaf_codes(jurisdiction)))
            assert counties_within(tree, jurisdiction, picked) == expected
    leaf = tree.leaf_codes(tree.root.code)[0]
    assert counties_within(tree, leaf, [leaf, tree.root.code]) == [leaf]
    assert counties_within(tree, "no-such-region", [leaf]) == []
