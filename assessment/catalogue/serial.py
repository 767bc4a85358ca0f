"""An edition as JSON and back: how the store keeps an administrator's revision of a catalogue.

>>> from assessment.catalogue import load_edition
>>> ed = load_edition()
>>> edition_from_json(edition_to_json(ed)) == ed
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

from assessment.domain.model import Aspect, Category, Edition, Indicator, ServiceItem

_PARTS: dict[str, type] = {
    "aspects": Aspect,
    "categories": Category,
    "items": ServiceItem,
    "indicators": Indicator,
}


def edition_to_json(edition: Edition) -> str:
    """The whole edition (metadata, aspects, categories, items, indicators) as canonical JSON."""
    data: dict[str, Any] = {
        f.name: getattr(edition, f.name) for f in dataclasses.fields(edition) if f.name not in _PARTS
    }
    for name in _PARTS:
        data[name] = [dataclasses.asdict(x) for x in getattr(edition, name)]
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def edition_from_json(text: str) -> Edition:
    """The edition :func:`edition_to_json` wrote."""
    data = json.loads(text)
    parts: dict[str, Any] = {
        name: tuple(cls(**row) for row in data.pop(name)) for name, cls in _PARTS.items()
    }
    return Edition(**data, **parts)


def content_sha256(edition: Edition) -> str:
    """A digest of the catalogue's content (revision and effective period left out), to tell whether
    an import changes anything."""
    plain = dataclasses.replace(edition, revision=1, effective_from=None)
    return hashlib.sha256(edition_to_json(plain).encode()).hexdigest()
