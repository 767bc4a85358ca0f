"""What an import did (:class:`ImportOutcome`) and what it reads (:class:`UploadResultLike`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from assessment.domain.errors import Problem
from assessment.domain.i18n import t


class UploadResultLike(Protocol):
    """What the store reads from :class:`assessment.intake.ingest.UploadResult` (read-only)."""

    @property
    def ok(self) -> bool: ...

    @property
    def problems(self) -> tuple[Problem, ...]: ...

    @property
    def values(self) -> pd.DataFrame: ...

    @property
    def kind(self) -> str: ...

    @property
    def region_code(self) -> str | None: ...

    @property
    def period(self) -> int | None: ...

    @property
    def edition(self) -> str: ...

    @property
    def sha256(self) -> str: ...


@dataclass(frozen=True)
class MergeOrigin:
    """Where a merged version's other values came from: a batch file that lacked some indicators
    was merged onto version ``version`` (submission ``id``) of its region and period; ``from_file``
    values are the file's, ``kept`` values that version's (see :mod:`assessment.store.submissions`)."""

    id: int
    version: int
    from_file: int
    kept: int

    @classmethod
    def from_details(cls, details: object) -> MergeOrigin | None:
        """Read back from an import's audit details (None when the version was not merged)."""
        if not isinstance(details, dict) or not isinstance(details.get("merged_from"), dict):
            return None
        base = details["merged_from"]
        return cls(int(base["id"]), int(base["version"]), int(details["from_file"]), int(details["kept"]))


@dataclass(frozen=True)
class ImportedSubmission:
    """One region and period of an import: the version stored or found."""

    id: int
    region_code: str
    period: int
    version: int
    status: str
    created: bool
    same_as: str = ""  # "file" or "values" when nothing new was stored
    superseded: tuple[int, ...] = ()
    merged_from: MergeOrigin | None = None  # set when a partial batch file was merged onto a version


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did: one item per region and period in the file."""

    kind: str
    filename: str
    sha256: str
    edition: str
    items: tuple[ImportedSubmission, ...]
    warnings: tuple[Problem, ...] = field(default=())

    @property
    def created(self) -> bool:
        """True when at least one new version was stored."""
        return any(i.created for i in self.items)

    @property
    def created_count(self) -> int:
        return sum(i.created for i in self.items)

    @property
    def merged_count(self) -> int:
        """New versions that kept some values of an earlier version (partial batch files)."""
        return sum(i.merged_from is not None for i in self.items)

    @property
    def first(self) -> ImportedSubmission:
        return self.items[0]

    @property
    def submission_id(self) -> int:
        return self.first.id

    @property
    def version(self) -> int:
        return self.first.version

    def message(self, lang: str = "zh") -> str:
        """One line for the uploader: the version stored, or why nothing new was stored."""
        if self.kind == "batch" and len(self.items) != 1:
            text = t(
                "store.import.batch",
                lang,
                created=self.created_count,
                unchanged=len(self.items) - self.created_count,
                total=len(self.items),
            )
            if self.merged_count:
                text += t("store.import.batch_merged", lang, merged=self.merged_count)
            return text
        item = self.first
        status = t(f"store.status.{item.status}", lang)
        key = "store.import.created" if item.created else f"store.import.same_{item.same_as}"
        text = t(key, lang, version=item.version, region=item.region_code, period=item.period, status=status)
        if item.created and item.merged_from is not None:
            origin = item.merged_from
            text += t(
                "store.import.merged",
                lang,
                base=origin.version,
                from_file=origin.from_file,
                kept=origin.kept,
            )
        return text
