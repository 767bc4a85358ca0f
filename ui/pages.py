"""Which pages each role sees (DESIGN section 6). Hiding a page is not security: every page's data
comes from store calls that check the acting user's scope."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assessment.domain.i18n import t

ROOT = Path(__file__).resolve().parents[1]

# (section, file under app_pages/, title key, url path, roles)
PAGES: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("evaluate", "overview.py", "nav.overview", "overview", ("evaluator", "admin")),
    ("evaluate", "region.py", "nav.region", "region", ("evaluator", "admin", "official")),
    ("evaluate", "indicator.py", "nav.indicator", "indicator", ("evaluator", "admin")),
    ("evaluate", "equity.py", "nav.equity", "equity", ("evaluator", "admin")),
    ("evaluate", "compare.py", "nav.compare", "compare", ("evaluator", "admin")),
    ("report", "upload.py", "nav.upload", "upload", ("official",)),
    ("report", "actions.py", "nav.actions", "actions", ("official",)),
    ("manage", "review.py", "nav.review", "review", ("evaluator",)),
    ("manage", "actions.py", "nav.actions", "actions", ("evaluator",)),
    ("manage", "standards.py", "nav.standards", "standards", ("evaluator",)),
    ("manage", "reports.py", "nav.reports", "reports", ("evaluator", "admin")),
    ("manage", "admin.py", "nav.admin", "admin", ("admin",)),
    ("about", "methodology.py", "nav.methodology", "methodology", ("evaluator", "admin", "official")),
)


def page_files(role: str) -> list[str]:
    """The page files ``role`` sees, in menu order (only those that exist)."""
    return [f for _, f, _, _, roles in PAGES if role in roles and (ROOT / "app_pages" / f).exists()]


def pages_for(role: str, lang: str) -> dict[str, list[st.Page]]:
    """st.navigation sections for ``role``; the first page is the default."""
    sections: dict[str, list[st.Page]] = {}
    first = True
    for section, file, key, url, roles in PAGES:
        if role not in roles or not (ROOT / "app_pages" / file).exists():
            continue
        page = st.Page(ROOT / "app_pages" / file, title=t(key, lang), url_path=url, default=first)
        sections.setdefault(t(f"nav.section_{section}", lang), []).append(page)
        first = False
    return sections
