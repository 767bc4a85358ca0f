"""Parallel writers and killed imports, on SQLite and PostgreSQL.

* 31 imports from 6 processes at once (15 different region-periods, 16 for the same one): none is
  lost, no version number is duplicated, none is skipped.
* A process killed with SIGKILL in the middle of an import (values already inserted, transaction not
  committed) leaves no trace, and the next import works.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from assessment.store import Store
from tests.fixtures import EVALUATOR, OFFICIAL, count_rows, import_in_child, upload

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_parallel_imports_lose_nothing_and_number_versions_without_gaps(store: Store, store_url: str) -> None:
    distinct = [
        (region, period)
        for region in ("990101", "990102", "990103", "990104", "990201")
        for period in (2022, 2023, 2024)
    ]
    same = [("990202", 2024)] * 16
    jobs = [(region, period, f"job-{n}") for n, (region, period) in enumerate(distinct + same)]
    assert len(jobs) >= 30
    with ProcessPoolExecutor(max_workers=6, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [
            pool.submit(import_in_child, store_url, region, period, salt) for region, period, salt in jobs
        ]
        results = [f.result(timeout=300) for f in futures]
    assert all(created for _, _, created in results)
    assert len({sub_id for sub_id, _, _ in results}) == len(jobs)
    listed = store.submissions(EVALUATOR)
    assert len(listed) == len(jobs)
    hot = listed.loc[listed["region_code"] == "990202"]
    assert sorted(hot["version"]) == list(range(1, 17))
    assert hot.loc[hot["version"] == 16, "status"].tolist() == ["submitted"]
    assert (hot["status"] == "superseded").sum() == 15
    cold = listed.loc[listed["region_code"] != "990202"]
    assert set(cold["version"]) == {1} and len(cold) == len(distinct)
    assert len(store.audit_log(action="submission.import")) == len(jobs)


def test_parallel_identical_uploads_make_one_version(store: Store, store_url: str) -> None:
    with ProcessPoolExecutor(max_workers=4, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(import_in_child, store_url, "990101", 2024, "same") for _ in range(8)]
        results = [f.result(timeout=300) for f in futures]
    assert sum(created for _, _, created in results) == 1
    assert {(sub_id, version) for sub_id, version, _ in results} == {(results[0][0], 1)}


KILLED_IMPORT = textwrap.dedent(
    """
    import os, sys, time
    sys.path[:0] = [os.environ["ROOT"]]
    from tests.fixtures import OFFICIAL, upload
    from assessment.store import Store
    from assessment.store import submissions

    def hang(*args, **kwargs):  # the blob, the submission and its values are written by now
        open(os.environ["MARKER"], "w").close()
        time.sleep(120)

    submissions.audit.record = hang
    store = Store(os.environ["URL"])
    data, result = upload("990101", 2024)
    store.import_upload(OFFICIAL, data, "killed.xlsx", result)
    """
)


def test_import_killed_mid_transaction_leaves_the_database_consistent(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    before = count_rows(store)
    marker = tmp_path / "inside-transaction"
    env = {**os.environ, "ROOT": str(ROOT), "MARKER": str(marker), "URL": store_url}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, "the importing process ended before reaching the transaction"
            assert time.monotonic() < deadline, "the importing process never reached the transaction"
            time.sleep(0.05)
        with store.read() as conn:  # the uncommitted rows are invisible to others meanwhile
            assert conn.execute(sa.text("SELECT count(*) FROM submissions")).scalar() == 0
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert count_rows(store) == before
    if store.dialect == "sqlite":
        with store.read() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    data, result = upload("990101", 2024)
    out = store.import_upload(OFFICIAL, data, "retry.xlsx", result)  # the lock died with the process
    assert (out.created, out.version) == (True, 1)
