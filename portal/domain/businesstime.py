"""Deadlines in calendar days, business days and business hours, as domain.md counts them.

Pure: no clock, no store. Every function takes aware datetimes and returns aware UTC ones.
Office hours are wall-clock spans in the program's timezone, so daylight-saving changes
move nothing a person would notice (an office that opens at 8:00 opens at 8:00).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time(23, 59, 59)
# A calendar with no open day within this many days is a configuration error, not a loop.
_SEARCH_DAYS = 400


class RuleError(ValueError):
    """A deadline rule or calendar that cannot be read."""


@dataclass(frozen=True)
class Calendar:
    """A program's office: timezone, weekly hours and days closed."""

    timezone: str
    # weekday (0 = Monday) -> open spans as (start, end) wall-clock times, in order
    hours: dict[int, tuple[tuple[time, time], ...]]
    is_closed_day: Callable[[date], bool] = field(default=lambda day: False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def spans(self, day: date) -> tuple[tuple[time, time], ...]:
        if self.is_closed_day(day):
            return ()
        return self.hours.get(day.weekday(), ())

    def is_business_day(self, day: date) -> bool:
        return bool(self.spans(day))

    def close_of(self, day: date) -> datetime:
        return self._at(day, self.spans(day)[-1][1])

    def _at(self, day: date, wall: time) -> datetime:
        return datetime.combine(day, wall, tzinfo=self.zone)

    def next_business_day(self, day: date) -> date:
        for offset in range(1, _SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise RuleError(f"no open day within {_SEARCH_DAYS} days of {day}")

    def next_opening(self, moment: datetime) -> datetime:
        """The moment itself when the office is open then, else the next opening."""
        local = moment.astimezone(self.zone)
        day, wall = local.date(), local.time().replace(tzinfo=None)
        for start, end in self.spans(day):
            if wall < end:
                return local if wall >= start else self._at(day, start)
        next_day = self.next_business_day(day)
        return self._at(next_day, self.spans(next_day)[0][0])

    def add_business_time(self, moment: datetime, amount: timedelta) -> datetime:
        """Move forward by `amount` of time counted only inside office hours."""
        current = self.next_opening(moment)
        remaining = amount
        while True:
            day, wall = current.date(), current.time().replace(tzinfo=None)
            span_end = next(end for start, end in self.spans(day) if start <= wall < end)
            available = _wall_delta(wall, span_end)
            if remaining <= available:
                return _wall_add(current, remaining)
            remaining -= available
            current = self.next_opening(self._at(day, span_end))


def _wall_delta(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def _wall_add(moment: datetime, delta: timedelta) -> datetime:
    # Wall-clock arithmetic: 8:00 + 4 business hours is 12:00 even across a DST change.
    naive = moment.replace(tzinfo=None) + delta
    return naive.replace(tzinfo=moment.tzinfo)


# --- rules -------------------------------------------------------------------------------

_RULE = re.compile(
    r"^\s*(?:(?P<n>\d+)\s+(?P<unit>calendar days?|business days?|business hours?)"
    r"|(?P<word>end of day|immediately))\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Rule:
    """A deadline as the seeds write it: '5 calendar days', '4 business hours', 'end of day'."""

    kind: str  # calendar_days | business_days | business_hours | end_of_day | immediately
    amount: int = 0

    def __str__(self) -> str:
        if self.kind in ("end_of_day", "immediately"):
            return self.kind.replace("_", " ")
        return f"{self.amount} {self.kind.replace('_', ' ')}"


def parse_rule(text: str) -> Rule:
    match = _RULE.match(text or "")
    if not match:
        raise RuleError(
            f"cannot read the rule {text!r}: write e.g. '5 calendar days', '2 business days', "
            "'4 business hours', 'end of day' or 'immediately'"
        )
    if match["word"]:
        return Rule(match["word"].lower().replace(" ", "_"))
    unit = match["unit"].lower().rstrip("s").replace(" ", "_") + "s"
    return Rule(unit, int(match["n"]))


def due_at(rule: Rule, received: datetime, calendar: Calendar) -> datetime:
    """When a clock that starts at `received` under `rule` falls due, in UTC."""
    if received.tzinfo is None:
        raise ValueError("received must be timezone-aware")
    local = received.astimezone(calendar.zone)
    if rule.kind == "calendar_days":
        result = datetime.combine(
            local.date() + timedelta(days=rule.amount), END_OF_DAY, tzinfo=calendar.zone
        )
    elif rule.kind == "business_days":
        day = local.date()
        for _ in range(rule.amount):
            day = calendar.next_business_day(day)
        result = calendar.close_of(day) if rule.amount else calendar.next_opening(local)
    elif rule.kind == "business_hours":
        result = calendar.add_business_time(local, timedelta(hours=rule.amount))
    elif rule.kind == "immediately":
        result = calendar.add_business_time(local, timedelta(hours=1))
    elif rule.kind == "end_of_day":
        opening = calendar.next_opening(local)
        result = calendar.close_of(opening.date())
    else:  # pragma: no cover - parse_rule makes only the kinds above
        raise RuleError(f"unknown rule kind {rule.kind}")
    return result.astimezone(UTC)


# --- calendars from program data ---------------------------------------------------------


def parse_hours(weekly: dict[str, list[str]]) -> dict[int, tuple[tuple[time, time], ...]]:
    """Read {'mon': ['08:00-17:00'], ...}; refuse spans that end before they start."""
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for name, spans in weekly.items():
        key = name.strip().lower()[:3]
        if key not in WEEKDAYS:
            raise RuleError(f"office hours: {name!r} is not a weekday (use mon..sun)")
        parsed = []
        for span in spans:
            try:
                start_text, end_text = span.split("-")
                start, end = (
                    time.fromisoformat(start_text.strip()),
                    time.fromisoformat(end_text.strip()),
                )
            except ValueError as exc:
                raise RuleError(
                    f"office hours for {key}: cannot read {span!r} (HH:MM-HH:MM)"
                ) from exc
            if end <= start:
                raise RuleError(f"office hours for {key}: {span!r} ends before it starts")
            if parsed and start < parsed[-1][1]:
                raise RuleError(f"office hours for {key}: {span!r} overlaps the span before it")
            parsed.append((start, end))
        hours[WEEKDAYS.index(key)] = tuple(parsed)
    return hours


def build_calendar(
    timezone: str,
    weekly_hours: dict[str, list[str]],
    country: str | None,
    subdivision: str | None,
    closures: tuple[date, ...] = (),
) -> Calendar:
    try:
        ZoneInfo(timezone)
    except Exception as exc:
        raise RuleError(f"unknown timezone {timezone!r}") from exc
    hours = parse_hours(weekly_hours)
    if not any(hours.values()):
        raise RuleError("office hours: the office is never open")
    public = holidays_lib.country_holidays(country, subdiv=subdivision) if country else {}
    closed = frozenset(closures)

    def is_closed_day(day: date) -> bool:
        return day in closed or day in public

    return Calendar(timezone=timezone, hours=hours, is_closed_day=is_closed_day)
