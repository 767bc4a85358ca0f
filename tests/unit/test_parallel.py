"""assessment.scoring.parallel.spare_core: a second thread only when a core is idle."""

from __future__ import annotations

import pytest

from assessment.scoring import parallel


@pytest.mark.parametrize(
    ("cores", "load", "expected"),
    [
        (2, 0.3, True),
        (2, 1.0, True),
        (2, 1.5, True),  # the caller itself counts about 1
        (2, 2.0, False),
        (2, 5.8, False),
        (4, 3.5, True),
        (4, 4.2, False),
        (1, 0.0, False),
    ],
)
def test_spare_core(monkeypatch: pytest.MonkeyPatch, cores: int, load: float, expected: bool) -> None:
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (load, load, load))
    assert parallel.spare_core() is expected


def test_spare_core_without_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> tuple[float, float, float]:
        raise OSError("no load average")

    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel.os, "getloadavg", unavailable)
    assert parallel.spare_core() is True
