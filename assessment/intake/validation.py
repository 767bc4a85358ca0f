"""Row rules of an upload (issue 3 item 3): every problem of every row, collected in one report.

Input is a :class:`RawTable` (cells as read, with their spreadsheet row and column letters);
output is the checked frame (one row per non-blank input row, numbers parsed, ``error`` True where
a rule failed) plus the Problems. Each rule is a vectorised mask over the whole table.

Rules, per row:

- the indicator code is known to the edition (``E_UNKNOWN_INDICATOR``), present when the row has
  data (``E_NO_INDICATOR_CODE``) and not repeated for the same region and period
  (``E_DUPLICATE_INDICATOR``);
- batch rows name a region of the tree (``E_UNKNOWN_REGION``) within the uploader's scope
  (``E_OUT_OF_SCOPE``), a year (``E_BAD_PERIOD``), the expected period (``E_WRONG_PERIOD``);
- value, numerator and denominator are numbers (``E_NOT_NUMBER``; the tolerant parser of
  :mod:`assessment.intake.numbers`), not formulas without a saved result (``E_FORMULA_NO_VALUE``), not
  negative (``E_NEGATIVE``); a boolean is 0 or 1 (``E_NOT_BOOLEAN``; 是/否, yes/no are read too);
- rates: value at most 100 (``E_RATE_OVER_100``), numerator and denominator both or neither
  (``E_HALF_RATIO``), numerator <= denominator (``E_NUM_OVER_DEN``), denominator not 0 when a
  numerator is given (``E_ZERO_DENOMINATOR``), and a stated value within ``RATE_TOLERANCE``
  percentage points of 100 x numerator / denominator (``E_RATE_MISMATCH``);
- **required values** (``E_REQUIRED``) in a region's own **template**: an indicator with a
  national floor, or with a local standard binding on the region for the period, must have a value
  (for a rate: a value, or numerator and denominator), and its row must be there. Other indicators
  may be left empty (no data).
- **partial batch files** (``W_MISSING_INDICATORS``): a batch file may carry any subset of
  indicators and regions (a statistics bureau's extract, one department's items). What it lacks,
  required or not, is no data for scoring, not an error: one warning per region and period of the
  file that lacks indicators (how many, how many of them with a standard, which aspects, the first
  codes). A region absent from the file is simply not reported by it.
- everywhere, a non-rate row with numerator or denominator but no value is refused
  (``E_REQUIRED``), since its value cannot be computed.

The value kept for a rate is the stated one; when it is empty it is computed from numerator and
denominator (DESIGN section 4 scores from numerator/denominator anyway).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np
import pandas as pd

from assessment.domain.errors import Problem, localized_problem
from assessment.domain.model import Edition, RegionTree
from assessment.intake.cleaning import (
    clean_code,
    clean_period,
    clean_region,
    clean_text,
    lookup,
    parse_column,
)
from assessment.intake.upload_problems import fmt_number, make_problem

RATE_TOLERANCE = 0.5  # percentage points between a stated rate and 100 x numerator / denominator
_BOOL_WORDS = {
    "是": 1.0,
    "否": 0.0,
    "yes": 1.0,
    "no": 0.0,
    "y": 1.0,
    "n": 0.0,
    "true": 1.0,
    "false": 0.0,
    "有": 1.0,
    "无": 0.0,
    "√": 1.0,
    "×": 0.0,
}


@dataclass(frozen=True)
class RawTable:
    """Cells as read from one upload. ``frame`` has region_code, period, indicator_code, value,
    numerator, denominator, note (raw cell objects) and ``row`` (spreadsheet row number)."""

    kind: str  # "template" | "batch"
    frame: pd.DataFrame
    sheet: str  # "" for csv
    letters: dict[str, str]  # machine key -> column letter
    formula_cells: frozenset[str] = frozenset()
    meta: dict[str, str] = field(default_factory=dict)
    has_bools: bool = True  # False when no cell can be TRUE/FALSE (csv, or none in the sheet)

    @cached_property
    def periods(self) -> tuple[pd.Series, pd.Series]:
        """:func:`~assessment.intake.cleaning.clean_period` of the period column, computed once:
        the choice of catalogue and the row rules both read it."""
        return clean_period(self.frame["period"], self.has_bools)


@dataclass(frozen=True)
class Context:
    """What an upload is checked against."""

    edition: Edition
    tree: RegionTree
    binding: pd.DataFrame  # region_code, period, indicator_code, local_standard
    filename: str
    expected_region: str | None = None
    expected_period: int | None = None
    # How many W_MISSING_INDICATORS warnings the report lists (None: all). The report lists the
    # first ones by row (:func:`assessment.intake.upload_problems.cap_problems`), so the others
    # are only counted, in ``omitted`` (code -> count), not built.
    listed_per_code: int | None = None
    omitted: dict[str, int] = field(default_factory=dict, compare=False)

    @cached_property
    def indicators(self) -> pd.DataFrame:
        """``edition.indicator_frame()`` indexed by indicator_code (the edition builds its frame once
        and gives each call a copy, so a column set here stays here)."""
        return self.edition.indicator_frame().set_index("indicator_code")


class ProblemSink:
    """Collects problems for masked rows of the table."""

    def __init__(self, raw: RawTable, ctx: Context, df: pd.DataFrame) -> None:
        self.raw, self.ctx, self.df = raw, ctx, df
        self.problems: list[Problem] = []
        self.error = np.zeros(len(df), dtype=bool)

    def cell_text(self, key: str, pos: np.ndarray) -> list[str]:
        col = self.df[f"raw_{key}"].to_numpy()[pos] if f"raw_{key}" in self.df else [""] * len(pos)
        out = []
        for v in col:
            if v is None or (isinstance(v, float) and np.isnan(v)):
                out.append("")
            elif isinstance(v, float | int) and not isinstance(v, bool):
                out.append(fmt_number(v))
            else:
                out.append(str(v))
        return out

    def add(
        self, mask: pd.Series | np.ndarray, code: str, key: str, *, msg: str | None = None, **fills
    ) -> None:
        """One problem per masked row at column ``key``; ``fills`` are constants or Series whose
        index holds (at least) the labels of the masked rows."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        if not code.startswith("W_"):
            self.error |= mask
        pos = np.flatnonzero(mask)
        rows = self.df["row"].to_numpy()[pos]
        texts = self.cell_text(key, pos)
        letter = self.raw.letters.get(key, "")
        labels = self.df.index[pos]
        codes = self.df["indicator_code"].to_numpy()[pos] if "indicator_code" in self.df else [""] * len(pos)
        extra = {  # a Series fill is looked up by row label, so it may cover a subset of the rows
            k: (v.reindex(labels).to_numpy() if isinstance(v, pd.Series) else [v] * len(pos))
            for k, v in fills.items()
        }
        for i, (row, text) in enumerate(zip(rows, texts, strict=True)):
            fill = {k: (fmt_number(v[i]) if isinstance(v[i], float) else v[i]) for k, v in extra.items()}
            problem = make_problem(
                code,
                file=self.ctx.filename,
                sheet=self.raw.sheet,
                cell=f"{letter}{row}" if letter else "",
                row=int(row),
                column=key,
                value=text,
                key=msg,
                **fill,
            )
            code_of_row = codes[i] if isinstance(codes[i], str) else ""
            self.problems.append(replace(problem, indicator=code_of_row) if code_of_row else problem)


