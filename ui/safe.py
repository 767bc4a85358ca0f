"""User text on a page: escaped for markdown (titles, captions, alerts, labels) or for plotly.

The one rule of the pages: anything that did not come from ``assessment/locales`` (a region, file,
indicator, standard, edition or account name, a note, a comment, a problem message quoting a cell)
goes through :func:`md` before any ``st.*`` call that renders markdown, and through
:func:`plotly_text` before it reaches a figure. :func:`ui.state.tr` does the first for every
value it fills into a template, so ``st.caption(tr("review.meta", name=file_name))`` is safe as it
stands; the template's own markdown (``**bold**``) still renders.

Not markdown in Streamlit 1.67 (checked in its source and in the browser test): ``st.dataframe``
cells and headers, ``st.selectbox``/``st.multiselect`` options (their *labels* are markdown),
``st.text``, ``st.code``, ``st.set_page_config(page_title=...)``. ``st.table`` cells and headers
*are* markdown: use :func:`md_frame`. ``st.radio`` options are markdown.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from assessment.domain.labels import MISSING, is_missing
from assessment.domain.markup import Markdown, escape_markdown, escape_plotly

__all__ = ["Markdown", "md", "md_frame", "md_join", "plotly_text"]


def md(text: object, *, lines: bool = False) -> Markdown:
    """``text`` escaped so that markdown shows it literally (see
    :func:`assessment.domain.markup.escape_markdown`). Already-escaped text passes unchanged."""
    return escape_markdown(text, lines=lines)


def md_join(sep: str, parts: Iterable[object]) -> Markdown:
    """``sep.join(parts)`` with each part escaped (translated parts pass unchanged); ``sep`` is
    the page's own text."""
    return Markdown(escape_markdown(sep).join(escape_markdown(p) for p in parts))


def md_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` for ``st.table`` (which renders markdown in every cell and header):
    text cells and headers escaped, numbers as they are, a missing text cell as "—" (never
    "None" or "<NA>")."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [
                escape_markdown(v) if isinstance(v, str) else (MISSING if is_missing(v) else v)
                for v in out[col].astype(object)
            ]
    out.columns = [escape_markdown(c) if isinstance(c, str) else c for c in out.columns]
    return out


def plotly_text(text: object) -> str:
    """``text`` for a plotly string: ``<``, ``>``, ``&`` as entities, ``%{`` not a placeholder."""
    return escape_plotly(text)
