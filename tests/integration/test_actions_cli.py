"""``python -m assessment actions list|export`` (issue 17 point 6) on SQLite and PostgreSQL with the demo,
and the tidy export ``actions`` of the reports page."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from assessment.cli import main
from assessment.reports.service import build_export
from assessment.store import Store


@pytest.fixture
def demo_db(db: str) -> str:
    from assessment.demo.seed import seed_demo

    with Store(db) as s:
        seed_demo(s)
    return db


def test_list_export_and_refusals(demo_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["actions", "list", "--as", "demo-jia", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed and {r["region_code"] for r in listed} <= {"990121", "990122", "990123", "990124"}
    assert {"outcome", "region_name", "indicator_name", "closed_in"} <= set(listed[0])
    assert {r["outcome"] for r in listed} >= {"closed_by_data", "escalated"}

    assert main(["actions", "list", "--as", "demo-990123", "--period", "2023"]) == 0
    text = capsys.readouterr().out
    assert "甲南县" in text and "7岁以下儿童健康服务率" in text and "共 1 项" in text

    out = tmp_path / "a.csv"
    assert main(["actions", "export", "--as", "demo-jia", "--format", "csv", "-o", str(out)]) == 0
    csv = pd.read_csv(out, encoding="utf-8-sig")
    assert len(csv) == len(listed) and csv.columns[0] == "id"
    assert (
        main(
            [
                "actions",
                "export",
                "--as",
                "demo-jia",
                "--format",
                "parquet",
                "-o",
                str(tmp_path / "a.parquet"),
            ]
        )
        == 0
    )
    assert len(pd.read_parquet(tmp_path / "a.parquet")) == len(listed)
    assert main(["actions", "export", "--as", "demo-jia", "--format", "json", "--lang", "en"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["region_name"].endswith("County")

    # the tidy export of the reports page, with a formula-leading measure neutralised
    with Store(demo_db) as s:
        first = s.actions("demo-jia").iloc[0]
        with s.transaction() as conn:
            from assessment.store.schema import corrective_actions

            conn.execute(
                corrective_actions.update()
                .where(corrective_actions.c.id == int(first["id"]))
                .values(measures='=HYPERLINK("http://x")')
            )
        name, data = build_export(s, "demo-jia", "actions", "990100", "csv")
    assert name.startswith("actions_990100")
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert (frame["measures"] == '\'=HYPERLINK("http://x")').any()

    # refusals: exit 1 with the message (one seeded database for both halves: seeding is the cost)
    assert main(["actions", "list", "--as", "demo-990123", "--jurisdiction", "990102"]) == 1
    err = capsys.readouterr().err
    assert "990102" in err and "may not" in err
    assert main(["actions", "list", "--as", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err
    assert main(["actions", "list", "--as", "demo-jia", "--jurisdiction", "123456"]) == 1
    capsys.readouterr()
    assert main(["actions", "list", "--as", "demo-admin"]) == 0  # an administrator sees no actions
    assert "没有您可查看的整改措施" in capsys.readouterr().out


def test_help_and_usage(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["actions", "--help"])
    assert done.value.code == 0
    assert "list|export" in capsys.readouterr().out
    assert main(["actions"]) == 2
    with pytest.raises(SystemExit) as bad:
        main(["actions", "export", "--as", "demo-jia", "--format", "xls"])
    assert bad.value.code == 2
