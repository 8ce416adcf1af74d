"""Level III: senior management, and the roles the program names (Connecticut: Provider
Relations), told at once, through the queue, with no member data."""

from __future__ import annotations

import logging
from datetime import datetime

from portal.access import serves
from portal.models import Grievance, User
from portal.services.mail import outbox

log = logging.getLogger(__name__)


def senior_management() -> list[User]:
    directors = list(User.objects(roles="director", active=True))
    return directors or list(User.objects(roles="manager", active=True))


def recipients_for(grievance: Grievance) -> list[User]:
    """Senior management, and the active staff in the program's Level III roles who serve
    the program; each person once."""
    people = {u.pk: u for u in senior_management()}
    roles = list(grievance.program.level3_alert_roles or [])
    if roles:
        for user in User.objects(roles__in=roles, active=True):
            if serves(user, grievance.program):
                people.setdefault(user.pk, user)
    return sorted(people.values(), key=lambda u: u.email)


def alert_level3(grievance: Grievance, now: datetime, runtime) -> int:
    """Write one alert per person into the outbox and queue each on 'alerts'."""
    recipients = recipients_for(grievance)
    if not recipients:
        log.warning("grievance %s is Level III and no director or manager is active", grievance.pk)
    link = f"{runtime.base_url}/admin/grievance/details/?id={grievance.pk}"
    if grievance.needs_review:
        what = (
            "A complaint just received may be a Level III matter (violence, abuse, sexual "
            "contact or an emergency): staff are to review it and confirm or change its level."
        )
    else:
        what = "A Level III grievance needs senior management now."
    for user in recipients:
        text = (
            f"{what}\n\n"
            f"Reference: {grievance.reference}\nProgram: {grievance.program.name}\n"
            f"Open it: {link}\n"
        )
        message = outbox.put(
            f"alert:{grievance.reference}:{user.pk}",
            "alert",
            user.email,
            f"{'Possible ' if grievance.needs_review else ''}Level III grievance "
            f"{grievance.reference}",
            text,
            None,
            now,
            grievance=grievance,
            event="alert sent",
        )
        outbox.hand_to_queue(message.pk, runtime, "alerts")
    return len(recipients)
