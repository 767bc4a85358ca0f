"""Read an uploaded template or batch file into tidy values, defensively (issue 3 items 2 and 3).

:func:`read_upload` takes the bytes and returns an :class:`UploadResult`; it never raises on bad
input. The steps, each refusing with Problems (codes in :mod:`assessment.intake.upload_problems`):

1. :mod:`assessment.intake.safety` looks at the container (size, encryption, macros, zip and XML bombs);
2. :mod:`assessment.intake.upload_tables` reads the cells with python-calamine (or pandas for csv);
3. the template's hidden metadata is checked (template version, edition, region, period);
4. :mod:`assessment.intake.validation` applies the row rules; :mod:`assessment.intake.plausibility` adds the
   warnings (implausible change, peer outlier, bunching at the standard, denominators over the
   population, rates typed as fractions).

``values`` is filled only when there is no error, so nothing half-valid can be stored.

>>> from assessment.intake.ingest import read_upload  # doctest: +SKIP
>>> result = read_upload(data, "990101_2024.xlsx", edition=edition, tree=tree)  # doctest: +SKIP
>>> result.ok, [p.code for p in result.errors]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import python_calamine as pc

from assessment.domain.editions import EditionChooser
from assessment.domain.errors import Problem
from assessment.domain.model import VALUE_COLUMNS, Edition, LocalStandard, RegionTree
from assessment.intake import upload_problems
from assessment.intake.isolation import MEMORY, ParseLimits, run_limited
from assessment.intake.peer_stats import PeerSource
from assessment.intake.plausibility import plausibility_warnings
from assessment.intake.safety import ZIP_ERRORS, count_csv_rows, count_rows, inspect_upload
from assessment.intake.upload_problems import cap_problems, make_problem
from assessment.intake.upload_tables import batch_csv_table, batch_xlsx_table, template_table
from assessment.intake.validation import Context, RawTable, check_rows
from assessment.intake.workbook_layout import DATA_SHEET, TEMPLATE_VERSION
from assessment.intake.xlsx_reader import open_workbook, sheets

log = logging.getLogger(__name__)


# What reading a damaged workbook can raise (defusedxml's refusals are ValueErrors; ElementTree's
# ParseError is a SyntaxError). Anything else is a bug and becomes E_UNREADABLE.
READ_ERRORS = (pc.CalamineError, KeyError, IndexError, SyntaxError, *ZIP_ERRORS)
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def empty_values() -> pd.DataFrame:
    """A tidy values frame with no rows and the right dtypes."""
    return pd.DataFrame(
        {
            "region_code": pd.Series(dtype=str),
            "period": pd.Series(dtype="int64"),
            "indicator_code": pd.Series(dtype=str),
            "value": pd.Series(dtype="float64"),
            "numerator": pd.Series(dtype="float64"),
            "denominator": pd.Series(dtype="float64"),
            "note": pd.Series(dtype=str),
        }
    )


@dataclass(frozen=True)
class UploadResult:
    """The verdict on one upload: problems (errors block, warnings do not) and the tidy values."""

    ok: bool
    problems: tuple[Problem, ...]
    values: pd.DataFrame
    kind: str  # "template" | "batch"
    region_code: str | None
    period: int | None
    edition: str
    sha256: str

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")


def _binding(
    local_standards: Sequence[LocalStandard], tree: RegionTree, edition: Edition, periods: list[int]
) -> pd.DataFrame:
    cols = ["region_code", "period", "indicator_code", "local_standard"]
    if not local_standards or not periods:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols}).astype({"period": "Int64"})
    from assessment.catalogue.local_standards import binding_standards

    frames = [binding_standards(local_standards, tree, edition, p).assign(period=p) for p in periods]
    out = pd.concat(frames, ignore_index=True)[cols]
    out = out[out["local_standard"].notna()]
    return out.astype({"region_code": str, "indicator_code": str, "period": "Int64", "local_standard": float})


def _meta_problems(
    raw: RawTable,
    edition: Edition,
    tree: RegionTree,
    ctx_region: str | None,
    ctx_period: int | None,
    filename: str,
) -> tuple[list[Problem], bool]:
    """Problems of a template's metadata, and whether reading should stop here."""
    meta = raw.meta

    def at_title(code: str, value: str, **fill: str) -> Problem:  # the title cell names region and period
        return make_problem(code, file=filename, sheet=DATA_SHEET, cell="A1", row=1, value=value, **fill)

    version = meta.get("template_version", "")
    if version != TEMPLATE_VERSION:
        return [at_title("E_TEMPLATE_VERSION", version, expected=TEMPLATE_VERSION)], True
    found = meta.get("edition", "")
    if found != edition.id:
        return [at_title("E_WRONG_EDITION", found, expected=edition.id)], True
    out: list[Problem] = []
    region = meta.get("region_code", "")
    if region not in tree:
        out.append(at_title("E_UNKNOWN_REGION", region))
    elif ctx_region and not tree.is_within(region, ctx_region):
        out.append(at_title("E_WRONG_REGION", region, expected=ctx_region))
    period = meta.get("period", "")
    if not period.isdigit():
        out.append(at_title("E_BAD_PERIOD", period))
    elif ctx_period is not None and int(period) != ctx_period:
        out.append(at_title("E_WRONG_PERIOD", period, expected=str(ctx_period)))
    return out, False


