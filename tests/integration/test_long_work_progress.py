"""Progress of long work (issue 20 point 7): ``build_report`` and ``build_export`` call their
optional progress callback with fractions that never decrease, from 0.0 to exactly 1.0, with step
keys that exist in both languages, and make the same file as without it; the ``import`` command
prints its steps on stderr (``--quiet``: none). On SQLite and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assessment.cli import main
from assessment.domain.i18n import t
from assessment.reports.service import build_export, build_report
from assessment.store import Store
from tests.fixtures import EVALUATOR, OFFICIAL, batch, demo_template, frame

REGION, PERIOD = "990102", 2024


def _seed(store: Store) -> None:
    frames = [
        frame({"S01.1": (90.0 + i, None, None), "S02.1": (1.5 * i, None, None)}, c, PERIOD)
        for i, c in enumerate(("990101", "990102", "990103", "990201"))
    ]
    data, result = batch(frames)
    for item in store.import_upload(OFFICIAL, data, "batch.csv", result).items:
        store.review(EVALUATOR, item.id, "approve")


def _checked(calls: list[tuple[float, str]]) -> None:
    fractions = [f for f, _ in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert calls[-1][1] == "progress.report.done" and len(calls) >= 5
    for _, step in calls:
        assert t(step, "zh") != t(step, "en")  # a real key, translated


@pytest.mark.parametrize(("kind", "fmt"), [("evaluation", "xlsx"), ("feedback", "xlsx"), ("feedback", "pdf")])
def test_report_progress_rises_to_one(store: Store, kind: str, fmt: str) -> None:
    _seed(store)
    code = "990000" if kind == "evaluation" else REGION
    calls: list[tuple[float, str]] = []
    name, data = build_report(
        store, EVALUATOR, kind, code, PERIOD, fmt=fmt, progress=lambda f, s: calls.append((f, s))
    )
    _checked(calls)
    assert ("progress.report.printing" in {s for _, s in calls}) == (fmt == "pdf")
    plain_name, plain = build_report(store, EVALUATOR, kind, code, PERIOD, fmt=fmt)
    assert plain_name == name and len(data) > 0 and len(plain) > 0


@pytest.mark.parametrize("what", ["scores", "equity", "trends", "actions"])
def test_export_progress_rises_to_one_and_the_file_is_unchanged(store: Store, what: str) -> None:
    _seed(store)
    calls: list[tuple[float, str]] = []
    made = build_export(store, EVALUATOR, what, "990000", progress=lambda f, s: calls.append((f, s)))
    _checked(calls)
    assert made == build_export(store, EVALUATOR, what, "990000")


@pytest.fixture
def cli_db(store_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    from assessment.catalogue import load_edition
    from assessment.demo import demo_local_standards, demo_tree

    monkeypatch.setenv("ASSESSMENT_DB_URL", store_url)
    with Store(store_url) as store:
        store.save_region_tree("system", demo_tree())
        edition = load_edition()
        for std in demo_local_standards(edition):
            store.set_local_standard("system", std, edition)
        store.add_user("system", "wang", "王", "official", REGION)
    return store_url


def test_import_command_prints_its_steps(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.xlsx"
    path.write_bytes(demo_template(REGION, PERIOD, 0.0))
    assert main(["import", str(path), "--as", "wang", "--json"]) == 0
    out, err = capsys.readouterr()
    assert out.lstrip().startswith("{")  # stdout stays the JSON alone
    assert err.splitlines() == [
        "  0% 读取文件 / Reading the file",
        " 10% 校验文件 / Validating the file",
        " 60% 保存报送 / Storing the submission",
        "100% 已保存 / Stored",
    ]
    path.write_bytes(demo_template(REGION, PERIOD, 2.0))
    assert main(["import", str(path), "--as", "wang", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and "version 2" in out
