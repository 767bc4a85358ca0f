"""The pages, reports and upload checks use the population *of the period* shown, and mark a
population-weighted figure computed with a population carried forward from an earlier year.

The tree is :func:`tests.fixtures.yearly_demo_tree`: every region has a 2023 and a 2024 figure of
its own except county B, which has only a 2023 figure (2024 carries it forward); county A's figures
differ from its base. 2022 precedes every figure: the base, carried forward everywhere."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.domain.i18n import t
from assessment.domain.model import Edition, RegionTree
from assessment.intake.ingest import read_upload
from assessment.reports import summary as sm
from assessment.reports import tables as tb
from assessment.reports.context import evaluation_data
from assessment.scoring.analysis import Assessment, aspect_matrix, assess
from assessment.views import equity as equity_view
from assessment.views import indicator as indicator_view
from assessment.views import overview as overview_view
from assessment.views.analysis_common import carried_forward_periods
from tests.fixtures import yearly_demo_tree


@cache
def edition() -> Edition:
    return load_edition()


@cache
def yearly_tree() -> RegionTree:
    return yearly_demo_tree()


def counties() -> tuple[str, str]:
    tree = yearly_tree()
    a, b = tree.leaf_codes(tree.root.code)[:2]
    return a, b


@cache
def values() -> pd.DataFrame:
    from assessment.demo import synthetic_values

    return synthetic_values(edition(), yearly_tree())


@cache
def result() -> Assessment:
    from assessment.demo import demo_local_standards

    return assess(values(), edition(), yearly_tree(), demo_local_standards(edition()))


def test_indicator_ranking_shows_the_population_of_the_period() -> None:
    a, b = counties()
    base = {c: yearly_tree().get(c).population for c in (a, b)}
    code = edition().indicators[0].code
    for period, expected in [
        (2024, {a: (3 * base[a], False), b: (base[b] // 2, True)}),
        (2023, {a: (base[a] + 10_000, False), b: (base[b] // 2, False)}),
        (2022, {a: (base[a], True), b: (base[b], True)}),  # before any figure: the base, marked
    ]:
        ranked = indicator_view.ranked(result(), code, period, "en").set_index("region_code")
        for county, (pop, carried) in expected.items():
            assert ranked.loc[county, "population"] == pop
            assert bool(ranked.loc[county, "population_carried_forward"]) is carried


def test_overview_groups_weigh_by_the_population_of_the_period() -> None:
    res = result()
    a, _ = counties()
    matrix = aspect_matrix(res, 2024, "en")
    assert matrix.attrs["period"] == 2024
    grouped = overview_view.by_child(matrix, res, "en")
    assert grouped.attrs["population_carried_forward"]  # county B's 2024 population is 2023's
    assert not overview_view.by_child(aspect_matrix(res, 2023, "en"), res, "en").attrs[
        "population_carried_forward"
    ]
    # the group of county A, recomputed with the 2024 populations, first aspect
    tree = yearly_tree()
    parent = tree.get(a).parent_code
    kids = [c for c in matrix.attrs["region_codes"] if tree.get(c).parent_code == parent]
    pops = np.array([tree.population(c, 2024)[0] for c in kids], dtype="float64")
    scores = matrix.iloc[[matrix.attrs["region_codes"].index(c) for c in kids], 0].to_numpy(dtype="float64")
    has = ~np.isnan(scores)
    expected = float((scores[has] * pops[has]).sum() / pops[has].sum())
    row = grouped.attrs["region_codes"].index(parent)
    assert grouped.iloc[row, 0] == pytest.approx(expected)
    explicit = overview_view.by_child(matrix, res, "en", period=2024)
    assert explicit.iloc[row, 0] == pytest.approx(expected)  # the matrix's period is the default


def test_equity_tables_mark_carried_forward_populations() -> None:
    table = equity_view.aspect_table(result(), "en")
    assert "population_carried_forward" in table.columns
    assert carried_forward_periods(table) == [2022, 2024]  # 2023 has both counties' own figures
    rows = indicator_view.equity_table(result(), edition().indicators[0].code)
    assert carried_forward_periods(rows) == [2022, 2024]
    for lang, words in (
        ("zh", "人口为沿用最近年份数据"),
        ("en", "Population carried forward from the latest year"),
    ):
        assert words in t("analysis.population_carried_forward", lang, periods="2024")
        assert t("analysis.col.population_carried_forward", lang) != "analysis.col.population_carried_forward"


def test_a_tree_without_yearly_populations_marks_nothing() -> None:
    from assessment.demo import demo_local_standards, demo_tree

    res = assess(values(), edition(), demo_tree(), demo_local_standards(edition()))
    assert carried_forward_periods(equity_view.aspect_table(res, "en")) == []
    grouped = overview_view.by_child(aspect_matrix(res, 2024, "en"), res, "en")
    assert not grouped.attrs["population_carried_forward"]
    ranked = indicator_view.ranked(res, edition().indicators[0].code, 2024, "en")
    assert not ranked["population_carried_forward"].any()


def test_report_region_tables_use_the_population_of_the_period() -> None:
    a, b = counties()
    tree = yearly_tree()
    data = evaluation_data(values(), edition(), tree, jurisdiction=tree.root.code, period=2024, lang="en")
    regions = data.regions.set_index("region_code")
    assert regions.loc[a, "population"] == 3 * tree.get(a).population
    assert regions.loc[b, "population"] == tree.get(b).population // 2
    assert (
        bool(regions.loc[b, "population_carried_forward"])
        and not regions.loc[a, "population_carried_forward"]
    )
    ranking = tb.ranking_table(data).set_index("region_code")
    assert ranking.loc[a, "population"] == 3 * tree.get(a).population
    figures = dict(
        (label, value) for label, value, _ in sm.summary_figures(data, tb.completeness_table(data, None)[0])
    )
    note = figures[t("reports.summary.population_carried_forward", "en")]
    assert "Population carried forward from the latest year" in str(note) and "2024" in str(note)
    # 2023: every region has a figure of its own, nothing is marked
    data23 = evaluation_data(values(), edition(), tree, jurisdiction=tree.root.code, period=2023, lang="en")
    assert data23.regions.set_index("region_code").loc[a, "population"] == tree.get(a).population + 10_000
    assert not data23.regions["population_carried_forward"].any()
    labels = [label for label, _, _ in sm.summary_figures(data23, tb.completeness_table(data23, None)[0])]
    assert t("reports.summary.population_carried_forward", "en") not in labels


def test_denominator_check_uses_the_population_of_the_uploads_period() -> None:
    a, _ = counties()
    tree = yearly_tree()
    base = tree.get(a).population
    den = 2 * base  # over the base, under the 2024 figure (3x the base)

    def warned(period: int) -> bool:
        text = (
            "region_code,period,indicator_code,value,numerator,denominator,note\n"
            f"{a},{period},S01.1,96.0,{int(den * 0.96)},{den},\n"
        )
        res = read_upload(text.encode(), "b.csv", edition=edition(), tree=tree)
        return any(p.code.endswith("W_DENOMINATOR_OVER_POPULATION") for p in res.problems)

    assert not warned(2024)  # 3x the base lives there in 2024
    assert warned(2023)  # 2023's figure is the base + 10,000
