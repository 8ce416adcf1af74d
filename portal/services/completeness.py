"""The monthly log check: every record received last month, against its program's rules."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from portal.domain.completeness import missing_fields
from portal.domain.periods import month_bounds, previous_month
from portal.models import CompletenessResult, Grievance, Program, User
from portal.models.reports import Incomplete


def _manager_key(assignee: User | None) -> tuple[str, User | None]:
    if assignee is None:
        return "unassigned", None
    if assignee.has_role("manager", "director"):
        return str(assignee.pk), assignee
    if assignee.manager is not None:
        return str(assignee.manager.pk), assignee.manager
    return "unassigned", None


def check_month(now: datetime, month: str | None = None) -> list[CompletenessResult]:
    """Store one result per manager for `month` (YYYY-MM; default: the month before now)."""
    checked: dict = defaultdict(int)
    incomplete: dict = defaultdict(list)
    managers: dict = {}
    label = month
    for program in Program.objects(active=True):
        if month:
            start, end = month_bounds(date.fromisoformat(f"{month}-01"), program.timezone)
        else:
            label, start, end = previous_month(now, program.timezone)
        records = Grievance.objects.received_between(program, start, end)
        for grievance in records:
            key, manager = _manager_key(grievance.assignee)
            managers[key] = manager
            checked[key] += 1
            missing = missing_fields(grievance.flat(), program.completeness_rules)
            if missing:
                incomplete[key].append(
                    Incomplete(
                        grievance=grievance,
                        reference=grievance.reference,
                        program=program.slug,
                        missing=missing,
                    )
                )
    results = []
    for key in sorted(checked):
        result = CompletenessResult.objects(month=label, manager_key=key).modify(
            upsert=True,
            new=True,
            set__manager=managers[key],
            set__checked=checked[key],
            set__incomplete=incomplete[key],
            set__computed_at=now,
        )
        results.append(result)
    return results
