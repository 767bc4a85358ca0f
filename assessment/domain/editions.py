"""Which catalogue edition is in force for which period, and the indicators a jurisdiction adds.

An :class:`EditionSchedule` holds the editions that periods are scored by, each from its
``effective_from`` period until the next one starts (so two editions can never be in force for one
period). A period before the first start is scored by the earliest edition. Editions without an
``effective_from`` are known but in force for no period (they serve "what if" scoring only).

A :class:`LocalIndicator` is an indicator a jurisdiction (the national root, a province, a
prefecture) adds to the catalogue for the regions below it, with its own threshold (DESIGN section 3,
"local-only indicators"). :func:`with_local_indicators` returns the edition extended by them: each
becomes an indicator of the local aspect (:data:`LOCAL_ASPECT`) under the jurisdiction's own category
and item, with no national floor; its threshold binds as the jurisdiction's local standard.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from assessment.domain.model import (
    LEVEL_RANK,
    Aspect,
    Category,
    Edition,
    Indicator,
    LocalStandard,
    RegionTree,
    ServiceItem,
)

LOCAL_ASPECT = "LOC"  # the aspect every local indicator is aggregated under
LOCAL_PREFIX = "L"  # local category and item codes: "L" + the jurisdiction code


@dataclass(frozen=True)
class EditionSchedule:
    """The editions periods are scored by, ordered by the period they start in."""

    editions: tuple[Edition, ...]

    def __post_init__(self) -> None:
        if not self.editions:
            raise ValueError("an edition schedule needs at least one edition")
        starts = [e.effective_from for e in self.scheduled]
        if len(set(starts)) != len(starts):
            raise ValueError("two editions start in the same period")

    @classmethod
    def single(cls, edition: Edition) -> EditionSchedule:
        """One edition for every period."""
        return cls((edition,))

    @property
    def scheduled(self) -> tuple[Edition, ...]:
        """The editions in force for some period, by start (an edition without a start counts as in
        force from the beginning when it is the only one)."""
        dated = sorted((e for e in self.editions if e.effective_from is not None), key=_start)
        return tuple(dated) if dated else self.editions[:1]

    def for_period(self, period: int) -> Edition:
        """The edition in force for ``period``."""
        chosen = self.scheduled[0]
        for edition in self.scheduled:
            if edition.effective_from is not None and edition.effective_from <= int(period):
                chosen = edition
        return chosen

    def split(self, periods: Iterable[int]) -> list[tuple[Edition, tuple[int, ...]]]:
        """``periods`` grouped by the edition in force, in period order."""
        groups: dict[str, tuple[Edition, list[int]]] = {}
        for p in sorted({int(p) for p in periods}):
            ed = self.for_period(p)
            groups.setdefault(ed.label, (ed, []))[1].append(p)
        return [(ed, tuple(ps)) for ed, ps in groups.values()]

    def latest(self, periods: Iterable[int] = ()) -> Edition:
        """The edition of the latest of ``periods`` (the newest scheduled edition when none)."""
        ps = [int(p) for p in periods]
        return self.for_period(max(ps)) if ps else self.scheduled[-1]

    def get(self, edition_id: str) -> Edition:
        """The edition ``edition_id`` (KeyError when unknown)."""
        for e in self.editions:
            if e.id == edition_id:
                return e
        raise KeyError(edition_id)


def _start(e: Edition) -> int:
    return e.effective_from if e.effective_from is not None else -1


@dataclass(frozen=True)
class LocalIndicator:
    """An indicator a jurisdiction adds for the regions below it (not part of any national edition)."""

    jurisdiction_code: str
    code: str
    item_code: str  # the national item it belongs to, or "" for an item of the jurisdiction's own
    name_zh: str
    name_en: str
    kind: str
    unit: str
    direction: str
    threshold: float
    lower_bound: float
    effective_from: int
    effective_to: int | None = None
    note: str = ""
    set_by: str = ""

    def in_force(self, period: int) -> bool:
        return self.effective_from <= period and (self.effective_to is None or period <= self.effective_to)

    def as_standard(self) -> LocalStandard:
        """The threshold as the jurisdiction's local standard for this indicator."""
        return LocalStandard(
            jurisdiction_code=self.jurisdiction_code,
            indicator_code=self.code,
            threshold=self.threshold,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
            set_by=self.set_by,
            note=self.note,
        )

    def indicator(self) -> Indicator:
        """The indicator as scoring sees it: no national floor; the threshold is the optimum."""
        return Indicator(
            code=self.code,
            item_code=local_item_code(self.jurisdiction_code),
            name_zh=self.name_zh,
            name_en=self.name_en,
            kind=self.kind,
            unit=self.unit,
            direction=self.direction,
            national_floor=None,
            floor_confirmed=False,
            optimum=self.threshold,
            lower_bound=self.lower_bound,
            weight=1.0,
            unit_cost=None,
            source="LOCAL",
            definition_zh=self.note,
            definition_en=self.note,
        )


