"""Reminders of the quarterly trend analysis coming due (Colorado, and any program that
enables it): 14 days and 3 days before each due date, to its managers and directors."""

from __future__ import annotations

from datetime import datetime

from portal.access import serves
from portal.domain.recurring import trend_reminders
from portal.models import Outbox
from portal.services.mail import outbox
from portal.services.mail.staffmail import active_programs, compose, staff_with

DEFAULT_DUE = ["01-15", "04-15", "07-15", "10-15"]


def send_reminders(now: datetime, base_url: str) -> list[Outbox]:
    people = staff_with("manager", "director")
    messages = []
    for program in active_programs():
        settings = program.report_settings or {}
        if not settings.get("trend_analysis"):
            continue
        zone = program.calendar().zone
        for due, lead in trend_reminders(settings.get("trend_due") or DEFAULT_DUE, now, zone):
            for user in people:
                if not serves(user, program):
                    continue
                key = f"quarterly:{program.slug}:{due.isoformat()}:{lead}:{user.pk}"
                subject, text, html = compose(
                    "quarterly-reminder",
                    user=user,
                    program=program,
                    due=due,
                    days_left=(due - now.astimezone(zone).date()).days,
                    link=f"{base_url}/admin/",
                )
                messages.append(outbox.put(key, "quarterly", user.email, subject, text, html, now))
    return messages
