"""The reporting counts as metrics (issue 16, point 7): one definition each
(:mod:`assessment.domain.reporting_status`), labelled with which count it is, on every page."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from assessment.domain.reporting_status import ReportingCounts, count_help, count_label, count_value
from assessment.scoring.analysis import Assessment
from assessment.views import overview as overview_view
from assessment.views.overview import Headline
from ui.state import lang, tr


def metrics(counts: dict[str, int], of: int, helps: dict[str, str] | None = None) -> None:
    """One ``st.metric`` per count, in rows of at most four (labels are never cut): "已报送（含待审）"
    and "19 / 20" (of the ``of`` regions expected), the count's definition (or ``helps[key]``) as help."""
    L = lang()
    items = list(counts.items())
    per_row = len(items) if len(items) <= 4 else (4 if len(items) % 4 == 0 else 3)
    for start in range(0, len(items), per_row or 1):
        row = items[start : start + per_row]
        for col, (key, n) in zip(st.columns(per_row), row, strict=False):
            help_text = (helps or {}).get(key) or count_help(key, L)
            col.metric(count_label(key, L), count_value(n, of, L), help=help_text)


def overview(
    actor: str, root: str, result: Assessment, period: int, pending: bool, version: str | None = None
) -> None:
    """The overview's reporting row (reported, approved, pending, not reported) of ``root`` in
    ``period``, counted from the store's completeness frame exactly as the review page counts them;
    the approved figure's help names how many regions are scored. ``version``: the data version read
    before ``result``, to keep the counts per version, user, basis and minute (``ui.render_cache``;
    a deadline passing makes a region late within the minute, as ``data.completeness`` says)."""
    from ui import data
    from ui.render_cache import memo

    def build() -> ReportingCounts:
        return overview_view.reporting(data.completeness(actor, period, root), result, period)

    if version is None:
        counts = build()
    else:
        minute = int(datetime.now(UTC).timestamp() // 60)
        key = (actor, root, result.basis, pending, int(period), minute)
        counts = memo("overview.reporting", key, version, build)
    shown = {k: getattr(counts, k) for k in ("reported", "approved", "pending", "not_reported")}
    helps = {"approved": overview_view.reporting_help(counts, lang(), include_pending=pending)}
    metrics(shown, counts.expected, helps)


def headline(head: Headline) -> None:
    """The overview's headline figures below the reporting counts: the share meeting the floor,
    the regions below it, and the cost to close the gaps with how many gaps it covers."""
    L = lang()
    k2, k3, k4 = st.columns(3)
    k2.metric(
        tr("overview.kpi_meeting_floor"),
        f"{head.share_meeting_floor:.1%}",
        help=tr("overview.kpi_meeting_floor_help"),
    )
    below = f"{head.regions_below_floor}"
    k3.metric(tr("overview.kpi_below_floor"), below, help=tr("overview.kpi_below_floor_help"))
    k4.metric(
        tr("overview.kpi_cost"),
        f"¥{head.cost_total / 1e4:,.0f} 万" if L == "zh" else f"¥{head.cost_total / 1e6:,.1f} m",
        help=tr(
            "overview.kpi_cost_help",
            priced=head.cost_indicators_priced,
            unpriced=head.cost_indicators_unpriced,
            central=f"¥{head.cost_central:,.0f}",
            local=f"¥{head.cost_local:,.0f}",
        ),
    )
    k4.caption(overview_view.cost_note(head, L))
