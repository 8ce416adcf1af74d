"""What staff do to a grievance. Each verb asks the lifecycle table (portal.domain.lifecycle)
whether this person may do it to this record now, changes the record, its clocks and its
history together, and saves the record once."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from mongoengine import Q

from portal.access import MEMBER_DETAIL_FIELDS, can, may_read
from portal.clock import as_utc
from portal.domain import lifecycle
from portal.domain import search as search_keys
from portal.domain.clocks import IMPLIES
from portal.domain.contacts import callback_status
from portal.domain.lifecycle import TIERS
from portal.domain.retention import retain_until
from portal.domain.vocabulary import VocabularyError, check, lists_of, team_for
from portal.models import Grievance, Provider, User
from portal.models.grievance import (
    Caller,
    ContactAttempt,
    DepartmentReport,
    Escalation,
    Narrative,
)
from portal.services import webhooks
from portal.services.grievances import clocks, history, repeats
from portal.services.mail import alerts, notices


class ActionError(ValueError):
    """An action that cannot be done as asked, with a message that says why."""


def state_of(grievance: Grievance) -> lifecycle.State:
    """The record as the lifecycle table reads it."""
    waiting = [c for c in grievance.clocks if c.met_at is None]
    return lifecycle.State(
        status=grievance.status,
        running_clocks=sum(1 for c in waiting if not c.paused),
        paused_clocks=sum(1 for c in waiting if c.paused),
        tier=grievance.escalation_tier or "staff",
        legal_hold=bool(grievance.legal_hold),
        department_referral=grievance.intake_source == "department referral",
        callback_to_approve=grievance.type == CALLBACK_TYPE and not grievance.callback_approved_at,
    )


# Iowa: the type of issue whose callback a unit lead approves (seed 002, IME Step 1a).
CALLBACK_TYPE = "IME escalated callback"


def roles_of(user: User | None):
    """None for the system itself (jobs, seeds): the table's state rules still apply."""
    return None if user is None else set(user.roles)


NOT_SERVED = "this record belongs to a program you do not serve"


def available(grievance: Grievance, user: User | None) -> list[str]:
    """The actions this person may take on this record now: none on a program they do not
    serve."""
    if user is not None and not may_read(user, grievance.program):
        return []
    return lifecycle.available(state_of(grievance), roles_of(user))


def why_not(action: str, grievance: Grievance, by: User | None) -> str | None:
    """Why the lifecycle table (or the program's staffing) refuses this action here, or
    None."""
    if by is not None and not may_read(by, grievance.program):
        return NOT_SERVED
    return lifecycle.why_not(action, state_of(grievance), roles_of(by))


def require(action: str, grievance: Grievance, by: User | None) -> None:
    """Refuse, saying why, what the lifecycle table does not allow."""
    reason = why_not(action, grievance, by)
    if reason:
        raise ActionError(reason)


def _set(grievance: Grievance, **values) -> dict:
    """Set fields; the (before, after) of those that changed, for the record's history."""
    changes = {}
    for name, value in values.items():
        before = getattr(grievance, name)
        if before != value:
            changes[name] = (before, value)
            setattr(grievance, name, value)
    return changes


def _serves_program(person: User, grievance: Grievance) -> None:
    """A record goes only to someone who may open it."""
    if not may_read(person, grievance.program):
        raise ActionError(f"{person.name} does not serve {grievance.program.name}")


def assign(grievance: Grievance, assignee: User, *, by: User, now: datetime) -> None:
    """Give a grievance to a staff member."""
    require("assign", grievance, by)
    if not set(assignee.roles) & lifecycle.WORKERS:
        raise ActionError(f"{assignee.name} reads records but does not work them")
    if not assignee.active:
        raise ActionError(f"{assignee.name}'s account is not active")
    _serves_program(assignee, grievance)
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
    """Set level, priority, type or category, each a choice from the program's own lists;
    clocks follow, Level III alerts at once. Setting a level on a record that triage flagged
    is staff's review: confirmed or changed."""
    require("classify", grievance, by)
    unknown = set(values) - {"level", "priority", "type", "category", "mco"}
    if unknown:
        raise ActionError(
            f"classify sets level, priority, type, category or MCO, not {sorted(unknown)}"
        )
    try:
        check(lists_of(grievance.program), values)
    except VocabularyError as exc:
        raise ActionError(str(exc)) from None
    reviewed = grievance.needs_review
    if reviewed:
        _review_triage(grievance, by, now, values.get("level"))
    changes = {
        key: (getattr(grievance, key), value)
        for key, value in values.items()
        if getattr(grievance, key) != value
    }
    if not changes and not reviewed:
        return None
    said = None
    if "mco" in changes and team_for(changes["mco"][1]):
        # Not enrolled in an MCO: to the member escalations queue, for a unit lead.
        changes["team"] = (grievance.team, team_for(changes["mco"][1]))
    if changes:
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


