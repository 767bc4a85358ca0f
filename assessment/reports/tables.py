"""Display-ready tables of the evaluation report, one function per sheet (pure pandas).

Each function takes a :class:`~assessment.reports.context.ReportData` and returns a new frame whose
columns are machine keys (their labels live in ``locales/reports.toml`` under ``reports.col``);
status columns hold the translated label and a ``*_key`` twin holds the machine key, which the
workbook's conditional formatting reads. Figures are copied from the scoring output unchanged, so
a cell of the workbook equals the score, gap or cost that the dashboard shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.domain.i18n import t
from assessment.reports.context import ReportData, label_map
from assessment.scoring.aggregation import AGGREGATE_STATUSES
from assessment.scoring.costing import COST_BASES
from assessment.scoring.equity import equity, sigma_convergence
from assessment.scoring.indicators import EVIDENCE

__all__ = [
    "COMPLETENESS_STATUSES",
    "GAP_STATUSES",
    "aspect_tables",
    "completeness_table",
    "data_table",
    "equity_table",
    "floor_label",
    "gaps_table",
    "indicators_table",
    "item_marks",
    "ranking_table",
    "scored_regions",
    "status_labels",
    "status_matrix",
    "with_names",
]

COMPLETENESS_STATUSES = ("reported", "late", "missing", "never_reported")
GAP_STATUSES = ("below_floor", "below_local")
SUBMISSION_STATUSES = ("submitted", "approved", "returned", "superseded")


def status_labels(series: pd.Series, lang: str) -> pd.Series:
    """Status keys (indicator or aggregate) to their labels."""
    return label_map(series, "reports.status", AGGREGATE_STATUSES, lang)


def floor_label(floor: pd.Series, confirmed: pd.Series, lang: str) -> pd.Series:
    """``Confirmed`` / ``Unconfirmed`` / ``No national floor`` per row."""
    ok = confirmed.astype("boolean").fillna(False).to_numpy(dtype=bool)
    text = np.where(
        floor.isna().to_numpy(),
        t("reports.floor.none", lang),
        np.where(ok, t("reports.floor.confirmed", lang), t("reports.floor.unconfirmed", lang)),
    )
    return pd.Series(text, index=floor.index, dtype="string")


def item_marks(data: ReportData) -> dict[str, bool]:
    """``{item_code: True}`` where the item has an indicator with an unconfirmed national floor."""
    ind = data.indicators
    weak = ind["national_floor"].notna() & ~ind["floor_confirmed"].astype(bool)
    return ind.assign(weak=weak).groupby("item_code", sort=False)["weak"].any().to_dict()


def scored_regions(data: ReportData) -> pd.DataFrame:
    """The regions of the score table (region frame rows), in tree order."""
    codes = {str(c) for c in data.scores["region_code"].unique()}
    reg = data.regions
    return reg.loc[reg["region_code"].isin(codes)].sort_values("order", ignore_index=True)


def status_matrix(data: ReportData, level: str, codes: list[str], region_codes: list[str]) -> pd.DataFrame:
    """Regions x codes of ``level`` aggregates: columns ``s_<code>`` (score) and ``k_<code>`` (key)."""
    aggs = data.aggregates
    rows = aggs.loc[(aggs["level"] == level).to_numpy()]
    rows = rows.assign(status=rows["status"].astype("string"), code=rows["code"].astype("string"))
    score = rows.pivot(index="region_code", columns="code", values="score")
    status = rows.pivot(index="region_code", columns="code", values="status")
    score = score.reindex(index=region_codes, columns=codes).astype("float64")
    status = status.reindex(index=region_codes, columns=codes).astype("string").fillna("no_data")
    out = pd.concat(
        [score.add_prefix("s_"), status.add_prefix("k_")],
        axis=1,
    )
    return out.reset_index(drop=True)


def with_names(frame: pd.DataFrame, data: ReportData) -> pd.DataFrame:
    reg = data.regions.loc[
        :, ["region_code", "name", "parent_name", "order", "population", "population_carried_forward"]
    ]
    out = frame.assign(region_code=frame["region_code"].astype("string")).merge(
        reg.rename(columns={"name": "region", "parent_name": "parent"}), on="region_code", how="left"
    )
    return out


def ranking_table(data: ReportData) -> pd.DataFrame:
    """Regions ranked by overall score, with their aspect scores (``s_A1``...) and status keys."""
    aggs = data.aggregates
    overall = aggs.loc[(aggs["level"] == "overall").to_numpy()]
    frame = with_names(overall, data)
    frame = frame.assign(
        rank=frame["rank_in_level"],
        overall_score=frame["score"],
        status_key=frame["status"].astype("string"),
        status=status_labels(frame["status"], data.lang),
    )
    aspects = [a.code for a in data.edition.aspects]
    matrix = status_matrix(data, "aspect", aspects, frame["region_code"].tolist())
    frame = pd.concat([frame.reset_index(drop=True), matrix], axis=1)
    return frame.sort_values(["rank", "order"], na_position="last", kind="stable", ignore_index=True)


def _int_column(values: pd.Series) -> pd.arrays.IntegerArray:
    """Whole numbers with NA (ranks), from any numeric or object column."""
    return pd.array(values.to_numpy(dtype="float64", na_value=np.nan), dtype="Float64").astype("Int64")


def aspect_tables(data: ReportData) -> dict[str, tuple[pd.DataFrame, list[str]]]:
    """Per aspect: regions (tree order) x its items, the aspect score and rank then ``s_<item>``.

    Returns ``{aspect_code: (frame, item codes in catalogue order)}``; the item and aspect
    matrices are pivoted once for all aspects.
    """
    ind = data.indicators
    regions = scored_regions(data)
    codes = regions["region_code"].tolist()
    aspect_codes = [a.code for a in data.edition.aspects]
    aspects = status_matrix(data, "aspect", aspect_codes, codes)
    items = status_matrix(data, "item", ind["item_code"].drop_duplicates().tolist(), codes)
    aggs = data.aggregates
    asp_rows = aggs.loc[(aggs["level"] == "aspect").to_numpy()]
    ranks = asp_rows.assign(region_code=asp_rows["region_code"].astype("string")).pivot(
        index="region_code", columns="code", values="rank_in_level"
    )
    out = {}
    for code in aspect_codes:
        item_codes = ind.loc[ind["aspect_code"] == code, "item_code"].drop_duplicates().tolist()
        rank = ranks[code].reindex(codes) if code in ranks else pd.Series(pd.NA, index=codes)
        frame = pd.DataFrame(
            {
                "region_code": regions["region_code"].to_numpy(),
                "region": regions["name"].to_numpy(),
                "parent": regions["parent_name"].to_numpy(),
                "score": aspects[f"s_{code}"].to_numpy(),
                "rank": _int_column(rank),
                "status_key": aspects[f"k_{code}"].to_numpy(),
            }
        )
        cols = [f"s_{c}" for c in item_codes] + [f"k_{c}" for c in item_codes]
        out[code] = (pd.concat([frame, items.loc[:, cols]], axis=1), item_codes)
    return out


def _indicator_columns(frame: pd.DataFrame, data: ReportData) -> pd.DataFrame:
    ind = data.indicators.loc[:, ["indicator_code", "name", "item", "aspect", "unit", "order"]]
    ind = ind.rename(columns={"name": "indicator", "order": "ind_order"})
    return frame.assign(indicator_code=frame["indicator_code"].astype("string")).merge(
        ind.assign(indicator_code=ind["indicator_code"].astype("string")), on="indicator_code", how="left"
    )


def gaps_table(data: ReportData, region_codes: list[str] | None = None) -> pd.DataFrame:
    """Indicator values below the floor or the local standard, with the cost to close them.

    ``cost_total``/``cost_central``/``cost_local``: to reach the binding standard;
    ``cost_floor``: to reach the national floor (indicative, see :mod:`assessment.scoring.costing`).
    """
    s = data.scores
    keep = s["status"].astype("string").isin(GAP_STATUSES).fillna(False)
    if region_codes is not None:
        keep &= s["region_code"].astype("string").isin(region_codes)
    gaps = s.loc[keep.to_numpy()].assign(
        region_code=lambda f: f["region_code"].astype("string"),
        indicator_code=lambda f: f["indicator_code"].astype("string"),
    )
    key = ["region_code", "indicator_code"]
    cost = data.costs.loc[:, [*key, "cost_total", "cost_central", "cost_local", "cost_basis"]]
    floor_cost = data.costs_floor.loc[:, [*key, "cost_total"]].rename(columns={"cost_total": "cost_floor"})
    gaps = gaps.merge(cost, on=key, how="left").merge(floor_cost, on=key, how="left")
    gaps = _indicator_columns(with_names(gaps, data), data)
    severity = gaps["status"].astype("string").map({"below_floor": 0, "below_local": 1})
    gaps = gaps.assign(
        _sev=severity,
        status_key=gaps["status"].astype("string"),
        status=status_labels(gaps["status"], data.lang),
        floor_confirmed=floor_label(gaps["national_floor"], gaps["floor_confirmed"], data.lang),
        evidence=label_map(gaps["evidence"], "reports.evidence", EVIDENCE, data.lang),
        cost_basis=label_map(gaps["cost_basis"], "reports.cost_basis", COST_BASES, data.lang),
    )
    return gaps.sort_values(["_sev", "order", "ind_order"], kind="stable", ignore_index=True)


def _equity_block(data: ReportData, by: str) -> pd.DataFrame:
    eq_all = equity(data.scores_all, data.tree, data.edition, by=by)
    eq = eq_all.loc[eq_all["period"] == data.period]
    sigma = sigma_convergence(eq_all).loc[:, ["code", "cv_change", "converging"]]
    out = eq.merge(sigma, on="code", how="left")
    yes, no = t("reports.bool.yes", data.lang), t("reports.bool.no", data.lang)
    conv = out["converging"].astype("boolean")
    out = out.assign(
        converging=pd.Series(np.where(conv.fillna(False), yes, no), index=out.index, dtype="string").where(
            conv.notna()
        ),
        level=t(f"reports.level.{by}", data.lang),
    )
    if by == "aspect":
        names = {a.code: (a.name_zh if data.lang == "zh" else a.name_en) for a in data.edition.aspects}
        order = {a.code: a.order for a in data.edition.aspects}
        return out.assign(
            name=out["code"].map(names),
            floor_confirmed=pd.Series(pd.NA, index=out.index, dtype="string"),
            _order=out["code"].map(order),
        )
    ind = data.indicators.set_index("indicator_code")
    code = out["code"].astype("string")
    return out.assign(
        name=code.map(ind["name"]),
        floor_confirmed=floor_label(
            code.map(ind["national_floor"]), code.map(ind["floor_confirmed"]), data.lang
        ),
        _order=code.map(ind["order"]) + 1000,
    )


def equity_table(data: ReportData) -> pd.DataFrame:
    """Dispersion across regions per aspect (scores) then per indicator (values), with convergence."""
    blocks = [_equity_block(data, "aspect"), _equity_block(data, "indicator")]
    out = pd.concat(blocks, ignore_index=True)
    return out.sort_values("_order", kind="stable", ignore_index=True)


def completeness_table(data: ReportData, completeness: pd.DataFrame | None) -> tuple[pd.DataFrame, bool]:
    """Who reported, late, missing, never; ``derived`` is True when inferred from the values.

    With the store's counts (:meth:`Store.completeness` given ``expected_indicators``), also
    ``indicators_reported``, ``indicators_expected`` and ``partial``; empty (and False) without."""
    regions = scored_regions(data)
    if completeness is not None:
        comp = completeness.assign(region_code=completeness["region_code"].astype("string"))
        comp = comp.loc[comp["region_code"].isin(set(regions["region_code"]))]
        comp = comp.drop(columns=[c for c in ("name_zh", "name_en", "parent_code") if c in comp])
        derived = False
    else:
        per = data.scores_all
        reported = per.loc[(per["status"] != "no_data").to_numpy()]
        now = {str(c) for c in reported.loc[reported["period"] == data.period, "region_code"].unique()}
        ever = {str(c) for c in reported["region_code"].unique()}
        code = regions["region_code"]
        status = np.select(
            [code.isin(now).to_numpy(), code.isin(ever).to_numpy()], ["reported", "missing"], "never_reported"
        )
        comp = pd.DataFrame({"region_code": code.to_numpy(), "status": status})
        derived = True
    frame = with_names(comp, data)
    for col in ("first_uploaded_at", "days_late", "latest_version", "latest_status", "approved_version"):
        if col not in frame:
            frame[col] = pd.NA
    for col in ("indicators_reported", "indicators_expected"):  # counts of a partial report
        frame[col] = frame[col].astype("Int64") if col in frame else pd.Series(pd.NA, frame.index, "Int64")
    partial = frame["partial"].astype("boolean") if "partial" in frame else pd.Series(False, frame.index)
    frame = frame.assign(
        partial=partial.fillna(False).astype(bool),
        status_key=frame["status"].astype("string"),
        latest_status_key=frame["latest_status"].astype("string"),  # for the counts (reporting_status)
        completeness=label_map(
            frame["status"], "reports.completeness_status", COMPLETENESS_STATUSES, data.lang
        ),
        latest_status=label_map(
            frame["latest_status"], "reports.submission_status", SUBMISSION_STATUSES, data.lang
        ),
    )
    rank = frame["status_key"].map({s: i for i, s in enumerate(COMPLETENESS_STATUSES)})
    frame = frame.assign(_rank=rank).sort_values(["_rank", "order"], kind="stable", ignore_index=True)
    return frame, derived


def indicators_table(data: ReportData) -> pd.DataFrame:
    """The catalogue: indicators with their national floor and whether it is confirmed."""
    ind = data.indicators
    return ind.assign(
        indicator=ind["name"],
        direction=label_map(ind["direction"], "reports.direction", ("higher", "lower"), data.lang),
        floor_confirmed=floor_label(ind["national_floor"], ind["floor_confirmed"], data.lang),
    )


def data_table(data: ReportData) -> pd.DataFrame:
    """The values reported for the period (one row per region and indicator with a value)."""
    s = data.scores.loc[data.scores["value"].notna().to_numpy()]
    s = s.assign(
        region_code=s["region_code"].astype("string"), indicator_code=s["indicator_code"].astype("string")
    )
    if "note" in data.values:
        notes = data.values.loc[:, ["region_code", "indicator_code", "note"]].assign(
            indicator_code=lambda f: f["indicator_code"].astype("string"),
            note=lambda f: f["note"].astype("string"),
        )
        notes = notes.loc[notes["note"].fillna("").str.len() > 0].drop_duplicates(
            ["region_code", "indicator_code"]
        )
        s = s.merge(notes, on=["region_code", "indicator_code"], how="left")
    else:
        s = s.assign(note=pd.Series(pd.NA, index=s.index, dtype="string"))
    names = data.regions.set_index("region_code")
    ind = data.indicators.set_index("indicator_code")
    return s.assign(
        region=s["region_code"].map(names["name"]),
        indicator=s["indicator_code"].map(ind["name"]),
        unit=s["indicator_code"].map(ind["unit"]),
        status_key=s["status"].astype("string"),
        status=status_labels(s["status"], data.lang),
    ).reset_index(drop=True)
