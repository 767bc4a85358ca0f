"""Entry point: page config, language, sign-in gate, navigation by role. Nothing else (DESIGN 2)."""

from __future__ import annotations

import streamlit as st

from assessment.i18n import t
from ui.auth import sign_in_gate, sign_out_button
from ui.pages import pages_for
from ui.state import lang, language_switch

st.set_page_config(page_title=t("app.title", "zh") + " · " + t("app.title", "en"), layout="wide")
language_switch()
user = sign_in_gate()
sign_out_button()
st.navigation(pages_for(user.role, lang())).run()
