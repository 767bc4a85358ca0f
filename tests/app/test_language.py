"""Chinese means Chinese (issue 16 point 8): every page, as every role that sees it, rendered with
AppTest on the demo database, in zh and in en; every text a user can see is collected
(tests/app/language_texts.py) and checked.

* zh: no ASCII word outside codes (anything with a digit: indicator, region, edition codes,
  usernames like demo-990123), file names, the language switch's "English", and the few acronyms
  and brand names in :data:`ZH_ALLOWED` (each with its reason); no "None"/"nan"/"NaT".
* en: no Chinese character outside names: the catalogue's Chinese texts (names, definitions,
  service content that exist only in Chinese), the region tree's names, and what users typed
  (display names, file names, comments, notes) - all read from the demo database, not listed here.
* both: no internal key (``[store.comment_required.return]``, ``store.status.approved``), no
  Python or pandas missing-value text, no exception.

The failure message lists every offending text with its page, role, language and element.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import sqlite3
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import pytest
import streamlit as st

from tests.app.language_texts import visible_texts
from tests.fixtures import app_as

ROOT = Path(__file__).resolve().parents[2]

# the roles of point 8 and a demo account of each
ROLES = {
    "admin": "demo-admin",
    "province evaluator": "demo-province",
    "prefecture evaluator": "demo-jia",
    "county official": "demo-990123",
}
ROLE_OF = {"admin": "admin", "province evaluator": "evaluator", "prefecture evaluator": "evaluator"}
ROLE_OF["county official"] = "official"

# ASCII words a Chinese page may show, and why
ZH_ALLOWED = {
    "English": "the language switch names the other language in that language",
    "Excel": "the spreadsheet program officials fill the template in; no Chinese name is used for it",
    "CSV": "file format name (as in 上传 CSV 文件)",
    "XLSX": "file format name",
    "PDF": "file format name of the print-ready reports (生成打印版评估报告（PDF）)",
    "xlsx": "file extension named in upload help",
    "csv": "file extension named in upload help",
    "GeoJSON": "file format name of region boundaries",
    "geojson": "file extension",
    "json": "file extension",
    "MB": "the unit of the upload size limit",
    "KB": "file size unit",
    "SHA": "the file fingerprint's algorithm (SHA-256)",
    "GB": "国家标准 code prefix (GB/T 2260 region codes)",
    "T": "GB/T",
    "Wilson": "the Wilson confidence interval is named after its author (as Chinese statistics texts do)",
    "parquet": "data file format name offered for export (like csv)",
    "SMTP": "the mail protocol: the name an IT department configures, beside 邮件服务器",
    "STARTTLS": "the name of the encryption option as mail servers document it, beside 加密连接",
}
# texts of missing values a page must never show (pandas/Python spellings)
MISSING = re.compile(r"(?<![A-Za-z])(None|nan|NaN|NaT|<NA>|null)(?![A-Za-z])")
# an internal locale key: lowercase dotted identifiers (store.status.approved), bracketed or not
KEY = re.compile(r"\[?\b[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){1,}\b\]?")
FILE = re.compile(r"\S+\.(?:xlsx|csv|geojson|json|zip|pdf|xls|md)\b", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")  # an address typed or shown as an example
HOST = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|cn|org|net|gov|edu|io|int)\b")
# Streamlit's markdown colour directives (":red[text]"): markup, not words the reader sees
COLOUR = re.compile(r":(?:red|orange|yellow|green|blue|violet|gray|grey|rainbow|primary)(?:-background)?\[")
CODE_SPAN = re.compile(r"`[^`]*`")  # a command, path or file column name, shown as code: literal
ABBREVIATIONS = ("e.g.", "i.e.")
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:[._\-'][A-Za-z0-9]+)*")
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def _cases() -> list[tuple[str, str, str]]:
    from ui.pages import page_files

    return [
        (page, role, lang) for role in ROLES for page in page_files(ROLE_OF[role]) for lang in ("zh", "en")
    ]


@pytest.fixture(scope="module")
def lang_db(demo_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private copy of the seeded demo database for this module (sign-ins write sessions)."""
    from ui import data

    target = tmp_path_factory.mktemp("lang-db") / "copy.db"
    with (
        contextlib.closing(sqlite3.connect(demo_db_url.removeprefix("sqlite:///"))) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
    url = f"sqlite:///{target}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ASSESSMENT_DB_URL", url)
        mp.setenv("ASSESSMENT_DEMO", "1")
        mp.chdir(ROOT)
        data.store.clear()
        st.cache_data.clear()
        yield url
        data.store.clear()
        st.cache_data.clear()


