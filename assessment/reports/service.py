"""Reports for a signed-in user: check the export right, gather the data, build, audit.

The web page and automation call :func:`build_report` / :func:`build_export` with the acting
user; the store refuses out-of-scope work (``AccessDenied``) before anything is computed, and every
file produced is recorded in the audit log with the user. The ``report`` and ``export`` commands
use the same steps (:func:`store_source` or :func:`demo_source`, :func:`report_workbook` or
:func:`export_table`, :func:`audit_export`) around writing the file.

Report files never hold up other users (issue 20 point 7): :func:`build_report` checks the right
and gathers the data the actor may see here, in the caller's process, then scores and renders the
file (WeasyPrint or the xlsx writer: seconds of CPU) in a niced child process with a memory cap
and a timeout (:func:`render_isolated`, the machinery of :mod:`assessment.intake.isolation`); the
child's progress steps reach the caller's callback. Limits: ``ASSESSMENT_REPORT_MEMORY_MB``
(default 4096), ``ASSESSMENT_REPORT_TIMEOUT_S`` (default 600); ``ASSESSMENT_REPORT_ISOLATE=0``
renders in-process (tests and debugging). A child that fails or runs out of time or memory is one
clear message (:class:`DataFileError`), and nothing is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from assessment.accountability.export import actions_table
from assessment.catalogue import load_edition
from assessment.domain.editions import EditionSchedule, LocalIndicator, with_local_indicators
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.i18n import t
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.intake.isolation import MEMORY, ChildFailed, ParseLimits, run_limited
from assessment.reports.context import evaluation_data, feedback_data, report_problem
from assessment.reports.evaluation import evaluation_workbook
from assessment.reports.feedback import feedback_workbook
from assessment.reports.tidy import export_frame, suggested_filename, tidy_export
from assessment.scoring.analysis import ScoringInputs
from assessment.store import Store

__all__ = [
    "KINDS",
    "REPORT_FORMATS",
    "Source",
    "audit_export",
    "build_export",
    "build_report",
    "demo_source",
    "export_table",
    "render_isolated",
    "render_report",
    "report_limits",
    "report_pdf",
    "report_workbook",
    "store_source",
]

log = logging.getLogger(__name__)

KINDS = ("evaluation", "feedback")
REPORT_FORMATS = ("xlsx", "pdf")
REPORT_ENV_PREFIX = "ASSESSMENT_REPORT"  # _MEMORY_MB, _TIMEOUT_S, _ISOLATE
REPORT_MEMORY_MB = 4096  # address space of the child (WeasyPrint, fonts and the report's frames)
REPORT_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Source(ScoringInputs):
    """What a report or export is made from: the scoring inputs, who reported when, and as of when."""

    completeness: pd.DataFrame | None
    data_as_of: datetime
    # the editions in force per period and the local-only indicators (exports across periods)
    schedule: EditionSchedule | None = None
    local_indicators: tuple[LocalIndicator, ...] = ()
    actions: pd.DataFrame | None = None  # the corrective actions the actor sees under the code (issue 17)


Progress = Callable[[float, str], None]
"""An optional progress callback of the long builders: (fraction done, never decreasing, ending at
1.0; a step key of ``assessment/locales/progress.toml``). Pure: the page draws it (st.progress)."""


def _step(progress: Progress | None, fraction: float, key: str) -> None:
    if progress is not None:
        progress(fraction, key)


def _as_of(completeness: pd.DataFrame | None) -> datetime:
    if completeness is not None and "latest_uploaded_at" in completeness:
        uploads = completeness["latest_uploaded_at"]
        if uploads.notna().any():
            return pd.Timestamp(uploads.max()).to_pydatetime()
    return datetime.now(UTC).replace(microsecond=0)


def demo_source(edition_id: str | None = None, period: int | None = None) -> Source:
    """The fictional demo province's synthetic values (no database: nothing to authorize or audit),
    with the shipped edition in force for ``period`` (or ``edition_id``)."""
    from assessment.catalogue import shipped_schedule
    from assessment.demo import demo_local_standards, demo_tree, scheduled_values

    schedule = shipped_schedule()
    if edition_id:
        edition = load_edition(edition_id)
    else:
        edition = schedule.for_period(period) if period is not None else schedule.latest()
    tree = demo_tree()
    values = scheduled_values(schedule, tree)  # the demo's reported figures
    standards = demo_local_standards(edition)
    return Source(values, edition, tree, standards, None, _as_of(None), None if edition_id else schedule)


def store_source(
    store: Store,
    actor: str,
    code: str | None = None,
    *,
    period: int | None = None,
    include_pending: bool = False,
    edition_id: str | None = None,
    progress: Progress | None = None,
) -> Source:
    """The data ``actor`` may export about ``code`` (None: the whole tree).

    ``edition_id``: None = the edition in force for ``period`` (the newest without one) at its
    current revision; ``"CN-2021"`` that edition's current revision; ``"CN-2021:r1"`` a given
    revision (to reproduce an old report). Refuses a store without a region tree and an actor
    without the export right over ``code``.
    With a ``period``, the completeness of ``code`` for it too; data are as of the newest upload
    in it (else now).
    """
    tree = store.region_tree()
    if len(tree) == 0:
        raise DataFileError([report_problem("store_empty")])
    store.authorize(actor, "export", code or tree.root.code)
    edition, standards = report_catalogue(store, tree, period, edition_id)
    _step(progress, 0.1, "progress.report.values")
    values = store.values(actor, include_pending=include_pending)
    _step(progress, 0.35, "progress.report.context")
    completeness = None
    if period is not None and code is not None and code in tree:
        completeness = store.completeness(
            actor, period, jurisdiction=code, expected_indicators=len(edition.indicators)
        )
    schedule = None if edition_id else store.edition_schedule()
    local = store.local_indicators()
    actions = store.actions(actor, jurisdiction=code) if code is not None and code in tree else None
    return Source(
        values, edition, tree, standards, completeness, _as_of(completeness), schedule, local, actions
    )


def report_catalogue(
    store: Store, tree: RegionTree, period: int | None, edition_id: str | None = None
) -> tuple[Edition, tuple[LocalStandard, ...]]:
    """The catalogue a report of ``period`` is made with (see :func:`store_source`): the edition,
    extended by the local-only indicators, and the local standards with their thresholds."""
    schedule = store.edition_schedule()
    if edition_id:
        ident, _, rev = edition_id.partition(":")
        base = store.edition_revision(ident, int(rev.lstrip("r")) if rev else None)
    else:
        base = schedule.for_period(period) if period is not None else schedule.latest()
    local = store.local_indicators()
    edition = with_local_indicators(base, local, tree, None if period is None else [period])
    return edition, (*store.local_standards(), *(li.as_standard() for li in local))


def report_workbook(kind: str, src: Source, code: str, period: int, lang: str = "zh") -> tuple[str, bytes]:
    """The evaluation workbook of jurisdiction ``code`` (kind "evaluation") or the feedback
    workbook of region ``code`` (kind "feedback") for ``period``: (suggested file name, xlsx bytes)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    common: dict[str, Any] = {"period": period, "lang": lang, "data_as_of": src.data_as_of}
    if kind == "evaluation":
        data = evaluation_workbook(
            src.values,
            src.edition,
            src.tree,
            src.standards,
            jurisdiction=code,
            completeness=src.completeness,
            actions=src.actions,
            **common,
        )
    else:
        data = feedback_workbook(
            src.values, src.edition, src.tree, src.standards, region=code, actions=src.actions, **common
        )
    return suggested_filename(kind, code, period, src.edition.label, lang), data


