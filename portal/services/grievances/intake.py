"""Receiving a grievance: store it first, with its clocks, then let the queue know."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from portal import metrics
from portal.domain import intake as rules
from portal.domain import vocabulary
from portal.domain.lifecycle import OPEN
from portal.domain.retention import retain_until
from portal.models import (
    Caller,
    Counter,
    Grievance,
    Member,
    Narrative,
    Program,
    Provider,
    Triage,
    User,
)
from portal.services import webhooks
from portal.services.grievances import attachments, clocks, history, verbs
from portal.services.mail import alerts, notices

log = logging.getLogger(__name__)


@dataclass
class Intake:
    """What a complaint says at intake, from the public form, a phone call or an import."""

    description: str
    member_name: str | None = None
    member_id: str | None = None
    member_phone: str | None = None
    member_email: str | None = None
    member_address: str | None = None  # postal, for letters
    staff_involved: str | None = None  # the staff member complained about, if any
    mco: str | None = None  # Iowa: the member's MCO, or "not enrolled"
    birth_date: date | None = None
    age_group: str | None = None
    preferred_contact: str | None = None
    contact_times: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None
    caller_relationship: str | None = None
    provider_name: str | None = None
    provider_city: str | None = None
    provider_npi: str | None = None
    incident_date: date | None = None
    desired_resolution: str | None = None
    consent_to_contact: bool | None = None
    language: str = "en"
    filed_by: str = "member"
    intake_source: str = "web form"
    caller_told: str | None = None  # at a phone intake: what the caller was told
    state_route_offered: bool | None = None  # staff read the state's complaint route out
    type: str | None = None
    level: str | None = None
    priority: str | None = None
    category: str | None = None
    # Files that came with it (the member's photos and bills), their contents already kept
    # by the file store (services.grievances.attachments.keep).
    attachments: list = field(default_factory=list)


def next_reference(received: datetime) -> str:
    """G-YYYY-NNNNNN, from an atomic counter per year."""
    year = received.year
    counter = Counter.objects(name=f"reference-{year}").modify(upsert=True, new=True, inc__value=1)
    return f"G-{year}-{counter.value:06d}"


def _triage(grievance: Grievance, program: Program, now: datetime) -> None:
    """Words that suggest a Level III matter mark the record for immediate review and, where
    the program has levels, set Level III until staff confirm or change it."""
    matters = rules.serious_matters(grievance.intake_text() or "")
    if not matters:
        return
    grievance.triage = Triage(matters=matters, at=now)
    grievance.needs_review = True
    detail = "the member's words suggest " + ", ".join(matters)
    if "III" in (program.levels or []):
        grievance.level = "III"
        detail += "; Level III until staff confirm or change it"
    history.add(grievance, None, "triaged", now, detail)


@dataclass
class Outcome:
    """How a record that comes in already worked (an old log, a generated history) ended."""

    status: str
    resolved_at: datetime | None = None
    resolution: str | None = None
    substantiated: bool | None = None


_LOOK_UP = object()  # build(): find the provider by the NPI given


def build(
    program: Program,
    intake: Intake,
    now: datetime,
    *,
    reference: str,
    received: datetime,
    by: User | None = None,
    provider=_LOOK_UP,
    outcome: Outcome | None = None,
    entry: str = "received",
    detail: str | None = None,
    entry_at: datetime | None = None,
    audited: bool = True,
    triage: bool = False,
) -> Grievance:
    """A new grievance, not yet saved, whatever door it came through (the web form, staff
    intake, an import, a generated history): member and caller, intake narrative, retention,
    clocks started (and met by the outcome's resolution), settled at `now`, and its first
    history entry. `triage` reads the member's words for a Level III matter first."""
    zone = program.calendar().zone
    age_group = intake.age_group
    if intake.birth_date is not None:
        age_group = rules.age_group(intake.birth_date, received.astimezone(zone).date())
    if provider is _LOOK_UP:
        # A known NPI links the record to the provider, so the repeat watch sees it.
        provider = (
            Provider.objects(npi=intake.provider_npi).first() if intake.provider_npi else None
        )
    status = outcome.status if outcome else "received"
    resolved_at = outcome.resolved_at if outcome else None
    grievance = Grievance(
        reference=reference,
        program=program,
        received_at=received,
        intake_source=intake.intake_source,
        filed_by=intake.filed_by,
        type=intake.type,
        level=intake.level,
        priority=intake.priority,
        category=intake.category,
        status=status,
        is_open=status in OPEN,
        member=Member(
            name=intake.member_name,
            member_id=intake.member_id,
            phone=intake.member_phone,
            email=intake.member_email,
            address=intake.member_address,
            birth_date=intake.birth_date,
            age_group=age_group,
            preferred_contact=intake.preferred_contact,
            contact_times=intake.contact_times,
        ),
        caller=(
            Caller(
                name=intake.caller_name,
                phone=intake.caller_phone,
                relationship=intake.caller_relationship,
            )
            if intake.caller_name or intake.caller_phone
            else None
        ),
        provider_name=intake.provider_name,
        provider_city=intake.provider_city,
        provider_npi=intake.provider_npi,
        provider=provider,
        incident_date=intake.incident_date,
        staff_involved=intake.staff_involved,
        mco=intake.mco,
        # Iowa: no MCO means the member escalations queue, for a unit lead's callback.
        team=vocabulary.team_for(intake.mco),
        desired_resolution=intake.desired_resolution,
        consent_to_contact=intake.consent_to_contact,
        language=intake.language,
        # The web form's confirmation page shows the state's own complaint routes; at a phone
        # intake staff say whether they read them out.
        state_form_offered=True
        if intake.intake_source == "web form" and program.member_routes
        else intake.state_route_offered,
        caller_told=intake.caller_told,
        narratives=[Narrative(at=received, by=by, kind="intake", text=intake.description)]
        if intake.description
        else [],
        resolution=outcome.resolution if outcome else None,
        resolved_at=resolved_at,
        substantiated=outcome.substantiated if outcome else None,
        retain_until=retain_until(received, resolved_at, [program.retention_years]),
        created_at=now,
        updated_at=now,
        attachments=list(intake.attachments),
    )
    files = len(intake.attachments)
    with_files = f" with {files} file{'s' if files != 1 else ''}" if files else ""
    history.add(
        grievance,
        by,
        entry,
        entry_at or now,
        f"through {intake.intake_source}{with_files}" if detail is None else detail,
        audited=audited,
    )
    for item in intake.attachments:
        history.add(grievance, by, "file attached", entry_at or now, attachments.said(item))
    if triage and intake.level is None:
        _triage(grievance, program, now)
    grievance.clocks = clocks.receipt_clocks(program, grievance)
    if resolved_at is not None:
        for clock in grievance.clocks:
            if clock.met_by == "resolved":
                clock.met_at = resolved_at
    clocks.settle(grievance, now)
    return grievance


def submit(
    program: Program,
    intake: Intake,
    now: datetime,
    *,
    by: User | None = None,
    received_at: datetime | None = None,
    provider=_LOOK_UP,
) -> Grievance:
    """Store a new complaint (the web form, staff intake, the demo) with its intake narrative,
    clocks and first history entry. Nothing else happens here: what follows (mail, alerts)
    is the caller's next step. Values from the program's lists (type, level, priority,
    category, intake source) must be among them: VocabularyError names the allowed ones."""
    vocabulary.check(
        vocabulary.lists_of(program),
        {field: getattr(intake, field) for field in vocabulary.LISTS},
    )
    received = received_at or now
    grievance = build(
        program,
        intake,
        now,
        reference=next_reference(received),
        received=received,
        by=by,
        provider=provider,
        triage=True,
    )
    webhooks.mark(grievance, "received")
    grievance.save()
    log.info("grievance %s stored for program %s", grievance.pk, program.slug)
    metrics.received(program.slug, intake.intake_source)
    return grievance


def after_intake(grievance: Grievance, now: datetime, runtime) -> None:
    """What follows a stored complaint: the written acknowledgment, the Level III alert and
    the repeat watch. Each step is stored before it is queued, so a queue outage delays it
    and loses nothing."""
    notices.acknowledge(grievance, now, runtime)
    verbs.after_classification(grievance, now, runtime, level_changed=True)
    if grievance.needs_review and grievance.level != "III":
        # Triage flagged it in a program without levels: senior management still hear now.
        alerts.alert_level3(grievance, now, runtime)
