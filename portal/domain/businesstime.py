"""Deadlines in calendar days, business days and business hours, as domain.md counts them.

Pure: no clock, no store. Functions take aware datetimes and return aware UTC ones, and each
computation can say, step by step, how it got its answer (for `portal due` and the admin).

Conventions (domain.md "Time"):
* N calendar days: the end (23:59:59) of the Nth day after the day of receipt, local time.
* N business days: the day of receipt does not count; due at close of business on the Nth
  business day after it.
* N business hours: only time inside office hours counts.
* end of day: close of business that day; immediately: 1 business hour.
* Received outside office hours (evening, weekend, holiday): every business rule counts as if
  it arrived at the next opening. Calendar days count from the local date of receipt.
Office hours are wall-clock spans in the program's timezone, so daylight-saving changes move
nothing a person would notice: an office that opens at 8:00 opens at 8:00.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time(23, 59, 59)
# A calendar with no open day within this many days is a configuration error, not a loop.
_SEARCH_DAYS = 400


class RuleError(ValueError):
    """A deadline rule or calendar that cannot be read."""


def _never_closed(day: date) -> str | None:
    return None


@dataclass(frozen=True)
class Calendar:
    """A program's office: timezone, weekly hours and the days it is closed."""

    timezone: str
    # weekday (0 = Monday) -> open spans as (start, end) wall-clock times, in order
    hours: dict[int, tuple[tuple[time, time], ...]]
    # the reason a day is closed (a holiday's name, "office closure"), or None
    closed_reason: Callable[[date], str | None] = field(default=_never_closed)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def spans(self, day: date) -> tuple[tuple[time, time], ...]:
        if self.closed_reason(day):
            return ()
        return self.hours.get(day.weekday(), ())

    def why_closed(self, day: date) -> str:
        return self.closed_reason(day) or f"the office is closed on {day:%A}s"

    def is_business_day(self, day: date) -> bool:
        return bool(self.spans(day))

    def at(self, day: date, wall: time) -> datetime:
        return datetime.combine(day, wall, tzinfo=self.zone)

    def close_of(self, day: date) -> datetime:
        return self.at(day, self.spans(day)[-1][1])

    def next_business_day(self, day: date) -> date:
        for offset in range(1, _SEARCH_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_business_day(candidate):
                return candidate
        raise RuleError(f"no open day within {_SEARCH_DAYS} days of {day}")

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone)
        wall = local.time().replace(tzinfo=None)
        return any(start <= wall < end for start, end in self.spans(local.date()))

    def next_opening(self, moment: datetime, *, close_counts: bool = False) -> datetime:
        """The moment itself (local) when the office is open then, else the next opening.

        With `close_counts`, the very moment of closing still belongs to that day: a clock
        due at close and then extended counts its days from that day, not the next.
        """
        local = moment.astimezone(self.zone)
        day, wall = local.date(), local.time().replace(tzinfo=None)
        for start, end in self.spans(day):
            if wall < end or (close_counts and wall == end):
                return local if wall >= start else self.at(day, start)
        next_day = self.next_business_day(day)
        return self.at(next_day, self.spans(next_day)[0][0])

    def add_business_time(
        self, moment: datetime, amount: timedelta, steps: list[str] | None = None
    ) -> datetime:
        """Move forward by `amount` of time counted only inside office hours."""
        current = self.next_opening(moment)
        remaining = amount
        while True:
            day, wall = current.date(), current.time().replace(tzinfo=None)
            span_end = next(end for start, end in self.spans(day) if start <= wall < end)
            available = _wall_delta(wall, span_end)
            used = min(remaining, available)
            if steps is not None and used:
                steps.append(
                    f"{_day(current)} {wall:%H:%M}-{_wall_add(current, used):%H:%M}: "
                    f"{_duration(used)} counted, {_duration(remaining - used)} left."
                )
            if remaining <= available:
                return _wall_add(current, remaining)
            remaining -= available
            current = self.next_opening(self.at(day, span_end))

    def business_between(self, start: datetime, end: datetime) -> timedelta:
        """Office time between two moments."""
        if end <= start:
            return timedelta(0)
        first = start.astimezone(self.zone).replace(tzinfo=None)
        last = end.astimezone(self.zone).replace(tzinfo=None)
        total = timedelta(0)
        day = first.date()
        while day <= last.date():
            for span_start, span_end in self.spans(day):
                lo = max(datetime.combine(day, span_start), first)
                hi = min(datetime.combine(day, span_end), last)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total


