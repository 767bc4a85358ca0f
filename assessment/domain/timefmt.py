"""Times as users read them: Beijing time (Asia/Shanghai, UTC+8, no summer time) with the zone named.

Times are stored in UTC (naive datetimes are UTC). Every page, report and export shows them through
these functions, so no page shows UTC and no time is shown without its zone:

>>> from datetime import datetime
>>> beijing(datetime(2025, 3, 31, 16, 0), "zh")
'2025-04-01 00:00 北京时间'
>>> beijing(datetime(2025, 3, 31, 16, 0), "en")
'2025-04-01 00:00 Beijing time'
>>> beijing(None, "zh")
'—'
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd

from assessment.domain.i18n import t
from assessment.domain.labels import MISSING

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")  # China has one time zone, no summer time


def to_beijing(when: datetime) -> datetime:
    """``when`` (naive = UTC) in Beijing time."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(BEIJING)


def clock(when: datetime | None) -> str:
    """``YYYY-MM-DD HH:MM`` in Beijing time without the zone (for a table column whose header names
    it, see :func:`zone`); "—" when missing."""
    if when is None or (not isinstance(when, datetime) and pd.isna(when)):
        return MISSING
    return to_beijing(pd.Timestamp(when).to_pydatetime()).strftime("%Y-%m-%d %H:%M")


def zone(lang: str) -> str:
    """The zone's name: 北京时间 / Beijing time."""
    return t("language.beijing_time", lang)


def beijing(when: datetime | None, lang: str) -> str:
    """``YYYY-MM-DD HH:MM 北京时间`` (``Beijing time`` in English); "—" when missing."""
    text = clock(when)
    return text if text == MISSING else f"{text} {zone(lang)}"


def beijing_column(col: pd.Series) -> pd.Series:
    """Timestamps (stored in UTC) as Beijing clock text, "" where missing (name the zone in the
    column's header)."""
    when = pd.to_datetime(col, utc=True, errors="coerce").dt.tz_convert(BEIJING)
    return when.dt.strftime("%Y-%m-%d %H:%M").astype("string").fillna("")
