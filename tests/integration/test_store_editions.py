"""Editions in the store (SQLite and PostgreSQL): the period each is in force for, catalogue
revisions through the workbook round trip, and local-only indicators from import to score to report."""

from __future__ import annotations

import io
from dataclasses import replace

import openpyxl
import pandas as pd
import pytest

from assessment.catalogue.local_indicators import parse_standards_file
from assessment.domain.errors import DataFileError
from assessment.intake.edition_workbook import diff_editions, edition_workbook, read_edition_workbook
from assessment.reports.service import build_report, store_source
from assessment.scoring.analysis import assess
from assessment.store import Store
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, count_rows, upload


def values(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": [r[0] for r in rows],
            "period": [r[1] for r in rows],
            "indicator_code": [r[2] for r in rows],
            "value": [r[3] for r in rows],
            "numerator": [float("nan")] * len(rows),
            "denominator": [float("nan")] * len(rows),
            "note": [""] * len(rows),
        }
    )


def test_each_period_has_the_edition_in_force_and_an_admin_can_move_it(store: Store) -> None:
    schedule = store.edition_schedule()
    assert schedule.for_period(2022).id == "CN-2021" and schedule.for_period(2023).id == "CN-2023"
    assert (len(schedule.get("CN-2023").items), len(schedule.get("CN-2021").items)) == (81, 80)
    store.set_edition_in_force(ADMIN, "CN-2023", 2024)
    assert store.edition_schedule().for_period(2023).id == "CN-2021"
    before = count_rows(store)
    with pytest.raises(DataFileError) as err:  # two editions may not start in one period
        store.set_edition_in_force(ADMIN, "CN-2023", 2021)
    assert err.value.problems[0].code == "store.edition_overlap"
    assert "CN-2021" in err.value.problems[0].message_en
    with pytest.raises(DataFileError):  # only administrators
        store.set_edition_in_force(EVALUATOR, "CN-2023", 2025)
    assert count_rows(store) == before  # a refused change stores nothing
    store.set_edition_in_force(ADMIN, "CN-2021", None)
    assert store.edition_schedule().for_period(2022).id == "CN-2023"  # the only one in force
    with pytest.raises(DataFileError) as err:  # at least one edition stays in force
        store.set_edition_in_force(ADMIN, "CN-2023", None)
    assert err.value.problems[0].code == "store.no_edition_in_force"
    store.set_edition_in_force(ADMIN, "CN-2021", 2021)
    assert store.edition_schedule().for_period(2022).id == "CN-2021"
    assert store.edition_schedule().for_period(2024).id == "CN-2023"


def _raise_floor(data: bytes, code: str, floor: float) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["indicators"]
    header = [c.value for c in ws[1]]
    col = header.index("national_floor") + 1
    for row in ws.iter_rows(min_row=3):
        if row[0].value == code:
            ws.cell(row=row[0].row, column=col, value=floor)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_revision_round_trip_changes_scores_and_old_reports_reproduce(store: Store) -> None:
    v = values([("990101", 2022, "S02.1", 91.0), ("990102", 2022, "S02.1", 95.0)])
    tree = store.region_tree()
    first = assess(v, store.edition_schedule(), tree)
    row = first.scores.loc[
        (first.scores["region_code"] == "990101") & (first.scores["indicator_code"] == "S02.1")
    ]
    assert row["status"].iloc[0] == "meets" and set(first.scores["edition"].astype(str)) == {"CN-2021"}

    current = store.edition_revision("CN-2021")
    changed = _raise_floor(edition_workbook(current), "S02.1", 92.0)
    revised = read_edition_workbook(changed, current)
    diff = diff_editions(current, revised)
    assert list(zip(diff["code"], diff["field"], strict=True)) == [("S02.1", "national_floor")]
    with pytest.raises(DataFileError):  # evaluators may not revise the catalogue
        store.save_edition_revision(EVALUATOR, revised)
    assert store.save_edition_revision(ADMIN, revised, "annex text checked") == 2
    with pytest.raises(DataFileError) as err:  # the same content again is not a revision
        store.save_edition_revision(ADMIN, revised)
    assert err.value.problems[0].code == "store.edition_unchanged"

    second = assess(v, store.edition_schedule(), tree)
    row = second.scores.loc[
        (second.scores["region_code"] == "990101") & (second.scores["indicator_code"] == "S02.1")
    ]
    assert row["status"].iloc[0] == "below_floor" and row["national_floor"].iloc[0] == 92.0
    assert set(second.scores["edition"].astype(str)) == {"CN-2021 r2"}
    # the old revision is kept: a report of that revision scores as before
    old = assess(v, store.edition_revision("CN-2021", 1), tree)
    pd.testing.assert_frame_equal(old.scores, first.scores)
    revs = store.edition_revisions()
    assert list(revs.loc[revs["edition_id"] == "CN-2021", "revision"]) == [1, 2]
    log = store.audit_log()
    assert (log["action"] == "edition.revise").sum() == 1


