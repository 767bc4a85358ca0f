"""Entry point: page config, language, sign-in gate, navigation by role. Nothing else (DESIGN 2)."""

from __future__ import annotations

import logging
import uuid

import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.domain.i18n import t
from assessment.store.errors import StorageFailure
from ui import data, memory
from ui.auth import follow_deep_link, sign_in_gate, sign_out_button
from ui.pages import pages_for
from ui.safe import md
from ui.state import lang, language_switch
from ui.unavailable import database_unavailable

st.set_page_config(page_title=t("app.title", "zh") + " · " + t("app.title", "en"), layout="wide")
language_switch()
try:  # the database down or unreadable: the app's own page with a reference, not Streamlit's error
    data.store()  # opens (and migrates) the database
    user = sign_in_gate()
except StorageFailure as failure:
    database_unavailable(failure)
sign_out_button()
try:
    sections = pages_for(user.role, lang())
    page = st.navigation(sections)
    follow_deep_link(sections, page)
    page.run()
except DataFileError as err:  # a refusal or bad data the page did not catch: its own clear message
    st.error(md(err.messages(lang()), lines=True))
except Exception:  # never a traceback to a user: a reference to quote, the details in the log
    ref = uuid.uuid4().hex[:8]
    logging.getLogger("assessment.app").exception("page failed (reference %s)", ref)
    st.error(t("app.error_generic", lang(), ref=ref))
finally:  # also after st.stop() and reruns: a run that grew the process gives its freed heap back
    memory.release_if_grown()
    memory.freeze_imports()  # the imported modules' objects out of the collector's full passes
