"""Keeping each record's overdue state true at `now`."""

from __future__ import annotations

from datetime import datetime

from portal.models import Grievance


def next_due(grievance: Grievance) -> datetime | None:
    return min(
        (c.due_at for c in grievance.clocks if c.met_at is None and c.paused_at is None),
        default=None,
    )


def refresh_overdue(now: datetime) -> dict:
    """Mark clocks past due on open records. Reads only open records with something due."""
    marked = 0
    records = 0
    for grievance in Grievance.objects.due_by(now).only("clocks", "overdue", "next_due_at"):
        changed = False
        for clock in grievance.clocks:
            late = clock.met_at is None and clock.paused_at is None and clock.due_at < now
            if late and clock.overdue_since is None:
                clock.overdue_since = now
                marked += 1
                changed = True
        if changed or not grievance.overdue:
            Grievance.objects(pk=grievance.pk).update_one(
                set__clocks=grievance.clocks, set__overdue=True, set__updated_at=now
            )
            records += 1
    return {"clocks_marked": marked, "records_updated": records}