def after_classification(grievance: Grievance, now: datetime, runtime, *, level_changed: bool):
    """What a level brings with it: the Level III alert, the repeat-complaint watch."""
    if level_changed and grievance.level == "III" and runtime is not None:
        alerts.alert_level3(grievance, now, runtime)
    if grievance.level == "I" and grievance.provider is not None:
        repeats.watch(grievance.provider, grievance.program, now)


def _events_for_contact(grievance: Grievance, attempt: ContactAttempt) -> list[str]:
    events = []
    if attempt.outcome == "reached" and attempt.with_whom != "MCO":
        events.append("originator contacted")
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
            if grievance.resolved_at and attempt.at >= grievance.resolved_at:
                events.append("member told")  # the resolution, told by phone or in person
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
    require("contact", grievance, by)
    attempt = ContactAttempt(
        at=at, by=by, with_whom=with_whom, channel=channel, outcome=outcome, note=note
    )
    attempt.validate()
    grievance.contact_attempts.append(attempt)
    history.add(grievance, by, "contact attempt", now, f"{channel} with {with_whom}: {outcome}")
    said = []
    for event in _events_for_contact(grievance, attempt):
        said += clocks.record_event(grievance, event, at, by, now, how=channel)
    grievance.updated_at = now
    grievance.save()
    return said


NOTE_KINDS = ("note", "investigation", "contact")


def add_note(grievance: Grievance, *, by: User, now: datetime, kind: str, text: str) -> None:
    """A narrative: what was found, said or done, appended (never edited)."""
    require("note", grievance, by)
    if kind not in NOTE_KINDS:
        raise ActionError(f"a note is one of: {', '.join(NOTE_KINDS)}")
    if not text or not text.strip():
        raise ActionError("write the note before saving it")
    grievance.narratives.append(Narrative(at=now, by=by, kind=kind, text=text.strip()))
    history.add(grievance, by, "narrative added", now, kind)
    grievance.updated_at = now
    grievance.save()


def record_event(grievance: Grievance, event: str, *, by: User, now: datetime, at=None):
    """A step done outside a contact attempt: site visit, CAP received, follow-up, report,
    referral to the state agency. The step is in the history whether or not a clock
    follows it."""
    require("event", grievance, by)
    when = at or now
    history.add(grievance, by, "step", now, f"{event} on {when:%Y-%m-%d %H:%M} UTC")
    said = []
    for implied in IMPLIES.get(event, ()):
        said += clocks.record_event(grievance, implied, when, by, now)
    said += clocks.record_event(grievance, event, when, by, now)
    grievance.updated_at = now
    grievance.save()
    return said


def approve_callback(grievance: Grievance, *, by: User, now: datetime) -> list[str]:
    """Iowa: a unit lead approves the callback (who and when); that meets its clock."""
    require("approve", grievance, by)
    grievance.callback_approved_by = by
    grievance.callback_approved_at = now
    history.add(grievance, by, "callback approved", now)
    said = clocks.record_event(grievance, "callback approved", now, by, now)
    grievance.updated_at = now
    grievance.save()
    return said


def escalate(
    grievance: Grievance, *, by: User, now: datetime, reason: str, to: User | None = None
) -> str:
    """staff -> supervisor -> manager; the manager may take it over and must see it resolved."""
    require("escalate", grievance, by)
    current = grievance.escalation_tier or "staff"
    if not reason or not reason.strip():
        raise ActionError("say why it is escalated")
    if to is not None:
        _serves_program(to, grievance)
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
    webhooks.mark(grievance, "escalated", tier)
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
    detail: str | None = None,
    runtime=None,
) -> list[str]:
    """What was found and done; substantiated or not (by whom the program says), with one of
    the program's reasons and staff's own detail. The member is sent the resolution notice
    (or it goes on the list of letters to post)."""
    require("resolve", grievance, by)
    if not summary or not summary.strip():
        raise ActionError("write a resolution summary: what was found and what was done")
    program = grievance.program
    if substantiated is not None and not decides_substantiation(program, by):
        raise ActionError(
            f"in {program.name}, whether it was substantiated is decided by: "
            + ", ".join(sorted(program.substantiation_roles))
        )
    if reason and program.substantiation_reasons and reason not in program.substantiation_reasons:
        raise ActionError("the reason is one of: " + "; ".join(program.substantiation_reasons))
    changes = _set(
        grievance,
        status="resolved",
        resolution=summary.strip(),
        substantiated=substantiated,
        substantiation_reason=reason or None,
        substantiation_detail=(detail or "").strip() or None,
    )
    grievance.is_open = False
    grievance.resolved_at = now
    grievance.narratives.append(Narrative(at=now, by=by, kind="resolution", text=summary.strip()))
    grievance.retain_until = retain_until(
        grievance.received_at, now, [grievance.program.retention_years]
    )
    history.add(grievance, by, "resolved", now, changes=changes)
    grievance.member_told_at = grievance.member_told_how = None  # this resolution's notice
    said = clocks.record_event(grievance, "resolved", now, by, now)
    webhooks.mark(grievance, "resolved")
    grievance.save()
    notices.resolution(grievance, now, runtime)
    return said


