"""The schedule, as data. `portal scheduler` registers each entry with rq's cron scheduler
(jobs/scheduler.py: any number of them may run; one leads).

Each entry: job, queue, `cron` or `interval` (seconds), timezone, timeout. Cron expressions
are read in their entry's timezone, which is UTC: jobs that follow office hours run on an
interval instead and ask each program's calendar whether its day has begun, so one schedule
serves offices in several timezones, through DST and holidays.
"""

import os
from typing import Any


def _seconds(name: str, default: int) -> int:
    text = os.environ.get(name) or str(default)
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"{name} must be a whole number of seconds (1 or more), not {text!r}")
    return int(text)


SCHEDULE: list[dict[str, Any]] = [
    # The programs' grievance mailboxes (MAIL_INTAKE), every MAIL_POLL_SECONDS (120); with
    # none configured the job reads nothing.
    {
        "job": "jobs.tasks.mail_intake",
        "queue": "periodic",
        "interval": _seconds("MAIL_POLL_SECONDS", 120),
        "timeout": 600,
        "timezone": "UTC",
    },
    # Whatever waits in the outbox (a Redis outage, a failed send after its back-off): every
    # OUTBOX_RELAY_SECONDS (60), set alike for the scheduler and the web (its /metrics).
    {
        "job": "jobs.tasks.relay",
        "queue": "emails",
        "interval": _seconds("OUTBOX_RELAY_SECONDS", 60),
        "timeout": 120,
        "timezone": "UTC",
    },
    {
        "job": "jobs.tasks.overdue",
        "queue": "periodic",
        "interval": 300,
        "timeout": 600,
        "timezone": "UTC",
    },
    # Every 15 minutes: each person's digest and report go out once their office has opened
    # (the jobs read each program's hours, holidays and DST); keyed per person and day.
    {
        "job": "jobs.tasks.digest",
        "queue": "periodic",
        "interval": 900,
        "timeout": 1800,
        "timezone": "UTC",
    },
    {
        "job": "jobs.tasks.daily_report",
        "queue": "periodic",
        "interval": 900,
        "timeout": 1800,
        "timezone": "UTC",
    },
    # Last month's log: recomputed until the 5th, final after it; notices keyed per stage.
    # An interval job also runs when the scheduler starts unless it ran within its interval
    # (rq keeps each job's last enqueue in Redis), so the page is never empty.
    {
        "job": "jobs.tasks.completeness_check",
        "queue": "periodic",
        "interval": 6 * 3600,
        "timeout": 1800,
        "timezone": "UTC",
    },
    {
        "job": "jobs.tasks.quarterly_reminders",
        "queue": "periodic",
        "cron": "0 13 * * *",
        "timeout": 600,
        "timezone": "UTC",
    },
]
