"""Report files are rendered in a niced child process (issue 20 point 7).

``build_report`` checks the right and gathers what the actor may see in the caller's process,
then renders the file in a child of :mod:`assessment.intake.isolation`'s forkserver: the child
has another pid and a lowered priority, its progress steps reach the caller's callback, and a
child that fails or runs out of time gives one clear zh/en message, no traceback, no file and no
export in the audit log. ``ASSESSMENT_REPORT_ISOLATE=0`` renders in-process.

The probes below replace ``service.render_report`` (the child's body); they are module-level so
that the child imports them by name.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from typing import Any

import pytest

from assessment.domain.errors import DataFileError
from assessment.reports import service
from assessment.reports.service import build_report
from assessment.store import Store
from tests.fixtures import EVALUATOR, OFFICIAL, batch, frame

PERIOD = 2024


def probe(*args: Any, progress: Any = None) -> tuple[str, bytes]:
    """Where it ran (pid, niceness) and which regions it was given; reports one step."""
    src = args[2]
    if progress is not None:
        progress(0.7, "progress.report.printing")
    regions = sorted(str(c) for c in src.values["region_code"].unique())
    return "probe.json", json.dumps({"pid": os.getpid(), "nice": os.nice(0), "regions": regions}).encode()


def failing(*args: Any, progress: Any = None) -> tuple[str, bytes]:
    raise ValueError("secret detail /srv/internal/path")


def _seed(store: Store) -> None:
    frames = [
        frame({"S01.1": (90.0 + i, None, None)}, c, PERIOD)
        for i, c in enumerate(("990101", "990102", "990201"))
    ]
    data, result = batch(frames)
    for item in store.import_upload(OFFICIAL, data, "batch.csv", result).items:
        store.review(EVALUATOR, item.id, "approve")


def _exports(store: Store) -> int:
    return len(store.audit_log(action="export"))


def test_the_report_is_rendered_in_a_niced_child_and_its_steps_come_back(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    monkeypatch.setattr(service, "render_report", probe)
    calls: list[tuple[float, str]] = []
    name, data = build_report(
        store,
        EVALUATOR,
        "evaluation",
        "990000",
        PERIOD,
        fmt="pdf",
        progress=lambda f, s: calls.append((f, s)),
    )
    seen = json.loads(data)
    assert name == "probe.json"
    assert seen["pid"] != os.getpid()
    assert seen["nice"] > os.nice(0)  # lowered priority: other users' pages first
    assert set(seen["regions"]) <= store.visible_regions(EVALUATOR)  # gathered by the parent
    assert (0.7, "progress.report.printing") in calls  # the child's step reached the page's callback
    assert [s for _, s in calls][-2:] == ["progress.report.recording", "progress.report.done"]
    assert _exports(store) == 1
    assert multiprocessing.active_children() == []


def test_in_process_when_isolation_is_off(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(store)
    monkeypatch.setattr(service, "render_report", probe)
    monkeypatch.setenv("ASSESSMENT_REPORT_ISOLATE", "0")
    _, data = build_report(store, EVALUATOR, "evaluation", "990000", PERIOD)
    assert json.loads(data)["pid"] == os.getpid()


def _clear(err: DataFileError, code: str) -> None:
    assert [p.code for p in err.problems] == [code]
    for text in (err.messages("zh"), err.messages("en")):
        assert text and "Traceback" not in text and "secret" not in text and "/srv" not in text


def test_a_failing_child_is_one_clear_message_and_nothing_is_recorded(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    monkeypatch.setattr(service, "render_report", failing)
    with pytest.raises(DataFileError) as caught:
        build_report(store, EVALUATOR, "feedback", "990102", PERIOD, fmt="pdf")
    _clear(caught.value, "report_render.failed")
    assert _exports(store) == 0
    assert multiprocessing.active_children() == []


def test_a_child_over_its_time_is_stopped_with_a_clear_message(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed(store)
    monkeypatch.setenv("ASSESSMENT_REPORT_TIMEOUT_S", "0.001")
    with pytest.raises(DataFileError) as caught:
        build_report(store, EVALUATOR, "evaluation", "990000", PERIOD, fmt="pdf")
    _clear(caught.value, "report_render.timeout")
    assert "ASSESSMENT_REPORT_TIMEOUT_S" in caught.value.problems[0].message_en
    assert _exports(store) == 0
    assert multiprocessing.active_children() == []