def _flagged(df: pd.DataFrame, letter: str, cells: frozenset[str]) -> np.ndarray:
    if not cells or not letter:
        return np.zeros(len(df), dtype=bool)
    return (letter + df["row"].astype(str)).isin(cells).to_numpy()


def _prepare(raw: RawTable, ctx: Context) -> pd.DataFrame:
    """Parsed columns next to the raw ones; blank rows dropped."""
    src = raw.frame
    df = pd.DataFrame({"row": src["row"].astype("int64").to_numpy()}, index=src.index)
    for key in ("region_code", "period", "indicator_code", "value", "numerator", "denominator", "note"):
        df[f"raw_{key}"] = src[key]
    bools = raw.has_bools
    df["indicator_code"] = clean_code(src["indicator_code"], bools)
    df["note"] = clean_text(src["note"], bools)
    df["region_code"] = clean_region(src["region_code"], bools)
    df["period"], df["period_bad"] = raw.periods
    kinds = ctx.indicators["kind"]
    df["kind"] = lookup(df["indicator_code"], kinds, categorical=True)
    value_src = src["value"]
    is_bool = (df["kind"] == "boolean").to_numpy()
    if is_bool.any():
        sub = value_src[is_bool]
        words = clean_text(sub).str.lower().map(_BOOL_WORDS)  # (objects or not: the same texts)
        mapped = words
        if sub.dtype == object:  # only an object column can hold TRUE/FALSE cells
            mapped = words.fillna(sub.map(lambda v: float(v) if isinstance(v, bool) else np.nan))
        if mapped.notna().any():  # words or TRUE/FALSE cells become 1.0 / 0.0
            value_src = value_src.astype(object)
            value_src.loc[mapped.index[mapped.notna()]] = mapped[mapped.notna()]
    for key, col in (
        ("value", value_src),
        ("numerator", src["numerator"]),
        ("denominator", src["denominator"]),
    ):
        parsed = parse_column(col, raw.has_bools)
        df[key] = parsed.values.to_numpy()
        df[f"{key}_bad"] = parsed.bad.to_numpy()
        df[f"{key}_formula"] = _flagged(df, raw.letters.get(key, ""), raw.formula_cells)
        df[f"{key}_blank"] = parsed.blank.to_numpy() & ~df[f"{key}_formula"].to_numpy()
    df["code_blank"] = (df["indicator_code"] == "").to_numpy()  # compared once: object arrays are slow
    df["note_blank"] = (df["note"] == "").to_numpy()
    df["region_blank"] = (df["region_code"] == "").to_numpy()
    empty = df["value_blank"] & df["numerator_blank"] & df["denominator_blank"]
    blank = df["code_blank"] & empty & df["note_blank"]
    if raw.kind == "batch":
        blank &= df["region_blank"] & df["period"].isna() & ~df["period_bad"]
    if not blank.any():  # nothing to drop: no copy of every column
        return df.reset_index(drop=True)
    return df.loc[~blank].reset_index(drop=True)


