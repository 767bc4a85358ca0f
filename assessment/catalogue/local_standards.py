"""Higher local standards: the CSV format, its loader, the rules, and the binding standard.

One row per standard a jurisdiction (province or prefecture) sets for one indicator::

    jurisdiction_code,indicator_code,threshold,effective_from,effective_to,set_by,note
    990000,S05.1,95,2022,,示例省卫生健康委,fictional demo standard

``effective_to`` empty means open-ended; ``set_by`` and ``note`` are optional. A standard applies
to every region below its jurisdiction. Rules (DESIGN section 3): the jurisdiction exists and is not
a county; the indicator exists in the edition; the threshold is a number, within 0..100 for a rate
(0 or 1 for a yes/no indicator, never negative otherwise) and not weaker than the national floor,
or, where the national text sets none, better than the indicator's lower bound (the value scoring
0); ``effective_to`` is not before ``effective_from``; no two standards of one jurisdiction for one
indicator overlap in time; and no standard is weaker than one an ancestor jurisdiction set for the
same indicator over an overlapping period. "Weaker" is direction-aware: lower on a
higher-is-better indicator, higher on a lower-is-better one. Messages say which standard it is
weaker than and by how much.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.catalogue.regions import problem, read_csv_table, read_data_file
from assessment.domain.errors import DataFileError, Problem
from assessment.domain.model import LEVEL_RANK, Edition, Indicator, LocalStandard, RegionTree

REQUIRED_COLUMNS = ("jurisdiction_code", "indicator_code", "threshold", "effective_from")
OPTIONAL_COLUMNS = ("effective_to", "set_by", "note")
BINDING_COLUMNS = ("region_code", "indicator_code", "local_standard", "set_by_code", "period")


def _num(x: float) -> str:
    """A threshold as people write it: 95, 2.5, 0.125 (at most 4 decimals)."""
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _period(std: LocalStandard) -> tuple[str, str]:
    """The effective period in words, (zh, en)."""
    if std.effective_to is None:
        return f"{std.effective_from}年起", f"{std.effective_from} onwards"
    return f"{std.effective_from}—{std.effective_to}年", f"{std.effective_from}-{std.effective_to}"


def _overlap(a: LocalStandard, b: LocalStandard) -> bool:
    a_to = math.inf if a.effective_to is None else a.effective_to
    b_to = math.inf if b.effective_to is None else b.effective_to
    return a.effective_from <= b_to and b.effective_from <= a_to


def _weaker_by(threshold: float, reference: float, ind: Indicator) -> float:
    """How much weaker ``threshold`` is than ``reference`` (positive = weaker, 0 or less = not)."""
    return reference - threshold if ind.higher_is_better else threshold - reference


def _direction(ind: Indicator) -> tuple[str, str]:
    if ind.higher_is_better:
        return "越高越好，门槛不得低于", "higher is better, so it may not be below"
    return "越低越好，门槛不得高于", "lower is better, so it may not be above"


def _p(key: str, column: str, value: object, **kw: object) -> Problem:
    """A problem about one standard, not yet placed in a file (the parser adds file and row)."""
    return problem(f"local_standards.{key}", file="", row=None, column=column, value=str(value), **kw)


def _below_prefecture(level: str) -> bool:
    """Counties and townships set no local standard (only provinces and prefectures do)."""
    return LEVEL_RANK.get(level, 0) >= LEVEL_RANK["county"]


def _own_problems(std: LocalStandard, edition: Edition, tree: RegionTree) -> list[Problem]:
    """Rules that need only the standard itself, the edition and the tree."""
    out: list[Problem] = []
    jur = std.jurisdiction_code
    if jur not in tree:
        out.append(_p("unknown_jurisdiction", "jurisdiction_code", jur))
    elif _below_prefecture(tree.get(jur).level):
        name = (tree.get(jur).name_zh, tree.get(jur).name_en)
        out.append(_p("county_jurisdiction", "jurisdiction_code", jur, name=name))
    if std.effective_to is not None and std.effective_to < std.effective_from:
        out.append(_p("period_order", "effective_to", std.effective_to, effective_from=std.effective_from))
    ind = edition.indicator_by_code.get(std.indicator_code)
    if ind is None:
        return [*out, _p("unknown_indicator", "indicator_code", std.indicator_code, edition=edition.id)]
    value = _num(std.threshold)
    if ind.kind == "rate" and not 0 <= std.threshold <= 100:
        return [*out, _p("rate_range", "threshold", value)]
    if ind.kind == "boolean" and std.threshold not in (0, 1):
        return [*out, _p("boolean_value", "threshold", value)]
    if std.threshold < 0:
        return [*out, _p("negative", "threshold", value)]
    about = {"unit": ind.unit, "indicator": ind.code, "direction": _direction(ind)}
    if ind.national_floor is not None:
        gap = _weaker_by(std.threshold, ind.national_floor, ind)
        if gap > 1e-9:
            floor = _num(ind.national_floor)
            out.append(_p("weaker_than_floor", "threshold", value, floor=floor, gap=_num(gap), **about))
    elif _weaker_by(std.threshold, ind.lower_bound, ind) >= 0:
        out.append(_p("outside_bounds", "threshold", value, lower_bound=_num(ind.lower_bound), **about))
    return out


_COMPARABLE = {"local_standards.weaker_than_floor", "local_standards.outside_bounds"}


def _comparable(own: list[Problem]) -> bool:
    """Whether a standard with these problems of its own can still be compared with others: a
    standard with no valid jurisdiction, indicator, period or threshold cannot."""
    return all(p.code in _COMPARABLE for p in own)


def _other(o: LocalStandard) -> dict[str, object]:
    """Placeholders naming the standard a conflict is with."""
    return {"other": _num(o.threshold), "other_period": _period(o)}


def _overlap_problems(std: LocalStandard, others: Sequence[LocalStandard]) -> list[Problem]:
    key = (std.jurisdiction_code, std.indicator_code)
    where = {"jurisdiction": key[0], "indicator": key[1], "period": _period(std)}
    return [
        _p("overlap", "effective_from", std.effective_from, **where, **_other(o))
        for o in others
        if (o.jurisdiction_code, o.indicator_code) == key and _overlap(std, o)
    ]


def _ancestor_problems(
    std: LocalStandard, candidates: Sequence[LocalStandard], edition: Edition, tree: RegionTree
) -> list[Problem]:
    """``std`` weaker than a standard an ancestor jurisdiction set over an overlapping period."""
    ind = edition.indicator_by_code.get(std.indicator_code)
    if (
        ind is None
        or std.jurisdiction_code not in tree
        or _below_prefecture(tree.get(std.jurisdiction_code).level)
    ):
        return []
    ancestors = {a.code: a for a in tree.ancestors(std.jurisdiction_code)}
    out: list[Problem] = []
    for other in candidates:
        if other.indicator_code != std.indicator_code or other.jurisdiction_code not in ancestors:
            continue
        gap = _weaker_by(std.threshold, other.threshold, ind)
        if gap > 1e-9 and _overlap(std, other):
            anc = ancestors[other.jurisdiction_code]
            names = {"parent": anc.code, "parent_name": (anc.name_zh, anc.name_en)}
            about = {"gap": _num(gap), "unit": ind.unit, "indicator": ind.code}
            out.append(
                _p("weaker_than_parent", "threshold", _num(std.threshold), **names, **_other(other), **about)
            )
    return out


def check_local_standard(
    std: LocalStandard, existing: Sequence[LocalStandard], edition: Edition, tree: RegionTree
) -> list[Problem]:
    """Every problem with one local standard set beside ``existing`` ones (empty list = acceptable).

    ``existing`` are the other standards on record (pass them without the version being edited; an
    exact copy of ``std`` is ignored). Errors: see the module docstring. Warnings (severity
    ``warning``, not blocking): existing standards of jurisdictions below this one that ``std``
    would make weaker than their parent's, so they would no longer bind. Problems carry no file or
    row: the caller knows where the standard came from.
    """
    others = [o for o in existing if o != std]
    out = _own_problems(std, edition, tree)
    if not _comparable(out):
        return out
    out += _overlap_problems(std, others) + _ancestor_problems(std, others, edition, tree)
    ind = edition.indicator_by_code[std.indicator_code]
    for other in others:
        if (
            other.indicator_code == std.indicator_code
            and other.jurisdiction_code != std.jurisdiction_code
            and other.jurisdiction_code in tree
            and tree.is_within(other.jurisdiction_code, std.jurisdiction_code)
            and _overlap(std, other)
            and _weaker_by(other.threshold, std.threshold, ind) > 1e-9
        ):
            child = tree.get(other.jurisdiction_code)
            names = {"child": child.code, "child_name": (child.name_zh, child.name_en)}
            warn = _p(
                "supersedes_child",
                "threshold",
                _num(std.threshold),
                **names,
                **_other(other),
                indicator=ind.code,
            )
            out.append(replace(warn, severity="warning"))
    return out


def parse_local_standards(
    data: bytes | str, edition: Edition, tree: RegionTree, filename: str = "local_standards.csv"
) -> tuple[LocalStandard, ...]:
    """Parse a local-standards CSV against an edition and a region tree, or refuse it.

    Raises DataFileError listing every problem, each naming the file, row (header = 1) and column.
    """
    df = read_csv_table(data, filename, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    problems: list[Problem] = []

    def bad_cells(mask: pd.Series, key: str, column: str) -> None:
        problems.extend(
            problem(key, file=filename, row=int(r), column=column, value=str(v))
            for r, v in zip(df.loc[mask, "_row"], df.loc[mask, column], strict=True)
        )

    threshold = pd.to_numeric(df["threshold"].str.replace(",", "", regex=False), errors="coerce").astype(
        "float64"
    )
    bad_cells(~np.isfinite(threshold), "local_standards.bad_threshold", "threshold")
    start = pd.to_numeric(df["effective_from"], errors="coerce").astype("float64")
    bad_start = start.isna() | (start != start.round()) | (start < 1900) | (start > 2200)
    bad_cells(bad_start, "local_standards.bad_period", "effective_from")
    end = pd.to_numeric(df["effective_to"], errors="coerce").astype("float64")
    bad_end = (df["effective_to"] != "") & (end.isna() | (end != end.round()) | (end < 1900) | (end > 2200))
    bad_cells(bad_end, "local_standards.bad_period", "effective_to")

    ok = np.isfinite(threshold) & ~bad_start & ~bad_end
    good = df.assign(threshold=threshold, effective_from=start, effective_to=end).loc[ok]
    parsed: list[tuple[int, LocalStandard]] = [
        (
            int(r),
            LocalStandard(
                jurisdiction_code=str(j),
                indicator_code=str(i),
                threshold=float(th),
                effective_from=int(s),
                effective_to=None if pd.isna(e) else int(e),
                set_by=str(by),
                note=str(note),
            ),
        )
        for r, j, i, th, s, e, by, note in zip(
            *(good[c] for c in ("_row", *REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)), strict=True
        )
    ]
    by_key: dict[tuple[str, str], list[LocalStandard]] = defaultdict(list)
    for _, std in parsed:
        by_key[(std.jurisdiction_code, std.indicator_code)].append(std)
    for n, (row, std) in enumerate(parsed):
        found = _own_problems(std, edition, tree)
        if not _comparable(found):
            problems.extend(replace(p, file=filename, row=row) for p in found)
            continue
        found += _overlap_problems(std, [s for _, s in parsed[:n]])
        if std.jurisdiction_code in tree:
            pool = [
                s for a in tree.ancestors(std.jurisdiction_code) for s in by_key[(a.code, std.indicator_code)]
            ]
            found += _ancestor_problems(std, pool, edition, tree)
        problems.extend(replace(p, file=filename, row=row) for p in found)
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise DataFileError(problems)
    return tuple(std for _, std in parsed)


def load_local_standards(path: Path, edition: Edition, tree: RegionTree) -> tuple[LocalStandard, ...]:
    """Load a local-standards CSV file; see :func:`parse_local_standards`."""
    path = Path(path)
    return parse_local_standards(read_data_file(path), edition, tree, path.name)


def standards_frame(standards: Sequence[LocalStandard]) -> pd.DataFrame:
    """Local standards as a frame: jurisdiction_code, indicator_code, threshold, effective_from,
    effective_to (nullable Int64, missing = open-ended), set_by, note."""
    df = pd.DataFrame(
        {
            "jurisdiction_code": pd.Series([s.jurisdiction_code for s in standards], dtype="string"),
            "indicator_code": pd.Series([s.indicator_code for s in standards], dtype="string"),
            "threshold": pd.Series([s.threshold for s in standards], dtype="float64"),
            "effective_from": pd.Series([s.effective_from for s in standards], dtype="int64"),
            "effective_to": pd.Series([s.effective_to for s in standards], dtype="Int64"),
            "set_by": pd.Series([s.set_by for s in standards], dtype="string"),
            "note": pd.Series([s.note for s in standards], dtype="string"),
        }
    )
    return df


def self_and_ancestors(tree: RegionTree) -> pd.DataFrame:
    """Pairs (region_code, jurisdiction_code, depth): the region itself (depth 0) and every ancestor.

    Pass it to :func:`binding_standards` as ``ancestors`` when asking for several periods of one tree.
    """
    regions = tree.frame()[["region_code", "parent_code"]].astype("string")
    parent = regions.rename(columns={"region_code": "jurisdiction_code", "parent_code": "next"})
    level = regions.assign(jurisdiction_code=regions["region_code"], depth=0)[
        ["region_code", "jurisdiction_code", "depth"]
    ]
    frames = [level]
    for depth in range(1, len(regions) + 1):
        level = level.merge(parent, on="jurisdiction_code", how="inner")
        level = level.loc[level["next"].notna(), ["region_code", "next"]].rename(
            columns={"next": "jurisdiction_code"}
        )
        if level.empty:
            break
        level = level.assign(depth=depth)
        frames.append(level)
    return pd.concat(frames, ignore_index=True)


def binding_standards(
    standards: Sequence[LocalStandard],
    tree: RegionTree,
    edition: Edition,
    period: int,
    *,
    ancestors: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The local standard that binds each region for each indicator in ``period``.

    One row per (region_code, indicator_code) with a binding standard; columns region_code,
    indicator_code, local_standard, set_by_code (the jurisdiction whose standard binds), period.
    The binding one is the strictest (max on higher-is-better indicators, min on lower-is-better)
    among the standards in force in ``period`` set by the region itself or any ancestor; on a tie
    the nearest jurisdiction's wins. Standards for indicators outside the edition or jurisdictions
    outside the tree are ignored. Rows follow tree order, then edition order. ``ancestors``: the
    tree's :func:`self_and_ancestors`, when the caller has it already.
    """
    empty = pd.DataFrame(
        {
            "region_code": pd.Series(dtype="string"),
            "indicator_code": pd.Series(dtype="string"),
            "local_standard": pd.Series(dtype="float64"),
            "set_by_code": pd.Series(dtype="string"),
            "period": pd.Series(dtype="int64"),
        }
    )
    std = standards_frame(standards)
    in_force = (std["effective_from"] <= period) & (
        std["effective_to"].isna() | (std["effective_to"] >= period)
    )
    std = std.loc[in_force.fillna(False).astype(bool)]
    indicators = pd.DataFrame(
        {
            "indicator_code": pd.Series([i.code for i in edition.indicators], dtype="string"),
            "_sign": [1.0 if i.higher_is_better else -1.0 for i in edition.indicators],
            "_ind_order": np.arange(len(edition.indicators)),
        }
    )
    std = std.merge(indicators, on="indicator_code", how="inner")
    if std.empty or len(tree) == 0:
        return empty
    pairs = self_and_ancestors(tree) if ancestors is None else ancestors
    cand = pairs.merge(
        std[["jurisdiction_code", "indicator_code", "threshold", "_sign", "_ind_order"]],
        on="jurisdiction_code",
        how="inner",
    )
    if cand.empty:
        return empty
    region_order = pd.DataFrame(
        {"region_code": pd.Series([r.code for r in tree], dtype="string"), "_reg_order": np.arange(len(tree))}
    )
    cand = cand.merge(region_order, on="region_code", how="left").assign(
        _key=lambda d: d["threshold"] * d["_sign"]
    )
    cand = cand.sort_values(
        ["_reg_order", "_ind_order", "_key", "depth"], ascending=[True, True, False, True]
    )
    best = cand.drop_duplicates(["region_code", "indicator_code"], keep="first")
    out = pd.DataFrame(
        {
            "region_code": best["region_code"].astype("string"),
            "indicator_code": best["indicator_code"].astype("string"),
            "local_standard": best["threshold"].astype("float64"),
            "set_by_code": best["jurisdiction_code"].astype("string"),
            "period": np.full(len(best), int(period), dtype="int64"),
        }
    )
    return out.reset_index(drop=True)


