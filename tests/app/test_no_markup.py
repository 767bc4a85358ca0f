"""AppTest: user text reaches Streamlit escaped (the markdown each element is given), for the pages
where issue 15's probe found it rendered: the review page's file caption and a region's title."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.test_page_upload import clear_caches, copy_demo_db, open_page
from tests.fixtures import markup_payload, plant_markup


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def planted(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = copy_demo_db(demo_db_url, tmp_path, monkeypatch)
    plant_markup(url)
    return url


def _markdown_of(at) -> str:
    """Every markdown body the run produced: titles, headers, captions, markdown and alerts."""
    kinds = ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success")
    return "\n".join(str(e.value) for kind in kinds for e in at.get(kind))


def _unescaped(body: str) -> list[str]:
    """Markup of the payload that no backslash escapes."""
    bad = ["](http", "![", "<b>", "<img", "**粗**", "http://127"]
    return [b for b in bad if re.search(r"(?<!\\)" + re.escape(b), body)]


def test_review_caption_and_title_hold_the_file_and_region_names_escaped(planted: str) -> None:
    at = open_page("demo-province", "zh", "review.py", {"submission": ""})
    assert not at.exception, [e.value for e in at.exception]
    body = _markdown_of(at)
    assert r"FILE\[点我\]\(http\:" in body, "the file name is in the caption, escaped"
    assert not _unescaped(body), _unescaped(body)


def test_region_title_of_an_official_holds_the_region_name_escaped(planted: str) -> None:
    at = open_page("demo-990123", "en", "region.py")
    assert not at.exception, [e.value for e in at.exception]
    assert r"REGION\[点我\]" in at.title[0].value
    assert not _unescaped(_markdown_of(at)), _unescaped(_markdown_of(at))
    assert markup_payload("REGION") not in _markdown_of(at)
