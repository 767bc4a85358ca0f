"""Seed a PostgreSQL database for ``bench/loadtest.py`` (issue 20.6). Fictional data only.

    python bench/loadtest_seed.py national|demo DB_NAME [--rebuild]

* ``national``: the benchmark country of ``bench/pages_national.py`` (31 provinces, about 340
  prefectures, about 2,850 counties, every indicator for 5 years: about 1.6 million values), built
  by that module's ``build`` through the store's ordinary paths, but into PostgreSQL. The database
  is then marked a demo (setting ``demo = 1``) and given the demo sign-in names the load test
  clicks, bound to regions of THIS tree (``demo-national``: the national node; ``demo-province``:
  the largest province; ``demo-990123``: an official of one of its counties). The names are the
  demo's; the scopes are not the demo's regions. Nothing here is real.
* ``demo``: ``python -m assessment demo`` (the fictional province, 20 counties).

The database is created on the server of ``$ASSESSMENT_TEST_PG_URL`` (default
postgresql+psycopg://postgres@127.0.0.1:5432/test) and kept for later runs while its marker says it
is complete (``--rebuild`` drops it first).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import sqlalchemy as sa  # noqa: E402

PG_URL = os.environ.get("ASSESSMENT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARKER_KEY = "bench.loadtest"


def db_url(name: str) -> str:
    return sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _admin() -> sa.Engine:
    return sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})


def create_db(name: str) -> None:
    eng = _admin()
    with eng.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    eng.dispose()


def drop_db(name: str) -> None:
    eng = _admin()
    with eng.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    eng.dispose()


def db_exists(name: str) -> bool:
    eng = _admin()
    with eng.connect() as conn:
        found = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
    eng.dispose()
    return found is not None


def marker(kind: str) -> str:
    if kind == "national":
        import pages_national

        return f"{kind}: {pages_national.MARKER}; demo sign-ins bound to its regions"
    return f"{kind}: python -m assessment demo"


def ready(name: str, kind: str) -> bool:
    from assessment.store.service import Store

    if not db_exists(name):
        return False
    try:
        with Store(db_url(name)) as store:
            return store.setting(MARKER_KEY) == marker(kind)
    except Exception:  # a half-written database: rebuild it
        return False


def seed_demo(url: str) -> None:
    env = {**os.environ, "ASSESSMENT_DB_URL": url}
    subprocess.run([sys.executable, "-m", "assessment", "demo"], cwd=ROOT, env=env, check=True)


def seed_national(url: str, log=print) -> None:  # type: ignore[no-untyped-def]
    """``pages_national.build`` into ``url`` (its SQLite path helpers pointed at ``url``)."""
    import pages_national

    from assessment.store.service import Store

    pages_national._url = lambda _path: url  # type: ignore[assignment]
    pages_national._remove = lambda _path: None  # type: ignore[assignment]
    pages_national.build(Path("unused"), log)
    with Store(url) as store:
        tree = store.region_tree()
        province, _ = pages_national.largest_province(tree)
        county = min(c for c in tree.leaf_codes(province))
        store.set_setting("system", "demo", "1")
        store.add_user("system", "demo-national", "National evaluator (load test)", "evaluator", "000000")
        store.add_user("system", "demo-province", "Provincial evaluator (load test)", "evaluator", province)
        store.add_user("system", "demo-990123", "County official (load test)", "official", county)


def ensure(kind: str, name: str, *, rebuild: bool = False, log=print) -> str:  # type: ignore[no-untyped-def]
    """A seeded database ``name`` of ``kind``; its URL."""
    from assessment.store.service import Store

    url = db_url(name)
    if not rebuild and ready(name, kind):
        log(f"  reusing database {name} ({marker(kind)})")
        return url
    drop_db(name)
    create_db(name)
    t = time.perf_counter()
    if kind == "national":
        seed_national(url, log)
    elif kind == "demo":
        seed_demo(url)
    else:
        raise SystemExit(f"unknown data set {kind!r}: national or demo")
    with Store(url) as store:
        store.set_setting("system", MARKER_KEY, marker(kind))
    log(f"  seeded {kind} into {name} in {time.perf_counter() - t:.0f} s")
    return url


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 2:
        raise SystemExit(__doc__)
    print(ensure(args[0], args[1], rebuild="--rebuild" in sys.argv))
