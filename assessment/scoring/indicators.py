"""Compliance and 0-100 score per region x period x indicator (DESIGN section 4, issue 5 item 1).

:func:`score_indicators` returns one row per *expected* region x period x indicator: the regions a
score table covers are the counties (tree leaves) under the chosen jurisdictions, or the regions of
one level (score prefectures from :func:`assessment.scoring.rollup.rollup_values`); a region without a
value gets ``status = "no_data"``, so a missing report is never silently dropped.

The method, column by column (x = value, F = national floor, Lc = binding local standard):

* ``value``: for ``rate`` indicators with a numerator and a positive denominator,
  ``100 · numerator / denominator``; for ``per_capita`` indicators whose unit says "per N" (‰, 每千,
  per 10,000...) reported with a count and its population, ``N · numerator / denominator``;
  otherwise the stated value.
* ``local_standard``: the strictest (direction-aware) local standard in force in the period set by
  the region itself or any jurisdiction above it; ``local_set_by`` names who set it.
* ``standard``: the stricter of F and Lc (a local standard can never make it weaker than the floor).
* ``status``: ``no_data`` (no value) | ``below_floor`` (misses F) | ``below_local`` (meets F, misses
  Lc) | ``meets`` (meets the standard) | ``no_standard`` (reported, but neither a national floor nor
  a local standard applies: the national text leaves the level to localities and none was set).
  ``no_standard`` is a fifth value on purpose: calling such a value "meets" would claim a
  compliance that nobody defined; it is still scored against the optimum, and aggregates treat it
  as better than any failure and worse than ``meets`` (see :mod:`assessment.scoring.aggregation`).
  Direction-aware: "misses" means ``x < threshold`` when higher is better, ``x > threshold`` when
  lower is better; a value within 1e-9 (relative) of a threshold meets it, so that rounding noise
  (30.000000000000004 against a ceiling of 30) is never a failure.
* ``gap_floor = s·(x − F)``, ``gap_standard = s·(x − S)`` with ``s = +1`` (higher is better) or
  ``−1``: negative is a shortfall, in the indicator's unit. ``rel_gap_*`` = gap / |threshold|
  (NaN for a zero threshold).
* ``score = 100 · clip((x − L)/(S − L), 0, 1)`` with S the standard, or the indicator's optimum
  where no standard applies, and L its lower bound (the bad end: for a lower-is-better indicator L
  is the larger number, so the same formula reverses). A value that meets S (within the tolerance)
  scores exactly 100; where S is not on the good side of L, the score is 100 if x meets S, else 0.
* ``ci_low``/``ci_high``: the interval (``confidence``, 95% default, 99.8% optional) of a ``rate``
  with 0 ≤ numerator ≤ denominator > 0, in %, by ``interval`` (Wilson by default, Jeffreys or
  Clopper-Pearson); of a per-capita count, PHEindicatormethods' (exact Poisson under 10 events,
  Byar's from 10), in the indicator's unit; ``ci_method`` names it. ``evidence`` compares it with
  the national floor (with the standard where there is no floor), by the first rule that applies:
  a denominator under ``min_denominator`` (30) gives ``too_few_cases``; against a floor of 100% (or
  a ceiling of 0) the count decides: no case short ``clearly_meets``, any case short
  ``clearly_below``; otherwise ``clearly_below`` = the whole interval fails the threshold,
  ``clearly_meets`` = the whole interval meets it, else ``too_close_to_call`` (direction-aware, so
  for lower-is-better "below" means the interval lies above the ceiling). ``evidence_standard``
  does the same against the binding standard. ``small_numbers`` flags a denominator under
  ``min_denominator``. ``cases_short``: the whole cases (events) missing to meet the threshold of
  ``evidence`` (0 when met; NaN without counts). See docs/METHOD_EVIDENCE.md.
* ``floor_confirmed`` is carried from the catalogue; ``edition`` is on every row.

Categorical columns (region_code, indicator_code, status, evidence, edition) keep national tables
(1.5 million rows) small and fast; they compare with plain strings as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.catalogue.local_standards import binding_standards, self_and_ancestors
from assessment.domain.editions import EditionSchedule
from assessment.domain.errors import DataFileError
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.scoring import parallel
from assessment.scoring.inputs import (
    VALUE_COLUMNS,
    index_codes,
    indicator_table,
    missing_columns_error,
    numeric_column,
    problem,
    sorted_unique,
)
from assessment.scoring.rollup import scope_regions
from assessment.scoring.stats import INTERVAL_METHODS, poisson_interval, proportion_interval, z_value

__all__ = [
    "CI_METHODS",
    "EVIDENCE",
    "MIN_DENOMINATOR",
    "SCORE_COLUMNS",
    "STATUSES",
    "TOLERANCE",
    "local_standard_grid",
    "meets_threshold",
    "per_capita_multiplier",
    "score_indicators",
]

STATUSES = ("no_data", "below_floor", "below_local", "meets", "no_standard")
# new codes go at the end: the codes of stored and exported tables keep their meaning
EVIDENCE = ("clearly_below", "clearly_meets", "too_close_to_call", "too_few_cases")
# the interval behind ci_low/ci_high of a row: a proportion's method, or Byar's/exact for a count
CI_METHODS = (*INTERVAL_METHODS, "byars", "exact_poisson")
# the smallest denominator that can carry a clearly_* verdict (and under which small_numbers is set)
MIN_DENOMINATOR = 30
TOLERANCE = 1e-9
SCORE_COLUMNS = (
    "edition",
    "region_code",
    "period",
    "indicator_code",
    "value",
    "numerator",
    "denominator",
    "national_floor",
    "local_standard",
    "local_set_by",
    "standard",
    "status",
    "gap_floor",
    "gap_standard",
    "rel_gap_floor",
    "rel_gap_standard",
    "score",
    "ci_low",
    "ci_high",
    "evidence",
    "evidence_standard",
    "small_numbers",
    "floor_confirmed",
    "cases_short",
    "ci_method",
)


def local_standard_grid(
    local_standards: Sequence[LocalStandard],
    tree: RegionTree,
    edition: Edition | EditionSchedule,
    periods: Iterable[int],
) -> pd.DataFrame:
    """The binding local standard per region, indicator and period, for several periods.

    :func:`assessment.catalogue.local_standards.binding_standards` (the strictest standard in force set by
    the region or any jurisdiction above it; on a tie the nearest jurisdiction is named) for each
    period, stacked. Columns: region_code, indicator_code, period, local_standard, set_by_code.
    """
    cols = ["region_code", "indicator_code", "period", "local_standard", "set_by_code"]
    periods = sorted({int(p) for p in periods})
    ancestors = self_and_ancestors(tree) if local_standards else None  # once for every period
    # periods with the same edition and the same standards in force bind the same way: compute
    # once per distinct (edition, standards in force) and relabel the period (not per period over
    # every region: the standards change in a few years only)
    done: dict[tuple[str, tuple[int, ...]], tuple[Edition, pd.DataFrame]] = {}
    frames = []
    for p in periods:
        ed = _edition_of(edition, p)
        in_force = tuple(
            k
            for k, s in enumerate(local_standards)
            if s.effective_from <= p and (s.effective_to is None or s.effective_to >= p)
        )
        key = (ed.label, in_force)
        if key in done and (done[key][0] is ed or done[key][0] == ed):
            same = done[key][1]
            frames.append(same.assign(period=np.full(len(same), p, dtype="int64")))
        else:
            done[key] = (ed, binding_standards(local_standards, tree, ed, p, ancestors=ancestors))
            frames.append(done[key][1])
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(
            {c: pd.Series(dtype="float64" if c == "local_standard" else "object") for c in cols}
        )
    return pd.concat(frames, ignore_index=True).loc[:, cols]


def _edition_of(edition: Edition | EditionSchedule, period: int) -> Edition:
    return edition.for_period(period) if isinstance(edition, EditionSchedule) else edition


@dataclass(frozen=True)
class _Layout:
    """How one region's rows of a score table are laid out: period by period, the indicators of
    the period's edition in that edition's order. ``slot[p, i]`` is the row of period ``p`` and
    indicator ``i`` (of ``i_index``) within a region's block, -1 where the period's edition lacks
    the indicator; the per-slot arrays give each row's period, indicator, edition and attributes."""

    i_index: pd.Index
    slot: np.ndarray
    period: np.ndarray
    indicator: np.ndarray
    edition: np.ndarray
    labels: list[str]
    attr: dict[str, np.ndarray]

    @property
    def per_region(self) -> int:
        return len(self.period)

    def positions(self, ri: np.ndarray, pi: np.ndarray, ii: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rows of the score grid that cells at (region, period, indicator) positions ``ri``,
        ``pi``, ``ii`` (-1: not in the index) fall on, and the mask of the cells that fall on one (a
        known region and period, an indicator of that period's edition)."""
        slot = np.full(len(ri), -1, dtype=np.int64)
        ok = (ri >= 0) & (pi >= 0) & (ii >= 0)
        slot[ok] = self.slot[pi[ok], ii[ok]]
        keep = ok & (slot >= 0)
        return (ri * self.per_region + slot)[keep], keep


_ATTRS = ("national_floor", "optimum", "lower_bound", "multiplier")

# "per N people" in a unit: the most specific pattern first (十万 before 万, 10,000 before 1,000)
_MULTIPLIERS = (
    (re.compile(r"每十万|/十万|per\s*100,?000\b", re.IGNORECASE), 100_000.0),
    (re.compile(r"每万|/万|per\s*10,?000\b", re.IGNORECASE), 10_000.0),
    (re.compile(r"‰|每千|/千人|per\s*1,?000\b", re.IGNORECASE), 1_000.0),
)


def per_capita_multiplier(unit: object) -> float:
    """The N of a "per N" unit of a per-capita indicator reported with counts: ‰, 每千, 人次/千人 or
    "per 1,000" -> 1,000; 每万, 人次/万人 or "per 10,000" -> 10,000; 每十万 or "per 100,000" ->
    100,000. NaN for any other unit (m²/resident, yuan per head...): such a value is not a count of
    events per population, so it gets no Poisson interval and is never recomputed from counts.

    >>> per_capita_multiplier("‰（每千活产 per 1,000 live births）")
    1000.0
    >>> per_capita_multiplier("平方米/人 m²/resident")
    nan
    """
    text = str(unit) if unit is not None else ""
    for pattern, factor in _MULTIPLIERS:
        if pattern.search(text):
            return factor
    return float("nan")


def _layout(edition: Edition | EditionSchedule, period_list: list[int]) -> _Layout:
    """The layout of one region's rows for ``period_list`` under one edition or a schedule (each
    period by the edition in force for it)."""
    per_period = [_edition_of(edition, p) for p in period_list]
    last = (
        per_period[-1]
        if per_period
        else (edition.latest() if isinstance(edition, EditionSchedule) else edition)
    )
    editions: dict[str, Edition] = {}
    for ed in [last, *per_period]:
        editions.setdefault(ed.label, ed)
    tables = {label: indicator_table(ed) for label, ed in editions.items()}
    codes = list(dict.fromkeys(c for t in tables.values() for c in t["indicator_code"].astype(str)))
    i_index = pd.Index(codes, dtype="string", name="indicator_code")
    labels = list(editions)
    slot = np.full((len(period_list), len(codes)), -1, dtype=np.int64)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("period", "indicator", "edition", *_ATTRS)}
    parts.update(is_rate=[], sign=[], floor_confirmed=[])
    offset = 0
    for p, ed in enumerate(per_period):
        ind = tables[ed.label]
        pos = i_index.get_indexer(ind["indicator_code"].astype(str))
        n = len(pos)
        slot[p, pos] = np.arange(offset, offset + n)
        offset += n
        parts["period"].append(np.full(n, p, dtype=np.int64))
        parts["indicator"].append(pos.astype(np.int64))
        parts["edition"].append(np.full(n, labels.index(ed.label), dtype=np.int8))
        for col in _ATTRS[:3]:
            parts[col].append(ind[col].to_numpy(dtype="float64", na_value=np.nan))
        parts["is_rate"].append((ind["kind"] == "rate").to_numpy())
        parts["sign"].append(np.where(ind["direction"].eq("lower"), -1.0, 1.0))
        parts["floor_confirmed"].append(ind["floor_confirmed"].astype(bool).to_numpy())
        per_capita = (ind["kind"] == "per_capita").to_numpy()
        factors = np.array([per_capita_multiplier(u) for u in ind["unit"]], dtype="float64")
        parts["multiplier"].append(np.where(per_capita, factors, np.nan))
    empty = {
        "period": np.int64,
        "indicator": np.int64,
        "edition": np.int8,
        "is_rate": bool,
        "floor_confirmed": bool,
    }
    flat = {
        k: np.concatenate(v) if v else np.zeros(0, dtype=empty.get(k, np.float64)) for k, v in parts.items()
    }
    attr = {k: flat[k] for k in (*_ATTRS, "is_rate", "sign", "floor_confirmed")}
    return _Layout(i_index, slot, flat["period"], flat["indicator"], flat["edition"], labels, attr)


def meets_threshold(x: np.ndarray, threshold: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """Direction-aware ``x`` meets ``threshold`` (within the relative tolerance)."""
    tol = TOLERANCE * np.maximum(1.0, np.abs(threshold))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return sign * (x - threshold) >= -tol


def score_indicators(
    values: pd.DataFrame,
    edition: Edition | EditionSchedule,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    *,
    periods: Iterable[int] | None = None,
    regions: Iterable[str] | None = None,
    level: str | None = None,
    confidence: float = 0.95,
    interval: str = "wilson",
    min_denominator: float = MIN_DENOMINATOR,
) -> pd.DataFrame:
    """Score every expected region x period x indicator (see the module docstring for the method).

    ``values``: tidy region_code, period, indicator_code, value[, numerator, denominator] (extra
    columns are ignored; rows for regions, periods or indicators outside the table are ignored).
    ``periods``: default = the periods present in ``values``. ``regions``: jurisdictions to cover
    (default: the whole tree). ``level``: None = leaves (counties), or any level of the tree
    ("prefecture", "province", "national"...) to score rolled-up values. Returns a new frame with
    :data:`SCORE_COLUMNS`, sorted by region, period and catalogue order of indicators. Raises
    :class:`DataFileError` on missing columns, non-numeric values, duplicate rows or unknown region
    codes.

    ``confidence`` and ``interval`` (one of :data:`~assessment.scoring.stats.INTERVAL_METHODS`) choose
    the interval of a rate; a per-capita count always gets PHE's (exact under 10 events, Byar's from
    10). ``min_denominator``: a denominator under it gives ``too_few_cases`` instead of a ``clearly_*``
    verdict and sets ``small_numbers`` (docs/METHOD_EVIDENCE.md). A bad ``interval``, ``confidence``
    or ``min_denominator`` raises ValueError (the CLI checks them first with a message).
    """
    if interval not in INTERVAL_METHODS:
        raise ValueError(f"interval must be one of {INTERVAL_METHODS}, got {interval!r}")
    z_value(confidence)  # raises on a level outside (0, 1)
    if not np.isfinite(min_denominator) or min_denominator < 1:
        raise ValueError(f"min_denominator must be a number >= 1, got {min_denominator!r}")
    if level is not None and level not in {r.level for r in tree}:
        allowed = ", ".join(sorted({r.level for r in tree}))
        raise DataFileError(
            [
                problem(
                    "scoring.unknown_level", at_column="level", at_value=level, level=level, allowed=allowed
                )
            ]
        )
    missing = [c for c in VALUE_COLUMNS if c not in values.columns]
    if missing:
        raise missing_columns_error("scoring.what_values", missing)
    codes = scope_regions(tree, regions, level)
    v_period = numeric_column(values, "period")
    if periods is None:
        period_list = [int(p) for p in sorted_unique(v_period[~np.isnan(v_period)])]
    else:
        period_list = sorted({int(p) for p in periods})
    lay = _layout(edition, period_list)
    r_index = pd.Index(codes, dtype="string")
    p_index = pd.Index(period_list, dtype="int64")
    i_index = lay.i_index
    n_reg, per_region = len(r_index), lay.per_region
    n_rows = n_reg * per_region

    def binding() -> tuple[np.ndarray, np.ndarray, pd.Index]:
        """The binding local standard of every row (each period against its own edition), its
        setter's code and the setters."""
        local = np.full(n_rows, np.nan)
        set_by_codes = np.full(n_rows, -1, dtype=np.int64)
        grid = local_standard_grid(local_standards, tree, edition, period_list)
        set_by_index = pd.Index(pd.unique(grid["set_by_code"]), dtype="string").sort_values()
        if len(grid):
            gpos, gk = lay.positions(
                index_codes(grid["region_code"], r_index),
                p_index.get_indexer(grid["period"].to_numpy(dtype="int64")),
                index_codes(grid["indicator_code"], i_index),
            )
            local[gpos] = grid["local_standard"].to_numpy(dtype="float64")[gk]
            set_by_codes[gpos] = index_codes(grid["set_by_code"], set_by_index)[gk]
        return local, set_by_codes, set_by_index

    # a second thread when a core is idle (numpy's array operations release the GIL): the local
    # standards (pandas merges over the tree) beside the scatter of the values, then the status and
    # score beside the intervals; an error in the values is raised first, as before
    with _second_thread(n_rows) as pool:
        later = pool.submit(binding) if pool is not None else None
        # scatter the values into the expected grid: region by region, each region's rows laid out as
        # ``lay`` says (period by period, the indicators of the period's edition in catalogue order)
        pos, keep = lay.positions(
            index_codes(values["region_code"], r_index),
            p_index.get_indexer(np.where(np.isnan(v_period), -1, v_period).astype("int64")),
            index_codes(values["indicator_code"], i_index),
        )
        counts = np.bincount(pos, minlength=n_rows) if n_rows else np.zeros(0, dtype=np.int64)
        if n_rows and counts.max(initial=0) > 1:
            dup = np.flatnonzero(counts > 1)
            r0, k0 = divmod(int(dup[0]), per_region)
            example = f"{r_index[r0]} / {p_index[lay.period[k0]]} / {i_index[lay.indicator[k0]]}"
            raise DataFileError(
                [
                    problem(
                        "scoring.duplicate_values",
                        at_column="region_code, period, indicator_code",
                        at_value=example,
                        count=len(dup),
                        example=example,
                    )
                ]
            )
        stated = np.full(n_rows, np.nan)
        num = np.full(n_rows, np.nan)
        den = np.full(n_rows, np.nan)
        stated[pos] = numeric_column(values, "value")[keep]
        num[pos] = numeric_column(values, "numerator")[keep]
        den[pos] = numeric_column(values, "denominator")[keep]

        # indicator attributes (of each period's edition) repeated for every region
        def per_row(column: np.ndarray) -> np.ndarray:
            return np.tile(column, n_reg)

        is_rate = per_row(lay.attr["is_rate"].astype(bool))
        sign = per_row(lay.attr["sign"])
        floor = per_row(lay.attr["national_floor"])
        multiplier = per_row(lay.attr["multiplier"])  # per-capita "per N" (NaN: not a count per people)

        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            both = is_rate & ~np.isnan(num) & (den > 0)
            counted = ~np.isnan(multiplier) & (num >= 0) & (den > 0)  # a per-capita count with its base
            safe_den = np.where(both | counted, den, 1.0)
            x = np.where(both, 100.0 * num / safe_den, np.where(counted, multiplier * num / safe_den, stated))
            unit_scale = np.where(is_rate, 100.0, multiplier)  # value = unit_scale · numerator / denominator

        # binding local standards (computed beside the values when a second thread pays)
        local, set_by_codes, set_by_index = later.result() if later is not None else binding()

        # the standard (the stricter of floor and local, direction-aware), status, gaps and score,
        # beside the intervals when a second thread pays (both only read)
        judging = pool.submit(_judge, x, local, n_reg, lay.attr) if pool is not None else None

        # intervals: a rate's by ``interval``, a per-capita count's by PHE's Poisson method
        # computed on the rows that can have one (rates: 81 of 115 indicators; per-capita counts: few)
        # and scattered back: the same figures, NaN elsewhere as before
        low, high = _on_rows(
            is_rate, lambda k: proportion_interval(num[k], den[k], confidence, interval), n_rows, 2
        )
        c_low, c_high, exact = _on_rows(
            counted, lambda k: poisson_interval(num[k], confidence), n_rows, 3, bool_last=True
        )
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            per_event = multiplier / safe_den
            ci_low = np.where(counted, c_low * per_event, 100.0 * low)
            ci_high = np.where(counted, c_high * per_event, 100.0 * high)
            small = (is_rate | ~np.isnan(multiplier)) & (den < min_denominator)
        method_code = np.select(
            [counted & exact, counted, ~np.isnan(low)],
            [CI_METHODS.index("exact_poisson"), CI_METHODS.index("byars"), CI_METHODS.index(interval)],
            default=-1,
        ).astype(np.int8)
        judgement = judging.result() if judging is not None else _judge(x, local, n_reg, lay.attr)
        standard, status, gap_floor, gap_standard, rel_gap_floor, rel_gap_standard, score = judgement
        has_ci = ~np.isnan(ci_low)
        judged = np.where(np.isnan(floor), standard, floor)  # the threshold ``evidence`` is judged against
        short = _cases_short(num, den, unit_scale, judged, sign, has_ci)
        few = small & has_ci
        evidence = _evidence(ci_low, ci_high, judged, sign, is_rate, short, few)
        short_std = _cases_short(num, den, unit_scale, standard, sign, has_ci)
        evidence_std = _evidence(ci_low, ci_high, standard, sign, is_rate, short_std, few)

        out = pd.DataFrame(
            {
                "edition": pd.Categorical.from_codes(per_row(lay.edition), categories=lay.labels),
                "region_code": pd.Categorical.from_codes(
                    np.repeat(np.arange(n_reg), per_region), categories=r_index
                ),
                "period": per_row(p_index.to_numpy()[lay.period]),
                "indicator_code": pd.Categorical.from_codes(per_row(lay.indicator), categories=i_index),
                "value": x,
                "numerator": num,
                "denominator": den,
                "national_floor": floor,
                "local_standard": local,
                "local_set_by": pd.Categorical.from_codes(set_by_codes, categories=set_by_index),
                "standard": standard,
                "status": pd.Categorical.from_codes(status, categories=list(STATUSES)),
                "gap_floor": gap_floor,
                "gap_standard": gap_standard,
                "rel_gap_floor": rel_gap_floor,
                "rel_gap_standard": rel_gap_standard,
                "score": score,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "evidence": pd.Categorical.from_codes(evidence, categories=list(EVIDENCE)),
                "evidence_standard": pd.Categorical.from_codes(evidence_std, categories=list(EVIDENCE)),
                "small_numbers": small,
                "floor_confirmed": per_row(lay.attr["floor_confirmed"].astype(bool)),
                "cases_short": pd.arrays.IntegerArray(
                    np.nan_to_num(short, nan=0.0).astype(np.int64), np.isnan(short)
                ),
                "ci_method": pd.Categorical.from_codes(method_code, categories=list(CI_METHODS)),
            },
            copy=False,  # fresh arrays: skip consolidating them into one block (0.5 s at national scale)
        )
        return out


@contextmanager
def _second_thread(n_rows: int) -> Iterator[ThreadPoolExecutor | None]:
    """A one-thread pool beside the caller's for a national-size table when a core is idle, else
    None (the work runs in the caller's thread, in the same order)."""
    if n_rows < _PARALLEL_ROWS or not parallel.spare_core():
        yield None
        return
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool


_PARALLEL_ROWS = 200_000  # below this the thread start-up costs more than it saves


def _judge(
    x: np.ndarray, local: np.ndarray, n_reg: int, attr: dict[str, np.ndarray]
) -> tuple[np.ndarray, ...]:
    """standard, status codes, gap_floor, gap_standard, rel_gap_floor, rel_gap_standard and score
    of every row (the method of the module docstring).

    The rows are a (region x slot) matrix: the national floor, direction, optimum and lower bound
    are one value per slot, broadcast rather than repeated, and so are the tolerances and targets
    where no local standard binds (9 rows in 10 at the national size: the standard is the floor);
    the rows with a local standard are computed on their own with the full formulas."""
    n_slot = len(attr["sign"])
    shape = (n_reg, n_slot)
    x2 = x.reshape(shape)
    sign_s, floor_s = attr["sign"], attr["national_floor"]
    optimum_s, lower_s = attr["optimum"], attr["lower_bound"]
    sign, floor = sign_s[None, :], floor_s[None, :]
    at = np.flatnonzero(~np.isnan(local))  # rows with a binding local standard
    slot_at = at % n_slot if n_slot else at
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        # without a local standard the standard is the floor (fmax/fmin of the floor and NaN)
        standard_2d = np.empty(shape)
        standard_2d[...] = floor
        standard = standard_2d.reshape(-1)
        sg_at, fl_at, lc_at, x_at = sign_s[slot_at], floor_s[slot_at], local[at], x[at]
        std_at = np.where(sg_at > 0, np.fmax(fl_at, lc_at), np.fmin(fl_at, lc_at))
        standard[at] = std_at
        has_x = ~np.isnan(x)
        gap_floor = (sign * (x2 - floor)).reshape(-1)
        tol_floor = TOLERANCE * np.maximum(1.0, np.abs(floor_s))
        fails_floor = (has_x.reshape(shape) & ~np.isnan(floor)) & ~(gap_floor.reshape(shape) >= -tol_floor)
        fails_local = np.zeros(len(x), dtype=bool)
        fails_local[at] = ~np.isnan(x_at) & ~meets_threshold(x_at, lc_at, sg_at)
        status = np.where(np.isnan(standard), np.int8(4), np.int8(3))
        status[fails_local] = 2
        status[fails_floor.reshape(-1)] = 1
        status[~has_x] = 0

        gap_standard = gap_floor.copy()
        gap_standard[at] = sg_at * (x_at - std_at)
        rel_2d = np.full(shape, np.nan)
        np.divide(gap_floor.reshape(shape), np.abs(floor), out=rel_2d, where=floor != 0)
        rel_gap_floor = rel_2d.reshape(-1)
        rel_gap_standard = rel_gap_floor.copy()
        rel_gap_standard[at] = np.where(std_at != 0, gap_standard[at] / np.abs(std_at), np.nan)

        # the score against the floor (or the optimum) per slot, then the rows with a local standard
        target_s = np.where(np.isnan(floor_s), optimum_s, floor_s)
        span_s = target_s - lower_s
        proper_s = sign_s * span_s > 0
        frac = (x2 - lower_s[None, :]) / np.where(proper_s, span_s, 1.0)[None, :]
        part = 100.0 * np.clip(np.where(proper_s[None, :], frac, 0.0), 0.0, 1.0)
        tol_target = TOLERANCE * np.maximum(1.0, np.abs(target_s))
        reaches = sign * (x2 - target_s[None, :]) >= -tol_target[None, :]
        score = np.where(reaches, 100.0, part).reshape(-1)
        target_at = np.where(np.isnan(std_at), optimum_s[slot_at], std_at)
        span_at = target_at - lower_s[slot_at]
        proper_at = sg_at * span_at > 0
        frac_at = np.where(proper_at, (x_at - lower_s[slot_at]) / np.where(proper_at, span_at, 1.0), np.nan)
        reaches_at = meets_threshold(x_at, target_at, sg_at)
        score[at] = np.where(reaches_at, 100.0, 100.0 * np.clip(np.where(proper_at, frac_at, 0.0), 0.0, 1.0))
        score[~has_x] = np.nan
    return standard, status, gap_floor, gap_standard, rel_gap_floor, rel_gap_standard, score


def _on_rows(
    mask: np.ndarray,
    fn: Callable[[np.ndarray], tuple[np.ndarray, ...]],
    n_rows: int,
    n_out: int,
    *,
    bool_last: bool = False,
) -> tuple[np.ndarray, ...]:
    """``fn`` evaluated on the rows where ``mask`` is set (``fn`` gets their positions), its outputs
    scattered into full-length arrays: NaN elsewhere (False for a last boolean output)."""
    at = np.flatnonzero(mask)
    parts = fn(at)
    out: list[np.ndarray] = []
    for k in range(n_out):
        boolean = bool_last and k == n_out - 1
        full = np.zeros(n_rows, dtype=bool) if boolean else np.full(n_rows, np.nan)
        full[at] = parts[k]
        out.append(full)
    return tuple(out)


def _cases_short(
    num: np.ndarray,
    den: np.ndarray,
    unit_scale: np.ndarray,
    threshold: np.ndarray,
    sign: np.ndarray,
    counted: np.ndarray,
) -> np.ndarray:
    """Whole cases (events) a counted row lacks to meet ``threshold``: higher is better
    ``⌈T·n/u − x⌉``, lower is better ``⌈x − T·n/u⌉`` (u = 100 for a rate, N for "per N"), 0 when it
    meets it, NaN without counts or threshold. 630 of 636 against 100%: 6; 3 deaths in 500 births
    against a ceiling of 5.2‰ (2.6 deaths allowed): 1."""
    at = np.flatnonzero(counted & ~np.isnan(threshold) & ~np.isnan(num))  # computed there only
    out = np.full(len(num), np.nan)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        needed = threshold[at] * den[at] / unit_scale[at]
        gap = sign[at] * (needed - num[at])
        gap = gap - TOLERANCE * np.maximum(1.0, np.abs(needed))  # rounding noise is not a case
        out[at] = np.maximum(np.ceil(gap), 0.0)
    return out


def _evidence(
    low: np.ndarray,
    high: np.ndarray,
    threshold: np.ndarray,
    sign: np.ndarray,
    is_rate: np.ndarray,
    short: np.ndarray,
    few: np.ndarray,
) -> np.ndarray:
    """Codes into :data:`EVIDENCE` (-1 = NaN), by the first rule that applies
    (docs/METHOD_EVIDENCE.md):

    1. no interval or no threshold: none;
    2. a denominator under the minimum (``few``): ``too_few_cases``;
    3. a threshold at the end of the scale (a rate's floor of 100%, or a ceiling of 0): the count
       decides, not the interval (which never lies wholly at 100%): no case short = ``clearly_meets``,
       any case short = ``clearly_below`` (a service that reaches everyone misses no one, so no
       shortfall is chance);
    4. otherwise the interval: wholly failing the threshold = ``clearly_below``, wholly meeting it =
       ``clearly_meets``, else ``too_close_to_call``.
    """
    # decided on the usable rows only (about 4 in 10 at the national size), -1 elsewhere
    at = np.flatnonzero(~np.isnan(low) & ~np.isnan(threshold))
    out = np.full(len(low), -1, dtype=np.int8)
    t, sg, sh = threshold[at], sign[at], short[at]
    higher = sg > 0
    with np.errstate(invalid="ignore"):
        full = is_rate[at] & meets_threshold(t, np.full_like(t, 100.0), np.ones_like(sg))
        edge = ~np.isnan(sh) & np.where(higher, full, t <= 0)
    lo, hi = low[at], high[at]
    worst = np.where(higher, hi, lo)  # the most favourable end still failing = clearly below
    best = np.where(higher, lo, hi)
    clearly_below = ~meets_threshold(worst, t, sg)
    clearly_meets = meets_threshold(best, t, sg)
    out[at] = np.select(
        [few[at], edge & (sh == 0), edge, clearly_below, clearly_meets],
        [3, 1, 0, 0, 1],
        default=2,
    )
    return out
