"""Tidy exports of scores, equity and trends as csv or parquet bytes (issue 8 item 3).

:func:`export_frame` builds the table (one row per region x period x indicator for scores and
trends, per code x period for equity; every row carries the edition id), :func:`tidy_export`
serialises any frame:

* **csv**: UTF-8 with a byte-order mark, so Excel opens Chinese names correctly; every text field
  is quoted, and text that begins with ``= + - @``, TAB or CR gets a leading apostrophe (OWASP CSV
  injection); numbers (negative ones included) stay unquoted numbers;
* **parquet**: the frame as typed columns (categories as strings), text unchanged: parquet is read
  by programs, not by spreadsheet applications.

>>> import pandas as pd
>>> csv_bytes = tidy_export(pd.DataFrame({"name": ["=1+1", "ok"], "gap": [-2.5, 1.0]}), "csv")
>>> print(csv_bytes.decode("utf-8-sig"), end="")
"name","gap"
"'=1+1",-2.5
"ok",1.0
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

import pandas as pd

from assessment.domain.editions import EditionSchedule, LocalIndicator
from assessment.domain.errors import DataFileError
from assessment.domain.model import Edition, LocalStandard, RegionTree
from assessment.reports.context import report_problem
from assessment.scoring.analysis import assess
from assessment.scoring.equity import equity
from assessment.scoring.rollup import scope_regions

__all__ = ["EXPORTS", "FORMATS", "export_frame", "suggested_filename", "tidy_export"]

EXPORTS = ("scores", "equity", "trends")
FORMATS = ("csv", "parquet")
_DANGEROUS = r"^[=+\-@\t\r]"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9-]+")


def _plain_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with categorical columns as strings (both formats read back the same everywhere)."""
    cats = {c: "string" for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)}
    return frame.astype(cats) if cats else frame.copy()


def _neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns with an apostrophe before any formula-leading text (vectorised)."""
    out = {}
    for name in frame.columns:
        s = frame[name]
        if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
            text = s.astype("string")
            bad = text.str.contains(_DANGEROUS, regex=True).fillna(False)
            if bad.any():
                out[name] = text.where(~bad, "'" + text)
    return frame.assign(**out) if out else frame


def tidy_export(frame: pd.DataFrame, fmt: str) -> bytes:
    """``frame`` as csv (UTF-8 with BOM, formula text neutralised) or parquet bytes.

    Raises :class:`~assessment.domain.errors.DataFileError` for another format. ``frame`` is not changed.
    """
    if fmt not in FORMATS:
        raise DataFileError([report_problem("bad_format", column="format", value=str(fmt), fmt=fmt)])
    plain = _plain_columns(frame)
    if fmt == "parquet":
        buf = io.BytesIO()
        plain.to_parquet(buf, index=False)
        return buf.getvalue()
    # every text field quoted: a bare CR inside a note must not end the row
    text = _neutralised(plain).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC)
    return text.encode("utf-8-sig")


def _names(frame: pd.DataFrame, tree: RegionTree, edition: Edition) -> pd.DataFrame:
    """Region and indicator names (zh and en) beside their codes."""
    out = frame
    if "region_code" in frame.columns:
        reg = tree.frame().set_index("region_code")
        code = frame["region_code"].astype("string")
        pos = list(frame.columns).index("region_code") + 1
        out = out.copy()
        out.insert(pos, "region_name_zh", code.map(reg["name_zh"]).astype("string"))
        out.insert(pos + 1, "region_name_en", code.map(reg["name_en"]).astype("string"))
    if "indicator_code" in frame.columns:
        ind = edition.indicator_frame().set_index("indicator_code")
        code = out["indicator_code"].astype("string")
        pos = list(out.columns).index("indicator_code") + 1
        out = out.copy() if out is frame else out
        out.insert(pos, "indicator_name_zh", code.map(ind["name_zh"]).astype("string"))
        out.insert(pos + 1, "indicator_name_en", code.map(ind["name_en"]).astype("string"))
    return out


def _periods(values: pd.DataFrame, periods: Sequence[int] | None) -> list[int]:
    if "period" not in values.columns:
        raise DataFileError([report_problem("missing_columns", column="period", columns="period")])
    available = sorted({int(p) for p in pd.to_numeric(values["period"], errors="coerce").dropna()})
    if not available:
        raise DataFileError([report_problem("no_periods", column="period")])
    if periods is None:
        return available
    unknown = [int(p) for p in periods if int(p) not in available]
    if unknown:
        raise DataFileError(
            [
                report_problem(
                    "unknown_period",
                    column="period",
                    value=str(unknown[0]),
                    period=unknown[0],
                    available=", ".join(map(str, available)),
                )
            ]
        )
    return sorted({int(p) for p in periods})


def export_frame(
    what: str,
    values: pd.DataFrame,
    edition: Edition | EditionSchedule,
    tree: RegionTree,
    local_standards: Sequence[LocalStandard] = (),
    *,
    jurisdiction: str | None = None,
    periods: Sequence[int] | None = None,
    target_year: int = 2025,
    local_indicators: Sequence[LocalIndicator] = (),
) -> pd.DataFrame:
    """The tidy table for ``what`` (scores, equity or trends) of the counties under ``jurisdiction``.

    ``scores``: :data:`assessment.scoring.indicators.SCORE_COLUMNS` with region and indicator names;
    ``equity``: per aspect and per indicator and period (``by`` says which); ``trends``:
    :data:`assessment.scoring.trends.TREND_COLUMNS` with names. ``periods`` default: every period in
    ``values`` (trends and convergence need several). ``edition``: one edition, or the schedule
    (each period scored by the edition in force for it; every row names its edition and revision).
    Raises DataFileError for an unknown export, jurisdiction or period.
    """
    if what not in EXPORTS:
        raise DataFileError([report_problem("bad_what", column="what", value=str(what), what=what)])
    root = jurisdiction or tree.root.code
    if root not in tree:
        raise DataFileError([report_problem("unknown_region", column="jurisdiction", value=root, code=root)])
    scope_regions(tree, [root])
    use = _periods(values, periods)
    result = assess(
        values,
        edition,
        tree,
        local_standards,
        jurisdiction=root,
        periods=use,
        target_year=target_year,
        local_indicators=local_indicators,
    )
    scores, latest = result.scores, result.edition
    if what == "scores":
        return _names(_plain_columns(scores), tree, latest)
    if what == "trends":
        return _names(_plain_columns(result.trends), tree, latest)
    blocks = [result.period_editions(equity(scores, tree, latest, by=by)) for by in ("aspect", "indicator")]
    return pd.concat(blocks, ignore_index=True)


def suggested_filename(
    kind: str, code: str, period: int | None, edition_id: str, lang: str | None = None, ext: str = "xlsx"
) -> str:
    """A safe file name with the region, period and edition id, e.g.
    ``evaluation_990000_2024_CN-2021_zh.xlsx``.

    >>> suggested_filename("feedback", "990102", 2024, "CN-2021", "en")
    'feedback_990102_2024_CN-2021_en.xlsx'
    """
    parts = [kind, code, str(period) if period is not None else "all", edition_id]
    if lang:
        parts.append(lang)
    stem = "_".join(_SAFE_NAME.sub("-", p).strip("-") or "x" for p in parts)
    return f"{stem}.{ext}"
