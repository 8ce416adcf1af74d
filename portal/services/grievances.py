"""What staff do to a grievance. Each verb changes the record, its clocks and its history
together, and the caller saves once."""

from __future__ import annotations

import re
from datetime import datetime

from mongoengine import Q

from portal.domain.contacts import callback_status
from portal.domain.retention import retain_until
from portal.models import OPEN_STATUSES, Grievance, Provider, User
from portal.models.grievance import ContactAttempt, Escalation, Narrative
from portal.services import alerts, clocks, history, repeats

TIERS = ("staff", "supervisor", "manager")


class ActionError(ValueError):
    """An action that cannot be done as asked, with a message that says why."""


def _set(grievance: Grievance, **values) -> dict:
    """Set fields; the (before, after) of those that changed, for the record's history."""
    changes = {}
    for name, value in values.items():
        before = getattr(grievance, name)
        if before != value:
            changes[name] = (before, value)
            setattr(grievance, name, value)
    return changes


def assign(grievance: Grievance, assignee: User, *, by: User, now: datetime) -> None:
    """Give a grievance to a staff member."""
    before = grievance.assignee.name if grievance.assignee else None
    changes = {"assignee": (before, assignee.name), **_set(grievance, team=assignee.team)}
    grievance.assignee = assignee
    if grievance.status == "received":
        grievance.status = "in_progress"
        changes["status"] = ("received", "in_progress")
    history.add(grievance, by, "assigned", now, changes=changes)
    grievance.updated_at = now
    grievance.save()


def classify(
    grievance: Grievance, *, by: User | None, now: datetime, runtime=None, **values
) -> str | None:
    """Set level, priority, type or category; clocks follow, Level III alerts at once.
    Setting a level on a record that triage flagged is staff's review: confirmed or changed."""
    if grievance.needs_review:
        _review_triage(grievance, by, now, values.get("level"))
    changes = {
        key: (getattr(grievance, key), value)
        for key, value in values.items()
        if key in ("level", "priority", "type", "category") and getattr(grievance, key) != value
    }
    if not changes:
        return None
    for key, (_before, after) in changes.items():
        setattr(grievance, key, after)
    history.add(grievance, by, "classified", now, changes=changes)
    said = clocks.recompute(grievance, by, now)
    grievance.updated_at = now
    grievance.save()
    after_classification(grievance, now, runtime, level_changed="level" in changes)
    return said


def _review_triage(grievance: Grievance, by: User | None, now: datetime, level: str | None):
    grievance.needs_review = False
    grievance.triage.reviewed_at = now
    grievance.triage.reviewed_by = by
    if not level:
        verdict = "reviewed"
    elif level == grievance.level:
        verdict = f"level {level} confirmed"
    else:
        verdict = f"level changed from {grievance.level or 'none'} to {level}"
    history.add(grievance, by, "triage reviewed", now, verdict)
    grievance.updated_at = now
    grievance.save()


def after_classification(grievance: Grievance, now: datetime, runtime, *, level_changed: bool):
    """What a level brings with it: the Level III alert, the repeat-complaint watch."""
    if level_changed and grievance.level == "III" and runtime is not None:
        alerts.alert_level3(grievance, now, runtime)
    if grievance.level == "I" and grievance.provider is not None:
        repeats.watch(grievance.provider, grievance.program, now)


def _events_for_contact(grievance: Grievance, attempt: ContactAttempt) -> list[str]:
    events = []
    if attempt.outcome == "reached":
        events.append(
            {
                "member": "member contacted",
                "caller": "member contacted",
                "provider office": "office contacted",
                "MCO": "mco contacted",
            }[attempt.with_whom]
        )
        if attempt.with_whom == "provider office" and attempt.channel == "visit":
            events.append("site visit")
        if attempt.with_whom in ("member", "caller"):
            events.append("acknowledged")
    if attempt.outcome == "letter sent" and attempt.with_whom in ("member", "caller"):
        events.append("acknowledged")
    personal = [
        (a.channel, a.outcome)
        for a in grievance.contact_attempts
        if a.with_whom in ("member", "caller")
    ]
    if attempt.with_whom in ("member", "caller") and callback_status(personal) == "complete":
        events.append("callback complete")
    return events


