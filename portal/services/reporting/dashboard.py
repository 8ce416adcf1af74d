"""What the admin home shows: counts of what needs attention, and the last 12 weeks."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.domain.periods import previous_month
from portal.domain.weeks import count_by_week, week_starts
from portal.models import CompletenessResult, Grievance, User

AT_RISK_WINDOW = timedelta(hours=24)


def counts(user: User, now: datetime) -> dict:
    soon = now + AT_RISK_WINDOW
    mine = Grievance.objects.assigned_to(user)
    return {
        "mine_open": mine.count(),
        "mine_overdue": mine.filter(overdue=True).count(),
        "mine_at_risk": mine.at_risk(soon).count(),
        "overdue": Grievance.objects(is_open=True, overdue=True).count(),
        "at_risk": Grievance.objects.at_risk(soon).count(),
        "level3": Grievance.objects(is_open=True, level="III").count(),
        "needs_review": Grievance.objects(needs_review=True).count(),
        "unassigned": Grievance.objects(is_open=True, assignee=None).count(),
        "open": Grievance.objects.open().count(),
    }


def last_month_completeness(now: datetime) -> dict:
    month = previous_month(now, "UTC")[0]
    results = CompletenessResult.objects(month=month)
    return {
        "month": month,
        "computed": results.count() > 0,
        "checked": sum(r.checked for r in results),
        "incomplete": sum(len(r.incomplete) for r in results),
    }


def weekly(now: datetime, weeks: int = 12) -> dict:
    """Received and resolved per week; reads only the weeks shown, two fields each."""
    starts = week_starts(now, weeks)
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=now.tzinfo)
    received = Grievance.objects(received_at__gte=since).scalar("received_at")
    resolved = Grievance.objects(resolved_at__gte=since).scalar("resolved_at")
    return {
        "labels": [f"{d:%b %d}" for d in starts],
        "received": count_by_week(received, starts),
        "resolved": count_by_week(resolved, starts),
    }
