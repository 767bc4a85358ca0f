"""Tests about the codebase itself (STYLE 1, 2, 3)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "assessment"
FORBIDDEN = {"streamlit", "plotly"}


def _imported_top_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.add(node.args[0].value.split(".")[0])
    return found


CORE_FILES = sorted(CORE.rglob("*.py"))


def test_core_files_found() -> None:
    assert len(CORE_FILES) >= 5, "the scan must see the core's modules"


@pytest.mark.parametrize("path", CORE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_never_imports_ui_libraries(path: Path) -> None:
    bad = _imported_top_modules(path) & FORBIDDEN
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}: assessment/ must stay free of the UI"


def test_import_scanner_catches_forbidden_imports(tmp_path: Path) -> None:
    sample = tmp_path / "m.py"
    sample.write_text("import os\nfrom plotly import express\nimport streamlit.components.v1 as c\n")
    assert _imported_top_modules(sample) & FORBIDDEN == {"plotly", "streamlit"}


PAGE_FILES = sorted((ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.name)
def test_pages_are_thin(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 150, f"{path.name} is long: move logic into assessment/ or ui/"
    assert "openpyxl" not in _imported_top_modules(path), f"{path.name} uses openpyxl: belongs in the core"
    assert ".iterrows(" not in text and "groupby(" not in text, f"{path.name} transforms data: use the core"
