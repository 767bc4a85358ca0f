"""The feedback workbook under the small-cell rule (issue 15 point 8), from a real store on SQLite
and PostgreSQL: a county of a prefecture where only 2 counties report must not get its sibling's
score back as "the siblings' mean"; where 4 report, the siblings' figures are shown.

The store's tree (tests.fixtures.store_tree): Jia City 990100 with 4 counties 990101-990104, Yi
City 990200 with 2 counties 990201-990202; every county reports.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from assessment.reports.service import build_report
from assessment.store import Store
from tests.fixtures import EVALUATOR, OFFICIAL, upload

PERIOD = 2022  # CN-2021 is in force
SCORES = {"990101": 96.0, "990102": 92.0, "990103": 88.0, "990104": 84.0, "990201": 81.0, "990202": 97.0}
MARK = "—"


@pytest.fixture
def reported(store: Store) -> Store:
    edition = store.edition_schedule().for_period(PERIOD)
    for code, value in SCORES.items():  # every indicator, so that the overall score is given
        rows = {
            i.code: (1.0 if i.kind == "boolean" else value if i.kind == "rate" else value * 10, None, None)
            for i in edition.indicators
        }
        data, result = upload(code, PERIOD, rows=rows)
        sub = store.import_upload(OFFICIAL, data, f"{code}.xlsx", result)
        store.review(EVALUATOR, sub.submission_id, "approve")
    return store


def scores_sheet(store: Store, county: str) -> tuple[pd.DataFrame, str]:
    _, xlsx = build_report(store, EVALUATOR, "feedback", county, PERIOD, lang="en")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx))["Scores"]
    rows = [r for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    at = next(i for i, r in enumerate(rows) if r[0] == "Level")
    header = [str(v) if v is not None else f"_{i}" for i, v in enumerate(rows[at])]
    notes = " ".join(str(v) for r in rows[:at] for v in r if v is not None)
    return pd.DataFrame(rows[at + 1 :], columns=header), notes


def test_two_reporting_counties_get_no_siblings_mean(reported: Store) -> None:
    sheet, notes = scores_sheet(reported, "990201")
    overall = sheet.iloc[0]
    assert overall["Level"] == "Overall" and overall["Score"] is not None
    for col in ("Siblings' mean", "Rank in parent region", "Siblings ranked"):
        assert (sheet[col] == MARK).all(), col  # the mark, never a number nor a zero
    assert "fewer than 3 other regions" in notes
    # nothing in the sheet gives the neighbour's score back (2 x mean - own, or the mean itself)
    own, neighbour = float(overall["Score"]), reported_score(reported, "990202")
    numbers = {round(float(v), 6) for v in sheet.to_numpy().ravel() if isinstance(v, int | float)}
    assert own != neighbour
    assert round(neighbour, 6) not in numbers and round((own + neighbour) / 2, 6) not in numbers
    # the province's counties (5 others, none of them differencing against a shown sibling figure)
    assert overall["Rank in province"] != MARK
    assert overall["Regions of the same level ranked"] == 6


def test_four_reporting_counties_see_the_siblings_figures(reported: Store) -> None:
    sheet, _ = scores_sheet(reported, "990102")
    overall = sheet.iloc[0]
    assert isinstance(overall["Siblings' mean"], float)
    jia = [reported_score(reported, c) for c in ("990101", "990102", "990103", "990104")]
    assert overall["Siblings' mean"] == pytest.approx(sum(jia) / 4)
    assert overall["Siblings ranked"] == 4 and overall["Rank in parent region"] == 2
    # the province ranks differ from the prefecture ranks by Yi City's 2 counties only: shown
    # together they would give those two counties' order, so the province ranks are withheld
    assert overall["Rank in province"] == MARK
    assert overall["Regions of the same level ranked"] == MARK
    assert overall["Quintile (5 = top)"] == MARK


def reported_score(store: Store, county: str) -> float:
    sheet, _ = scores_sheet(store, county)
    return float(sheet.iloc[0]["Score"])