def local_item_code(jurisdiction_code: str) -> str:
    """The code of a jurisdiction's own item in the local aspect: ``L`` + its code."""
    return f"{LOCAL_PREFIX}{jurisdiction_code}"


def local_category_code(jurisdiction_code: str) -> str:
    """The code of a jurisdiction's category in the local aspect: ``LC`` + its code."""
    return f"{LOCAL_PREFIX}C{jurisdiction_code}"


def with_local_indicators(
    edition: Edition,
    local: Sequence[LocalIndicator],
    tree: RegionTree,
    periods: Iterable[int] | None = None,
) -> Edition:
    """``edition`` extended by the local indicators in force in any of ``periods`` (all when None)
    whose jurisdiction is in ``tree``; ``edition`` itself when there are none. Codes that collide
    with the edition's are skipped (imports refuse them; this is a guard)."""
    wanted = None if periods is None else {int(p) for p in periods}
    chosen = [
        li
        for li in local
        if li.jurisdiction_code in tree
        and li.code not in edition.indicator_by_code
        and (wanted is None or any(li.in_force(p) for p in wanted))
    ]
    if not chosen:
        return edition
    chosen = list({li.code: li for li in reversed(chosen)}.values())[::-1]  # one per code, first wins
    jurisdictions = list(dict.fromkeys(li.jurisdiction_code for li in chosen))
    order = {r.code: n for n, r in enumerate(tree)}
    jurisdictions.sort(key=lambda c: (LEVEL_RANK.get(tree.get(c).level, 9), order[c]))
    aspect = Aspect(LOCAL_ASPECT, max(a.order for a in edition.aspects) + 1, "地方指标", "Local indicators")
    base_cat = max(c.order for c in edition.categories)
    base_item = max(i.no for i in edition.items)
    categories, items = [], []
    for n, code in enumerate(jurisdictions, start=1):
        reg = tree.get(code)
        names = (f"{reg.name_zh}指标", f"{reg.name_en} indicators")
        categories.append(Category(local_category_code(code), LOCAL_ASPECT, base_cat + n, *names))
        items.append(
            ServiceItem(
                no=base_item + n,
                code=local_item_code(code),
                category_code=local_category_code(code),
                name_zh=f"{reg.name_zh}自定指标",
                name_en=f"Indicators set by {reg.name_en}",
                served_population_zh="",
                content_zh="",
                standard_zh="",
                expenditure_zh="",
                central_share=0.0,
                lead_department_zh="",
                verified=False,
                source="LOCAL",
            )
        )
    return replace(
        edition,
        aspects=(*edition.aspects, aspect),
        categories=(*edition.categories, *categories),
        items=(*edition.items, *items),
        indicators=(*edition.indicators, *(li.indicator() for li in chosen)),
    )


def is_local_code(edition: Edition, code: str) -> bool:
    """Whether ``code`` (an indicator, item, category or aspect code) is part of the local group."""
    if code == LOCAL_ASPECT or (code.startswith(LOCAL_PREFIX) and code[1:].removeprefix("C").isdigit()):
        return True
    ind = edition.indicator_by_code.get(code)
    return ind is not None and ind.item_code.startswith(LOCAL_PREFIX) and ind.item_code[1:].isdigit()


def edition_for(
    schedule: EditionSchedule,
    local: Sequence[LocalIndicator],
    tree: RegionTree,
    period: int,
    region: str | None = None,
) -> Edition:
    """The catalogue a region reports against for ``period``: the edition in force, extended by the
    local indicators in force then that apply to ``region`` (set by it or a jurisdiction above it;
    every jurisdiction's when None)."""
    return with_local_indicators(schedule.for_period(period), applying(local, tree, region), tree, [period])


