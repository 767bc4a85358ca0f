"""Errors and problem reports shared by every loader and validator.

A loader that refuses a data file raises :class:`DataFileError` carrying one or more
:class:`Problem` objects: each names the file, the row (1-based, counting the header as row 1,
the way a spreadsheet shows it), the column, what is wrong and what to do, in Chinese and English.
Entry points (CLI, pages) print ``err.messages(lang)``; they never show a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from assessment.domain.i18n import t


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in a data file or upload."""

    code: str
    message_zh: str
    message_en: str
    file: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    sheet: str = ""
    cell: str = ""
    severity: str = "error"  # "error" blocks, "warning" does not
    indicator: str = ""  # the indicator code of the row, where the file names one

    def where(self, lang: str = "en") -> str:
        """The place in ``lang``: ``f.xlsx, 填报!J9, row 3, column B`` (zh: ``第 3 行，B 列``)."""
        parts = []
        if self.file:
            parts.append(self.file)
        if self.sheet and self.cell:
            parts.append(f"{self.sheet}!{self.cell}")
        elif self.sheet:
            parts.append(self.sheet)
        if self.row is not None:
            parts.append(t("language.where_row", lang, row=self.row))
        if self.column:
            parts.append(t("language.where_column", lang, column=self.column))
        return t("language.where_sep", lang).join(parts)

    def message(self, lang: str = "zh") -> str:
        """What a user reads: the place and the text in ``lang``. The rule's code (a locale key such
        as ``store.comment_required.return``) is not shown: it is for logs (:meth:`logged`)."""
        text = self.message_zh if lang == "zh" else self.message_en
        where = self.where(lang)
        sep = "：" if lang == "zh" else ": "
        return f"{where}{sep}{text}" if where else text

    def logged(self) -> str:
        """Both languages with the rule's code, for logs and the command line."""
        return f"[{self.code}] {self.message('zh')}\n    {self.message('en')}"


def localized_problem(
    code: str,
    fill: Mapping[str, object] | None = None,
    *,
    key: str | None = None,
    per_lang: Mapping[str, Mapping[str, object]] | None = None,
    file: str = "",
    row: int | None = None,
    column: str = "",
    value: str = "",
    sheet: str = "",
    cell: str = "",
    severity: str = "error",
) -> Problem:
    """A :class:`Problem` whose zh and en messages are the locale entry ``key`` (default: ``code``)
    with its placeholders filled from ``fill``.

    ``per_lang`` gives placeholder values that differ by language (``{"zh": {...}, "en": {...}}``);
    they win over ``fill``. The place fields (``file``, ``row``...) are not placeholders: put them in
    ``fill`` too when the text names them.
    """
    own = per_lang or {}
    zh, en = (t(key or code, lang, **{**(fill or {}), **own.get(lang, {})}) for lang in ("zh", "en"))
    return Problem(
        code=code,
        message_zh=zh,
        message_en=en,
        file=file,
        row=row,
        column=column,
        value=value,
        sheet=sheet,
        cell=cell,
        severity=severity,
    )


@dataclass
class DataFileError(Exception):
    """A data file (catalogue, region tree, local standards...) was refused."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.messages("en"))

    def messages(self, lang: str = "zh") -> str:
        return "\n".join(p.message(lang) for p in self.problems)

    def __str__(self) -> str:  # both languages: logs and CLI users read either
        return "\n".join(p.logged() for p in self.problems)
