"""AppTest: the overview's charts and tables as issue 16 point 10 wants them (demo province)."""

from __future__ import annotations

import json
import re

import pytest

from assessment.reports.workbook import STATUS_COLOURS
from tests.fixtures import app_as, shown


def _chart(at, key: str) -> dict:
    found = [c for c in at.get("plotly_chart") if getattr(c, "key", None) == key]
    assert found, f"no chart {key}"
    return json.loads(found[0].proto.spec)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_cost_figure_says_how_many_gaps_it_covers_on_its_face(demo_env: str, lang: str) -> None:
    at = app_as("demo-province", lang)
    assert not at.exception, [e.value for e in at.exception]
    captions = [shown(c.value) for c in at.caption]
    pattern = (
        r"其中已测算成本的差距 (\d+)/(\d+)（(\d+)%）"
        if lang == "zh"
        else r"costed gaps: (\d+) of (\d+) \((\d+)%\)"
    )
    found = [m for c in captions if (m := re.search(pattern, c))]
    assert len(found) == 1, captions
    priced, total, pct = map(int, found[0].groups())
    assert 0 < priced < total and pct == round(100 * priced / total)


def test_heatmap_map_and_league_table_read_as_the_legend_says(demo_env: str) -> None:
    at = app_as("demo-province", "zh")
    assert not at.exception, [e.value for e in at.exception]
    heat = _chart(at, "overview_heatmap")
    cells = [t for row in heat["data"][0]["text"] for t in row]
    assert any(t.startswith("▼") for t in cells), "below-floor cells carry their mark"
    assert any("低于国家底线" in (d.get("name") or "") for d in heat["data"][1:]), "status legend"
    assert any("格子颜色表示状态" in shown(c.value) for c in at.caption)
    the_map = _chart(at, "overview_map")
    names = [t for d in the_map["data"] if d.get("mode") == "text" for t in d["text"]]
    assert "丙峰自治县" in names
    league = next(d for d in at.dataframe if "甲城区" in set(d.value.get("name", [])))
    assert league.value is not None
    spec = league.proto.arrow_data.styler.styles
    assert STATUS_COLOURS["below_floor"] in spec and STATUS_COLOURS["meets"] in spec