def local_standards_csv(
    standards: Iterable[LocalStandard], jurisdictions: Iterable[str] | None = None
) -> bytes:
    """The local standards (of ``jurisdictions``, default all) as the CSV :func:`parse_local_standards`
    reads (UTF-8 with a byte-order mark, so Excel shows the Chinese): what the local-standards page
    downloads and ``python -m assessment standards import`` loads back.

    >>> std = LocalStandard("990000", "S02.1", 93.0, 2022, None, "卫健委", "")
    >>> local_standards_csv([std]).decode("utf-8-sig").splitlines()[1]
    '990000,S02.1,93,2022,,卫健委,'
    """
    wanted = None if jurisdictions is None else set(jurisdictions)
    chosen = sorted(
        (s for s in standards if wanted is None or s.jurisdiction_code in wanted),
        key=lambda s: (s.jurisdiction_code, s.indicator_code, s.effective_from),
    )
    frame = pd.DataFrame(
        [
            {
                "jurisdiction_code": s.jurisdiction_code,
                "indicator_code": s.indicator_code,
                "threshold": format(s.threshold, ".15g"),
                "effective_from": str(s.effective_from),
                "effective_to": "" if s.effective_to is None else str(s.effective_to),
                "set_by": s.set_by,
                "note": s.note,
            }
            for s in chosen
        ],
        columns=[*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS],
    )
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