def _batch_edition(raw: RawTable, edition: Edition, filename: str) -> list[Problem]:
    """An optional ``edition`` column of a batch file must name the edition in force."""
    if "edition" not in raw.letters:  # no such column: its cells are all blank
        return []
    col = raw.frame["edition"].astype(object)
    text = col.where(col.notna(), "").astype(str).str.strip()
    wrong = (text != "") & (text != edition.id)
    if not wrong.any():
        return []
    first = raw.frame.loc[wrong].drop_duplicates("edition")
    letter = raw.letters.get("edition", "")
    return [
        make_problem(
            "E_WRONG_EDITION",
            file=filename,
            sheet=raw.sheet,
            cell=f"{letter}{row}",
            row=int(row),
            column="edition",
            value=str(val),
            expected=edition.id,
        )
        for val, row in first[["edition", "row"]].itertuples(index=False)
    ]


def _sort_key(p: Problem) -> tuple:
    return (p.row is not None, p.row or 0, len(p.cell.rstrip("0123456789")), p.cell)


def _read_table(
    data: bytes, filename: str, kind: str, markers: Mapping[str, frozenset[bytes]] | None = None
) -> tuple[RawTable | None, list[Problem]]:
    if kind == "csv":
        return batch_csv_table(data, filename)
    try:
        wb = open_workbook(data)
    except pc.PasswordError:
        return None, [make_problem("E_ENCRYPTED", file=filename)]
    except Exception:  # calamine's Zip/Xml errors and anything else from a damaged file
        return None, [make_problem("E_CORRUPT", file=filename)]
    try:
        if DATA_SHEET in [s.name for s in sheets(wb)]:
            return template_table(wb, data, filename)
        return batch_xlsx_table(wb, data, filename, markers)
    except READ_ERRORS:  # a damaged part that calamine or the XML scan could not read
        return None, [make_problem("E_CORRUPT", file=filename)]
    finally:
        wb.close()


def parse_table(
    data: bytes,
    filename: str,
    kind: str,
    max_rows: int,
    counted: tuple[tuple[str, tuple[int, ...]], ...] = (),
    markers: tuple[tuple[str, frozenset[bytes]], ...] = (),
) -> tuple[RawTable | None, list[Problem]]:
    """The cells of an upload that passed the safety inspection: the part that runs in the child
    process (:mod:`assessment.intake.isolation`). Rows are counted first while streaming (the
    sheets' declared dimensions may lie; ``counted``: as the inspection counted them), then the
    file is parsed. ``markers``: the cell markers it saw in each sheet part
    (``Inspection.cell_markers``)."""
    if kind == "csv":
        too_many = count_csv_rows(data, filename, max_rows)
    else:
        try:
            too_many = count_rows(data, filename, max_rows, counted)
        except ZIP_ERRORS:
            return None, [make_problem("E_CORRUPT", file=filename)]
    if too_many is not None:
        return None, [too_many]
    return _read_table(data, filename, kind, dict(markers) or None)


def inspect_and_parse(
    data: bytes, filename: str, max_bytes: int, max_rows: int
) -> tuple[str | None, RawTable | None, list[Problem]]:
    """The safety inspection (:func:`assessment.intake.safety.inspect_upload`: sizes, declared rows,
    macros, the XML-bomb scan of every part) and then :func:`parse_table`: everything that reads the
    file's contents, run in the child process so that none of it costs the server's own time. The
    inspected kind (None when refused), the cells, the problems."""
    inspection = inspect_upload(data, filename, max_bytes, max_rows)
    if inspection.problems:
        return None, None, list(inspection.problems)
    raw, problems = parse_table(
        data, filename, inspection.kind, max_rows, inspection.row_counts, inspection.cell_markers
    )
    return inspection.kind, raw, problems


