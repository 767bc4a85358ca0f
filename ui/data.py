"""Cached access to the store and the scoring pipeline for the pages (STYLE 8).

The store is opened once per process; data reads are cached by the store's data version (the
newest audit event id), so an upload or a review shows on every page at once, with no rebuild.
"""

from __future__ import annotations

import streamlit as st

from assessment.catalogue.boundaries import feature_collection
from assessment.domain.editions import EditionSchedule, LocalIndicator
from assessment.domain.model import RegionTree
from assessment.scoring.analysis import Assessment, assess
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


store.clear = _open_store.clear  # type: ignore[attr-defined]  # drop the open store (tests)


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
@shares_across_bases  # the floor and standard results of one jurisdiction hold their common columns once
def _assessment(
    jurisdiction: str,
    basis: str,
    include_pending: bool,
    version: str,
    _actor: str,
    what_if: str | None = None,
) -> Assessment:
    s = store()
    schedule, local = catalogue(version)
    tree = _region_tree(version)
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


@st.cache_resource(show_spinner=False, max_entries=2)
def catalogue(version: str) -> tuple[EditionSchedule, tuple[LocalIndicator, ...]]:
    """The editions in force per period and the local-only indicators, read once per data version."""
    s = store()
    return s.edition_schedule(), s.local_indicators()


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
    return _assessment(jurisdiction, basis, include_pending, data_version(), actor, what_if)


@st.cache_resource(show_spinner=False, max_entries=2)
def _region_tree(version: str) -> RegionTree:
    return store().region_tree()


def region_tree() -> RegionTree:
    """The active region tree, read once per data version (a page needs it several times a run)."""
    return _region_tree(data_version())


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
    return _boundaries(data_version())


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
    return _boundaries_within(code, data_version())


def has_boundaries(geojson: dict, codes: list[str]) -> bool:
    """Whether any of ``codes`` has a boundary to draw."""
    wanted = set(codes)
    return any(f.get("properties", {}).get("code") in wanted for f in geojson.get("features", []))


def periods(result: Assessment) -> list[int]:
    return sorted(result.periods, reverse=True)