# The Department's outer limit for an interim report's expected completion (COMAR .11 G(4)).
DEPARTMENT_FINAL_DAYS = 60


def report_to_department(
    grievance: Grievance,
    *,
    by: User,
    now: datetime,
    kind: str,
    results: str | None = None,
    policy_changes: str | None = None,
    prevention: str | None = None,
    summary: str | None = None,
    expected_completion=None,
) -> list[str]:
    """Maryland: the written report on a complaint the Department referred. A final report
    gives the results, any change to policies or procedures, and the method to prevent it
    happening again; it meets the 30-day clock and the final one. An interim report (the
    investigation is not done) gives the summary to date and the expected date of completion,
    no later than day 60; it meets the 30-day clock, and the final one keeps running."""
    require("report", grievance, by)
    parts = {"results": results, "policy_changes": policy_changes, "prevention": prevention}
    parts = {k: (v or "").strip() for k, v in parts.items()}
    if kind == "final":
        missing = [k.replace("_", " ") for k, v in parts.items() if not v]
        if missing:
            raise ActionError(
                "a final report to the Department gives "
                + ", ".join(missing)
                + " (write 'none' where there is no change)"
            )
        report = DepartmentReport(at=now, by=by, kind="final", **parts)
        events = ["department report", "department final report"]
    elif kind == "interim":
        summary = (summary or "").strip()
        if not summary:
            raise ActionError("an interim report gives a summary of the investigation to date")
        if expected_completion is None:
            raise ActionError("an interim report gives the expected date of completion")
        zone = grievance.program.calendar().zone
        received = grievance.received_at.astimezone(zone).date()
        latest = received + timedelta(days=DEPARTMENT_FINAL_DAYS)
        if expected_completion > latest:
            raise ActionError(
                f"the expected completion may not be later than day {DEPARTMENT_FINAL_DAYS} "
                f"from receipt: {latest:%B %-d, %Y}"
            )
        if expected_completion < now.astimezone(zone).date():
            raise ActionError("the expected completion is a date still to come")
        report = DepartmentReport(
            at=now,
            by=by,
            kind="interim",
            summary=summary,
            expected_completion=expected_completion,
        )
        events = ["department report"]
    else:
        raise ActionError("a report to the Department is final or interim")
    grievance.department_reports.append(report)
    history.add(grievance, by, "department report", now, kind)
    said = []
    for event in events:
        said += clocks.record_event(grievance, event, now, by, now)
    grievance.updated_at = now
    grievance.save()
    return said


def decides_substantiation(program, user: User | None) -> bool:
    """Whether this person may record substantiated or not in this program (the system may;
    a program without its own list leaves it to whoever resolves)."""
    deciders = set(program.substantiation_roles or [])
    return user is None or not deciders or bool(deciders & set(user.roles))


def close(grievance: Grievance, *, by: User, now: datetime, note: str | None = None) -> None:
    """A resolved record whose member has been told is closed."""
    require("close", grievance, by)
    grievance.status = "closed"
    history.add(grievance, by, "closed", now, note or "", {"status": ("resolved", "closed")})
    grievance.updated_at = now
    grievance.save()


def withdraw(grievance: Grievance, *, by: User, now: datetime, reason: str) -> None:
    """The member withdrew the complaint. Nothing is deleted; the record stops its clocks."""
    require("withdraw", grievance, by)
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


