from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from assessment.domain import i18n

ROOT = Path(__file__).resolve().parents[2]


def test_catalogue_loads_and_every_key_has_both_languages() -> None:
    cat = i18n.catalogue()
    assert cat, "no strings found"
    for key, texts in cat.items():
        assert texts.get("zh") and texts.get("en"), key


def test_placeholders_agree_between_languages() -> None:
    for key, texts in i18n.catalogue().items():
        zh = set(re.findall(r"{(\w+)}", texts["zh"]))
        en = set(re.findall(r"{(\w+)}", texts["en"]))
        assert zh == en, f"{key}: zh uses {zh}, en uses {en}"


def _t_keys_used(path: Path) -> set[str]:
    keys = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) in {"t", "both", "tr"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            keys.add(node.args[0].value)
    return keys


UI_FILES = sorted([ROOT / "dashboard.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")])


@pytest.mark.parametrize("path", [p for p in UI_FILES if p.exists()], ids=lambda p: p.name)
def test_every_literal_key_used_by_the_ui_exists(path: Path) -> None:
    missing = _t_keys_used(path) - set(i18n.catalogue())
    assert not missing, f"{path.name} uses undefined i18n keys: {sorted(missing)}"