@lru_cache(maxsize=8)
def names(url: str, lang: str, both_languages: bool = False) -> tuple[str, ...]:
    """Texts that are data, not the UI's own words, longest first: what users typed (display names,
    file names, comments, notes, standards' sources), usernames and codes, and in en also every
    Chinese text of the catalogue (names, definitions, contents) and of the region tree.
    ``both_languages``: the catalogue's texts in both languages and its provenance (the admin's
    Editions tab compares an edition's cells as its workbook holds them, English columns too)."""
    from assessment.store.service import Store
    from assessment.views.indicator import source_references

    out: set[str] = set()
    with Store(url) as store:
        for user in store.users():
            out.update({user.username, user.display_name})
        tree = store.region_tree()
        schedule = store.edition_schedule()
        local = store.local_indicators()
    with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
        for sql in (
            "select filename, review_comment from submissions",
            "select comment, '' from reviews",
            "select set_by, note from local_standards",
            "select measures, department from corrective_actions",  # typed by officials (issue 17)
            "select reason, review_comment from corrective_actions",
        ):
            for row in conn.execute(sql):
                out.update(v for v in row if isinstance(v, str))
    # the catalogue's own Chinese texts, source tags and titles: data, in both languages. They may
    # carry bracketed verification notes in English ("（reconstructed）"): catalogue data, not the
    # UI's words (the catalogue is the edition's source of truth, not a locale file).
    objects: list[object] = [*local]
    for edition in schedule.editions:
        objects.append(edition)
        for attr in ("aspects", "categories", "items", "indicators"):
            objects.extend(getattr(edition, attr, ()))
        for ind in edition.indicators:
            for src in source_references(edition.id, ind.source):
                out.update({src.tag, src.title})
    if lang == "en":
        objects.extend(tree.regions)
    for obj in objects:
        for f in dataclasses.fields(obj):  # type: ignore[arg-type]
            value = getattr(obj, f.name)
            data = f.name.endswith("_zh") or f.name in {"note", "set_by", "source"}
            data |= both_languages and (f.name.endswith("_en") or f.name == "provenance")
            if isinstance(value, str) and data:
                out.add(value)
    return tuple(sorted((s.strip() for s in out if s and s.strip()), key=len, reverse=True))


def _without_names(text: str, known: tuple[str, ...]) -> str:
    for name in known:
        if name in text:
            text = text.replace(name, " ")
    return text


def offences(text: str, lang: str, known: tuple[str, ...]) -> list[str]:
    """What is wrong with one visible text in ``lang`` (empty: nothing)."""
    rest = CODE_SPAN.sub(" ", COLOUR.sub(" ", _without_names(text, known)))
    for abbreviation in ABBREVIATIONS:
        rest = rest.replace(abbreviation, " ")
    rest = HOST.sub(" ", FILE.sub(" ", EMAIL.sub(" ", rest)))
    found = [f"missing value {m!r}" for m in MISSING.findall(rest)]
    found += [f"internal key {m!r}" for m in KEY.findall(rest)]
    if lang == "zh":
        for word in ASCII_WORD.findall(rest):
            if any(ch.isdigit() for ch in word) or word in ZH_ALLOWED:
                continue
            found.append(f"English word {word!r}")
    else:
        chinese_names = [n for n in known if HAN.search(n)]
        for run in HAN.findall(rest.replace("中文", " ")):
            if not any(run in n for n in chinese_names):  # a name cut short still is a name
                found.append(f"Chinese {run!r}")
    return found


@pytest.mark.parametrize(("page", "role", "lang"), _cases())
def test_every_visible_text_is_in_the_language_of_the_page(
    lang_db: str, page: str, role: str, lang: str
) -> None:
    at = app_as(ROLES[role], lang, page)
    assert not at.exception, [e.value for e in at.exception]
    known = names(lang_db, lang, page == "admin.py")
    bad = []
    seen: set[tuple[str, str]] = set()
    for element, text in visible_texts(at):
        if (element, text) in seen:
            continue
        seen.add((element, text))
        for problem in offences(text, lang, known):
            bad.append(f"  {page} as {role} ({lang}) {element}: {problem} in {text[:160]!r}")
    assert not bad, f"{len(bad)} text(s) not in {lang}:\n" + "\n".join(bad)


def test_the_check_finds_what_it_must() -> None:
    """The checker itself: English in zh, Chinese in en, keys and missing values in both."""
    known = ("甲南县", "demo-990123")
    assert offences("状态：Approved", "zh", known) == ["English word 'Approved'"]
    assert offences(":red[●] 甲南县 已逾期", "zh", known) == [], "a colour directive is markup"
    assert offences("甲南县 S06.1 demo-990123 990123_2024.xlsx 20 MB", "zh", known) == []
    assert offences("[store.comment_required.return]", "zh", known)[0].startswith("internal key")
    assert offences("None", "zh", known) == ["missing value 'None'", "English word 'None'"]
    assert offences("Jianan 甲南县 rank 3", "en", known) == []
    assert offences("Status: 已通过", "en", known) == ["Chinese '已通过'"]
    assert offences("Returned on nan", "en", known) == ["missing value 'nan'"]
