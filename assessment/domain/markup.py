"""Text from users, shown as text: the escaping behind every page's markdown and chart labels.

Streamlit renders markdown in titles, captions, alerts, widget labels, tooltips, tab and expander
labels, radio options and ``st.table`` cells; plotly renders a subset of HTML (``<a href>``,
``<b>``, ``<br>``, ``<span style>``...) in titles, tick labels, hover text, legends and
annotations. A region, file, indicator or account name, a note or a comment can hold ``[x](url)``,
``![x](url)`` (an image the reader's browser fetches), ``<a href>`` or a bare ``http://`` address
(which GitHub-flavoured markdown links by itself). Everything here is pure Python so that views and
the pages share it; the pages use it through :mod:`ui.safe` and :func:`ui.state.tr`.

- :func:`escape_markdown` backslash-escapes every ASCII punctuation character (CommonMark lets
  each of them be escaped, and the reader sees the character, never the backslash), breaks the
  automatic links and shortcodes that remark finds in text *after* escapes are resolved (``http://``,
  ``www.``, ``a@b``, ``:smile:``, ``:material/x:``) with an invisible WORD JOINER (U+2060), and
  turns line breaks into spaces (or markdown hard breaks with ``lines=True``).
- :func:`escape_plotly` replaces ``&``, ``<``, ``>`` by entities (plotly decodes them back) and
  breaks plotly's own ``%{...}`` placeholders.
"""

from __future__ import annotations

import re
import string

WORD_JOINER = "\u2060"  # invisible, no line break: breaks "http://", "www.", "a@b" for the autolinker

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")
_AFTER = re.compile(r"([:@])")  # "http:", "mailto:", ":shortcode:", "a@b"
_WWW = re.compile(r"(www)(?=\.)", re.IGNORECASE)
_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029")
_HARD_BREAK = "  \n"


class Markdown(str):
    """Text that is already safe to render as markdown: a translated template with escaped
    values, or escaped user text. Escaping it again returns it unchanged."""

    __slots__ = ()


def escape_markdown(text: object, *, lines: bool = False) -> Markdown:
    """``text`` as markdown that renders literally: ``[a](b)`` shows ``[a](b)``, ``**x**`` shows
    ``**x**``, ``http://x`` is no link. ``lines`` keeps line breaks (as hard breaks), else each
    becomes a space. ``Markdown`` input is returned unchanged; ``None`` becomes ``""``."""
    if isinstance(text, Markdown):
        return text
    raw = "" if text is None else str(text)
    parts = _NEWLINES.split(raw)
    if not lines:
        parts = [" ".join(parts)]
    out = []
    for part in parts:
        part = _WWW.sub(r"\1" + WORD_JOINER, part)
        part = _PUNCT.sub(r"\\\1", part)
        part = _AFTER.sub(r"\1" + WORD_JOINER, part)
        out.append(part)
    return Markdown(_HARD_BREAK.join(out))


def escape_plotly(text: object) -> str:
    """``text`` for a plotly string (title, tick, hover, legend, annotation, data shown in a
    hover template): ``<a href=x>`` shows as typed, ``%{y}`` is not filled in."""
    raw = "" if text is None else str(text)
    raw = raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return raw.replace("%{", "%" + WORD_JOINER + "{")
