"""Messages to members: stored in the outbox first, then handed to the queue."""

from __future__ import annotations

from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from portal.models import Grievance
from portal.services.grievances import verbs as grievances
from portal.services.mail import alerts, outbox


def after_intake(grievance: Grievance, now: datetime, runtime) -> None:
    """What follows a stored complaint. Each step is stored before it is queued, so a queue
    outage delays it and loses nothing."""
    acknowledge(grievance, now, runtime)
    grievances.after_classification(grievance, now, runtime, level_changed=True)
    if grievance.needs_review and grievance.level != "III":
        # Triage flagged it in a program without levels: senior management still hear now.
        alerts.alert_level3(grievance, now, runtime)


def acknowledge(grievance: Grievance, now: datetime, runtime) -> None:
    """Acknowledge a complaint by e-mail when the member gave an address."""
    email = grievance.member.email if grievance.member else None
    if not email:
        return
    with force_locale(grievance.language or "en"):
        subject = _("We received your complaint (%(reference)s)", reference=grievance.reference)
        text = _(
            "Thank you for contacting us. We have received your complaint.\n\n"
            "Your reference number is %(reference)s. Please keep it: you can use it to ask "
            "about your complaint at %(status_url)s or by phone.\n\n"
            "We will be in touch. If your situation is urgent, please call your plan's "
            "member services.",
            reference=grievance.reference,
            status_url=f"{runtime.base_url}/complaint/status",
        )
    message = outbox.put(
        f"ack:{grievance.reference}",
        "acknowledgment",
        email,
        subject,
        text,
        None,
        now,
        grievance=grievance,
        event="acknowledged",
    )
    outbox.hand_to_queue(message.pk, runtime)
