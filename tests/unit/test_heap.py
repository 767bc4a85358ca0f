"""The malloc setting of the scoring engine (assessment.scoring.heap): set once, and only once."""

from __future__ import annotations

import ctypes.util

import pytest

from assessment.scoring import heap


def test_reuse_freed_memory_is_set_once_per_process() -> None:
    first = heap.reuse_freed_memory()
    assert heap.reuse_freed_memory() is first
    assert heap._done == [first]


def test_only_the_trimming_server_sets_it() -> None:
    """Importing the engine leaves glibc's defaults (the CLI, the capped children); the web server's
    memory module, which trims after growth, sets it."""
    import subprocess
    import sys

    def done_after(imports: str) -> str:
        code = f"{imports}; from assessment.scoring import heap; print(heap._done)"
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        return run.stdout.strip()

    assert done_after("import assessment.scoring.analysis") == "[]"
    expected = "[True]" if ctypes.util.find_library("c") else "[False]"
    assert done_after("import ui.memory") == expected


@pytest.mark.skipif(ctypes.util.find_library("c") is None, reason="no C library found")
def test_glibc_accepts_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    monkeypatch.setattr(heap, "_done", [])
    assert heap.reuse_freed_memory() is True


def test_opt_out_by_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_done", [])
    monkeypatch.setenv("ASSESSMENT_MALLOPT", "0")
    assert heap.reuse_freed_memory() is False
