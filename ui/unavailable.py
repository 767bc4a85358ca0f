"""The app's own page when its database cannot be reached (issue 15 point 12).

``dashboard.py`` opens the store and runs the sign-in gate inside ``try``, and :mod:`ui.data` opens the
store and reads its data version (where nearly every page starts) likewise; a
:class:`~assessment.store.errors.StorageFailure` there (server down, file unreadable, disk full, a bad
``ASSESSMENT_DB_URL``) ends the run here: the app's title, a plain message in the user's language with
the failure's reference (the details, URL included, are in the server log under it), and
``st.stop()``. Never Streamlit's generic error, a traceback or the database URL.
"""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from assessment.store.errors import StorageFailure
from ui.state import tr


def database_unavailable(err: StorageFailure) -> NoReturn:
    """Show the app's "database unavailable" page for ``err`` and stop the run."""
    st.title(tr("app.title"))
    st.subheader(tr("app.db_unavailable_title"))
    st.error(tr("app.db_unavailable", ref=err.reference))
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover - st.stop raises