def close_as_duplicate(
    grievance: Grievance, survivor_reference: str, *, by: User, now: datetime, note: str = ""
) -> Grievance:
    """The same complaint came in twice: this record is closed and linked to the one that is
    worked (the survivor), which reports count once. Both histories say so."""
    require("duplicate", grievance, by)
    survivor = Grievance.objects(reference=(survivor_reference or "").strip().upper()).first()
    if survivor is None or not may_read(by, survivor.program):
        raise ActionError(f"there is no record {survivor_reference!r} of yours to keep")
    if survivor.pk == grievance.pk:
        raise ActionError("a record cannot be a duplicate of itself")
    if survivor.program != grievance.program:
        raise ActionError(f"{survivor.reference} is another program's record")
    if survivor.duplicate_of is not None:
        raise ActionError(
            f"{survivor.reference} is itself a duplicate of {survivor.duplicate_of.reference}: "
            "link this record to that one"
        )
    before = grievance.status
    grievance.status = "closed"
    grievance.is_open = False
    grievance.duplicate_of = survivor
    grievance.resolution = f"Duplicate of {survivor.reference}"
    grievance.retain_until = retain_until(
        grievance.received_at, now, [grievance.program.retention_years]
    )
    said = f"duplicate of {survivor.reference}" + (f": {note.strip()}" if note.strip() else "")
    history.add(
        grievance,
        by,
        "closed as a duplicate",
        now,
        said,
        {"status": (before, "closed"), "duplicate_of": (None, survivor.reference)},
    )
    clocks.settle(grievance, now)
    grievance.updated_at = now
    grievance.save()
    history.add(
        survivor, by, "duplicate linked", now, f"{grievance.reference} was the same complaint"
    )
    survivor.updated_at = now
    survivor.save()
    return survivor


def reopen(grievance: Grievance, *, by: User, now: datetime, reason: str) -> None:
    """Work a closed, resolved or withdrawn record again; clocks met by the resolution run
    again from their own due times."""
    require("reopen", grievance, by)
    if not reason or not reason.strip():
        raise ActionError("say why the record is reopened")
    before = grievance.status
    changes: dict = {"status": (before, "in_progress")}
    if grievance.duplicate_of is not None:
        # Worked again on its own: no longer counted as another record's duplicate.
        changes["duplicate_of"] = (grievance.duplicate_of.reference, None)
        grievance.duplicate_of = None
    grievance.status = "in_progress"
    grievance.is_open = True
    grievance.resolved_at = None
    for clock in grievance.clocks:
        if clock.met_by == "resolved":
            clock.met_at = None
    history.add(grievance, by, "reopened", now, reason.strip(), changes)
    clocks.settle(grievance, now)
    grievance.updated_at = now
    grievance.save()


NPI = re.compile(r"^\d{10}$")


def search(query, term: str):
    """Find records the way staff ask, each by an indexed equality (portal.domain.search): a
    reference in any case, with or without dashes, its beginning or its number alone; a
    member ID; an NPI; or the words of the member's or provider's name, accents ignored."""
    term = (term or "").strip()
    if not term:
        return query
    either, every = search_keys.term_keys(term)
    # Each way of matching is its own indexed query ($or is a scan on the embedded store).
    ways = [Q(search_keys__in=either)] if either else []
    if NPI.match(term):
        ways.append(Q(provider__in=list(Provider.objects(npi=term).scalar("pk"))))
    if every:
        condition = Q(search_keys=every[0])
        for key in every[1:]:
            condition &= Q(search_keys=key)
        ways.append(condition)
    # The narrow ways first (a reference or its beginning, an NPI), the words of a name last.
    # Most terms match one way only, and then the list asks that way itself; the ids of
    # several ways are joined only when more than one finds something (a long $in is checked
    # against every candidate, one id at a time, on the embedded store).
    found = [(way, _ids(way)) for way in ways[:-1]]
    found = [(way, ids) for way, ids in found if ids]
    if not found:
        return query.filter(ways[-1])
    found.append((ways[-1], _ids(ways[-1])))
    return query.filter(pk__in=list(set().union(*(ids for _, ids in found))))


def _ids(condition: Q) -> set:
    return {row["_id"] for row in Grievance.objects(condition).only("id").as_pymongo()}


def newest_first(query, want: int, now: datetime) -> tuple[list, bool]:
    """The ids `query` matches, newest receipt first, read a slice of months at a time
    (each slice an indexed equality on the month of receipt, beside the query's own), until
    `want` of them are certain; and whether every month was read. A search for a common
    surname then reads about a page of records, not every match in ten years of history.
    What is returned is all that `query` matches received since the oldest month read: a
    month's records in another zone that fall before it are read with the next slice."""
    found: list[tuple[datetime, object]] = []
    complete_from = None
    for months in search_keys.months_back(now):
        rows = query.filter(received_month__in=months).only("id", "received_at").as_pymongo()
        found.extend((as_utc(row["received_at"]), row["_id"]) for row in rows)
        complete_from = search_keys.complete_from(months[-1])
        if sum(1 for at, _ in found if at >= complete_from) >= want:
            break
    else:
        complete_from = None  # every month read: all of it is certain
    found.sort(key=lambda pair: pair[0], reverse=True)
    if complete_from is not None:
        found = [pair for pair in found if pair[0] >= complete_from]
    return [pk for _, pk in found], complete_from is None