def applying(local: Sequence[LocalIndicator], tree: RegionTree, region: str | None) -> list[LocalIndicator]:
    """The local indicators that apply to ``region``: set by it or a jurisdiction above it (every
    one when None)."""
    return [
        li
        for li in local
        if region is None
        or (region in tree and li.jurisdiction_code in tree and tree.is_within(region, li.jurisdiction_code))
    ]


def local_indicator_codes(edition: Edition) -> set[str]:
    """The codes of ``edition``'s local indicators (those under the local aspect)."""
    local_items = {i.code for i in edition.items if is_local_code(edition, i.code)}
    return {ind.code for ind in edition.indicators if ind.item_code in local_items}


def national_part(edition: Edition) -> Edition:
    """``edition`` without its local aspect (itself when it has none)."""
    codes = local_indicator_codes(edition)
    if not codes and all(a.code != LOCAL_ASPECT for a in edition.aspects):
        return edition
    return replace(
        edition,
        aspects=tuple(a for a in edition.aspects if a.code != LOCAL_ASPECT),
        categories=tuple(c for c in edition.categories if c.aspect_code != LOCAL_ASPECT),
        items=tuple(i for i in edition.items if not is_local_code(edition, i.code)),
        indicators=tuple(i for i in edition.indicators if i.code not in codes),
    )


@dataclass(frozen=True)
class EditionChooser:
    """Picks the catalogue an upload is checked against: called with (period, region), the edition
    in force then with the local indicators that apply (see :func:`edition_for`); without a period,
    the newest edition with the local indicators that apply to the region (every one without it).
    :meth:`named` gives another edition a file says it
    follows (a template downloaded before the edition changed), or None when there is none."""

    schedule: EditionSchedule
    local: tuple[LocalIndicator, ...]
    tree: RegionTree

    def __call__(self, period: int | None, region: str | None) -> Edition:
        if period is None:  # no period known: the newest edition
            return with_local_indicators(
                self.schedule.latest(), applying(self.local, self.tree, region), self.tree
            )
        return edition_for(self.schedule, self.local, self.tree, period, region)

    def named(self, edition_id: str, period: int | None, region: str | None) -> Edition | None:
        try:
            base = self.schedule.get(edition_id)
        except KeyError:
            return None
        chosen = applying(self.local, self.tree, region)
        return with_local_indicators(base, chosen, self.tree, None if period is None else [period])


def edition_chooser(
    schedule: EditionSchedule, local: Sequence[LocalIndicator], tree: RegionTree
) -> EditionChooser:
    """The :class:`EditionChooser` of ``schedule`` and the local indicators."""
    return EditionChooser(schedule, tuple(local), tree)


def union_edition(editions: Sequence[Edition]) -> Edition:
    """The newest of ``editions`` (the last) with the indicators only older ones have, and their
    items, categories and aspects: one catalogue that names every code of a mixed-edition table."""
    out = editions[-1]
    for ed in reversed(editions[:-1]):
        extra = [i for i in ed.indicators if i.code not in out.indicator_by_code]
        if not extra:
            continue
        items = [ed.item_by_code[i.item_code] for i in extra if i.item_code not in out.item_by_code]
        items = list({x.code: x for x in items}.values())
        cats = [
            ed.category_by_code[x.category_code] for x in items if x.category_code not in out.category_by_code
        ]
        cats = list({c.code: c for c in cats}.values())
        aspects = [ed.aspect_by_code[c.aspect_code] for c in cats if c.aspect_code not in out.aspect_by_code]
        aspects = list({a.code: a for a in aspects}.values())
        out = replace(
            out,
            aspects=(*out.aspects, *aspects),
            categories=(*out.categories, *cats),
            items=(*out.items, *items),
            indicators=(*out.indicators, *extra),
        )
    return out


def same_rollup(editions: Sequence[Edition], union: Edition) -> bool:
    """Whether every indicator of every edition rolls up and is priced exactly as in ``union``
    (same item, category, aspect, weight, kind, unit, direction, unit cost, central share): then one
    pass with ``union`` aggregates and prices a mixed-edition table exactly."""

    def key(ed: Edition, code: str) -> tuple[object, ...]:
        ind = ed.indicator_by_code[code]
        item = ed.item_by_code[ind.item_code]
        cat = ed.category_by_code[item.category_code]
        return (ind.item_code, item.category_code, cat.aspect_code, ind.weight, ind.kind, ind.unit,
                ind.direction, ind.unit_cost, item.central_share)  # fmt: skip

    return all(key(ed, i.code) == key(union, i.code) for ed in editions for i in ed.indicators)
