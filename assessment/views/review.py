"""Display-ready tables for the review page (issue 7, page 7). Pure pandas.

An evaluator sees who reported for a period (completeness and timeliness), the queue of versions
waiting for a decision, and for one submission its values against its previous version and against
the region's previous period, its warnings and its review history. Headers come out in the user's
language; codes stay available where a page needs them (``pick_options`` returns submission ids,
``pick_labels`` names them).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.model import Edition, RegionTree
from assessment.domain.reporting_status import reporting_counts
from assessment.intake.active_content import Finding
from assessment.intake.values_copy import values_name as values_name  # for the pages
from assessment.store.completeness import COMPLETENESS_STATUSES
from assessment.store.outcome import MergeOrigin
from assessment.store.workflow import Submission
from assessment.views.analysis_common import units_text
from assessment.views.upload import column_headers, time_text

STATUS_ICONS = {"reported": "✔", "late": "◔", "missing": "✖", "never_reported": "⊘"}
COMPLETENESS_COLUMNS = (
    "region",
    "parent",
    "status",
    "first_uploaded_at",
    "days_late",
    "latest_version",
    "latest_status",
    "indicators",
)
PARTIAL_MARK = "◑"
QUEUE_COLUMNS = ("id", "region", "period", "version", "uploaded_at", "uploaded_by", "filename", "values")
DIFF_FIELDS = ("value", "numerator", "denominator", "note")
VALUE_COLUMNS = ("indicator", "unit", "value", "numerator", "denominator", "note", "previous", "change")
REVIEW_COLUMNS = ("at", "actor", "decision", "from_status", "to_status", "reason", "comment")


def _names(tree: RegionTree, lang: str) -> dict[str, str]:
    return {r.code: (r.name_zh if lang == "zh" else r.name_en) for r in tree}


def _region_text(codes: pd.Series, tree: RegionTree, lang: str) -> pd.Series:
    names = _names(tree, lang)
    codes = codes.astype("string")
    return (codes.map(names).fillna("") + " (" + codes + ")").astype("string")


def _indicator_text(codes: pd.Series, edition: Edition, lang: str) -> pd.Series:
    by_code = edition.indicator_by_code
    names = {c: (i.name_zh if lang == "zh" else i.name_en) for c, i in by_code.items()}
    codes = codes.astype("string")
    return (codes + " " + codes.map(names).fillna("")).str.strip().astype("string")


def _store_status(col: pd.Series, lang: str) -> pd.Series:
    return (
        col.astype("string").map(lambda s: t(f"store.status.{s}", lang), na_action="ignore").astype("string")
    )


REVIEW_COUNTS = ("reported", "approved", "pending", "returned", "late", "not_reported")


def completeness_counts(frame: pd.DataFrame) -> dict[str, int]:
    """Regions per count of :mod:`assessment.domain.reporting_status` (``reported``, ``approved``,
    ``pending``, ``returned``, ``late``, ``not_reported``): the same definitions as the overview's.
    Label a count with ``counts.label.<key>`` and show it out of ``len(frame)``."""
    counts = reporting_counts(frame).as_dict()
    return {key: int(counts[key] or 0) for key in REVIEW_COUNTS}


def _partial(frame: pd.DataFrame) -> pd.Series:
    if "partial" not in frame.columns:
        return pd.Series(False, index=frame.index, dtype=bool)
    return frame["partial"].astype("boolean").fillna(False).astype(bool)


def partial_count(frame: pd.DataFrame) -> int:
    """Regions whose latest version carries fewer indicators than the edition (column ``partial``
    of :meth:`Store.completeness` with ``expected_indicators``; 0 without it)."""
    return int(_partial(frame).sum())


def indicators_text(frame: pd.DataFrame) -> pd.Series:
    """``reported / expected`` per row (``80 / 115``), the reported count alone when the expected
    one is unknown, empty when nothing was reported.

    >>> f = pd.DataFrame({"indicators_reported": pd.array([80, 115, None, 3], dtype="Int64"),
    ...                   "indicators_expected": pd.array([115, 115, 115, None], dtype="Int64")})
    >>> indicators_text(f).tolist()
    ['80 / 115', '115 / 115', '', '3']
    """
    if "indicators_reported" not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    reported = frame["indicators_reported"].astype("Int64").astype("string")
    expected = (
        frame["indicators_expected"].astype("Int64").astype("string")
        if "indicators_expected" in frame.columns
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    both = (reported + " / " + expected).fillna(reported)
    return both.fillna("").astype("string")


def completeness_table(frame: pd.DataFrame, tree: RegionTree, lang: str) -> pd.DataFrame:
    """One row per region expected to report (from :meth:`Store.completeness`), worst first
    (never reported, missing, late, reported), tree order within. Headers in ``lang``.

    A partial report (column ``partial``) keeps its status, marked ``◑ partial`` after it; the
    ``indicators`` column reads ``reported / expected``."""
    rank = {s: i for i, s in enumerate(reversed(COMPLETENESS_STATUSES))}
    order = frame.assign(_rank=frame["status"].astype(str).map(rank), _pos=np.arange(len(frame))).sort_values(
        ["_rank", "_pos"], ignore_index=True
    )
    status = order["status"].astype(str)
    labels = {s: f"{STATUS_ICONS[s]} {t(f'review.completeness.{s}', lang)}" for s in COMPLETENESS_STATUSES}
    marker = f" · {PARTIAL_MARK} {t('review.completeness.partial', lang)}"
    status_text = status.map(labels).astype("string").where(~_partial(order), status.map(labels) + marker)
    out = pd.DataFrame(
        {
            "region": _region_text(order["region_code"], tree, lang),
            "parent": order["parent_code"].astype("string").map(_names(tree, lang)).astype("string"),
            "status": status_text.astype("string"),
            "first_uploaded_at": time_text(order["first_uploaded_at"]),
            "days_late": pd.to_numeric(order["days_late"], errors="coerce").round(1),
            "latest_version": order["latest_version"].astype("Int64"),
            "latest_status": _store_status(order["latest_status"], lang).fillna(""),
            "indicators": indicators_text(order),
        }
    )
    return out.rename(columns=column_headers("review.col", COMPLETENESS_COLUMNS, lang))


def queue_table(queue: pd.DataFrame, tree: RegionTree, lang: str) -> pd.DataFrame:
    """The versions waiting for a decision, oldest upload first (as :meth:`Store.review_queue`)."""
    out = pd.DataFrame(
        {
            "id": queue["id"].astype("Int64"),
            "region": _region_text(queue["region_code"], tree, lang),
            "period": queue["period"].astype("Int64"),
            "version": queue["version"].astype("Int64"),
            "uploaded_at": time_text(queue["uploaded_at"]),
            "uploaded_by": queue["uploaded_by"].astype("string"),
            "filename": queue["filename"].astype("string"),
            "values": queue["value_count"].astype("Int64"),
        }
    )
    return out.rename(columns=column_headers("review.queue", QUEUE_COLUMNS, lang))


def pick_options(queue: pd.DataFrame, period_submissions: pd.DataFrame) -> list[int]:
    """Submission ids to choose from: the queue (oldest first), then the other live versions of the
    chosen period (approved or returned, newest first; superseded ones left out).

    >>> q = pd.DataFrame({"id": [7, 3], "status": ["submitted"] * 2})
    >>> p = pd.DataFrame({"id": [9, 7, 4], "status": ["approved", "submitted", "superseded"]})
    >>> pick_options(q, p)
    [7, 3, 9]
    """
    first = [int(i) for i in queue["id"]]
    live = period_submissions.loc[period_submissions["status"].astype(str) != "superseded", "id"]
    return first + [int(i) for i in live if int(i) not in set(first)]


def pick_labels(frames: Sequence[pd.DataFrame], tree: RegionTree, lang: str) -> dict[int, str]:
    """:func:`submission_label` of every submission in ``frames`` (rows of :meth:`Store.submissions`),
    by id, built from the frames (no query per option)."""
    names = _names(tree, lang)
    out: dict[int, str] = {}
    for frame in frames:
        rows = frame[["id", "region_code", "period", "version", "status"]].itertuples(index=False)
        for sid, region, period, version, status in rows:
            out[int(sid)] = _label(int(sid), str(region), int(period), int(version), str(status), names, lang)
    return out


def _label(
    sid: int, region: str, period: int, version: int, status: str | None, names: dict, lang: str
) -> str:
    text = f"#{sid} {names.get(region, '')} ({region}) · {period} · v{version}"
    return f"{text} · {t(f'store.status.{status}', lang)}" if status else text


def submission_label(sub: Submission, tree: RegionTree, lang: str, *, status: bool = True) -> str:
    """One line naming a submission: ``#12 甲南县 (990123) · 2024 · v2 · 待审核``."""
    state = sub.status if status else None
    return _label(sub.id, sub.region_code, sub.period, sub.version, state, _names(tree, lang), lang)


