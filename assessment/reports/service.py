"""Reports for a signed-in user: check the export right, gather the data, build, audit.

The web page and automation call :func:`build_report` / :func:`build_export` with the acting
user; the store refuses out-of-scope work (``AccessDenied``) before anything is computed, and every
file produced is recorded in the audit log with the user.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from assessment.catalogue import DEFAULT_EDITION, load_edition
from assessment.reports.evaluation import evaluation_workbook
from assessment.reports.feedback import feedback_workbook
from assessment.reports.tidy import export_frame, suggested_filename, tidy_export
from assessment.store import Store

KINDS = ("evaluation", "feedback")


def _as_of(completeness: pd.DataFrame | None) -> datetime:
    if completeness is not None and "latest_uploaded_at" in completeness:
        uploads = completeness["latest_uploaded_at"]
        if uploads.notna().any():
            return pd.Timestamp(uploads.max()).to_pydatetime()
    return datetime.now(UTC).replace(microsecond=0)


def build_report(
    store: Store,
    actor: str,
    kind: str,
    code: str,
    period: int,
    *,
    lang: str = "zh",
    include_pending: bool = False,
    edition_id: str = DEFAULT_EDITION,
) -> tuple[str, bytes]:
    """The evaluation workbook of jurisdiction ``code`` (kind "evaluation") or the feedback
    workbook of region ``code`` (kind "feedback") for ``period``: (file name, xlsx bytes)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    store.authorize(actor, "export", code)
    edition = load_edition(edition_id)
    tree = store.region_tree()
    values = store.values(actor, include_pending=include_pending)
    standards = tuple(store.local_standards())
    if kind == "evaluation":
        completeness = store.completeness(actor, period, jurisdiction=code)
        data = evaluation_workbook(
            values,
            edition,
            tree,
            standards,
            jurisdiction=code,
            period=period,
            lang=lang,
            completeness=completeness,
            data_as_of=_as_of(completeness),
        )
    else:
        data = feedback_workbook(
            values, edition, tree, standards, region=code, period=period, lang=lang, data_as_of=_as_of(None)
        )
    name = suggested_filename(kind, code, period, edition.id, lang)
    store.audit(actor, "export", kind, code, {"period": period, "lang": lang, "file": name}, region_code=code)
    return name, data


def build_export(
    store: Store,
    actor: str,
    what: str,
    code: str,
    fmt: str = "csv",
    *,
    include_pending: bool = False,
    edition_id: str = DEFAULT_EDITION,
) -> tuple[str, bytes]:
    """A tidy table (scores, equity or trends) of the regions under ``code``: (file name, bytes)."""
    store.authorize(actor, "export", code)
    edition = load_edition(edition_id)
    frame = export_frame(
        what,
        store.values(actor, include_pending=include_pending),
        edition,
        store.region_tree(),
        tuple(store.local_standards()),
        jurisdiction=code,
    )
    name = suggested_filename(what, code, None, edition.id, None, ext=fmt)
    store.audit(actor, "export", what, code, {"format": fmt, "rows": len(frame)}, region_code=code)
    return name, tidy_export(frame, fmt)