def _read_limited(
    data: bytes, filename: str, max_bytes: int, limits: ParseLimits
) -> tuple[str | None, RawTable | None, list[Problem]]:
    """:func:`inspect_and_parse` in a child process under ``limits``; a parse killed for its memory
    or its time is one Problem (nothing else was read)."""
    outcome = run_limited(inspect_and_parse, (data, filename, max_bytes, limits.max_rows), limits)
    if not outcome.failure:
        kind, raw, problems = outcome.value
        return kind, raw, problems
    log.warning("parsing %s stopped: %s limit (%s)", filename, outcome.failure, limits)
    if outcome.failure == MEMORY:
        return (
            None,
            None,
            [make_problem("E_PARSE_LIMIT", file=filename, value="memory", memory_mb=limits.memory_mb)],
        )
    return (
        None,
        None,
        [
            make_problem(
                "E_PARSE_LIMIT",
                file=filename,
                value="time",
                key="E_PARSE_LIMIT_TIME",
                seconds=f"{limits.timeout_s:g}",
            )
        ],
    )


def _as_str(col: pd.Series) -> pd.Series:
    """``col.astype(str)``; a categorical of strings without missing cells converts its categories
    once and takes them by code."""
    if isinstance(col.dtype, pd.CategoricalDtype) and len(col):
        codes = col.cat.codes.to_numpy()
        cats = col.cat.categories
        if (codes >= 0).all() and pd.api.types.infer_dtype(cats, skipna=False) == "string":
            return pd.Series(cats.astype(str).array.take(codes), index=col.index, name=col.name)
    return col.astype(str)


def _tidy(checked: pd.DataFrame) -> pd.DataFrame:
    keep = (~checked["error"] & checked["value"].notna()).to_numpy()
    rows = checked[list(VALUE_COLUMNS)]
    out = (rows if keep.all() else rows[keep]).reset_index(drop=True)
    out = out.assign(**{c: _as_str(out[c]) for c in ("region_code", "indicator_code", "note")})
    return out.astype(
        {
            "region_code": str,
            "period": "int64",
            "indicator_code": str,
            "value": "float64",
            "numerator": "float64",
            "denominator": "float64",
            "note": str,
        }
    )


def _read(
    data: bytes,
    filename: str,
    editions: Edition | EditionChooser,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard],
    expected_region: str | None,
    expected_period: int | None,
    history: pd.DataFrame | None,
    max_bytes: int,
    limits: ParseLimits,
    peers: pd.DataFrame | PeerSource | None = None,
) -> tuple[list[Problem], pd.DataFrame, str, str | None, int | None, Edition | None]:
    guess = "batch" if filename.lower().endswith((".csv", ".txt")) else "template"
    if len(data) > max_bytes:  # refused without starting a child (the message is the inspection's)
        return (
            list(inspect_upload(data, filename, max_bytes).problems),
            empty_values(),
            guess,
            None,
            None,
            None,
        )
    kind, raw, problems = _read_limited(data, filename, max_bytes, limits)
    guess = "batch" if kind == "csv" else guess
    if raw is None:
        return problems, empty_values(), guess, None, None, None
    # the periods of a batch file, read once: they choose the catalogue and the binding standards
    batch_periods = sorted(int(p) for p in raw.periods[0].dropna().unique()) if raw.kind == "batch" else []
    edition, transition = _edition_of(
        raw, editions, batch_periods, expected_region, expected_period, filename
    )
    problems += transition
    region = period = None
    if raw.kind == "template":
        meta_problems, stop = _meta_problems(raw, edition, tree, expected_region, expected_period, filename)
        problems += meta_problems
        region = raw.meta.get("region_code") or None
        period = int(raw.meta["period"]) if raw.meta.get("period", "").isdigit() else None
        if stop:
            return problems, empty_values(), raw.kind, region, period, edition
    else:
        problems += _batch_edition(raw, edition, filename)
    template_periods = [period] if period is not None else []
    periods = batch_periods if raw.kind == "batch" else template_periods
    binding = _binding(local_standards, tree, edition, periods)
    listed = upload_problems.MAX_PER_CODE
    ctx = Context(edition, tree, binding, filename, expected_region, expected_period, listed_per_code=listed)
    checked, row_problems = check_rows(raw, ctx)
    problems += row_problems
    if not len(checked) and not problems:
        problems.append(make_problem("E_NO_DATA", file=filename, sheet=raw.sheet))
    problems += plausibility_warnings(checked, raw, ctx, history, peers)
    problems = cap_problems(sorted(problems, key=_sort_key), listed, ctx.omitted)
    ok = not any(p.severity == "error" for p in problems)
    values = _tidy(checked) if ok else empty_values()
    return problems, values, raw.kind, region, period, edition