def _isin(col: pd.Series, values: list) -> np.ndarray:
    """``col.isin(values).to_numpy()``; a categorical is looked up once per category."""
    if not isinstance(col.dtype, pd.CategoricalDtype):
        return col.isin(values).to_numpy()
    cats = pd.Series(col.cat.categories.to_numpy(dtype=object), dtype=object)  # one hash look-up each
    hit = np.append(cats.isin(values).to_numpy(), bool(pd.isna(pd.Series(values, dtype=object)).any()))
    return hit[col.cat.codes.to_numpy()]  # code -1 (missing) takes the appended flag


def _sorted_ints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize(values, sort=True)`` of int64s; one comparison when they are all one
    value (a batch file of one period)."""
    if len(values) and (values == values[0]).all():
        return np.zeros(len(values), dtype=np.intp), values[:1].copy()
    return pd.factorize(values, sort=True)


def _key_id(df: pd.DataFrame) -> np.ndarray:
    """One int per distinct (region_code, period, indicator_code), missing values included."""
    gid = np.zeros(len(df), dtype="int64")
    for col in ("region_code", "period", "indicator_code"):
        if isinstance(df[col].dtype, pd.CategoricalDtype):  # its codes already number its values
            codes, n = df[col].cat.codes.to_numpy().astype("int64") + 1, len(df[col].cat.categories)
        elif len(df) and not df[col].isna().any() and (df[col] == df[col].iloc[0]).all():
            codes, n = np.zeros(len(df), dtype="int64"), 1  # one value (a batch file of one period)
        else:
            codes, uniques = pd.factorize(df[col], use_na_sentinel=False)
            n = len(uniques)
        gid = gid * (n + 1) + codes
    return gid


def _key_rules(sink: ProblemSink, df: pd.DataFrame, raw: RawTable, ctx: Context) -> None:
    """Region, period and indicator code of each row."""
    code = df["indicator_code"]
    code_blank = df["code_blank"]
    has_data = ~(df["value_blank"] & df["numerator_blank"] & df["denominator_blank"] & df["note_blank"])
    sink.add(code_blank & has_data, "E_NO_INDICATOR_CODE", "indicator_code")
    known = _isin(code, list(ctx.edition.indicator_by_code))
    sink.add(~code_blank & ~known, "E_UNKNOWN_INDICATOR", "indicator_code", edition=ctx.edition.id)
    key = pd.Series(_key_id(df), index=df.index, copy=False)
    dup = key.duplicated(keep="first") & ~code_blank
    if dup.any():
        first_row = df["row"].groupby(key).transform("min")
        sink.add(dup, "E_DUPLICATE_INDICATOR", "indicator_code", first_row=first_row.astype(str))
    if raw.kind != "batch":
        return
    region = df["region_code"]
    has_region = ~df["region_blank"]
    sink.add(~has_region, "E_MISSING_KEY", "region_code", field="地区代码 region_code")
    uniq = pd.unique(region[has_region])
    in_tree = {r: r in ctx.tree for r in uniq}
    known_region = lookup(region, in_tree, False, dtype="bool")
    sink.add(has_region & ~known_region, "E_UNKNOWN_REGION", "region_code")
    if ctx.expected_region:
        inside = {r: in_tree[r] and ctx.tree.is_within(r, ctx.expected_region) for r in uniq}
        out = has_region & known_region & ~lookup(region, inside, False, dtype="bool")
        sink.add(out, "E_OUT_OF_SCOPE", "region_code", scope=ctx.expected_region)
    period = df["period"]
    sink.add(period.isna() & ~df["period_bad"], "E_MISSING_KEY", "period", field="期间 period")
    sink.add(df["period_bad"], "E_BAD_PERIOD", "period")
    if ctx.expected_period is not None:
        wrong = period.notna() & (period != ctx.expected_period)
        sink.add(wrong.fillna(False), "E_WRONG_PERIOD", "period", expected=str(ctx.expected_period))


def _number_rules(sink: ProblemSink, df: pd.DataFrame) -> None:
    """Numbers, signs, booleans, rates and their numerator/denominator."""
    for key in ("value", "numerator", "denominator"):
        sink.add(df[f"{key}_formula"] & ~df[f"{key}_bad"], "E_FORMULA_NO_VALUE", key)
        sink.add(df[f"{key}_bad"], "E_NOT_NUMBER", key)
        sink.add(df[key] < 0, "E_NEGATIVE", key)
    kind = df["kind"]
    val, num, den = df["value"], df["numerator"], df["denominator"]
    is_bool = (kind == "boolean").to_numpy()
    zero_or_one = ((val == 0.0) | (val == 1.0)).to_numpy()  # val.isin([0.0, 1.0]) without hashing
    sink.add(is_bool & val.notna() & ~zero_or_one, "E_NOT_BOOLEAN", "value")
    rate = (kind == "rate").to_numpy()
    sink.add(rate & (val > 100), "E_RATE_OVER_100", "value")
    num_in = ~df["numerator_blank"] | df["numerator_formula"]
    den_in = ~df["denominator_blank"] | df["denominator_formula"]
    sink.add(rate & num_in & ~den_in, "E_HALF_RATIO", "denominator")
    sink.add(rate & den_in & ~num_in, "E_HALF_RATIO", "numerator")
    pair = num.notna() & den.notna() & (num >= 0) & (den >= 0)
    sink.add(pair & (den == 0), "E_ZERO_DENOMINATOR", "denominator")
    sink.add(rate & pair & (num > den) & (den > 0), "E_NUM_OVER_DEN", "numerator", denominator=den)
    ok_pair = rate & pair & (den > 0) & (num <= den)
    computed = (100.0 * num / den.where(den > 0)).round(4)
    off = ok_pair & val.notna() & (val >= 0) & ((val - computed).abs() > RATE_TOLERANCE)
    fraction = off & ((val * 100 - computed).abs() <= RATE_TOLERANCE)
    tol = fmt_number(RATE_TOLERANCE)
    sink.add(off & ~fraction, "E_RATE_MISMATCH", "value", computed=computed, tolerance=tol)
    sink.add(
        fraction, "E_RATE_MISMATCH", "value", msg="E_RATE_MISMATCH_FRACTION", computed=computed, tolerance=tol
    )
    # A non-rate value cannot be computed from numerator/denominator.
    no_value = df["value_blank"] & ~rate & (num_in | den_in) & (kind.notna()).to_numpy()
    sink.add(no_value, "E_REQUIRED", "value", indicator=df["indicator_code"])


KEYS = ["region_code", "period", "indicator_code"]


def key_frame(frame: pd.DataFrame, cols: list[str] = KEYS) -> pd.DataFrame:
    """Key columns as plain objects (categorical or arrow strings do not merge with each other)."""
    out = frame[cols].copy()
    for c in cols:
        out[c] = out[c].astype("Int64") if c == "period" else out[c].astype(object)
    return out


def _required(df: pd.DataFrame, ctx: Context) -> pd.Series:
    """Per row: is a value required (national floor, or a binding local standard)?"""
    floors = ctx.indicators["national_floor"]
    req = lookup(df["indicator_code"], floors.notna(), False, dtype="bool")
    if len(ctx.binding):
        b = ctx.binding[["region_code", "period", "indicator_code"]].drop_duplicates()
        b = b.assign(_local=True, period=b["period"].astype("Int64"))
        merged = key_frame(df).merge(key_frame(b).assign(_local=True), how="left", on=KEYS)
        req = req | merged["_local"].fillna(False).astype(bool).to_numpy()
    return req


def _required_rules(sink: ProblemSink, df: pd.DataFrame, raw: RawTable, ctx: Context) -> list[Problem]:
    """A template's required values that are empty, and its required rows that are absent; for a
    batch file, one warning per region and period that lacks indicators (:func:`_lacking`)."""
    if raw.kind == "batch":
        return _lacking(df, raw, ctx)
    req = _required(df, ctx)
    empty = df["value_blank"] & df["numerator_blank"] & df["denominator_blank"]
    empty &= ~df["numerator_formula"] & ~df["denominator_formula"]
    sink.add(req & empty, "E_REQUIRED", "value", indicator=df["indicator_code"])
    # Absent rows: the template's region and period, even when every row was deleted.
    meta_period = str(raw.meta.get("period", ""))
    groups = pd.DataFrame(
        {
            "region_code": [str(raw.meta.get("region_code", ""))],
            "period": pd.array([int(meta_period) if meta_period.isdigit() else None], dtype="Int64"),
        }
    )
    groups = groups[groups["region_code"].isin([r.code for r in ctx.tree]) & groups["period"].notna()]
    if not len(groups):
        return []
    need = _needed(groups, ctx, required_only=True)
    have = key_frame(df).drop_duplicates().assign(_have=True)
    need = need.merge(have, how="left", on=KEYS)
    missing = need[need["_have"].isna()].sort_values(KEYS)
    return [
        make_problem(
            "E_REQUIRED",
            file=ctx.filename,
            sheet=raw.sheet,
            column="indicator_code",
            value=code,
            key="E_REQUIRED_ROW",
            indicator=code,
            region=region,
            period=str(period),
        )
        for region, period, code in missing[KEYS].itertuples(index=False)
    ]


def _needed(groups: pd.DataFrame, ctx: Context, *, required_only: bool) -> pd.DataFrame:
    """(region_code, period, indicator_code) expected for each (region_code, period) of ``groups``:
    every indicator of the edition, or only those with a national floor or a binding local standard;
    column ``_required`` says which are required."""
    ind = ctx.indicators
    floor = ind["national_floor"].notna()
    codes = ind.index[floor] if required_only else ind.index
    frame = pd.DataFrame({"indicator_code": codes.astype(object)})
    frame["_required"] = floor.reindex(codes).to_numpy(dtype=bool)
    need = groups.merge(frame, how="cross")
    if len(ctx.binding):
        local = groups.merge(key_frame(ctx.binding), on=["region_code", "period"]).drop_duplicates()
        local = local.assign(_local=True)
        if required_only:
            need = pd.concat([need, local.drop(columns="_local").assign(_required=True)])
            need = need.drop_duplicates(KEYS)
        else:
            need = need.merge(local, how="left", on=KEYS)
            need["_required"] = need["_required"] | need["_local"].notna().to_numpy()
            need = need.drop(columns="_local")
    return need.reset_index(drop=True)


MAX_LISTED_CODES = 10  # indicator codes named in one W_MISSING_INDICATORS warning


def _positions(col: pd.Series, index: pd.Index) -> np.ndarray:
    """``index.get_indexer(col)`` (-1: not there), looked up once per category of a categorical."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        at = np.append(index.get_indexer(col.cat.categories.to_numpy(dtype=object)), -1)
        return at[codes]  # code -1 (missing) takes the appended -1
    return index.get_indexer(col.to_numpy(dtype=object))