def test_old_report_reproduces_with_its_revision(store: Store) -> None:
    data, result = upload("990101", 2022, rows={"S02.1": (91.0, None, None)})
    sub = store.import_upload(OFFICIAL, data, "990101.xlsx", result)
    store.review(EVALUATOR, sub.submission_id, "approve")
    src_new = store_source(store, EVALUATOR, "990000", period=2022)
    src_old = store_source(store, EVALUATOR, "990000", period=2022, edition_id="CN-2021:r1")
    assert src_new.edition.label == "CN-2021" and src_old.edition.label == "CN-2021"
    current = store.edition_revision("CN-2021")
    store.save_edition_revision(
        ADMIN, read_edition_workbook(_raise_floor(edition_workbook(current), "S02.1", 93.0), current)
    )
    assert store_source(store, EVALUATOR, "990000", period=2022).edition.label == "CN-2021 r2"
    reproduced = store_source(store, EVALUATOR, "990000", period=2022, edition_id="CN-2021:r1").edition
    assert reproduced.indicator_by_code["S02.1"].national_floor == 90.0
    name, data_old = build_report(store, EVALUATOR, "evaluation", "990000", 2022, edition_id="CN-2021:r1")
    assert "CN-2021" in name and "r2" not in name
    name_new, data_new = build_report(store, EVALUATOR, "evaluation", "990000", 2022)
    assert "CN-2021-r2" in name_new
    # the county's 91 meets the old floor of 90 and is below the revised 93: the reports differ
    assert _status_of(data_old, "990101") != _status_of(data_new, "990101")


PHYSICIANS = (
    "jurisdiction,indicator_code,item_code,name_zh,name_en,kind,unit,direction,threshold,lower_bound,"
    "effective_from,note\n"
    "990000,P99.01,,每千人口执业（助理）医师数,Licensed (assistant) physicians per 1000,"
    "per_capita,人,higher,3.2,0,2023,十四五规划目标\n"
)