def _wall_delta(start: time, end: time) -> timedelta:
    return datetime.combine(date.min, end) - datetime.combine(date.min, start)


def _wall_add(moment: datetime, delta: timedelta) -> datetime:
    # Wall-clock arithmetic inside one office day: 8:00 + 4 business hours is 12:00.
    naive = moment.replace(tzinfo=None) + delta
    return naive.replace(tzinfo=moment.tzinfo)


def _day(moment: datetime | date) -> str:
    return f"{moment:%a %Y-%m-%d}"


def _stamp(moment: datetime) -> str:
    return f"{moment:%a %Y-%m-%d %H:%M} {moment.tzname()}"


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


# --- rules -------------------------------------------------------------------------------

_RULE = re.compile(
    r"^\s*(?:(?:(?P<low>\d{1,4})\s*(?:-|\u2013|to)\s*)?(?P<n>\d{1,4})\s+"
    r"(?P<unit>calendar\s+days?|business\s+days?|business\s+hours?)"
    r"|(?P<word>end\s+of\s+day|immediately))"
    r"(?:\s+after\s+(?P<after>[a-z][a-z0-9 _-]{0,60}?))?\s*$",
    re.IGNORECASE,
)
_EXAMPLES = (
    "write e.g. '5 calendar days', '2 business days', '4 business hours', "
    "'2-4 business hours', 'end of day', 'immediately' or '30 calendar days after site visit'"
)


@dataclass(frozen=True)
class Rule:
    """A deadline as the seeds write it: '5 calendar days', '4 business hours', 'end of day',
    optionally counted from an event: '30 calendar days after site visit'."""

    kind: str  # calendar_days | business_days | business_hours | end_of_day | immediately
    amount: int = 0
    after: str | None = None  # the event that starts the clock; None: receipt
    # A range ('2-4 business hours'): at risk from the lower bound, due at the upper.
    low: int | None = None

    @property
    def lower(self) -> Rule | None:
        return Rule(self.kind, self.low, self.after) if self.low else None

    @property
    def is_business(self) -> bool:
        return self.kind != "calendar_days"

    def __str__(self) -> str:
        if self.kind in ("end_of_day", "immediately"):
            text = self.kind.replace("_", " ")
        else:
            unit = self.kind.replace("_", " ")
            text = f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"
            if self.low:
                text = f"{self.low}-{text}"
        return f"{text} after {self.after}" if self.after else text


def event_name(text: str) -> str:
    """'Site-visit', 'site visit' and 'site_visit' name one event."""
    return re.sub(r"[\s_-]+", " ", text.strip().lower())


def parse_rule(text: str) -> Rule:
    match = _RULE.match(text or "")
    if not match:
        raise RuleError(f"cannot read the rule {text!r}: {_EXAMPLES}")
    after = event_name(match["after"]) if match["after"] else None
    if match["word"]:
        return Rule(re.sub(r"\s+", "_", match["word"].lower()), 0, after)
    unit = re.sub(r"\s+", "_", match["unit"].lower())
    if int(match["n"]) == 0:
        raise RuleError(f"cannot read the rule {text!r}: a deadline needs at least 1 {unit}")
    low = int(match["low"]) if match["low"] else None
    if low is not None and not 0 < low < int(match["n"]):
        raise RuleError(
            f"cannot read the rule {text!r}: a range goes from a smaller number to a larger one"
        )
    return Rule(unit if unit.endswith("s") else unit + "s", int(match["n"]), after, low)


