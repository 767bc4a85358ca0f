"""Anonymised peer statistics (issue 16, point 5): aggregates only, at least 3 peers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.domain.errors import Problem
from assessment.domain.model import Region, RegionTree
from assessment.intake.peer_stats import STAT_COLUMNS, peer_statistics, rank_among
from assessment.views.upload import grouped_problems, problems_frame

TREE = RegionTree(
    (
        Region("990000", "省", "P", "province", None, 100),
        Region("990100", "甲市", "A", "prefecture", "990000", 50),
        Region("990200", "乙市", "B", "prefecture", "990000", 50),
        *(Region(f"99010{i}", f"甲{i}县", "A", "county", "990100", 10) for i in range(1, 4)),
        *(Region(f"99020{i}", f"乙{i}县", "B", "county", "990200", 10) for i in range(1, 7)),
    )
)


def frame(values: dict[str, float], period: int = 2024, code: str = "S01") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region_code": list(values),
            "period": period,
            "indicator_code": code,
            "value": list(values.values()),
        }
    )


def test_quartiles_and_mad_over_the_prefecture_peers_excluding_the_region() -> None:
    vals = {f"99020{i}": float(v) for i, v in zip(range(1, 7), [5, 10, 20, 30, 40, 1000], strict=True)}
    s = peer_statistics(frame(vals), TREE, ["990201"], [2024])
    (row,) = s.to_dict("records")
    peers = np.array([10, 20, 30, 40, 1000], dtype=float)  # 990201 itself is not its own peer
    assert row["group"] == "prefecture" and row["n"] == 5
    assert row["median"] == np.median(peers)
    assert (row["p25"], row["p75"]) == tuple(np.quantile(peers, [0.25, 0.75]))
    assert row["mad"] == np.median(np.abs(peers - np.median(peers)))
    assert list(s.columns) == list(STAT_COLUMNS)


def test_fewer_than_3_peers_in_the_prefecture_falls_back_to_the_province() -> None:
    vals = {"990101": 1.0, "990102": 2.0, "990103": 3.0, "990201": 10.0, "990202": 20.0}
    s = peer_statistics(frame(vals), TREE, ["990101"], [2024])
    (row,) = s.to_dict("records")
    assert row["group"] == "province" and row["n"] == 4  # 2 in the prefecture: not enough alone
    assert row["median"] == np.median([2.0, 3.0, 10.0, 20.0])


def test_two_peers_give_nothing_at_all() -> None:
    vals = {"990101": 1.0, "990102": 2.0, "990103": 3.0}  # the whole province: 2 peers of 990101
    assert peer_statistics(frame(vals), TREE, ["990101"], [2024]).empty


def test_changes_are_summarised_per_peer_on_its_previous_period() -> None:
    before = {f"99020{i}": 10.0 for i in range(1, 7)}
    after = {f"99020{i}": 10.0 + i for i in range(1, 7)}
    s = peer_statistics(pd.concat([frame(before, 2023), frame(after, 2024)]), TREE, ["990206"], [2024])
    (row,) = s.to_dict("records")
    assert row["n_change"] == 5 and row["change_median"] == 3.0


def test_no_value_of_a_peer_leaves_as_such() -> None:
    """Only aggregates: one row per region asked about and indicator, never one per peer."""
    rng = np.random.default_rng(3)
    vals = {f"99020{i}": float(v) for i, v in zip(range(1, 7), rng.integers(1, 10**6, 6), strict=True)}
    s = peer_statistics(frame(vals), TREE, ["990201"], [2024])
    assert len(s) == 1 and set(s["region_code"]) == {"990201"}
    assert not set(s.columns) & {"value", "change", "peer", "peers"}


def test_rank_among_peers() -> None:
    scores = pd.Series({"a": 80.0, "b": 60.0, "c": 90.0, "d": np.nan})
    assert rank_among(scores, "a") == (2, 3)
    assert rank_among(scores, "d") is None


def test_problems_are_grouped_by_kind_with_the_indicator_named() -> None:
    from assessment.catalogue import load_edition

    edition = load_edition()
    ind = edition.indicators[0]
    same = [
        Problem(
            "W_BUNCHED_AT_STANDARD",
            "恰好",
            "exact",
            sheet="填报",
            cell=f"J{r}",
            row=r,
            severity="warning",
            indicator=ind.code,
        )
        for r in range(4, 24)
    ]
    error = Problem("E_NEGATIVE", "负", "negative", sheet="填报", cell="J30", row=30, indicator=ind.code)
    groups = grouped_problems([*same, error], "zh", edition)
    assert [g.code for g in groups] == ["E_NEGATIVE", "W_BUNCHED_AT_STANDARD"]  # errors first
    assert groups[1].count == 20 and "20 个数值恰好等于标准" in groups[1].title
    shown = problems_frame([error], "zh", edition)
    assert shown["指标"].tolist() == [f"{ind.code} {ind.name_zh}"]
    assert shown["位置（工作表!单元格）"].tolist() == ["填报!J30"]
