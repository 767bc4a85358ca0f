"""The reporting counts as metrics (issue 16, point 7): one definition each
(:mod:`assessment.domain.reporting_status`), labelled with which count it is, on every page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assessment.domain.reporting_status import count_help, count_label, count_value
from assessment.scoring.analysis import Assessment
from assessment.views import overview as overview_view
from ui.state import lang


def metrics(
    columns: Sequence[Any], counts: dict[str, int], of: int, helps: dict[str, str] | None = None
) -> None:
    """One ``st.metric`` per count, in ``columns``: "已报送（含待审核）" and "19 / 20" (of the ``of``
    regions expected), the count's definition (or ``helps[key]``) as its help."""
    L = lang()
    for col, (key, n) in zip(columns, counts.items(), strict=True):
        col.metric(
            count_label(key, L), count_value(n, of, L), help=(helps or {}).get(key) or count_help(key, L)
        )


def overview(
    columns: Sequence[Any], actor: str, root: str, result: Assessment, period: int, pending: bool
) -> None:
    """The overview's two reporting figures (reported, approved) of ``root`` in ``period``, counted
    from the store's completeness frame exactly as the review page counts them."""
    from ui import data

    comp = data.store().completeness(actor, period, jurisdiction=root)
    counts = overview_view.reporting(comp, result, period)
    explained = overview_view.reporting_help(counts, lang(), include_pending=pending)
    shown = {"reported": counts.reported, "approved": counts.approved}
    metrics(columns, shown, counts.expected, dict.fromkeys(shown, explained))
