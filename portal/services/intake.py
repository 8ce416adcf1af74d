"""Receiving a grievance: store it first, with its clocks, then let the queue know."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from portal.domain.retention import retain_until
from portal.models import Counter, Grievance, Member, Narrative, Program, User
from portal.services import clocks, history

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
    """Store a new grievance with its intake narrative, clocks and first history entry.
    Nothing else happens here: what follows (mail, alerts) is the caller's next step."""
    received = received_at or now
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
        retain_until=retain_until(received, None, [program.retention_years]),
        created_at=now,
        updated_at=now,
    )
    grievance.clocks = clocks.receipt_clocks(program, grievance)
    clocks.settle(grievance, now)
    history.add(grievance, by, "received", now, f"through {intake.intake_source}")
    grievance.save()
    log.info("grievance %s stored for program %s", grievance.pk, program.slug)
    return grievance
