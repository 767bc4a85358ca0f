"""Display-ready tables for the region profile page (issue 7, page 2). Pure pandas.

The spine chart follows Fingertips' area profiles: per indicator, the peers' range (worst to best)
is scaled to 0..1 with the worst end at 0 (direction-aware), the middle half of the peers shaded,
and the region's value, the national floor and the binding local standard placed on the same
scale, so indicators of different units line up.

For an official, peer figures (ranks, counts, the peers' range) of fewer than 3 regions other
than their own are not given (:mod:`assessment.domain.disclosure`): today an official's
assessment holds only their own regions, so they see none; the rule holds whatever the data.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.domain import disclosure
from assessment.domain.access import UserLike
from assessment.domain.i18n import t
from assessment.scoring.analysis import Assessment
from assessment.scoring.costing import costed_share_note
from assessment.store.service_peers import PeerStanding
from assessment.views import coverage
from assessment.views.analysis_common import unit_text, units_text


def counties(result: Assessment) -> list[str]:
    """Codes of the counties under the assessment's jurisdiction, in tree order."""
    return result.tree.leaf_codes(result.jurisdiction)


def header(result: Assessment, region: str, period: int, viewer: UserLike | None = None) -> dict:
    """Overall score, status, ranks, quintile and counts of one region and period.

    ``viewer``: who will see it (None: an evaluator's view, everything). For an official, the
    ranks and counts among the siblings and among the regions of the level are None, and
    ``peers_hidden`` True, unless at least 3 regions other than their own are behind them
    (:mod:`assessment.domain.disclosure`).
    """
    a = result.aggregates
    overall = a[(a["period"] == period) & (a["level"] == "overall")]
    row = overall[overall["region_code"] == region]
    if row.empty:
        return {}
    r = row.iloc[0]
    peers = overall[overall["parent_code"] == r["parent_code"]]
    out = {
        "score": None if pd.isna(r["score"]) else float(r["score"]),
        "status": str(r["status"]),
        "rank_in_parent": None if pd.isna(r["rank_in_parent"]) else int(r["rank_in_parent"]),
        "n_in_parent": int(peers["score"].notna().sum()),
        "rank_in_level": None if pd.isna(r["rank_in_level"]) else int(r["rank_in_level"]),
        "n_in_level": int(overall["score"].notna().sum()),
        "quintile": None if pd.isna(r["quintile"]) else int(r["quintile"]),
        "n_indicators": int(r["n_indicators"]),
        "n_reported": int(r["n_reported"]),
        "n_below_floor": int(r["n_below_floor"]),
        "n_below_local": int(r["n_below_local"]),
        # the status without the coverage rule: an insufficient_data row still shows its failures
        "worst_status": str(r["worst_status"]) if "worst_status" in r.index else str(r["status"]),
        "peers_hidden": False,
    }
    if viewer is not None and disclosure.restricted(viewer):
        groups = [_scored(peers), _scored(overall)]
        parent_ok, level_ok = disclosure.showable(viewer, result.tree, groups)
        if not parent_ok:
            out |= {"rank_in_parent": None, "n_in_parent": None}
        if not level_ok:
            out |= {"rank_in_level": None, "n_in_level": None, "quintile": None}
        out["peers_hidden"] = not (parent_ok and level_ok)
    return out


def rank_metric(head: dict, lang: str, single: bool = False) -> tuple[str, str] | None:
    """The rank figure of a :func:`header` and its help text: ranks among the siblings and the
    level with the quintile; the suppression mark (and its note) for the figures not shown to the
    viewer; None without a rank to show."""
    hidden = bool(head.get("peers_hidden"))
    if not head.get("rank_in_level") and not hidden:
        return None
    if head.get("rank_in_parent") is None and head.get("rank_in_level") is None:
        return disclosure.MARK, disclosure.note(lang)

    def fig(key: str) -> object:
        return disclosure.MARK if head.get(key) is None else head[key]

    value = t(
        "region.kpi_rank_value",
        lang,
        parent=fig("rank_in_parent"),
        n_parent=fig("n_in_parent"),
        level=fig("rank_in_level"),
        n_level=fig("n_in_level"),
    )
    if single:  # the parent is the jurisdiction assessed: one rank, not the same one twice
        value = f"{fig('rank_in_level')}/{fig('n_in_level')}"
    help_text = t("region.quintile", lang, q=fig("quintile"))
    return value, f"{help_text} {disclosure.note(lang)}" if hidden else help_text


