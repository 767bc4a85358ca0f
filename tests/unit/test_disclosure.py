"""Small-cell protection (issue 15 point 8): the rule of assessment/domain/disclosure.py and the
region page's view under it. Pure: no database, no streamlit run."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from assessment.domain import disclosure as dc
from assessment.domain.i18n import t
from assessment.domain.model import Region, RegionTree
from assessment.scoring.analysis import Assessment, assess
from assessment.views import region as view
from tests.fixtures import SCORING_EDITION, SCORING_TREE, full_values

# a province with one prefecture of five counties and one of two
TREE = RegionTree(
    (
        Region("990000", "省", "P", "province", None, 100),
        Region("990100", "甲市", "A", "prefecture", "990000", 50),
        *(Region(f"99010{i}", f"甲{i}县", f"A{i}", "county", "990100", 10) for i in range(1, 6)),
        Region("990200", "乙市", "B", "prefecture", "990000", 50),
        Region("990201", "乙一县", "B1", "county", "990200", 25),
        Region("990202", "乙二县", "B2", "county", "990200", 25),
    )
)
ME = "990101"


def user(role: str, scope: str | None, username: str = "u", disabled: bool = False) -> SimpleNamespace:
    return SimpleNamespace(username=username, role=role, scope_region_code=scope, disabled=disabled)


OFFICIAL = user("official", ME)


@pytest.mark.parametrize(
    ("others", "shown"),
    [([], False), (["990102"], False), (["990102", "990103"], False), (["990102", "990103", "990104"], True)],
)
@pytest.mark.parametrize("with_own", [False, True])
def test_an_official_sees_a_peer_figure_of_three_other_regions_or_more(
    others: list[str], shown: bool, with_own: bool
) -> None:
    regions = [*others, ME] if with_own else others
    assert dc.may_show(OFFICIAL, TREE, regions) is shown
    assert dc.showable(OFFICIAL, TREE, [regions]) == [shown]


def test_own_regions_never_count_as_others() -> None:
    # a prefecture official's counties are their own: a figure of them and two others is withheld
    prefecture = user("official", "990100")
    assert dc.own_regions(prefecture, TREE) == {"990100", *(f"99010{i}" for i in range(1, 6))}
    assert not dc.may_show(prefecture, TREE, [f"99010{i}" for i in range(1, 6)] + ["990201", "990202"])
    assert dc.may_show(prefecture, TREE, ["990201", "990202", "990000"])
    # the audience of a county's feedback is an official of that county, whoever made the file
    assert dc.own_regions(dc.audience_of(ME), TREE) == {ME}


@pytest.mark.parametrize(
    "viewer",
    [user("evaluator", "990100"), user("admin", None), user("admin", None, username="system")],
)
def test_evaluators_and_admins_see_everything(viewer: SimpleNamespace) -> None:
    assert not dc.restricted(viewer)
    assert dc.may_show(viewer, TREE, ["990102"]) and dc.may_show(viewer, TREE, [])
    assert dc.showable(viewer, TREE, [["990102"], ["990102", "990201"]]) == [True, True]


@pytest.mark.parametrize(
    "viewer",
    [None, user("evaluator", "990000", disabled=True), user("auditor", "990000"), user("official", None)],
)
def test_anyone_else_is_treated_as_an_official(viewer: SimpleNamespace | None) -> None:
    assert dc.restricted(viewer)
    assert not dc.may_show(viewer, TREE, ["990102", "990103"])


def test_nested_figures_that_difference_to_fewer_than_three_regions_are_not_both_shown() -> None:
    prefecture = ["990101", "990102", "990103", "990104", "990105"]  # 4 others
    province = [*prefecture, "990201", "990202"]  # 2 more: prefecture rank vs province rank
    assert dc.showable(OFFICIAL, TREE, [prefecture, province]) == [True, False]
    # without the prefecture's figure the province's may be shown
    assert dc.showable(OFFICIAL, TREE, [prefecture[:3], province]) == [False, True]
    # a difference of 3 or more is safe, and so is none (the same set twice)
    assert dc.showable(OFFICIAL, TREE, [prefecture[:4], province]) == [True, True]
    assert dc.showable(OFFICIAL, TREE, [prefecture, prefecture]) == [True, True]
    # either way round: the bigger set first, then one that leaves out two of its regions
    assert dc.showable(OFFICIAL, TREE, [province, prefecture]) == [True, False]


def test_differencing_a_mean_that_includes_the_viewer_gives_nothing_back() -> None:
    # two counties: the mean of both and one's own score give the other's exactly; so not shown
    scores = {ME: 80.0, "990102": 90.0}
    mean = np.mean(list(scores.values()))
    assert 2 * mean - scores[ME] == scores["990102"]
    assert not dc.may_show(OFFICIAL, TREE, scores)


def test_suppress_empties_cells_and_flags_them_and_marked_writes_the_mark() -> None:
    frame = pd.DataFrame({"mean": [1.5, 2.5], "n": pd.array([4, 2], dtype="Int64"), "own": [7.0, 8.0]})
    out = dc.suppress(frame, ["mean", "n"], [False, True], "hidden")
    assert out["hidden"].tolist() == [False, True]
    assert out.loc[0, "mean"] == 1.5 and out.loc[0, "n"] == 4
    assert pd.isna(out.loc[1, "mean"]) and pd.isna(out.loc[1, "n"]), "empty, never zero"
    assert out["own"].tolist() == [7.0, 8.0]
    assert frame["mean"].tolist() == [1.5, 2.5], "the input is not changed"
    shown = dc.marked(out, ["mean", "n"], "hidden")
    assert shown.loc[1, "mean"] == "—" == shown.loc[1, "n"] and shown.loc[0, "mean"] == 1.5
    with pytest.raises(ValueError):
        dc.suppress(frame, ["mean"], [True], "hidden")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_note_explains_the_mark(lang: str) -> None:
    text = dc.note(lang)
    assert text.startswith("—") and "3" in text
    assert text == t("disclosure.note", lang, mark="—", n=3)


# -- the region page's view --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scored() -> Assessment:
    """SCORING_TREE (two prefectures of two counties), everyone reporting, seen whole."""
    return assess(full_values(2024), SCORING_EDITION, SCORING_TREE)


def test_an_official_gets_no_ranks_of_fewer_than_three_other_counties(scored: Assessment) -> None:
    everything = view.header(scored, "990101", 2024)
    assert everything["rank_in_parent"] and everything["n_in_parent"] == 2 and everything["n_in_level"] == 4
    official = user("official", "990101")
    head = view.header(scored, "990101", 2024, viewer=official)
    # the sibling is one other county: withheld; the province's four counties are three others
    assert head["peers_hidden"] is True
    assert head["rank_in_parent"] is None and head["n_in_parent"] is None
    assert head["rank_in_level"] == everything["rank_in_level"] and head["n_in_level"] == 4
    assert head["score"] == everything["score"], "the own figures stay"
    value, help_text = view.rank_metric(head, "zh")
    assert value == f"—/— · {head['rank_in_level']}/4" and "少于3个其他地区" in help_text
    # with one county silent, the province's figures are of two others: withheld too
    fewer = assess(full_values(2024).query("region_code != '990202'"), SCORING_EDITION, SCORING_TREE)
    head = view.header(fewer, "990101", 2024, viewer=official)
    for key in ("rank_in_parent", "n_in_parent", "rank_in_level", "n_in_level", "quintile"):
        assert head[key] is None, key
    assert view.rank_metric(head, "en") == ("—", dc.note("en"))
    # an evaluator, or no viewer given, sees the ranks as before
    evaluator = view.header(scored, "990101", 2024, viewer=user("evaluator", "990100"))
    assert evaluator == everything and everything["peers_hidden"] is False
    assert view.rank_metric(everything, "en") == (
        t("region.kpi_rank_value", "en", parent=everything["rank_in_parent"], n_parent=2,
          level=everything["rank_in_level"], n_level=4),
        t("region.quintile", "en", q=everything["quintile"]),
    )  # fmt: skip


def test_an_official_sees_no_peer_range_of_fewer_than_three_other_counties() -> None:
    official = user("official", "990101")
    three = full_values(2024).query("region_code != '990202'")  # 990101 and two others
    result = assess(three, SCORING_EDITION, SCORING_TREE)
    whole = view.spine(result, "990101", 2024, "en")
    assert whole["p_max"].notna().all() and not whole["peers_hidden"].any()
    seen = view.spine(result, "990101", 2024, "en", viewer=official)
    assert seen["peers_hidden"].all()
    for col in ("p_min", "p25", "p50", "p75", "p_max", "pos_p_min", "pos_p_max"):
        assert seen[col].isna().all(), col
    # the region's own position uses its value and the standards only: no peer's value moves it
    others = three.copy()
    others.loc[others["region_code"] != "990101", "value"] *= 1.5
    moved = view.spine(assess(others, SCORING_EDITION, SCORING_TREE), "990101", 2024, "en", viewer=official)
    pd.testing.assert_series_equal(moved["pos_value"], seen["pos_value"])
    # with the fourth county reporting, the official sees the range of the three others
    assert not view.spine(assess(full_values(2024), SCORING_EDITION, SCORING_TREE), "990101", 2024,
                          "en", viewer=official)["peers_hidden"].any()  # fmt: skip
