"""deploy/cluster.py runs the pre-start step (migrations and the snapshot rebuild, as
``assessment-prepare.service`` does) exactly once, before it starts any replica (issue 20 point 7).

No process is started: the step's subprocess and the replicas are recorded by fakes, and the
cluster stops at its first health check (after every replica was started). The units say the same
in systemd's terms: every replica Requires= and is After= the oneshot prepare unit.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from deploy import cluster as cl

DEPLOY = Path(cl.__file__).resolve().parent


class _Started(Exception):
    """Raised by the fake health check: every replica has been started by then."""


def test_the_rebuild_runs_once_before_any_replica(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[tuple[str, list[str]]] = []

    def run(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        events.append(("run", list(args)))
        assert kwargs["env"]["ASSESSMENT_DB_URL"] == "sqlite:///x.db"
        return subprocess.CompletedProcess(args, 0)

    @contextmanager
    def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[object]:
        events.append(("start", list(args)))
        yield object()

    def wait_ok(*args: Any, **kwargs: Any) -> None:
        raise _Started

    monkeypatch.setattr(cl.subprocess, "run", run)
    monkeypatch.setattr(cl, "_process", process)
    monkeypatch.setattr(cl, "wait_ok", wait_ok)
    with pytest.raises(_Started), cl.cluster("sqlite:///x.db", tmp_path, replicas=3):
        pass
    assert events[0] == ("run", [sys.executable, "-m", "assessment", "snapshots", "rebuild", "--quiet"])
    assert [kind for kind, _ in events] == ["run", "start", "start", "start"]
    assert all("streamlit" in args for kind, args in events[1:])


def test_a_failed_prepare_starts_no_replica(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []
    monkeypatch.setattr(cl.subprocess, "run", lambda args, **kw: subprocess.CompletedProcess(args, 2))

    @contextmanager
    def process(args: list[str], env: dict[str, str], log: Path) -> Iterator[object]:
        started.append(args)
        yield object()

    monkeypatch.setattr(cl, "_process", process)
    with pytest.raises(RuntimeError, match="pre-start step failed"), cl.cluster("sqlite:///x.db", tmp_path):
        pass
    assert started == []


def _unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    text = (DEPLOY / name).read_text(encoding="utf-8").replace("\\\n", " ")
    parser.read_string(text)
    return parser


def test_the_units_run_prepare_once_before_the_replicas() -> None:
    prepare = _unit("assessment-prepare.service")
    assert prepare["Service"]["Type"] == "oneshot" and prepare["Service"]["RemainAfterExit"] == "yes"
    assert prepare["Service"]["ExecStart"].endswith("-m assessment snapshots rebuild --quiet")
    replica = _unit("assessment@.service")["Unit"]
    assert "assessment-prepare.service" in replica["Requires"].split()
    assert "assessment-prepare.service" in replica["After"].split()
    assert "assessment-prepare.service" in _unit("assessment.target")["Unit"]["Wants"].split()