def previous_version_id(versions: pd.DataFrame, version: int) -> int | None:
    """The id of the version just before ``version`` among one region and period's versions."""
    older = versions.loc[versions["version"].astype(int) < int(version)]
    if older.empty:
        return None
    return int(older.sort_values("version")["id"].iloc[-1])


def diff_base(
    versions: pd.DataFrame, version: int, merged_from: MergeOrigin | None
) -> tuple[int, int] | None:
    """The (id, version) a version is compared with: the version a partial batch file was merged
    onto (:meth:`Store.merged_from`), else the version just before it; None for a first version.

    >>> v = pd.DataFrame({"id": [4, 7, 9], "version": [1, 2, 3]})
    >>> diff_base(v, 3, None), diff_base(v, 3, MergeOrigin(4, 1, 2, 5)), diff_base(v, 1, None)
    ((7, 2), (4, 1), None)
    """
    if merged_from is not None:
        return merged_from.id, merged_from.version
    before = previous_version_id(versions, version)
    if before is None:
        return None
    return before, int(versions.loc[versions["id"].astype(int) == before, "version"].iloc[0])


def diff_table(diff: pd.DataFrame, edition: Edition, lang: str) -> pd.DataFrame:
    """:meth:`Store.diff` for reading: indicator (code and name), what changed, then old and new
    value, numerator, denominator and note side by side. Headers in ``lang``."""
    change = diff["change"].astype("string").map(lambda c: t(f"review.change.{c}", lang)).astype("string")
    out = pd.DataFrame(
        {"indicator": _indicator_text(diff["indicator_code"], edition, lang), "change": change}
    )
    for field in DIFF_FIELDS:
        for side in ("old", "new"):
            out[f"{side}_{field}"] = diff[f"{side}_{field}"]
    headers = {"indicator": t("review.values.indicator", lang), "change": t("review.diff.change", lang)}
    headers |= {
        f"{side}_{field}": t(f"review.diff.{side}", lang, field=t(f"review.field.{field}", lang))
        for field in DIFF_FIELDS
        for side in ("old", "new")
    }
    return out.rename(columns=headers)