@dataclass(frozen=True)
class Due:
    at: datetime  # UTC
    steps: tuple[str, ...]
    at_risk_from: datetime | None = None  # UTC; a range's lower bound


def explain_due(rule: Rule, start: datetime, calendar: Calendar) -> Due:
    """When a clock that starts at `start` under `rule` falls due, and why."""
    if start.tzinfo is None:
        raise ValueError("the start time must be timezone-aware")
    local = start.astimezone(calendar.zone)
    origin = f"the {rule.after}" if rule.after else "receipt"
    steps = [f"Rule: {rule}. Counted from {origin}: {_stamp(local)} ({calendar.timezone})."]
    if rule.kind == "calendar_days":
        day = local.date() + timedelta(days=rule.amount)
        due = calendar.at(day, END_OF_DAY)
        steps.append(f"Day {rule.amount} after {_day(local)} is {_day(day)}; due at its end.")
    else:
        opening = calendar.next_opening(local, close_counts=True)
        if opening != local:
            steps.append(_why_next_opening(local, opening, calendar))
        due = _business_due(rule, opening, calendar, steps)
    due_utc = due.astimezone(UTC)
    risk = None
    if rule.lower is not None:
        risk = explain_due(rule.lower, start, calendar).at
        steps.append(
            f"A range: at risk from the lower bound, {_stamp(risk.astimezone(calendar.zone))}."
        )
    steps.append(f"Due {_stamp(due)} ({due_utc:%Y-%m-%d %H:%M} UTC).")
    return Due(due_utc, tuple(steps), risk)


def _why_next_opening(local: datetime, opening: datetime, calendar: Calendar) -> str:
    day = local.date()
    if not calendar.is_business_day(day):
        when = f"on {_day(day)} ({calendar.why_closed(day)})"
    elif local.time().replace(tzinfo=None) < calendar.spans(day)[0][0]:
        when = "before opening"
    else:
        when = "after closing"
    skipped = []
    current = day + timedelta(days=1)
    while current < opening.date():
        reason = calendar.closed_reason(current)
        if reason:  # weekends go without saying
            skipped.append(f"{_day(current)}: {reason}")
        current += timedelta(days=1)
    also = f" ({'; '.join(skipped)})" if skipped else ""
    return f"Received {when}{also}: counted from the next opening, {_stamp(opening)}."


def _business_due(rule: Rule, opening: datetime, calendar: Calendar, steps: list[str]):
    if rule.kind == "business_days":
        day = opening.date()
        steps.append(f"The day of receipt, {_day(day)}, does not count.")
        for number in range(1, rule.amount + 1):
            candidate = day + timedelta(days=1)
            while not calendar.is_business_day(candidate):
                steps.append(f"{_day(candidate)} skipped: {calendar.why_closed(candidate)}.")
                candidate += timedelta(days=1)
            day = candidate
            steps.append(f"Business day {number}: {_day(day)}.")
        steps.append("Due at close of business.")
        return calendar.close_of(day)
    if rule.kind in ("business_hours", "immediately"):
        hours = rule.amount if rule.kind == "business_hours" else 1
        if rule.kind == "immediately":
            steps.append("Immediately: alert at once; the clock allows 1 business hour.")
        return calendar.add_business_time(opening, timedelta(hours=hours), steps)
    if rule.kind == "end_of_day":
        steps.append(f"End of day: close of business on {_day(opening)}.")
        return calendar.close_of(opening.date())
    raise RuleError(f"unknown rule kind {rule.kind}")  # pragma: no cover - parse_rule's kinds


def due_at(rule: Rule, start: datetime, calendar: Calendar) -> datetime:
    return explain_due(rule, start, calendar).at


# --- pauses and extensions ---------------------------------------------------------------


