"""What the admin home shows: counts of what needs attention, and the last 12 weeks."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal.access import can, serves
from portal.domain.periods import previous_month
from portal.domain.reports import Quarter, quarter_due
from portal.domain.weeks import count_by_week, week_starts
from portal.models import CompletenessResult, Grievance, TrendAnalysis, User
from portal.services.accounts import users
from portal.services.mail.staffmail import active_programs
from portal.services.reporting.quarterly import DEFAULT_DUE

AT_RISK_WINDOW = timedelta(hours=24)


def _readable(user: User):
    """The records of the programs this person reads (portal.access)."""
    scope = users.programs_read(user)
    return Grievance.objects if scope is None else Grievance.objects(program__in=scope)


def counts(user: User, now: datetime) -> dict:
    soon = now + AT_RISK_WINDOW
    mine = Grievance.objects.assigned_to(user)
    records = _readable(user)
    return {
        "mine_open": mine.count(),
        "mine_overdue": mine.filter(overdue=True).count(),
        "mine_at_risk": mine.at_risk(soon).count(),
        "overdue": records.filter(is_open=True, overdue=True).count(),
        "at_risk": records.at_risk(soon).count(),
        "level3": records.filter(is_open=True, level="III").count(),
        "needs_review": records.filter(needs_review=True).count(),
        "unassigned": records.filter(is_open=True, assignee=None).count(),
        "open": records.open().count(),
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


def late_trend_analyses(user: User, now: datetime) -> list[dict]:
    """For those who write it (managers and directors of the programs that keep one): each
    quarterly trend analysis of the last two quarters past its due date and not delivered."""
    if not can(user, "report.write"):
        return []
    late = []
    for program in active_programs():
        settings = program.report_settings or {}
        if not settings.get("trend_analysis") or not serves(user, program):
            continue
        today = now.astimezone(program.calendar().zone).date()
        latest = Quarter.of(today).previous
        for quarter in (latest.previous, latest):
            due = quarter_due(quarter, settings.get("trend_due") or DEFAULT_DUE)
            if today <= due:
                continue
            done = TrendAnalysis.objects(
                program=program, quarter=str(quarter), delivered_at__ne=None
            ).first()
            if done is None:
                late.append({"program": program, "quarter": str(quarter), "due": due})
    return late


def weekly(user: User, now: datetime, weeks: int = 12) -> dict:
    """Received and resolved per week, of the programs this person reads; reads only the
    weeks shown, two fields each."""
    starts = week_starts(now, weeks)
    since = datetime.combine(starts[0], datetime.min.time(), tzinfo=now.tzinfo)
    records = _readable(user)
    received = records.filter(received_at__gte=since).scalar("received_at")
    resolved = records.filter(resolved_at__gte=since).scalar("resolved_at")
    return {
        "labels": [f"{d:%b %d}" for d in starts],
        "received": count_by_week(received, starts),
        "resolved": count_by_week(resolved, starts),
    }


def mail_waiting_for_review() -> int:
    """Messages in the programs' "Needs review" folders when the mail intake last read them."""
    from portal.models import JobRun

    run = JobRun.objects(name="mail-intake").first()
    return int((run.summary or {}).get("waiting_for_review", 0)) if run else 0
