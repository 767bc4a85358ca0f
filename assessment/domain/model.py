"""Domain model (DESIGN section 3): frozen dataclasses shared by every module.

Loaders build these from data files; scoring works on DataFrames made from them
(``Edition.indicator_frame()``, ``RegionTree.frame()``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

KINDS = ("rate", "per_capita", "amount", "count", "boolean")
DIRECTIONS = ("higher", "lower")
# The administrative levels, highest first: 全国; 省、自治区、直辖市; 地级市、地区、自治州、盟;
# 县、市辖区、县级市、旗; 乡、镇、街道. A tree may skip levels (a district directly under a 直辖市, a
# 省直辖县级行政单位, a prefecture city without counties) but a region always sits strictly deeper than
# its parent; the reporting units are the leaves, whatever their level.
LEVELS = ("national", "province", "prefecture", "county", "township")
LEVEL_RANK = {level: depth for depth, level in enumerate(LEVELS)}  # 0 = national
ROLES = ("admin", "evaluator", "official")
# The columns of one reported value: an upload's tidy values, stored per submission, read back for scoring.
VALUE_COLUMNS = ("region_code", "period", "indicator_code", "value", "numerator", "denominator", "note")


@dataclass(frozen=True)
class Aspect:
    code: str  # "A1".."A9"
    order: int
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class Category:
    code: str  # "C01".."C22"
    aspect_code: str
    order: int
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class ServiceItem:
    no: int  # 1..80, the number in the national annex
    code: str  # "S01".."S80"
    category_code: str
    name_zh: str
    name_en: str
    served_population_zh: str
    content_zh: str
    standard_zh: str
    expenditure_zh: str
    central_share: float  # 0..1 share of cost borne by central finance (costing)
    lead_department_zh: str
    verified: bool  # item wording confirmed against a source (else reconstructed)
    source: str


@dataclass(frozen=True)
class Indicator:
    code: str  # stable, e.g. "S05.1"
    item_code: str
    name_zh: str
    name_en: str
    kind: str  # one of KINDS
    unit: str
    direction: str  # one of DIRECTIONS
    national_floor: float | None  # None where the national text leaves the level to localities
    floor_confirmed: bool  # False where the floor rests on a "(memory)"/reconstructed figure
    optimum: float  # S used for the 0-100 score when no standard applies
    lower_bound: float  # L: the value that scores 0
    weight: float
    unit_cost: float | None  # CNY per beneficiary short of the standard (costing), if known
    source: str
    definition_zh: str = ""
    definition_en: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "higher"


@dataclass(frozen=True)
class Edition:
    id: str  # "CN-2021"
    title_zh: str
    title_en: str
    published: str  # ISO date
    provenance: str
    aspects: tuple[Aspect, ...]
    categories: tuple[Category, ...]
    items: tuple[ServiceItem, ...]
    indicators: tuple[Indicator, ...]
    # The first period (year) this edition is in force for, as shipped (edition.toml); the store may
    # override it (an administrator's choice). None: no period is assigned to it by default.
    effective_from: int | None = None
    # 1 = the edition as shipped; every catalogue-workbook import by an administrator adds one.
    revision: int = 1

    @property
    def label(self) -> str:
        """The edition and revision as shown next to every score: ``CN-2021`` or ``CN-2021 r2``."""
        return self.id if self.revision == 1 else f"{self.id} r{self.revision}"

    @cached_property
    def indicator_by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def item_by_code(self) -> dict[str, ServiceItem]:
        return {i.code: i for i in self.items}

    @cached_property
    def category_by_code(self) -> dict[str, Category]:
        return {c.code: c for c in self.categories}

    @cached_property
    def aspect_by_code(self) -> dict[str, Aspect]:
        return {a.code: a for a in self.aspects}

    def indicator_frame(self) -> pd.DataFrame:
        """One row per indicator with its item, category and aspect codes and names.

        Columns: indicator_code, item_code, item_no, category_code, aspect_code, name_zh, name_en,
        item_zh, item_en, category_zh, category_en, aspect_zh, aspect_en, kind, unit, direction,
        national_floor, floor_confirmed, optimum, lower_bound, weight, unit_cost, central_share,
        item_verified, source, edition.
        """
        return self._indicator_frame.copy()  # built once (the edition is immutable); a copy per call

    @cached_property
    def _indicator_frame(self) -> pd.DataFrame:
        rows = []
        for ind in self.indicators:
            item = self.item_by_code[ind.item_code]
            cat = self.category_by_code[item.category_code]
            asp = self.aspect_by_code[cat.aspect_code]
            rows.append(
                {
                    "indicator_code": ind.code,
                    "item_code": item.code,
                    "item_no": item.no,
                    "category_code": cat.code,
                    "aspect_code": asp.code,
                    "name_zh": ind.name_zh,
                    "name_en": ind.name_en,
                    "item_zh": item.name_zh,
                    "item_en": item.name_en,
                    "category_zh": cat.name_zh,
                    "category_en": cat.name_en,
                    "aspect_zh": asp.name_zh,
                    "aspect_en": asp.name_en,
                    "kind": ind.kind,
                    "unit": ind.unit,
                    "direction": ind.direction,
                    "national_floor": ind.national_floor,
                    "floor_confirmed": ind.floor_confirmed,
                    "optimum": ind.optimum,
                    "lower_bound": ind.lower_bound,
                    "weight": ind.weight,
                    "unit_cost": ind.unit_cost,
                    "central_share": item.central_share,
                    "item_verified": item.verified,
                    "source": ind.source,
                    "edition": self.id,
                }
            )
        df = pd.DataFrame(rows)
        for col in ("national_floor", "optimum", "lower_bound", "weight", "unit_cost"):
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        return df


@dataclass(frozen=True)
class Region:
    code: str  # six digits, GB/T 2260 style (nine for a township)
    name_zh: str
    name_en: str
    level: str  # one of LEVELS, strictly deeper than the parent's
    parent_code: str | None
    population: int  # resident population: the base, for every year without a figure of its own
    urban: bool = False
    mountainous: bool = False
    ethnic_autonomous: bool = False
    fiscal_capacity_per_head: float | None = None  # CNY per resident per year
    reports: bool = True  # demo only: False for a region that never reports
    # (year, resident population) of the years with a figure of their own, ascending, years unique;
    # see RegionTree.population for how a period without one is filled
    populations: tuple[tuple[int, int], ...] = ()
    # (year, general public budget revenue per resident, transfers received per resident), CNY,
    # ascending, years unique; None where the file gave no figure (see RegionTree.finance_frame)
    finances: tuple[tuple[int, float | None, float | None], ...] = ()


@dataclass(frozen=True)
class RegionTree:
    regions: tuple[Region, ...]
    _by_code: dict[str, Region] = field(init=False, repr=False, compare=False)
    _children: dict[str | None, list[Region]] = field(init=False, repr=False, compare=False)
    # frame() built once (the tree is immutable); each call returns a copy
    _frame: list[pd.DataFrame] = field(init=False, repr=False, compare=False, default_factory=list)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_code", {r.code: r for r in self.regions})
        children: dict[str | None, list[Region]] = {}
        for r in self.regions:  # one pass: children() is called per node when walking the tree
            children.setdefault(r.parent_code, []).append(r)
        object.__setattr__(self, "_children", children)

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions)

    def __len__(self) -> int:
        return len(self.regions)

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Region:
        return self._by_code[code]

    @property
    def root(self) -> Region:
        return next(r for r in self.regions if r.parent_code is None)

    def children(self, code: str) -> list[Region]:
        return list(self._children.get(code, ()))

    def ancestors(self, code: str) -> list[Region]:
        """Parent first, root last (the region itself excluded)."""
        out: list[Region] = []
        cur = self._by_code[code].parent_code
        while cur is not None:
            reg = self._by_code[cur]
            out.append(reg)
            cur = reg.parent_code
        return out

    def descendants(self, code: str) -> list[Region]:
        """Every region below ``code`` (not ``code`` itself), in tree order."""
        out: list[Region] = []
        queue = deque([code])
        while queue:
            kids = self._children.get(queue.popleft(), ())
            out.extend(kids)
            queue.extend(k.code for k in kids)
        return out

    def is_within(self, code: str, jurisdiction: str) -> bool:
        """True when ``code`` is ``jurisdiction`` or lies below it."""
        return code == jurisdiction or any(a.code == jurisdiction for a in self.ancestors(code))

    def levels(self) -> list[str]:
        """The levels present in the tree, highest first (a subset of :data:`LEVELS`)."""
        present = {r.level for r in self.regions}
        return [lvl for lvl in LEVELS if lvl in present]

    def leaves(self) -> list[Region]:
        return [r for r in self.regions if r.code not in self._children]

    def leaf_codes(self, code: str) -> list[str]:
        """The codes of the reporting regions (leaves, usually counties) under ``code``, in the order of
        :meth:`descendants`; ``[code]`` when ``code`` is itself a leaf."""
        if code not in self._children:
            return [code]
        return [r.code for r in self.descendants(code) if r.code not in self._children]

    def frame(self) -> pd.DataFrame:
        """Columns: region_code, name_zh, name_en, level, parent_code, population (the base), urban,
        mountainous, ethnic_autonomous, fiscal_capacity_per_head, reports. The populations of
        particular years are in :meth:`population_frame`."""
        if not self._frame:
            df = pd.DataFrame([r.__dict__ for r in self.regions]).rename(columns={"code": "region_code"})
            drop = [c for c in df.columns if c.startswith("_") or c in ("populations", "finances")]
            self._frame.append(df.drop(columns=drop))
        return self._frame[0].copy()

    # ---- fiscal figures per period ------------------------------------------------------------
    # Unlike populations, a year's fiscal figures are never carried forward: a budget is a year's
    # own, and a missing figure is shown as missing ("no fiscal figures"), never as 0 or a guess.

    def finance_frame(self) -> pd.DataFrame:
        """The fiscal figures of every region and year that has them: columns region_code, period
        (int64), revenue_per_head, transfers_per_head (float64, NaN where not given), in tree order."""
        rows = [
            (r.code, int(y), np.nan if rev is None else float(rev), np.nan if tr is None else float(tr))
            for r in self.regions
            for y, rev, tr in r.finances
        ]
        out = pd.DataFrame(rows, columns=["region_code", "period", "revenue_per_head", "transfers_per_head"])
        return out.astype(
            {
                "region_code": "object",
                "period": "int64",
                "revenue_per_head": "float64",
                "transfers_per_head": "float64",
            }
        )

    # ---- resident population per period -------------------------------------------------------
    # A region's population in a period is its figure of that year; without one, the latest
    # earlier year's figure, carried forward; without any earlier one, the base ``population``.
    # The figure is *carried forward* when it is not the period's own: an earlier year's, or the
    # base of a tree that holds figures of particular years (in a tree with the base alone, as
    # before per-year populations existed, the base is every year's figure and nothing is marked).

    @cached_property
    def has_yearly_populations(self) -> bool:
        """Whether any region has the population of a particular year."""
        return any(r.populations for r in self.regions)

    def population(self, code: str, period: int) -> tuple[int, bool]:
        """``(resident population of region code in period, carried_forward)`` (see above)."""
        reg = self._by_code[code]
        earlier = [(year, pop) for year, pop in reg.populations if year <= int(period)]
        if earlier:
            year, pop = earlier[-1]
            return pop, year != int(period)
        return reg.population, self.has_yearly_populations

    def population_frame(self, periods: Iterable[int]) -> pd.DataFrame:
        """The population of every region in every period, vectorised: one row per (region,
        period), regions in tree order, with columns region_code, period (int64), population
        (float64), population_year (Int64: the year of the figure, NA for the base) and
        population_carried_forward (bool), as :meth:`population` says."""
        years = sorted({int(p) for p in periods})
        codes = [r.code for r in self.regions]
        grid = pd.DataFrame(
            {
                "region_code": np.repeat(np.asarray(codes, dtype=object), len(years)),
                "period": np.tile(np.asarray(years, dtype="int64"), len(codes)),
            }
        )
        base = np.repeat(np.array([float(r.population) for r in self.regions], dtype="float64"), len(years))
        figures = [(r.code, y, float(p)) for r in self.regions for y, p in r.populations]
        if not figures or grid.empty:
            return grid.assign(
                population=base,
                population_year=pd.array([pd.NA] * len(grid), dtype="Int64"),
                population_carried_forward=np.zeros(len(grid), dtype=bool),
            )
        right = pd.DataFrame(figures, columns=["region_code", "population_year", "_pop"])
        right = right.astype({"population_year": "int64"})
        left = grid.assign(_order=np.arange(len(grid)))
        merged = pd.merge_asof(
            left.sort_values("period", kind="stable"),
            right.sort_values("population_year", kind="stable"),
            left_on="period",
            right_on="population_year",
            by="region_code",
            direction="backward",
        ).sort_values("_order")
        pop = merged["_pop"].to_numpy(dtype="float64", na_value=np.nan)
        year = merged["population_year"].to_numpy(dtype="float64", na_value=np.nan)
        own = year == merged["period"].to_numpy(dtype="float64")
        return grid.assign(
            population=np.where(np.isnan(pop), base, pop),
            population_year=pd.array(np.where(np.isnan(year), None, year), dtype="Int64"),
            population_carried_forward=~own,
        )


@dataclass(frozen=True)
class LocalStandard:
    """A higher standard set by a jurisdiction for one indicator (DESIGN section 3)."""

    jurisdiction_code: str
    indicator_code: str
    threshold: float
    effective_from: int  # first period (year) in force
    effective_to: int | None  # last period in force, None = open-ended
    set_by: str
    note: str = ""

    def in_force(self, period: int) -> bool:
        return self.effective_from <= period and (self.effective_to is None or period <= self.effective_to)
