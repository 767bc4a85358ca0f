"""One definition of each reporting count (issue 16, point 7), used by every page, report and the README.

The counts are taken per region expected to report for one period within one jurisdiction: the
rows of :meth:`Store.completeness <assessment.store.service_reads.StoreReads.completeness>` (the
counties under the jurisdiction, plus any other region that submitted). A region is counted as:

* **reported** (已报送, 含待审核): it has uploaded at least one version for the period, whatever
  happened to it since (waiting for review, approved, returned or superseded); on time or late.
  Completeness status ``reported`` (on time) or ``late``.
* **approved** (已审核通过): it has an approved version for the period. Only approved values
  enter the official scores.
* **pending** (待审核): its latest version is waiting for an evaluator's decision (status
  ``submitted``). A region may be pending and approved at once: an approved version stays in force
  while a newer version waits.
* **returned** (已退回待修改): its latest version was returned to the official and nothing newer
  was uploaded yet.
* **late** (逾期报送): its first version for the period arrived after the deadline (a subset of
  reported; a correction uploaded after the deadline does not make an on-time report late).
* **not reported** (未报送): nothing uploaded for the period; **never reported** (从未报送) is the
  part of those that has never uploaded anything for any period.
* **scored** (有总得分): the assessment gives it an overall score for the period, i.e. enough
  approved values to cover the overall score (a region may be approved and yet not scored when too
  few indicators were reported). Counted from the assessment's aggregates, not the completeness frame;
  when a page includes values waiting for review, its scores say so.

``expected`` is the number of rows (regions expected to report). Superseded versions never count
on their own: they only show that a region did report.

Ranks (:mod:`assessment.scoring.aggregation`): ``rank_in_level`` is the rank among all regions of the
same level in the assessment's jurisdiction (a prefecture evaluator's ranks are within the prefecture,
a provincial evaluator's within the province); ``rank_in_parent`` the rank among the regions with the
same parent region. :func:`rank_label_key` names the first by the jurisdiction's level.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import pandas as pd

from assessment.domain.i18n import t

COUNT_KEYS = (
    "reported",
    "approved",
    "pending",
    "returned",
    "late",
    "not_reported",
    "never_reported",
    "scored",
)


@dataclass(frozen=True)
class ReportingCounts:
    """Regions per definition (see the module docstring); ``scored`` is None when not known."""

    expected: int
    reported: int
    approved: int
    pending: int
    returned: int
    late: int
    not_reported: int
    never_reported: int
    scored: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        """Every count by name, ``expected`` first."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series("", index=frame.index, dtype="string")
    return frame[column].astype("string").fillna("")


def region_flags(completeness: pd.DataFrame) -> pd.DataFrame:
    """One boolean column per definition (but ``scored``), one row per row of ``completeness``.

    Needs ``status`` (completeness status); uses ``latest_status`` and ``approved_version`` when
    present (without ``approved_version``, approved means the latest version is approved).
    """
    status = _text(completeness, "status")
    latest = _text(completeness, "latest_status")
    if "approved_version" in completeness.columns:
        approved = completeness["approved_version"].notna().to_numpy(dtype=bool)
    else:
        approved = (latest == "approved").to_numpy(dtype=bool)
    reported = status.isin(["reported", "late"])
    return pd.DataFrame(
        {
            "reported": reported.to_numpy(dtype=bool),
            "approved": approved,
            "pending": (latest == "submitted").to_numpy(dtype=bool),
            "returned": (latest == "returned").to_numpy(dtype=bool),
            "late": (status == "late").to_numpy(dtype=bool),
            "not_reported": (~reported).to_numpy(dtype=bool),
            "never_reported": (status == "never_reported").to_numpy(dtype=bool),
        },
        index=completeness.index,
    )


def reporting_counts(completeness: pd.DataFrame, scored: int | None = None) -> ReportingCounts:
    """The counts of a completeness frame (one row per region expected to report).

    >>> f = pd.DataFrame({"status": ["reported", "late", "missing", "never_reported"],
    ...                   "latest_status": ["approved", "submitted", None, None],
    ...                   "approved_version": pd.array([1, 1, None, None], dtype="Int64")})
    >>> c = reporting_counts(f)
    >>> (c.expected, c.reported, c.approved, c.pending, c.late, c.not_reported, c.never_reported)
    (4, 2, 2, 1, 1, 2, 1)
    """
    flags = region_flags(completeness)
    sums = {k: int(flags[k].sum()) for k in flags.columns}
    return ReportingCounts(expected=len(completeness), scored=scored, **sums)


def scored_count(aggregates: pd.DataFrame, period: int, regions: pd.Series | list[str] | None = None) -> int:
    """Regions with an overall score in ``period`` (rows of :func:`assessment.scoring.aggregation.aggregate`),
    among ``regions`` when given."""
    a = aggregates
    rows = a.loc[(a["level"] == "overall").to_numpy() & (a["period"] == period).to_numpy()]
    if regions is not None:
        rows = rows.loc[rows["region_code"].astype(str).isin({str(c) for c in regions})]
    return int(rows.loc[rows["score"].notna(), "region_code"].nunique())


def count_label(key: str, lang: str) -> str:
    """The label of a count (``counts.label.<key>``): it says which count it is."""
    return t(f"counts.label.{key}", lang)


def count_help(key: str, lang: str) -> str:
    """The definition of a count, one sentence (``counts.help.<key>``)."""
    return t(f"counts.help.{key}", lang)


def count_value(n: int | None, of: int, lang: str) -> str:
    """``19 / 20`` (``of`` the regions expected); ``–`` when the count is unknown."""
    return "–" if n is None else t("counts.value", lang, n=n, of=of)


def rank_label_key(level: str) -> str:
    """The locale key of a ``rank_in_level`` column of an assessment whose jurisdiction has ``level``:
    the rank is within that jurisdiction (``counts.rank_in.prefecture``: 市内排名).

    >>> rank_label_key("prefecture"), rank_label_key("province"), rank_label_key("township")
    ('counts.rank_in.prefecture', 'counts.rank_in.province', 'counts.rank_in.other')
    """
    known = ("national", "province", "prefecture", "county")
    return f"counts.rank_in.{level if level in known else 'other'}"


RANK_IN_PARENT_KEY = "counts.rank_in.parent"  # the label of a ``rank_in_parent`` column
