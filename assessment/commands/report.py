"""``report`` and ``export``: the evaluation report, the feedback workbook and tidy exports (issue 8).

    python -m assessment report --jurisdiction 990000 --period 2024 [--lang en] [-o FILE.xlsx]
    python -m assessment report --region 990122 --period 2024 [--lang en] [-o FILE.xlsx]
    python -m assessment export --what scores|equity|trends [--format csv|parquet] -o FILE

Data come from the database (``ASSESSMENT_DB_URL``: approved submissions, the region tree, the
local standards and the submission records for completeness), read as the user given by ``--as``
(default ``system``), or from the fictional demo province with ``--demo``. Without ``-o`` the report
is written to the current folder under a name carrying the region, period and edition id.

Exit codes: 0 written, 1 invalid input (unknown region or period, no data: the message says what
to do, in Chinese and English), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from assessment.domain.errors import DataFileError
from assessment.domain.i18n import LANGS, t
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.reports import (
    EXPORTS,
    FORMATS,
    evaluation_workbook,
    export_frame,
    feedback_workbook,
    suggested_filename,
    tidy_export,
)
from assessment.reports.context import report_problem

__all__ = ["Source", "load_source", "register", "run_export", "run_report"]


@dataclass(frozen=True)
class Source:
    """What a report is made from."""

    values: pd.DataFrame
    edition: Edition
    tree: RegionTree
    standards: tuple[LocalStandard, ...]
    completeness: pd.DataFrame | None
    data_as_of: datetime


def _data_options(parser: argparse.ArgumentParser) -> None:
    src = parser.add_argument_group("data / 数据")
    src.add_argument("--demo", action="store_true", help="use the fictional demo province (no database)")
    src.add_argument("--edition", metavar="ID", help="catalogue edition (default: the current one)")
    src.add_argument(
        "--include-pending", action="store_true", help="include submissions not yet approved (newest version)"
    )
    src.add_argument(
        "--as", dest="actor", metavar="USERNAME", default="system", help="acting user (default system)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the report and export sub-commands."""
    p = subparsers.add_parser(
        "report",
        help="evaluation report or region feedback workbook (xlsx) / 评估报告或地区反馈工作簿",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--jurisdiction", metavar="CODE", help="evaluation report of this jurisdiction")
    target.add_argument("--region", metavar="CODE", help="feedback workbook of this region")
    p.add_argument("--period", type=int, required=True, metavar="YEAR")
    p.add_argument("--lang", choices=LANGS, default="zh", help="language of the workbook (default zh)")
    p.add_argument("-o", "--output", metavar="FILE.xlsx", help="default: a suggested name in this folder")
    _data_options(p)
    p.set_defaults(func=run_report)

    p = subparsers.add_parser(
        "export",
        help="tidy scores, equity or trends (csv/parquet) / 整洁数据导出",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--what", choices=EXPORTS, required=True)
    p.add_argument("--format", choices=FORMATS, default="csv", help="csv (UTF-8 with BOM) or parquet")
    p.add_argument("--jurisdiction", metavar="CODE", help="only the regions under it (default: all)")
    p.add_argument(
        "--period", type=int, action="append", metavar="YEAR", help="repeatable (default: every period)"
    )
    p.add_argument("-o", "--output", metavar="FILE", required=True)
    _data_options(p)
    p.set_defaults(func=run_export)


def _edition(edition_id: str | None) -> Edition:
    """The edition asked for; an unknown id is refused by the loader with the editions available."""
    from assessment import catalogue as standards

    return standards.load_edition(edition_id or standards.DEFAULT_EDITION)


def load_source(
    args: argparse.Namespace, period: int | None = None, jurisdiction: str | None = None
) -> Source:
    """Values, catalogue, tree, local standards and completeness from the demo or the database."""
    edition = _edition(args.edition)
    now = datetime.now(UTC).replace(microsecond=0)
    if args.demo:
        from assessment.demo import demo_local_standards, demo_tree, synthetic_values

        tree = demo_tree()
        stds = tuple(demo_local_standards(edition))
        return Source(synthetic_values(edition, tree), edition, tree, stds, None, now)
    from assessment.store import Store

    with Store() as store:
        tree = store.region_tree()
        if len(tree) == 0:
            raise DataFileError([report_problem("store_empty")])
        scope = jurisdiction or getattr(args, "region", None) or getattr(args, "jurisdiction", None)
        # access lives in the core: exporting needs the export right over the region asked for
        store.authorize(args.actor, "export", scope if scope in tree else tree.root.code)
        stds = tuple(store.local_standards())
        values = store.values(args.actor, include_pending=args.include_pending)
        completeness = None
        if period is not None and jurisdiction is not None and jurisdiction in tree:
            completeness = store.completeness(args.actor, period, jurisdiction=jurisdiction)
    as_of = now
    uploads = completeness["latest_uploaded_at"] if completeness is not None else None
    if uploads is not None and uploads.notna().any():
        as_of = pd.Timestamp(uploads.max()).to_pydatetime()
    return Source(values, edition, tree, stds, completeness, as_of)


def _audit(args: argparse.Namespace, kind: str, code: str | None, details: dict[str, object]) -> None:
    """Every export goes to the audit log with the acting user (not for --demo, which has no store)."""
    if args.demo:
        return
    from assessment.store import Store

    with Store() as store:
        store.audit(args.actor, "export", kind, code or "", details, region_code=code)


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as err:
        detail = (str(err).splitlines() or [type(err).__name__])[0][:200]
        raise DataFileError([report_problem("write_failed", value=path, path=path, detail=detail)]) from None


def run_report(args: argparse.Namespace) -> int:
    """``report --jurisdiction CODE | --region CODE --period YEAR``."""
    code = args.jurisdiction or args.region
    src = load_source(args, args.period, code)
    common = {"period": args.period, "lang": args.lang, "data_as_of": src.data_as_of}
    if args.jurisdiction:
        kind = "evaluation"
        data = evaluation_workbook(
            src.values,
            src.edition,
            src.tree,
            src.standards,
            jurisdiction=code,
            completeness=src.completeness,
            **common,
        )
    else:
        kind = "feedback"
        data = feedback_workbook(src.values, src.edition, src.tree, src.standards, region=code, **common)
    output = args.output or suggested_filename(kind, code, args.period, src.edition.id, args.lang)
    _write(output, data)
    _audit(args, kind, code, {"period": args.period, "lang": args.lang, "file": Path(output).name})
    _done(output, f"reports.cli.kind_{kind}", {}, src.edition.id)
    return 0


def run_export(args: argparse.Namespace) -> int:
    """``export --what scores|equity|trends --format csv|parquet -o FILE``."""
    src = load_source(args)
    frame = export_frame(
        args.what,
        src.values,
        src.edition,
        src.tree,
        src.standards,
        jurisdiction=args.jurisdiction,
        periods=args.period,
    )
    _write(args.output, tidy_export(frame, args.format))
    _audit(args, "export", args.jurisdiction, {"what": args.what, "format": args.format, "rows": len(frame)})
    _done(args.output, "reports.cli.kind_export", {"rows": len(frame)}, src.edition.id)
    return 0


def _done(path: str, kind_key: str, kind_args: dict[str, object], edition: str) -> None:
    """``Wrote FILE (what, edition ...)`` in Chinese and English on stderr."""
    lines = [
        t("reports.cli.written", lang, path=path, kind=t(kind_key, lang, **kind_args), edition=edition)
        for lang in LANGS
    ]
    print(" / ".join(lines), file=sys.stderr)
