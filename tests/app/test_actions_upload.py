"""AppTest of ui/actions_upload.py (issue 17 point 1): the actions workbook downloaded and uploaded
filled in by the demo official of 甲南县, on a copy of the seeded demo database."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from assessment.accountability.sheet import COLUMNS
from assessment.reports.actions_workbook import build_actions_workbook
from assessment.store import Store
from tests.app.test_page_upload import XLSX, all_tables, copy_demo_db, fresh_caches  # noqa: F401

OFFICIAL, REGION, PERIOD = "demo-990123", "990123", 2023
LETTER = {key: openpyxl.utils.get_column_letter(i) for i, key in enumerate(COLUMNS, start=1)}


def panel(url: str, username: str, region: str, period: int) -> None:
    from assessment.store import Store
    from ui.actions_upload import upload_panel

    upload_panel(Store(url), username, region, period)


def _app(url: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_function(panel, args=(url, OFFICIAL, REGION, PERIOD), default_timeout=60)
    at.session_state["lang"] = lang
    return at.run()


def _filled(url: str, **cells: object) -> bytes:
    """The official's actions workbook with the first gap without an action filled in."""
    with Store(url) as s:
        data = build_actions_workbook(s, OFFICIAL, REGION, PERIOD)[1]
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["整改措施"]
    row = next(
        r
        for r in range(1, ws.max_row + 1)
        if ws[f"{LETTER['key_indicator']}{r}"].value not in (None, "S06.1", "指标键 key_indicator")
    )
    for key, value in cells.items():
        ws[f"{LETTER[key]}{row}"] = value
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def test_upload_stores_once_and_shows_the_counts(
    demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = copy_demo_db(demo_db_url, tmp_path, monkeypatch)
    at = _app(url)
    assert not at.exception
    assert at.get("download_button")  # the official's own actions workbook
    before = len(Store(url).actions(OFFICIAL, region_code=REGION))
    at.file_uploader(key="actions_sheet_upload").set_value(
        ("a.xlsx", _filled(url, measures="巡回服务"), XLSX)
    )
    at.run()
    assert "已导入：新增或修改 1 项整改措施" in " ".join(s.value for s in at.success)
    at.run()  # a rerun shows the result again without importing the file a second time
    assert "已导入" in " ".join(s.value for s in at.success)
    assert len(Store(url).actions(OFFICIAL, region_code=REGION)) == before + 1


def test_bad_cells_are_listed_at_their_cells_and_nothing_is_stored(
    demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = copy_demo_db(demo_db_url, tmp_path, monkeypatch)
    at = _app(url, "en")
    before = len(Store(url).actions(OFFICIAL, region_code=REGION))
    bad = _filled(url, measures="x", budget_total=-1, due_period=2020)
    at.file_uploader(key="actions_sheet_upload").set_value(("a.xlsx", bad, XLSX))
    at.run()
    assert not at.exception
    assert "nothing was imported" in " ".join(e.value for e in at.error)
    problems = all_tables(at, "Severity")
    places = set(problems["Where (sheet!cell)"])
    assert any(p.startswith(f"整改措施!{LETTER['budget_total']}") for p in places)
    assert any(p.startswith(f"整改措施!{LETTER['due_period']}") for p in places)
    text = problems.to_string()
    assert "negative" in text and "before the gap" in text
    assert len(Store(url).actions(OFFICIAL, region_code=REGION)) == before
