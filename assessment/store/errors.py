"""The store's refusals: clear messages in Chinese and English, never a traceback.

:class:`StoreError` is a :class:`~assessment.domain.errors.DataFileError`, so the command line's safety
net prints it like any refused file. Each carries :class:`~assessment.domain.errors.Problem` objects whose
code names the rule (``store.unknown_user``, ``store.illegal_transition``...); the texts live in
``assessment/locales/store.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable

from assessment.domain.errors import DataFileError, Problem, localized_problem


class StoreError(DataFileError):
    """A storage request was refused (unknown user or region, illegal transition, unreachable DB...)."""

    @property
    def code(self) -> str:
        return self.problems[0].code if self.problems else ""


class UploadRejected(StoreError):
    """The upload failed validation: nothing was stored. ``problems`` are the validator's errors."""


def problem(
    key: str,
    *,
    file: str = "",
    per_lang: dict[str, dict[str, object]] | None = None,
    **kwargs: object,
) -> Problem:
    """A Problem whose code is ``store.<key>`` and whose texts come from the locale file.

    ``per_lang`` gives placeholder values that differ by language (``{"zh": {...}, "en": {...}}``).
    """
    return localized_problem(f"store.{key}", kwargs, per_lang=per_lang, file=file)


def refuse(
    key: str, *, file: str = "", per_lang: dict[str, dict[str, object]] | None = None, **kwargs: object
) -> StoreError:
    """A StoreError for one locale key (``store.<key>``) with its placeholders filled."""
    return StoreError([problem(key, file=file, per_lang=per_lang, **kwargs)])


def rejected(problems: Iterable[Problem], filename: str) -> UploadRejected:
    """An UploadRejected carrying the validator's errors (or a generic one when there are none)."""
    errors = [p for p in problems if p.severity == "error"]
    if not errors:
        errors = [problem("upload_rejected", file=filename)]
    return UploadRejected(errors)
