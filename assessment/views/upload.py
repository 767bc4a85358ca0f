"""Display-ready tables for the upload page (issue 7, page 6) and the review page. Pure pandas.

The upload page lets an official pick a period, download the template, upload a filled file, read
every validation message at its cell, and submit. These helpers turn the core's results
(:class:`~assessment.domain.errors.Problem` tuples, submission lists, an
:class:`~assessment.scoring.analysis.Assessment`) into frames whose column headers are already in the
user's language; pages only draw them.

>>> from assessment.domain.errors import Problem
>>> p = Problem("E_NEGATIVE", "不能为负", "must not be negative", sheet="填报", cell="J12", row=12)
>>> problems_frame([p], "en").iloc[0, :3].tolist()
['✖ Error', '填报!J12', '']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import PurePath

import numpy as np
import pandas as pd

from assessment.domain.errors import Problem
from assessment.domain.i18n import catalogue, t
from assessment.domain.model import Edition, RegionTree
from assessment.domain.timefmt import beijing
from assessment.intake.workbook_layout import BATCH_COLUMNS, EXTRA_LABELS, TEMPLATE_COLUMNS
from assessment.scoring.analysis import Assessment
from assessment.views.analysis_common import units_text

# Symbols every common font has (DejaVu, Noto, Microsoft YaHei): no emoji font needed.
SEVERITY_ICONS = {"error": "✖", "warning": "⚠"}
PROBLEM_COLUMNS = ("severity", "location", "row", "column", "value", "message", "code")  # upload.col.*
HISTORY_COLUMNS = ("version", "status", "uploaded_at", "uploaded_by", "reviewed_at", "reason", "comment")
GAP_COLUMNS = ("status", "aspect", "item", "indicator", "value", "unit", "floor", "local", "gap")
GAP_STATUSES = ("below_floor", "below_local")  # worst first
COUNT_ORDER = ("below_floor", "below_local", "meets", "no_standard", "no_data")  # worst first
UNCONFIRMED_MARK = "*"
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has one time zone, no summer time


def column_headers(prefix: str, columns: Iterable[str], lang: str) -> dict[str, str]:
    """Display headers of ``columns`` from the locale keys ``<prefix>.<column>``."""
    return {c: t(f"{prefix}.{c}", lang) for c in columns}


def period_options(this_year: int, known: Iterable[int] = (), span: int = 5) -> list[int]:
    """Periods an official may report for, newest first: the last ``span`` completed years plus
    any period already known (submitted, or with a deadline).

    >>> period_options(2026, [2019])
    [2025, 2024, 2023, 2022, 2021, 2019]
    """
    recent = set(range(this_year - span, this_year))
    return sorted(recent | {int(p) for p in known}, reverse=True)


def default_period(options: Sequence[int], with_deadline: Iterable[int]) -> int:
    """The period open for reporting: the newest one that has a deadline, else the newest.

    >>> default_period([2025, 2024, 2023], [2023, 2024])
    2024
    """
    have = set(with_deadline)
    return next((p for p in options if p in have), options[0])


def template_regions(tree: RegionTree, scope: str) -> list[str]:
    """The regions an official scoped to ``scope`` fills templates for: the region itself when it
    reports alone (a county), else the reporting regions (leaves) below it, in tree order."""
    return tree.leaf_codes(scope)


def indicator_names(edition: Edition | None, lang: str) -> dict[str, str]:
    """``code -> "code name"`` of the edition's indicators in ``lang`` (empty without an edition)."""
    if edition is None:
        return {}
    return {i.code: f"{i.code} {i.name_zh if lang == 'zh' else i.name_en}" for i in edition.indicators}


def problem_indicator(p: Problem, names: dict[str, str]) -> str:
    """The indicator a problem is about, as "code name" (the code alone when the edition does not
    know it; "" when the problem is not about one indicator's row).

    >>> problem_indicator(Problem("E_NEGATIVE", "", "", indicator="S01.1"), {"S01.1": "S01.1 率"})
    'S01.1 率'
    """
    code = p.indicator or (p.value if p.column == "indicator_code" and p.value in names else "")
    return names.get(code, code)


