"""RegionTree's indexed walks agree with a plain scan, and the tree survives pickling (page cache)."""

from __future__ import annotations

import pickle

from assessment.demo import demo_tree


def test_children_descendants_and_leaves_agree_with_a_plain_scan() -> None:
    tree = demo_tree()
    for region in tree:
        assert tree.children(region.code) == [r for r in tree.regions if r.parent_code == region.code]
        below = {
            r.code for r in tree.regions if r.code != region.code and tree.is_within(r.code, region.code)
        }
        assert {r.code for r in tree.descendants(region.code)} == below
    parents = {r.parent_code for r in tree.regions}
    assert tree.leaves() == [r for r in tree.regions if r.code not in parents]
    assert len(tree.leaves()) == 20


def test_children_returns_a_copy_and_the_tree_pickles() -> None:
    tree = demo_tree()
    tree.children(tree.root.code).clear()
    assert len(tree.children(tree.root.code)) == 3
    again = pickle.loads(pickle.dumps(tree))
    assert [r.code for r in again.descendants(again.root.code)] == [
        r.code for r in tree.descendants(tree.root.code)
    ]


def test_frame_is_built_once_and_each_call_gets_a_copy() -> None:
    import pandas as pd

    from assessment.domain.model import RegionTree

    tree = demo_tree()
    fresh = RegionTree(tree.regions).frame()  # a tree that never built its frame
    first = tree.frame()
    first.loc[:, "name_en"] = "changed"
    del first[first.columns[0]]  # a structural change too
    pd.testing.assert_frame_equal(tree.frame(), fresh)
    assert tree == RegionTree(tree.regions)  # the kept frame takes no part in equality
    again = pickle.loads(pickle.dumps(tree))
    pd.testing.assert_frame_equal(again.frame(), fresh)


def test_indicator_frame_is_built_once_and_each_call_gets_a_copy() -> None:
    import dataclasses

    import pandas as pd

    from assessment.catalogue import load_edition

    edition = load_edition()
    fresh = dataclasses.replace(edition).indicator_frame()  # an edition that never built its frame
    first = edition.indicator_frame()
    first.loc[:, "name_en"] = "changed"
    del first[first.columns[0]]  # a structural change too
    pd.testing.assert_frame_equal(edition.indicator_frame(), fresh)
    assert edition == dataclasses.replace(edition)