def values_table(values: pd.DataFrame, previous: pd.DataFrame, edition: Edition, lang: str) -> pd.DataFrame:
    """A submission's values in catalogue order beside the region's approved value of the
    previous period and the change. ``previous``: tidy values (indicator_code, value), may be
    empty. Headers in ``lang``; the previous period is named by the caller's caption."""
    order = {ind.code: i for i, ind in enumerate(edition.indicators)}
    units = {ind.code: ind.unit for ind in edition.indicators}
    v = values.assign(_order=values["indicator_code"].astype(str).map(order)).sort_values(
        "_order", ignore_index=True, na_position="last"
    )
    prev = (
        previous.assign(indicator_code=previous["indicator_code"].astype(str))
        .drop_duplicates("indicator_code")
        .set_index("indicator_code")["value"]
        .astype("float64")
        if len(previous)
        else pd.Series(dtype="float64")
    )
    before = v["indicator_code"].astype(str).map(prev).astype("float64")
    value = v["value"].astype("float64")
    out = pd.DataFrame(
        {
            "indicator": _indicator_text(v["indicator_code"], edition, lang),
            "unit": units_text(v["indicator_code"].astype(str).map(units), lang).astype("string"),
            "value": value,
            "numerator": v["numerator"].astype("float64"),
            "denominator": v["denominator"].astype("float64"),
            "note": v["note"].astype("string").fillna(""),
            "previous": before,
            "change": value - before,
        }
    )
    return out.rename(columns=column_headers("review.values", VALUE_COLUMNS, lang))


def review_table(reviews: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Review decisions (:meth:`Store.reviews`), oldest first. Headers in ``lang``."""
    decision = reviews["decision"].astype("string").map(lambda d: t(f"store.decision.{d}", lang))
    reason = reviews["reason_code"].astype("string")
    out = pd.DataFrame(
        {
            "at": time_text(reviews["at"]),
            "actor": reviews["actor"].astype("string"),
            "decision": decision.astype("string"),
            "from_status": _store_status(reviews["from_status"], lang),
            "to_status": _store_status(reviews["to_status"], lang),
            "reason": reason.map(lambda r: t(f"store.reason.{r}", lang), na_action="ignore")
            .astype("string")
            .fillna(""),
            "comment": reviews["comment"].astype("string").fillna(""),
        }
    )
    return out.rename(columns=column_headers("review.history", REVIEW_COLUMNS, lang))


def decisions_for(status: str, latest: bool) -> Sequence[str]:
    """What an evaluator may do with a version: approve or return a pending one; reopen the latest
    version once approved or returned; nothing otherwise (superseded, or an older version).

    >>> decisions_for("submitted", True), decisions_for("approved", True), decisions_for("approved", False)
    (('approve', 'return'), ('reopen',), ())
    """
    if status == "submitted":
        return ("approve", "return")
    if status in ("approved", "returned") and latest:
        return ("reopen",)
    return ()


def active_content_note(found: Sequence[Finding], lang: str) -> str:
    """One line saying what active content the original file held (formulas, DDE, HYPERLINK
    formulas, external links...) and that downloads carry values only; ``""`` when it held none.

    >>> active_content_note([Finding("dde", "填报", "J4", "cmd|' /C calc'!A0")], "en")
    'The original file holds formulas or links (DDE formula: 1). The download has values only.'
    """
    if not found:
        return ""
    counts: dict[str, int] = {}
    for f in found:
        counts[f.kind] = counts.get(f.kind, 0) + 1
    sep, colon = ("，", "：") if lang == "zh" else (", ", ": ")
    parts = sep.join(f"{t(f'review.active.{kind}', lang)}{colon}{n}" for kind, n in counts.items())
    return t("review.active_content", lang, kinds=parts)
