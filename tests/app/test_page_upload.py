"""AppTest of the upload page (app_pages/upload.py) signed in as the demo officials.

Real files: the sample reports and templates built with ``build_template``. Tests that submit work
on a copy of the seeded demo database, so the shared one stays as seeded.
"""

from __future__ import annotations

import contextlib
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from assessment.domain.i18n import t
from assessment.store import Store
from tests.fixtures import shown, sign_in_browser

ROOT = Path(__file__).resolve().parents[2]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OFFICIAL, REGION = "demo-990123", "990123"


def open_page_file(username: str, lang: str, page: str) -> AppTest:
    """The page's own script run as ``username``, without the navigation (what a page would do if
    reached by a crafted link): its guard must refuse on its own."""
    at = AppTest.from_file(str(ROOT / "app_pages" / page), default_timeout=90)
    at.session_state["lang"] = lang
    sign_in_browser(at, username)
    return at.run()


def open_page(username: str, lang: str, page: str, query: dict[str, str] | None = None) -> AppTest:
    """dashboard.py signed in as ``username``, opened straight on ``page`` (one run)."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    for key, value in (query or {}).items():
        at.query_params[key] = value
    sign_in_browser(at, username)
    at.switch_page(str(ROOT / "app_pages" / page))
    return at.run()


def clear_caches() -> None:
    """The cached store is per process: drop it (and cached data) so it opens this test's database."""
    from ui import data

    data.store.clear()
    st.cache_data.clear()


