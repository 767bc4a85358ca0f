"""AppTest: who downloads what of an upload (issue 15 point 6). Evaluators get the values-only copy
only; administrators (admin page, audit tab) get it and the original, with a warning beside it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from assessment.store import Store
from tests.app.test_page_upload import clear_caches, open_page, texts

PROVINCE, ADMIN = "demo-province", "demo-admin"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


def _labels(at: AppTest) -> list[str]:
    """The labels of an upload's download buttons (the admin page has other downloads too)."""
    words = ("values only", "original", "仅数值", "原始")
    return [str(b.proto.label) for b in at.get("download_button") if any(w in b.proto.label for w in words)]


@pytest.mark.parametrize(
    ("lang", "values_only", "original"),
    [("zh", "下载文件（仅数值）", "原始文件"), ("en", "Download the file (values only)", "original")],
)
def test_an_evaluator_gets_only_the_values_only_copy(
    demo_env: str, lang: str, values_only: str, original: str
) -> None:
    at = open_page(PROVINCE, lang, "review.py")
    assert not at.exception, [e.value for e in at.exception]
    labels = _labels(at)
    assert labels == [values_only]
    assert not [label for label in labels if original in label]
    assert "protected viewer" not in texts(at, "warning")


def test_an_administrator_gets_both_with_a_warning(demo_env: str) -> None:
    with Store(demo_env) as store:
        sid = int(store.submissions("system")["id"].iloc[0])
    at = open_page(ADMIN, "en", "admin.py")
    assert not at.exception, [e.value for e in at.exception]
    assert _labels(at) == [], "nothing before a submission is chosen"
    at.number_input(key="admin_upload_id").set_value(sid).run()
    assert not at.exception, [e.value for e in at.exception]
    assert _labels(at) == ["Download the file (values only)", "Download the original file (administrators)"]
    assert "open it only in a protected viewer" in texts(at, "warning")


def test_the_administrators_warning_in_chinese(demo_env: str) -> None:
    with Store(demo_env) as store:
        sid = int(store.submissions("system")["id"].iloc[0])
    at = open_page(ADMIN, "zh", "admin.py")
    at.number_input(key="admin_upload_id").set_value(sid).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "请只在受保护视图中打开" in texts(at, "warning")
    assert _labels(at) == ["下载文件（仅数值）", "下载原始文件（仅管理员）"]
