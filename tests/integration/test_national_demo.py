"""The fictional national demo: its generated files, seeding it (``demo --national``) on SQLite, and a
province's national context, computed in the core and given only to that province's evaluator."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pandas as pd
import pytest

from assessment.auth import accounts
from assessment.catalogue import load_edition
from assessment.cli import main
from assessment.demo import NATION_CODE, national_boundaries, national_tree
from assessment.domain.access import AccessDenied
from assessment.store import Store, StoreError
from assessment.views.national import NationalContext, national_context, province_aggregates
from tests import national_demo
from tests.national_demo import OTHER_PROVINCES, ROOT

national_db_url = national_demo.national_db_url  # the fixture of the seeded national demo

PROVINCES = ("910000", "920000", "930000", "990000")


def test_the_generated_files_are_up_to_date_and_fictional() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/make_national_demo.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tree = national_tree()
    assert tree.root.code == NATION_CODE and tree.root.level == "national"
    assert [r.code for r in tree.children(NATION_CODE)] == list(PROVINCES)
    # real province codes run from 11 to 82: none of these can collide
    assert all(int(code[:2]) > 82 for code in PROVINCES)
    assert tree.levels() == ["national", "province", "prefecture", "county"]
    assert len(tree.leaf_codes(NATION_CODE)) == 65
    features = national_boundaries()["features"]
    assert {f["properties"]["code"] for f in features} == {r.code for r in tree}


def test_cli_seeds_the_national_demo_once(tmp_path, monkeypatch, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'national.db'}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    assert main(["demo", "--national"]) == 0
    assert "Sample Country" in capsys.readouterr().out
    with Store(url) as store:
        assert store.is_demo() and store.setting("demo_kind") == "national"
        assert len(store.region_tree()) == 81
        subs = store.submissions("system")
        assert len(subs) == 63 * 3 and set(subs["status"]) == {"approved"}
        assert {"920224", "990224"}.isdisjoint(set(subs["region_code"]))  # never report
        nat = store.get_user("demo-national")
        assert nat is not None and (nat.role, nat.scope_region_code) == ("evaluator", NATION_CODE)
        assert store.get_user("demo-province").scope_region_code == "990000"
    assert main(["demo", "--national"]) == 1  # not empty: refused
    assert main(["demo", "--national", "--if-empty"]) == 0
    with Store(url) as store:
        assert len(store.submissions("system")) == 63 * 3


def test_demo_without_the_flag_still_seeds_the_province(tmp_path, monkeypatch) -> None:
    from assessment.auth.signin import DEMO_ACCOUNTS
    from assessment.demo import seed, seed_national

    called: list[str] = []

    def fake(name):
        def run(store, actor="system", **kwargs):
            called.append(name)
            return seed.DemoSummary(1, 0, 0, 0, 0, 0)

        return run

    monkeypatch.setattr(seed, "seed_demo", fake("province"))
    monkeypatch.setattr(seed_national, "seed_national_demo", fake("national"))
    monkeypatch.setenv("ASSESSMENT_DB_URL", f"sqlite:///{tmp_path / 'x.db'}")
    assert main(["demo"]) == 0 and main(["demo", "--national"]) == 0
    assert called == ["province", "national"]
    assert "demo-national" not in {a.username for a in DEMO_ACCOUNTS}  # the province's sign-ins as before


def test_national_context_of_the_provincial_evaluator(national_db_url: str) -> None:
    with Store(national_db_url) as store:
        ctx = national_context(store, "demo-province", 2024)
        assert isinstance(ctx, NationalContext)
        # the same figures from the whole country, computed here independently
        edition = load_edition()
        values = store.values("system", periods=[2024])
        aggs = province_aggregates(values, edition, store.region_tree(), store.local_standards(), 2024)
        overall = aggs[aggs["level"] == "overall"].set_index("region_code")["score"].astype(float)
        assert sorted(overall.index) == list(PROVINCES)
        assert ctx.score == pytest.approx(overall["990000"])
        assert ctx.median == pytest.approx(overall.median())
        assert ctx.rank == int((overall > overall["990000"]).sum()) + 1
        assert (ctx.n_ranked, ctx.n_provinces, ctx.province) == (4, 4, "990000")
        floor = national_context(store, "demo-province", 2024, "floor")
        assert floor is not None and floor.basis == "floor"


def test_national_context_hands_out_only_province_level_numbers(national_db_url: str) -> None:
    fields = {f.name for f in dataclasses.fields(NationalContext)}
    assert fields == {"province", "period", "basis", "score", "median", "rank", "n_ranked", "n_provinces"}
    with Store(national_db_url) as store:
        ctx = national_context(store, "demo-province", 2023)
        assert ctx is not None
        for name in fields:
            assert isinstance(getattr(ctx, name), str | int | float | type(None)), name
        # the store itself still refuses the provincial evaluator every other province's counties
        for province in OTHER_PROVINCES:
            with pytest.raises(AccessDenied):
                store.values("demo-province", region_codes=store.region_tree().leaf_codes(province)[:1])
        own = store.values("demo-province")
        assert set(own["region_code"]) <= set(store.region_tree().leaf_codes("990000"))


OTHERS = ("demo-national", "demo-jia", "demo-990123", "demo-admin", "system", "nobody")


@pytest.mark.parametrize("user", OTHERS)
def test_no_national_context_for_anyone_else(national_db_url: str, user: str) -> None:
    with Store(national_db_url) as store:
        assert national_context(store, user, 2024) is None


def test_a_disabled_provincial_evaluator_is_refused(national_db_url: str) -> None:
    with Store(national_db_url) as store:
        store.add_user("system", "prov-east", "East evaluator", "evaluator", "910000")
        assert national_context(store, "prov-east", 2024).province == "910000"
        accounts.set_disabled(store, "system", "prov-east")
        with pytest.raises((AccessDenied, StoreError)):
            national_context(store, "prov-east", 2024)


def test_the_national_theil_split_is_by_province_for_indicators_too() -> None:
    from assessment.catalogue import load_edition
    from assessment.demo import synthetic_values
    from assessment.scoring.analysis import assess
    from assessment.scoring.equity import equity

    tree = national_tree()
    edition = load_edition()
    result = assess(synthetic_values(edition, tree), edition, tree, (), jurisdiction=tree.root.code)
    assert result.theil_group_level == "province"
    by_province = equity(
        result.scores, tree, edition, by="indicator", within=tree.root.code, group_level="province"
    )
    by_parent = equity(result.scores, tree, edition, by="indicator", within=tree.root.code)
    got = result.equity_indicator
    pd.testing.assert_frame_equal(got, by_province)
    assert not got["theil_between"].equals(by_parent["theil_between"])
