"""Check messages on a page, grouped by kind (issue 16, points 5 and 6): the upload page's result
and the review page's warnings tab show the same thing the same way.

One expander per kind ("⚠ 20 values equal their standard exactly"), holding the table of every
message of that kind with its cell and its indicator (code and name). Errors come first and open.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from assessment.domain.errors import Problem
from assessment.domain.model import Edition
from assessment.views.upload import grouped_problems
from ui.safe import md, md_frame


def show_problems(
    container: Any, problems: Sequence[Problem], lang: str, edition: Edition | None = None
) -> None:
    """Draw ``problems`` in ``container`` (``st``, a tab, a column), one expander per kind."""
    for group in grouped_problems(problems, lang, edition):
        with container.expander(md(group.title), expanded=group.severity == "error"):
            st.table(md_frame(group.frame), hide_index=True)  # escaped: a message may quote a cell
