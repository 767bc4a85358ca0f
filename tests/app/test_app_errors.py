"""A page that fails shows a clear message with a reference, never a traceback."""

from __future__ import annotations

import pytest

from assessment.scoring.analysis import Assessment
from tests.fixtures import app_as


def test_unexpected_error_shows_a_reference_not_a_traceback(
    demo_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> Assessment:
        raise RuntimeError("simulated failure deep in the core")

    monkeypatch.setattr("ui.data._assessment", broken)
    at = app_as("demo-province", "en")
    assert not at.exception, "the failure is caught"
    text = " ".join(e.value for e in at.error)
    assert "error reference" in text
    assert "simulated failure" not in text and "Traceback" not in text
