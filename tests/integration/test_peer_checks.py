"""Issue 16 point 5: the official's upload check and the reviewer's check of the same file give the
same warnings, from anonymised peer statistics computed in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest

from assessment.domain.access import AccessDenied
from assessment.domain.editions import edition_chooser
from assessment.intake.ingest import UploadResult, read_upload
from assessment.intake.peer_stats import MIN_PEERS, STAT_COLUMNS
from assessment.intake.template import build_template
from assessment.store import Store

OFFICIAL, REVIEWER, PROVINCE = "demo-990123", "demo-jia", "demo-province"
REGION = "990123"


@pytest.fixture
def demo(store_url: str) -> Iterator[Store]:
    from assessment.auth.signin import seed_demo_accounts
    from assessment.demo.seed import seed_demo

    with Store(store_url) as s:
        seed_demo(s)
        seed_demo_accounts(s)
        yield s


def _newest_period(s: Store) -> int:
    return int(s.values(OFFICIAL)["period"].max())


def _odd_file(s: Store, period: int) -> bytes:
    """The region's approved figures of ``period`` with a few made implausible (x 3)."""
    tree = s.region_tree()
    chooser = edition_chooser(s.edition_schedule(), s.local_indicators(), tree)
    edition = chooser(period, REGION)
    values = s.values(OFFICIAL, periods=[period]).reset_index(drop=True)
    kinds = {i.code: i.kind for i in edition.indicators}
    odd = values["indicator_code"].map(kinds).isin(["count", "amount", "per_capita"])
    pick = values.index[odd][:3]
    values.loc[pick, "value"] = values.loc[pick, "value"] * 3
    return build_template(edition, tree, REGION, period, s.local_standards(), values=values)


def _check(s: Store, actor: str, data: bytes, period: int | None, expected: str | None) -> UploadResult:
    """What ui.data_workflow does for ``actor``: own history and the store's peer statistics."""
    tree = s.region_tree()
    local = s.local_indicators()
    mine = s.visible_regions(actor)
    return read_upload(
        data,
        "odd.xlsx",
        edition=edition_chooser(s.edition_schedule(), local, tree),
        tree=tree,
        local_standards=(*s.local_standards(), *(li.as_standard() for li in local)),
        expected_region=expected,
        expected_period=period,
        history=s.values(actor),
        peers=lambda regions, periods: s.peer_statistics(
            actor, list(periods), [r for r in regions if r in mine]
        ),
    )


def test_official_and_reviewer_see_the_same_warnings(demo: Store) -> None:
    period = _newest_period(demo)
    data = _odd_file(demo, period)
    official = _check(demo, OFFICIAL, data, period, REGION)
    reviewer = _check(demo, REVIEWER, data, None, None)
    province = _check(demo, PROVINCE, data, None, None)
    assert official.ok and reviewer.ok
    assert official.warnings == reviewer.warnings == province.warnings
    codes = {p.code for p in official.warnings}
    assert codes & {"W_PEER_OUTLIER", "W_IMPLAUSIBLE_CHANGE"}, "the peer tests reach the official"
    assert all(p.indicator for p in official.warnings if p.code == "W_PEER_OUTLIER")


def test_peer_statistics_are_aggregates_of_at_least_3_peers(demo: Store) -> None:
    period = _newest_period(demo)
    stats = demo.peer_statistics(OFFICIAL, period, REGION)
    assert list(stats.columns) == list(STAT_COLUMNS)
    assert len(stats) and set(stats["region_code"]) == {REGION}
    assert (stats["n"] >= MIN_PEERS).all()
    # the same whoever asks (the reviewer, the province)
    pd.testing.assert_frame_equal(stats, demo.peer_statistics(REVIEWER, period, REGION))
    pd.testing.assert_frame_equal(stats, demo.peer_statistics(PROVINCE, period, REGION))
    # an official may not ask about another region
    with pytest.raises(AccessDenied):
        demo.peer_statistics(OFFICIAL, period, "990102")


def test_peer_standing_gives_rank_and_quartiles_only(demo: Store) -> None:
    from assessment.scoring.peers import overall_scorer

    period = _newest_period(demo)
    scorer = overall_scorer(demo.edition_schedule(), demo.region_tree(), demo.local_standards())
    standing = demo.peer_standing(OFFICIAL, period, REGION, scorer)
    assert [s.group for s in standing] == ["prefecture", "province"]
    shown = [s for s in standing if s.shown]
    assert shown, "the demo province has enough counties"
    for s in shown:
        assert s.rank is not None and s.n is not None and 1 <= s.rank <= s.n
        assert s.p25 is not None and s.p75 is not None and s.p25 <= s.median <= s.p75  # type: ignore[operator]
    with pytest.raises(AccessDenied):
        demo.peer_standing(OFFICIAL, period, "990102", scorer)
