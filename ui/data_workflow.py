"""Cached calls and small widget helpers of the workflow pages: upload, review, local standards.

Validation results are cached on the file's bytes and the store's data version (a rerun of the
page, e.g. after a click, does not read a large batch file again); templates and stored files are
built on click only (``st.download_button`` with a callable).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from assessment.domain.editions import EditionChooser, edition_chooser
from assessment.domain.model import Edition
from assessment.intake.active_content import Finding
from assessment.intake.ingest import UploadResult, read_upload
from assessment.intake.peer_stats import PeerSource
from assessment.store.service_peers import PeerStanding
from ui.data import catalogue, data_version, region_tree, store
from ui.data_analysis import url_select

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def edition(period: int | None = None, region: str | None = None) -> Edition:
    """The catalogue ``region`` reports against for ``period``: the edition in force then, with the
    local indicators that apply to it (the newest edition when no period is given)."""
    return choose_edition()(period, region)


def choose_edition() -> EditionChooser:
    """The function :func:`read_upload` uses to pick the catalogue of a file's period and region."""
    schedule, local = catalogue()
    return edition_chooser(schedule, local, region_tree())


class _Uncached(Exception):
    """Carries a verdict out of the cached function without caching it (st.cache_data does not
    cache a call that raises)."""

    def __init__(self, result: UploadResult) -> None:
        super().__init__()
        self.result = result


@st.cache_data(show_spinner=False, max_entries=16)
def _check(
    data: bytes, filename: str, region: str | None, period: int | None, actor: str, version: str
) -> UploadResult:
    s = store()
    result = read_upload(
        data,
        filename,
        edition=choose_edition(),
        tree=region_tree(),
        local_standards=_all_standards(),
        expected_region=region,
        expected_period=period,
        history=s.values(actor),
        peers=_peers(actor),
    )
    if any(p.code == "E_PARSE_LIMIT" for p in result.problems):
        raise _Uncached(result)  # a parse stopped at its time or memory limit may pass when retried
    return result


def check_upload(
    actor: str, data: bytes, filename: str, region: str | None, period: int | None
) -> UploadResult:
    """:func:`read_upload` of ``data`` as ``actor`` sends it: within ``region`` and for ``period``,
    with the actor's approved values as the regions' own history and the core's anonymised peer
    statistics for the plausibility warnings (cached): the same warnings as
    :func:`recheck_submission` gives the reviewer of the same file."""
    try:
        return _check(data, filename, region, period, actor, data_version())
    except _Uncached as stopped:
        return stopped.result


def _all_standards() -> tuple:
    """The higher local standards and the thresholds of the local-only indicators (each binds as
    its jurisdiction's standard)."""
    _, local = catalogue()
    return (*store().local_standards(), *(li.as_standard() for li in local))


@st.cache_data(show_spinner=False, max_entries=8)
def _deadlines(periods: tuple[int, ...], version: str) -> dict[int, datetime]:
    s = store()
    found = {p: s.deadline(p) for p in periods}
    return {p: d for p, d in found.items() if d is not None}


def deadlines(periods: Sequence[int]) -> dict[int, datetime]:
    """The stored reporting deadlines of ``periods`` (those that have one)."""
    return _deadlines(tuple(periods), data_version())


def this_year() -> int:
    return datetime.now(UTC).year


def template_file(actor: str, region: str, period: int, lang: str) -> Callable[[], bytes]:
    """A callable building the template of ``region`` and ``period`` on click, pre-filled with the
    newest version the actor's region already sent for that period (if any)."""

    s = store()

    def build() -> bytes:
        from assessment.intake.template import build_template

        versions = s.submissions(actor, region_code=region, period=period)
        values = None
        if len(versions):
            newest = int(versions.sort_values("version")["id"].iloc[-1])
            values = s.submission_values(actor, newest).assign(region_code=region, period=period)
        return build_template(
            edition(period, region), region_tree(), region, period, _all_standards(), lang, values=values
        )

    return build


def annotated_file(data: bytes, result: UploadResult, lang: str) -> Callable[[], bytes]:
    """A callable building the annotated copy of an upload on click."""

    def build() -> bytes:
        from assessment.intake.annotate import annotate

        return annotate(data, result, lang)

    return build


def original_file(actor: str, submission_id: int) -> Callable[[], bytes]:
    """A callable returning a stored submission's original bytes on click (the core refuses
    anyone but an administrator)."""
    s = store()
    return lambda: s.original_file(actor, submission_id)[1]


def values_only_file(actor: str, submission_id: int) -> Callable[[], bytes]:
    """A callable building the values-only copy of a stored submission's file on click."""
    s = store()
    return lambda: s.values_only_file(actor, submission_id)[1]