def problems_frame(problems: Sequence[Problem], lang: str, edition: Edition | None = None) -> pd.DataFrame:
    """Every problem as one row, in file order: severity, location (``sheet!cell``), the indicator
    of the row (code and name from ``edition``), row, column, value, message (in ``lang``), code.
    Headers in ``lang``."""
    severity = {s: f"{icon} {t(f'upload.severity.{s}', lang)}" for s, icon in SEVERITY_ICONS.items()}
    location = [
        f"{p.sheet}!{p.cell}" if p.sheet and p.cell else (p.cell or p.sheet or p.file) for p in problems
    ]
    names = indicator_names(edition, lang)
    frame = pd.DataFrame(
        {
            "severity": pd.Series([severity.get(p.severity, p.severity) for p in problems], dtype="string"),
            "location": pd.Series(location, dtype="string"),
            "indicator": pd.Series([problem_indicator(p, names) for p in problems], dtype="string"),
            "row": pd.Series([p.row for p in problems], dtype="Int64"),
            "column": pd.Series([column_label(p.column, lang) for p in problems], dtype="string"),
            "value": pd.Series([p.value for p in problems], dtype="string"),
            "message": pd.Series(
                [p.message_zh if lang == "zh" else p.message_en for p in problems], dtype="string"
            ),
            "code": pd.Series([p.code for p in problems], dtype="string"),
        }
    )
    headers = column_headers("upload.col", PROBLEM_COLUMNS, lang) | {
        "indicator": t("peers.col.indicator", lang)
    }
    return frame.rename(columns=headers)


FILE_COLUMN_LABELS = {**dict(TEMPLATE_COLUMNS), **dict(BATCH_COLUMNS), **EXTRA_LABELS}


def column_label(column: str | None, lang: str) -> str | None:
    """A file column as the user's language names it: the template's and the batch file's column
    keys get their Chinese header in zh (both name the same column: the header cell says
    "数值 value"); any other column text as it is.

    >>> column_label("value", "zh"), column_label("value", "en"), column_label("J", "zh")
    ('数值', 'value', 'J')
    """
    if column and lang == "zh":
        return FILE_COLUMN_LABELS.get(column, column)
    return column


@dataclass(frozen=True)
class ProblemGroup:
    """Problems of one kind (code and severity): a one-line title and their table."""

    code: str
    severity: str
    title: str
    frame: pd.DataFrame

    @property
    def count(self) -> int:
        return len(self.frame)


def group_title(code: str, severity: str, n: int, lang: str) -> str:
    """ "⚠ 20 values equal the standard exactly" and the like: the kind of problem and how many.

    >>> group_title("W_BUNCHED_AT_STANDARD", "warning", 20, "en")
    '⚠ 20 values equal their standard exactly'
    """
    key = f"peers.group.{code}"
    text = t(key, lang, n=n) if key in catalogue() else t("peers.group.other", lang, n=n, code=code)
    return f"{SEVERITY_ICONS.get(severity, '')} {text}".strip()


def grouped_problems(
    problems: Sequence[Problem], lang: str, edition: Edition | None = None
) -> list[ProblemGroup]:
    """The problems grouped by kind: errors first, then warnings, each kind in the order of its
    first problem in the file; each group with its title (:func:`group_title`) and its rows
    (:func:`problems_frame`, with the indicator's code and name)."""
    order: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        order.setdefault((p.severity, p.code), []).append(p)
    keys = sorted(order, key=lambda k: 0 if k[0] == "error" else 1)  # stable: file order within
    return [
        ProblemGroup(
            code,
            sev,
            group_title(code, sev, len(order[(sev, code)]), lang),
            problems_frame(order[(sev, code)], lang, edition).iloc[:, :-1],  # the kind is the title
        )
        for sev, code in keys
    ]


def annotated_name(filename: str) -> str:
    """The download name of the annotated copy (always .xlsx).

    >>> annotated_name("990123_2024.csv")
    '990123_2024_annotated.xlsx'
    """
    stem = PurePath(filename or "upload").stem or "upload"
    return f"{stem}_annotated.xlsx"


def upload_token(sha256: str, region: str, period: int) -> str:
    """What the page remembers once a file has been submitted, so a rerun cannot submit it twice."""
    return f"{sha256}:{region}:{period}"


