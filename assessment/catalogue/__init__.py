"""Catalogue editions of the National Basic Public Service Standards, as versioned data.

One folder per edition under ``editions/`` (``CN-2021/``: edition.toml, aspects, categories,
items, indicators and sources as CSV, SOURCES.md). Other modules code against this API::

    from assessment.catalogue import DEFAULT_EDITION, load_edition, summary
    edition = load_edition()            # cached assessment.domain.model.Edition
    summary(edition)                    # {"edition": "CN-2021", "aspects": 9, ...}

The catalogue package owns all reference data that regions are scored against and drawn with: the
editions (:mod:`.loader`, :mod:`.checks`, :mod:`.tables`, data under ``editions/``), the region tree
loader (:mod:`.regions`), the local-standard rules (:mod:`.local_standards`: never weaker than the
floor, the binding one per region) and map boundaries (:mod:`.boundaries`). Second stage of the data
flow: may import :mod:`assessment.domain` only.

A malformed edition raises :class:`assessment.domain.errors.DataFileError` listing every defect.
"""

from assessment.catalogue.loader import (
    DEFAULT_EDITION,
    STANDARDS_DIR,
    list_editions,
    load_edition,
    load_edition_dir,
    shipped_schedule,
    summary,
)

__all__ = [
    "DEFAULT_EDITION",
    "STANDARDS_DIR",
    "list_editions",
    "load_edition",
    "load_edition_dir",
    "shipped_schedule",
    "summary",
]