def copy_demo_db(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the seeded demo database, set as the app's database (for tests that write)."""
    target = tmp_path / "copy.db"
    with (
        contextlib.closing(sqlite3.connect(demo_db_url.removeprefix("sqlite:///"))) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
    url = f"sqlite:///{target}"
    monkeypatch.setenv("ASSESSMENT_DB_URL", url)
    monkeypatch.setenv("ASSESSMENT_DEMO", "1")
    monkeypatch.chdir(ROOT)
    return url


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def db_copy(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return copy_demo_db(demo_db_url, tmp_path, monkeypatch)


def table(at: AppTest, header: str):
    """The first table with a column called ``header`` (read-only tables carry no key in AppTest)."""
    found = [d.value for d in at.dataframe if header in d.value.columns]
    found += [_shown_frame(d.value) for d in at.table if header in _shown_frame(d.value).columns]
    assert found, f"no table with a column {header!r}"
    return found[0]


def all_tables(at: AppTest, header: str):
    """Every ``st.table`` with a column called ``header``, stacked (grouped problems: one per kind)."""
    import pandas as pd

    found = [_shown_frame(d.value) for d in at.table if header in _shown_frame(d.value).columns]
    assert found, f"no table with a column {header!r}"
    return pd.concat(found, ignore_index=True)


def _shown_frame(frame):
    """An ``st.table`` frame as the reader sees it (its cells and headers are escaped markdown)."""
    out = frame.map(lambda v: shown(v) if isinstance(v, str) else v)
    out.columns = [shown(c) for c in out.columns]
    return out


def has_table(at: AppTest, header: str) -> bool:
    return any(header in d.value.columns for d in at.dataframe) or any(
        header in _shown_frame(d.value).columns for d in at.table
    )


def texts(at: AppTest, kind: str) -> str:
    """The text of every element of ``kind`` as the reader sees it (markdown escapes removed)."""
    return "\n".join(shown(e.value) for e in at.get(kind))


def template_2025(url: str, bad_cells: dict[str, object] | None = None) -> bytes:
    """990123's template for 2025, filled with its approved 2023 figures (optionally spoiled)."""
    from assessment.catalogue import load_edition
    from assessment.intake.template import build_template

    with Store(url) as store:
        values = store.values("system", periods=[2023], region_codes=[REGION]).assign(period=2025)
        data = build_template(
            load_edition(), store.region_tree(), REGION, 2025, store.local_standards(), "zh", values
        )
    if not bad_cells:
        return data
    wb = load_workbook(io.BytesIO(data))
    for ref, value in bad_cells.items():
        wb["填报"][ref].value = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(at: AppTest, name: str, data: bytes, period: int | None = None) -> AppTest:
    if period is not None:
        at.selectbox(key="upload_period").select(period).run()
    at.file_uploader(key="upload_file").set_value((name, data, XLSX))
    return at.run()


@pytest.mark.parametrize(
    ("lang", "title", "hint"),
    [("zh", "填报上传：甲南县", "尚未上传文件"), ("en", "Upload: Jianan County", "No file")],
)
def test_page_renders_with_template_and_history(demo_env: str, lang: str, title: str, hint: str) -> None:
    at = open_page(OFFICIAL, lang, "upload.py")
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [title]
    assert hint in texts(at, "info")
    assert at.get("download_button"), "the template download is offered"
    assert at.selectbox(key="upload_period").value == 2024, "the period with a deadline is the default"
    history = table(at, "版本" if lang == "zh" else "Version")
    assert history.iloc[:, 1].tolist() == (["已退回"] if lang == "zh" else ["returned"])
    assert not at.get("file_uploader")[0].value


def test_every_error_is_shown_at_its_cell_and_blocks_submitting(demo_env: str) -> None:
    at = open_page(OFFICIAL, "en", "upload.py")
    upload(at, "990123_2025.xlsx", template_2025(demo_env, {"J11": -5, "J12": "abc"}), period=2025)
    assert not at.exception, [e.value for e in at.exception]
    assert "Found 2 errors" in texts(at, "error")
    problems = all_tables(at, "Severity")  # one table per kind of problem (issue 16), no codes
    errors = problems[problems["Severity"].str.contains("Error")]
    assert sorted(errors[["Where (sheet!cell)", "Value found"]].values.tolist()) == [
        ["填报!J11", "-5"],
        ["填报!J12", "abc"],
    ]
    kinds = [e.proto.label for e in at.get("expander")]  # each kind is a group's title
    for code in ("E_NEGATIVE", "E_NOT_NUMBER"):
        assert any(t(f"peers.group.{code}", "en", n=1) in k for k in kinds), (code, kinds)
    assert "Code" not in problems.columns, "the kind is the group's title, not a column of codes"
    assert errors["Indicator"].str.match(r"^S\d\d\.\d \w").all(), "each message names its indicator"
    assert errors["What is wrong and what to do"].str.len().min() > 20
    assert not [b for b in at.button if b.key == "upload_submit"], "no submit button while errors remain"
    assert [b for b in at.get("download_button") if "annotated" in b.proto.label]
    assert at.get("progress"), "a progress bar while reading"


def test_a_file_of_another_region_is_refused(demo_env: str) -> None:
    data = (ROOT / "sample_reports" / "990102_2024.xlsx").read_bytes()
    at = upload(open_page(OFFICIAL, "zh", "upload.py"), "990102_2024.xlsx", data)
    assert not at.exception
    problems = table(at, "级别")
    assert len(problems) == 1 and "990102" in problems["问题及改正方法"].iloc[0], "the wrong region named"
    assert not [b for b in at.button if b.key == "upload_submit"]


def test_submit_once_then_the_outcome_stays_and_nothing_is_stored_twice(db_copy: str) -> None:
    at = upload(
        open_page(OFFICIAL, "en", "upload.py"), "990123_2025.xlsx", template_2025(db_copy), period=2025
    )
    assert "passed the check" in texts(at, "warning") + texts(at, "success")
    at.button(key="upload_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "version 1" in texts(at, "success")
    at.run()  # a rerun (any click) must not submit again
    assert not [b for b in at.button if b.key == "upload_submit"]
    assert "version 1" in texts(at, "success")
    with Store(db_copy) as store:
        subs = store.submissions("system", region_code=REGION, period=2025)
    assert subs["version"].tolist() == [1] and subs["status"].tolist() == ["submitted"]
    assert table(at, "Uploaded by")["Status"].tolist() == ["submitted"]
    assert len(table(at, "Gap")) > 0, "the region's own gaps, pending figures included"
    assert at.metric[0].label == "Below the national floor"


def test_identical_file_says_which_version_it_already_is(db_copy: str) -> None:
    data = (ROOT / "sample_reports" / "990123_2024.xlsx").read_bytes()
    at = upload(open_page(OFFICIAL, "zh", "upload.py"), "990123_2024.xlsx", data)
    at.button(key="upload_submit").click().run()
    assert "第 1 版" in texts(at, "info") and "未新建版本" in texts(at, "info")
    assert not texts(at, "success"), "nothing new was stored: not a success"
    with Store(db_copy) as store:
        assert len(store.submissions("system", region_code=REGION, period=2024)) == 1


def test_period_switch_shows_that_periods_scores(demo_env: str) -> None:
    at = open_page(OFFICIAL, "en", "upload.py", query={"period": "2023"})
    assert at.selectbox(key="upload_period").value == 2023, "the period comes from the URL"
    assert "How Jianan County stands in 2023" in texts(at, "subheader")
    gaps = table(at, "Gap")
    assert gaps["Status"].iloc[0] == "Below the national floor"
    at.selectbox(key="upload_period").select(2024).run()
    assert at.query_params["period"] in ("2024", ["2024"]), "the choice is kept in the URL"
    assert "No figures to score" in texts(at, "info"), "2024 was returned: nothing counts yet"


def test_crafted_period_in_the_url_falls_back(demo_env: str) -> None:
    at = open_page(OFFICIAL, "en", "upload.py", query={"period": "<script>"})
    assert not at.exception and at.selectbox(key="upload_period").value == 2024


@pytest.mark.parametrize(
    ("page", "refusal"), [("review.py", "may not review"), ("standards.py", "may not set local")]
)
def test_an_official_cannot_open_the_evaluators_pages(demo_env: str, page: str, refusal: str) -> None:
    """Not in the official's navigation (switching there stays on the official's pages), and the
    page script itself refuses too."""
    landed = open_page(OFFICIAL, "en", page)
    assert not landed.exception and landed.title[0].value.startswith("Region profile"), (
        "the official's own page"
    )
    at = open_page_file(OFFICIAL, "en", page)
    assert not at.exception
    assert refusal in texts(at, "error"), "refused with a message"
    assert not at.dataframe and not at.data_editor


def test_the_template_is_the_officials_region_prefilled(demo_env: str) -> None:
    from assessment.catalogue import shipped_schedule
    from assessment.intake.ingest import read_upload
    from ui import data_workflow

    build = data_workflow.template_file(OFFICIAL, REGION, 2024, "en")
    store = Store(demo_env)
    in_force = shipped_schedule().for_period(2024)  # the template of 2024 follows the 2023 edition
    result = read_upload(
        build(), "t.xlsx", edition=in_force, tree=store.region_tree(), expected_region=REGION
    )
    assert (result.region_code, result.period, result.kind, result.edition) == (
        REGION,
        2024,
        "template",
        "CN-2023",
    )
    assert len(result.values) == 116, "pre-filled with the version already sent"


def test_a_prefecture_official_uploads_a_batch_for_its_counties(db_copy: str) -> None:
    with Store(db_copy) as store:
        store.add_user("system", "yi-official", "乙市填报员", "official", "990200")
    at = open_page("yi-official", "en", "upload.py")
    assert at.selectbox(key="upload_region").options[:2] == ["Yicheng District", "Yigang District"]
    data = (ROOT / "sample_reports" / "batch_990200_2024.csv").read_bytes()
    data = data.replace(
        b"990202,2024,S01.1,86.99,5482,", b"990202,2024,S01.1,87.27,5500,", 1
    )  # one county changed
    at.file_uploader(key="upload_file").set_value(("batch_990200_2024.csv", data, "text/csv"))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not texts(at, "error"), texts(at, "error")
    at.button(key="upload_submit").click().run()
    assert "Batch import: 6 region-periods, 1 new versions stored, 5 unchanged" in texts(at, "success")
    with Store(db_copy) as store:
        versions = store.submissions("system", period=2024, region_code="990202")
    assert versions[["version", "uploaded_by"]].values.tolist()[0] == [2, "yi-official"]


def test_a_file_over_the_row_limit_is_refused_and_nothing_is_stored(db_copy: str) -> None:
    from assessment.intake.safety import MAX_ROWS
    from tests.fixtures import hostile_xlsx

    data = hostile_xlsx(MAX_ROWS + 20_000, compresslevel=1)  # 4 MB: under the size limit
    with Store(db_copy) as store:
        before = len(store.submissions("system"))
    at = upload(open_page(OFFICIAL, "zh", "upload.py"), "990123_2024.xlsx", data)
    assert not at.exception, [e.value for e in at.exception]
    assert len(table(at, "级别")) == 1, "one problem: the file is too long"
    shown = " ".join(str(v) for v in table(at, "级别").to_numpy().ravel())
    assert "545,001 行" in shown and "分成几个文件" in shown
    assert not [b for b in at.button if b.key == "upload_submit"]
    with Store(db_copy) as store:
        assert len(store.submissions("system")) == before


def test_a_parse_stopped_at_its_time_limit_says_so_and_is_not_cached(
    db_copy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.fixtures import hostile_xlsx

    monkeypatch.setenv("ASSESSMENT_PARSE_TIMEOUT_S", "0.2")
    data = hostile_xlsx(300_000, dimension="A1:B2", compresslevel=1)
    at = upload(open_page(OFFICIAL, "en", "upload.py"), "990123_2024.xlsx", data)
    assert not at.exception, [e.value for e in at.exception]
    problems = table(at, "Severity")
    assert len(problems) == 1, "one problem: the time limit"
    assert "longer than 0.2 seconds" in " ".join(str(v) for v in problems.to_numpy().ravel())
    assert not [b for b in at.button if b.key == "upload_submit"]
    from ui import data_workflow

    monkeypatch.setenv("ASSESSMENT_PARSE_TIMEOUT_S", "60")
    again = data_workflow.check_upload(OFFICIAL, data, "990123_2024.xlsx", REGION, 2024)
    assert "E_PARSE_LIMIT" not in {p.code for p in again.problems}, "the stopped parse was not cached"
