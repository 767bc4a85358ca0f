"""Issue 16 point 5, in the app: the official's upload check and the reviewer's warnings tab show
the same warnings for the same file (peer warnings from anonymised statistics on both sides)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from assessment.domain.i18n import t
from assessment.store import Store
from tests.app.test_page_upload import REGION, all_tables, clear_caches, copy_demo_db, open_page, upload

OFFICIAL, REVIEWER = "demo-990123", "demo-province"


@pytest.fixture
def db_copy(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    clear_caches()
    yield copy_demo_db(demo_db_url, tmp_path, monkeypatch)
    clear_caches()


def _file_2024(url: str) -> bytes:
    """990123's 2024 template filled with its 2023 figures, three of them far from every peer."""
    from assessment.catalogue import load_edition
    from assessment.intake.template import build_template

    with Store(url) as store:
        values = store.values("system", periods=[2023], region_codes=[REGION]).assign(period=2024)
        data = build_template(
            load_edition(), store.region_tree(), REGION, 2024, store.local_standards(), "zh", values
        )
    wb = load_workbook(io.BytesIO(data))
    sheet = wb["填报"]
    rates = [r for r in range(4, 60) if isinstance(sheet[f"K{r}"].value, int | float)]  # with numerators
    for row in rates[:3]:  # a third of the figure and of its numerator: a jump, a peer outlier
        for col in "JK":
            sheet[f"{col}{row}"].value = sheet[f"{col}{row}"].value / 3
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _warnings(frame: pd.DataFrame, lang: str) -> list[tuple[str, str, str]]:
    cols = [t("upload.col.location", lang), t("peers.col.indicator", lang), t("upload.col.message", lang)]
    return sorted(map(tuple, frame[cols].astype(str).to_numpy().tolist()))


def test_the_official_and_the_reviewer_see_the_same_warnings(db_copy: str) -> None:
    lang = "zh"
    at = upload(open_page(OFFICIAL, lang, "upload.py"), "990123_2024.xlsx", _file_2024(db_copy), 2024)
    assert not at.exception, [e.value for e in at.exception]
    official = _warnings(all_tables(at, t("upload.col.message", lang)), lang)
    assert official, "the spoiled file draws warnings"
    assert [b for b in at.button if b.key == "upload_submit"], "warnings only: the file can be sent"
    at.button(key="upload_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    with Store(db_copy) as store:
        subs = store.submissions("system", region_code=REGION, period=2024)
    newest = int(subs.sort_values("version")["id"].iloc[-1])

    clear_caches()
    at = open_page(REVIEWER, lang, "review.py", query={"submission": str(newest)})
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="review_pick").value == newest
    reviewer = _warnings(all_tables(at, t("upload.col.message", lang)), lang)
    assert reviewer == official, {
        "only the official": set(official) - set(reviewer),
        "only the reviewer": set(reviewer) - set(official),
    }
    titles = " | ".join(e.proto.label for e in at.get("expander"))
    peer_titles = [t("peers.group.W_PEER_OUTLIER", lang, n=n) for n in range(1, 120)]
    assert any(title in titles for title in peer_titles), ("a peer warning is among them", titles)
