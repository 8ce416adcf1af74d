"""Receiving a grievance: store it first, with its clocks, then let the queue know."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.domain.clocks import start_clocks
from portal.models import Clock, Counter, Grievance, Member, Narrative, Program, User

log = logging.getLogger(__name__)


@dataclass
class Intake:
    """What a complaint says at intake, from the public form, a phone call or an import."""

    description: str
    member_name: str | None = None
    member_id: str | None = None
    member_phone: str | None = None
    member_email: str | None = None
    age_group: str | None = None
    provider_name: str | None = None
    filed_by: str = "member"
    intake_source: str = "web form"
    type: str | None = None
    level: str | None = None
    priority: str | None = None
    category: str | None = None


def next_reference(received: datetime) -> str:
    """G-YYYY-NNNNNN, from an atomic counter per year."""
    year = received.year
    counter = Counter.objects(name=f"reference-{year}").modify(upsert=True, new=True, inc__value=1)
    return f"G-{year}-{counter.value:06d}"


def submit(
    program: Program,
    intake: Intake,
    now: datetime,
    *,
    by: User | None = None,
    received_at: datetime | None = None,
) -> Grievance:
    """Store a new grievance with its intake narrative and clocks; nothing else happens here."""
    received = received_at or now
    record = {
        "level": intake.level,
        "priority": intake.priority,
        "type": intake.type,
        "intake_source": intake.intake_source,
    }
    clocks = [
        Clock(name=c.name, rule=c.rule, started_at=c.started_at, due_at=c.due_at)
        for c in start_clocks(program.clock_specs(), record, received, program.calendar())
    ]
    grievance = Grievance(
        reference=next_reference(received),
        program=program,
        received_at=received,
        intake_source=intake.intake_source,
        filed_by=intake.filed_by,
        type=intake.type,
        level=intake.level,
        priority=intake.priority,
        category=intake.category,
        member=Member(
            name=intake.member_name,
            member_id=intake.member_id,
            phone=intake.member_phone,
            email=intake.member_email,
            age_group=intake.age_group,
        ),
        provider_name=intake.provider_name,
        narratives=[Narrative(at=received, by=by, kind="intake", text=intake.description)],
        clocks=clocks,
        next_due_at=min((c.due_at for c in clocks), default=None),
        retain_until=received + timedelta(days=366 * program.retention_years),
        created_at=now,
        updated_at=now,
    )
    grievance.save()
    log.info("grievance %s stored for program %s", grievance.pk, program.slug)
    return grievance
