"""The i18n catalogue loader refuses broken locale files written to disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment.domain import i18n


def test_duplicate_key_across_files_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.toml").write_text('[x]\nzh = "甲"\nen = "a"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[x]\nzh = "乙"\nen = "b"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"defined in a\.toml and b\.toml"):
            i18n.catalogue()
    finally:
        i18n.catalogue.cache_clear()


def test_half_translated_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.toml").write_text('[x]\nzh = "甲"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match="lacks en"):
            i18n.catalogue()
    finally:
        i18n.catalogue.cache_clear()
