"""The store's refusals: clear messages in Chinese and English, never a traceback.

:class:`StoreError` is a :class:`~assessment.domain.errors.DataFileError`, so the command line's safety
net prints it like any refused file. Each carries :class:`~assessment.domain.errors.Problem` objects whose
code names the rule (``store.unknown_user``, ``store.illegal_transition``...); the texts live in
``assessment/locales/store.toml``.

A failure of the database itself (unreachable, disk full, locked, read-only, a conflict, anything the
driver raises) is a :class:`StorageFailure` made by :func:`storage_failure`: a plain message (what
probably happened and what to do) and a short random reference. Users never see the database URL, a
file path or the driver's text: those go only to the log (logger ``assessment.store.failures``),
under the same reference, so an administrator can find them.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.domain.i18n import t

FAILURE_LOGGER = "assessment.store.failures"
log = logging.getLogger(FAILURE_LOGGER)

# What a driver's message says went wrong (SQLite texts, PostgreSQL/psycopg texts), first match wins;
# SQLSTATE classes of PostgreSQL too. Anything else is "other".
CAUSE_PHRASES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("disk_full", ("disk is full", "no space left", "could not extend file", "disk full", "quota")),
    ("read_only", ("readonly database", "read-only", "permission denied", "access is denied")),
    ("not_a_database", ("file is not a database", "malformed", "not a database")),
    ("locked", ("database is locked", "lock timeout", "deadlock", "could not obtain lock", "is busy")),
    (
        "unreachable",
        (
            "unable to open database",
            "connection refused",
            "could not connect",
            "connection failed",
            "timeout expired",
            "timed out",
            "server closed the connection",
            "could not translate host",
            "name or service not known",
            "no route to host",
            "terminating connection",
            "the database system is",
            "authentication failed",
            "connection is closed",
            "no such file or directory",
        ),
    ),
)
CAUSE_SQLSTATES = {
    "53100": "disk_full",
    "25006": "read_only",
    "42501": "read_only",
    "40P01": "locked",
    "55P03": "locked",
    "08": "unreachable",
    "28": "unreachable",
    "57P": "unreachable",
}
CAUSES = ("disk_full", "read_only", "not_a_database", "locked", "unreachable", "conflict", "other")


class StoreError(DataFileError):
    """A storage request was refused (unknown user or region, illegal transition, unreachable DB...)."""

    @property
    def code(self) -> str:
        return self.problems[0].code if self.problems else ""


@dataclass
class StorageFailure(StoreError):
    """The database itself failed. The message is plain; ``reference`` finds the details in the log."""

    reference: str = ""
    cause: str = "other"


def new_reference() -> str:
    """A short random reference a user can quote (8 hex digits)."""
    return secrets.token_hex(4)


def failure_cause(err: BaseException) -> str:
    """What probably went wrong, one of :data:`CAUSES`, from the driver's SQLSTATE or message."""
    from sqlalchemy.exc import IntegrityError

    if isinstance(err, IntegrityError):
        return "conflict"
    orig = getattr(err, "orig", None) or err
    state = str(getattr(orig, "sqlstate", "") or getattr(orig, "pgcode", "") or "")
    for prefix, cause in CAUSE_SQLSTATES.items():
        if state.startswith(prefix):
            return cause
    text = f"{orig} {err}".lower()
    for cause, phrases in CAUSE_PHRASES:
        if any(phrase in text for phrase in phrases):
            return cause
    if isinstance(orig, PermissionError):
        return "read_only"
    return "other"


def storage_failure(err: BaseException, key: str = "db_error", *, database: str = "") -> StorageFailure:
    """The plain refusal for a database failure ``err`` (``store.<key>``: ``db_unreachable``,
    ``db_error``, ``db_conflict``, ``db_unknown_revision``, ``bad_url``...), with a new reference.

    The details (``database``, the URL without its password; the driver's error and message; not
    the statement's values, which may hold personal data) are logged under that reference and never
    put into the message.
    """
    cause = failure_cause(err)
    if cause == "conflict" and key == "db_error":
        key = "db_conflict"
    ref = new_reference()
    orig = getattr(err, "orig", None) or err  # the driver's error: its text, not the statement's values
    log.error(
        "storage failure, reference %s: %s (%s) on %s: %s: %s",
        ref,
        key,
        cause,
        database or "-",
        type(orig).__name__,
        " ".join(str(orig).split()) or "-",
    )
    per_lang: dict[str, dict[str, object]] = {
        lang: {"cause": t(f"store.cause.{cause}", lang)} for lang in ("zh", "en")
    }
    problems = [problem(key, per_lang=per_lang, ref=ref)]
    return StorageFailure(problems, reference=ref, cause=cause)


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
