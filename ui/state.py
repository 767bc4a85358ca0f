"""Session-state keys and the current language, in one place (STYLE 8)."""

from __future__ import annotations

import streamlit as st

from assessment.domain.i18n import DEFAULT_LANG, LANGS, t
from assessment.domain.markup import Markdown, escape_markdown

LANG = "lang"
USER = "user"  # the signed-in username (set by the sign-in gate)
PERIOD = "period"


def lang() -> str:
    """The user's language: session state, else ?lang= in the URL, else Chinese."""
    if LANG not in st.session_state:
        asked = st.query_params.get("lang", DEFAULT_LANG)
        st.session_state[LANG] = asked if asked in LANGS else DEFAULT_LANG
    return st.session_state[LANG]


def tr(key: str, **kwargs: object) -> Markdown:
    """``t(key)`` in the current language, as markdown: every text value filled into the template
    is escaped (a region or file name shows as typed, never as a link or an image), numbers and
    already-escaped values (another ``tr``, ``ui.safe.md``) as they are. For a place that is not
    markdown (``st.text``, a table cell, a chart) use :func:`tr_plain`."""
    safe = {k: escape_markdown(v) if isinstance(v, str) else v for k, v in kwargs.items()}
    return Markdown(t(key, lang(), **safe))


def tr_plain(key: str, **kwargs: object) -> str:
    """``t(key)`` in the current language with values as they are: only for places that show text
    literally (``st.text``, dataframe cells, select box options) or escape it themselves."""
    return t(key, lang(), **kwargs)


def language_switch() -> None:
    """A sidebar switch between 中文 and English; Streamlit's own widget texts in the language
    (``ui.chrome``: placeholders, the file uploader's button and size line)."""
    from ui import chrome

    current = lang()
    chrome.install(lang)
    chrome.style(current)
    choice = st.sidebar.radio(
        tr("app.language"),
        LANGS,
        index=LANGS.index(current),
        format_func=lambda code: "中文" if code == "zh" else "English",
        horizontal=True,
        key="lang_switch",
    )
    if choice != current:
        st.session_state[LANG] = choice
        st.rerun()
