"""The malloc setting of the scoring engine (assessment.scoring.heap): set once, and only once."""

from __future__ import annotations

import ctypes.util

import pytest

from assessment.scoring import heap


def test_reuse_freed_memory_is_set_once_per_process() -> None:
    first = heap.reuse_freed_memory()
    assert heap.reuse_freed_memory() is first
    assert heap._done == [first]


def _done_after(code: str, **env: str) -> str:
    """``heap._done`` in a fresh interpreter after ``code`` (the setting is per process)."""
    import os
    import subprocess
    import sys

    script = f"{code}; from assessment.scoring import heap; print(heap._done)"
    environ = {k: v for k, v in os.environ.items() if k != "ASSESSMENT_MALLOPT"} | env
    command = [sys.executable, "-c", script]
    run = subprocess.run(command, capture_output=True, text=True, check=True, env=environ)
    return run.stdout.strip()


GLIBC = ctypes.util.find_library("c") is not None


def test_importing_the_engine_or_the_server_keeps_glibc_defaults() -> None:
    """The web server keeps glibc's defaults unless asked (the heap setting costs resident memory)."""
    assert _done_after("import assessment.scoring.analysis") == "[]"
    assert _done_after("import ui.memory") == "[False]"


@pytest.mark.skipif(not GLIBC, reason="no C library found")
def test_the_server_sets_it_when_asked() -> None:
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert _done_after("import ui.memory", ASSESSMENT_MALLOPT="1") == "[True]"
    code = "from assessment.scoring import heap; heap.reuse_freed_memory(default=True)"
    assert _done_after(code) == "[True]"  # the engine benchmark's default


def test_opt_out_by_environment_wins_over_a_default() -> None:
    code = "from assessment.scoring import heap; heap.reuse_freed_memory(default=True)"
    assert _done_after(code, ASSESSMENT_MALLOPT="0") == "[False]"
