"""The region-tree CSV loader reading a real file (and refusing a missing one)."""

from __future__ import annotations

import pytest

from assessment.catalogue.regions import load_region_tree
from assessment.domain.errors import DataFileError
from tests.fixtures import REGIONS_CSV_GOOD as GOOD
from tests.fixtures import REGIONS_CSV_HEADER as HEADER


def test_load_from_path(tmp_path):
    path = tmp_path / "regions.csv"
    path.write_bytes((HEADER + GOOD).encode())
    assert len(load_region_tree(path)) == 5
    with pytest.raises(DataFileError) as exc:
        load_region_tree(tmp_path / "missing.csv")
    assert exc.value.problems[0].code == "regions.file.not_found"
