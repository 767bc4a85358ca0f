"""Reports (evaluator): the evaluation workbook, per-region feedback, tidy exports; made on click."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.reports.service import Progress, build_export, build_report
from assessment.scoring.analysis import region_label
from assessment.views.region import counties
from ui import data
from ui.auth import guard, home_region
from ui.progress import progress_bar
from ui.safe import md
from ui.state import lang, tr

L = lang()
home = home_region()
user = guard("export", home, roles=("evaluator", "admin"))
store = data.store()
result = data.assessment(user.username, home)
st.title(tr("reports_page.title"))
if not result.periods:
    st.info(tr("overview.no_periods"))
    st.stop()
c1, c2, c3 = st.columns(3)
period = c1.selectbox(tr("overview.period"), data.periods(result), key="reports_period")
report_lang = c2.selectbox(
    tr("reports_page.lang"),
    ("zh", "en"),
    index=0 if L == "zh" else 1,
    key="reports_lang",
    format_func=lambda x: "中文" if x == "zh" else "English",
)
pending = c3.toggle(tr("overview.include_pending"), key="reports_pending")


def offer(
    slot: str, build: Callable[[Progress], tuple[str, bytes]], label: str = "reports_page.generate"
) -> None:
    """A generate button; the file is made on click, its steps shown on a progress bar, and offered
    for download. Only this session waits: other users' pages keep rendering meanwhile."""
    if st.button(tr(label), key=f"reports_make_{slot}"):
        bar = progress_bar("progress.report.reading")
        try:
            st.session_state[f"reports_file_{slot}"] = build(bar.update)
        except DataFileError as err:
            bar.clear()
            st.error(md(err.messages(L), lines=True))
    made = st.session_state.get(f"reports_file_{slot}")
    if made:
        st.download_button(
            tr("reports_page.download", name=made[0]), made[1], file_name=made[0], key=f"reports_dl_{slot}"
        )


st.subheader(tr("reports_page.evaluation_title"))
st.caption(tr("reports_page.evaluation_help"))
st.markdown(f"{tr('reports_page.scope')}: {md(region_label(result.tree, home, L))}")


def offer_both(kind: str, code: str) -> None:
    """The workbook and the print-ready PDF of one report, side by side."""
    for column, fmt in zip(st.columns(2), ("xlsx", "pdf"), strict=True):
        with column:
            offer(
                kind if fmt == "xlsx" else f"{kind}_pdf",
                lambda progress, fmt=fmt: build_report(
                    store,
                    user.username,
                    kind,
                    code,
                    period,
                    lang=report_lang,
                    include_pending=pending,
                    fmt=fmt,
                    progress=progress,
                ),
                "pdf.page.generate_workbook" if fmt == "xlsx" else f"pdf.page.generate_{kind}",
            )


offer_both("evaluation", home)

st.subheader(tr("reports_page.feedback_title"))
region = st.selectbox(
    tr("reports_page.feedback_region"),
    counties(result),
    key="reports_region",
    format_func=lambda c: region_label(result.tree, c, L),
)
offer_both("feedback", region)

st.subheader(tr("reports_page.tidy_title"))
c4, c5 = st.columns(2)
what = c4.selectbox(
    tr("reports_page.what"),
    ("scores", "equity", "trends", "actions"),
    key="reports_what",
    format_func=lambda w: tr(f"reports_page.what_{w}"),
)
fmt = c5.selectbox(tr("reports_page.format"), ("csv", "parquet"), key="reports_format")
offer(
    "tidy",
    lambda progress: build_export(
        store, user.username, what, home, fmt, include_pending=pending, progress=progress
    ),
)
