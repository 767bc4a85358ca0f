"""Browser: Streamlit's own English widget texts do not reach the Chinese UI (issue 16 point 8).

The upload page (as a county official: the file uploader) and the overview (as the provincial
evaluator: select boxes, dataframes) in zh in real Chromium; the page's text (``innerText`` of the
body: what a reader sees, pseudo-elements excepted) holds none of Streamlit's English defaults.
"""

from __future__ import annotations

from tests.e2e.conftest import SHOTS, demo_sign_in, go_to

STREAMLIT_ENGLISH = (
    "Drag and drop",
    "Browse files",
    "per file",
    "Limit 200MB",
    "Select...",
    "Choose an option",
    "Choose options",
    "No options to select",
    "None",
)


def _english_in(text: str) -> list[str]:
    return [phrase for phrase in STREAMLIT_ENGLISH if phrase in text]


def test_the_upload_page_in_chinese_shows_no_streamlit_english(page, app_url: str) -> None:
    demo_sign_in(page, app_url, "demo-990123", lang="zh")
    go_to(page, "upload")
    page.wait_for_selector("[data-testid='stFileUploaderDropzone']")
    page.screenshot(path=str(SHOTS / "language-upload-zh.png"), full_page=True)
    text = page.inner_text("body")
    assert "上传" in text
    assert not _english_in(text), _english_in(text)
    # the uploader's own button shows our word (drawn by the stylesheet of ui/chrome.py)
    content = page.evaluate(
        "() => getComputedStyle(document.querySelector(\"[data-testid='stFileUploaderDropzone'] button\"),"
        " '::after').content"
    )
    assert "选择文件" in content


def test_the_overview_in_chinese_shows_no_streamlit_english(page, app_url: str) -> None:
    demo_sign_in(page, app_url, "demo-province", lang="zh")
    go_to(page, "overview")
    page.wait_for_selector("[data-testid='stDataFrame']")
    page.screenshot(path=str(SHOTS / "language-overview-zh.png"), full_page=True)
    text = page.inner_text("body")
    assert "总览" in text
    assert not _english_in(text), _english_in(text)
