"""The schedule, as data. `portal scheduler` registers each entry with rq's cron scheduler.

Cron expressions are read in UTC (the scheduler runs with TZ=UTC): 12:00 UTC is 7:00 or 8:00
in New York, before the Connecticut and Maryland offices open, and earlier still in the west.
"""

SCHEDULE = [
    {"job": "jobs.tasks.relay", "queue": "emails", "interval": 60, "timeout": 120},
    {"job": "jobs.tasks.overdue", "queue": "periodic", "interval": 300, "timeout": 600},
    {"job": "jobs.tasks.digest", "queue": "periodic", "cron": "0 12 * * 1-5", "timeout": 1800},
    {
        "job": "jobs.tasks.completeness_check",
        "queue": "periodic",
        "cron": "0 11 1-6 * *",
        "timeout": 1800,
    },
]
