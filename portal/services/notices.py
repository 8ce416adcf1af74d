"""Messages to members: stored in the outbox first, then handed to the queue."""

from __future__ import annotations

from datetime import datetime

from portal.models import Grievance
from portal.services import grievances, outbox


def after_intake(grievance: Grievance, now: datetime, runtime) -> None:
    """What follows a stored complaint. Each step is stored before it is queued, so a queue
    outage delays it and loses nothing."""
    acknowledge(grievance, now, runtime)
    grievances.after_classification(grievance, now, runtime, level_changed=True)


def acknowledge(grievance: Grievance, now: datetime, runtime) -> None:
    """Acknowledge a complaint by e-mail when the member gave an address."""
    email = grievance.member.email if grievance.member else None
    if not email:
        return
    text = (
        f"Thank you for contacting us. We have received your complaint.\n\n"
        f"Your reference number is {grievance.reference}. Please keep it: you can use it "
        f"to ask about your complaint.\n\nWe will be in touch. If your situation is urgent, "
        f"please call your plan's member services."
    )
    message = outbox.put(
        f"ack:{grievance.reference}",
        "acknowledgment",
        email,
        f"We received your complaint ({grievance.reference})",
        text,
        None,
        now,
        grievance=grievance,
        event="acknowledged",
    )
    outbox.hand_to_queue(message.pk, runtime)
