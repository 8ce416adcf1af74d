"""Counting by week for the home screen's chart."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta


def week_starts(now: datetime, weeks: int) -> list[date]:
    """Mondays of the last `weeks` weeks, oldest first, this week last."""
    monday = now.date() - timedelta(days=now.weekday())
    return [monday - timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def count_by_week(moments: Iterable[datetime], starts: list[date]) -> list[int]:
    counts = [0] * len(starts)
    first = starts[0]
    for moment in moments:
        index = (moment.date() - first).days // 7
        if 0 <= index < len(starts):
            counts[index] += 1
    return counts
