"""Changes staff make to a grievance."""

from __future__ import annotations

from datetime import datetime

from portal.models import OPEN_STATUSES, Grievance, User
from portal.services.clocks import next_due


def after_staff_edit(grievance: Grievance, by: User, now: datetime) -> None:
    """Keep derived fields true after an edit in the admin, before it is saved."""
    grievance.is_open = grievance.status in OPEN_STATUSES
    if grievance.status in ("resolved", "closed") and grievance.resolved_at is None:
        grievance.resolved_at = now
    for narrative in grievance.narratives:
        if narrative.by is None and narrative.kind != "intake":
            narrative.by = by
    grievance.next_due_at = next_due(grievance)
    grievance.overdue = grievance.is_open and any(
        c.overdue_since and not c.met_at for c in grievance.clocks
    )
    grievance.updated_at = now


def assign(grievance: Grievance, assignee: User, *, by: User, now: datetime) -> None:
    """Give a grievance to a staff member."""
    Grievance.objects(pk=grievance.pk).update_one(
        set__assignee=assignee, set__team=assignee.team, set__updated_at=now
    )
    grievance.reload()
