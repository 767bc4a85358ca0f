"""``score``, ``equity``, ``trends`` and ``cost``: the scoring engine on the command line (issue 5 item 6).

Data come from the database (``ASSESSMENT_DB_URL``: approved submissions, the region tree and the
local standards in force), from the demo province with ``--demo`` (synthetic values, no database),
or from a tidy values file with ``--values FILE`` (csv, xlsx or parquet; the tree and local standards
still come from the database, or from the demo with ``--demo``). The file is read and checked exactly
as ``validate`` checks a batch file: any error (unknown indicator or region, negative value, a rate
over 100, numerator over denominator...) refuses it with every problem and its row and nothing is
scored; warnings go to stderr; indicators or regions the file lacks are scored as no data. The file
may be up to 512 MB (``VALUES_MAX_BYTES``: a whole country's values, about a million rows), not the
20 MB limit of a web upload.

Output is csv (default), json (an array of objects) or parquet, to stdout or ``-o FILE``; every row
carries the edition id.

``--as USERNAME`` (default ``system``) reads as that user: only the regions it may see are scored,
and a ``--region``/``--within`` outside them is refused (exit 1) with the message the pages give.

Exit codes: 0 ok, 1 invalid input (unknown region, period or edition, a region outside the acting
user's, unreadable or refused values file: the message says what to do, in Chinese and English),
2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np
import pandas as pd

from assessment.commands._common import actor_argument
from assessment.domain.editions import EditionChooser, EditionSchedule
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.i18n import LANGS, both, t
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.intake.isolation import ParseLimits
from assessment.scoring.aggregation import AGGREGATE_COLUMNS, aggregate
from assessment.scoring.analysis import ScoringInputs
from assessment.scoring.costing import cost_to_close, costed_share_note
from assessment.scoring.equity import equity, sigma_convergence
from assessment.scoring.indicators import MIN_DENOMINATOR, SCORE_COLUMNS, score_indicators
from assessment.scoring.inputs import problem
from assessment.scoring.rollup import rollup_values, scope_regions
from assessment.scoring.stats import INEQUALITY_COLUMNS, INTERVAL_METHODS
from assessment.scoring.trends import trends

# score_indicators' columns less who set the local standard, the relative gaps and the evidence
# against the standard, in the order this output has always had; then the small-numbers flag, the
# cases short and the interval method (issue 19), at the end so that positional readers are safe
_LATER = ("small_numbers", "cases_short", "ci_method")
INDICATOR_COLUMNS = (
    *(
        c
        for c in SCORE_COLUMNS
        if c not in {"local_set_by", "rel_gap_floor", "rel_gap_standard", "evidence_standard", *_LATER}
    ),
    *_LATER,
)
# aggregate()'s columns without parent_code, ranks and coverage in the order this output has always had
LEVEL_COLUMNS = (
    *(
        c
        for c in AGGREGATE_COLUMNS
        if c not in {"parent_code", "coverage", "rank_in_parent", "rank_in_level", "quintile"}
    ),
    "rank_in_parent",
    "quintile",
    "coverage",
    "rank_in_level",
)
EQUITY_OUTPUT = (
    "edition",
    "period",
    "code",
    *(c for c in INEQUALITY_COLUMNS if c not in {"sd", "max_min_ratio", "sd_log"}),
    "n_below_floor",
    "pop_share_below_floor",
    "max_min_ratio",
    "sd_log",
    "population_carried_forward",  # a weighted figure uses a population carried forward from a year before
)
# The size limit of a --values file: a national values file (about a million rows) is well over the
# 20 MB that web uploads keep (intake.ingest.DEFAULT_MAX_BYTES); the command line reads a file the
# user already has, so it allows more. The zip checks of an xlsx (intake.safety) apply unchanged.
VALUES_MAX_BYTES = 512 * 1024 * 1024
# ...and as many rows as such a file holds (several periods of a national batch: the 525,000-row
# limit of an upload, intake.safety.MAX_ROWS, is for one period). The parse runs in this command's
# own process, without the memory and time limits the server needs against hostile uploads: the
# user scores a file of their own on their own machine (issue 15.3).
VALUES_LIMITS = ParseLimits(isolate=False, max_rows=8_000_000)

# --region-level values scored from the reported values as they are (no roll-up), and the level
# score_indicators gets: "county" (the default, as always) is the leaves of the tree, whatever their
# level (counties, or townships where the tree has them); "township" is the townships only (the
# lowest level, so always leaves; a tree without townships is refused with the levels it has).
LEAF_LEVELS: dict[str, str | None] = {"county": None, "township": "township"}


@dataclass(frozen=True)
class Inputs(ScoringInputs):
    """Everything a scoring command needs; ``schedule`` (without ``--edition``) scores each period
    by the edition in force for it, ``edition`` being the newest (for the catalogue's names)."""

    schedule: EditionSchedule | None = None


def _common(parser: argparse.ArgumentParser) -> None:
    src = parser.add_argument_group("data / 数据")
    src.add_argument("--demo", action="store_true", help="use the demo province (synthetic, no database)")
    src.add_argument(
        "--values",
        metavar="FILE",
        help=(
            "tidy values file (csv, xlsx or parquet, up to 512 MB), checked like validate, "
            "instead of the database's"
        ),
    )
    src.add_argument("--edition", metavar="ID", help="catalogue edition (default: the current one)")
    src.add_argument(
        "--include-pending",
        action="store_true",
        help="score the newest pending submissions, not only approved",
    )
    actor_argument(src, default="system")
    out = parser.add_argument_group("output / 输出")
    out.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
    out.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the score, equity, trends and cost sub-commands."""
    p = subparsers.add_parser("score", help="compliance and scores / 达标与得分", description=__doc__)
    p.add_argument("--period", type=int, required=True, metavar="YEAR")
    p.add_argument("--region", metavar="CODE", help="only this region or the regions under it")
    p.add_argument(
        "--level", choices=("indicator", "item", "category", "aspect", "overall"), default="indicator"
    )
    p.add_argument(
        "--region-level",
        choices=("national", "province", "prefecture", "county", "township"),
        default="county",
        help=(
            "county (default): the reporting units, the leaves of the tree (counties, or the townships "
            "of a tree that has them); township: only the townships (refused when the tree has none); "
            "prefecture/province/national: roll the values up to that level"
        ),
    )
    p.add_argument("--confidence", type=float, default=0.95, help="interval level (0.95 or 0.998)")
    p.add_argument(
        "--interval",
        choices=INTERVAL_METHODS,
        default="wilson",
        help="interval of a rate (default wilson); per-capita counts always get exact Poisson / Byar's",
    )
    p.add_argument(
        "--min-denominator",
        type=float,
        default=MIN_DENOMINATOR,
        metavar="N",
        help=f"a denominator under N gives too_few_cases, not clearly_* (default {MIN_DENOMINATOR})",
    )
    _common(p)
    p.set_defaults(func=run_score)

    p = subparsers.add_parser("equity", help="inequality across regions / 均等化程度", description=__doc__)
    p.add_argument("--period", type=int, metavar="YEAR", help="one period (default: every period)")
    p.add_argument("--by", choices=("indicator", "aspect"), default="indicator")
    p.add_argument("--within", metavar="CODE", help="jurisdiction whose regions are compared")
    p.add_argument(
        "--unweighted", action="store_true", help="every region counts once (default: by population)"
    )
    p.add_argument("--convergence", action="store_true", help="sigma-convergence across periods instead")
    _common(p)
    p.set_defaults(func=run_equity)

    p = subparsers.add_parser("trends", help="change, pace and arrows / 趋势", description=__doc__)
    p.add_argument("--region", metavar="CODE")
    p.add_argument("--period", type=int, metavar="YEAR", help="only rows of this period")
    p.add_argument("--target-year", type=int, default=2025, metavar="YEAR")
    _common(p)
    p.set_defaults(func=run_trends)

    p = subparsers.add_parser("cost", help="cost to close the gaps / 补齐差距的成本", description=__doc__)
    p.add_argument("--period", type=int, required=True, metavar="YEAR")
    p.add_argument("--region", metavar="CODE")
    p.add_argument("--against", choices=("standard", "floor"), default="standard")
    _common(p)
    p.set_defaults(func=run_cost)


# -- inputs -------------------------------------------------------------------------------------
def _edition(edition_id: str | None) -> Edition:
    """The edition asked for; an unknown id is refused by the loader with the editions available."""
    from assessment import catalogue as standards

    return standards.load_edition(edition_id or standards.DEFAULT_EDITION)


def _read_values_file(
    path: str, edition: Edition | EditionChooser, tree: RegionTree, standards: Sequence[LocalStandard]
) -> pd.DataFrame:
    """The values of a ``--values`` file, checked exactly as ``validate`` checks a batch file.

    The bytes go through :func:`assessment.intake.ingest.read_upload` (csv, batch xlsx or a
    template; a parquet file is turned into the same csv first, so its row ``n`` is data row
    ``n - 1``). Every error is refused with its row (``DataFileError``: exit 1, nothing scored);
    warnings (a region lacking indicators, implausible values) are printed to stderr and do not
    block. Missing indicators are scored as no data.
    """
    from assessment.intake.ingest import read_upload

    name = Path(path).name
    try:
        data = Path(path).read_bytes()
        if path.lower().endswith(".parquet"):
            data = _parquet_as_csv(data)
    except (OSError, ValueError, ImportError) as err:
        raise DataFileError([_file_problem(path, err)]) from None
    result = read_upload(
        data,
        name,
        edition=edition,
        tree=tree,
        local_standards=standards,
        max_bytes=VALUES_MAX_BYTES,
        limits=VALUES_LIMITS,
    )
    for w in result.warnings:
        print(w.logged(), file=sys.stderr)
    counts = {"rows": len(result.values), "errors": len(result.errors), "warnings": len(result.warnings)}
    print(both("ingest.cli.valid" if result.ok else "ingest.cli.invalid", **counts), file=sys.stderr)
    if not result.ok:
        raise DataFileError(list(result.errors))
    return result.values


def _parquet_as_csv(data: bytes) -> bytes:
    """A parquet table as csv bytes (header in line 1), for the same reading and checks as a csv."""
    import io

    frame = pd.read_parquet(io.BytesIO(data))
    return frame.to_csv(index=False).encode("utf-8")


def _file_problem(path: str, err: Exception) -> Problem:
    detail = (str(err).splitlines() or [type(err).__name__])[0][:200]
    return problem("scoring.bad_values_file", at_value=path, file=path, path=path, detail=detail)


def load_inputs(args: argparse.Namespace) -> Inputs:
    """Values, edition (or the schedule of editions in force), tree and local standards from the
    demo, a file or the database."""
    from assessment.domain.editions import edition_chooser

    fixed = _edition(args.edition) if args.edition else None
    if args.demo:
        from assessment.catalogue import shipped_schedule
        from assessment.demo import demo_local_standards, demo_tree, scheduled_values, synthetic_values

        tree = demo_tree()
        schedule = None if fixed else shipped_schedule()
        edition = fixed or schedule.latest()  # type: ignore[union-attr]
        stds = tuple(demo_local_standards(_edition(None)))
        check = fixed or edition_chooser(schedule, (), tree)  # type: ignore[arg-type]
        if args.values:
            return Inputs(_read_values_file(args.values, check, tree, stds), edition, tree, stds, schedule)
        values = scheduled_values(schedule, tree) if schedule else synthetic_values(edition, tree)
        return Inputs(values, edition, tree, stds, schedule)
    from assessment.store import Store

    with Store() as store:
        tree = store.region_tree()
        asked = _asked_region(args)
        if asked is not None and len(tree):  # unknown or outside the actor's regions: exit 1
            store.check_region(args.actor, asked)
        stds = tuple(store.local_standards())
        schedule = None if fixed else store.edition_schedule()
        values = None if args.values else store.values(args.actor, include_pending=args.include_pending)
    if len(tree) == 0:
        raise DataFileError([problem("scoring.no_periods")])
    edition = fixed or schedule.latest()  # type: ignore[union-attr]
    if values is None:
        check = fixed or edition_chooser(schedule, (), tree)  # type: ignore[arg-type]
        values = _read_values_file(args.values, check, tree, stds)
    return Inputs(values, edition, tree, stds, schedule)


def _asked_region(args: argparse.Namespace) -> str | None:
    """The region a command asks for by name: ``--region`` (score, trends, cost) or ``--within``
    (equity)."""
    return getattr(args, "region", None) or getattr(args, "within", None)


def _available_periods(values: pd.DataFrame) -> list[int]:
    p = pd.to_numeric(values["period"], errors="coerce") if "period" in values else pd.Series(dtype="float64")
    return sorted({int(x) for x in p.dropna()})


def _check_period(values: pd.DataFrame, period: int | None) -> list[int]:
    periods = _available_periods(values)
    if not periods:
        raise DataFileError([problem("scoring.no_periods")])
    if period is not None and period not in periods:
        raise DataFileError(
            [
                problem(
                    "scoring.unknown_period",
                    at_column="period",
                    at_value=str(period),
                    period=period,
                    available=", ".join(map(str, periods)),
                )
            ]
        )
    return periods


def _within(
    frame: pd.DataFrame, tree: RegionTree, region: str | None, level: str | None = None
) -> pd.DataFrame:
    """Rows of ``frame`` for ``region`` itself or the regions under it."""
    if region is None:
        return frame
    inside = set(scope_regions(tree, [region], level)) | {region}
    return frame.loc[frame["region_code"].astype("string").isin(inside)].reset_index(drop=True)


def _scores(
    inp: Inputs,
    periods: Sequence[int],
    region_level: str = "county",
    confidence: float = 0.95,
    interval: str = "wilson",
    min_denominator: float = MIN_DENOMINATOR,
) -> pd.DataFrame:
    """The scores of ``periods``, each period by the edition in force for it (one pass over the
    schedule) unless ``--edition`` fixed one."""
    leaf = region_level in LEAF_LEVELS
    values = inp.values if leaf else rollup_values(inp.values, inp.tree, inp.edition)
    level = LEAF_LEVELS[region_level] if leaf else region_level
    return score_indicators(
        values,
        inp.schedule or inp.edition,
        inp.tree,
        inp.standards,
        periods=periods,
        level=level,
        confidence=confidence,
        interval=interval,
        min_denominator=min_denominator,
    )


# -- output -------------------------------------------------------------------------------------
def write_frame(df: pd.DataFrame, fmt: str, output: str | None, edition: str) -> int:
    """Write ``df`` as csv/json/parquet to ``output`` or stdout; 1 with a message on failure."""
    if fmt == "parquet" and not output:
        print(both("scoring.parquet_needs_file"), file=sys.stderr)
        return 2
    if fmt == "csv":
        text = df.to_csv(index=False)
    elif fmt == "json":
        plain = df.astype(object).where(df.notna(), None)
        records = plain.to_dict(orient="records")
        text = json.dumps(records, ensure_ascii=False, default=_json_default) + "\n"
    if output:
        try:
            if fmt == "parquet":
                out = df.copy()
                for col in out.columns:
                    if isinstance(out[col].dtype, pd.CategoricalDtype):
                        out[col] = out[col].astype("string")
                out.to_parquet(output, index=False)
            else:
                Path(output).write_text(text, encoding="utf-8")
        except OSError as err:
            raise DataFileError([_file_problem(output, err)]) from None
        print(both("scoring.written", rows=len(df), file=output, edition=edition), file=sys.stderr)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return 0


def _json_default(obj: object) -> object:
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return str(obj)


# -- commands -----------------------------------------------------------------------------------
def _bad_option(option: str, value: float, hint: str) -> NoReturn:
    """Refuse an option's value with the bilingual ``scoring.bad_option`` message (exit 1)."""
    raise DataFileError(
        [
            problem(
                "scoring.bad_option",
                at_column=option,
                at_value=str(value),
                option=option,
                value=value,
                hint=hint,
            )
        ]
    )


def run_score(args: argparse.Namespace) -> int:
    """``score --period YEAR [--region CODE] [--level ...]``."""
    if not 0.5 <= args.confidence < 1.0:
        _bad_option("--confidence", args.confidence, "0.95 / 0.998")
    if not (np.isfinite(args.min_denominator) and args.min_denominator >= 1):
        _bad_option("--min-denominator", args.min_denominator, f">= 1 ({MIN_DENOMINATOR})")
    inp = load_inputs(args)
    _check_period(inp.values, args.period)
    level = LEAF_LEVELS.get(args.region_level, args.region_level)
    if args.region is not None:
        scope_regions(inp.tree, [args.region])  # unknown code: clear message, exit 1
    scores = _scores(
        inp,
        [args.period],
        args.region_level,
        confidence=args.confidence,
        interval=args.interval,
        min_denominator=args.min_denominator,
    )
    if args.level == "indicator":
        out = _within(scores, inp.tree, args.region, level).loc[:, list(INDICATOR_COLUMNS)]
    else:
        agg = aggregate(scores, inp.edition, inp.tree)
        agg = agg.loc[agg["level"] == args.level]
        out = _within(agg, inp.tree, args.region, level).loc[:, list(LEVEL_COLUMNS)]
    return write_frame(out, args.format, args.output, inp.edition.id)


def run_equity(args: argparse.Namespace) -> int:
    """``equity --period YEAR [--by indicator|aspect] [--within CODE]``."""
    inp = load_inputs(args)
    periods = _check_period(inp.values, args.period)
    use = periods if (args.convergence or args.period is None) else [args.period]
    scores = _scores(inp, use)
    eq = equity(scores, inp.tree, inp.edition, by=args.by, within=args.within, weighted=not args.unweighted)
    out = sigma_convergence(eq) if args.convergence else eq.loc[:, list(EQUITY_OUTPUT)]
    return write_frame(out, args.format, args.output, inp.edition.id)


def run_trends(args: argparse.Namespace) -> int:
    """``trends [--region CODE] [--period YEAR] [--target-year YEAR]``."""
    inp = load_inputs(args)
    periods = _check_period(inp.values, args.period)
    if args.region is not None:
        scope_regions(inp.tree, [args.region])
    scores = _scores(inp, periods)
    tr = trends(scores, inp.edition, target_year=args.target_year)
    tr = _within(tr, inp.tree, args.region)
    if args.period is not None:
        tr = tr.loc[tr["period"] == args.period].reset_index(drop=True)
    return write_frame(tr, args.format, args.output, inp.edition.id)


def run_cost(args: argparse.Namespace) -> int:
    """``cost --period YEAR [--region CODE] [--against standard|floor]``."""
    inp = load_inputs(args)
    _check_period(inp.values, args.period)
    if args.region is not None:
        scope_regions(inp.tree, [args.region])
    scores = _scores(inp, [args.period])
    costs = _within(cost_to_close(scores, inp.edition, inp.tree, against=args.against), inp.tree, args.region)
    code = write_frame(costs, args.format, args.output, inp.edition.id)
    if code == 0:  # the total and how many gaps it covers, on stderr (stdout stays the table)
        total = costs["cost_total"].sum(min_count=1)
        shown = "–" if pd.isna(total) else f"{float(total):,.0f}"
        lines = [t("costed_share.cli", x, total=shown, note=costed_share_note(costs, x)) for x in LANGS]
        print(" / ".join(lines), file=sys.stderr)
    return code


__all__ = [
    "INDICATOR_COLUMNS",
    "LEVEL_COLUMNS",
    "VALUES_MAX_BYTES",
    "Inputs",
    "load_inputs",
    "register",
    "write_frame",
]
