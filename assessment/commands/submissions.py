"""``python -m assessment submissions [--region CODE] [--period YEAR] [--status S] [--as USER] [--json]``.

Lists submission versions from the database (``ASSESSMENT_DB_URL``), newest version first per
region and period. ``--json`` prints a list of objects with id, region_code, period, version,
status, sha256, uploaded_by, uploaded_at (ISO 8601, UTC), plus edition, kind, filename, reviewed_by,
reviewed_at, review_comment and reason_code.

Exit codes: 0 ok (an empty list included), 1 invalid input (unknown region or user), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from assessment.commands._common import actor_argument, summarised_parser
from assessment.commands.import_ import default_actor
from assessment.domain.i18n import both
from assessment.store.schema import STATUSES

JSON_FIELDS = (
    "id",
    "region_code",
    "period",
    "version",
    "status",
    "sha256",
    "uploaded_by",
    "uploaded_at",
    "edition",
    "kind",
    "filename",
    "reviewed_by",
    "reviewed_at",
    "review_comment",
    "reason_code",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``submissions`` sub-command."""
    parser = summarised_parser(subparsers, "submissions", "list submission versions / 列出报送版本", __doc__)
    parser.add_argument("--region", metavar="CODE", help="only this region / 仅此地区")
    parser.add_argument("--period", type=int, metavar="YEAR", help="only this period / 仅此报告期")
    parser.add_argument("--status", choices=STATUSES, help="only this status / 仅此状态")
    actor_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON / 以 JSON 输出")
    parser.set_defaults(func=run)


def _iso(value: object) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    return pd.Timestamp(value).isoformat()  # type: ignore[arg-type]


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Submissions as JSON-ready dicts (JSON_FIELDS, times in ISO 8601)."""
    out = []
    for row in frame[list(JSON_FIELDS)].astype(object).to_dict("records"):
        row = {
            k: (None if v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v) for k, v in row.items()
        }
        row["id"], row["period"], row["version"] = int(row["id"]), int(row["period"]), int(row["version"])
        row["uploaded_at"], row["reviewed_at"] = _iso(row["uploaded_at"]), _iso(row["reviewed_at"])
        out.append(row)
    return out


def run(args: argparse.Namespace) -> int:
    from assessment.store import Store

    actor = args.actor or default_actor()
    with Store() as store:
        if args.region is not None:  # unknown, or outside the actor's regions: exit 1
            store.check_region(actor, args.region)
        frame = store.submissions(actor, region_code=args.region, period=args.period, status=args.status)
    if args.json:
        print(json.dumps(records(frame), ensure_ascii=False, indent=2))
    elif frame.empty:
        print(both("store.cli.no_submissions"))
    else:
        cols = ["id", "region_code", "period", "version", "status", "uploaded_by", "uploaded_at", "filename"]
        print(frame[cols].to_string(index=False))
    sys.stdout.flush()
    return 0
