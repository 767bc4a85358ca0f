"""The shape of the files people exchange (DESIGN section 5): sheet names, columns, header labels.

Shared by the template writer, the upload reader and the annotator so that the three can never
disagree. A header cell carries the Chinese label and the machine key (``数值 value``); the
reader finds columns by either, so a header typed as ``value``, ``数值`` or ``数值 value`` works and
the order of columns does not matter.
"""

from __future__ import annotations

import re

from assessment.intake.numbers import normalise_text

TEMPLATE_VERSION = "1"

DATA_SHEET = "填报"
INSTRUCTIONS_SHEET = "说明 instructions"
META_SHEET = "meta"
ERRORS_SHEET = "错误清单 errors"
ROWS_SHEET = "问题行 rows"

# Template data sheet: (machine key, Chinese label), in column order A, B, C...
TEMPLATE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("indicator_code", "指标代码"),
    ("aspect", "方面"),
    ("category", "类别"),
    ("item", "服务项目"),
    ("indicator", "指标"),
    ("unit", "单位"),
    ("national_floor", "国家底线"),
    ("local_standard", "本地标准"),
    ("required", "必填"),
    ("value", "数值"),
    ("numerator", "分子"),
    ("denominator", "分母"),
    ("note", "备注"),
    ("floor_confirmed", "底线已核实"),
    ("guidance", "填报说明"),
)
INPUT_KEYS = ("value", "numerator", "denominator", "note")
NUMBER_KEYS = ("value", "numerator", "denominator")
TITLE_ROW = 1  # region, period and edition in words
HEADER_ROW = 3  # 1-based, as Excel shows it
FIRST_DATA_ROW = HEADER_ROW + 1

# Batch / tidy file (csv or xlsx): one row per value.
BATCH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("region_code", "地区代码"),
    ("period", "期间"),
    ("indicator_code", "指标代码"),
    ("value", "数值"),
    ("numerator", "分子"),
    ("denominator", "分母"),
    ("note", "备注"),
)
BATCH_REQUIRED = ("region_code", "period", "indicator_code", "value")
OPTIONAL_KEYS = ("edition",)
EXTRA_LABELS = {"edition": "版本"}

META_KEYS = ("template_version", "edition", "region_code", "period", "generated_at", "lang")

_LABEL_TO_KEY: dict[str, str] = {}
for _key, _zh in (*TEMPLATE_COLUMNS, *BATCH_COLUMNS, *EXTRA_LABELS.items()):
    _LABEL_TO_KEY[_key] = _key
    _LABEL_TO_KEY[_zh] = _key
_SPLIT = re.compile(r"[\s()（）/|:：,，\[\]]+")


def header_text(key: str, zh: str) -> str:
    """The header cell text: Chinese label and machine key, e.g. ``数值 value``."""
    return f"{zh} {key}"


def column_letter(index: int) -> str:
    """0-based column index to spreadsheet letters: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def header_key(cell: object) -> str | None:
    """The machine key a header cell names, or None.

    >>> header_key("数值 value"), header_key(" Value "), header_key("分母"), header_key("x")
    ('value', 'value', 'denominator', None)
    """
    if not isinstance(cell, str):
        return None
    text = normalise_text(cell).lower()
    if not text:
        return None
    if text in _LABEL_TO_KEY:
        return _LABEL_TO_KEY[text]
    keys = {_LABEL_TO_KEY[tok] for tok in _SPLIT.split(text) if tok in _LABEL_TO_KEY}
    return keys.pop() if len(keys) == 1 else None


def header_map(row: list[object]) -> dict[str, int]:
    """Machine key -> 0-based column index for one header row (first occurrence wins)."""
    out: dict[str, int] = {}
    for idx, cell in enumerate(row):
        key = header_key(cell)
        if key is not None and key not in out:
            out[key] = idx
    return out
