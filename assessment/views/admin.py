"""Tables for the administration page (issue 7, page 9): users, the region tree (and its CSV, in
the format :func:`assessment.catalogue.regions.parse_region_csv` reads), editions, boundary coverage
and the first-run checklist. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from assessment.catalogue.regions import TREE_COLUMNS
from assessment.domain.i18n import t
from assessment.domain.model import LEVEL_RANK, Edition, LocalStandard, Region, RegionTree

REGION_CSV_COLUMNS = TREE_COLUMNS


def users_frame(
    users: tuple, tree: RegionTree, lang: str = "zh", waits: Mapping[str, datetime] | None = None
) -> pd.DataFrame:
    """One row per account: name, role, scope (with the region's name), sign-in methods, state
    (``waits``: the accounts whose name must wait after failed sign-ins, and until when)."""
    waits = waits or {}
    rows = []
    for u in users:
        scope = u.scope_region_code
        name = ""
        if scope and scope in tree:
            reg = tree.get(scope)
            name = reg.name_zh if lang == "zh" else reg.name_en
        rows.append(
            {
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role,
                "scope": f"{scope} {name}".strip() if scope else "",
                "password": bool(u.password_hash),
                "sso": u.external_identity or "",
                "disabled": bool(u.disabled),
                "throttled_until": waits.get(u.username),
                "created_at": u.created_at,
            }
        )
    return pd.DataFrame(rows)


def region_frame(tree: RegionTree, lang: str = "zh") -> pd.DataFrame:
    """The region tree as a table, in tree order, with indentation by level."""
    top = min((LEVEL_RANK[r.level] for r in tree), default=0)
    indent = {level: "　" * (rank - top) for level, rank in LEVEL_RANK.items()}
    order = tree_order(tree)
    return pd.DataFrame(
        {
            "region_code": [r.code for r in order],
            "name": [indent.get(r.level, "") + (r.name_zh if lang == "zh" else r.name_en) for r in order],
            "level": [r.level for r in order],
            "parent_code": [r.parent_code or "" for r in order],
            "population": [r.population for r in order],
        }
    )


def edition_frame(editions: list[Edition]) -> pd.DataFrame:
    """Catalogue editions with their counts and publication dates."""
    return pd.DataFrame(
        [
            {
                "edition": e.id,
                "title": f"{e.title_zh} / {e.title_en}",
                "published": e.published,
                "aspects": len(e.aspects),
                "categories": len(e.categories),
                "items": len(e.items),
                "indicators": len(e.indicators),
            }
            for e in editions
        ]
    )


def boundary_coverage(
    tree: RegionTree, geojson: dict, lang: str = "zh"
) -> tuple[int, int, int, int, pd.DataFrame]:
    """How many counties and jurisdictions have a boundary: (counties with, counties, jurisdictions
    with, jurisdictions) and the regions without one (code, name, level), in tree order."""
    have = {f.get("properties", {}).get("code") for f in geojson.get("features", [])}
    leaves = [r for r in tree if not tree.children(r.code)]
    inner = [r for r in tree if tree.children(r.code)]
    missing = [r for r in tree if r.code not in have]
    frame = pd.DataFrame(
        {
            "region_code": [r.code for r in missing],
            "name": [r.name_zh if lang == "zh" else r.name_en for r in missing],
            "level": [r.level for r in missing],
        }
    )
    return (
        sum(r.code in have for r in leaves),
        len(leaves),
        sum(r.code in have for r in inner),
        len(inner),
        frame,
    )


def tree_order(tree: RegionTree) -> list[Region]:
    """Every region, each top-level one followed by its descendants (empty for an empty tree)."""
    out: list[Region] = []
    for top in (r for r in tree if r.parent_code is None or r.parent_code not in tree):
        out += [top, *tree.descendants(top.code)]
    return out


def _flag(value: bool) -> str:
    return "yes" if value else "no"


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def region_csv(tree: RegionTree) -> bytes:
    """The region tree as the CSV the loader reads (UTF-8, tree order; only a header when empty),
    with a ``population_YYYY`` column per year that has figures: ``parse_region_csv(region_csv(tree))``
    gives back the same regions."""
    frame = pd.DataFrame(
        [
            {
                "code": r.code,
                "name_zh": r.name_zh,
                "name_en": r.name_en,
                "level": r.level,
                "parent_code": r.parent_code or "",
                "population": str(int(r.population)),
                "urban": _flag(r.urban),
                "mountainous": _flag(r.mountainous),
                "ethnic_autonomous": _flag(r.ethnic_autonomous),
                "fiscal_capacity_per_head": _number(r.fiscal_capacity_per_head),
                "reports": _flag(r.reports),
            }
            for r in tree_order(tree)
        ],
        columns=list(REGION_CSV_COLUMNS),
    )
    years = sorted({year for r in tree for year, _ in r.populations})
    if years:  # the yearly populations too, so that export -> edit -> import keeps them
        by_region = {r.code: dict(r.populations) for r in tree}
        for year in years:
            frame[f"population_{year}"] = [
                str(int(by_region[code][year])) if year in by_region[code] else "" for code in frame["code"]
            ]
    money_years = sorted({year for r in tree for year, _, _ in r.finances})
    if money_years:  # and the fiscal figures of each year (issue 19), as the import reads them
        money = {r.code: {y: (rev, tr) for y, rev, tr in r.finances} for r in tree}
        for i, field_name in enumerate(("revenue_per_head", "transfers_per_head")):  # each by year
            for year in money_years:
                frame[f"{field_name}_{year}"] = [
                    _number(money[code].get(year, (None, None))[i]) for code in frame["code"]
                ]
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


# -- the first-run checklist ------------------------------------------------------------------------
SETUP_STEPS = ("region_tree", "boundaries", "editions", "local_standards", "accounts", "deadlines")
OPTIONAL_STEPS = frozenset({"local_standards"})


@dataclass(frozen=True)
class SetupStep:
    """One line of the first-run checklist: done or not, what is there, what to do next."""

    key: str  # one of SETUP_STEPS
    done: bool
    optional: bool
    state: str  # what is there now (in the page's language)
    next_step: str  # what to do next ("" when done)
    counts: Mapping[str, int] = field(default_factory=dict)


def setup_checklist(
    tree: RegionTree,
    boundary_codes: Iterable[str],
    editions: Sequence[Edition],
    standards: Sequence[LocalStandard],
    users: Sequence,
    deadlines: Mapping[int, datetime],
    lang: str = "zh",
) -> list[SetupStep]:
    """The first-run checklist of a deployment, in order: region tree, map boundaries, catalogue
    editions, local standards (optional), accounts beyond the administrators, reporting deadlines.

    ``users`` are the store's accounts (the built-in ``system`` account is ignored); ``deadlines``
    the stored deadlines by period.
    """
    leaves = [r for r in tree if not tree.children(r.code)]
    have = set(boundary_codes)
    with_boundary = sum(r.code in have for r in leaves)
    people = [u for u in users if u.username != "system" and not u.disabled]
    roles = {role: sum(u.role == role for u in people) for role in ("admin", "evaluator", "official")}
    counts: dict[str, dict[str, int]] = {
        "region_tree": {"regions": len(tree), "counties": len(leaves)},
        "boundaries": {"with": with_boundary, "counties": len(leaves)},
        "editions": {"editions": len(editions)},
        "local_standards": {"standards": len(standards)},
        "accounts": roles,
        "deadlines": {"periods": len(deadlines)},
    }
    done = {
        "region_tree": len(tree) > 0,
        "boundaries": bool(leaves) and with_boundary == len(leaves),
        "editions": bool(editions),
        "local_standards": bool(standards),
        "accounts": roles["evaluator"] + roles["official"] > 0,
        "deadlines": bool(deadlines),
    }
    extra = {
        "editions": ", ".join(e.id for e in editions),
        "deadlines": ", ".join(f"{p}: {d:%Y-%m-%d}" for p, d in sorted(deadlines.items())),
    }
    steps = []
    for key in SETUP_STEPS:
        fill = {**counts[key], "list": extra.get(key, "")}
        state_key = f"onboarding.state.{key}" if done[key] or key == "boundaries" else "onboarding.missing"
        if key == "boundaries" and not tree:
            state_key = "onboarding.missing"
        blocked = key in ("boundaries", "local_standards", "accounts") and not tree
        next_key = "onboarding.after_tree" if blocked else f"onboarding.next.{key}"
        steps.append(
            SetupStep(
                key=key,
                done=done[key],
                optional=key in OPTIONAL_STEPS,
                state=t(state_key, lang, **fill),
                next_step="" if done[key] else t(next_key, lang),
                counts=counts[key],
            )
        )
    return steps
