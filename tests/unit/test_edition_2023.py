"""The CN-2023 catalogue (derived from CN-2021 by scripts/make_edition_2023.py) and the CN-2021 ->
CN-2023 crosswalk: real files on disk, checked against the 2023 release's list of changes."""

from __future__ import annotations

import csv
import importlib.util
import shutil
from dataclasses import asdict
from pathlib import Path
from types import ModuleType

import pytest

from assessment.catalogue import load_edition, summary
from assessment.catalogue.loader import STANDARDS_DIR
from assessment.domain.model import Edition
from tests.unit.test_catalogue import rule_share

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "make_edition_2023.py"
CROSSWALK = STANDARDS_DIR / "crosswalks" / "CN-2021_CN-2023.csv"
COLUMNS = ["level", "from_code", "to_code", "change", "confirmed", "note_zh", "note_en", "source"]
CHANGES = {"unchanged", "reworded", "standard_changed", "new", "removed"}

RAISED = ("S11", "S14", "S46")  # 义务教育阶段免除学杂费; 营养膳食补助; 计划生育家庭特别扶助
WIDER = ("S53", "S71")  # 农村危房改造; 特殊群体集中供养
REWORDED = ("S02", "S04", "S32")  # 孕产妇健康服务; 生育保险; 健康教育与健康素养促进 (lead)
NAMED = {*RAISED, *WIDER, *REWORDED}


@pytest.fixture(scope="module")
def old() -> Edition:
    return load_edition("CN-2021")


@pytest.fixture(scope="module")
def new() -> Edition:
    return load_edition("CN-2023")


@pytest.fixture(scope="module")
def crosswalk() -> list[dict[str, str]]:
    with CROSSWALK.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_edition_2023", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tags(path: Path) -> set[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["tag"] for row in csv.DictReader(handle)}


# -- the edition ----------------------------------------------------------------------------------


def test_cn2023_loads_with_the_counts_of_the_standard(new: Edition) -> None:
    assert summary(new) == {
        "edition": "CN-2023",
        "aspects": 9,
        "categories": 22,
        "items": 81,
        "indicators": 116,
    }
    assert new.effective_from == 2023
    assert new.published == "2023-08-09"
    assert new.title_zh == "国家基本公共服务标准（2023年版）"


def test_cn2023_keeps_the_2021_codes_and_adds_s81(old: Edition, new: Edition) -> None:
    assert [i.code for i in new.items] == [i.code for i in old.items] + ["S81"]
    assert [i.no for i in new.items] == list(range(1, 82))
    assert [(a.code, a.name_zh) for a in new.aspects] == [(a.code, a.name_zh) for a in old.aspects]
    assert [(c.code, c.aspect_code, c.name_zh) for c in new.categories] == [
        (c.code, c.aspect_code, c.name_zh) for c in old.categories
    ]
    assert {i.code for i in old.indicators} | {"S81.1"} == {i.code for i in new.indicators}


def test_rows_the_release_does_not_name_are_copied_unchanged(old: Edition, new: Edition) -> None:
    for item in old.items:
        if item.code not in NAMED:
            assert asdict(new.item_by_code[item.code]) == asdict(item), item.code
    for ind in old.indicators:
        if ind.item_code not in NAMED:
            assert asdict(new.indicator_by_code[ind.code]) == asdict(ind), ind.code


def test_the_new_item_is_folic_acid_in_c01_without_a_national_floor(new: Edition) -> None:
    item = new.item_by_code["S81"]
    assert (item.no, item.category_code, item.name_zh) == (81, "C01", "增补叶酸预防神经管缺陷服务")
    assert new.categories[0].code == "C01" and new.categories[0].name_zh == "优孕优生服务"
    assert item.verified
    assert "NS23-R1" in item.source.split(";")
    (ind,) = [i for i in new.indicators if i.item_code == "S81"]
    assert ind.code == "S81.1" and ind.kind == "rate" and ind.unit == "%" and ind.higher_is_better
    assert ind.national_floor is None and not ind.floor_confirmed
    assert (ind.optimum, ind.lower_bound, ind.weight) == (100, 50, 1)


def test_raised_standards_are_marked_and_their_amount_floors_are_not_the_2021_figures(
    old: Edition, new: Edition
) -> None:
    amounts = [i for i in old.indicators if i.item_code in RAISED and i.kind == "amount"]
    assert {i.code for i in amounts} == {"S11.2", "S11.3", "S14.2"}
    for before in amounts:
        assert before.national_floor is not None, before.code
        after = new.indicator_by_code[before.code]
        assert after.national_floor != before.national_floor, before.code
        assert after.national_floor is None and not after.floor_confirmed, before.code
    for code in RAISED:
        text = new.item_by_code[code].standard_zh
        assert "2023年版提高了本项标准" in text and "未能取得" in text, code
    assert new.item_by_code["S14"].name_zh == "农村义务教育学生营养膳食补助"


def test_floors_that_do_not_depend_on_the_raised_amounts_are_kept(old: Edition, new: Edition) -> None:
    for code in ("S11.1", "S46.1", "S46.2", "S53.1", "S53.2", "S71.1"):
        before, after = old.indicator_by_code[code], new.indicator_by_code[code]
        assert before.national_floor is not None, code
        assert (after.national_floor, after.floor_confirmed) == (
            before.national_floor,
            before.floor_confirmed,
        )


