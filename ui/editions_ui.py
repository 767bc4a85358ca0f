"""Edition controls shared by the analysis pages: the "what if" re-scoring under the newest edition
(always shown as such, never the official score), the per-period edition caption, and the breaks
where the standard changed (for trend charts)."""

from __future__ import annotations

import streamlit as st

from assessment.scoring.analysis import Assessment
from ui import data
from ui.safe import md_join
from ui.state import tr


def what_if(user: str, root: str, result: Assessment, key: str) -> Assessment:
    """Offer to re-score every period under the newest edition when the periods span two; returns
    the assessment to show (the what-if one when chosen, with a warning banner)."""
    if not result.mixed:
        return result
    newest = result.edition.id
    if not st.toggle(
        tr("analysis.what_if_toggle", edition=newest), key=key, help=tr("analysis.what_if_help")
    ):
        return result
    st.warning(tr("analysis.what_if_banner", edition=newest))
    return data.assessment(user, root, what_if=newest)


def edition_caption(result: Assessment, lang: str) -> str:
    """Which edition (and revision) scored which periods."""
    spans: dict[str, list[int]] = {}
    for period, edition in sorted(result.editions):
        spans.setdefault(edition.label, []).append(period)
    parts = [
        tr(
            "analysis.edition_span",
            edition=label,
            periods="、".join(map(str, ps)) if lang == "zh" else ", ".join(map(str, ps)),
        )
        for label, ps in spans.items()
    ]
    title = result.edition.title_zh if lang == "zh" else result.edition.title_en
    if result.what_if:
        return tr("analysis.what_if_caption", edition=result.what_if, title=title)
    if len(parts) <= 1:
        return tr("app.edition_caption", edition=result.edition.label, title=title)
    return tr("analysis.editions_caption", spans=md_join("；" if lang == "zh" else "; ", parts))


def breaks_of(result: Assessment, code: str) -> list[tuple[int, str, str]]:
    """(period, change, "old → new") where indicator ``code``'s standard changed between editions."""
    marks = result.standard_breaks
    rows = marks.loc[marks["indicator_code"] == code]
    return [(int(r.period), str(r.change), f"{r.from_edition} → {r.to_edition}") for r in rows.itertuples()]


def edition_changes(result: Assessment) -> list[tuple[int, str]]:
    """(first period, "old → new") at each change of edition among the assessment's periods."""
    return [(p, f"{a.label} → {b.label}") for p, a, b in result.edition_changes]