def record_contact(
    grievance: Grievance,
    *,
    by: User,
    now: datetime,
    at: datetime,
    with_whom: str,
    channel: str,
    outcome: str,
    note: str | None = None,
) -> list[str]:
    """Log a call, letter, e-mail or visit; the clocks it satisfies are met by it."""
    attempt = ContactAttempt(
        at=at, by=by, with_whom=with_whom, channel=channel, outcome=outcome, note=note
    )
    attempt.validate()
    grievance.contact_attempts.append(attempt)
    history.add(grievance, by, "contact attempt", now, f"{channel} with {with_whom}: {outcome}")
    said = []
    for event in _events_for_contact(grievance, attempt):
        said += clocks.record_event(grievance, event, at, by, now)
    grievance.updated_at = now
    grievance.save()
    return said


def add_narrative(grievance: Grievance, *, by: User, now: datetime, kind: str, text: str):
    if not text or not text.strip():
        raise ActionError("write the note before saving it")
    grievance.narratives.append(Narrative(at=now, by=by, kind=kind, text=text.strip()))
    history.add(grievance, by, "narrative added", now, kind)


def record_event(grievance: Grievance, event: str, *, by: User, now: datetime, at=None):
    """A step done outside a contact attempt: site visit, CAP received, follow-up, report,
    referral to the state agency. The step is in the history whether or not a clock
    follows it."""
    when = at or now
    history.add(grievance, by, "step", now, f"{event} on {when:%Y-%m-%d %H:%M} UTC")
    said = clocks.record_event(grievance, event, when, by, now)
    grievance.updated_at = now
    grievance.save()
    return said


def escalate(
    grievance: Grievance, *, by: User, now: datetime, reason: str, to: User | None = None
) -> str:
    """staff -> supervisor -> manager; the manager may take it over and must see it resolved."""
    current = grievance.escalation_tier or "staff"
    if current == TIERS[-1]:
        raise ActionError("this record is with a manager already, the last tier")
    if not reason or not reason.strip():
        raise ActionError("say why it is escalated")
    tier = TIERS[TIERS.index(current) + 1]
    grievance.escalation_tier = tier
    grievance.escalations.append(Escalation(at=now, by=by, tier=tier, to=to, reason=reason))
    changes = {"tier": (current, tier), "status": (grievance.status, "escalated")}
    grievance.status = "escalated"
    if to is not None:
        changes["assignee"] = (grievance.assignee.name if grievance.assignee else None, to.name)
        grievance.assignee = to
    history.add(grievance, by, "escalated", now, reason.strip(), changes)
    grievance.updated_at = now
    grievance.save()
    return tier


def resolve(
    grievance: Grievance,
    *,
    by: User,
    now: datetime,
    summary: str,
    substantiated: bool | None = None,
    reason: str | None = None,
) -> list[str]:
    if not summary or not summary.strip():
        raise ActionError("write a resolution summary: what was found and what was done")
    changes = _set(
        grievance,
        status="resolved",
        resolution=summary.strip(),
        substantiated=substantiated,
        substantiation_reason=reason,
    )
    grievance.is_open = False
    grievance.resolved_at = now
    grievance.narratives.append(Narrative(at=now, by=by, kind="resolution", text=summary.strip()))
    grievance.retain_until = retain_until(
        grievance.received_at, now, [grievance.program.retention_years]
    )
    history.add(grievance, by, "resolved", now, changes=changes)
    said = clocks.record_event(grievance, "resolved", now, by, now)
    grievance.save()
    return said


TRACKED = (
    "status",
    "level",
    "priority",
    "type",
    "category",
    "assignee",
    "provider",
    "resolution",
    "substantiated",
    "substantiation_reason",
    "team",
)