@st.cache_data(show_spinner=False, max_entries=64)
def _active_content(actor: str, submission_id: int, version: str) -> list[Finding]:
    return store().active_content(actor, submission_id)


def active_content(actor: str, submission_id: int) -> list[Finding]:
    """The formulas, DDE and links the stored original of a submission holds (read, never run)."""
    return _active_content(actor, submission_id, data_version())


@st.cache_data(show_spinner=False, max_entries=16)
def _recheck(actor: str, submission_id: int, version: str) -> UploadResult:
    s = store()
    filename = s.submission(actor, submission_id).filename
    data = s.values_only_file(actor, submission_id)[1]  # the same values, nothing active
    return read_upload(
        data,
        filename,
        edition=choose_edition(),
        tree=region_tree(),
        local_standards=_all_standards(),
        history=s.values(actor),
        peers=_peers(actor),
    )


def recheck_submission(actor: str, submission_id: int) -> UploadResult:
    """The stored file of a submission read again (its warnings, against today's history and
    peer statistics: what the official's check of the same file shows today)."""
    return _recheck(actor, submission_id, data_version())


def _peers(actor: str) -> PeerSource:
    """The plausibility checks' peer statistics, from the core (aggregates only, for the regions
    of the file that the actor may view)."""
    s = store()

    def stats(regions: Sequence[str], periods: Sequence[int]) -> pd.DataFrame:
        mine = s.visible_regions(actor)  # a file of another region is refused anyway: no statistics
        return s.peer_statistics(actor, list(periods), [r for r in regions if r in mine])

    return stats


@st.cache_data(show_spinner=False, max_entries=32)
def _peer_statistics(actor: str, period: int, region: str, version: str) -> pd.DataFrame:
    return store().peer_statistics(actor, period, region)


def peer_statistics(actor: str, period: int, region: str) -> pd.DataFrame:
    """The anonymised statistics of the region's peers per indicator in ``period`` (cached)."""
    return _peer_statistics(actor, period, region, data_version())


@st.cache_data(show_spinner=False, max_entries=32)
def _peer_standing(actor: str, period: int, region: str, version: str) -> tuple[PeerStanding, ...]:
    from assessment.scoring.peers import overall_scorer

    schedule, local = catalogue()
    scorer = overall_scorer(schedule, region_tree(), store().local_standards(), local)
    return store().peer_standing(actor, period, region, scorer)


def peer_standing(actor: str, period: int, region: str) -> tuple[PeerStanding, ...]:
    """The region's rank and the quartiles of the scores of its prefecture and province (cached)."""
    return _peer_standing(actor, period, region, data_version())


def standards_columns(edition: Edition, lang: str) -> dict[str, object]:
    """Column settings of the local-standards editor (labels in ``lang``; context read-only)."""
    from assessment.domain.i18n import t

    cc = st.column_config
    names = {i.code: f"{i.code} {i.name_zh if lang == 'zh' else i.name_en}" for i in edition.indicators}

    def label(col: str) -> str:
        return t(f"standards.editor.{col}", lang)

    year = {"min_value": 1900, "max_value": 2100, "step": 1, "format": "%d"}
    return {
        "indicator_code": cc.SelectboxColumn(
            label("indicator_code"), options=list(names), format_func=names.get, required=True, width="large"
        ),
        "unit": cc.TextColumn(label("unit"), disabled=True),
        "national_floor": cc.TextColumn(
            label("national_floor"), disabled=True, help=t("standards.floor_help", lang)
        ),
        "threshold": cc.NumberColumn(
            label("threshold"), required=True, help=t("standards.threshold_help", lang)
        ),
        "effective_from": cc.NumberColumn(label("effective_from"), required=True, **year),
        "effective_to": cc.NumberColumn(
            label("effective_to"), help=t("standards.effective_to_help", lang), **year
        ),
        "set_by": cc.TextColumn(label("set_by"), max_chars=200),
        "note": cc.TextColumn(label("note"), max_chars=500, width="large"),
    }


def period_select(label: str, key: str, known: Sequence[int], span: int, where: object = st) -> int:
    """The reporting-period selectbox (kept in ``?period=``): the last ``span`` completed years and
    the ``known`` periods, newest first; by default the newest period that has a deadline."""
    from assessment.views.upload import default_period, period_options

    options = period_options(this_year(), [int(p) for p in known], span)
    default = default_period(options, deadlines(options))
    return int(
        url_select(label, options, key=key, param="period", default=default, unknown_key=None, where=where)
    )
