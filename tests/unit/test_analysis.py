"""The page pipeline: assess() composes the core; equity is computed on first use only."""

from __future__ import annotations

import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree, synthetic_values
from assessment.scoring.analysis import aspect_matrix, assess
from assessment.scoring.equity import equity


@pytest.fixture(scope="module")
def result():
    edition, tree = load_edition(), demo_tree()
    return assess(synthetic_values(edition, tree), edition, tree, demo_local_standards(edition))


def test_equity_is_lazy_and_equals_the_direct_computation(result) -> None:
    assert "equity_aspect" not in result.__dict__ and "equity_indicator" not in result.__dict__
    direct = equity(result.scores, result.tree, result.edition, by="aspect", within=result.jurisdiction)
    pd.testing.assert_frame_equal(result.equity_aspect.reset_index(drop=True), direct.reset_index(drop=True))
    assert result.equity_aspect is result.equity_aspect, "computed once"


def test_floor_basis_ignores_local_standards(result) -> None:
    edition, tree = result.edition, result.tree
    floor = assess(
        synthetic_values(edition, tree), edition, tree, demo_local_standards(edition), basis="floor"
    )
    assert floor.scores["local_standard"].isna().all()
    assert result.scores["local_standard"].notna().any()
    assert (floor.scores["status"] != "below_local").all()


def test_aspect_matrix_has_every_county_and_aspect_in_order(result) -> None:
    m = aspect_matrix(result, 2024, "en")
    assert m.shape == (20, 9)
    assert m.columns[0] == "Childcare"
    assert m.attrs["region_codes"][0] == "990102"
    assert m.isna().all(axis=1).sum() == 1, "the county that never reports has no scores"
