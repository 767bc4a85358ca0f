"""``python -m assessment actions list|export [--jurisdiction CODE] [--period YEAR] --as USERNAME``.

Lists or exports the corrective actions (issue 17) the acting user sees: the officials of a region
its own, the evaluators of a jurisdiction those under it; nobody else sees any. Each action with
its region and indicator (code and name), the gap, the plan (measures, department, budget, due
period, status), the evaluator's review and what the approved figures say of it as of the newest
period with data (outcome: open, closed by the data, escalated, awaiting data, reopened, dropped).

    python -m assessment actions list --as demo-jia [--jurisdiction 990100] [--period 2023] [--json]
    python -m assessment actions export --as demo-jia --format csv|json|parquet [-o FILE]

``--jurisdiction`` defaults to the user's own region; ``--period`` keeps the gaps of that period.
``export`` writes csv (UTF-8 with BOM, formula-leading text neutralised), json (a list of objects)
or parquet to ``-o FILE`` (csv and json may go to standard output without it); it is recorded in
the audit log.

Exit codes: 0 done, 1 refused (unknown user or region, a region outside the user's, a file that
cannot be written: the message says what to do, in Chinese and English), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

from assessment.commands._common import actor_argument, documented_parser, usage
from assessment.domain.i18n import LANGS, t

__all__ = ["FORMATS", "register"]

FORMATS = ("csv", "json", "parquet")
LIST_COLUMNS = (
    "id",
    "region_code",
    "region_name",
    "period",
    "indicator_code",
    "indicator_name",
    "gap_kind",
    "status",
    "review",
    "due_period",
    "outcome",
    "closed_in",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``actions`` sub-command with ``list`` and ``export``."""
    parser = documented_parser(subparsers, "actions", "corrective actions: list, export / 整改措施", __doc__)
    sub = parser.add_subparsers(dest="actions_command", metavar="list|export")
    for name, help_text in (("list", "list the actions / 列出整改措施"), ("export", "export / 导出")):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--jurisdiction", metavar="CODE", help="regions under it (default: your own) / 地区")
        p.add_argument("--period", type=int, metavar="YEAR", help="only the gaps of this period / 差距年度")
        p.add_argument("--lang", choices=LANGS, default="zh", help="language of the names (default zh)")
        actor_argument(p, required=True)
        if name == "list":
            p.add_argument("--json", action="store_true", help="print JSON / 以 JSON 输出")
            p.set_defaults(func=run_list)
        else:
            p.add_argument(
                "--format", choices=FORMATS, default="csv", help="csv (UTF-8 with BOM), json, parquet"
            )
            p.add_argument("-o", "--output", metavar="FILE", help="default: standard output (csv, json)")
            p.set_defaults(func=run_export)
    parser.set_defaults(func=usage(parser))


def _table(args: argparse.Namespace) -> pd.DataFrame:
    from assessment.accountability.export import actions_table
    from assessment.store import Store

    with Store() as store:
        if args.jurisdiction is not None:  # unknown, or outside the actor's regions: exit 1
            store.check_region(args.actor, args.jurisdiction)
        frame = actions_table(store, args.actor, args.jurisdiction, args.period, args.lang)
        if getattr(args, "format", None):
            details = {"what": "actions", "format": args.format, "rows": len(frame), "period": args.period}
            store.audit(args.actor, "export", "actions", args.jurisdiction or "", details)
    return frame


def records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as JSON-ready dicts (missing values null, times ISO 8601)."""
    text = frame.to_json(orient="records", date_format="iso", force_ascii=False)
    out: list[dict[str, object]] = json.loads(text)
    return out


def run_list(args: argparse.Namespace) -> int:
    frame = _table(args)
    if args.json:
        print(json.dumps(records(frame), ensure_ascii=False, indent=2))
        return 0
    if frame.empty:
        print(t("actions_sheet.cli.none", args.lang))
        return 0
    shown = frame[list(LIST_COLUMNS)].copy()
    for key, prefix in (
        ("gap_kind", "actions.gap"),
        ("status", "actions.status"),
        ("review", "actions.review"),
        ("outcome", "actions.outcome"),
    ):
        shown[key] = [t(f"{prefix}.{v}", args.lang) for v in shown[key].astype(str)]
    shown = shown.astype(object).where(shown.notna(), "—")
    shown.columns = [t(f"actions_sheet.cli.col.{c}", args.lang) for c in LIST_COLUMNS]
    print(shown.to_string(index=False))
    print(t("actions_sheet.cli.count", args.lang, count=len(frame), as_of=int(frame["as_of"].iloc[0])))
    return 0


def run_export(args: argparse.Namespace) -> int:
    from assessment.reports.context import report_problem
    from assessment.reports.tidy import tidy_export

    frame = _table(args)
    if args.format == "json":
        data = (json.dumps(_neutral(records(frame)), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    else:
        data = tidy_export(frame, args.format)
    if args.output is None:
        if args.format == "parquet":
            print(
                t("actions_sheet.cli.parquet_needs_file", "zh")
                + " / "
                + t("actions_sheet.cli.parquet_needs_file", "en"),
                file=sys.stderr,
            )
            return 2
        sys.stdout.buffer.write(data)
        return 0
    try:
        Path(args.output).write_bytes(data)
    except OSError as err:
        from assessment.domain.errors import DataFileError

        detail = (str(err).splitlines() or [type(err).__name__])[0][:200]
        raise DataFileError(
            [report_problem("write_failed", value=args.output, path=args.output, detail=detail)]
        ) from None
    print(
        " / ".join(t("actions_sheet.cli.written", lang, path=args.output, rows=len(frame)) for lang in LANGS),
        file=sys.stderr,
    )
    return 0


def _neutral(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    """Text beginning with = + - @, TAB or CR gets an apostrophe (a spreadsheet opening the JSON
    export must not run it), as in the csv export."""
    from assessment.reports.workbook import safe_text

    return [{k: safe_text(v) if isinstance(v, str) else v for k, v in row.items()} for row in rows]
