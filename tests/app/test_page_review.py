"""AppTest of the review page (app_pages/review.py) as the demo evaluators.

Decisions are taken on a copy of the seeded demo database; the read-only tests use the shared one.
The demo leaves three 2024 reports pending (990223, 990325, 990381) and 990123's returned.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from assessment.store import Store
from tests.app.test_page_upload import clear_caches, copy_demo_db, open_page, table, texts

PROVINCE, JIA = "demo-province", "demo-jia"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    clear_caches()
    yield
    clear_caches()


@pytest.fixture
def db_copy(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return copy_demo_db(demo_db_url, tmp_path, monkeypatch)


def _id(url: str, region: str, period: int = 2024) -> int:
    with Store(url) as store:
        return int(store.submissions("system", region_code=region, period=period)["id"].iloc[0])


@pytest.mark.parametrize(
    ("lang", "title", "metric"),
    [
        ("zh", "审核：示例省", "已报送（含待审）"),
        ("en", "Review: Sample Province", "Reported (incl. awaiting review)"),
    ],
)
def test_page_renders_completeness_queue_and_a_submission(
    demo_env: str, lang: str, title: str, metric: str
) -> None:
    at = open_page(PROVINCE, lang, "review.py")
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [title]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[metric] == ("19 / 20" if lang == "zh" else "19 of 20")  # on time and late: one definition
    assert [v.split(" ")[0] for v in metrics.values()] == ["19", "15", "3", "1", "2", "1"]
    queue = table(at, "文件名" if lang == "zh" else "File")
    assert len(queue) == 3
    assert len(at.selectbox(key="review_pick").options) > 3, "the queue, then the period's other versions"
    values = table(at, "上年数值" if lang == "zh" else "Last year")
    assert len(values) == 116  # 2024 is reported on the 2023 edition's template
    assert at.radio(key="review_decision").options == (
        ["通过", "退回修改"] if lang == "zh" else ["Approve", "Return for correction"]
    )


def test_a_prefecture_evaluator_sees_only_its_own_regions(demo_env: str) -> None:
    at = open_page(JIA, "en", "review.py")
    assert not at.exception
    regions = table(at, "Parent region")["Region"].tolist()
    assert len(regions) == 7 and all("(9901" in r for r in regions)
    assert "Nothing to review" in texts(at, "info"), "no Jia City report is pending in the demo"
    picks = at.selectbox(key="review_pick").options
    assert picks and all("(9901" in p for p in picks)


def test_a_shared_link_to_another_jurisdictions_submission_is_refused(demo_env: str) -> None:
    other = _id(demo_env, "990223")  # Yi City: outside Jia City
    at = open_page(JIA, "en", "review.py", query={"submission": str(other)})
    assert not at.exception
    assert f"no submission {other}" in texts(at, "error")
    assert all(f"#{other} " not in p for p in at.selectbox(key="review_pick").options)
    assert "990223" not in " ".join(str(d.value.to_dict()) for d in at.dataframe)


def test_a_shared_link_opens_that_submission(demo_env: str) -> None:
    sub = _id(demo_env, "990323", 2023)
    at = open_page(PROVINCE, "en", "review.py", query={"submission": str(sub)})
    assert at.selectbox(key="review_pick").value == sub
    assert "This version is approved" not in texts(at, "info"), "an approved latest version can be reopened"
    assert at.radio(key="review_decision").options == ["Reopen (withdraw the decision)"]


def test_approve_moves_it_out_of_the_queue(db_copy: str) -> None:
    sub = _id(db_copy, "990381")
    # zh: AppTest formats radio values in the default language when it sends them
    at = open_page(PROVINCE, "zh", "review.py", query={"submission": str(sub)})
    at.radio(key="review_decision").set_value("approve")
    at.button(key="review_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "已处理：#" in texts(at, "success") and "已通过" in texts(at, "success")
    assert len(table(at, "文件名")) == 2
    with Store(db_copy) as store:
        assert store.submission("system", sub).status == "approved"
    assert at.radio(key="review_decision").options == ["重新打开（撤回已作出的决定）"]


def test_return_needs_a_comment_then_records_the_reason(db_copy: str) -> None:
    sub = _id(db_copy, "990325")
    at = open_page(PROVINCE, "zh", "review.py", query={"submission": str(sub)})
    at.radio(key="review_decision").set_value("return").run()
    at.button(key="review_submit").click().run()
    assert "必须填写意见" in texts(at, "error")
    with Store(db_copy) as store:
        assert store.submission("system", sub).status == "submitted", "nothing changed"
    at.selectbox(key="review_reason").select("missing_evidence")
    at.text_area(key="review_comment").input("请补充佐证材料")
    at.button(key="review_submit").click().run()
    assert not at.error, texts(at, "error")
    with Store(db_copy) as store:
        done = store.submission("system", sub)
    assert (done.status, done.reason_code, done.review_comment) == (
        "returned",
        "missing_evidence",
        "请补充佐证材料",
    )
    history = table(at, "意见")
    assert history["原因"].tolist() == ["缺少佐证材料"]
    at.radio(key="review_decision").set_value("reopen")
    at.text_area(key="review_comment").input("误退，重新打开")
    at.button(key="review_submit").click().run()
    with Store(db_copy) as store:
        assert store.submission("system", sub).status == "submitted"


def test_a_second_version_is_shown_against_the_first(db_copy: str) -> None:
    from assessment.catalogue import shipped_schedule
    from assessment.intake.ingest import read_upload
    from assessment.intake.template import build_template

    first = _id(db_copy, "990223")
    with Store(db_copy) as store:
        values = store.submission_values("system", first).assign(region_code="990223", period=2024)
        values.loc[values["indicator_code"] == "S79.1", "value"] = 3.3
        edition, tree = shipped_schedule().for_period(2024), store.region_tree()  # 2024: CN-2023
        data = build_template(edition, tree, "990223", 2024, store.local_standards(), "zh", values)
        result = read_upload(
            data, "990223_2024_v2.xlsx", edition=edition, tree=tree, expected_region="990223"
        )
        second = store.import_upload("demo-990223", data, "990223_2024_v2.xlsx", result).submission_id
    at = open_page(PROVINCE, "en", "review.py", query={"submission": str(second)})
    assert not at.exception, [e.value for e in at.exception]
    diff = table(at, "Old value")
    assert diff[["Change", "New value"]].values.tolist() == [["changed", 3.3]]
    assert diff["Indicator"].iloc[0].startswith("S79.1 ")
    assert "Version 1 -> version 2: 1 indicators" in texts(at, "caption")
    assert all(f"#{first} " not in p for p in at.selectbox(key="review_pick").options), "superseded"


def test_a_partial_batch_is_marked_and_diffed_against_the_version_it_completed(db_copy: str) -> None:
    from assessment.catalogue import shipped_schedule
    from assessment.intake.ingest import read_upload
    from tests.fixtures import batch_csv

    full = _id(db_copy, "990223")  # v1, a full report awaiting review
    with Store(db_copy) as store:
        edition, tree = shipped_schedule().for_period(2024), store.region_tree()  # 2024: CN-2023
        comp = store.completeness("system", 2024).set_index("region_code")
        missing = str(comp.index[comp["status"].isin(["missing", "never_reported"])][0])
        old = store.submission_values("system", full).set_index("indicator_code")
        codes = [ind.code for ind in edition.indicators if ind.code in old.index][:2]
        rows = [["990223", 2024, code, float(old.loc[code, "value"]) + 1, None, None, ""] for code in codes]
        rows += [[missing, 2024, code, float(old.loc[code, "value"]), None, None, ""] for code in codes]
        data = batch_csv(rows)
        result = read_upload(
            data, "dept.csv", edition=edition, tree=tree, local_standards=store.local_standards()
        )
        assert result.ok and result.kind == "batch", [p.message("en") for p in result.errors]
        out = store.import_upload("system", data, "dept.csv", result)
    merged = {i.region_code: i for i in out.items}["990223"]
    assert merged.merged_from is not None and merged.merged_from.id == full
    total = len(edition.indicators)
    for lang, want in PARTIAL_TEXTS.items():
        at = open_page(PROVINCE, lang, "review.py", query={"submission": str(merged.id)})
        assert not at.exception, [e.value for e in at.exception]
        shown = table(at, want["count"])
        shown.index = shown[want["region"]].str.extract(r"\((\d+)\)$")[0]
        assert shown.loc[missing, want["status"]].endswith(want["mark"])
        assert shown.loc[missing, want["count"]] == f"2 / {total}"
        assert want["mark"] not in shown.loc["990223", want["status"]], "merged onto a full version"
        assert shown.loc["990223", want["count"]] == f"{total} / {total}"
        assert want["headline"] in texts(at, "caption")
        diff = table(at, want["old"])
        assert len(diff) == 2 and set(diff[want["change"]]) == {want["changed"]}
        assert want["diff"] in texts(at, "caption")
        assert want["merged"] in texts(at, "info")


PARTIAL_TEXTS = {
    "en": {
        "count": "Indicators (reported / expected)",
        "region": "Region",
        "status": "Reporting",
        "mark": "· ◑ partial",
        "headline": "Of which partial: 1",
        "old": "Old value",
        "change": "Change",
        "changed": "changed",
        "diff": "Version 1 -> version 2: 2 indicators",
        "merged": "Merged from version 1: the other indicators keep their values",
    },
    "zh": {
        "count": "指标数（已报/应报）",
        "region": "地区",
        "status": "报送情况",
        "mark": "· ◑ 部分指标",
        "headline": "其中部分指标报送：1 个地区",
        "old": "原数值",
        "change": "变化",
        "changed": "修改",
        "diff": "第 1 版 → 第 2 版：2 个指标",
        "merged": "沿用第 1 版的数值",
    },
}