def submission_history(submissions: pd.DataFrame, lang: str) -> pd.DataFrame:
    """An official's versions of one region and period, newest first: version, status, uploaded
    at/by, reviewed at, reason and comment of a return. Headers in ``lang``."""
    subs = submissions.sort_values("version", ascending=False, ignore_index=True)
    status = subs["status"].astype("string").map(lambda s: t(f"store.status.{s}", lang))
    reason = subs["reason_code"].astype("string")
    reason_text = reason.map(lambda r: t(f"store.reason.{r}", lang), na_action="ignore")
    frame = pd.DataFrame(
        {
            "version": subs["version"].astype("Int64"),
            "status": status.astype("string"),
            "uploaded_at": time_text(subs["uploaded_at"]),
            "uploaded_by": subs["uploaded_by"].astype("string"),
            "reviewed_at": time_text(subs["reviewed_at"]),
            "reason": reason_text.astype("string").fillna(""),
            "comment": subs["review_comment"].astype("string").fillna(""),
        }
    )
    return frame.rename(columns=column_headers("upload.history", HISTORY_COLUMNS, lang))


def time_text(col: pd.Series) -> pd.Series:
    """Timestamps (stored in UTC) as Beijing time text, "" where missing."""
    when = pd.to_datetime(col, utc=True, errors="coerce").dt.tz_convert(BEIJING)
    return when.dt.strftime("%Y-%m-%d %H:%M").astype("string").fillna("")


def beijing_time(when: datetime | None, lang: str = "zh") -> str:
    """A timestamp (naive = UTC) as Beijing time with the zone named (see
    :mod:`assessment.domain.timefmt`).

    >>> beijing_time(datetime(2025, 3, 31, 16, 0)), beijing_time(datetime(2025, 3, 31, 16, 0), "en")
    ('2025-04-01 00:00 北京时间', '2025-04-01 00:00 Beijing time')
    """
    return beijing(when, lang)


def floor_text(floor: pd.Series, confirmed: pd.Series) -> pd.Series:
    """National floors as text, ``*`` marking a floor the source does not confirm, "" where none.

    >>> floor_text(pd.Series([95.0, 1.5, None]), pd.Series([True, False, True])).tolist()
    ['95', '1.5*', '']
    """
    number = floor.map(lambda x: f"{x:g}", na_action="ignore").astype("string")
    mark = np.where(confirmed.fillna(True).astype(bool), "", UNCONFIRMED_MARK)
    return (number + mark).fillna("").astype("string")


def status_counts(result: Assessment, region: str, period: int) -> dict[str, int]:
    """How many indicators of ``region`` in ``period`` have each scoring status (all statuses)."""
    from assessment.scoring.indicators import STATUSES

    s = result.scores
    rows = s.loc[(s["region_code"] == region) & (s["period"] == period), "status"].astype(str)
    counts = rows.value_counts()
    return {status: int(counts.get(status, 0)) for status in STATUSES}


def gaps_table(result: Assessment, region: str, period: int, lang: str) -> pd.DataFrame:
    """The indicators of ``region`` in ``period`` below the national floor, then those below the
    local standard; catalogue order within each. Columns (headers in ``lang``): status, aspect,
    item, indicator, value, unit, floor (``*`` = unconfirmed), local standard, gap to the
    standard (negative = shortfall, in the indicator's unit)."""
    s = result.scores
    rows = s.loc[(s["region_code"] == region) & (s["period"] == period)]
    rows = rows.loc[rows["status"].astype(str).isin(GAP_STATUSES)]
    ind = result.edition.indicator_frame().assign(_order=lambda d: np.arange(len(d)))
    sfx = "zh" if lang == "zh" else "en"
    keep = ["indicator_code", f"aspect_{sfx}", f"item_{sfx}", f"name_{sfx}", "unit", "_order"]
    merged = rows.assign(indicator_code=rows["indicator_code"].astype(str)).merge(
        ind[keep], on="indicator_code", how="left"
    )
    merged = merged.assign(
        _rank=merged["status"].astype(str).map({st: i for i, st in enumerate(GAP_STATUSES)})
    ).sort_values(["_rank", "_order"], ignore_index=True)
    status = merged["status"].astype(str).map(lambda x: t(f"status.{x}", lang))
    frame = pd.DataFrame(
        {
            "status": status.astype("string"),
            "aspect": merged[f"aspect_{sfx}"].astype("string"),
            "item": merged[f"item_{sfx}"].astype("string"),
            "indicator": (merged["indicator_code"] + " " + merged[f"name_{sfx}"]).astype("string"),
            "value": merged["value"].astype("float64").round(2),
            "unit": units_text(merged["unit"], lang).astype("string"),
            "floor": floor_text(merged["national_floor"].astype("float64"), merged["floor_confirmed"]),
            "local": merged["local_standard"].astype("float64"),
            "gap": merged["gap_standard"].astype("float64").round(2),
        }
    )
    return frame.rename(columns=column_headers("upload.gaps", GAP_COLUMNS, lang))
