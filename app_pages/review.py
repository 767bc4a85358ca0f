"""Review (evaluator): who reported, the queue, one submission against its previous version, decide."""

from __future__ import annotations

import streamlit as st

from assessment.domain.errors import DataFileError
from assessment.scoring.analysis import region_label
from assessment.views import review as views
from assessment.views.upload import beijing_time
from ui import conversation, data, reporting_counts, upload_files
from ui import data_workflow as wf
from ui.auth import guard, home_region
from ui.deadlines import deadline_panel
from ui.problems import show_problems
from ui.review_decision import decision_form
from ui.safe import md
from ui.state import lang, tr

FLASH = "review_flash"  # session: the outcome of the last decision, shown after the rerun
L = lang()
s = data.store()
tree = data.region_tree()
scope = home_region()
user = guard("review", scope)
actor = user.username
conversation.apply_resets()  # after a decision: the selector, decision and comment show the new state
st.title(tr("review.title", region=region_label(tree, scope, L)))
if FLASH in st.session_state:
    st.success(st.session_state.pop(FLASH))

period = wf.period_select(tr("review.period"), "review_period", s.submissions(actor)["period"].tolist(), 1)

st.subheader(tr("review.completeness_title", period=period))
expected = len(wf.edition(period, scope).indicators)  # the period's edition, with local indicators
completeness = data.completeness(actor, period, scope, expected_indicators=expected)
counts = views.completeness_counts(completeness)
reporting_counts.metrics(counts, len(completeness))  # the definitions of the overview
st.caption(tr("review.partial_count", n=views.partial_count(completeness), expected=expected))
st.dataframe(views.completeness_table(completeness, tree, L), hide_index=True, key="review_completeness")
st.caption(tr("review.completeness_caption"))
deadline_panel(s, user, period, completeness, tree, L, scope)  # deadline, not reported, export (issue 16)

st.subheader(tr("review.queue_title"))
queue = s.review_queue(actor)
if len(queue):
    st.dataframe(views.queue_table(queue, tree, L), hide_index=True, key="review_queue")
else:
    st.info(tr("review.queue_empty"))

st.subheader(tr("review.pick_title"))
period_subs = s.submissions(actor, period=period)
choices = views.pick_options(queue, period_subs)
labels = views.pick_labels([queue, period_subs], tree, L)
asked = str(st.query_params.get("submission", ""))
if asked.isdigit() and int(asked) not in choices:
    try:  # a shared link: the store refuses a submission outside the actor's regions
        shared = s.submission(actor, int(asked))
        choices, labels[shared.id] = [shared.id, *choices], views.submission_label(shared, tree, L)
    except DataFileError as err:
        st.error(md(err.messages(L), lines=True))
if not choices:
    st.info(tr("review.nothing_to_pick", period=period))
    st.stop()
first = choices.index(int(asked)) if asked.isdigit() and int(asked) in choices else 0
picked = st.selectbox(tr("review.pick"), choices, index=first, format_func=labels.get, key="review_pick")
sub = s.submission(actor, int(picked))
st.query_params["submission"] = str(sub.id)
versions = s.submissions(actor, region_code=sub.region_code, period=sub.period)
meta = {"filename": sub.filename, "by": sub.uploaded_by, "values": sub.value_count}
st.caption(tr("review.meta", **meta, at=beijing_time(sub.uploaded_at, L)))
upload_files.downloads(user, sub, L, "review")  # values-only copy; the original for admins
if sub.reply:  # the official's answer to the return, beside the diff
    st.info(
        tr("conv.reply_shown", version=sub.version, by=sub.uploaded_by) + "\n\n" + md(sub.reply, lines=True)
    )

tab_values, tab_diff, tab_warn, tab_hist = st.tabs(
    [tr("review.tab_values"), tr("review.tab_diff"), tr("review.tab_warnings"), tr("review.tab_history")]
)
previous = s.values(actor, periods=[sub.period - 1], region_codes=[sub.region_code])
sub_edition = wf.edition(sub.period, sub.region_code)  # the catalogue of the submission's period
sub_values = s.submission_values(actor, sub.id)
tab_values.dataframe(
    views.values_table(sub_values, previous, sub_edition, L),
    hide_index=True,
    key="review_values",
)
tab_values.caption(tr("review.values_caption", previous=sub.period - 1))
origin = s.merged_from(actor, sub.id)  # a partial batch file: compare with the version it completed
base = views.diff_base(versions, sub.version, origin)
if base is None:
    tab_diff.info(tr("review.first_version"))
else:
    diff = s.diff(actor, base[0], sub.id)
    if sub.reply:
        tab_diff.info(tr("conv.reply_beside_diff") + "\n\n" + md(sub.reply, lines=True))
    tab_diff.caption(tr("review.diff_caption", old=base[1], new=sub.version, n=len(diff)))
    if origin is not None:
        tab_diff.info(
            tr("review.merged_from", version=origin.version, kept=origin.kept, from_file=origin.from_file)
        )
    tab_diff.dataframe(views.diff_table(diff, sub_edition, L), hide_index=True, key="review_diff")
recheck = wf.recheck_submission(actor, sub.id)
if recheck.problems:
    show_problems(tab_warn, recheck.problems, L, sub_edition)  # grouped, with indicator names
else:
    tab_warn.success(tr("review.no_warnings"))
decisions = s.reviews(actor, sub.id)
if len(decisions):
    tab_hist.dataframe(views.review_table(decisions, L), hide_index=True, key="review_history")
else:
    tab_hist.info(tr("review.no_decisions"))
tab_hist.markdown(tr("conv.exchange_title"))
conversation.exchange(actor, sub.region_code, sub.period, sub_edition, where=tab_hist)

st.subheader(tr("conv.queries_title"))
queries = conversation.review_queries(actor, sub, sub_values, sub_edition)
still_open = len(queries.loc[queries["status"].astype(str) != "closed"])

decision_form(s, user, sub, versions, still_open, tree, FLASH)  # no default, confirm open queries
