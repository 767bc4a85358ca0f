"""AppTest: long work shows its steps on a progress bar (issue 20 point 7).

The reports page draws the core's progress callback (``build_report(progress=...)``) as an
``st.progress`` element that ends at 100 % with "done"; the upload page shows the check and the
import of a file on one.
"""

from __future__ import annotations

import pytest

from tests.fixtures import app_as


def _bars(at) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return [(int(e.proto.value), str(e.proto.text)) for e in at.get("progress")]


@pytest.mark.parametrize(
    "button", ["reports_make_evaluation", "reports_make_feedback_pdf", "reports_make_tidy"]
)
def test_report_generation_shows_a_progress_bar(demo_env: str, button: str) -> None:
    at = app_as("demo-jia", "zh", page="reports.py")
    assert not at.exception, [e.value for e in at.exception]
    assert _bars(at) == [], "no bar before a click"
    at.button(key=button).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert _bars(at) == [(100, "已完成")]
    assert at.session_state[button.replace("_make_", "_file_")][1]  # and the file was made
