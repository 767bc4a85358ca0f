"""Every user-visible string, in Chinese and English.

Strings live in TOML files under ``assessment/locales/`` (one per domain: ``app.toml``,
``ingest.toml``...). Each table is a key with ``zh`` and ``en``::

    [overview.title]
    zh = "总览"
    en = "Overview"

``t("overview.title", "en")`` returns the English text; ``{name}`` placeholders are filled from
keyword arguments. A key defined in two files, or missing a language, fails at load time
(tests/test_i18n.py), so a page can never show a raw key or half a translation.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locales"


def _flatten(table: dict, prefix: str = "") -> dict[str, dict]:
    out: dict[str, dict] = {}
    for key, val in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(val, dict) and set(val) & set(LANGS) and all(isinstance(v, str) for v in val.values()):
            out[full] = val
        elif isinstance(val, dict):
            out.update(_flatten(val, full))
        else:
            raise ValueError(f"locale key {full!r} must be a table with zh and en")
    return out


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, str]]:
    """All keys of all locale files. Raises ValueError on a duplicate or half-translated key."""
    merged: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for path in sorted(LOCALE_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            flat = _flatten(tomllib.load(fh))
        for key, texts in flat.items():
            if key in merged:
                raise ValueError(f"locale key {key!r} defined in {origin[key]} and {path.name}")
            missing = [lang for lang in LANGS if not texts.get(lang)]
            if missing:
                raise ValueError(f"locale key {key!r} in {path.name} lacks {', '.join(missing)}")
            merged[key] = texts
            origin[key] = path.name
    return merged


def t(key: str, lang: str = DEFAULT_LANG, **kwargs: object) -> str:
    """The text for ``key`` in ``lang`` with placeholders filled. Unknown keys raise KeyError."""
    texts = catalogue()[key]
    text = texts.get(lang) or texts[DEFAULT_LANG]
    return text.format(**kwargs) if kwargs else text


def both(key: str, **kwargs: object) -> str:
    """Chinese and English together, for command-line messages and logs."""
    return f"{t(key, 'zh', **kwargs)} / {t(key, 'en', **kwargs)}"
