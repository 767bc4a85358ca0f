"""The web server: ``streamlit run server.py`` (``make run``). The app itself is ``dashboard.py``.

Streamlit serves this ``st.App`` on its Starlette server with our middleware in front
(``ui/middleware.py``): the browser's session cookie, the security headers, no public metrics.
Running ``streamlit run dashboard.py`` directly would serve the pages without that cookie, so no
one could sign in (the sign-in screen says so).
"""

from __future__ import annotations

import streamlit as st
from starlette.middleware import Middleware

from ui.middleware import AppMiddleware

app = st.App("dashboard.py", middleware=[Middleware(AppMiddleware)])
