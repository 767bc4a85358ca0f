"""Exports are access-controlled and audited in the core, whatever calls them."""

from __future__ import annotations

from pathlib import Path

from assessment.cli import main
from assessment.store import Store


def test_export_outside_jurisdiction_is_refused_and_writes_nothing(
    demo_env: str, tmp_path: Path, capsys
) -> None:
    out = tmp_path / "r.xlsx"
    code = main(["report", "--region", "990321", "--period", "2024", "-o", str(out), "--as", "demo-jia"])
    assert code == 1
    assert not out.exists()
    assert "990321" in capsys.readouterr().err


def test_export_in_scope_is_written_and_audited(demo_env: str, tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    with Store(demo_env) as store:
        before = len(store.audit_log(action="export"))
    assert main(["report", "--region", "990102", "--period", "2024", "-o", str(out), "--as", "demo-jia"]) == 0
    assert out.stat().st_size > 0
    with Store(demo_env) as store:
        log = store.audit_log(action="export")
    assert len(log) == before + 1
    assert log.iloc[-1]["actor"] == "demo-jia" and log.iloc[-1]["region_code"] == "990102"