def _sorted_codes(col: pd.Series, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pandas.factorize(col[mask], sort=True)`` of a column of strings (a categorical is
    sorted by its categories, not its rows)."""
    if isinstance(col.dtype, pd.CategoricalDtype) and not (col.cat.codes.to_numpy()[mask] < 0).any():
        cats = col.cat.categories.to_numpy(dtype=object)
        codes = col.cat.codes.to_numpy()[mask]
        used = np.flatnonzero(np.bincount(codes, minlength=len(cats)))  # np.unique(codes), no sort
        order = used[np.argsort(cats[used], kind="stable")]
        rank = np.full(len(cats), -1, dtype="int64")
        rank[order] = np.arange(len(order))
        return rank[codes], cats[order]
    return pd.factorize(col.to_numpy(dtype=object)[mask], sort=True)


def _lacking(df: pd.DataFrame, raw: RawTable, ctx: Context) -> list[Problem]:
    """W_MISSING_INDICATORS: per region and period of a batch file, the indicators it does not report.

    Only regions of the tree with a valid period are looked at (other rows are refused anyway);
    an indicator counts as reported when its row has a value, a numerator or a denominator.
    Computed on a (region and period) x indicator matrix of booleans: one pass over the rows, then
    a short loop over the regions that lack something."""
    ok = ~df["region_blank"] & df["period"].notna()
    ok &= _isin(df["region_code"], [r.code for r in ctx.tree])
    if not ok.any():
        return []
    ok = ok.to_numpy(dtype=bool)
    # groups in the order of (region_code, period), as a sorted groupby gives them
    r_codes, r_uniq = _sorted_codes(df["region_code"], ok)
    p_codes, p_uniq = _sorted_ints(
        df["period"].to_numpy(dtype="float64", na_value=np.nan)[ok].astype("int64")
    )
    if len(p_uniq) == 1:  # one period: the regions' ranks (0 to n - 1, each used) number the groups
        g_codes, g_uniq = r_codes.astype(np.intp), np.arange(len(r_uniq), dtype="int64")
    else:
        g_codes, g_uniq = pd.factorize(r_codes.astype("int64") * len(p_uniq) + p_codes, sort=True)
    n_groups = len(g_uniq)
    first = np.full(n_groups, np.iinfo("int64").max, dtype="int64")
    np.minimum.at(first, g_codes, df["row"].to_numpy(dtype="int64")[ok])
    ind = ctx.indicators
    n_ind = len(ind.index)
    ind_pos = _positions(df["indicator_code"], ind.index)[ok]
    given = ~(df["value_blank"] & df["numerator_blank"] & df["denominator_blank"]).to_numpy()[ok]
    given &= ind_pos >= 0
    missing = np.ones((n_groups, n_ind), dtype=bool)
    missing[g_codes[given], ind_pos[given]] = False
    lacks = np.flatnonzero(missing.any(axis=1))
    if not len(lacks):
        return []
    limit = ctx.listed_per_code
    if limit is not None and 0 < limit < len(lacks):  # the warnings the report lists: the first by row
        ctx.omitted["W_MISSING_INDICATORS"] = len(lacks) - limit
        lacks = np.sort(lacks[np.argsort(first[lacks], kind="stable")[:limit]])
    required = np.zeros((n_groups, n_ind), dtype=bool)
    required[:, ind["national_floor"].notna().to_numpy()] = True
    if len(ctx.binding):
        b = key_frame(ctx.binding)
        b = b[b["period"].notna()]
        rb = pd.Index(r_uniq).get_indexer(b["region_code"].to_numpy(dtype=object))
        pb = pd.Index(p_uniq).get_indexer(b["period"].to_numpy(dtype="int64"))
        ib = ind.index.get_indexer(b["indicator_code"].to_numpy(dtype=object))
        known = (rb >= 0) & (pb >= 0) & (ib >= 0)
        gb = pd.Index(g_uniq).get_indexer(rb[known].astype("int64") * len(p_uniq) + pb[known])
        required[gb[gb >= 0], ib[known][gb >= 0]] = True
    codes_of = ind.index.to_numpy(dtype=object)
    aspect_of = ind["aspect_code"].to_numpy(dtype=object)
    aspects = {a.code: a for a in ctx.edition.aspects}
    letter = raw.letters.get("region_code", "")
    out: list[Problem] = []
    lacking, lacking_required = missing[lacks], missing[lacks] & required[lacks]
    # what a warning says of the indicators lacking, by the pattern of them (regions of one
    # extract lack the same ones: described once)
    said: dict[bytes, tuple[int, int, str, str, str]] = {}
    for k, g in enumerate(lacks):
        pattern = lacking[k].tobytes() + lacking_required[k].tobytes()
        if pattern not in said:
            pos = np.flatnonzero(lacking[k])
            codes = codes_of[pos].tolist()
            listed = ", ".join(codes[:MAX_LISTED_CODES]) + (" …" if len(codes) > MAX_LISTED_CODES else "")
            in_aspects = [aspects[a] for a in dict.fromkeys(aspect_of[pos].tolist()) if a in aspects]
            zh = "、".join(a.name_zh for a in in_aspects)
            en = ", ".join(a.name_en for a in in_aspects)
            said[pattern] = (len(codes), int(lacking_required[k].sum()), listed, zh, en)
        count, n_required, listed, zh, en = said[pattern]
        pair = g_uniq[g]
        region, period = str(r_uniq[pair // len(p_uniq)]), str(p_uniq[pair % len(p_uniq)])
        row = int(first[g])
        fill = {
            "region": region,
            "period": period,
            "count": count,
            "total": n_ind,
            "required": n_required,
            "codes": listed,
        }
        out.append(
            localized_problem(  # make_problem's fills are one per language; the aspect names are not
                "W_MISSING_INDICATORS",
                {"found": region, **fill},
                key="ingest.W_MISSING_INDICATORS",
                per_lang={"zh": {"aspects": zh}, "en": {"aspects": en}},
                file=ctx.filename,
                sheet=raw.sheet,
                cell=f"{letter}{row}" if letter else "",
                row=row,
                column="region_code",
                value=region,
                severity="warning",
            )
        )
    return out


def check_rows(raw: RawTable, ctx: Context) -> tuple[pd.DataFrame, list[Problem]]:
    """Apply every row rule. Returns the checked frame (``error`` marks rows that failed a rule;
    ``value`` filled from numerator/denominator for rates where empty) and the problems."""
    df = _prepare(raw, ctx)
    sink = ProblemSink(raw, ctx, df)
    _key_rules(sink, df, raw, ctx)
    _number_rules(sink, df)
    absent = _required_rules(sink, df, raw, ctx)
    df = df.assign(error=sink.error)
    fill = (df["kind"] == "rate") & df["value"].isna()
    if fill.any():  # else every rate already has its value
        computed = 100.0 * df["numerator"] / df["denominator"].where(df["denominator"] > 0)
        df["value"] = df["value"].where(~fill, computed)
    return df, absent + sink.problems
