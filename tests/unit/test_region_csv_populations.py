"""The region-tree export keeps the yearly populations (export -> edit -> import loses nothing)."""

from __future__ import annotations

from assessment.catalogue.regions import parse_region_csv
from assessment.views.admin import region_csv

CSV = (
    "code,name_zh,name_en,level,parent_code,population,population_2023,population_2024\n"
    "990000,示例省,Sample Province,province,,9000000,9100000,\n"
    "990101,甲县,Jia County,county,990000,400000,410000,420000\n"
    "990102,乙县,Yi County,county,990000,500000,,\n"
)


def test_yearly_populations_survive_the_round_trip() -> None:
    tree = parse_region_csv(CSV, "regions.csv")
    again = parse_region_csv(region_csv(tree), "export.csv")
    assert {r.code: r.populations for r in again} == {r.code: r.populations for r in tree}
    assert again.population("990101", 2024) == (420000, False)
    assert again.population("990000", 2024) == (9100000, True)  # carried forward from 2023
    header = region_csv(tree).decode("utf-8").splitlines()[0]
    assert header.endswith(",population_2023,population_2024")


def test_a_tree_without_yearly_figures_exports_as_before() -> None:
    tree = parse_region_csv(
        "code,name_zh,name_en,level,parent_code,population\n"
        "990000,示例省,Sample Province,province,,9000000\n",
        "regions.csv",
    )
    assert "population_" not in region_csv(tree).decode("utf-8")
