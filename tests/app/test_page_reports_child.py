"""AppTest: a report whose child process fails shows the clear message, offers no file
(issue 20 point 7; the rendering runs in a child, ``assessment.reports.service.render_isolated``)."""

from __future__ import annotations

from typing import Any

import pytest

from assessment.domain.i18n import t
from assessment.reports import service
from tests.fixtures import app_as


def failing(*args: Any, progress: Any = None) -> tuple[str, bytes]:
    """The child's body, replaced: a bug (module-level, so the child imports it by name)."""
    raise RuntimeError("internal detail")


def test_a_failed_report_child_shows_the_clear_message(
    demo_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "render_report", failing)
    at = app_as("demo-jia", "zh", page="reports.py")
    at.button(key="reports_make_feedback_pdf").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [str(e.value) for e in at.error]
    assert any(t("report_render.failed", "zh") in e for e in errors), errors
    assert not any("internal detail" in e for e in errors)
    assert (
        not at.session_state["reports_file_feedback_pdf"]
        if "reports_file_feedback_pdf" in at.session_state
        else True
    )
    assert not [b for b in at.get("download_button") if "feedback" in str(b.proto.id)]
