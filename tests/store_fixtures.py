"""Fixtures and fakes for the storage tests (imported by tests/test_store*.py, not a conftest).

* ``store_url``: a fresh database per test, once on SQLite (a real file in tmp_path) and once on
  PostgreSQL (a fresh schema on ``$ASSESSMENT_TEST_PG_URL``, dropped afterwards; marked
  ``postgres``; skipped with the reason when no server answers, failed instead when
  ``ASSESSMENT_REQUIRE_PG=1``, as in CI).
* ``store``: a :class:`Store` on that database with a small region tree and three users.
* :class:`FakeUpload` / :func:`upload`: UploadResult-shaped objects with matching file bytes, so the
  store is tested without the real ingest.

Test modules load the fixtures with ``pytest_plugins = ("store_fixtures",)`` and import the helpers
by name. PYTEST_DONT_REWRITE: it holds no asserts, and is imported before pytest registers it.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

import pandas as pd
import pytest
import sqlalchemy as sa

from assessment.domain.errors import Problem
from assessment.domain.model import Aspect, Category, Edition, Indicator, Region, RegionTree, ServiceItem
from assessment.store import Store

PG_URL = os.environ.get("ASSESSMENT_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
OFFICIAL = "official1"
EVALUATOR = "evaluator1"
ADMIN = "admin1"
PERIOD = 2024


@dataclass(frozen=True)
class FakeUpload:
    """Shaped like assessment.intake.ingest.UploadResult."""

    ok: bool
    values: pd.DataFrame
    kind: str = "template"
    region_code: str | None = None
    period: int | None = None
    edition: str = "CN-2021"
    sha256: str = ""
    problems: tuple[Problem, ...] = field(default=())

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity != "error")


def tree() -> RegionTree:
    """A province, two prefectures, six counties (990105 never reports in the demo sense)."""
    regions = [
        Region("990000", "示例省", "Sample Province", "province", None, 5_000_000),
        Region("990100", "甲市", "Jia City", "prefecture", "990000", 2_500_000),
        Region("990200", "乙市", "Yi City", "prefecture", "990000", 2_500_000),
    ]
    regions += [
        Region(f"9901{i:02d}", f"甲{i}县", f"Jia {i}", "county", "990100", 500_000) for i in range(1, 5)
    ]
    regions += [
        Region(f"9902{i:02d}", f"乙{i}县", f"Yi {i}", "county", "990200", 400_000) for i in range(1, 3)
    ]
    return RegionTree(tuple(regions))


def frame(
    rows: Mapping[str, tuple[float | None, float | None, float | None]], region: str, period: int
) -> pd.DataFrame:
    """A tidy values frame from {indicator: (value, numerator, denominator)}."""
    return pd.DataFrame(
        {
            "region_code": [region] * len(rows),
            "period": [period] * len(rows),
            "indicator_code": list(rows),
            "value": [v[0] for v in rows.values()],
            "numerator": [v[1] for v in rows.values()],
            "denominator": [v[2] for v in rows.values()],
            "note": [None] * len(rows),
        }
    )


DEFAULT_ROWS = {"S01.1": (95.0, 950.0, 1000.0), "S02.1": (3.5, None, None), "S03.1": (1.0, None, None)}


def upload(
    region: str = "990101",
    period: int = PERIOD,
    rows: Mapping[str, tuple[float | None, float | None, float | None]] | None = None,
    *,
    salt: str = "",
    ok: bool = True,
) -> tuple[bytes, FakeUpload]:
    """File bytes and a matching fake UploadResult for one region and period."""
    rows = dict(DEFAULT_ROWS if rows is None else rows)
    data = json.dumps(
        {"region": region, "period": period, "rows": rows, "salt": salt}, sort_keys=True
    ).encode()
    problems = (
        ()
        if ok
        else (Problem("ingest.bad", "数值无效", "bad value", file="x.xlsx", sheet="data", cell="G5"),)
    )
    return data, FakeUpload(
        ok=ok,
        values=frame(rows, region, period),
        region_code=region,
        period=period,
        sha256=hashlib.sha256(data).hexdigest(),
        problems=problems,
    )


def batch(frames: list[pd.DataFrame], *, salt: str = "") -> tuple[bytes, FakeUpload]:
    """File bytes and a fake batch UploadResult covering several regions and periods."""
    values = pd.concat(frames, ignore_index=True)
    data = (values.to_csv(index=False) + salt).encode()
    return data, FakeUpload(ok=True, values=values, kind="batch", sha256=hashlib.sha256(data).hexdigest())


def _pg_reachable() -> str | None:
    try:
        eng = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        eng.dispose()
        return None
    except Exception as err:  # any failure means "no server here"
        return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


@pytest.fixture(scope="session")
def pg_admin_engine() -> Iterator[sa.Engine]:
    reason = _pg_reachable()
    if reason:
        msg = f"PostgreSQL not reachable at {PG_URL} ({reason}); set ASSESSMENT_TEST_PG_URL"
        if os.environ.get("ASSESSMENT_REQUIRE_PG") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    eng = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield eng
    eng.dispose()


def pg_schema_url(schema: str) -> str:
    """The test server's URL with ``search_path`` set to ``schema``."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A URL to a fresh, empty database: SQLite file or PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    admin = request.getfixturevalue("pg_admin_engine")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def prepare(store: Store) -> Store:
    """Give a new store the small tree and the test users."""
    store.save_region_tree("system", tree())
    # official1 reports for the whole province (a consolidating statistics office), so the storage
    # tests can upload to any region; the access tests cover officials of one county.
    store.add_user("system", OFFICIAL, "Official", "official", "990000")
    store.add_user("system", EVALUATOR, "Evaluator", "evaluator", "990000")
    store.add_user("system", ADMIN, "Admin", "admin")
    return store


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated store with the small region tree and users official1, evaluator1, admin1."""
    st = prepare(Store(store_url))
    yield st
    st.close()


def count_rows(store: Store) -> dict[str, int]:
    """Row counts of every table (to prove that a refused action stored nothing)."""
    from assessment.store.schema import metadata

    with store.read() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in metadata.tables.items()
        }


def import_in_child(
    url: str, region: str, period: int, salt: str, actor: str = OFFICIAL
) -> tuple[int, int, bool]:
    """Run in a worker process: open the store and import one fake upload. Returns (id, version, created)."""
    with Store(url) as st:
        number = float(int(hashlib.sha256(salt.encode()).hexdigest()[:8], 16))
        data, result = upload(region, period, salt=salt, rows={"S01.1": (number, None, None)})
        out = st.import_upload(actor, data, f"{region}.xlsx", result)
        return out.submission_id, out.version, out.created


def small_edition() -> Edition:
    """A three-indicator edition (S01.1 rate floor 90, S02.1 per-capita floor 3, S03.1 yes/no)."""
    aspect = Aspect("A1", 1, "幼有所育", "Childcare")
    category = Category("C01", "A1", 1, "优孕优生", "Healthy births")
    items = tuple(
        ServiceItem(n, f"S0{n}", "C01", f"项目{n}", f"Item {n}", "", "", "", "", 0.5, "", True, "test")
        for n in (1, 2, 3)
    )
    spec = [("S01.1", "rate", "%", 90.0, 100.0, 50.0), ("S02.1", "per_capita", "per 1,000", 3.0, 5.0, 0.0)]
    indicators = [
        Indicator(
            code, f"S0{i + 1}", code, code, kind, unit, "higher", floor, True, opt, low, 1.0, None, "test"
        )
        for i, (code, kind, unit, floor, opt, low) in enumerate(spec)
    ]
    indicators.append(
        Indicator(
            "S03.1", "S03", "S03.1", "S03.1", "boolean", "", "higher", 1.0, True, 1.0, 0.0, 1.0, None, "t"
        )
    )
    return Edition(
        "CN-2021",
        "测试版",
        "Test edition",
        "2021-03-30",
        "tests",
        (aspect,),
        (category,),
        items,
        tuple(indicators),
    )


_TEMPLATES: dict[tuple[str, int], bytes] = {}


def demo_template(region: str, period: int, change: float = 0.0) -> bytes:
    """A filled demo template (real .xlsx bytes from build_template + synthetic values); cached.

    ``change`` is added to the first rate's numerator, to make a corrected version.
    """
    key = (region, period, change)
    if key not in _TEMPLATES:  # type: ignore[comparison-overlap]
        from assessment.catalogue import load_edition
        from assessment.demo import demo_local_standards, demo_tree, synthetic_values
        from assessment.intake.template import build_template

        edition, tree = load_edition(), demo_tree()
        values = synthetic_values(edition, tree, periods=(period,))
        values = values.loc[values["region_code"] == region].reset_index(drop=True)
        if change:
            first = values["denominator"].notna().idxmax()
            num = values.loc[first, "numerator"] + change
            values.loc[first, "numerator"] = num
            values.loc[first, "value"] = round(100 * num / values.loc[first, "denominator"], 2)
        data = build_template(edition, tree, region, period, demo_local_standards(edition), values=values)
        _TEMPLATES[key] = data  # type: ignore[index]
    return _TEMPLATES[key]  # type: ignore[index]
