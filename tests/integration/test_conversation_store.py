"""The reporting round as a conversation (issue 16, points 1 and 4), on SQLite and PostgreSQL:
the official's reply stored with the new version, the exchange in time order, value queries raised,
answered, corrected and closed, who may do what, and bad input that stores nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assessment.domain.errors import DataFileError
from assessment.store import Store
from tests.fixtures import ADMIN, EVALUATOR, OFFICIAL, PERIOD, upload

T0 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
COUNTY, OTHER = "990101", "990201"


def _at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def _send(
    store: Store,
    salt: str,
    rows: dict | None = None,
    *,
    at: int = 0,
    reply: str | None = None,
    actor: str = OFFICIAL,
) -> int:
    data, result = upload(COUNTY, rows=rows, salt=salt)
    return store.import_upload(actor, data, f"{salt}.xlsx", result, now=_at(at), reply=reply).submission_id


def _people(store: Store) -> None:
    store.add_user("system", "off101", "County official", "official", COUNTY)
    store.add_user("system", "off201", "Other official", "official", OTHER)
    store.add_user("system", "ev200", "Yi evaluator", "evaluator", "990200")


def _audit(store: Store, action: str) -> list[dict]:
    log = store.audit_log()
    return log.loc[log["action"] == action].to_dict("records")


def _refused(fn, *args, **kw) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(DataFileError) as err:
        fn(*args, **kw)
    zh, en = err.value.messages("zh"), err.value.messages("en")
    assert zh and en and zh != en
    return en if isinstance(en, str) else "\n".join(en)


def test_the_reply_is_stored_with_the_new_version_and_the_exchange_is_in_time_order(store: Store) -> None:
    first = _send(store, "v1", at=0)
    store.review(
        EVALUATOR,
        first,
        "return",
        "S02.1 由上年 71.55% 降至 3.5%，请核实" + "。" * 300,
        "implausible",
        now=_at(10),
    )
    reply = "已核实：<b>S02.1</b> 填错单位，已更正。[link](javascript:alert(1))"
    second = _send(
        store,
        "v2",
        {"S01.1": (95.0, 950.0, 1000.0), "S02.1": (70.0, None, None)},
        at=20,
        reply="  " + reply + "\n",
    )
    assert store.submission(EVALUATOR, second).reply == reply, "stored as typed (stripped), markup and all"
    assert store.submission(EVALUATOR, first).reply is None
    query = store.raise_query(EVALUATOR, second, "S01.1", "分子分母是否为同一口径？", now=_at(30))
    store.answer_query(OFFICIAL, query, "是同一口径。", now=_at(40))
    store.review(EVALUATOR, second, "approve", now=_at(50))
    store.close_query(EVALUATOR, query, "已核实", now=_at(55))
    ex = store.exchange(OFFICIAL, COUNTY, PERIOD)
    assert ex["kind"].tolist() == [
        "upload",
        "return",
        "upload",
        "query_raise",
        "query_answer",
        "approve",
        "query_close",
    ]
    assert ex["version"].tolist() == [1, 1, 2, 2, 2, 2, 2]
    assert ex["text"].iloc[1].endswith("。" * 300), "the full comment, not cut off"
    assert ex["reason_code"].iloc[1] == "implausible"
    assert ex["text"].iloc[2] == reply
    assert ex["at"].is_monotonic_increasing
    imported = _audit(store, "submission.import")[-1]
    assert imported["details"]["reply"] == reply
    for action in ("submission.return", "submission.approve"):
        assert _audit(store, action)[0]["details"]["period"] == PERIOD
    # an administrator sees the returns and replies, not the queries
    assert "query_raise" not in set(store.exchange(ADMIN, COUNTY, PERIOD)["kind"])


def test_a_reply_too_long_is_refused_and_nothing_is_stored(store: Store) -> None:
    first = _send(store, "v1")
    store.review(EVALUATOR, first, "return", "请更正", now=_at(10))
    assert "too long" in _refused(_send, store, "v2", {"S01.1": (1.0, None, None)}, reply="字" * 2001)
    assert len(store.submissions(EVALUATOR, region_code=COUNTY)) == 1
    assert not _audit(store, "submission.import")[1:]


def test_a_query_is_raised_answered_corrected_and_closed_with_audit_events(store: Store) -> None:
    _people(store)
    first = _send(store, "v1", actor="off101")
    query = store.raise_query(EVALUATOR, first, "S02.1", "3.5 是否有误？", now=_at(5))
    open_ = store.value_queries(EVALUATOR, period=PERIOD, status="open")
    assert open_["id"].tolist() == [query]
    row = open_.iloc[0]
    assert (row["region_code"], row["indicator_code"], row["submission_id"], row["raised_by"]) == (
        COUNTY,
        "S02.1",
        first,
        EVALUATOR,
    )
    assert pd_na(row["corrected_in"])
    seen = store.value_queries("off101")
    assert seen["id"].tolist() == [query] and seen["question"].iloc[0] == "3.5 是否有误？"
    store.answer_query("off101", query, "系录入错误，将在新版本中更正。", now=_at(10))
    assert store.value_queries(EVALUATOR, status="answered")["answer"].tolist() == [
        "系录入错误，将在新版本中更正。"
    ]
    # a new version that keeps the value does not count as a correction; one that changes it does
    second = _send(store, "v2", {**_default(), "S01.1": (96.0, 960.0, 1000.0)}, actor="off101", at=20)
    assert pd_na(store.value_queries(EVALUATOR)["corrected_in"].iloc[0])
    _send(store, "v3", {**_default(), "S02.1": (35.0, None, None)}, actor="off101", at=30)
    assert store.value_queries("off101")["corrected_in"].iloc[0] == 3
    assert second
    store.close_query(EVALUATOR, query, "已更正", now=_at(40))
    done = store.value_queries(EVALUATOR).iloc[0]
    assert (done["status"], done["closed_by"], done["closing_note"]) == ("closed", EVALUATOR, "已更正")
    for action in ("query.raise", "query.answer", "query.close"):
        (event,) = _audit(store, action)
        assert event["object_type"] == "query" and event["object_id"] == str(query)
        assert event["region_code"] == COUNTY
        assert {k: event["details"][k] for k in ("period", "indicator_code", "submission_id")} == {
            "period": PERIOD,
            "indicator_code": "S02.1",
            "submission_id": first,
        }
    assert "closed" in _refused(store.answer_query, "off101", query, "再答复")
    assert "closed" in _refused(store.close_query, EVALUATOR, query)


def _default() -> dict:
    return {"S01.1": (95.0, 950.0, 1000.0), "S02.1": (3.5, None, None), "S03.1": (1.0, None, None)}


def pd_na(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def test_who_may_raise_answer_close_and_see_queries(store: Store) -> None:
    _people(store)
    sub = _send(store, "v1", actor="off101")
    # an official cannot raise; an evaluator of another prefecture does not see the submission
    assert "review" in _refused(store.raise_query, "off101", sub, "S02.1", "?")
    assert f"no submission {sub}" in _refused(store.raise_query, "ev200", sub, "S02.1", "?")
    query = store.raise_query(EVALUATOR, sub, "S02.1", "请说明")
    # answering is for the region's official; closing for its evaluators
    assert "official" in _refused(store.answer_query, EVALUATOR, query, "我来答")
    assert f"no query {query}" in _refused(store.answer_query, "off201", query, "我来答")
    assert f"no query {query}" in _refused(store.close_query, "ev200", query)
    assert "evaluator" in _refused(store.close_query, "off101", query)
    # nobody else sees it
    assert store.value_queries("off201").empty and store.value_queries("ev200").empty
    assert store.value_queries(ADMIN).empty
    assert _refused(store.value_queries, "off201", region_code=COUNTY)
    assert _refused(store.value_queries, "ev200", region_code=COUNTY)
    assert store.value_queries("off101", region_code=COUNTY)["id"].tolist() == [query]
    assert len(_audit(store, "query.raise")) == 1 and not _audit(store, "query.answer")
    assert not _audit(store, "query.close")


def test_bad_input_is_refused_and_stores_nothing(store: Store) -> None:
    _people(store)
    sub = _send(store, "v1", actor="off101")
    assert "S99.9" in _refused(store.raise_query, EVALUATOR, sub, "S99.9", "这个指标？")
    assert "question" in _refused(store.raise_query, EVALUATOR, sub, "S02.1", "   ")
    assert "too long" in _refused(store.raise_query, EVALUATOR, sub, "S02.1", "问" * 2001)
    assert "no submission 9999" in _refused(store.raise_query, EVALUATOR, 9999, "S02.1", "?")
    assert store.value_queries(EVALUATOR).empty and not _audit(store, "query.raise")
    query = store.raise_query(EVALUATOR, sub, "S02.1", "请说明")
    assert "answer" in _refused(store.answer_query, "off101", query, "")
    assert "no query 12345" in _refused(store.answer_query, "off101", 12345, "答复")
    assert store.value_queries(EVALUATOR)["status"].tolist() == ["open"]
    assert not _audit(store, "query.answer")
    _send(store, "v2", {"S01.1": (1.0, None, None)}, actor="off101")
    assert "superseded" in _refused(store.raise_query, EVALUATOR, sub, "S02.1", "旧版本？")
    assert len(store.value_queries(EVALUATOR)) == 1


def test_the_import_command_takes_a_reply(
    store_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from assessment.catalogue import load_edition
    from assessment.cli import main
    from assessment.demo import demo_local_standards, demo_tree
    from tests.integration.test_store_cli import REGION, _file

    monkeypatch.setenv("ASSESSMENT_DB_URL", store_url)
    with Store(store_url) as store:
        store.save_region_tree("system", demo_tree())
        edition = load_edition()
        for std in demo_local_standards(edition):
            store.set_local_standard("system", std, edition)
        store.add_user("system", "wang", "王", "official", REGION)
        store.add_user("system", "li", "李", "evaluator", "990000")
    assert main(["import", str(_file(tmp_path)), "--as", "wang"]) == 0
    with Store(store_url) as store:
        first = int(store.submissions("li", region_code=REGION)["id"].iloc[0])
        store.review("li", first, "return", "请核实")
    reply = "已核实并更正。"
    assert main(["import", str(_file(tmp_path, change=3)), "--as", "wang", "--reply", reply]) == 0
    capsys.readouterr()
    with Store(store_url) as store:
        latest = store.submissions("li", region_code=REGION)
        assert store.submission("li", int(latest["id"].iloc[0])).reply == reply
