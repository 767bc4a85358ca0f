"""assessment/scoring/sharing.py: the floor and standard results hold their common columns once,
and each still equals what ``assess`` computed."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest

from assessment.catalogue import load_edition
from assessment.demo import demo_local_standards, demo_tree, synthetic_values
from assessment.scoring.analysis import Assessment, assess
from assessment.scoring.sharing import FRAMES, share_columns, shared_frame, shares_across_bases


@pytest.fixture(scope="module")
def inputs():
    edition, tree = load_edition(), demo_tree()
    return synthetic_values(edition, tree), edition, tree, demo_local_standards(edition)


@pytest.fixture(scope="module")
def both(inputs) -> tuple[Assessment, Assessment]:
    return assess(*inputs, basis="standard"), assess(*inputs, basis="floor")


def _buffer(s: pd.Series) -> np.ndarray:
    arr = s.array
    if isinstance(arr, pd.Categorical):
        return arr.codes
    if hasattr(arr, "_data"):  # masked (Int16, boolean)
        return arr._data
    return s.to_numpy(copy=False)


def _shares(a: pd.Series, b: pd.Series) -> bool:
    return np.shares_memory(_buffer(a), _buffer(b))


def test_shared_result_equals_the_original_frame_by_frame(both) -> None:
    standard, floor = both
    shared = share_columns(floor, standard)
    assert shared is not floor
    for name in (*FRAMES, "costs"):
        pd.testing.assert_frame_equal(getattr(shared, name), getattr(floor, name))
    pd.testing.assert_frame_equal(shared.equity_indicator, floor.equity_indicator)
    assert (shared.basis, shared.jurisdiction) == (floor.basis, floor.jurisdiction)
    assert shared.periods == floor.periods


def test_equal_columns_are_shared_and_different_ones_are_not(both) -> None:
    standard, floor = both
    shared = share_columns(floor, standard)
    scores, theirs = shared.scores, standard.scores
    for col in ("value", "national_floor", "gap_floor", "region_code", "indicator_code"):
        assert _shares(scores[col], theirs[col]), col
    for col in ("score", "status", "gap_standard"):  # differ by basis
        assert not floor.scores[col].equals(theirs[col])
        assert not _shares(scores[col], theirs[col]), col


def test_the_originals_are_not_mutated(both) -> None:
    standard, floor = both
    before = {n: getattr(floor, n).copy() for n in FRAMES}
    share_columns(floor, standard)
    for n in FRAMES:
        pd.testing.assert_frame_equal(getattr(floor, n), before[n])
        if "value" in before[n]:  # the original still holds its own arrays
            assert not _shares(getattr(floor, n)["value"], getattr(standard, n)["value"])


def test_nothing_is_shared_between_different_jurisdictions(inputs, both) -> None:
    standard, _ = both
    tree = inputs[2]
    child = next(r.code for r in tree if r.parent_code == tree.root.code and tree.leaf_codes(r.code))
    part = assess(*inputs, jurisdiction=child, basis="floor")
    assert share_columns(part, standard) is part


def test_a_column_that_differs_in_one_row_is_kept() -> None:
    mine = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.0]})
    theirs = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, 3.5]})
    out = shared_frame(mine, theirs)
    assert out is not None
    pd.testing.assert_frame_equal(out, mine)
    assert np.shares_memory(out["a"].to_numpy(), theirs["a"].to_numpy())
    assert not np.shares_memory(out["b"].to_numpy(), theirs["b"].to_numpy())
    assert shared_frame(mine, theirs.iloc[:2]) is None  # other rows: nothing shared


def test_decorator_shares_between_bases_of_the_same_other_arguments(inputs) -> None:
    calls: list[tuple[str, str]] = []

    @shares_across_bases
    def build(jurisdiction: str, basis: str, version: str, _actor: str) -> Assessment:
        calls.append((basis, _actor))
        return assess(*inputs, basis=basis)

    standard = build("x", "standard", "v1", "alice")
    floor = build("x", "floor", "v1", "bob")  # another reader: still the same data
    assert calls == [("standard", "alice"), ("floor", "bob")]
    assert _shares(floor.scores["value"], standard.scores["value"])
    other_version = build("x", "floor", "v2", "bob")
    assert not _shares(other_version.scores["value"], standard.scores["value"])
    # held weakly: once nobody keeps a result, it is not kept alive for sharing
    del standard, floor, other_version
    gc.collect()
    assert len(build.siblings._latest) == 0  # type: ignore[attr-defined]