def peer_rank_metric(standings: Sequence[PeerStanding], lang: str) -> tuple[str, str]:
    """An official's rank among anonymised peers: the figure ("第 4 名 / 共 16 个", of the nearest
    group shown) and the full text (each group: rank, median and quartiles of the scores; the
    suppression mark for a group withheld by the small-cell rule). No other region is named or valued.

    >>> from assessment.store.service_peers import PeerStanding as P
    >>> groups = [P("prefecture", True, 4, 16, 60.0, 70.5, 80.0), P("province", False)]
    >>> figure, text = peer_rank_metric(groups, "en")
    >>> figure
    'rank 4 of 16'
    >>> text.split(" · ")[0]
    'In the prefecture: rank 4 of 16, median 70.5 (quartiles 60.0–80.0)'
    >>> text.split(" · ")[1].startswith("In the province: — ")  # withheld, and the note says why
    True
    """
    colon = ": " if lang == "en" else "："
    parts, first = [], None
    for s in standings:
        name = t(f"peers.group_name.{s.group}", lang)
        if not s.shown:
            parts.append(f"{name}{colon}{disclosure.MARK}")
            continue
        rank = t("peers.rank_value", lang, rank=s.rank, n=s.n)
        first = first or rank
        fill = {k: f"{getattr(s, k):.1f}" for k in ("median", "p25", "p75")}
        parts.append(f"{name}{colon}{rank}，" + t("peers.quartiles", lang, **fill))
    if first is None:
        return disclosure.MARK, t("peers.rank_hidden", lang)
    text = " · ".join(parts).replace("，", ", ") if lang == "en" else " · ".join(parts)
    if any(not s.shown for s in standings):  # a group withheld: say why it reads "—"
        text += " " + disclosure.note(lang)
    return first, text


def rank_figure(
    head: dict, standings: Sequence[PeerStanding] | None, lang: str, single: bool = False
) -> tuple[str, str] | None:
    """The rank figure of the region page: among anonymised peers (:func:`peer_rank_metric`) when
    the core's ``standings`` are given (an official), else the real ranks (:func:`rank_metric`;
    ``single``: the region's parent is the jurisdiction assessed, see :func:`same_scope`)."""
    return rank_metric(head, lang, single) if standings is None else peer_rank_metric(standings, lang)


def _scored(frame: pd.DataFrame) -> set[str]:
    return set(frame.loc[frame["score"].notna(), "region_code"].astype(str))


def aspect_summary(result: Assessment, region: str, period: int, lang: str = "zh") -> pd.DataFrame:
    """One row per aspect: score, status and counts for the region and period; ``status_note``
    says how many indicators are below the floor on an aspect with insufficient data ("" elsewhere)."""
    a = result.aggregates
    rows = a[(a["region_code"] == region) & (a["period"] == period) & (a["level"] == "aspect")]
    names = {x.code: (x.name_zh if lang == "zh" else x.name_en) for x in result.edition.aspects}
    out = rows[
        ["code", "score", "status", "n_indicators", "n_reported", "n_below_floor", "n_below_local"]
    ].copy()
    out.insert(1, "aspect", out["code"].map(names))
    out["status_note"] = coverage.status_note(out, lang)
    order = {x.code: i for i, x in enumerate(result.edition.aspects)}
    return out.sort_values("code", key=lambda c: c.map(order)).reset_index(drop=True)


