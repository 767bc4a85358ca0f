"""Tables for the administration page (issue 7, page 9). Pure."""

from __future__ import annotations

import pandas as pd

from assessment.domain.model import Edition, RegionTree


def users_frame(users: tuple, tree: RegionTree, lang: str = "zh") -> pd.DataFrame:
    """One row per account: name, role, scope (with the region's name), sign-in methods, state."""
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
                "locked_until": u.locked_until,
                "created_at": u.created_at,
            }
        )
    return pd.DataFrame(rows)


def region_frame(tree: RegionTree, lang: str = "zh") -> pd.DataFrame:
    """The region tree as a table, in tree order, with indentation by level."""
    indent = {"province": "", "prefecture": "　", "county": "　　"}
    order = [tree.root, *tree.descendants(tree.root.code)]
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
