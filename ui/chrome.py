"""Streamlit's own texts in the user's language (issue 16 point 8), set up once for every page.

* ``st.selectbox`` / ``st.multiselect`` show "Choose an option" / "Choose options" when nothing is
  chosen, and ``st.dataframe`` shows "None" for a missing value. Both take a ``placeholder``; rather
  than ask every call to pass it, :func:`install` gives them a default in the page's language
  ("请选择…", "—"). A call that passes its own ``placeholder`` keeps it.
* Printing a page from the browser (issue 18 point 5): :data:`PRINT_CSS` keeps only the page, whole
  (checked by tests/e2e/test_print.py, which prints a page to PDF in Chromium).
* ``st.file_uploader`` has no option for its button ("Upload") or its line "20MB per file • XLSX":
  :func:`style` hides them with a small stylesheet, shows our own button text, and pages say the
  limit in their own help or caption (:func:`upload_help`).

Checked by tests/app/test_language.py (AppTest: every widget's placeholder) and
tests/e2e/test_language.py (the text a real Chromium shows).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assessment.domain.i18n import t
from assessment.domain.labels import MISSING
from ui import print_tables

_INSTALLED = "_assessment_language_defaults"


def _with_default(method: Callable[..., Any], placeholder: Callable[[], str]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: DeltaGenerator, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("placeholder") is None:
            kwargs["placeholder"] = placeholder()
        return method(self, *args, **kwargs)

    setattr(wrapper, _INSTALLED, True)
    return wrapper


def _with_print_copy(method: Callable[..., Any], more_rows: Callable[[], str]) -> Callable[..., Any]:
    """``st.dataframe`` followed by its print-only twin (:mod:`ui.print_tables`), in the same
    container, so that the table prints whole."""

    @functools.wraps(method)
    def wrapper(self: DeltaGenerator, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        shown = method(self, data, *args, **kwargs)
        copy = print_tables.html_table(
            data,
            kwargs.get("column_config"),
            hide_index=kwargs.get("hide_index", True),
            more_rows=more_rows(),
        )
        if copy is not None:
            self.html(copy)
        return shown

    setattr(wrapper, _INSTALLED, True)
    return wrapper


def install(current_lang: Callable[[], str]) -> None:
    """Give select boxes, multiselects and dataframes placeholders in the page's language
    (``current_lang()`` at each call: ``ui.state.lang``). Once per process; ``st.selectbox`` is
    ``DeltaGenerator.selectbox`` bound to the main area, so both are replaced."""
    if getattr(DeltaGenerator.selectbox, _INSTALLED, False):
        return
    _lang = current_lang
    DeltaGenerator.selectbox = _with_default(  # type: ignore[method-assign]
        DeltaGenerator.selectbox, lambda: t("language.choose", _lang())
    )
    DeltaGenerator.multiselect = _with_default(  # type: ignore[method-assign]
        DeltaGenerator.multiselect, lambda: t("language.choose_many", _lang())
    )
    DeltaGenerator.dataframe = _with_print_copy(  # type: ignore[method-assign]
        _with_default(DeltaGenerator.dataframe, lambda: MISSING), lambda: t("print.more_rows", _lang())
    )
    # the module-level st.* functions were bound to the main DeltaGenerator at import
    main = st._main  # type: ignore[attr-defined]
    st.selectbox = main.selectbox  # type: ignore[assignment]
    st.multiselect = main.multiselect  # type: ignore[assignment]
    st.dataframe = main.dataframe  # type: ignore[assignment]


# A dashboard page printed from the browser (issue 18 point 5): on paper only the page itself, on
# landscape A4. The sidebar, Streamlit's header, toolbar and status, and the controls that do
# nothing on paper (buttons, downloads, uploads, text entry) are left out; the main area takes the
# full width, drawn at 75 % so that a chart laid out for a wide screen fits the page (text of 16 px
# prints at 9 pt); charts, tables, metrics and images are never cut across two pages.
PRINT_CSS = """
@media print {
  @page { size: A4 landscape; margin: 12mm 10mm; }
  [data-testid='stSidebar'], [data-testid='stSidebarCollapsedControl'], [data-testid='stHeader'],
  [data-testid='stToolbar'], [data-testid='stDecoration'], [data-testid='stStatusWidget'],
  [data-testid='stBottom'], [data-testid='stChatInput'], [data-testid='stButton'],
  [data-testid='stDownloadButton'], [data-testid='stFormSubmitButton'], [data-testid='stFileUploader'],
  [data-testid='stTextInput'], [data-testid='stTextArea'], [data-testid='stPageLink'],
  [data-testid='stElementToolbar'], .stButton, .stDownloadButton, footer { display: none !important; }
  html, body, .stApp, [data-testid='stAppViewContainer'], [data-testid='stMain'] {
    height: auto !important; overflow: visible !important; position: static !important;
  }
  [data-testid='stMain'] { margin-left: 0 !important; zoom: 0.75; }
  [data-testid='stMainBlockContainer'], .block-container {
    max-width: 100% !important; padding: 0 !important;
  }
  [data-testid='stPlotlyChart'], .stPlotlyChart, [data-testid='stDataFrame'], [data-testid='stTable'],
  [data-testid='stMetric'], [data-testid='stImage'], [data-testid='stVegaLiteChart'],
  [data-testid='stDeckGlJsonChart'], [data-testid='stExpander'], [data-testid='stAlert'] {
    break-inside: avoid; page-break-inside: avoid;
  }
  h1, h2, h3, [data-testid='stHeading'] { break-after: avoid; page-break-after: avoid; }
}
"""


def style(lang: str) -> None:
    """The stylesheet of this run: the file uploader's English button text and size line hidden,
    our own button text instead (a pseudo-element, so it is not part of the page's text), and the
    print stylesheet (:data:`PRINT_CSS`)."""
    button = t("language.upload_button", lang).replace('"', "")
    st.html(
        "<style>"
        + " ".join(PRINT_CSS.split())
        + " ".join(print_tables.CSS.split())
        + "[data-testid='stFileUploaderDropzoneInstructions']{display:none}"
        "[data-testid='stFileUploaderDropzone'] button{font-size:0}"
        "[data-testid='stFileUploaderDropzone'] button *{display:none}"
        f"[data-testid='stFileUploaderDropzone'] button::after{{content:\"{button}\";font-size:1rem}}"
        "</style>"
    )


def upload_mb() -> int:
    """The upload size limit in MB (``server.maxUploadSize``)."""
    return int(st.get_option("server.maxUploadSize"))


def upload_help(lang: str, types: list[str], mb: int | None = None) -> str:
    """The upload limit and formats in words, for the uploader's help or a caption."""
    if mb is None:
        mb = int(st.get_option("server.maxUploadSize"))
    return t(
        "language.upload_limit",
        lang,
        mb=mb,
        types="、".join(x.upper() for x in types) if lang == "zh" else ", ".join(x.upper() for x in types),
    )