def _edition_of(
    raw: RawTable,
    editions: Edition | EditionChooser,
    batch_periods: list[int],
    expected_region: str | None,
    expected_period: int | None,
    filename: str,
) -> tuple[Edition, list[Problem]]:
    """The catalogue a file is checked against. A template of another known edition than the one
    in force for its period (downloaded before the edition changed) is checked against its own
    edition, with a warning: the values of indicators both editions share count, the new ones are
    missing."""
    if isinstance(editions, Edition):
        return editions, []
    period, region = _where(raw, batch_periods, expected_region, expected_period)
    edition = editions(period, region)
    declared = raw.meta.get("edition", "") if raw.kind == "template" else ""
    if not declared or declared == edition.id:
        return edition, []
    other = editions.named(declared, period, region)
    if other is None:
        return edition, []
    missing = sorted(set(edition.indicator_by_code) - set(other.indicator_by_code))
    warning = make_problem(
        "W_EDITION_NOT_IN_FORCE",
        file=filename,
        sheet=raw.sheet,
        value=declared,
        expected=edition.id,
        period=period,
        count=len(missing),
        codes=", ".join(missing[:10]) or "-",
    )
    return other, [warning]


def _where(
    raw: RawTable, batch_periods: list[int], expected_region: str | None, expected_period: int | None
) -> tuple[int | None, str | None]:
    """The period and region that choose the catalogue a file is checked against: a template's own
    (its hidden metadata), else the newest period of a batch file and the uploader's region."""
    if raw.kind == "template":
        period = raw.meta.get("period", "")
        region = raw.meta.get("region_code") or expected_region
        return (int(period) if period.isdigit() else expected_period), region
    return (batch_periods[-1] if batch_periods else expected_period), expected_region


def read_upload(
    data: bytes,
    filename: str,
    *,
    edition: Edition | EditionChooser,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    expected_region: str | None = None,
    expected_period: int | None = None,
    history: pd.DataFrame | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    limits: ParseLimits | None = None,
    peers: pd.DataFrame | PeerSource | None = None,
) -> UploadResult:
    """Read and validate one uploaded file (template xlsx, batch xlsx or batch csv).

    ``expected_region`` is the uploader's scope: a template must be of that region or one below
    it, and every batch row must lie within it. ``expected_period`` must match every period.
    ``history`` (tidy values of earlier periods and of peer regions) feeds the plausibility
    warnings; ``peers`` (anonymised peer statistics, or a function of regions and periods giving
    them: ``Store.peer_statistics``) replaces the peers' values when given, and ``history`` then
    only needs the regions' own values. ``edition``: the catalogue, or a function of (period,
    region) choosing it (the edition
    in force for the file's period with the local indicators that apply to its region; a batch file
    is checked against the catalogue of its newest period). Never raises on bad input: every failure
    is a Problem in the result.

    The cells are parsed in a child process with a memory limit and a timeout (``limits``; by
    default :meth:`ParseLimits.from_env`), after the size and row limits of
    :mod:`assessment.intake.safety`: a file over them is refused before anything is parsed.
    """
    try:
        data = bytes(data)
    except TypeError:  # not bytes-like at all: read what it says, it will be refused
        data = str(data).encode("utf-8", errors="replace")
    sha = hashlib.sha256(data).hexdigest()
    try:
        problems, values, kind, region, period, used = _read(
            data,
            filename,
            edition,
            tree,
            local_standards,
            expected_region,
            expected_period,
            history,
            max_bytes,
            limits or ParseLimits.from_env(),
            peers,
        )
    except MemoryError:
        problems, values, kind, region, period, used = (
            [make_problem("E_TOO_LARGE", file=filename, size_mb=f"{len(data) / 1048576:.1f}", limit_mb="-")],
            empty_values(),
            "batch",
            None,
            None,
            None,
        )
    except Exception:  # the last line of defence: a bug must not become a traceback for the user
        log.exception("read_upload failed on %s (sha256 %s)", filename, sha)
        problems, values, kind, region, period, used = (
            [make_problem("E_UNREADABLE", file=filename)],
            empty_values(),
            "batch",
            None,
            None,
            None,
        )
    ok = not any(p.severity == "error" for p in problems)
    if used is None:  # the file could not be read far enough to know its period
        used = edition if isinstance(edition, Edition) else edition(expected_period, expected_region)
    return UploadResult(ok, tuple(problems), values, kind, region, period, used.id, sha)