def test_wider_eligibility_is_noted_in_the_served_population(new: Edition) -> None:
    for code in WIDER:
        assert "2023年版扩大了服务对象范围" in new.item_by_code[code].served_population_zh, code


def test_every_2021_source_tag_is_defined_in_2023() -> None:
    old_tags, new_tags = (
        _tags(STANDARDS_DIR / "CN-2021" / "sources.csv"),
        _tags(STANDARDS_DIR / "CN-2023" / "sources.csv"),
    )
    assert old_tags <= new_tags
    assert {"NS23-R1", "NS23-R2", "NS23-BG"} <= new_tags - old_tags


def test_every_central_share_follows_the_documented_rule(new: Edition) -> None:
    assert [
        (i.code, i.central_share) for i in new.items if i.central_share != rule_share(i.expenditure_zh)
    ] == []


# -- the crosswalk ----------------------------------------------------------------------------------


def test_crosswalk_cells_are_well_formed(crosswalk: list[dict[str, str]]) -> None:
    tags = _tags(STANDARDS_DIR / "CN-2023" / "sources.csv")
    for row in crosswalk:
        assert row["level"] in {"item", "indicator"}, row
        assert row["change"] in CHANGES, row
        assert row["confirmed"] in {"yes", "no"}, row
        assert row["note_zh"] and row["note_en"], row
        assert row["source"] and set(row["source"].split(";")) <= tags, row
        assert (row["change"] == "new") == (row["from_code"] == ""), row
        assert (row["change"] == "removed") == (row["to_code"] == ""), row
        if row["change"] == "unchanged":
            assert row["confirmed"] == "no", row  # the release does not list which 41 were reworded


def test_crosswalk_codes_exist_in_the_edition_named(
    crosswalk: list[dict[str, str]], old: Edition, new: Edition
) -> None:
    codes = {
        ("item", "CN-2021"): set(old.item_by_code),
        ("indicator", "CN-2021"): set(old.indicator_by_code),
        ("item", "CN-2023"): set(new.item_by_code),
        ("indicator", "CN-2023"): set(new.indicator_by_code),
    }
    for row in crosswalk:
        if row["from_code"]:
            assert row["from_code"] in codes[row["level"], "CN-2021"], row
        if row["to_code"]:
            assert row["to_code"] in codes[row["level"], "CN-2023"], row


@pytest.mark.parametrize("level", ["item", "indicator"])
def test_every_code_of_both_editions_appears_exactly_once(
    crosswalk: list[dict[str, str]], old: Edition, new: Edition, level: str
) -> None:
    rows = [r for r in crosswalk if r["level"] == level]
    pick = (
        (lambda e: [i.code for i in e.items])
        if level == "item"
        else (lambda e: [i.code for i in e.indicators])
    )
    froms = [r["from_code"] for r in rows if r["from_code"]]
    tos = [r["to_code"] for r in rows if r["to_code"]]
    assert sorted(froms) == sorted(pick(old))
    assert sorted(tos) == sorted(pick(new))


def test_crosswalk_follows_the_release(crosswalk: list[dict[str, str]], old: Edition, new: Edition) -> None:
    by_code = {(r["level"], r["from_code"] or r["to_code"]): r for r in crosswalk}
    items = {code: by_code["item", code] for code in new.item_by_code}
    assert {c for c, r in items.items() if r["change"] == "standard_changed"} == {*RAISED, *WIDER}
    assert {c for c, r in items.items() if r["change"] == "reworded"} == set(REWORDED)
    assert {c for c, r in items.items() if r["change"] == "new"} == {"S81"}
    assert {c for c, r in items.items() if r["confirmed"] == "yes"} == NAMED | {"S81"}
    assert by_code["indicator", "S81.1"]["change"] == "new"
    assert not [r for r in crosswalk if r["change"] == "removed"]
    # an indicator whose floor differs between the editions is never called comparable
    for ind in old.indicators:
        if ind.national_floor != new.indicator_by_code[ind.code].national_floor:
            assert by_code["indicator", ind.code]["change"] == "standard_changed", ind.code
    # indicators of unnamed items are unconfirmed and unchanged
    for ind in new.indicators:
        if ind.item_code not in NAMED | {"S81"}:
            row = by_code["indicator", ind.code]
            assert (row["change"], row["confirmed"]) == ("unchanged", "no"), ind.code


# -- the generator ----------------------------------------------------------------------------------


def test_generator_check_passes_on_the_committed_files() -> None:
    assert _script().main(["--check"]) == 0


def test_generator_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    for name in ("CN-2021", "CN-2023", "crosswalks"):
        shutil.copytree(STANDARDS_DIR / name, tmp_path / name)
    script = _script()
    assert script.main(["--check", "--editions", str(tmp_path)]) == 0
    path = tmp_path / "CN-2023" / "indicators.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",,no,5,0,1,", ",5,no,5,0,1,"), encoding="utf-8")
    assert script.main(["--check", "--editions", str(tmp_path)]) == 1
    assert script.main(["--editions", str(tmp_path)]) == 0
    assert script.main(["--check", "--editions", str(tmp_path)]) == 0


@pytest.mark.parametrize(
    "name", ["aspects.csv", "categories.csv", "items.csv", "indicators.csv", "sources.csv"]
)
def test_generator_writes_csv_in_the_style_of_cn2021(name: str) -> None:
    script = _script()
    path = STANDARDS_DIR / "CN-2021" / name
    assert script.csv_text(*script.read_csv(path)).encode("utf-8") == path.read_bytes()
