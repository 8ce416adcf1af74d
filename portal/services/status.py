"""What a member may learn about their complaint: its stage and the expected date, no more."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from portal.models import Grievance
from portal.services import audit

STAGES = {
    "received": "Received",
    "in_progress": "Being worked on",
    "escalated": "Being worked on",
    "resolved": "Resolved",
    "closed": "Resolved",
    "withdrawn": "Closed at your request",
}
WRONG_GUESS_LIMIT = 10  # per address, and per reference, per hour


def _fold(text: str) -> str:
    """Compare names the way people type them: case, accents and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().strip()


def _last_name(full_name: str | None) -> str:
    parts = _fold(full_name or "").split()
    return parts[-1] if parts else ""


def throttled(reference: str, ip: str | None, now: datetime) -> bool:
    return audit.too_many("status check failed", now, WRONG_GUESS_LIMIT, ip=ip) or (
        audit.too_many("status check failed", now, WRONG_GUESS_LIMIT, target=reference)
    )


def look_up(reference: str, last_name: str, now: datetime, ip: str | None) -> dict | None:
    """The stage and expected date when reference and last name match; None otherwise
    (the answer never says which of the two was wrong)."""
    reference = reference.strip().upper()
    grievance = (
        Grievance.objects(reference=reference)
        .only("reference", "status", "member", "clocks", "resolved_at", "program")
        .first()
    )
    wanted = _fold(last_name)
    if grievance is None or not wanted or _last_name(grievance.member.name) != wanted:
        audit.record("status check failed", now, target=reference[:40], ip=ip)
        return None
    zone = grievance.program.calendar().zone
    resolution = [c.due_at for c in grievance.clocks if c.met_by == "resolved" and not c.met_at]
    if grievance.resolved_at:
        when, label = grievance.resolved_at, "Resolved on"
    elif resolution:
        when, label = min(resolution), "We expect to resolve it by"
    else:
        when, label = None, None
    return {
        "reference": grievance.reference,
        "stage": STAGES[grievance.status],
        "date_label": label,
        "date": when.astimezone(zone).date() if when else None,
    }
