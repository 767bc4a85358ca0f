"""``ui.charts.set_shapes`` writes the heatmap's outlines without plotly validating each one; the figure
Streamlit sends (``plotly.io.to_json`` of ``fig.to_dict()``, as ``st.plotly_chart`` does) must be the
same string as with plotly's validating assignment (issue 20 point 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from ui import charts


def _sent(fig: go.Figure) -> str:
    return pio.to_json(fig.to_dict(), validate=False)


def _matrix(rows: int, cols: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    score = rng.uniform(20, 100, (rows, cols)).round(1)
    score[rng.random((rows, cols)) < 0.1] = np.nan
    statuses = np.array(charts.HEATMAP_STATUSES, dtype=object)
    status = statuses[rng.integers(0, len(statuses), (rows, cols))]
    names = [f"省{i}" for i in range(rows)]
    matrix = pd.DataFrame(score, index=names, columns=[f"A{j}" for j in range(cols)])
    matrix.attrs["status"] = status.tolist()
    return matrix


def _slow(fig: go.Figure, shapes: list) -> None:
    fig.layout.shapes = shapes


@pytest.mark.parametrize(("rows", "cols", "seed"), [(31, 9, 1), (5, 3, 2), (1, 1, 3), (40, 12, 4)])
def test_the_heatmap_sent_is_the_same_as_with_plotly_validating_the_outlines(
    rows: int, cols: int, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    matrix = _matrix(rows, cols, seed)
    kw = {"x_title": "x", "y_title": "y", "score_label": "得分", "status_labels": {"below_floor": "低于底线"}}
    fast = charts.score_heatmap(matrix, **kw)
    monkeypatch.setattr(charts, "set_shapes", _slow)
    slow = charts.score_heatmap(matrix, **kw)
    assert _sent(fast) == _sent(slow)
    assert len(fast.layout.shapes) == int((np.array(matrix.attrs["status"]) == "below_floor").sum())


def test_other_shapes_are_assigned_the_validating_way() -> None:
    base = {"type": "rect", "x0": 0, "x1": 1, "y0": 0, "y1": 1}
    mixed = [dict(base), {**base, "layer": "above"}]  # not the same keys
    fast, slow = go.Figure(), go.Figure()
    charts.set_shapes(fast, mixed)
    slow.layout.shapes = mixed
    assert _sent(fast) == _sent(slow)
    coerced = [{**base, "line": {"color": "red", "width": 2}, "opacity": np.int64(1)}] * 3
    fast, slow = go.Figure(), go.Figure()
    charts.set_shapes(fast, coerced)
    slow.layout.shapes = coerced
    assert _sent(fast) == _sent(slow)
    with pytest.raises(ValueError):  # an invalid shape is still refused
        charts.set_shapes(go.Figure(), [{**base, "type": "not-a-shape"}])
    empty = go.Figure()
    charts.set_shapes(empty, [])
    assert _sent(empty) == _sent(go.Figure())
