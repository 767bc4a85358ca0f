"""``report`` and ``export``: the evaluation report, the feedback workbook and tidy exports (issue 8).

    python -m assessment report --jurisdiction 990000 --period 2024 [--lang en] [-o FILE.xlsx]
    python -m assessment report --region 990122 --period 2024 [--lang en] [-o FILE.xlsx]
    python -m assessment report --jurisdiction 990000 --period 2024 --format pdf -o FILE.pdf
    python -m assessment report --region 990122 --period 2024 --format pdf -o LETTER.pdf
    python -m assessment export --what scores|equity|trends [--format csv|parquet] -o FILE

Data come from the database (``ASSESSMENT_DB_URL``: approved submissions, the region tree, the
local standards and the submission records for completeness), read as the user given by ``--as``
(default ``system``), or from the fictional demo province with ``--demo``. Without ``-o`` the report
is written to the current folder under a name carrying the region, period and edition id.
``--format pdf`` prints the evaluation report (``--jurisdiction``) or the feedback letter to the
region (``--region``) as a PDF instead of the workbook (issue 18).

Exit codes: 0 written, 1 invalid input (unknown region or period, no data: the message says what
to do, in Chinese and English), 2 usage.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from assessment.commands._common import actor_argument, documented_parser
from assessment.domain.errors import DataFileError
from assessment.domain.i18n import LANGS, t
from assessment.reports import EXPORTS, FORMATS, tidy_export
from assessment.reports.context import report_problem
from assessment.reports.service import (
    REPORT_FORMATS,
    Source,
    audit_export,
    demo_source,
    export_table,
    report_pdf,
    report_workbook,
    store_source,
)
from assessment.store import Store

__all__ = ["register", "run_export", "run_report"]


def _data_options(parser: argparse.ArgumentParser) -> None:
    src = parser.add_argument_group("data / 数据")
    src.add_argument("--demo", action="store_true", help="use the fictional demo province (no database)")
    src.add_argument(
        "--edition",
        metavar="ID[:rN]",
        help="catalogue edition and revision, e.g. CN-2021:r1 to reproduce an old report "
        "(default: the edition in force for the period, newest revision) / 标准版本及修订",
    )
    src.add_argument(
        "--include-pending", action="store_true", help="include submissions not yet approved (newest version)"
    )
    actor_argument(src, default="system")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the report and export sub-commands."""
    p = documented_parser(
        subparsers,
        "report",
        "evaluation report or region feedback workbook (xlsx) / 评估报告或地区反馈工作簿",
        __doc__,
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--jurisdiction", metavar="CODE", help="evaluation report of this jurisdiction")
    target.add_argument("--region", metavar="CODE", help="feedback workbook of this region")
    p.add_argument("--period", type=int, required=True, metavar="YEAR")
    p.add_argument("--lang", choices=LANGS, default="zh", help="language of the workbook (default zh)")
    p.add_argument(
        "--format",
        choices=REPORT_FORMATS,
        default="xlsx",
        help="xlsx workbook (default) or print-ready pdf (evaluation report / feedback letter) / 工作簿或PDF",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="default: a suggested name in this folder")
    _data_options(p)
    p.set_defaults(func=run_report)

    p = documented_parser(
        subparsers, "export", "tidy scores, equity or trends (csv/parquet) / 整洁数据导出", __doc__
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


@contextmanager
def _source(
    args: argparse.Namespace, code: str | None, period: int | None = None
) -> Iterator[tuple[Source, Store | None]]:
    """The data from the demo (no store) or, as ``--as``, from the database (the store stays open
    for the audit record). See :func:`assessment.reports.service.store_source`."""
    edition_id = args.edition
    if args.demo:
        yield demo_source((edition_id or "").partition(":")[0] or None, period), None
        return
    with Store() as store:
        if code is not None and len(store.region_tree()):  # unknown, or not the actor's: exit 1
            store.check_region(args.actor, code, "export")
        src = store_source(
            store,
            args.actor,
            code,
            period=period,
            include_pending=args.include_pending,
            edition_id=edition_id,
        )
        yield src, store


def _write(path: str, data: bytes) -> None:
    try:
        Path(path).write_bytes(data)
    except OSError as err:
        detail = (str(err).splitlines() or [type(err).__name__])[0][:200]
        raise DataFileError([report_problem("write_failed", value=path, path=path, detail=detail)]) from None


def run_report(args: argparse.Namespace) -> int:
    """``report --jurisdiction CODE | --region CODE --period YEAR``."""
    kind = "evaluation" if args.jurisdiction else "feedback"
    code = args.jurisdiction or args.region
    pdf = getattr(args, "format", "xlsx") == "pdf"
    with _source(args, code, args.period) as (src, store):
        if pdf:
            boundaries, fictional = _print_context(store)
            name, data = report_pdf(
                kind, src, code, args.period, args.lang, boundaries=boundaries, fictional=fictional
            )
        else:
            name, data = report_workbook(kind, src, code, args.period, args.lang)
        output = args.output or name
        _write(output, data)
        if store is not None:  # every export is audited with the acting user (--demo has no store)
            details: dict[str, object] = {"period": args.period, "lang": args.lang, "file": Path(output).name}
            if pdf:
                details["format"] = "pdf"
            audit_export(store, args.actor, kind, code, details)
    _done(output, f"reports.cli.kind_{kind}{'_pdf' if pdf else ''}", {}, src.edition.label)
    return 0


def _print_context(store: Store | None) -> tuple[dict, bool]:
    """The map boundaries and the "fictional data" mark of a printed report: the database's, or
    the demo province's (``--demo``, always fictional)."""
    if store is None:
        from assessment.demo import demo_boundaries

        features = demo_boundaries()["features"]
        return {f["properties"]["code"]: f["geometry"] for f in features}, True
    return store.boundaries(), store.is_demo()


def run_export(args: argparse.Namespace) -> int:
    """``export --what scores|equity|trends --format csv|parquet -o FILE``."""
    with _source(args, args.jurisdiction) as (src, store):
        frame = export_table(args.what, src, args.jurisdiction, args.period)
        _write(args.output, tidy_export(frame, args.format))
        if store is not None:
            details = {"what": args.what, "format": args.format, "rows": len(frame)}
            audit_export(store, args.actor, "export", args.jurisdiction, details)
    _done(args.output, "reports.cli.kind_export", {"rows": len(frame)}, src.edition.label)
    return 0


def _done(path: str, kind_key: str, kind_args: dict[str, object], edition: str) -> None:
    """``Wrote FILE (what, edition ...)`` in Chinese and English on stderr."""
    lines = [
        t("reports.cli.written", lang, path=path, kind=t(kind_key, lang, **kind_args), edition=edition)
        for lang in LANGS
    ]
    print(" / ".join(lines), file=sys.stderr)
