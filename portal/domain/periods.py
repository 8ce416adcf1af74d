"""Reporting periods in a program's timezone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def previous_month(now: datetime, timezone: str) -> tuple[str, datetime, datetime]:
    """('YYYY-MM', start, end) of the month before `now`'s local month, bounds in UTC."""
    local = now.astimezone(ZoneInfo(timezone))
    first_this = date(local.year, local.month, 1)
    first_prev = date(first_this.year - (first_this.month == 1), (first_this.month - 2) % 12 + 1, 1)
    return first_prev.strftime("%Y-%m"), *month_bounds(first_prev, timezone)


def month_bounds(first: date, timezone: str) -> tuple[datetime, datetime]:
    zone = ZoneInfo(timezone)
    nxt = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(nxt, time(0), tzinfo=zone).astimezone(UTC)
    return start, end


def local_day(now: datetime, timezone: str) -> str:
    return now.astimezone(ZoneInfo(timezone)).date().isoformat()
