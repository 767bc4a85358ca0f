"""Write the filled sample reports of the demo province into ``sample_reports/`` (deterministic).

    python scripts/make_sample_reports.py [--out sample_reports] [--check]

- ``<region_code>_<period>.xlsx``: the template of every reporting demo county for each demo
  period (2022-2024) in the edition in force for it (CN-2021 for 2022, CN-2023 from 2023), filled
  with :func:`assessment.demo.scheduled_values`;
- ``batch_990200_2024.csv``: the same values of one prefecture's counties for 2024 in the batch /
  tidy format (UTF-8 with BOM, so Excel shows Chinese correctly).

Every timestamp inside the files is fixed (``GENERATED_AT``), so each run writes byte-identical
files; ``--check`` verifies that instead of writing (exit 1 when a file would change). They are
committed as fixtures and demo data: the upload page offers them, tests validate them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assessment.catalogue import shipped_schedule  # noqa: E402
from assessment.demo import DEMO_PERIODS, demo_local_standards, demo_tree, scheduled_values  # noqa: E402
from assessment.intake.template import build_template  # noqa: E402

GENERATED_AT = datetime(2025, 1, 15, 9, 0, 0)
BATCH_PREFECTURE = "990200"
BATCH_PERIOD = 2024


def batch_csv(values: pd.DataFrame, region_codes: list[str], period: int) -> bytes:
    """The tidy values of ``region_codes`` for ``period`` as CSV bytes (UTF-8 with BOM)."""
    v = values[values["region_code"].isin(region_codes) & (values["period"] == period)]
    out = v[["region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"]].copy()
    for col in ("numerator", "denominator"):
        whole = out[col].dropna()
        if (whole % 1 == 0).all():
            out[col] = out[col].astype("Int64")
    text = out.to_csv(index=False, lineterminator="\n")
    return text.encode("utf-8-sig")


def build_all() -> dict[str, bytes]:
    """File name -> bytes of every sample report."""
    schedule = shipped_schedule()
    tree = demo_tree()
    values = scheduled_values(schedule, tree)
    files: dict[str, bytes] = {}
    counties = sorted(values["region_code"].astype(str).unique())
    for code in counties:
        for period in DEMO_PERIODS:
            edition = schedule.for_period(period)
            standards = demo_local_standards(edition)
            data = build_template(
                edition, tree, code, period, standards, values=values, generated_at=GENERATED_AT
            )
            files[f"{code}_{period}.xlsx"] = data
    in_prefecture = [c for c in counties if tree.is_within(c, BATCH_PREFECTURE)]
    files[f"batch_{BATCH_PREFECTURE}_{BATCH_PERIOD}.csv"] = batch_csv(values, in_prefecture, BATCH_PERIOD)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=ROOT / "sample_reports")
    parser.add_argument("--check", action="store_true", help="verify the files instead of writing them")
    args = parser.parse_args(argv)
    files = build_all()
    if args.check:
        missing = [name for name in files if not (args.out / name).exists()]
        changed = [n for n, data in files.items() if n not in missing and (args.out / n).read_bytes() != data]
        for name in missing + changed:
            print(f"out of date: {args.out / name}")
        return 1 if missing or changed else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
