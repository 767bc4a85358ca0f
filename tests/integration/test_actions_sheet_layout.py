"""The actions sheet as written (issue 17 point 1), without a database: the demo's synthetic figures,
one stored action with formula-leading text, the English workbook."""

from __future__ import annotations

import dataclasses
import io

import openpyxl
import pandas as pd
import pytest

from assessment.accountability.sheet import COLUMNS, SHEET_NAMES, _header_key, _status_of, header_label
from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree, synthetic_values
from assessment.reports.actions_sheet import actions_rows
from assessment.reports.context import feedback_data
from assessment.reports.feedback import write_feedback
from assessment.store.actions import ACTION_COLUMNS

COUNTY, PERIOD = "990122", 2024
LETTER = {key: openpyxl.utils.get_column_letter(i) for i, key in enumerate(COLUMNS, start=1)}


@pytest.fixture(scope="module")
def data():  # type: ignore[no-untyped-def]
    edition = load_edition("CN-2021")
    tree = demo_tree()
    values = synthetic_values(edition, tree)
    return feedback_data(
        values, edition, tree, demo_local_standards(edition), region=COUNTY, period=PERIOD, lang="en"
    )


def _action(indicator: str) -> pd.DataFrame:
    row = dict.fromkeys(ACTION_COLUMNS)
    row.update(
        id=7,
        region_code=COUNTY,
        period=PERIOD,
        indicator_code=indicator,
        measures='=HYPERLINK("http://x")',
        department="@dept",
        budget_total=10.0,
        budget_central=4.0,
        budget_local=6.0,
        due_period=PERIOD + 2,
        status="in_progress",
    )
    return pd.DataFrame([row], columns=ACTION_COLUMNS)


def test_one_row_per_gap_with_defaults_and_the_stored_action(data) -> None:  # type: ignore[no-untyped-def]
    rows = actions_rows(data)
    gaps = data.scores.loc[
        (data.scores["region_code"] == COUNTY) & data.scores["status"].isin(["below_floor", "below_local"])
    ]
    assert len(rows) == len(gaps) > 0
    assert list(rows["gap_kind"]) == sorted(rows["gap_kind"])  # below the floor first
    assert (rows["due_period"] == PERIOD + 1).all() and (rows["status"] == "planned").all()
    assert rows["department"].notna().all() and (rows["key_region"] == COUNTY).all()
    assert (rows["shortfall"] > 0).all()
    first = str(rows["indicator_code"].iloc[0])
    with_action = actions_rows(data, _action(first)).set_index("indicator_code").loc[first]
    assert with_action["status"] == "in_progress" and with_action["due_period"] == PERIOD + 2
    assert with_action["budget_central"] == 4.0


def test_written_sheet_is_protected_typed_and_never_a_formula(data) -> None:  # type: ignore[no-untyped-def]
    first = str(actions_rows(data)["indicator_code"].iloc[0])
    xlsx = write_feedback(dataclasses.replace(data, actions=_action(first)))
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames[-1] == SHEET_NAMES["en"]
    ws = book[SHEET_NAMES["en"]]
    header = next(r for r in range(1, 20) if ws[f"A{r}"].value == header_label("indicator_code"))
    assert [ws.cell(header, i).value for i in range(1, len(COLUMNS) + 1)] == [
        header_label(k) for k in COLUMNS
    ]
    row = header + 1
    measures = ws[f"{LETTER['measures']}{row}"]
    assert measures.value == '=HYPERLINK("http://x")' and measures.data_type == "s" and measures.quotePrefix
    assert ws[f"{LETTER['department']}{row}"].quotePrefix
    assert ws[f"{LETTER['status']}{row}"].value == "In progress"
    assert ws.protection.sheet and not measures.protection.locked
    assert ws[f"{LETTER['value']}{row}"].protection.locked
    lists = [dv for dv in ws.data_validations.dataValidation if dv.type == "list"]
    assert lists and "In progress" in lists[0].formula1
    assert ws.freeze_panes == f"C{header + 1}"


def test_headers_and_statuses_read_back_in_either_language() -> None:
    for key in COLUMNS:
        assert _header_key(header_label(key)) == key
        assert _header_key(key) == key
    assert _header_key("整改措施") == "measures" and _header_key("something else") is None
    assert [_status_of(s) for s in ("planned", "已计划", "In progress", "已终止", " Done ")] == [
        "planned",
        "planned",
        "in_progress",
        "dropped",
        "done",
    ]
    assert _status_of("finished") is None