def report_pdf(
    kind: str,
    src: Source,
    code: str,
    period: int,
    lang: str = "zh",
    *,
    boundaries: dict[str, dict[str, Any]] | None = None,
    fictional: bool = False,
    actions: pd.DataFrame | None = None,
    progress: Progress | None = None,
) -> tuple[str, bytes]:
    """The evaluation report of jurisdiction ``code`` (kind "evaluation") or the feedback letter
    of region ``code`` (kind "feedback") for ``period`` as a print-ready PDF: (file name, bytes).

    The same figures as :func:`report_workbook` (the same report data and tables).
    ``boundaries``: region code -> GeoJSON geometry for the map; ``fictional``: marks the cover
    (demo data); ``actions``: corrective actions for the evaluation report's section on them.
    ``progress``: called between scoring (0.5) and printing (0.65), see :data:`Progress`.
    """
    from assessment.reports.pdf_letter import letter_pdf  # WeasyPrint loads only when printing
    from assessment.reports.pdf_report import evaluation_pdf

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    common: dict[str, Any] = {"period": period, "lang": lang, "data_as_of": src.data_as_of}
    if kind == "evaluation":
        data = evaluation_data(src.values, src.edition, src.tree, src.standards, jurisdiction=code, **common)
        chosen = actions if actions is not None else src.actions
        _step(progress, 0.65, "progress.report.printing")
        pdf = evaluation_pdf(
            data, src.completeness, boundaries=boundaries, actions=chosen, fictional=fictional
        )
    else:
        data = feedback_data(src.values, src.edition, src.tree, src.standards, region=code, **common)
        _step(progress, 0.65, "progress.report.printing")
        pdf = letter_pdf(data, fictional=fictional)
    return suggested_filename(kind, code, period, src.edition.label, lang, ext="pdf"), pdf


