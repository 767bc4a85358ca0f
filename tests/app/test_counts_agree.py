"""AppTest: the overview and the review page count reported and approved regions alike (one
definition, assessment/domain/reporting_status.py), and rank columns say where the rank is taken
(issue 16, point 7)."""

from __future__ import annotations

import json

import pytest

from assessment.domain.i18n import t
from tests.fixtures import app_as


def _metrics(at) -> dict[str, str]:  # type: ignore[no-untyped-def]
    assert not at.exception, [e.value for e in at.exception]
    return {m.label: m.value for m in at.metric}


def _headers(at, column: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The header of ``column`` in every table that shows it."""
    out = []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        label = config.get(f"name:{column}", config.get(column, {})).get("label")
        if label:
            out.append(label)
    return out


def _page(account: str, lang: str, page: str, period: int):  # type: ignore[no-untyped-def]
    """``page`` opened at ``?period=`` (no widget rerun: some widgets of these pages format their
    options with the page's language, which AppTest cannot replay in English)."""
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT
    from tests.fixtures import sign_in_browser

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    at.query_params["period"] = str(period)
    sign_in_browser(at, account)
    at.switch_page(str(ROOT / "app_pages" / page))
    return at.run()


@pytest.mark.parametrize(("account", "lang"), [("demo-jia", "zh"), ("demo-province", "en")])
def test_overview_and_review_show_the_same_reported_and_approved(
    demo_env: str, account: str, lang: str
) -> None:
    periods = [
        int(p) for p in app_as(account, lang, page="overview.py").selectbox(key="overview_period").options
    ]
    for period in periods[:2]:
        overview, review = (_page(account, lang, page, period) for page in ("overview.py", "review.py"))
        assert overview.selectbox(key="overview_period").value == review.selectbox(key="review_period").value
        left, right = _metrics(overview), _metrics(review)
        for key in ("reported", "approved"):
            label = t(f"counts.label.{key}", lang)
            assert label in left and label in right, (left, right)
            assert left[label] == right[label], (period, key, left[label], right[label])
        reported, approved = (left[t(f"counts.label.{k}", lang)] for k in ("reported", "approved"))
        assert reported.split()[-1] == approved.split()[-1], "out of the same regions"
        assert int(reported.split()[0]) >= int(approved.split()[0])


def test_a_prefecture_evaluators_rank_is_labelled_rank_in_prefecture(demo_env: str) -> None:
    at = app_as("demo-jia", "zh", page="overview.py")
    assert not at.exception
    assert _headers(at, "rank_in_level") == ["市内排名"]
    province = app_as("demo-province", "en", page="overview.py")
    assert _headers(province, "rank_in_level") == ["Rank in province"]
    compare = app_as("demo-jia", "zh", page="compare.py")
    assert not compare.exception, [e.value for e in compare.exception]
    headers = _headers(compare, "rank_in_level")
    assert headers in ([], ["市内排名"])  # the table appears once regions are chosen
