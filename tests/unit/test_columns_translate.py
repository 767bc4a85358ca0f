"""``ui.columns.grid_translate``: a frozen Styler's render dict for Streamlit, built directly instead of
by pandas' ``Styler._translate``, must give Streamlit exactly what pandas' gives (issue 20 point 2).

Each case marshals the same table twice with Streamlit's own ``marshall_styler``: once a Styler
:func:`ui.columns.styled` froze (the fast path) and once a plain one (pandas' ``_translate``); the
protos must be equal byte for byte."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.elements.lib.pandas_styler_utils import marshall_styler
from streamlit.proto.ArrowData_pb2 import ArrowData

from ui import columns


def _frame(n: int = 40) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(7)
    score = rng.uniform(0, 100, n).round(3)
    score[::7] = np.nan
    statuses = np.array(["below_floor", "meets_standard", "no_data", "below_standard", "unknown_code"])
    status = statuses[np.arange(n) % len(statuses)]
    shown = pd.DataFrame(
        {
            "name": [f"县{i}" if i % 9 else None for i in range(n)],
            "score": score,
            "rank": pd.array([i if i % 5 else None for i in range(n)], dtype="Int64"),
            "count": np.arange(n, dtype=np.int16),
            "status": pd.Categorical(np.where(np.arange(n) % 11 == 3, None, status)),
            "flag": np.arange(n) % 2 == 0,
            "change": (rng.normal(0, 3, n)).astype("float32"),
            "note": pd.Series(["", "下降", "↑"] * (n // 3) + [""] * (n % 3), dtype="str"),
        },
        index=pd.RangeIndex(100, 100 + n),
    )
    codes = pd.Series(status, index=shown.index)
    return shown, codes


def _proto(styler) -> bytes:  # type: ignore[no-untyped-def]
    styler.set_uuid("fixed")
    proto = ArrowData()
    marshall_styler(proto, styler, "default")
    return proto.SerializeToString()


@pytest.mark.parametrize("n", [0, 1, 40, 333])
def test_the_fast_render_dict_marshals_exactly_as_pandas_one(n: int) -> None:
    shown, codes = _frame(n)
    fast = columns.styled(shown, codes, frozen=True)
    slow = columns.styled(shown, codes)
    fast._compute()
    assert columns.grid_translate(fast) is not None  # the fast path is the one compared
    assert _proto(fast) == _proto(slow)


def test_without_status_codes_too() -> None:
    shown, _ = _frame()
    assert _proto(columns.styled(shown, None, frozen=True)) == _proto(columns.styled(shown, None))


def test_a_changed_value_shows() -> None:
    shown, codes = _frame()
    before = _proto(columns.styled(shown, codes, frozen=True))
    changed = shown.copy()
    changed.iloc[5, 1] = 12.5
    assert _proto(columns.styled(changed, codes, frozen=True)) != before


def test_anything_else_falls_back_to_pandas() -> None:
    shown, codes = _frame()
    hidden = columns.styled(shown, codes).hide(["flag"], axis="columns")
    hidden._compute()
    assert columns.grid_translate(hidden) is None
    other = columns.styled(shown, codes).format("{:.1f}", subset=["score"])
    other._compute()
    assert columns.grid_translate(other) is None
    frozen_hidden = columns.freeze(columns.styled(shown, codes).hide(["flag"], axis="columns"))
    assert _proto(frozen_hidden) == _proto(columns.styled(shown, codes).hide(["flag"], axis="columns"))


def test_the_overviews_league_and_gap_tables_marshal_as_pandas_does() -> None:
    """The tables the overview keeps (``ui.overview_built``: league, largest gaps), on the demo data."""
    from assessment.catalogue import load_edition
    from assessment.demo import demo_local_standards, demo_tree, synthetic_values
    from assessment.scoring.analysis import assess
    from assessment.views import overview as view
    from ui import tables

    edition = load_edition()
    tree = demo_tree()
    result = assess(
        synthetic_values(edition, tree), edition, tree, demo_local_standards(edition), basis="floor"
    )
    period = max(result.periods)
    league = {"rank_in_level": view.rank_label_key(result)}
    league |= {"name": "col.region", "score": "col.score", "arrow": "col.trend", "change": "col.change"}
    league |= {"status": "col.status", "coverage": "col.coverage"}
    league |= {"n_below_floor": "col.below_floor", "n_deteriorating": "col.deteriorating"}
    gaps = {"name": "col.region", "indicator": "col.indicator", "unit": "col.unit", "value": "col.value"}
    gaps |= {"national_floor": "col.floor", "gap_floor": "col.gap", "rel_gap_floor": "col.rel_gap"}
    gaps |= {"evidence": "col.evidence"}
    for frame, names in (
        (view.league_table(result, period, "zh"), league),
        (view.largest_gaps(result, period, "en"), gaps),
    ):
        assert len(frame)
        shown, config = tables.labelled(frame, {k: v for k, v in names.items() if k in frame.columns})
        fast, _ = columns.prepared_show(frame, shown, config)
        codes = frame["status"] if "status" in frame.columns else None
        fast._compute()
        assert columns.grid_translate(fast) is not None
        assert _proto(fast) == _proto(columns.styled(shown, codes))


@pytest.mark.parametrize("n", [0, 1, 40, 333])
def test_the_status_colours_are_computed_as_pandas_computes_them(n: int) -> None:
    shown, codes = _frame(n)
    fast, slow = columns.styled(shown, codes, frozen=True), columns.styled(shown, codes)
    fast._compute()
    slow._compute()
    assert dict(fast.ctx) == dict(slow.ctx)
    assert n == 0 or len(slow.ctx) > 0  # the case has coloured cells
    moved = codes.copy()
    if n:
        moved.iloc[0] = "meets_standard" if moved.iloc[0] == "below_floor" else "below_floor"
        again = columns.styled(shown, moved, frozen=True)
        again._compute()
        assert dict(again.ctx) != dict(fast.ctx)