def export_table(
    what: str, src: Source, jurisdiction: str | None = None, periods: Sequence[int] | None = None
) -> pd.DataFrame:
    """The tidy table ``what`` (scores, equity or trends) of the regions under ``jurisdiction``."""
    return export_frame(
        what,
        src.values,
        src.schedule or src.edition,
        src.tree,
        # with the schedule, assess adds the local indicators' thresholds itself
        src.standards if src.schedule is None else _without(src.standards, src.local_indicators),
        jurisdiction=jurisdiction,
        periods=periods,
        local_indicators=src.local_indicators if src.schedule is not None else (),
    )


def _without(standards: Sequence[LocalStandard], local: Sequence[LocalIndicator]) -> list[LocalStandard]:
    """``standards`` without the thresholds of the local-only indicators."""
    own = {li.as_standard() for li in local}
    return [s for s in standards if s not in own]


def audit_export(store: Store, actor: str, kind: str, code: str | None, details: dict[str, object]) -> None:
    """Record an exported file in the audit log with the acting user."""
    store.audit(actor, "export", kind, code or "", details, region_code=code)


def build_report(
    store: Store,
    actor: str,
    kind: str,
    code: str,
    period: int,
    *,
    lang: str = "zh",
    include_pending: bool = False,
    edition_id: str | None = None,
    fmt: str = "xlsx",
    progress: Progress | None = None,
) -> tuple[str, bytes]:
    """:func:`report_workbook` (``fmt`` "xlsx") or :func:`report_pdf` ("pdf") from
    :func:`store_source`, audited: (file name, bytes). ``progress`` (optional) is told each step:
    reading, scoring, printing (PDF), recording the export, done at 1.0."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"fmt must be one of {REPORT_FORMATS}")
    _step(progress, 0.0, "progress.report.reading")
    src = store_source(
        store,
        actor,
        code,
        period=period,
        include_pending=include_pending,
        edition_id=edition_id,
        progress=progress,
    )
    _step(progress, 0.5, "progress.report.scoring")
    boundaries = store.boundaries() if fmt == "pdf" else None
    name, data = render_isolated(
        kind,
        fmt,
        src,
        code,
        period,
        lang,
        boundaries=boundaries,
        fictional=store.is_demo(),
        progress=progress,
    )
    details: dict[str, object] = {"period": period, "lang": lang, "file": name}
    if fmt != "xlsx":
        details["format"] = fmt
    _step(progress, 0.95, "progress.report.recording")
    audit_export(store, actor, kind, code, details)
    _step(progress, 1.0, "progress.report.done")
    return name, data


def render_report(
    kind: str,
    fmt: str,
    src: Source,
    code: str,
    period: int,
    lang: str,
    boundaries: dict[str, dict[str, Any]] | None,
    fictional: bool,
    progress: Progress | None = None,
) -> tuple[str, bytes]:
    """:func:`report_pdf` (``fmt`` "pdf") or :func:`report_workbook` (the body of the child)."""
    if fmt == "pdf":
        return report_pdf(
            kind, src, code, period, lang, boundaries=boundaries, fictional=fictional, progress=progress
        )
    return report_workbook(kind, src, code, period, lang)


def report_limits(environ: dict[str, str] | None = None) -> ParseLimits:
    """The child's limits from ``ASSESSMENT_REPORT_*`` (see the module's docstring)."""
    return ParseLimits.from_env(
        environ, prefix=REPORT_ENV_PREFIX, memory_mb=REPORT_MEMORY_MB, timeout_s=REPORT_TIMEOUT_S
    )


def _render_problem(reason: str, limits: ParseLimits) -> Problem:
    key = f"report_render.{reason}"
    fmt = {"memory_mb": limits.memory_mb, "seconds": round(limits.timeout_s)}
    return Problem(code=key, message_zh=t(key, "zh", **fmt), message_en=t(key, "en", **fmt))


def render_isolated(
    kind: str,
    fmt: str,
    src: Source,
    code: str,
    period: int,
    lang: str = "zh",
    *,
    boundaries: dict[str, dict[str, Any]] | None = None,
    fictional: bool = False,
    progress: Progress | None = None,
    limits: ParseLimits | None = None,
) -> tuple[str, bytes]:
    """:func:`render_report` in a niced child process under ``limits`` (:func:`report_limits` when
    None): only ``src`` (what the actor may see, gathered by the caller) goes in, only the file name
    and bytes come out. Raises :class:`DataFileError` with one clear message when the child fails,
    runs out of memory or of time (the traceback stays in the log)."""
    limits = limits or report_limits()
    args = (kind, fmt, src, code, period, lang, boundaries, fictional)
    try:
        outcome = run_limited(render_report, args, limits, progress=progress)
    except ChildFailed:
        log.error("rendering the %s report (%s) of %s for %s failed in its child", kind, fmt, code, period)
        raise DataFileError([_render_problem("failed", limits)]) from None
    if outcome.failure:
        log.warning("rendering the %s report of %s stopped: %s (%s)", kind, code, outcome.failure, limits)
        raise DataFileError([_render_problem("memory" if outcome.failure == MEMORY else "timeout", limits)])
    name, data = outcome.value
    return name, data


def build_export(
    store: Store,
    actor: str,
    what: str,
    code: str,
    fmt: str = "csv",
    *,
    include_pending: bool = False,
    edition_id: str | None = None,
    progress: Progress | None = None,
) -> tuple[str, bytes]:
    """A tidy table (scores, equity, trends, or the corrective ``actions`` the actor sees) of the
    regions under ``code``: (file name, bytes). ``progress`` as in :func:`build_report`."""
    _step(progress, 0.0, "progress.report.reading")
    src = store_source(
        store, actor, code, include_pending=include_pending, edition_id=edition_id, progress=progress
    )
    _step(progress, 0.5, "progress.report.scoring")
    frame = actions_table(store, actor, code) if what == "actions" else export_table(what, src, code)
    name = suggested_filename(what, code, None, src.edition.label, None, ext=fmt)
    _step(progress, 0.8, "progress.report.writing")
    data = tidy_export(frame, fmt)
    _step(progress, 0.95, "progress.report.recording")
    audit_export(store, actor, what, code, {"format": fmt, "rows": len(frame)})
    _step(progress, 1.0, "progress.report.done")
    return name, data
