"""HTML + CSS to a print-ready PDF through WeasyPrint (issue 18 item 3).

Why this route: WeasyPrint lays out HTML and CSS Paged Media (``@page`` sizes, margin boxes with
page counters, running headers, ``thead`` repeated on every page a table runs over, page-break
rules) with Pango/HarfBuzz, so Chinese text is shaped and broken like a browser would, and the
fonts are embedded as subsets. It is pure Python over Debian's Pango (no browser, no TeX, no
service to run), deterministic, and the document is plain HTML that the tests can read. Charts are
SVG from matplotlib (:mod:`assessment.reports.pdf_charts`), kept as vectors.

Fonts: Debian's ``fonts-noto-cjk`` (Noto Serif CJK SC for the body, as 宋体 in a government report,
Noto Sans CJK SC for headings and tables, as 黑体). Every size in :data:`CSS` is at least 8 pt; body
text is 10.5 pt (五号).

This module knows nothing about assessments: :func:`document` wraps sections in the page frame
(A4, running header with the title and jurisdiction, "第 X 页 / 共 Y 页"), :func:`table` writes an
escaped HTML table from a frame and columns, :func:`render` makes the PDF bytes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from assessment.domain import labels
from assessment.domain.i18n import t
from assessment.reports.workbook import STATUS_COLOURS, STATUS_FONT_COLOURS

__all__ = [
    "CSS",
    "Col",
    "document",
    "esc",
    "fmt_number",
    "legend",
    "page_counter",
    "render",
    "table",
    "unit_text",
]

SERIF = '"Noto Serif CJK SC", "Noto Serif CJK", serif'
SANS = '"Noto Sans CJK SC", "Noto Sans CJK", sans-serif'

CSS = f"""
@page {{
  size: A4; margin: 22mm 18mm 20mm 18mm;
  @top-left {{ content: {{title}}; font: 8pt {SANS}; color: #444; vertical-align: bottom;
               border-bottom: 0.5pt solid #999; padding-bottom: 1mm; }}
  @top-right {{ content: {{place}}; font: 8pt {SANS}; color: #444; vertical-align: bottom;
                border-bottom: 0.5pt solid #999; padding-bottom: 1mm; }}
  @bottom-center {{ content: {{page_label}}; font: 9pt {SANS}; }}
  @bottom-right {{ content: {{edition}}; font: 8pt {SANS}; color: #444; }}
}}
@page cover {{
  @top-left {{ content: none; }} @top-right {{ content: none; }} @bottom-center {{ content: none; }}
  @bottom-right {{ content: none; }}
}}
@page wide {{ size: A4 landscape; margin: 18mm 15mm 16mm 15mm; }}
html {{ font-family: {SERIF}; font-size: 10.5pt; line-height: 1.5; color: #111; }}
h1, h2, h3, th, table, .fig, .sans, .legend {{ font-family: {SANS}; }}
h1 {{ font-size: 18pt; margin: 0 0 6mm 0; }}
h2 {{ font-size: 14pt; margin: 0 0 3mm 0; border-bottom: 1.2pt solid #b22222; padding-bottom: 1mm;
      string-set: section content(); }}
h3 {{ font-size: 11pt; margin: 4mm 0 2mm 0; break-after: avoid; }}
p {{ margin: 0 0 2mm 0; }}
section {{ break-before: page; }}
section.wide {{ page: wide; }}
.cover {{ page: cover; text-align: center; padding-top: 45mm; }}
.cover .issuer {{ font-family: {SANS}; font-size: 12pt; letter-spacing: 0.3em; color: #b22222; }}
.cover h1 {{ font-size: 24pt; margin: 12mm 0 8mm 0; color: #b22222; }}
.cover .rule {{ border-top: 2pt solid #b22222; margin: 6mm 20mm; }}
.cover table.facts {{ margin: 14mm auto 0 auto; font-size: 11pt; border: none; width: auto; }}
.cover table.facts td {{ border: none; padding: 1.5mm 4mm; text-align: left; }}
.cover .fictional {{ margin-top: 16mm; font-family: {SANS}; font-size: 14pt; color: #d55e00;
                     border: 1.5pt solid #d55e00; display: inline-block; padding: 2mm 6mm; }}
.toc a {{ color: #111; text-decoration: none; }}
.toc li {{ list-style: none; margin: 1.5mm 0; font-size: 11pt; }}
.toc a::after {{ content: leader('.') target-counter(attr(href), page); }}
table {{ border-collapse: collapse; width: 100%; table-layout: fixed; font-size: 8.5pt; line-height: 1.3;
         margin: 0 0 3mm 0; }}
thead {{ display: table-header-group; }}
tr {{ break-inside: avoid; }}
th {{ background: #eef0f3; font-weight: bold; font-size: 8pt; text-align: center; vertical-align: bottom;
      border: 0.5pt solid #8a8f98; padding: 1mm 1.2mm; hyphens: auto; overflow-wrap: anywhere;
      hyphenate-character: "-"; }}
td {{ border: 0.5pt solid #b8bcc4; padding: 0.8mm 1.2mm; vertical-align: top; overflow-wrap: anywhere; }}
td.n {{ text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }}
td.c {{ text-align: center; white-space: nowrap; }}
.figures {{ margin: 2mm 0 3mm 0; }}
.fig {{ display: inline-block; border: 0.8pt solid #b8bcc4; padding: 1.5mm 2.5mm; width: 47mm;
        height: 14mm; margin: 0 1mm 1.5mm 0; vertical-align: top; }}
.fig .v {{ font-size: 15pt; font-weight: bold; color: #0b3d91; }}
.fig .l {{ font-size: 8pt; color: #333; line-height: 1.25; }}
.chart {{ margin: 1mm 0 3mm 0; text-align: center; }}
.note {{ font-size: 9pt; color: #333; }}
.legend span {{ display: inline-block; margin-right: 4mm; font-size: 8.5pt; }}
.legend i {{ display: inline-block; width: 3.2mm; height: 3.2mm; margin-right: 1mm;
             vertical-align: -0.4mm; }}
ol.expect li, ul.expect li {{ margin-bottom: 1.5mm; }}
.letter-head {{ text-align: center; margin-bottom: 6mm; }}
.letter-head h1 {{ color: #b22222; font-size: 18pt; margin-bottom: 2mm; }}
.letter-head p {{ text-align: center; font-size: 9pt; }}
.fictional-line {{ color: #d55e00; font-size: 11pt; }}
h3.lh {{ font-size: 12pt; margin-top: 5mm; }}
.sign {{ margin-top: 12mm; text-align: right; }}
"""


STATUS_CSS = "".join(
    f"td.s-{k} {{ background: {STATUS_COLOURS[k]}; color: {STATUS_FONT_COLOURS[k]}; }}"
    for k in STATUS_COLOURS
)


def esc(value: object) -> str:
    """Any value as HTML-escaped text ("—" when missing): every region name, note or label goes
    through here, so no user text is ever markup in the PDF."""
    if value is None or (not isinstance(value, str) and _isna(value)):
        return "—"
    return html.escape(str(value), quote=True)


def _isna(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_number(value: object, fmt: str | None) -> str:
    """A number written with one of the workbooks' Excel formats (``0.0``, ``#,##0``, ``0.0%``...),
    so a PDF cell reads as the workbook's cell; "—" when missing; text is escaped."""
    if value is None or _isna(value):
        return "—"
    if isinstance(value, str) or fmt is None:
        return esc(value)
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return esc(value)
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if fmt.endswith("%"):
        decimals = len(fmt.rstrip("%").partition(".")[2])
        return f"{x * 100:.{decimals}f}%"
    decimals = len(fmt.partition(".")[2])
    return f"{x:,.{decimals}f}" if "," in fmt else f"{x:.{decimals}f}"


@dataclass(frozen=True)
class Col:
    """A table column: frame key, header text, number format (None: text), status key column
    whose colour the cell takes, width in mm (None: automatic)."""

    key: str
    label: str
    fmt: str | None = None
    status: str | None = None
    width: float | None = None


def _cell(row: pd.Series, col: Col) -> str:
    value = row.get(col.key)
    text = fmt_number(value, col.fmt)
    cls = "n" if col.fmt else ""
    if col.status is not None:
        key = row.get(col.status)
        if isinstance(key, str) and key in STATUS_COLOURS:
            cls += f" s-{key}"
    return f'<td class="{cls}">{text}</td>' if cls else f"<td>{text}</td>"


def table(frame: pd.DataFrame, cols: Sequence[Col], *, caption: str | None = None) -> str:
    """An HTML table of ``frame``'s ``cols`` (header repeated on every page it runs over)."""
    widths = "".join(f'<col style="width:{c.width}mm">' if c.width else "<col>" for c in cols)
    head = "".join(f"<th>{esc(c.label)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(_cell(row, c) for c in cols) + "</tr>" for _, row in frame.iterrows())
    cap = f"<h3>{esc(caption)}</h3>" if caption else ""
    head = f"<colgroup>{widths}</colgroup><thead><tr>{head}</tr></thead>"
    return f"{cap}<table>{head}<tbody>{body}</tbody></table>"


def legend(
    lang: str, keys: Iterable[str] = ("below_floor", "below_local", "meets", "no_standard", "no_data")
) -> str:
    """The status colours with their names."""
    parts = [
        f'<span><i style="background:{STATUS_COLOURS[k]}"></i>{esc(t(f"reports.status.{k}", lang))}</span>'
        for k in keys
    ]
    return f'<p class="legend">{"".join(parts)}</p>'


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the ``<style>`` element."""
    out = []
    for ch in str(text):
        if ch in '"\\<>&' or ord(ch) < 32:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def unit_text(unit: object, lang: str) -> object:
    """:func:`assessment.domain.labels.unit_text` for a cell that may be missing (returned as it is)."""
    return labels.unit_text(unit, lang) if isinstance(unit, str) else unit


def page_counter(text: str) -> str:
    """``第 {page} 页 / 共 {pages} 页`` as a CSS ``content`` value with the page counters."""
    out = []
    for n, part in enumerate(text.split("{pages}")):
        if n:
            out.append("counter(pages)")
        for m, bit in enumerate(part.split("{page}")):
            if m:
                out.append("counter(page)")
            if bit:
                out.append('"' + bit.replace('"', "") + '"')
    return " ".join(out)


def document(title: str, place: str, edition: str, sections: Sequence[str], lang: str) -> str:
    """The whole HTML document: running header strings and the page frame around ``sections``."""
    css = (
        CSS.replace("{page_label}", page_counter(t("pdf.page_label", lang)))
        .replace("{title}", css_string(title))
        .replace("{place}", css_string(place))
        .replace("{edition}", css_string(edition))
    ) + STATUS_CSS
    return (
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{css}</style></head><body>" + "".join(sections) + "</body></html>"
    )


def render(html_text: str) -> bytes:
    """The PDF bytes of ``html_text`` (WeasyPrint; fonts embedded as subsets)."""
    from weasyprint import HTML  # imported here: a report that is never printed never loads it

    return HTML(string=html_text, base_url=None).write_pdf()  # type: ignore[no-any-return]