def add_search_keys() -> int:
    """Records written before search keys existed get them; how many. Each is one indexed
    update of that field alone."""
    missing = Grievance.objects(Q(search_keys__exists=False) | Q(search_keys__size=0))
    done = 0
    for record in missing.only("reference", "member", "provider", "provider_name"):
        record.refresh_search_keys()
        Grievance.objects(pk=record.pk).update_one(set__search_keys=record.search_keys)
        done += 1
    return done


def add_received_months() -> int:
    """Records written before months of receipt were kept get theirs; how many. One update
    of that field alone each."""
    missing = Grievance.objects(Q(received_month__exists=False) | Q(received_month=None))
    done = 0
    for record in missing.only("received_at", "program"):
        record.refresh_received_month()
        Grievance.objects(pk=record.pk).update_one(set__received_month=record.received_month)
        done += 1
    return done


def set_legal_hold(grievance: Grievance, *, on: bool, by: User, now: datetime, reason: str) -> None:
    """A legal hold keeps the record past its retention date, until it is lifted."""
    require("hold", grievance, by)
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


def pause_clock(grievance: Grievance, clock: str, *, by: User, now: datetime, reason: str) -> None:
    """Stop a clock while the plan waits on someone else (records, a call back)."""
    require("pause", grievance, by)
    clocks.pause(grievance, clock, reason, by, now)
    grievance.updated_at = now
    grievance.save()


def resume_clock(grievance: Grievance, clock: str, *, by: User, now: datetime) -> None:
    require("resume", grievance, by)
    clocks.resume(grievance, clock, by, now)
    grievance.updated_at = now
    grievance.save()


def extend_clock(
    grievance: Grievance,
    clock: str,
    *,
    by: User,
    now: datetime,
    rule: str,
    reason: str,
    runtime=None,
) -> bool:
    """Move a clock's due time, for a reason; extending the resolution writes the member the
    reason (42 CFR 438.408(c)), and that notice has its own 2-day clock. True when it did."""
    require("extend", grievance, by)
    notice = clocks.extend(grievance, clock, rule, reason, by, now)
    grievance.updated_at = now
    grievance.save()
    if notice is not None:
        notices.extension(grievance, notice, reason, now, runtime)
    return notice is not None


# What a correction of intake facts may change: (field on the record, its label).
CORRECTABLE = {
    "member.phone": "member's phone",
    "member.email": "member's e-mail",
    "member.address": "member's postal address",
    "member.contact_times": "best times to call",
    "caller.phone": "call-back number",
    "caller.relationship": "caller's relationship",
    "provider_name": "provider named",
    "provider_city": "provider's city",
    "provider_npi": "provider's NPI",
    "incident_date": "date of the incident",
    "staff_involved": "staff member complained about",
    "desired_resolution": "what the member wants",
}


def correct(grievance: Grievance, *, by: User, now: datetime, reason: str, **values) -> list[str]:
    """Correct facts taken at intake (a number misheard, the office named wrongly), with the
    reason in the history; nothing of the lifecycle changes this way."""
    require("correct", grievance, by)
    if not reason or not reason.strip():
        raise ActionError("say why it is corrected (e.g. the member called with a new number)")
    unknown = set(values) - set(CORRECTABLE)
    if unknown:
        raise ActionError(f"only intake facts are corrected here, not {sorted(unknown)}")
    withheld = set(values) & MEMBER_DETAIL_FIELDS
    if withheld and not can(by, "member.details"):
        raise ActionError(
            "the member's identifiers and contact details are corrected by staff who "
            "contact members"
        )
    changes = {}
    for path, value in values.items():
        holder, _, name = path.rpartition(".")
        target = grievance
        if holder:
            target = getattr(grievance, holder)
            if target is None:
                if value in (None, ""):
                    continue
                target = Caller()  # the member is always there; a caller may not be
                setattr(grievance, holder, target)
        before = getattr(target, name)
        if (before or None) != (value or None):
            changes[path] = (before, value or None)
            setattr(target, name, value or None)
    if "provider_npi" in changes:
        npi = changes["provider_npi"][1]
        grievance.provider = Provider.objects(npi=npi).first() if npi else None
    if not changes:
        return []
    history.add(grievance, by, "corrected", now, reason.strip(), changes)
    grievance.updated_at = now
    grievance.save()
    return sorted(CORRECTABLE[p] for p in changes)
