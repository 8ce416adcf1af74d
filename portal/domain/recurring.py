"""When the recurring work is due, in a program's own office time. Pure: every rule takes
`now`. Jobs run often and ask these rules what is due; each message is keyed by its period,
so a run that comes late catches up and a second run sends nothing twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal.domain.businesstime import Calendar

COMPLETENESS_DEADLINE_DAY = 5  # the previous month's log is complete by the 5th


def business_day_begun(calendar: Calendar, now: datetime) -> date | None:
    """Today's local date once the office has opened on a business day; None before the
    opening, and on weekends, holidays and closures."""
    local = now.astimezone(calendar.zone)
    spans = calendar.spans(local.date())
    if not spans or local.time().replace(tzinfo=None) < spans[0][0]:
        return None
    return local.date()


def previous_business_day(calendar: Calendar, day: date) -> date:
    """The business day before `day` (a week back at most, then simply the day before): the
    day the previous daily report went out, so that each report counts what came in since
    that one, weekends and holidays included."""
    for back in range(1, 15):
        candidate = day - timedelta(days=back)
        if calendar.is_business_day(candidate):
            return candidate
    return day - timedelta(days=1)


def last_business_day_before(calendar: Calendar, day: date) -> date | None:
    """The last business day of day's month strictly before `day`; None if there is none."""
    candidate = day - timedelta(days=1)
    while candidate.month == day.month:
        if calendar.is_business_day(candidate):
            return candidate
        candidate -= timedelta(days=1)
    return None


@dataclass(frozen=True)
class CompletenessStage:
    """Where the monthly log check stands on a given local day."""

    month: str  # the log being checked, YYYY-MM
    reminders: tuple[str, ...]  # reminders due by now: "first", "last"
    final: bool  # the deadline has passed: the result is kept and sent, the director told


def previous_month_of(day: date) -> str:
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}"


def completeness_stage(calendar: Calendar, now: datetime) -> CompletenessStage:
    """Reminders on the 1st and on the last business day before the 5th; after the 5th, the
    final result. A reminder whose day has passed unsent is still due until the deadline."""
    today = now.astimezone(calendar.zone).date()
    deadline = today.replace(day=COMPLETENESS_DEADLINE_DAY)
    if today > deadline:
        return CompletenessStage(previous_month_of(today), (), True)
    reminders = ["first"]
    last = last_business_day_before(calendar, deadline)
    if last is not None and today >= last and last.day > 1:
        reminders.append("last")
    return CompletenessStage(previous_month_of(today), tuple(reminders), False)


def trend_reminders(
    due_dates: list[str], now: datetime, zone, leads: tuple[int, ...] = (14, 3)
) -> list[tuple[date, int]]:
    """(due date, lead days) for each quarterly deliverable whose reminder window has opened:
    due within `lead` days from today and not yet past. `due_dates` are 'MM-DD'."""
    today = now.astimezone(zone).date()
    out: list[tuple[date, int]] = []
    for text in due_dates:
        month, day = (int(part) for part in text.split("-"))
        for year in (today.year, today.year + 1):
            due = date(year, month, day)
            if today <= due:
                out.extend((due, lead) for lead in leads if (due - today).days <= lead)
                break
    return sorted(out)


AGE_BUCKETS = ((0, 7, "0-7 days"), (8, 30, "8-30 days"), (31, 90, "31-90 days"))


def age_bucket(received: date, today: date) -> str:
    days = (today - received).days
    for low, high, label in AGE_BUCKETS:
        if low <= days <= high:
            return label
    return "over 90 days"
