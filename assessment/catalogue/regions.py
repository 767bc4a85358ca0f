"""The region tree as a CSV file, and its loader (DESIGN section 3, issue 2 item 4).

One row per region::

    code,name_zh,name_en,level,parent_code,population,urban,mountainous,ethnic_autonomous,fiscal_capacity_per_head,reports
    990000,示例省,Sample Province,province,,9120000,no,no,no,,yes
    990100,示例甲市,Sample Jia City,prefecture,990000,3650000,yes,no,no,16800,yes

``level`` is one of :data:`~assessment.domain.model.LEVELS`, highest first: ``national`` (全国),
``province`` (省、自治区、直辖市), ``prefecture`` (地级市、地区、自治州、盟), ``county`` (县、市辖区、
县级市、旗) and ``township`` (乡、镇、街道); the Chinese names in :data:`LEVEL_ALIASES` (省, 市, 县,
乡镇...) are accepted too and stored as the English key. The tree has exactly one root (one row
with an empty ``parent_code``): a national row with several provinces under it, or a province
(or any lower region) on its own. A region's level must be strictly deeper than its parent's, but
levels may be skipped where the administration does: a district directly under a 直辖市, a
省直辖县级行政单位 directly under its province, the townships of a prefecture city without counties.
A national row cannot have a parent; a province's parent can only be the national row.

``code`` is six digits (GB/T 2260 style) at every level but the township, whose code is nine
digits: its county's six followed by the three-digit township number, i.e. the first nine digits
of the 12-digit 统计用区划代码 (the last three of which number villages, not used here). The
national row takes a six-digit code too, conventionally ``100000`` as in common boundary files.
The last five columns are optional: the flags take yes/no (是/否, true/false, 1/0; empty means no,
except ``reports`` which defaults to yes) and ``fiscal_capacity_per_head`` is CNY per resident per
year or empty. The reporting units are the leaves (``RegionTree.leaf_codes``), whatever their level.

**Populations per year.** ``population`` is the base resident population, used for every year
without a figure of its own. Columns ``population_YYYY`` (any number, any order, after or among the
others), e.g. ``population_2022,population_2023``, give the resident population of that year; an
empty cell means no figure for that region and year::

    code,name_zh,name_en,level,parent_code,population,population_2022,population_2023
    990101,甲一区,Jia District 1,county,990100,600000,596000,603500

Scoring weighs and divides by the population *of the period*: that year's figure, else the latest
earlier year's carried forward, else the base; in a tree with per-year figures, a figure that is
not the period's own is marked as carried forward (:meth:`~assessment.domain.model.RegionTree.population`
and ``population_frame``; a tree with the base alone marks nothing, as before). A figure must be
a positive whole number of persons; a column named ``population_`` + anything but a four-digit year
(1900-2199) is refused.

**Fiscal figures per year.** Optional columns ``revenue_per_head_YYYY`` (general public budget
revenue per resident, CNY, 一般公共预算收入) and ``transfers_per_head_YYYY`` (transfers received from
higher governments per resident, CNY, 上级转移支付) give a region's finances of that year, as the
affordability test (:mod:`assessment.scoring.affordability`) reads them. An empty cell means no
figure; a figure must be a non-negative number; a column whose name does not end in a four-digit
year is refused. A year's figures are never carried to another year.

**Figures in 万人 (10,000s).** Statistical yearbooks give populations in 万人; a figure copied from
one is 10,000 times too small. A county under 1,000 residents or a province under 100,000
(:data:`MIN_PERSONS`) is refused, at its row and column, asking for persons rather than 10,000s.
The rule applies to every figure: the base and every per-year one, whether or not the file has
per-year columns.

A refused file raises :class:`~assessment.domain.errors.DataFileError` listing *every* problem found,
each naming the file, the row (header = row 1), the column, the value and what to fix; nothing is
returned, so nothing can be stored.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.domain.errors import DataFileError, Problem, localized_problem
from assessment.domain.model import LEVEL_RANK, Region, RegionTree

REQUIRED_COLUMNS = ("code", "name_zh", "name_en", "level", "parent_code", "population")
FLAG_COLUMNS = ("urban", "mountainous", "ethnic_autonomous", "reports")
OPTIONAL_COLUMNS = ("urban", "mountainous", "ethnic_autonomous", "fiscal_capacity_per_head", "reports")
TREE_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)  # the region-tree file, in order
FLAG_DEFAULTS = {"urban": False, "mountainous": False, "ethnic_autonomous": False, "reports": True}

# A population column: the base ``population`` or ``population_YYYY``; the year must be four digits.
POPULATION_COLUMN_RE = re.compile(r"population_.*")
YEAR_COLUMN_RE = re.compile(r"population_((?:19|20|21)\d\d)")
# The fiscal figures of a year: ``revenue_per_head_YYYY`` and ``transfers_per_head_YYYY`` (CNY per resident).
FINANCE_FIELDS = ("revenue_per_head", "transfers_per_head")
FINANCE_COLUMN_RE = re.compile(r"(revenue_per_head|transfers_per_head)_.*")
FINANCE_YEAR_RE = re.compile(r"(revenue_per_head|transfers_per_head)_((?:19|20|21)\d\d)")
EXTRA_COLUMN_RE = re.compile(f"{POPULATION_COLUMN_RE.pattern}|{FINANCE_COLUMN_RE.pattern}")
# Fewer residents than this at this level means the figure was almost surely given in 万人 (10,000s):
# the smallest real county has several thousand residents, the smallest province over three million.
MIN_PERSONS = {"county": 1_000, "province": 100_000}
CODE_RE = re.compile(r"^\d{6}$")  # every level but the township
TOWNSHIP_CODE_RE = re.compile(r"^\d{9}$")
ANY_CODE_RE = re.compile(r"^(?:\d{6}|\d{9})$")  # a parent code, or the code of a row whose level is bad
_TRUE = {"yes", "y", "true", "1", "是", "t"}
_FALSE = {"no", "n", "false", "0", "否", "f"}
LEVEL_ALIASES = {
    "national": "national",
    "全国": "national",
    "国家": "national",
    "国家级": "national",
    "province": "province",
    "省": "province",
    "省级": "province",
    "自治区": "province",
    "直辖市": "province",
    "prefecture": "prefecture",
    "市": "prefecture",
    "地市": "prefecture",
    "地级": "prefecture",
    "地级市": "prefecture",
    "地区": "prefecture",
    "自治州": "prefecture",
    "盟": "prefecture",
    "county": "county",
    "县": "county",
    "区县": "county",
    "县级": "county",
    "区": "county",
    "县级市": "county",
    "旗": "county",
    "自治县": "county",
    "township": "township",
    "乡镇": "township",
    "乡镇街道": "township",
    "乡": "township",
    "镇": "township",
    "街道": "township",
    "苏木": "township",
    "乡级": "township",
}
_LEVEL_ZH = {
    "national": "全国",
    "province": "省级",
    "prefecture": "地市级",
    "county": "县级",
    "township": "乡镇级",
}


def _code_ok(codes: pd.Series, levels: pd.Series) -> pd.Series:
    """Whether each code has the digits of its level: nine for a township, six for the others, either
    when the level itself is not valid (that problem is reported once, as a bad level)."""
    six = codes.str.fullmatch(CODE_RE.pattern).fillna(False).astype(bool)
    nine = codes.str.fullmatch(TOWNSHIP_CODE_RE.pattern).fillna(False).astype(bool)
    township = (levels == "township").fillna(False).astype(bool)
    unknown = levels.isna()
    return (six & ~township) | (nine & township) | ((six | nine) & unknown)


def problem(
    key: str, *, file: str, row: int | None = None, column: str = "", value: str = "", **kw: object
) -> Problem:
    """A :class:`Problem` whose zh/en text is the locale entry ``key`` filled with ``kw`` (and ``value``).

    A keyword given as a ``(zh, en)`` tuple fills each language with its own text.
    """

    fill = {"value": value, "column": column, **{k: v for k, v in kw.items() if not isinstance(v, tuple)}}
    per_lang = {
        lang: {k: v[i] for k, v in kw.items() if isinstance(v, tuple)} for i, lang in enumerate(("zh", "en"))
    }
    return localized_problem(key, fill, per_lang=per_lang, file=file, row=row, column=column, value=value)


def decode_text(data: bytes | str, filename: str) -> str:
    """Text of a CSV file: UTF-8 (with or without BOM) or GB18030, as Excel on Chinese Windows saves.

    Raises DataFileError when the bytes are neither.
    """
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DataFileError([problem("regions.file.unreadable", file=filename)])


def read_csv_table(
    data: bytes | str,
    filename: str,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    *,
    extra: re.Pattern[str] | None = None,
) -> pd.DataFrame:
    """Read a small CSV data file into a frame of stripped strings, or refuse it.

    Column names are matched case-insensitively after trimming; unknown columns are ignored,
    absent optional ones are filled with empty strings; columns whose (lower-case) name matches
    ``extra`` in full are kept too, after the others in file order. The returned frame has a ``_row``
    column with the spreadsheet row number (header = 1). Raises DataFileError for an empty or
    undecodable file, missing required columns, or rows with the wrong number of fields
    (all of them reported together).
    """
    text = decode_text(data, filename)
    rows = list(csv.reader(io.StringIO(text)))
    numbered = [(i + 1, r) for i, r in enumerate(rows) if any(cell.strip() for cell in r)]
    if not numbered:
        raise DataFileError([problem("regions.file.empty", file=filename, required=", ".join(required))])
    header_row, header = numbered[0]
    names = [h.strip().lower().removeprefix("\ufeff") for h in header]
    problems = [
        problem(
            "regions.file.missing_column",
            file=filename,
            row=header_row,
            column=col,
            required=", ".join(required),
        )
        for col in required
        if col not in names
    ]
    problems += [
        problem("regions.file.field_count", file=filename, row=n, found=len(r), expected=len(names))
        for n, r in numbered[1:]
        if len(r) != len(names) and any(cell.strip() for cell in r[len(names) :])
    ]
    if problems:
        raise DataFileError(problems)
    wanted = [c for c in (*required, *optional) if c in names]
    if extra is not None:
        wanted += [c for c in dict.fromkeys(names) if extra.fullmatch(c) and c not in wanted]
    index = {c: names.index(c) for c in wanted}
    body = [[(r[index[c]] if index[c] < len(r) else "").strip() for c in wanted] for _, r in numbered[1:]]
    frame = pd.DataFrame(body, columns=wanted, dtype="string") if body else pd.DataFrame(columns=wanted)
    frame = frame.astype("string")
    for col in optional:
        if col not in frame.columns:
            frame[col] = pd.Series([""] * len(frame), dtype="string")
    frame["_row"] = [n for n, _ in numbered[1:]]
    return frame


def _parse_flags(df: pd.DataFrame, filename: str) -> tuple[dict[str, pd.Series], list[Problem]]:
    out: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for col in FLAG_COLUMNS:
        raw = df[col].str.lower()
        default = FLAG_DEFAULTS[col]
        out[col] = raw.isin(_TRUE) | ((raw == "") & default)
        bad = ~(raw.isin(_TRUE) | raw.isin(_FALSE) | (raw == ""))
        problems += [
            problem(
                "regions.bad_flag",
                file=filename,
                row=int(r),
                column=col,
                value=str(v),
                default="yes" if default else "no",
            )
            for r, v in zip(df.loc[bad, "_row"], df.loc[bad, col], strict=True)
        ]
    return out, problems


def _parse_population(
    df: pd.DataFrame,
    column: str,
    levels: pd.Series,
    filename: str,
    *,
    optional: bool = False,
) -> tuple[pd.Series, list[Problem]]:
    """The figures of a population column (NaN where bad, or empty in an ``optional`` one) and the
    problems: not a positive whole number, or a figure that looks like 10,000s
    (:data:`MIN_PERSONS`)."""
    text = df[column].str.replace(",", "", regex=False).str.replace("_", "", regex=False)
    pop = pd.to_numeric(text, errors="coerce").astype("float64")
    empty = (text == "") & optional
    bad = ~empty & (pop.isna() | (pop <= 0) | (pop != pop.round()) | text.str.contains("e", case=False))
    problems = [
        problem("regions.bad_population", file=filename, row=int(r), column=column, value=str(v))
        for r, v in zip(df.loc[bad, "_row"], df.loc[bad, column], strict=True)
    ]
    minimum = levels.map(MIN_PERSONS).astype("float64")
    small = ~bad & ~empty & minimum.notna() & (pop < minimum)
    problems += [
        problem(
            "regions.population_in_10k",
            file=filename,
            row=int(r),
            column=column,
            value=str(v),
            minimum=f"{int(m):,}",
            level=(_LEVEL_ZH[str(lvl)], str(lvl)),
        )
        for r, v, m, lvl in zip(
            df.loc[small, "_row"], df.loc[small, column], minimum[small], levels[small], strict=True
        )
    ]
    return pop.where(~bad & ~empty), problems


def _parse_numbers(
    df: pd.DataFrame, levels: pd.Series, filename: str
) -> tuple[pd.Series, dict[int, pd.Series], pd.Series, list[Problem]]:
    """The base population, the populations of particular years, the fiscal capacity, the problems."""
    problems: list[Problem] = []
    yearly: dict[int, pd.Series] = {}
    for col in (c for c in df.columns if str(c).startswith("population_")):
        match = YEAR_COLUMN_RE.fullmatch(str(col))
        if match is None:
            problems.append(problem("regions.bad_population_column", file=filename, row=1, column=str(col)))
            continue
        yearly[int(match.group(1))], more = _parse_population(df, str(col), levels, filename, optional=True)
        problems += more
    pop, more = _parse_population(df, "population", levels, filename)
    problems = more + problems
    fis_text = df["fiscal_capacity_per_head"].str.replace(",", "", regex=False)
    fiscal = pd.to_numeric(fis_text, errors="coerce").astype("float64")
    bad_fis = (fis_text != "") & (fiscal.isna() | (fiscal < 0))
    problems += [
        problem(
            "regions.bad_fiscal", file=filename, row=int(r), column="fiscal_capacity_per_head", value=str(v)
        )
        for r, v in zip(df.loc[bad_fis, "_row"], df.loc[bad_fis, "fiscal_capacity_per_head"], strict=True)
    ]
    return pop, dict(sorted(yearly.items())), fiscal, problems


def _parse_finances(
    df: pd.DataFrame, filename: str
) -> tuple[list[tuple[tuple[int, float | None, float | None], ...]], list[Problem]]:
    """The fiscal figures of each row, ``((year, revenue_per_head, transfers_per_head), ...)`` of the
    years with at least one figure, and the problems: a column name without a four-digit year, a
    figure that is not a non-negative number of yuan per resident."""
    problems: list[Problem] = []
    figures: dict[tuple[int, str], pd.Series] = {}
    for col in (c for c in df.columns if FINANCE_COLUMN_RE.fullmatch(str(c))):
        match = FINANCE_YEAR_RE.fullmatch(str(col))
        if match is None:
            problems.append(problem("fiscal.bad_column", file=filename, row=1, column=str(col)))
            continue
        text = df[col].str.replace(",", "", regex=False).str.replace("_", "", regex=False)
        value = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = (text != "") & (value.isna() | (value < 0) | ~np.isfinite(value.fillna(0.0)))
        problems += [
            problem("fiscal.bad_figure", file=filename, row=int(r), column=str(col), value=str(v))
            for r, v in zip(df.loc[bad, "_row"], df.loc[bad, col], strict=True)
        ]
        figures[(int(match.group(2)), match.group(1))] = value.where(~bad)
    years = sorted({year for year, _ in figures})
    out: list[tuple[tuple[int, float | None, float | None], ...]] = []
    for i in range(len(df)):
        row: list[tuple[int, float | None, float | None]] = []
        for year in years:
            rev, tr = (figures.get((year, f)) for f in FINANCE_FIELDS)
            rv = None if rev is None or pd.isna(rev.iloc[i]) else float(rev.iloc[i])
            tv = None if tr is None or pd.isna(tr.iloc[i]) else float(tr.iloc[i])
            if rv is not None or tv is not None:
                row.append((year, rv, tv))
        out.append(tuple(row))
    return out, problems


def _find_cycles(parent: dict[str, str]) -> list[list[str]]:
    """Every cycle in a child -> parent map, each once, as the list of its codes."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    cycles: list[list[str]] = []
    for start in parent:
        path: list[str] = []
        cur: str | None = start
        while cur is not None and cur in parent and state.get(cur) is None:
            state[cur] = 1
            path.append(cur)
            cur = parent[cur]
        if cur is not None and state.get(cur) == 1:
            cycles.append(path[path.index(cur) :])
        for code in path:
            state[code] = 2
    return cycles