def after_staff_edit(grievance: Grievance, by: User, now: datetime) -> set[str]:
    """An edit in the admin's form (status, classification, assignee, provider, resolution;
    narratives and contact attempts come only through the actions): history, clocks and
    derived fields follow, as they would through the verbs above. Runs before the admin saves
    the record; returns the names of the fields that changed (after a change of level or
    provider, `after_classification` runs once the record is saved)."""
    stored = Grievance.objects(pk=grievance.pk).first()
    if stored is None:
        return set()
    changes = {
        name: (getattr(stored, name), getattr(grievance, name))
        for name in TRACKED
        if getattr(stored, name) != getattr(grievance, name)
    }
    if changes:
        history.add(grievance, by, "edited", now, changes=changes)
    grievance.is_open = grievance.status in OPEN_STATUSES
    if grievance.status in ("resolved", "closed") and grievance.resolved_at is None:
        grievance.resolved_at = now
        clocks.record_event(grievance, "resolved", now, by, now)
    if grievance.resolved_at:
        grievance.retain_until = retain_until(
            grievance.received_at, grievance.resolved_at, [grievance.program.retention_years]
        )
    if {"level", "priority", "type", "category"} & changes.keys():
        clocks.recompute(grievance, by, now)
    clocks.settle(grievance, now)
    grievance.updated_at = now
    return set(changes)


def close(grievance: Grievance, *, by: User, now: datetime, note: str | None = None) -> None:
    """A resolved record whose member has been told is closed."""
    if grievance.status != "resolved":
        raise ActionError("only a resolved record can be closed: resolve it first")
    grievance.status = "closed"
    history.add(grievance, by, "closed", now, note or "", {"status": ("resolved", "closed")})
    grievance.updated_at = now
    grievance.save()


def withdraw(grievance: Grievance, *, by: User, now: datetime, reason: str) -> None:
    """The member withdrew the complaint. Nothing is deleted; the record stops its clocks."""
    if not grievance.is_open:
        raise ActionError(f"the record is {grievance.status} already")
    if not reason or not reason.strip():
        raise ActionError("say how the member withdrew it (e.g. by phone on this date)")
    before = grievance.status
    grievance.status = "withdrawn"
    grievance.is_open = False
    grievance.retain_until = retain_until(
        grievance.received_at, now, [grievance.program.retention_years]
    )
    history.add(grievance, by, "withdrawn", now, reason.strip(), {"status": (before, "withdrawn")})
    clocks.settle(grievance, now)
    grievance.updated_at = now
    grievance.save()


def reopen(grievance: Grievance, *, by: User, now: datetime, reason: str) -> None:
    """Work a closed, resolved or withdrawn record again; clocks met by the resolution run
    again from their own due times."""
    if grievance.is_open:
        raise ActionError("the record is open already")
    if not reason or not reason.strip():
        raise ActionError("say why the record is reopened")
    before = grievance.status
    grievance.status = "in_progress"
    grievance.is_open = True
    grievance.resolved_at = None
    for clock in grievance.clocks:
        if clock.met_by == "resolved":
            clock.met_at = None
    history.add(grievance, by, "reopened", now, reason.strip(), {"status": (before, "in_progress")})
    clocks.settle(grievance, now)
    grievance.updated_at = now
    grievance.save()


REFERENCE = re.compile(r"^G-\d{4}-\d{1,9}$", re.IGNORECASE)
NPI = re.compile(r"^\d{10}$")


def search(query, term: str):
    """Find records the way staff ask: a reference, a member ID or an NPI is an exact,
    indexed match; anything else looks in member and provider names."""
    term = term.strip()
    if not term:
        return query
    if REFERENCE.match(term):
        return query.filter(reference=term.upper())
    if NPI.match(term):
        return query.filter(provider__in=list(Provider.objects(npi=term).scalar("pk")))
    by_id = query.clone().filter(member__member_id__in=list({term, term.upper()}))
    if by_id.count():
        return by_id
    providers = list(Provider.objects(name__icontains=term).scalar("pk"))
    return query.filter(
        Q(member__name__icontains=term)
        | Q(provider_name__icontains=term)
        | Q(provider__in=providers)
    )


def set_legal_hold(grievance: Grievance, *, on: bool, by: User, now: datetime, reason: str) -> None:
    """A legal hold keeps the record past its retention date, until it is lifted."""
    if not reason or not reason.strip():
        raise ActionError("say why (the matter or request behind the hold)")
    if grievance.legal_hold == on:
        raise ActionError(
            "the record is on legal hold already" if on else "the record is not on legal hold"
        )
    grievance.legal_hold = on
    history.add(
        grievance,
        by,
        "legal hold on" if on else "legal hold lifted",
        now,
        reason.strip(),
        {"legal_hold": (not on, on)},
    )
    grievance.updated_at = now
    grievance.save()