def spine(
    result: Assessment,
    region: str,
    period: int,
    lang: str = "zh",
    aspect: str | None = None,
    viewer: UserLike | None = None,
    peers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per indicator (of ``aspect`` or all): the region's value against floor, local standard and
    peers, with positions ``pos_*`` on the 0 (worst) .. 1 (best) scale of the spine chart.

    ``viewer`` (None: everything): for an official, the peers' quantiles of an indicator reported
    by fewer than 3 regions other than their own are empty (``peers_hidden`` True), and the scale
    is then set by the region's value and the standards alone.

    ``peers`` (an official's view): the anonymised statistics of ``Store.peer_statistics`` for the
    region and period; the bands are then the peers' quartiles and median (no extremes: a minimum
    or maximum is one region's value), ``peers_hidden`` where the core gave none (fewer than 3)."""
    s = result.scores
    s = s[(s["period"] == period) & s["region_code"].isin(counties(result))]
    ind = result.edition_of(period).indicator_frame()
    if aspect:
        ind = ind[ind["aspect_code"] == aspect]
    s = s[s["indicator_code"].isin(ind["indicator_code"])]
    q = s.groupby("indicator_code", observed=True)["value"].quantile([0.0, 0.25, 0.5, 0.75, 1.0]).unstack()
    q.columns = ["p_min", "p25", "p50", "p75", "p_max"]
    q["peers_hidden"] = False
    if peers is not None:  # anonymised peer statistics from the core: quartiles only, no extremes
        st = peers[(peers["period"] == period) & (peers["region_code"] == region)]
        st = st.drop_duplicates("indicator_code").set_index("indicator_code")
        codes = ind["indicator_code"]
        q = pd.DataFrame(
            {
                "p_min": np.nan,
                "p25": st["p25"].reindex(codes).to_numpy(dtype="float64"),
                "p50": st["median"].reindex(codes).to_numpy(dtype="float64"),
                "p75": st["p75"].reindex(codes).to_numpy(dtype="float64"),
                "p_max": np.nan,
            },
            index=pd.Index(codes, name="indicator_code"),
        )
        q["peers_hidden"] = q["p50"].isna()
    elif viewer is not None and disclosure.restricted(viewer):
        reported = s[s["value"].notna()].groupby("indicator_code", observed=True)["region_code"]
        sets = {code: set(regions.astype(str)) for code, regions in reported}
        hide = [not disclosure.may_show(viewer, result.tree, sets.get(code, set())) for code in q.index]
        q = disclosure.suppress(q, ["p_min", "p25", "p50", "p75", "p_max"], hide, "peers_hidden")
    mine = s[s["region_code"] == region].set_index("indicator_code")
    suffix = "zh" if lang == "zh" else "en"
    out = ind[["indicator_code", "aspect_code", "unit", "direction", "floor_confirmed"]].copy()
    out["indicator"] = ind[f"name_{suffix}"].to_numpy()
    out["unit"] = [unit_text(str(u), lang) for u in out["unit"]]  # one language on the chart
    out["item"] = ind[f"item_{suffix}"].to_numpy()
    out = out.join(q, on="indicator_code")
    out["peers_hidden"] = out["peers_hidden"].fillna(False).astype(bool)
    for col in ("p_min", "p25", "p50", "p75", "p_max"):
        out[col] = out[col].astype("float64")
    for col in ("value", "national_floor", "local_standard", "status", "ci_low", "ci_high", "evidence"):
        out[col] = out["indicator_code"].map(mine[col]) if len(mine) else np.nan
    out["status"] = out["status"].fillna("no_data").astype(str)
    lo = out[["p_min", "p25", "national_floor", "local_standard", "value"]].min(axis=1)
    hi = out[["p_max", "p75", "national_floor", "local_standard", "value"]].max(axis=1)
    span = (hi - lo).where(hi > lo)
    higher = out["direction"] == "higher"
    for col in (
        "value",
        "national_floor",
        "local_standard",
        "p_min",
        "p25",
        "p50",
        "p75",
        "p_max",
        "ci_low",
        "ci_high",
    ):
        pos = (out[col] - lo) / span
        out[f"pos_{col}"] = np.where(higher, pos, 1 - pos)
    same = span.isna() & out["value"].notna()  # every peer equal: put everything in the middle
    for col in ("value", "national_floor", "local_standard", "p_min", "p25", "p50", "p75", "p_max"):
        out.loc[same & out[col].notna(), f"pos_{col}"] = 0.5
    return out.reset_index(drop=True)


def score_history(result: Assessment, region: str, lang: str = "zh") -> pd.DataFrame:
    """Overall and aspect scores of the region over the periods (long format: period, series, score)."""
    a = result.aggregates
    rows = a[(a["region_code"] == region) & a["level"].isin(["overall", "aspect"])]
    names = {x.code: (x.name_zh if lang == "zh" else x.name_en) for x in result.edition.aspects}
    names["overall"] = "总分" if lang == "zh" else "Overall"
    out = rows[["period", "code", "score"]].copy()
    out["series"] = out["code"].map(names)
    return out.sort_values(["code", "period"]).reset_index(drop=True)


def gaps(result: Assessment, region: str, period: int, lang: str = "zh") -> pd.DataFrame:
    """Indicators below the binding standard, largest relative gap first, with trend and cost."""
    s = result.scores
    rows = s[
        (s["region_code"] == region)
        & (s["period"] == period)
        & s["status"].isin(["below_floor", "below_local"])
    ]
    ind = result.edition_of(period).indicator_frame().set_index("indicator_code")
    suffix = "zh" if lang == "zh" else "en"
    out = rows[
        [
            "indicator_code",
            "value",
            "national_floor",
            "floor_confirmed",
            "standard",
            "status",
            "gap_standard",
            "rel_gap_standard",
        ]
    ].copy()
    out.insert(1, "indicator", out["indicator_code"].map(ind[f"name_{suffix}"]))
    out.insert(2, "unit", units_text(out["indicator_code"].map(ind["unit"]), lang))
    t = result.trends
    arrows = t[(t["region_code"] == region) & (t["period"] == period)].set_index("indicator_code")["arrow"]
    out["arrow"] = out["indicator_code"].map(arrows).astype("string")
    c = result.costs
    cost = c[(c["region_code"] == region) & (c["period"] == period)].set_index("indicator_code")
    for col in ("beneficiaries_short", "cost_total", "cost_central", "cost_local"):
        out[col] = out["indicator_code"].map(cost[col]) if len(cost) else np.nan
    out["beneficiaries_short"] = np.ceil(out["beneficiaries_short"].astype("float64")).astype("Int64")
    return out.sort_values("rel_gap_standard").reset_index(drop=True)


def gaps_cost_note(result: Assessment, region: str, period: int, lang: str = "zh") -> str:
    """The line under the region's table of gaps: the total cost to close them and how many of them
    that total covers (issue 19 point 7: "costed gaps: 3 of 7 (43%)")."""
    c = result.costs
    rows = c[(c["region_code"] == region) & (c["period"] == period)]
    total = rows["cost_total"].sum(min_count=1)
    return t(
        "region.gaps_cost_total",
        lang,
        total="–" if pd.isna(total) else f"{float(total):,.0f}",
        note=costed_share_note(rows, lang),
    )


def quality_flags(result: Assessment, region: str, period: int, lang: str = "zh") -> pd.DataFrame:
    """Values to read with care: small denominators, too close to call, unconfirmed floors."""
    s = result.scores
    rows = s[(s["region_code"] == region) & (s["period"] == period) & (s["status"] != "no_data")]
    ind = result.edition_of(period).indicator_frame().set_index("indicator_code")
    suffix = "zh" if lang == "zh" else "en"
    flags = {
        "small_numbers": rows["small_numbers"].fillna(False).astype(bool),
        "too_close_to_call": rows["evidence"].astype("string").eq("too_close_to_call").fillna(False),
        "too_few_cases": rows["evidence"].astype("string").eq("too_few_cases").fillna(False),
        "unconfirmed_floor": rows["national_floor"].notna() & ~rows["floor_confirmed"].astype(bool),
    }
    parts = []
    for flag, mask in flags.items():
        part = rows.loc[mask.to_numpy(), ["indicator_code", "value", "denominator"]].copy()
        part["flag"] = flag
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if out.empty:
        return pd.DataFrame(columns=["indicator_code", "indicator", "value", "denominator", "flag"])
    out.insert(1, "indicator", out["indicator_code"].map(ind[f"name_{suffix}"]))
    return out


def spine_legend(lang: str) -> dict[str, str]:
    """The spine chart's legend texts in ``lang``."""
    legend = {k: t(f"region.legend_{k}", lang) for k in ("peers", "middle", "floor", "local", "region")}
    return legend | {
        "worst": t("region.worst", lang),
        "best": t("region.best", lang),
        "median": t("peers.legend_median", lang),
    }


def _scope_level(result: Assessment, code: str | None) -> str:
    level = result.tree.get(code).level if code and code in result.tree else "other"
    return level if level in ("national", "province", "prefecture", "county") else "other"


def same_scope(result: Assessment, region: str) -> bool:
    """Whether the region's parent is the jurisdiction assessed (a prefecture evaluator's county):
    its rank in the parent and in the jurisdiction are then one rank."""
    return region in result.tree and result.tree.get(region).parent_code == result.jurisdiction


def rank_label(result: Assessment, region: str, lang: str) -> str:
    """The label of the region page's rank figure, naming where each rank is taken: within the
    region's parent, then within the jurisdiction assessed ("排名（市内 · 省内）"); one place when
    they are the same ("排名（市内）")."""
    parent = result.tree.get(region).parent_code if region in result.tree else None
    first = t(f"region.rank_scope.{_scope_level(result, parent)}", lang)
    if same_scope(result, region):
        return t("region.kpi_rank_one", lang, scope=first)
    second = t(f"region.rank_scope.{_scope_level(result, result.jurisdiction)}", lang)
    return t("region.kpi_rank", lang, parent=first, scope=second)