def test_local_indicator_from_import_to_score_to_report(store: Store) -> None:
    tree = store.region_tree()
    schedule = store.edition_schedule()
    defined, standards = parse_standards_file(
        PHYSICIANS, schedule.latest(), tree, store.local_indicators(), "plan.csv", editions=schedule.editions
    )
    assert [li.code for li in defined] == ["P99.01"] and standards == ()
    with pytest.raises(DataFileError):  # an official may not set the province's indicators
        store.save_local_indicators(OFFICIAL, defined)
    assert store.save_local_indicators(EVALUATOR, defined) == 1
    local = store.local_indicators()
    assert [(li.code, li.threshold, li.jurisdiction_code) for li in local] == [("P99.01", 3.2, "990000")]

    # a prefecture may set a stricter threshold on it, never a weaker one
    stricter = "jurisdiction_code,indicator_code,threshold,effective_from\n990100,P99.01,3.5,2023\n"
    weaker = "jurisdiction_code,indicator_code,threshold,effective_from\n990100,P99.01,3.0,2023\n"
    _, (std,) = parse_standards_file(
        stricter, schedule.latest(), tree, local, "s.csv", editions=schedule.editions
    )
    with pytest.raises(DataFileError) as err:
        parse_standards_file(weaker, schedule.latest(), tree, local, "w.csv", editions=schedule.editions)
    assert err.value.problems[0].code == "local_standards.weaker_than_parent"
    assert err.value.problems[0].row == 2

    v = values(
        [("990101", 2023, "P99.01", 3.4), ("990201", 2023, "P99.01", 2.9), ("990101", 2023, "S02.1", 95.0)]
    )
    result = assess(v, schedule, tree, [std], local_indicators=local)
    p = result.scores.loc[result.scores["indicator_code"] == "P99.01"].set_index("region_code")
    assert p.loc["990101", "status"] == "below_local"  # 3.4 < the prefecture's 3.5
    assert p.loc["990201", "status"] == "below_local"  # 2.9 < the province's 3.2
    assert p.loc["990201", "local_set_by"] == "990000"

    src = store_source(store, EVALUATOR, "990000", period=2023)
    assert "P99.01" in src.edition.indicator_by_code
    assert any(s.indicator_code == "P99.01" and s.threshold == 3.2 for s in src.standards)
    # reported, approved, and in the province's evaluation report
    data, result = upload("990201", 2023, rows={"P99.01": (2.9, None, None), "S02.1": (95.0, None, None)})
    sub = store.import_upload(OFFICIAL, data, "990201.xlsx", replace(result, edition="CN-2023"))
    store.review(EVALUATOR, sub.submission_id, "approve")
    _, report = build_report(store, EVALUATOR, "evaluation", "990000", 2023)
    rows = _status_of(report, "P99.01")
    assert rows and any("2.9" in r for r in rows), rows


def test_local_indicator_codes_never_collide(store: Store) -> None:
    tree = store.region_tree()
    schedule = store.edition_schedule()
    # a row for a national indicator is a local standard of it: 3.2 is far below its 90% floor
    national = PHYSICIANS.replace("P99.01", "S02.1", 1)
    with pytest.raises(DataFileError) as err:
        parse_standards_file(national, schedule.latest(), tree, (), "x.csv", editions=schedule.editions)
    assert err.value.problems[0].code == "local_standards.weaker_than_floor"
    clash = PHYSICIANS.replace("P99.01", "S81", 1)  # an item code of the 2023 edition
    with pytest.raises(DataFileError) as err:
        parse_standards_file(clash, schedule.get("CN-2021"), tree, (), "x.csv", editions=schedule.editions)
    assert err.value.problems[0].code == "local_indicators.national_code"
    twice = PHYSICIANS + PHYSICIANS.splitlines()[1] + "\n"
    with pytest.raises(DataFileError) as err:
        parse_standards_file(twice, schedule.latest(), tree, (), "x.csv", editions=schedule.editions)
    assert [p.code for p in err.value.problems] == ["local_indicators.duplicate_code"]
    assert err.value.problems[0].row == 3
    (good,), _ = parse_standards_file(PHYSICIANS, schedule.latest(), tree, (), "x.csv")
    before = count_rows(store)
    with pytest.raises(DataFileError) as err:  # the core refuses a colliding code whatever the caller did
        store.save_local_indicators(EVALUATOR, [replace(good, code="S05.1")])
    assert err.value.problems[0].code == "local_indicators.national_code"
    assert count_rows(store) == before


def _status_of(workbook: bytes, region: str) -> list[str]:
    """Every cell text of the rows naming ``region`` in the evaluation workbook (all sheets)."""
    wb = openpyxl.load_workbook(io.BytesIO(workbook), read_only=True)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            if any(str(c) == region for c in row if c is not None):
                out.append("|".join("" if c is None else str(c) for c in row))
    return out
