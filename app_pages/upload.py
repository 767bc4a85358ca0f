"""Upload (official): period, template, upload, every message at its cell, annotated copy, submit, scores."""

from __future__ import annotations

import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.scoring.analysis import region_label
from assessment.views import upload as views
from ui import conversation, data
from ui import data_workflow as wf
from ui.auth import guard, home_region
from ui.chrome import upload_mb
from ui.deadlines import deadline_caption
from ui.problems import show_problems
from ui.safe import md
from ui.state import lang, tr, tr_plain

SUBMITTED = "upload_submitted"  # session: token (sha256, region, period) -> ImportOutcome


def _reply_box() -> str:
    """The official's answer to the return, asked for when the latest version is returned."""
    if not returned:
        return ""
    return st.text_area(
        tr("conv.reply"),
        max_chars=2000,
        key="upload_reply",
        help=tr("conv.reply_help"),
        placeholder=tr("conv.reply_placeholder"),
    )


L = lang()
s = data.store()
tree = data.region_tree()
scope = home_region()
user = guard("upload", scope)
actor = user.username
conversation.apply_resets()
st.title(tr("upload.title", region=region_label(tree, scope, L)))
st.caption(tr("upload.intro"))

regions = views.template_regions(tree, scope)
col_period, col_region = st.columns(2)
mine = s.submissions(actor)["period"].tolist()
period = wf.period_select(tr("upload.period"), "upload_period", mine, 5, where=col_period)
region = regions[0]
if len(regions) > 1:
    region = col_region.selectbox(
        tr("upload.region"), regions, format_func=lambda c: region_label(tree, c, L), key="upload_region"
    )
deadline_caption(s, user, region, period, col_period)  # the region's own deadline, days left (issue 16)
conversation.official_banner(actor, user.role, region, period)  # a return to answer, open queries
history = s.submissions(actor, region_code=region, period=period)
returned = bool(len(history)) and str(history.sort_values("version")["status"].iloc[-1]) == "returned"

st.subheader(tr("upload.step_template"))
st.download_button(
    tr("upload.template_button", region=region_label(tree, region, L), period=period),
    data=wf.template_file(actor, region, period, L),
    file_name=f"{region}_{period}.xlsx",
    mime=wf.XLSX_MIME,
    on_click="ignore",
    key="upload_template",
)
st.caption(tr("upload.template_help"))

st.subheader(tr("upload.step_upload"))
uploaded = st.file_uploader(
    tr("upload.file"), type=["xlsx", "csv"], key="upload_file", help=tr("upload.file_help")
)
st.caption(tr_plain("language.upload_limit", mb=upload_mb(), types="XLSX、CSV" if L == "zh" else "XLSX, CSV"))
if uploaded is not None:
    raw = uploaded.getvalue()
    bar = st.progress(10, text=tr("upload.progress.checking", name=uploaded.name))
    result = wf.check_upload(actor, raw, uploaded.name, scope, period)
    bar.progress(100, text=tr("upload.progress.checked"))
    errors, warnings = len(result.errors), len(result.warnings)
    if errors:
        st.error(tr("upload.invalid", errors=errors, warnings=warnings))
    elif warnings:
        st.warning(tr("upload.valid_warnings", warnings=warnings, rows=len(result.values)))
    else:
        st.success(tr("upload.valid", rows=len(result.values)))
    show_problems(st, result.problems, L, wf.edition(period, region))  # grouped by kind, with indicators
    if result.problems:
        st.download_button(
            tr("upload.annotated_button"),
            data=wf.annotated_file(raw, result, L),
            file_name=views.annotated_name(uploaded.name),
            mime=wf.XLSX_MIME,
            on_click="ignore",
            key="upload_annotated",
        )

    st.subheader(tr("upload.step_submit"))
    token = views.upload_token(result.sha256, scope, period)
    done = st.session_state.setdefault(SUBMITTED, {})
    if token in done:
        (st.success if done[token].created else st.info)(md(done[token].message(L), lines=True))
    elif not result.ok:
        st.info(tr("upload.fix_first"))
    elif (reply := _reply_box()) is not None and st.button(
        tr("upload.submit"), type="primary", key="upload_submit"
    ):
        bar = st.progress(30, text=tr("progress.upload.storing", rows=len(result.values)))
        try:
            outcome = s.import_upload(actor, raw, uploaded.name, result, reply=reply or None)
        except DataFileError as err:
            bar.empty()
            st.error(md(err.messages(L), lines=True))
        else:
            done[token] = outcome
            conversation.reset_later({"upload_reply": ""})
            st.rerun()  # show the outcome (and the new version in the history) without the button
else:
    st.info(tr("upload.choose_file"))

st.subheader(tr("upload.history_title", region=region_label(tree, region, L), period=period))
if len(history):
    st.dataframe(views.submission_history(history, L), hide_index=True, key="upload_history")
else:
    st.caption(tr("upload.no_history"))

st.subheader(tr("conv.queries_title"))
conversation.answer_queries(actor, region, period, wf.edition(period, region))
st.subheader(tr("conv.exchange_title"))
conversation.exchange(actor, region, period, wf.edition(period, region))

st.subheader(tr("upload.scores_title", region=region_label(tree, region, L), period=period))
scores = data.assessment(actor, region, include_pending=True)
counts = views.status_counts(scores, region, period)
if counts["no_data"] == sum(counts.values()):
    st.info(tr("upload.no_scores"))
    st.stop()
for col, status in zip(st.columns(len(views.COUNT_ORDER)), views.COUNT_ORDER, strict=True):
    col.metric(tr(f"status.{status}"), counts[status])
gaps = views.gaps_table(scores, region, period, L)
if len(gaps):
    st.dataframe(gaps, hide_index=True, key="upload_gaps")
    st.caption(tr("upload.gaps_caption"))
else:
    st.success(tr("upload.no_gaps"))
st.caption(tr("upload.scores_caption", edition=scores.edition.id))
