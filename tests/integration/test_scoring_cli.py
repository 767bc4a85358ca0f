"""``python -m assessment score / equity / trends / cost``: outputs, formats and clear refusals."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from assessment.catalogue import load_edition, shipped_schedule
from assessment.cli import main
from assessment.commands.score import INDICATOR_COLUMNS, LEVEL_COLUMNS
from assessment.demo import demo_tree, scheduled_values, synthetic_values
from assessment.domain.model import RegionTree


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype={"region_code": str, "parent_code": str, "code": str})


IN_FORCE_2024 = shipped_schedule().for_period(2024)  # 2024 is scored by the 2023 edition


@pytest.fixture(scope="module")
def edition_id() -> str:
    return IN_FORCE_2024.id


def test_score_indicator_level_csv(capsys: pytest.CaptureFixture[str], edition_id: str) -> None:
    code, out, _ = run(["score", "--demo", "--period", "2024", "--region", "990102"], capsys)
    assert code == 0
    df = read_csv(out)
    assert list(df.columns) == list(INDICATOR_COLUMNS)
    assert len(df) == len(IN_FORCE_2024.indicators)
    assert set(df["region_code"]) == {"990102"}
    assert set(df["edition"]) == {edition_id}
    assert set(df["status"]) <= {"no_data", "below_floor", "below_local", "meets", "no_standard"}


@pytest.mark.parametrize(
    ("level", "per_region"), [("item", 81), ("category", 22), ("aspect", 9), ("overall", 1)]
)
def test_score_aggregate_levels_json(capsys: pytest.CaptureFixture[str], level: str, per_region: int) -> None:
    code, out, _ = run(["score", "--demo", "--period", "2024", "--level", level, "--format", "json"], capsys)
    assert code == 0
    rows = json.loads(out)
    assert rows and set(rows[0]) == set(LEVEL_COLUMNS)
    assert {r["level"] for r in rows} == {level}
    n_counties = len({r["region_code"] for r in rows})
    assert len(rows) == n_counties * per_region
    assert all(r["edition"] for r in rows)


def test_score_region_keeps_ranks_among_all_counties(capsys: pytest.CaptureFixture[str]) -> None:
    _, out_all, _ = run(["score", "--demo", "--period", "2024", "--level", "overall"], capsys)
    _, out_one, _ = run(
        ["score", "--demo", "--period", "2024", "--level", "overall", "--region", "990102"], capsys
    )
    everyone = read_csv(out_all).set_index("region_code")
    one = read_csv(out_one).set_index("region_code")
    assert list(one.index) == ["990102"]
    assert one.loc["990102", "rank_in_level"] == everyone.loc["990102", "rank_in_level"]


def test_score_prefectures_from_rolled_up_values(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["score", "--demo", "--period", "2024", "--region-level", "prefecture", "--level", "overall"]
    code, out, _ = run(args, capsys)
    assert code == 0
    assert sorted(read_csv(out)["region_code"]) == ["990100", "990200", "990300"]


def test_equity_by_aspect_within_a_prefecture(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["equity", "--demo", "--period", "2024", "--by", "aspect", "--within", "990100"]
    code, out, _ = run(args, capsys)
    assert code == 0
    df = read_csv(out)
    assert len(df) == 9
    for col in ("edition", "period", "code", "n_regions", "mean", "weighted_mean", "cv", "gini", "theil"):
        assert col in df.columns
    assert (df["theil_between"] + df["theil_within"] - df["theil"]).abs().max() < 1e-12


def test_equity_convergence(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["equity", "--demo", "--by", "aspect", "--convergence"], capsys)
    assert code == 0
    df = read_csv(out)
    assert set(df["first_period"]) == {2022} and set(df["last_period"]) == {2024}


def test_trends_for_one_county(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["trends", "--demo", "--region", "990102"], capsys)
    assert code == 0
    df = read_csv(out)
    assert set(df["region_code"]) == {"990102"}
    # 2022 by the 2021 edition, 2023 and 2024 by the 2023 edition (one indicator more)
    assert len(df) == sum(len(shipped_schedule().for_period(p).indicators) for p in (2022, 2023, 2024))
    assert set(df.loc[df["period"] == 2022, "edition"]) == {"CN-2021"}
    assert {"arrow", "pace_ratio", "projected_year", "cagr", "edition"} <= set(df.columns)


def test_cost_writes_parquet(capsys: pytest.CaptureFixture[str], tmp_path: Path, edition_id: str) -> None:
    target = tmp_path / "costs.parquet"
    code, _, err = run(
        ["cost", "--demo", "--period", "2024", "--format", "parquet", "-o", str(target)], capsys
    )
    assert code == 0
    assert str(target) in err
    df = pd.read_parquet(target)
    assert len(df) > 0 and set(df["edition"]) == {edition_id}
    assert (df["shortfall"] > 0).all()


def test_values_file_gives_the_same_scores(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "values.csv"
    scheduled_values(shipped_schedule(), demo_tree()).to_csv(path, index=False)
    _, direct, _ = run(["score", "--demo", "--period", "2023", "--region", "990200"], capsys)
    code, from_file, _ = run(
        ["score", "--demo", "--values", str(path), "--period", "2023", "--region", "990200"], capsys
    )
    assert code == 0
    pd.testing.assert_frame_equal(read_csv(direct), read_csv(from_file))


def test_database_source(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessment.store import Store

    url = f"sqlite:///{tmp_path / 'a.db'}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    code, _, err = run(["score", "--period", "2024"], capsys)
    assert code == 1  # an empty database: a message, not a traceback
    assert "--demo" in err and "Traceback" not in err
    with Store(url) as store:
        store.save_region_tree("system", demo_tree())
    path = tmp_path / "values.csv"
    synthetic_values(load_edition(), demo_tree()).to_csv(path, index=False)
    code, out, _ = run(["score", "--values", str(path), "--period", "2024", "--level", "overall"], capsys)
    assert code == 0
    assert len(read_csv(out)) >= 19


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["score", "--demo", "--period", "2024", "--region", "123456"], "123456"),
        (["score", "--demo", "--period", "1999"], "1999"),
        (["score", "--demo", "--period", "2024", "--edition", "XX-1900"], "XX-1900"),
        (["equity", "--demo", "--period", "2024", "--within", "999999"], "999999"),
        (["trends", "--demo", "--region", "000001"], "000001"),
        (["cost", "--demo", "--period", "2030"], "2030"),
        (["score", "--demo", "--period", "2024", "--confidence", "1.5"], "1.5"),
        (["score", "--demo", "--values", "/nonexistent/values.csv", "--period", "2024"], "values.csv"),
    ],
)
def test_bad_input_exits_1_with_a_message_in_both_languages(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    code, out, err = run(args, capsys)
    assert code == 1
    assert needle in err and "Traceback" not in err
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err)  # Chinese
    assert any(ch.isascii() and ch.isalpha() for ch in err)  # and English
    assert out == ""


def test_parquet_to_stdout_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["score", "--demo", "--period", "2024", "--format", "parquet"], capsys)
    assert code == 2 and "-o" in err


def test_missing_period_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["score", "--demo"])
    assert exit_.value.code == 2


def _demo_is(monkeypatch: pytest.MonkeyPatch, tree: RegionTree) -> None:
    """``--demo`` scores ``tree`` (synthetic values) with no local standards."""
    import assessment.demo as demo

    monkeypatch.setattr(demo, "demo_tree", lambda: tree)
    monkeypatch.setattr(demo, "demo_local_standards", lambda edition: ())


def test_score_the_national_root_from_rolled_up_values(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessment.demo import national_tree

    tree = national_tree()
    _demo_is(monkeypatch, tree)
    root = next(r.code for r in tree if r.level == "national")
    code, out, _ = run(["score", "--demo", "--period", "2024", "--region-level", "national"], capsys)
    assert code == 0
    df = read_csv(out)
    assert set(df["region_code"]) == {root}
    assert sorted(df["indicator_code"]) == sorted(i.code for i in IN_FORCE_2024.indicators)
    assert df["status"].ne("no_data").any()
    args = ["score", "--demo", "--period", "2024", "--region-level", "national", "--level", "overall"]
    code, out, _ = run([*args, "--region", root], capsys)
    assert code == 0
    assert list(read_csv(out)["region_code"]) == [root]


def test_score_townships_and_the_default_leaves_of_a_tree_with_townships(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from assessment.catalogue.regions import parse_region_csv
    from tests.fixtures import NATIONAL_CSV

    tree = parse_region_csv(NATIONAL_CSV, filename="nation.csv")
    _demo_is(monkeypatch, tree)
    townships = {r.code for r in tree if r.level == "township"}
    base = ["score", "--demo", "--period", "2024", "--level", "overall"]
    code, out, _ = run([*base, "--region-level", "township"], capsys)
    assert code == 0
    assert set(read_csv(out)["region_code"]) == townships == {"970102001", "970102100"}
    code, out, _ = run(base, capsys)  # the default: every leaf, the townships among them
    assert code == 0
    assert set(read_csv(out)["region_code"]) == {r.code for r in tree.leaves()}


def test_score_townships_of_a_tree_without_them_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["score", "--demo", "--period", "2024", "--region-level", "township"], capsys)
    assert code == 1
    assert "township" in err and "Traceback" not in err and out == ""


def test_values_file_over_the_web_upload_limit_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import inspect

    from assessment.commands import score
    from assessment.intake import ingest

    web_limit = inspect.signature(ingest.read_upload).parameters["max_bytes"].default
    assert web_limit == ingest.DEFAULT_MAX_BYTES == 20 * 1024 * 1024  # web uploads: unchanged
    assert score.VALUES_MAX_BYTES == 512 * 1024 * 1024
    values = scheduled_values(shipped_schedule(), demo_tree())
    values["note"] = "n" * (web_limit // len(values) + 100)  # valid rows, padded past 20 MB
    path = tmp_path / "values.csv"
    values.to_csv(path, index=False)
    assert path.stat().st_size > web_limit
    args = ["score", "--demo", "--period", "2023", "--region", "990200"]
    _, direct, _ = run(args, capsys)
    code, from_file, err = run([*args, "--values", str(path)], capsys)
    assert code == 0, err
    pd.testing.assert_frame_equal(read_csv(direct), read_csv(from_file))
    # the command line's own limit is the one in force: a file above it is refused, exit 1
    monkeypatch.setattr(score, "VALUES_MAX_BYTES", web_limit)
    code, out, err = run([*args, "--values", str(path)], capsys)
    assert code == 1 and out == "" and "Traceback" not in err
    assert "20 MB" in err


def test_equity_keeps_the_carried_forward_marker(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With per-year populations the weighted figures use the period's population, and a row where
    a county's population is carried forward from an earlier year says so."""
    from tests.fixtures import yearly_demo_tree

    tree = yearly_demo_tree()
    monkeypatch.setattr("assessment.demo.demo_tree", lambda: tree)
    marked = {}
    for period in (2023, 2024):
        code, out, _ = run(["equity", "--demo", "--period", str(period), "--by", "aspect"], capsys)
        assert code == 0
        df = read_csv(out)
        assert "population_carried_forward" in df.columns
        marked[period] = set(df["population_carried_forward"].astype(bool))
    assert marked == {2023: {False}, 2024: {True}}  # 2024: the second county's is 2023's
    # the weighted mean of 2024 differs from one weighted by the base populations
    monkeypatch.undo()
    _, base_out, _ = run(["equity", "--demo", "--period", "2024", "--by", "aspect"], capsys)
    base = read_csv(base_out)
    assert not base["population_carried_forward"].astype(bool).any()
    assert (base["weighted_mean"] - df["weighted_mean"]).abs().max() > 1e-9
