"""Catalogue editions of the National Basic Public Service Standards, as versioned data.

One folder per edition (``CN-2021/``: edition.toml, aspects/categories/items/indicators/sources CSV,
SOURCES.md). Other modules code against this API::

    from assessment.catalogue import DEFAULT_EDITION, load_edition, summary
    edition = load_edition()            # cached assessment.domain.model.Edition
    summary(edition)                    # {"edition": "CN-2021", "aspects": 9, ...}

A malformed edition raises :class:`assessment.domain.errors.DataFileError` listing every defect.
"""

from assessment.catalogue.loader import (
    DEFAULT_EDITION,
    STANDARDS_DIR,
    list_editions,
    load_edition,
    load_edition_dir,
    summary,
)

__all__ = [
    "DEFAULT_EDITION",
    "STANDARDS_DIR",
    "list_editions",
    "load_edition",
    "load_edition_dir",
    "summary",
]
