"""The daily report to managers and directors: new records, open by level and age, overdue,
Level III. Counts only; read from the open records and the one day received."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time

from portal.access import serves
from portal.domain.recurring import (
    AGE_BUCKETS,
    age_bucket,
    business_day_begun,
    previous_business_day,
)
from portal.models import Grievance, Outbox, Program
from portal.services.mail import outbox
from portal.services.mail.staffmail import (
    active_programs,
    compose,
    home_program,
    staff_with,
)


def counts(program: Program, day, since=None) -> dict:
    """The day's figures for one program, `day` being the local date of the report. New
    records are those received from the start of `since` (the previous report's day: by
    default the program's previous business day) to the start of `day`, so that what came in
    on a Friday evening, a weekend or a holiday is in the next business day's report."""
    zone = program.calendar().zone
    since = since or previous_business_day(program.calendar(), day)
    start = datetime.combine(since, time(0), tzinfo=zone)
    end = datetime.combine(day, time(0), tzinfo=zone)
    new = Grievance.objects.received_between(program, start, end).count()
    by_level: Counter = Counter()
    by_age: Counter = Counter()
    overdue = level3 = 0
    # Plain rows: building documents would cost more than counting them.
    for row in (
        Grievance.objects(program=program, is_open=True)
        .only("level", "received_at", "overdue")
        .as_pymongo()
    ):
        level = row.get("level")
        by_level[level or "not set"] += 1
        by_age[age_bucket(row["received_at"].astimezone(zone).date(), day)] += 1
        overdue += bool(row.get("overdue"))
        level3 += level == "III"
    return {
        "program": program.name,
        "new_since": since,
        "new": new,
        "open": sum(by_level.values()),
        "open_by_level": dict(sorted(by_level.items())),
        "open_by_age": {label: by_age.get(label, 0) for *_r, label in AGE_BUCKETS}
        | {"over 90 days": by_age.get("over 90 days", 0)},
        "overdue": overdue,
        "level3_open": level3,
    }


def send_reports(now: datetime, base_url: str) -> list[Outbox]:
    """One report per manager and director per business day, once their office has opened,
    covering the programs they serve."""
    programs = active_programs()
    figures: dict = {}
    messages: list[Outbox] = []
    for user in staff_with("manager", "director"):
        home = home_program(user, programs)
        day = business_day_begun(home.calendar(), now) if home else None
        if home is None or day is None:
            continue
        # Each report covers what came in since this person's previous one.
        since = previous_business_day(home.calendar(), day)
        key = f"daily-report:{user.pk}:{day.isoformat()}"
        if outbox.already_written(key, messages):
            continue
        rows = []
        for program in programs:
            if serves(user, program):
                if (program.pk, day, since) not in figures:
                    figures[(program.pk, day, since)] = counts(program, day, since)
                rows.append(figures[(program.pk, day, since)])
        subject, text, html = compose(
            "daily-report", user=user, day=day, rows=rows, link=f"{base_url}/admin/"
        )
        messages.append(outbox.put(key, "daily-report", user.email, subject, text, html, now))
    return messages