def _tree_problems(df: pd.DataFrame, levels: pd.Series, filename: str) -> list[Problem]:
    """Duplicates, parents, roots, cycles and level order (rows with a valid code only)."""
    problems: list[Problem] = []
    valid = _code_ok(df["code"], levels)
    first_row = dict(zip(df.loc[valid, "code"][::-1], df.loc[valid, "_row"][::-1], strict=True))
    dup = valid & df["code"].duplicated(keep="first")
    problems += [
        problem(
            "regions.duplicate_code",
            file=filename,
            row=int(r),
            column="code",
            value=str(c),
            first_row=first_row[c],
        )
        for r, c in zip(df.loc[dup, "_row"], df.loc[dup, "code"], strict=True)
    ]
    keep = valid & ~dup
    rows = df.loc[keep]
    level_of = dict(zip(rows["code"], levels[keep], strict=True))
    row_of = dict(zip(rows["code"], rows["_row"], strict=True))
    parent: dict[str, str] = {}
    roots: list[int] = []
    for code, par, r in zip(rows["code"], rows["parent_code"], rows["_row"], strict=True):
        if par == "":
            roots.append(int(r))
        elif not ANY_CODE_RE.fullmatch(par):
            problems.append(
                problem("regions.bad_parent_code", file=filename, row=int(r), column="parent_code", value=par)
            )
        elif par not in row_of:
            problems.append(
                problem("regions.missing_parent", file=filename, row=int(r), column="parent_code", value=par)
            )
        else:
            parent[code] = par
    for cycle in _find_cycles(parent):
        first = min(cycle, key=lambda c: row_of[c])
        order = cycle[cycle.index(first) :] + cycle[: cycle.index(first)]
        problems.append(
            problem(
                "regions.cycle",
                file=filename,
                row=int(row_of[first]),
                column="parent_code",
                value=parent[first],
                cycle=" -> ".join([*order, first]),
                rows=", ".join(str(row_of[c]) for c in order),
            )
        )
    if not roots and (len(rows) or not len(df)):
        problems.append(problem("regions.no_root", file=filename, column="parent_code"))
    elif len(roots) > 1:
        problems += [
            problem(
                "regions.several_roots",
                file=filename,
                row=r,
                column="parent_code",
                count=len(roots),
                rows=", ".join(map(str, roots)),
            )
            for r in roots[1:]
        ]
    for code, par in parent.items():
        lvl, plvl = level_of[code], level_of[par]
        if pd.isna(lvl) or pd.isna(plvl):
            continue
        key = _level_problem(str(lvl), str(plvl))
        if key is None:
            continue
        names = {"level": (_LEVEL_ZH[lvl], lvl), "parent_level": (_LEVEL_ZH[plvl], plvl)}
        row = int(row_of[code])
        problems.append(problem(key, file=filename, row=row, column="level", value=lvl, parent=par, **names))
    return problems


