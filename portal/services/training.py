"""Colorado's training (seed 003): each program's objectives as a checklist per staff member,
with who completed what and when."""

from __future__ import annotations

from datetime import date, datetime

from portal.access import serves
from portal.models import Program, TrainingRecord, User


class TrainingError(ValueError):
    """A completion that cannot be recorded, with a message that says why."""


def checklist(program: Program) -> list[dict]:
    """One row per active staff member who serves the program: each objective's completion
    date, or None."""
    objectives = list(program.training_objectives or [])
    done = {
        (r.user.id, r.objective): r.completed_on
        for r in TrainingRecord.objects(program=program).no_dereference()
    }
    rows = []
    for user in User.objects(active=True).order_by("name"):
        if not serves(user, program) or user.roles == ["auditor"]:
            continue
        marks = [done.get((user.pk, o)) for o in objectives]
        rows.append({"user": user, "marks": marks, "complete": all(marks)})
    return rows


def record(
    program: Program, user: User, objective: str, completed_on: date, *, by: User, now: datetime
) -> TrainingRecord:
    if objective not in (program.training_objectives or []):
        raise TrainingError(f"{objective!r} is not one of {program.name}'s training objectives")
    if completed_on > now.date():
        raise TrainingError("the completion date is still to come")
    TrainingRecord.objects(program=program, user=user, objective=objective).update_one(
        upsert=True,
        set__completed_on=completed_on,
        set__recorded_by=by,
        set__recorded_at=now,
    )
    return TrainingRecord.objects.get(program=program, user=user, objective=objective)
