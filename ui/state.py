"""Session-state keys and the current language, in one place (STYLE 8)."""

from __future__ import annotations

import streamlit as st

from assessment.domain.i18n import DEFAULT_LANG, LANGS, t

LANG = "lang"
USER = "user"  # the signed-in username (set by the sign-in gate)
PERIOD = "period"


def lang() -> str:
    """The user's language: session state, else ?lang= in the URL, else Chinese."""
    if LANG not in st.session_state:
        asked = st.query_params.get("lang", DEFAULT_LANG)
        st.session_state[LANG] = asked if asked in LANGS else DEFAULT_LANG
    return st.session_state[LANG]


def tr(key: str, **kwargs: object) -> str:
    """``t(key)`` in the current language."""
    return t(key, lang(), **kwargs)


def language_switch() -> None:
    """A sidebar switch between 中文 and English."""
    current = lang()
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
