"""Cached access to the store and the scoring pipeline for the pages (STYLE 8).

The store is opened once per process; data reads are cached by the store's data version (the
newest audit event id), so an upload or a review shows on every page at once, with no rebuild.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from assessment.catalogue.boundaries import feature_collection
from assessment.domain.editions import EditionSchedule, LocalIndicator
from assessment.domain.model import RegionTree
from assessment.scoring.analysis import Assessment, assess
from assessment.scoring.incremental import counties_within, update
from assessment.scoring.sharing import shares_across_bases
from assessment.store.errors import StorageFailure
from assessment.store.service import Store
from ui.unavailable import database_unavailable


@st.cache_resource(show_spinner=False)
def _open_store() -> Store:
    return Store()


def store() -> Store:
    """The process-wide store (ASSESSMENT_DB_URL, default data/assessment.db). When the database
    cannot be opened: the app's own "database unavailable" page, and the run stops."""
    try:
        return _open_store()
    except StorageFailure as failure:
        database_unavailable(failure)


def _clear_store() -> None:
    """Drop the open store and the assessments computed from it (tests re-create databases)."""
    _open_store.clear()
    with _LATEST_LOCK:
        _LATEST.clear()


store.clear = _clear_store  # type: ignore[attr-defined]  # drop the open store (tests)


def data_version() -> str:
    """The cache key of the data: the database and a number that grows with every write (each
    write appends an audit event), so an upload or a review shows on every page at once.

    Nearly every page starts here, so a database lost after the store was opened gets the app's own
    "database unavailable" page too (pages can be run without dashboard.py)."""
    s = store()
    try:
        return f"{s.url.render_as_string(hide_password=True)}#{s.data_version()}"
    except StorageFailure as failure:
        database_unavailable(failure)


# cache_resource, not cache_data: one shared, never-mutated result per key instead of a pickled copy
# per call (pickling a national assessment cost 0.5 s to store and 0.17 s on every cached run). The
# core's functions never mutate their inputs, and tests check the page views do not either.
# The key is the jurisdiction, not the user: every user allowed to view a jurisdiction sees the same
# scores of its counties, so two evaluators of one province share one result (at national scale a
# result holds about half a gigabyte). ``_actor`` (not part of the key) is who reads the values.
@st.cache_resource(show_spinner=False, max_entries=8)
def _assessment(
    jurisdiction: str,
    basis: str,
    include_pending: bool,
    version: str,
    _actor: str,
    what_if: str | None = None,
) -> Assessment:
    lineage = (version.rpartition("#")[0], jurisdiction, basis, include_pending, what_if)
    number = int(version.rpartition("#")[2] or 0)
    result = _build(jurisdiction, basis, include_pending, version, _actor, what_if)
    with _LATEST_LOCK:
        since = _LATEST.get(lineage, (-1, result))[0]
        if number >= since:
            _LATEST[lineage] = (number, result)
            if 0 <= since < number:  # the version it supersedes: no rerun asks for it again
                _SUPERSEDED.append((jurisdiction, basis, include_pending, f"{lineage[0]}#{since}", what_if))
    return result


@shares_across_bases  # the floor and standard results of one jurisdiction hold their common columns once
def _build(
    jurisdiction: str,
    basis: str,
    include_pending: bool,
    version: str,
    _actor: str,
    what_if: str | None = None,
) -> Assessment:
    """The assessment for the cache above: the newest one of its lineage brought up to date, or
    computed from all the values."""
    s = store()
    lineage = (version.rpartition("#")[0], jurisdiction, basis, include_pending, what_if)
    result = _updated(s, lineage, int(version.rpartition("#")[2] or 0), _actor)
    if result is not None:
        return result
    schedule, local = catalogue()
    tree = region_tree()
    # the whole tree: no list of every county to send to the database
    counties = None if jurisdiction == tree.root.code else tree.leaf_codes(jurisdiction)
    values = s.values(_actor, include_pending=include_pending, region_codes=counties)
    return assess(
        values,
        schedule,
        tree,
        s.local_standards(),
        jurisdiction=jurisdiction,
        basis=basis,
        local_indicators=local,
        what_if=None if what_if is None else schedule.get(what_if),
    )


def _drop_superseded(actor: str) -> None:
    """Take the versions a newer one replaced out of the cache (each held a national assessment's
    changed columns: after a day of approvals, eight of them)."""
    while True:
        with _LATEST_LOCK:
            if not _SUPERSEDED:
                return
            jurisdiction, basis, pending, version, what_if = _SUPERSEDED.pop()
        _assessment.clear(jurisdiction, basis, pending, version, actor, what_if)


# The newest assessment computed per (database, jurisdiction, basis, pending, what-if) and its data
# version: after an approval or an upload the next version is that one with the changed counties
# rescored (issue 20 point 2), not a rescore of every county. One entry per lineage, the same object
# the cache above holds while it holds it.
_LATEST: dict[tuple[str, str, str, bool, str | None], tuple[int, Assessment]] = {}
_LATEST_LOCK = threading.Lock()
_SUPERSEDED: list[tuple[str, str, bool, str, str | None]] = []


