"""The workflow pages' pure helpers (assessment/views/upload.py, review.py, standards.py).

Tables of rules for the formatting, hypothesis for the editor round trip and the period list, and
the real catalogue, demo tree and demo local standards. The check against a real SQLite store is in
tests/integration/test_views_workflow_store.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree, synthetic_values
from assessment.domain.errors import Problem
from assessment.domain.model import LocalStandard
from assessment.scoring.analysis import assess
from assessment.views import review as rv
from assessment.views import standards as sv
from assessment.views import upload as uv

EDITION = load_edition()
TREE = demo_tree()
STANDARDS = demo_local_standards(EDITION)
JIA = "990100"  # Sample Jia City: sets S05.1 95 (the province sets 93; the national floor is 90)


@pytest.mark.parametrize("module", [uv, rv, sv], ids=lambda m: m.__name__)
def test_docstring_examples_run(module: object) -> None:
    import doctest

    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


def _p(code: str, severity: str = "error", **kw: object) -> Problem:
    return Problem(code, f"中文{code}", f"english {code}", severity=severity, **kw)  # type: ignore[arg-type]


# -- upload ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("problem", "location"),
    [
        (_p("E_NEGATIVE", sheet="填报", cell="J12", row=12, column="value"), "填报!J12"),
        (_p("E_OUT_OF_SCOPE", cell="A2", row=2, column="region_code"), "A2"),
        (_p("E_MISSING_SHEET", sheet="填报"), "填报"),
        (_p("E_CORRUPT", file="x.xlsx"), "x.xlsx"),
    ],
)
def test_problem_location_names_sheet_and_cell(problem: Problem, location: str) -> None:
    frame = uv.problems_frame([problem], "en")
    assert frame["Where (sheet!cell)"].tolist() == [location]


@pytest.mark.parametrize(
    ("lang", "message", "severity"), [("zh", "中文W_X", "⚠ 提醒"), ("en", "english W_X", "⚠ Warning")]
)
def test_problems_frame_speaks_the_users_language(lang: str, message: str, severity: str) -> None:
    frame = uv.problems_frame([_p("W_X", "warning", sheet="填报", cell="J9", row=9, value="0.95")], lang)
    row = frame.iloc[0].tolist()
    # column 2 is the indicator (issue 16)
    assert row[0] == severity and message in row and "0.95" in row and row[3] == 9


def test_problems_frame_keeps_every_problem_in_order() -> None:
    problems = [_p("E_A", row=3), _p("W_B", "warning", row=1), _p("E_C")]
    frame = uv.problems_frame(problems, "en")
    assert frame["Code"].tolist() == ["E_A", "W_B", "E_C"]
    assert frame["Row"].isna().tolist() == [False, False, True]
    assert uv.problems_frame([], "zh").empty


@given(st.integers(2000, 2100), st.lists(st.integers(1990, 2100), max_size=6), st.integers(1, 8))
def test_period_options_newest_first_and_complete(this_year: int, known: list[int], span: int) -> None:
    options = uv.period_options(this_year, known, span)
    assert options == sorted(set(options), reverse=True)
    assert set(known) | set(range(this_year - span, this_year)) == set(options)
    default = uv.default_period(options, known)
    assert default == (max(known) if known else options[0])


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("990123", ["990123"]),
        ("990300", ["990381", "990321", "990322", "990323", "990324", "990325"]),
    ],
)
def test_template_regions(scope: str, expected: list[str]) -> None:
    assert uv.template_regions(TREE, scope) == expected


def test_template_regions_of_the_province_are_all_counties() -> None:
    assert uv.template_regions(TREE, "990000") == [r.code for r in TREE.leaves()]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("990123_2024.xlsx", "990123_2024_annotated.xlsx"),
        ("batch.csv", "batch_annotated.xlsx"),
        ("", "upload_annotated.xlsx"),
        ("../../etc/x.xlsx", "x_annotated.xlsx"),
    ],
)
def test_annotated_name(name: str, expected: str) -> None:
    assert uv.annotated_name(name) == expected


def test_upload_token_distinguishes_file_region_and_period() -> None:
    tokens = {
        uv.upload_token(s, r, p) for s in ("a", "b") for r in ("990101", "990102") for p in (2023, 2024)
    }
    assert len(tokens) == 8


@pytest.mark.parametrize(
    ("floor", "confirmed", "text"),
    [(95.0, True, "95"), (1.5, False, "1.5*"), (None, True, ""), (None, False, ""), (0.0, True, "0")],
)
def test_floor_text_marks_unconfirmed_floors(floor: float | None, confirmed: bool, text: str) -> None:
    assert uv.floor_text(pd.Series([floor], dtype="float64"), pd.Series([confirmed])).tolist() == [text]


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (datetime(2025, 3, 31, 16, 0), "2025-04-01 00:00"),
        (datetime(2025, 3, 31, 16, 0, tzinfo=UTC), "2025-04-01 00:00"),
        (datetime(2024, 12, 31, 15, 59, tzinfo=UTC), "2024-12-31 23:59"),
    ],
)
def test_times_are_shown_in_beijing_time(when: datetime, text: str) -> None:
    assert uv.beijing_time(when) == f"{text} 北京时间"
    assert uv.beijing_time(when, "en") == f"{text} Beijing time"
    assert uv.time_text(pd.Series([when, None])).tolist() == [text, ""]


def _subs(**cols: list) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {
        "id": list(range(1, n + 1)),
        "region_code": ["990123"] * n,
        "period": [2024] * n,
        "version": list(range(1, n + 1)),
        "status": ["submitted"] * n,
        "uploaded_at": [datetime(2025, 3, 1, tzinfo=UTC)] * n,
        "uploaded_by": ["wang"] * n,
        "reviewed_at": [None] * n,
        "review_comment": [None] * n,
        "reason_code": [None] * n,
        "filename": ["f.xlsx"] * n,
        "value_count": [115] * n,
    }
    return pd.DataFrame(base | cols)


def test_submission_history_newest_first_with_the_reason_for_a_return() -> None:
    subs = _subs(
        status=["returned", "submitted"],
        review_comment=["请核实", None],
        reason_code=["implausible", None],
        reviewed_at=[datetime(2025, 3, 8, tzinfo=UTC), None],
    )
    out = uv.submission_history(subs, "en")
    assert out["Version"].tolist() == [2, 1]
    assert out["Status"].tolist() == ["submitted", "returned"]
    assert out["Reason returned"].tolist() == ["", "Implausible values"]
    assert out["Reviewer's comment"].tolist() == ["", "请核实"]
    assert out["Reviewed (Beijing time)"].tolist() == ["", "2025-03-08 08:00"]


@pytest.fixture(scope="module")
def county_result():
    values = synthetic_values(EDITION, TREE)
    values = values[values["region_code"] == "990123"]
    return assess(values, EDITION, TREE, STANDARDS, jurisdiction="990123")


def test_gaps_table_lists_floor_failures_first_with_shortfalls(county_result) -> None:
    out = uv.gaps_table(county_result, "990123", 2024, "en")
    counts = uv.status_counts(county_result, "990123", 2024)
    assert len(out) == counts["below_floor"] + counts["below_local"] > 0
    status = out["Status"].tolist()
    floor_label, local_label = "Below the national floor", "Meets the floor, below the local standard"
    assert status == sorted(status, key=[floor_label, local_label].index)
    assert (out["Gap"] < 0).all(), "every listed gap is a shortfall"
    assert counts["below_floor"] == status.count(floor_label)
    assert set(counts) == {"no_data", "below_floor", "below_local", "meets", "no_standard"}


def test_gaps_table_marks_unconfirmed_floors(county_result) -> None:
    scores = county_result.scores
    row = scores[(scores["period"] == 2024) & (scores["status"] == "below_floor")].iloc[0]
    scores = scores.assign(floor_confirmed=False)
    out = uv.gaps_table(replace(county_result, scores=scores), "990123", 2024, "zh")
    floors = out["国家底线"]
    assert floors[floors != ""].str.endswith("*").all() and (floors != "").any()
    assert out["指标"].str.startswith(str(row["indicator_code"])).any()
    assert uv.gaps_table(county_result, "990123", 1999, "zh").empty


# -- review ----------------------------------------------------------------------------------------
def _completeness() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": ["990102", "990103", "990104", "990121"],
            "parent_code": ["990100"] * 4,
            "status": ["reported", "never_reported", "late", "missing"],
            "first_uploaded_at": [
                datetime(2025, 3, 1, tzinfo=UTC),
                None,
                datetime(2025, 4, 2, tzinfo=UTC),
                None,
            ],
            "days_late": [None, None, 1.51, None],
            "latest_version": pd.array([1, None, 2, None], dtype="Int64"),
            "latest_status": ["approved", None, "submitted", None],
        }
    )


def test_completeness_counts_use_the_shared_definitions() -> None:
    """reported = on time + late; approved/pending from the latest status (issue 16, point 7)."""
    assert rv.completeness_counts(_completeness()) == {
        "reported": 2,
        "approved": 1,
        "pending": 1,
        "returned": 0,
        "late": 1,
        "not_reported": 2,
    }
    assert rv.completeness_counts(_completeness().iloc[:0]) == dict.fromkeys(rv.REVIEW_COUNTS, 0)


def test_completeness_table_worst_first_with_names() -> None:
    out = rv.completeness_table(_completeness(), TREE, "en")
    assert out["Region"].tolist() == [
        "Jiaxin District (990103)",
        "Jiadong County (990121)",
        "Jiahu District (990104)",
        "Jiacheng District (990102)",
    ]
    assert out["Reporting"].tolist()[0] == "⊘ Never reported"
    assert out["Days late"].tolist()[2] == 1.5
    assert out["Latest version's status"].tolist() == ["", "", "submitted", "approved"]


def test_completeness_table_marks_partial_reports_and_counts_indicators() -> None:
    frame = _completeness().assign(
        indicators_reported=pd.array([3, None, 7, None], dtype="Int64"),
        indicators_expected=pd.array([7] * 4, dtype="Int64"),
        partial=[True, False, False, False],
    )
    out = rv.completeness_table(frame, TREE, "zh").set_index("地区")
    row = out.loc["甲城区 (990102)"]
    assert row["报送情况"] == "✔ 按时报送 · ◑ 部分指标" and row["指标数（已报/应报）"] == "3 / 7"
    assert out["报送情况"].str.contains("部分指标").sum() == 1
    assert rv.partial_count(frame) == 1 and rv.partial_count(_completeness()) == 0
    assert rv.completeness_table(_completeness(), TREE, "en")["Indicators (reported / expected)"].eq("").all()


def test_queue_table_headers_and_names() -> None:
    out = rv.queue_table(_subs(status=["submitted"]), TREE, "zh")
    assert list(out.columns) == [
        "编号",
        "地区",
        "报告期",
        "版本",
        "上传时间（北京时间）",
        "上传人",
        "文件名",
        "数值个数",
    ]
    assert out.iloc[0]["地区"] == "甲南县 (990123)"


@pytest.mark.parametrize(
    ("queue", "period", "expected"),
    [
        ([], [], []),
        ([5, 2], [], [5, 2]),
        ([], [(9, "approved"), (8, "superseded"), (7, "returned")], [9, 7]),
        ([7], [(9, "approved"), (7, "submitted")], [7, 9]),
    ],
)
def test_pick_options_queue_first_then_live_versions(queue: list, period: list, expected: list) -> None:
    q = pd.DataFrame({"id": queue, "status": ["submitted"] * len(queue)})
    p = pd.DataFrame({"id": [i for i, _ in period], "status": [s for _, s in period]})
    assert rv.pick_options(q, p) == expected


@pytest.mark.parametrize(("version", "expected"), [(1, None), (2, 11), (3, 12)])
def test_previous_version_id(version: int, expected: int | None) -> None:
    versions = pd.DataFrame({"id": [12, 11, 13], "version": [2, 1, 3]})
    assert rv.previous_version_id(versions, version) == expected


@pytest.mark.parametrize(
    ("status", "latest", "allowed"),
    [
        ("submitted", True, ("approve", "return")),
        ("approved", True, ("reopen",)),
        ("returned", True, ("reopen",)),
        ("approved", False, ()),
        ("returned", False, ()),
        ("superseded", False, ()),
        ("superseded", True, ()),
    ],
)
def test_decisions_follow_the_workflow(status: str, latest: bool, allowed: tuple) -> None:
    assert tuple(rv.decisions_for(status, latest)) == allowed


def test_diff_table_reads_old_and_new_side_by_side() -> None:
    diff = pd.DataFrame(
        {
            "indicator_code": ["S05.1", "S02.1"],
            "change": ["changed", "added"],
            "old_value": [91.0, None],
            "new_value": [93.0, 95.0],
            "old_numerator": [None, None],
            "new_numerator": [None, 95.0],
            "old_denominator": [None, None],
            "new_denominator": [None, 100.0],
            "old_note": ["", None],
            "new_note": ["corrected", ""],
        }
    )
    out = rv.diff_table(diff, EDITION, "en")
    assert out.columns.tolist()[:4] == ["Indicator", "Change", "Old value", "New value"]
    assert out["Change"].tolist() == ["changed", "added"]
    assert out["Indicator"].iloc[0].startswith("S05.1 ")
    assert out["New note"].tolist() == ["corrected", ""]


def test_values_table_against_last_year_in_catalogue_order() -> None:
    values = pd.DataFrame(
        {
            "indicator_code": ["S05.1", "S01.1"],
            "value": [93.0, 80.0],
            "numerator": [None, 80.0],
            "denominator": [None, 100.0],
            "note": ["", "n"],
        }
    )
    previous = pd.DataFrame({"indicator_code": ["S01.1"], "value": [75.0]})
    out = rv.values_table(values, previous, EDITION, "en")
    assert out["Indicator"].str[:5].tolist() == ["S01.1", "S05.1"]
    assert out["Last year"].tolist()[0] == 75.0 and pd.isna(out["Last year"].tolist()[1])
    assert out["Change"].tolist()[0] == 5.0
    empty_prev = rv.values_table(values, pd.DataFrame({"indicator_code": [], "value": []}), EDITION, "zh")
    assert empty_prev["上年数值"].isna().all()


def test_review_table_translates_decisions_and_reasons() -> None:
    reviews = pd.DataFrame(
        {
            "at": [datetime(2025, 3, 8, 2, tzinfo=UTC)],
            "actor": ["li"],
            "decision": ["return"],
            "from_status": ["submitted"],
            "to_status": ["returned"],
            "comment": ["check S05.1"],
            "reason_code": ["implausible"],
        }
    )
    out = rv.review_table(reviews, "zh")
    assert out.iloc[0].tolist() == [
        "2025-03-08 10:00",
        "li",
        "退回",
        "待审核",
        "已退回",
        "数值不合理",
        "check S05.1",
    ]


def test_pick_labels_match_submission_labels() -> None:
    frame = _subs(status=["returned", "submitted"])
    labels = rv.pick_labels([frame, frame.iloc[:0]], TREE, "en")
    assert labels == {
        1: "#1 Jianan County (990123) · 2024 · v1 · returned",
        2: "#2 Jianan County (990123) · 2024 · v2 · submitted",
    }


def test_submission_label() -> None:
    from assessment.store.workflow import Submission

    when = datetime(2025, 1, 1)
    fields = (12, "990123", 2024, "CN-2021", 2, "submitted", "template", "", "", "f", 1, "w", when)
    sub = Submission(*fields, *[None] * 6)
    assert rv.submission_label(sub, TREE, "zh") == "#12 甲南县 (990123) · 2024 · v2 · 待审核"
    assert rv.submission_label(sub, TREE, "en", status=False) == "#12 Jianan County (990123) · 2024 · v2"


# -- local standards -------------------------------------------------------------------------------
def _std(
    code: str, threshold: float, start: int = 2022, end: int | None = None, jur: str = JIA
) -> LocalStandard:
    return LocalStandard(jur, code, threshold, start, end, "")


def test_editor_frame_holds_only_the_jurisdictions_own_standards() -> None:
    frame = sv.editor_frame(STANDARDS, JIA, EDITION)
    own = [s for s in STANDARDS if s.jurisdiction_code == JIA]
    assert list(frame.columns) == list(sv.EDITOR_COLUMNS)
    assert sorted(frame["indicator_code"]) == sorted(s.indicator_code for s in own)
    order = [i.code for i in EDITION.indicators]
    assert frame["indicator_code"].map(order.index).is_monotonic_increasing
    unconfirmed = {
        i.code for i in EDITION.indicators if i.national_floor is not None and not i.floor_confirmed
    }
    marked = frame.loc[frame["national_floor"].str.endswith("*"), "indicator_code"]
    assert set(marked) == set(frame["indicator_code"]) & unconfirmed
    assert sv.editor_frame(STANDARDS, "990300", EDITION).empty


def test_unchanged_editor_means_no_changes_and_inputs_untouched() -> None:
    original = sv.editor_frame(STANDARDS, JIA, EDITION)
    snapshot = original.copy()
    assert sv.changes(original, original.copy(), JIA) == []
    blank_row = pd.DataFrame([dict.fromkeys(sv.EDITOR_COLUMNS)], index=[len(original)])
    assert sv.changes(original, pd.concat([original, blank_row]), JIA) == []
    pd.testing.assert_frame_equal(original, snapshot)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_editing_one_threshold_is_one_change_of_that_standard(data: st.DataObject) -> None:
    original = sv.editor_frame(STANDARDS, JIA, EDITION)
    row = data.draw(st.integers(0, len(original) - 1))
    old = float(original.loc[row, "threshold"])
    new = data.draw(st.floats(0, 10_000, allow_nan=False).filter(lambda x: abs(x - old) > 1e-6))
    edited = original.copy()
    edited.loc[row, "threshold"] = new
    (change,) = sv.changes(original, edited, JIA)
    assert change.row == row + 1 and change.problems == ()
    assert change.before is not None and change.standard == replace(change.before, threshold=new)


@pytest.mark.parametrize(
    ("values", "codes"),
    [
        ({"indicator_code": None, "threshold": 95, "effective_from": 2025}, ["standards.no_indicator"]),
        (
            {"indicator_code": "S02.1", "threshold": "abc", "effective_from": 2025},
            ["local_standards.bad_threshold"],
        ),
        (
            {"indicator_code": "S02.1", "threshold": None, "effective_from": 2025},
            ["local_standards.bad_threshold"],
        ),
        ({"indicator_code": "S02.1", "threshold": 95, "effective_from": None}, ["standards.no_start"]),
        (
            {"indicator_code": "S02.1", "threshold": 95, "effective_from": 2025.5},
            ["local_standards.bad_period"],
        ),
        (
            {"indicator_code": "S02.1", "threshold": 95, "effective_from": 2025, "effective_to": 99999},
            ["local_standards.bad_period"],
        ),
        ({"indicator_code": "S02.1", "threshold": 95, "effective_from": 2025}, []),
    ],
)
def test_new_rows_that_cannot_be_read_name_what_is_missing(values: dict, codes: list[str]) -> None:
    original = sv.editor_frame(STANDARDS, JIA, EDITION)
    added = pd.DataFrame([values], index=[len(original)])
    (change,) = sv.changes(original, pd.concat([original, added]), JIA)
    assert [p.code for p in change.problems] == codes
    assert change.row == len(original) + 1
    assert (change.standard is None) == bool(codes)


def test_changing_an_existing_rows_indicator_is_refused() -> None:
    original = sv.editor_frame(STANDARDS, JIA, EDITION)
    edited = original.copy()
    edited.loc[0, "indicator_code"] = "S02.1"
    (change,) = sv.changes(original, edited, JIA)
    assert [p.code for p in change.problems] == ["standards.indicator_changed"] and not change.ok
    assert change.messages("en")[0].startswith("Row 1 (S02.1): ")
    assert change.messages("zh")[0].startswith("第 1 行（S02.1）：")


@pytest.mark.parametrize(
    ("std", "codes", "ok"),
    [
        (
            _std("S05.1", 80),
            ["local_standards.weaker_than_floor", "local_standards.weaker_than_parent"],
            False,
        ),
        (_std("S05.1", 92), ["local_standards.weaker_than_parent"], False),
        (_std("S05.1", 92, 2030, jur="990300"), ["local_standards.weaker_than_parent"], False),
        (_std("S05.1", 96), [], True),  # replaces Jia's 95: its own old row is superseded, no overlap
        (_std("S05.1", 97, 2025), [], True),
        (_std("S02.1", 101), ["local_standards.rate_range"], False),
        (_std("S05.1", 99, jur="990000"), ["local_standards.supersedes_child"], True),  # a warning
    ],
)
def test_precheck_applies_the_stores_rules(std: LocalStandard, codes: list[str], ok: bool) -> None:
    (row,) = sv.precheck([sv.RowChange(1, std.indicator_code, std)], STANDARDS, EDITION, TREE)
    assert [p.code for p in row.problems] == codes
    assert row.ok is ok


def test_two_new_rows_that_overlap_each_other_are_refused() -> None:
    rows = [
        sv.RowChange(6, "S02.1", _std("S02.1", 95, 2025)),
        sv.RowChange(7, "S02.1", _std("S02.1", 96, 2026)),
    ]
    checked = sv.precheck(rows, STANDARDS, EDITION, TREE)
    assert all(not r.ok for r in checked)
    assert {p.code for r in checked for p in r.problems} == {"local_standards.overlap"}


def test_read_only_tables() -> None:
    above = sv.inherited_table(STANDARDS, TREE, JIA, EDITION, "en")
    assert set(above["Set by jurisdiction"]) == {"Sample Province"}
    assert len(above) == sum(s.jurisdiction_code == "990000" for s in STANDARDS)
    assert "2022–2023" in set(above["In force (years)"]) and "2022–" in set(above["In force (years)"])
    assert sv.inherited_table(STANDARDS, TREE, "990000", EDITION, "en").empty
    below = sv.below_table(STANDARDS, TREE, "990000", EDITION, "zh")
    assert set(below["制定地区"]) == {"示例甲市"}
    assert sv.below_table(STANDARDS, TREE, JIA, EDITION, "zh").empty


def test_history_table_newest_first_and_related_jurisdictions_only() -> None:
    history = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "jurisdiction_code": ["990000", "990200", "990100"],
            "indicator_code": ["S05.1", "S05.1", "S05.1"],
            "threshold": [93.0, 94.0, 95.0],
            "effective_from": [2022, 2022, 2022],
            "effective_to": pd.array([None, None, 2023], dtype="Int64"),
            "set_by": ["省", "乙", "甲"],
            "set_at": [datetime(2024, 1, 1, tzinfo=UTC)] * 3,
            "entered_by": ["system"] * 3,
            "superseded_at": [datetime(2024, 6, 1, tzinfo=UTC), None, None],
            "in_force": [False, True, True],
        }
    )
    out = sv.history_table(history, TREE, JIA, EDITION, "en")
    assert out["Threshold"].tolist() == [95.0, 93.0], "Yi City's standard is unrelated to Jia City"
    assert out["State"].tolist() == ["In force", "Superseded on 2024-06-01 08:00"]
    assert out["In force (years)"].tolist() == ["2022–2023", "2022–"]