def pause_length(
    rule: Rule, pauses: list[tuple[datetime, datetime]], calendar: Calendar
) -> timedelta:
    """How far pauses push a clock: their office time for business rules, their whole
    length for calendar-day rules."""
    if rule.is_business:
        return sum((calendar.business_between(a, b) for a, b in pauses), timedelta(0))
    return sum((b - a for a, b in pauses), timedelta(0))


def shift_for_pauses(
    due: datetime, rule: Rule, pauses: list[tuple[datetime, datetime]], calendar: Calendar
) -> Due:
    length = pause_length(rule, pauses, calendar)
    if not length:
        return Due(due, ())
    if rule.is_business:
        # Exactly `length` of office time after the old due (from a close: the next opening).
        shifted = calendar.add_business_time(due, length)
        kind = "office time"
    else:
        shifted = due + length
        kind = "time"
    local = shifted.astimezone(calendar.zone)
    return Due(
        shifted.astimezone(UTC),
        (f"Paused for {_duration(length)} of {kind}: due moves to {_stamp(local)}.",),
    )


# 42 CFR 438.408(c): the resolution timeframe may be extended by up to 14 calendar days.
RESOLUTION_EXTENSION_DAYS = 14


def extend(
    due: datetime, rule_text: str, calendar: Calendar, reason: str, *, max_days: int | None = None
) -> Due:
    """An extension moves the due time by its own rule, counted from the current due; with
    `max_days`, by no more than that many calendar days on the office's calendar."""
    if not reason or not reason.strip():
        raise RuleError("an extension needs a reason")
    rule = parse_rule(rule_text)
    result = explain_due(rule, due, calendar)
    if max_days is not None:
        days = (
            result.at.astimezone(calendar.zone).date() - due.astimezone(calendar.zone).date()
        ).days
        if days > max_days:
            raise RuleError(
                f"an extension of the resolution is at most {max_days} calendar days "
                f"(42 CFR 438.408(c)); {rule} would move it {days} days"
            )
    return Due(result.at, (f"Extended by {rule} ({reason.strip()}).", *result.steps[1:]))


# --- calendars from program data ---------------------------------------------------------


def parse_hours(weekly: dict[str, list[str]]) -> dict[int, tuple[tuple[time, time], ...]]:
    """Read {'mon': ['08:00-17:00'], ...}; refuse spans that end before they start."""
    if not isinstance(weekly, dict):
        raise RuleError('office hours: write e.g. {"mon": ["08:00-17:00"]}')
    hours: dict[int, tuple[tuple[time, time], ...]] = {}
    for name, spans in weekly.items():
        key = str(name).strip().lower()[:3]
        if key not in WEEKDAYS:
            raise RuleError(f"office hours: {name!r} is not a weekday (use mon..sun)")
        if isinstance(spans, str) or not isinstance(spans, list):
            raise RuleError(f'office hours for {key}: give a list such as ["08:00-17:00"]')
        parsed: list[tuple[time, time]] = []
        for span in spans:
            try:
                start_text, end_text = str(span).split("-")
                start = time.fromisoformat(start_text.strip())
                end = time.fromisoformat(end_text.strip())
            except ValueError as exc:
                raise RuleError(
                    f"office hours for {key}: cannot read {span!r} (write HH:MM-HH:MM)"
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
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise RuleError(f"unknown timezone {timezone!r} (use e.g. America/New_York)") from exc
    hours = parse_hours(weekly_hours)
    if not any(hours.values()):
        raise RuleError("office hours: the office is never open")
    public: dict = {}
    if country:
        try:
            public = holidays_lib.country_holidays(country, subdiv=subdivision or None)
        except NotImplementedError as exc:
            raise RuleError(
                f"holiday calendar: unknown country or state {country}/{subdivision}"
            ) from exc
    closed = frozenset(closures)

    def closed_reason(day: date) -> str | None:
        if day in closed:
            return "office closure"
        name = public.get(day)
        return f"{name} (holiday)" if name else None

    return Calendar(timezone=timezone, hours=hours, closed_reason=closed_reason)