def _updated(
    s: Store, lineage: tuple[str, str, str, bool, str | None], number: int, actor: str
) -> Assessment | None:
    """The newest assessment of ``lineage`` brought up to data version ``number`` by rescoring only
    the counties whose values changed since it, or None (no earlier one, or something else changed:
    the caller rescores everything)."""
    if os.environ.get("ASSESSMENT_INCREMENTAL", "1") == "0":  # off: every new version rescored in full
        return None
    with _LATEST_LOCK:
        since, previous = _LATEST.get(lineage, (None, None))
    if previous is None or since is None or since > number:
        return None
    changed = s.changed_regions(since, number)
    if changed is None:
        return None
    counties = counties_within(previous.tree, previous.jurisdiction, changed)
    if not counties:
        return previous  # nothing under this jurisdiction changed
    values = s.values(actor, include_pending=lineage[3], region_codes=counties)
    return update(previous, values, counties)


def latest(jurisdiction: str, basis: str, include_pending: bool = False) -> tuple[str, Assessment] | None:
    """The newest assessment this process computed of ``jurisdiction`` and ``basis`` (no what-if) and
    its data version, possibly older than the current one, or None. For a consumer that brings only
    what it needs up to date (the actions panel: ``ui.actions.panel_register_of``) instead of the
    whole assessment; the caller checks the viewer's access (the result is not filtered by user)."""
    db = data_version().rpartition("#")[0]
    with _LATEST_LOCK:
        found = _LATEST.get((db, jurisdiction, basis, include_pending, None))
    return None if found is None else (f"{db}#{found[0]}", found[1])


@st.cache_resource(show_spinner=False, max_entries=64)
def _reference_of(version: str) -> str:
    s = store()
    try:
        return f"{s.url.render_as_string(hide_password=True)}#{s.reference_version()}"
    except StorageFailure as failure:
        database_unavailable(failure)


def reference_version() -> str:
    """The cache key of the reference data (region tree, editions, local standards and indicators,
    boundaries): it moves when an administrator changes them, not with every approval or upload
    (``Store.reference_version``; read once per data version)."""
    return _reference_of(data_version())


@st.cache_resource(show_spinner=False, max_entries=2)
def _catalogue(version: str) -> tuple[EditionSchedule, tuple[LocalIndicator, ...]]:
    s = store()
    return s.edition_schedule(), s.local_indicators()


def catalogue() -> tuple[EditionSchedule, tuple[LocalIndicator, ...]]:
    """The editions in force per period and the local-only indicators, read once per reference
    version."""
    return _catalogue(reference_version())


def assessment(
    actor: str,
    jurisdiction: str,
    basis: str = "standard",
    include_pending: bool = False,
    what_if: str | None = None,
) -> Assessment:
    """Scores and aggregates of the counties under ``jurisdiction`` (cached per data version);
    ``what_if``: an edition id to re-score every period by (never the official score).

    The store checks on every call, cached or not, that ``actor`` may view ``jurisdiction``
    (AccessDenied otherwise), so a shared result never reaches a user outside it.
    """
    store().authorize(actor, "view", jurisdiction)
    result = _assessment(jurisdiction, basis, include_pending, data_version(), actor, what_if)
    _drop_superseded(actor)
    return result


@st.cache_resource(show_spinner=False, max_entries=2)
def _region_tree(version: str) -> RegionTree:
    return store().region_tree()


def region_tree() -> RegionTree:
    """The active region tree, read once per reference version (a page needs it several times a
    run; an approval does not change it)."""
    return _region_tree(reference_version())


@st.cache_resource(show_spinner=False, max_entries=2)
def _boundaries(version: str) -> dict:
    s = store()
    geometries = s.boundaries()
    if not geometries and s.is_demo():  # a demo database seeded before boundaries were stored
        from assessment.demo import demo_boundaries

        return {**demo_boundaries(), "source": "demo"}
    return feature_collection(geometries, _region_tree(version))


def boundaries() -> dict:
    """Region boundaries (a GeoJSON FeatureCollection keyed by ``properties.code``) for the maps, as
    saved by administrators; offline, no tile server. Shared, never mutated."""
    return _boundaries(reference_version())


@st.cache_resource(show_spinner=False, max_entries=8)
def _boundaries_within(code: str, version: str) -> dict:
    tree = _region_tree(version)
    features = [
        f
        for f in _boundaries(version).get("features", [])
        if (c := f.get("properties", {}).get("code")) in tree and tree.is_within(c, code)
    ]
    return {"type": "FeatureCollection", "features": features}


def boundaries_within(code: str) -> dict:
    """The boundaries of ``code`` and the regions below it only (a province's map draws no other
    province's borders). Shared, never mutated."""
    return _boundaries_within(code, reference_version())


def has_boundaries(geojson: dict, codes: list[str]) -> bool:
    """Whether any of ``codes`` has a boundary to draw."""
    wanted = set(codes)
    return any(f.get("properties", {}).get("code") in wanted for f in geojson.get("features", []))


@st.cache_data(show_spinner=False, max_entries=64)
def _completeness(
    actor: str, period: int, jurisdiction: str, expected: int | None, version: str, minute: int
) -> pd.DataFrame:
    # the active tree as this process holds it (per reference version, which the version above
    # determines): the store reads it again otherwise, about a fifth of the call at national scale
    return store().completeness(
        actor, period, regions=region_tree(), jurisdiction=jurisdiction, expected_indicators=expected
    )


def completeness(
    actor: str, period: int, jurisdiction: str, expected_indicators: int | None = None
) -> pd.DataFrame:
    """``Store.completeness`` (who reported, late, missing), read once per data version and minute
    (a deadline passing makes a region late within the minute); a copy per call. At national scale
    it took about a second on every rerun of the overview and review pages."""
    minute = int(datetime.now(UTC).timestamp() // 60)
    return _completeness(actor, int(period), jurisdiction, expected_indicators, data_version(), minute)


def periods(result: Assessment) -> list[int]:
    return sorted(result.periods, reverse=True)
