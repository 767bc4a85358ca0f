"""AppTest on the fictional national demo: the national evaluator sees every province with
drill-down, maps and the Theil split by province; a provincial evaluator sees their province against
the country's provinces (median, rank) and never a county of another province."""

from __future__ import annotations

import json

import pytest

from tests import national_demo
from tests.fixtures import app_as
from tests.national_demo import foreign_counties

national_db_url = national_demo.national_db_url  # the fixtures of the national demo
national_env = national_demo.national_env

PAGES = ("overview.py", "region.py", "indicator.py", "equity.py")
TEXT_ELEMENTS = (
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "info",
    "warning",
    "error",
    "success",
    "exception",
)


def everything(at) -> str:
    """Every text, option, table cell and chart spec the page sent."""
    parts: list[str] = []
    for kind in TEXT_ELEMENTS:
        parts += [str(e.value) for e in at.get(kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    for widget in ("selectbox", "multiselect", "radio"):
        parts += [" ".join(map(str, w.options)) for w in at.get(widget)]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [json.dumps(json.loads(c.proto.spec), ensure_ascii=False) for c in at.get("plotly_chart")]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_national_evaluator_pages_render(national_env: str, page: str) -> None:
    at = app_as("demo-national", "zh", page=page)
    assert not at.exception, [e.value for e in at.exception]
    assert "示例国" in at.title[0].value or page == "region.py"
    assert at.get("plotly_chart"), "charts drawn"


def test_national_overview_groups_provinces_and_maps_every_county(national_env: str) -> None:
    at = app_as("demo-national", "zh", page="overview.py")
    assert not at.exception
    assert any("超过 60" in c.value for c in at.caption), "heatmap rows are the provinces"
    heatmap = json.loads(at.get("plotly_chart")[0].proto.spec)
    rows = heatmap["data"][0]["y"]
    assert list(rows) == ["示例东省", "示例西省", "示例北省", "示例省"]
    map_spec = json.dumps(json.loads(at.get("plotly_chart")[1].proto.spec), ensure_ascii=False)
    assert "东甲一区" in map_spec and "甲城区" in map_spec, "counties of every province on the map"
    league = at.dataframe[0].value
    assert len(league) == 65
    # drill down to one province, then one prefecture
    at.selectbox(key="overview_region").set_value("920000").run()
    assert not at.exception and "示例西省" in at.title[0].value
    at.selectbox(key="overview_region").set_value("920300").run()
    assert not at.exception and "示例西丙自治州" in at.title[0].value
    assert len(at.dataframe[0].value) == 6


def test_national_equity_splits_theil_by_province(national_env: str) -> None:
    at = app_as("demo-national", "zh", page="equity.py")
    assert not at.exception
    assert any("省份之间" in s.value for s in at.subheader), [s.value for s in at.subheader]


def test_national_evaluator_region_page_lists_every_county(national_env: str) -> None:
    at = app_as("demo-national", "en", page="region.py")
    assert not at.exception
    assert len(at.selectbox(key="region_code").options) == 65
    at.selectbox(key="region_code").set_value("930221").run()
    assert not at.exception and "North Yi" in at.title[0].value
    assert not any("among the provinces" in s.value for s in at.subheader), "no provincial panel"


@pytest.mark.parametrize("page", PAGES)
def test_provincial_evaluator_never_sees_another_provinces_counties(national_env: str, page: str) -> None:
    at = app_as("demo-province", "zh", page=page)
    assert not at.exception, [e.value for e in at.exception]
    sent = everything(at)
    assert "甲城区" in sent or page == "equity.py", "the province's own counties are shown"
    leaked = [name for name in foreign_counties().values() if name in sent]
    assert not leaked, leaked
    codes = [code for code in foreign_counties() if "/" not in code and code in sent]
    assert not codes, codes


@pytest.mark.parametrize("page", ["overview.py", "region.py"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_provincial_evaluator_sees_median_and_rank_among_provinces(
    national_env: str, page: str, lang: str
) -> None:
    at = app_as("demo-province", lang, page=page)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    rank = metrics["在各省中排名" if lang == "zh" else "Rank among the provinces"]
    assert rank.endswith("/ 4") or rank.endswith("of 4"), rank
    median = metrics["全国各省中位数" if lang == "zh" else "Median of the provinces"]
    assert 0 < float(median) <= 100


def test_prefecture_evaluator_gets_no_national_panel(national_env: str) -> None:
    at = app_as("demo-jia", "zh", page="overview.py")
    assert not at.exception
    assert "在各省中排名" not in {m.label for m in at.metric}
