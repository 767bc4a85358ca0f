"""Demo seeding through the real validator: counts, review queue, late reporters, demo flag."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assessment.demo.seed import PENDING, RETURNED, SAMPLE_DIR, deadline_for, seed_demo
from assessment.store import Store, StoreError
from tests.fixtures import demo_template

REGIONS = ("990102", "990123", "990124", "990222", "990223", "990323")
PERIODS = (2023, 2024)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few sample reports: the repository's own when generated, else made here the same way."""
    folder = tmp_path_factory.mktemp("samples")
    for region in REGIONS:
        for period in PERIODS:
            name = f"{region}_{period}.xlsx"
            if (SAMPLE_DIR / name).exists():
                shutil.copy(SAMPLE_DIR / name, folder / name)
            else:
                (folder / name).write_bytes(demo_template(region, period))
    return folder


def test_seed_demo(store_url: str, samples: Path) -> None:
    with Store(store_url) as store:
        summary = seed_demo(store, sample_dir=samples)
        assert summary.rejected == ()
        assert summary.submissions == len(REGIONS) * len(PERIODS)
        pending = [r for r in REGIONS if r in PENDING]
        assert (summary.pending, summary.returned) == (len(pending), len(RETURNED))
        assert summary.approved == summary.submissions - summary.pending - summary.returned
        assert store.is_demo() and not store.is_empty()
        assert len(store.region_tree()) == 24 and summary.standards == len(store.local_standards()) > 0
        queue = store.review_queue("system")
        assert set(queue["region_code"]) == set(pending) and set(queue["period"]) == {2024}
        returned = store.submissions("system", status="returned").iloc[0]
        assert (returned["region_code"], returned["reason_code"]) == ("990123", "implausible")
        assert store.deadline(2024) == deadline_for(2024)
        done = store.completeness("system", 2024).set_index("region_code")["status"]
        assert (done["990222"], done["990323"], done["990102"]) == ("late", "late", "reported")
        assert done["990224"] == "never_reported"
        assert store.audit_log(action="demo.seed")["actor"].tolist() == ["system"]
        values = store.values("system")
        assert set(values["status"]) == {"approved"}
        # each period on the edition in force for it
        in_force = {2022: "CN-2021", 2023: "CN-2023", 2024: "CN-2023"}
        for period, editions in values.groupby("period")["edition"]:
            assert set(editions.astype(str)) == {in_force[int(period)]}

        with pytest.raises(StoreError) as err:
            seed_demo(store, sample_dir=samples)
        assert err.value.code == "store.demo_not_empty"
        again = seed_demo(store, sample_dir=samples, force=True)
        assert again.submissions == summary.submissions  # identical files are not imported twice
        assert len(store.local_standard_history()) == len(store.local_standards())  # no churn


def test_seed_without_sample_reports_is_refused(store_url: str, tmp_path: Path) -> None:
    with Store(store_url) as store:
        with pytest.raises(StoreError) as err:
            seed_demo(store, sample_dir=tmp_path)
        assert err.value.code == "store.demo_no_samples"
        assert store.is_empty()
