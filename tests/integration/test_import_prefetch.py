"""A batch import reads the rows of the versions it merges onto before its write transaction
(``submissions.prefetch_bases``, issue 20 point 7), so that SQLite's write lock is not held while
they are read; the stored result is the same whichever way the rows came: through the value
snapshots, row by row, partly (a base that appeared after the read ahead is fetched inside), or
not read ahead at all. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import pandas as pd
import pytest

from assessment.store import Store, queries, snapshots, submissions
from tests.fixtures import EVALUATOR, OFFICIAL, batch, frame

COUNTIES = ("990101", "990102", "990103", "990201")


@pytest.mark.parametrize("mode", ["snapshots", "rows", "partial", "none"])
def test_a_batch_merges_the_same_whichever_way_its_bases_are_read(
    store: Store, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    first = [
        frame({"S01.1": (90.0 + i, 900.0, 1000.0), "S02.1": (2.5 * i, None, None)}, c, 2024)
        for i, c in enumerate(COUNTIES)
    ]
    data, result = batch(first)
    for item in store.import_upload(OFFICIAL, data, "first.csv", result).items:
        store.review(EVALUATOR, item.id, "approve")
    if mode == "snapshots":
        monkeypatch.setattr(snapshots, "MIN_SUBMISSIONS", 0)
    real = submissions.prefetch_bases
    read_ahead: list[int] = []

    def prefetch(conn, result, filename):  # type: ignore[no-untyped-def]
        rows = real(conn, result, filename)
        assert rows is not None and set(rows["submission_id"]) == set(range(1, 5))
        if mode == "partial":  # as if the first county's base had been approved after the read ahead
            rows = rows.loc[rows["submission_id"] != rows["submission_id"].min()]
        read_ahead.extend(sorted({int(i) for i in rows["submission_id"]}))
        return None if mode == "none" else rows

    monkeypatch.setattr("assessment.store.service_writes.prefetch_bases", prefetch)
    second = [frame({"S01.1": (50.0 + i, None, None)}, c, 2024) for i, c in enumerate(COUNTIES)]
    data, result = batch(second)
    out = store.import_upload(OFFICIAL, data, "second.csv", result)
    assert read_ahead == ([2, 3, 4] if mode == "partial" else [1, 2, 3, 4])
    assert [(i.region_code, i.version, i.created) for i in out.items] == [(c, 2, True) for c in COUNTIES]
    with store.read() as conn:
        stored = queries.values(conn, include_pending=True)
    got = stored.sort_values(["region_code", "indicator_code"])[
        ["region_code", "indicator_code", "value", "numerator", "denominator"]
    ].reset_index(drop=True)
    want = pd.DataFrame(
        {
            "region_code": [c for c in COUNTIES for _ in range(2)],
            "indicator_code": ["S01.1", "S02.1"] * len(COUNTIES),
            "value": [v for i in range(len(COUNTIES)) for v in (50.0 + i, 2.5 * i)],  # S02.1 kept
            "numerator": [None, None] * len(COUNTIES),
            "denominator": [None, None] * len(COUNTIES),
        }
    )
    assert got["region_code"].astype(str).tolist() == want["region_code"].tolist()
    assert got["indicator_code"].astype(str).tolist() == want["indicator_code"].tolist()
    assert got["value"].tolist() == want["value"].tolist()
    assert got["numerator"].isna().all() and got["denominator"].isna().all()
    audit = store.audit_log(action="submission.import")
    assert len(audit) == 2 * len(COUNTIES)
