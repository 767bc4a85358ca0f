"""Deadlines in Beijing time (UTC+8, no daylight saving): the text shown and the days left.

A deadline at midnight in Beijing is the end of the day before: shown as ``2030-03-31 24:00``, not
``2030-04-01 00:00``, since that is how the evaluator set it ("by the end of 31 March")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

BEIJING = timedelta(hours=8)


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def beijing_text(when: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` in Beijing time (the zone is named by the caller's text).

    >>> beijing_text(datetime(2030, 3, 31, 16, tzinfo=UTC))
    '2030-03-31 24:00'
    >>> beijing_text(datetime(2030, 3, 31, 1, 30, tzinfo=UTC))
    '2030-03-31 09:30'
    """
    local = _utc(when) + BEIJING
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return f"{local - timedelta(days=1):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


def beijing_day(when: datetime) -> date:
    """The Beijing calendar day a deadline falls on (midnight counts as the day before)."""
    return (_utc(when) + BEIJING - timedelta(microseconds=1)).date()


def days_left(deadline: datetime, now: datetime) -> int:
    """Whole calendar days (Beijing) from today to the deadline's day: 0 on the last day, negative
    once it has passed.

    >>> days_left(datetime(2030, 3, 31, 16, tzinfo=UTC), datetime(2030, 3, 29, 2, tzinfo=UTC))
    2
    """
    return (beijing_day(deadline) - (_utc(now) + BEIJING).date()).days
