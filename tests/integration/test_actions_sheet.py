"""The actions sheet of the feedback workbook, round trip through Excel (issue 17 point 1), and the
accountability sheet of the evaluation workbook (point 2), on SQLite and PostgreSQL with the demo.

The demo's 甲南县 (990123) has approved figures up to 2023; its 2023 gaps have one action (S06.1) and
the rest none. The evaluator of 甲市 (demo-jia) writes the feedback workbook; the county's official
(demo-990123) fills the sheet with openpyxl and uploads it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import openpyxl
import pytest

from assessment.accountability.service import register
from assessment.accountability.sheet import COLUMNS, import_actions_sheet
from assessment.reports.service import build_report
from assessment.scoring.analysis import assess
from assessment.store import Store

OFFICIAL, EVALUATOR, OTHER = "demo-990123", "demo-jia", "demo-990102"
REGION, PERIOD = "990123", 2023
SHEET = "整改措施"
LETTER = {key: openpyxl.utils.get_column_letter(i) for i, key in enumerate(COLUMNS, start=1)}


@pytest.fixture
def demo(store_url: str) -> Iterator[Store]:
    from assessment.demo.seed import seed_demo

    with Store(store_url) as s:
        seed_demo(s)
        yield s


def _feedback(s: Store) -> bytes:
    return build_report(s, EVALUATOR, "feedback", REGION, PERIOD)[1]


def _rows(book: openpyxl.Workbook) -> dict[str, int]:
    """Sheet row of every gap, by indicator code."""
    ws = book[SHEET]
    header = next(r for r in range(1, 30) if ws[f"G{r}"].value == "整改措施 measures")
    return {
        str(ws[f"{LETTER['key_indicator']}{r}"].value): r
        for r in range(header + 1, ws.max_row + 1)
        if ws[f"{LETTER['key_indicator']}{r}"].value
    }


def _save(book: openpyxl.Workbook) -> bytes:
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _fill(book: openpyxl.Workbook, row: int, **cells: object) -> None:
    ws = book[SHEET]
    for key, value in cells.items():
        ws[f"{LETTER[key]}{row}"] = value


def test_round_trip_stores_every_filled_row_once(demo: Store) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_feedback(demo)))
    ws = book[SHEET]
    rows = _rows(book)
    assert len(rows) >= 3 and "S06.1" in rows
    existing = rows["S06.1"]
    assert ws[f"{LETTER['measures']}{existing}"].value  # pre-filled with the stored action
    assert ws.protection.sheet
    assert ws[f"{LETTER['measures']}{existing}"].protection.locked is False
    assert ws[f"{LETTER['indicator_code']}{existing}"].protection.locked is True
    assert ws.column_dimensions[LETTER["key_region"]].hidden
    new = [code for code in rows if code != "S06.1"][:2]
    lead = ws[f"{LETTER['department']}{rows[new[0]]}"].value
    assert lead  # pre-filled with the item's lead department
    _fill(book, rows[new[0]], measures="+新建站点，年内配齐人员", budget_total=100000)
    _fill(
        book,
        rows[new[1]],
        measures="巡回服务",
        budget_total=9000,
        budget_central=4000,
        budget_local=5000,
        due_period=2025,
        status="推进中",
    )
    _fill(book, existing, status="推进中")  # one step forward
    data = _save(book)

    result = import_actions_sheet(demo, OFFICIAL, data, "feedback.xlsx")
    assert result.problems == ()
    assert (result.changed, result.unchanged) == (3, 0)
    assert result.skipped == len(rows) - 3
    stored = demo.actions(OFFICIAL, region_code=REGION, period=PERIOD).set_index("indicator_code")
    first = stored.loc[new[0]]
    assert first["measures"] == "+新建站点，年内配齐人员"  # stored as typed, plain text
    assert first["department"] == lead and int(first["due_period"]) == PERIOD + 1
    assert first["status"] == "planned"
    assert first["budget_central"] + first["budget_local"] == pytest.approx(100000)  # split by the share
    assert stored.loc[new[1], "status"] == "in_progress" and int(stored.loc[new[1], "due_period"]) == 2025
    assert stored.loc["S06.1", "status"] == "in_progress"

    again = import_actions_sheet(demo, OFFICIAL, data, "feedback.xlsx")
    assert (again.changed, again.unchanged, again.problems) == (0, 3, ())

    schedule, tree = demo.edition_schedule(), demo.region_tree()
    result_all = assess(
        demo.values(EVALUATOR),
        schedule,
        tree,
        demo.local_standards(),
        jurisdiction="990100",
        local_indicators=demo.local_indicators(),
    )
    reg = register(demo, EVALUATOR, result_all, PERIOD)
    gaps = reg.gaps.loc[reg.gaps["region_code"] == REGION].set_index("indicator_code")
    assert gaps.loc[new, "action_id"].notna().all()

    # the evaluation workbook's accountability sheet carries the same counts as the register
    evaluation = openpyxl.load_workbook(
        io.BytesIO(build_report(demo, EVALUATOR, "evaluation", "990100", PERIOD)[1])
    )
    sheet = evaluation["整改跟踪"]
    values = list(sheet.iter_rows(values_only=True))
    header = next(i for i, r in enumerate(values) if r[0] == "地区" and r[1] == "差距数")
    total = next(r for r in values[header:] if r[0] == "合计")
    counts = reg.counts()
    assert total[1:4] == (counts["gaps"], counts["with_action"], counts["without_action"])
    assert total[4] == counts["to_review"]
    assert total[7] == counts["escalated"]
    closure = reg.closure_total
    assert (total[11], total[12]) == (closure["comparable"], closure["closed"])


def test_bad_cells_are_refused_at_their_cells_and_nothing_is_stored(demo: Store) -> None:
    before = demo.actions(OFFICIAL, region_code=REGION)
    book = openpyxl.load_workbook(io.BytesIO(_feedback(demo)))
    rows = _rows(book)
    codes = [code for code in rows if code != "S06.1"]
    good, negative, early, unknown, tampered, split, no_measures = codes[:7]
    _fill(book, rows[good], measures="ok")
    _fill(book, rows[negative], measures="x", budget_total=-5)
    _fill(book, rows[early], measures="x", due_period=PERIOD - 1)
    _fill(book, rows[unknown], measures="x", indicator_code="S01.1", key_indicator="S01.1")
    _fill(book, rows[tampered], measures="x", key_indicator="S99.9")
    _fill(book, rows[split], measures="x", budget_total=100, budget_central=10, budget_local=10)
    _fill(book, rows[no_measures], budget_total=5000)  # input, but no measures
    _fill(book, rows["S06.1"], status="已完成")  # planned -> done skips in progress
    result = import_actions_sheet(demo, OFFICIAL, _save(book), "feedback.xlsx")
    assert not result.stored and result.changed == 0
    at = {p.cell: p.code for p in result.problems}
    assert at == {
        f"{LETTER['budget_total']}{rows[negative]}": "actions.error.budget_negative",
        f"{LETTER['due_period']}{rows[early]}": "actions.error.due_before_gap",
        f"{LETTER['indicator_code']}{rows[unknown]}": "actions_sheet.error.unknown_row",
        f"{LETTER['indicator_code']}{rows[tampered]}": "actions_sheet.error.key_mismatch",
        f"{LETTER['budget_total']}{rows[split]}": "actions.error.budget_split",
        f"{LETTER['status']}{rows['S06.1']}": "actions.error.status_skip",
        f"{LETTER['measures']}{rows[no_measures]}": "actions.error.measures_required",
    }
    assert all(p.sheet == SHEET and p.message_zh and p.message_en for p in result.problems)
    after = demo.actions(OFFICIAL, region_code=REGION)
    assert after[["id", "status", "measures"]].equals(before[["id", "status", "measures"]])

    # another county's official: refused at the region key, nothing stored
    clean = openpyxl.load_workbook(io.BytesIO(_feedback(demo)))
    _fill(clean, _rows(clean)[good], measures="ok")
    other = import_actions_sheet(demo, OTHER, _save(clean), "feedback.xlsx")
    assert [p.code for p in other.problems] == ["actions_sheet.error.not_your_region"]
    assert other.problems[0].cell.startswith(LETTER["key_region"])
    # not a workbook, or a workbook without the sheet
    assert import_actions_sheet(demo, OFFICIAL, b"\x00\x01", "x.xlsx").problems
    del clean[SHEET]
    missing = import_actions_sheet(demo, OFFICIAL, _save(clean), "x.xlsx")
    assert [p.code for p in missing.problems] == ["actions_sheet.error.no_sheet"]
    assert len(demo.actions(OFFICIAL, region_code=REGION)) == len(before)
