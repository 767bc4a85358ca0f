"""AppTest: reports are generated on click, offered for download and audited."""

from __future__ import annotations

from io import BytesIO

import openpyxl
import pytest

from assessment.store import Store
from tests.fixtures import app_as


def test_evaluator_generates_the_evaluation_workbook(demo_env: str) -> None:
    at = app_as("demo-jia", "zh", page="reports.py")
    assert not at.exception, [e.value for e in at.exception]
    assert not at.get("download_button"), "nothing is generated before a click"
    at.button(key="reports_make_evaluation").click().run()
    assert not at.exception, [e.value for e in at.exception]
    made = at.session_state["reports_file_evaluation"]
    assert made[0].startswith("evaluation_990100_2024_CN-2023")  # the edition in force for 2024
    wb = openpyxl.load_workbook(BytesIO(made[1]))
    assert len(wb.sheetnames) >= 5
    with Store(demo_env) as store:
        log = store.audit_log(action="export")
    assert (log["actor"] == "demo-jia").any()


def test_official_has_no_reports_page(demo_env: str) -> None:
    at = app_as("demo-990102", "en")
    assert not at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/reports.py").run()


def test_evaluator_prints_the_feedback_letter(demo_env: str) -> None:
    at = app_as("demo-jia", "zh", page="reports.py")
    assert not at.exception, [e.value for e in at.exception]
    at.button(key="reports_make_feedback_pdf").click().run()
    assert not at.exception, [e.value for e in at.exception]
    name, data = at.session_state["reports_file_feedback_pdf"]
    assert name.endswith("_zh.pdf") and name.startswith("feedback_") and data[:5] == b"%PDF-"
    assert "reports_file_feedback" not in at.session_state, "the workbook is made only on its own click"
