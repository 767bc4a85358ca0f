"""AppTest of the deadline panel (review page), the to-do panels (overview, region page) and the
mail settings (administration) of issue 16, points 2 and 3, on copies of the demo database.

The demo's deadlines are 31 March of the following year (all past now); 990123's 2024 report is
returned and three 2024 reports wait for review (990223, 990325, 990381)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from assessment.domain.i18n import t
from assessment.store import Store
from tests.app.test_page_upload import clear_caches, copy_demo_db, open_page, texts

PROVINCE, JIA, COUNTY = "demo-province", "demo-jia", "demo-990123"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def db_copy(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return copy_demo_db(demo_db_url, tmp_path, monkeypatch)


def _end_of_beijing_day(days_from_today: int) -> datetime:
    today = (datetime.now(UTC) + timedelta(hours=8)).date() + timedelta(days=days_from_today)
    return datetime(today.year, today.month, today.day, 16, tzinfo=UTC)


def _clean(at) -> None:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]


def test_an_official_sees_the_return_and_the_days_left(db_copy: str) -> None:
    with Store(db_copy) as store:
        store.set_deadline("system", 2025, _end_of_beijing_day(10))
    at = open_page(COUNTY, "zh", "region.py")
    _clean(at)
    todo = texts(at, "markdown")  # one line per item, marked by urgency
    assert "2024 年度报送（第" in todo and "已被退回" in todo, todo
    assert "2025 年度报送截止时间" in todo and "还剩 10 天" in todo and "北京时间" in todo, todo
    links = [p.proto.page for p in at.get("page_link")]
    assert "upload" in links, links


def test_an_evaluator_sees_waiting_reviews_and_overdue_regions(db_copy: str) -> None:
    with Store(db_copy) as store:
        store.set_deadline("system", 2025, datetime(2026, 1, 1, 16, tzinfo=UTC))  # passed, nobody reported
        counties = len(store.region_tree().leaves())
    at = open_page(PROVINCE, "en", "overview.py")
    _clean(at)
    shown_text = texts(at, "markdown")
    assert ":orange[●] 3 reports waiting for review." in shown_text, shown_text
    assert f"{counties} regions past the 2025 deadline have not reported" in shown_text, shown_text
    links = [p.proto.page for p in at.get("page_link")]
    assert "review" in links, links


def test_the_evaluator_to_do_counts_open_queries_from_a_hand_made_frame() -> None:
    from assessment.views import todo

    queries = pd.DataFrame({"status": ["open", "answered", "open"], "region_code": ["990101"] * 3})
    items = todo.evaluator_items(pd.DataFrame({"id": [1]}), None, queries, None, _tree(), "en")
    assert [(i.kind, dict(i.fields)) for i in items] == [("waiting", {"n": 1}), ("queries", {"n": 2})]
    assert t(items[1].key, "en", **items[1].fields) == "2 value queries are still open."
    official = todo.official_items(
        pd.DataFrame(columns=["region_code", "period", "version", "status"]), queries, None
    )
    assert [i.kind for i in official] == ["queries"]
    assert todo.evaluator_items(pd.DataFrame(), None, None, None, _tree(), "en") == []


def _tree():  # type: ignore[no-untyped-def]
    from tests.fixtures import store_tree

    return store_tree()


def test_a_prefecture_evaluator_sets_its_deadline_and_is_refused_a_later_one(db_copy: str) -> None:
    with Store(db_copy) as store:
        province_due = store.deadline(2024)
    assert province_due is not None
    at = open_page(JIA, "zh", "review.py")  # zh: the page's own radio formats its labels in zh
    _clean(at)
    assert "2024 年度截止时间：2025-03-31 24:00（北京时间，由示例省设定）" in texts(at, "info"), texts(
        at, "info"
    )
    at.date_input(key="deadline_date").set_value(date(2025, 4, 30))
    next(b for b in at.button if b.label == t("deadline.save", "zh")).click().run()
    _clean(at)
    assert "不能晚于示例省设定的 2025-03-31 24:00（北京时间）" in texts(at, "error"), texts(at, "error")
    with Store(db_copy) as store:
        assert store.deadline(2024, "990100") is None
    at.date_input(key="deadline_date").set_value(date(2025, 3, 15))
    next(b for b in at.button if b.label == t("deadline.save", "zh")).click().run()
    _clean(at)
    assert "截止到 2025-03-15 24:00" in texts(at, "success"), texts(at, "success")
    assert "由示例甲市设定" in texts(at, "info"), texts(at, "info")
    with Store(db_copy) as store:
        assert store.deadline(2024, "990100") == datetime(2025, 3, 15, 16, tzinfo=UTC)
        assert store.deadline(2024) == province_due


def test_the_review_page_lists_who_has_not_reported_with_downloads(db_copy: str) -> None:
    with Store(db_copy) as store:
        store.set_deadline("system", 2025, datetime(2026, 1, 1, 16, tzinfo=UTC))
    at = open_page(PROVINCE, "zh", "review.py", {"period": "2025"})
    _clean(at)
    at.selectbox(key="review_period").set_value(2025).run()
    _clean(at)
    frames = [d.value for d in at.dataframe if "已过截止仍未报送" in d.value.columns]
    assert frames, "no not-reported table"
    listed = frames[0]
    assert len(listed) > 0 and set(listed["已过截止仍未报送"]) == {"是"}
    labels = [b.proto.label for b in at.get("download_button")]
    assert t("deadline.download_csv", "zh") in labels and t("deadline.download_xlsx", "zh") in labels, labels


def test_admin_mail_settings_refuse_a_bad_port_and_keep_what_was_typed(db_copy: str) -> None:
    at = open_page("demo-admin", "en", "admin.py")
    _clean(at)
    at.text_input(key="mail_host").set_value("smtp.example.gov.cn")
    at.text_input(key="mail_port").set_value("99999")
    next(b for b in at.button if b.label == t("mail.save", "en")).click().run()
    _clean(at)
    assert 'Port "99999" is not valid' in texts(at, "error"), texts(at, "error")
    assert at.text_input(key="mail_host").value == "smtp.example.gov.cn"
    with Store(db_copy) as store:
        assert store.setting("smtp.host") is None
    at.text_input(key="mail_port").set_value("587")
    at.text_input(key="mail_sender").set_value("noreply@example.gov.cn")
    next(b for b in at.button if b.label == t("mail.save", "en")).click().run()
    _clean(at)
    with Store(db_copy) as store:
        assert store.setting("smtp.host") == "smtp.example.gov.cn" and store.setting("smtp.port") == "587"
        assert store.setting("notify.enabled") in (None, "0")