def _level_problem(level: str, parent_level: str) -> str | None:
    """The locale key of what is wrong with a ``level`` region under a ``parent_level`` one, or None.

    The national row is always the root; a province sits only under the national row; every other
    region sits strictly deeper than its parent (levels may be skipped).
    """
    if level == "national":
        return "regions.national_with_parent"
    if level == "province" and parent_level != "national":
        return "regions.province_with_parent"
    if LEVEL_RANK[level] <= LEVEL_RANK[parent_level]:
        return "regions.level_order"
    return None


def parse_region_csv(data: bytes | str, filename: str = "regions.csv") -> RegionTree:
    """Parse a region-tree CSV (bytes or text) into a :class:`RegionTree`, or refuse it.

    Raises DataFileError listing every problem: missing column, bad or duplicate code, missing
    name, bad level or a level that does not fit the tree, missing parent, cycles, no root or
    several roots, non-positive or non-integer population, bad yes/no flags, bad fiscal capacity.

    >>> tree = parse_region_csv("code,name_zh,name_en,level,parent_code,population\\n"
    ...                         "990000,示例省,Sample Province,province,,1000000\\n")
    >>> tree.root.name_en
    'Sample Province'
    """
    df = read_csv_table(data, filename, REQUIRED_COLUMNS, OPTIONAL_COLUMNS, extra=EXTRA_COLUMN_RE)
    problems: list[Problem] = []
    levels = df["level"].str.lower().map(LEVEL_ALIASES)
    bad_code = ~_code_ok(df["code"], levels)
    problems += [
        problem(
            "regions.bad_township_code" if lvl == "township" else "regions.bad_code",
            file=filename,
            row=int(r),
            column="code",
            value=str(c),
        )
        for r, c, lvl in zip(
            df.loc[bad_code, "_row"], df.loc[bad_code, "code"], levels[bad_code], strict=True
        )
    ]
    no_name = df["name_zh"] == ""
    problems += [
        problem("regions.missing_name", file=filename, row=int(r), column="name_zh")
        for r in df.loc[no_name, "_row"]
    ]
    bad_level = levels.isna()
    problems += [
        problem("regions.bad_level", file=filename, row=int(r), column="level", value=str(v))
        for r, v in zip(df.loc[bad_level, "_row"], df.loc[bad_level, "level"], strict=True)
    ]
    pop, yearly, fiscal, number_problems = _parse_numbers(df, levels, filename)
    flags, flag_problems = _parse_flags(df, filename)
    finances, finance_problems = _parse_finances(df, filename)
    problems += number_problems + flag_problems + finance_problems + _tree_problems(df, levels, filename)
    if problems:
        problems.sort(key=lambda p: p.row if p.row is not None else 0)
        raise DataFileError(problems)
    name_en = df["name_en"].where(df["name_en"] != "", df["name_zh"])
    figures = (
        [
            tuple((year, int(v)) for year, v in zip(yearly, row, strict=True) if not pd.isna(v))
            for row in zip(*yearly.values(), strict=True)
        ]
        if yearly
        else [()] * len(df)
    )
    regions = tuple(
        Region(
            code=str(code),
            name_zh=str(nzh),
            name_en=str(nen),
            level=str(lvl),
            parent_code=str(par) if par else None,
            population=int(p),
            urban=bool(u),
            mountainous=bool(m),
            ethnic_autonomous=bool(e),
            fiscal_capacity_per_head=None if pd.isna(f) else float(f),
            reports=bool(rep),
            populations=years,
            finances=money,
        )
        for code, nzh, nen, lvl, par, p, u, m, e, f, rep, years, money in zip(
            df["code"],
            df["name_zh"],
            name_en,
            levels,
            df["parent_code"],
            pop,
            flags["urban"],
            flags["mountainous"],
            flags["ethnic_autonomous"],
            fiscal,
            flags["reports"],
            figures,
            finances,
            strict=True,
        )
    )
    return RegionTree(regions)


def read_data_file(path: Path) -> bytes:
    """The bytes of a data file; a missing or unreadable one is refused cleanly (DataFileError)."""
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise DataFileError(
            [problem("regions.file.not_found", file=str(path), reason=err.strerror or type(err).__name__)]
        ) from None


def load_region_tree(path: Path) -> RegionTree:
    """Load a region-tree CSV file; see :func:`parse_region_csv`. A missing file is refused cleanly."""
    path = Path(path)
    return parse_region_csv(read_data_file(path), path.name)
