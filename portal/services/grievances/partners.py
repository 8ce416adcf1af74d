"""Complaints from other systems (/api/v1): the same intake service as the form and staff
intake, made idempotent on the client's own reference, and records read back in the shape
another system needs: stage and due dates, no member details."""

from __future__ import annotations

from datetime import datetime, timedelta

from mongoengine.errors import NotUniqueError

from portal.clock import as_utc
from portal.domain.clocks import clock_state
from portal.domain.lifecycle import STATUS_WORDS
from portal.models import ApiClient, ApiRequest, Grievance, Program
from portal.services.grievances import intake
from portal.services.grievances.intake import Intake

# A claim whose record never came (the process died between the two writes) is taken over
# by the next request with the same reference after this long.
STALE_CLAIM = timedelta(minutes=2)


class InFlight(Exception):
    """The same client reference is being filed by another request right now."""


def file(
    client: ApiClient,
    program: Program,
    details: Intake,
    client_reference: str,
    now: datetime,
    runtime,
    received_at: datetime | None = None,
) -> tuple[Grievance, bool]:
    """The record for this client reference: made now (True), or the one an earlier request
    made (False). The claim is written first, so two requests with one reference make one
    record; the record is stored before anything is sent."""
    key = f"{client.pk}:{client_reference}"
    try:
        claim = ApiRequest(key=key, client=client, claimed_at=now).save()
    except NotUniqueError:
        claim = ApiRequest.objects.get(key=key)
        if claim.grievance is not None:
            return claim.grievance, False
        if as_utc(claim.claimed_at) > now - STALE_CLAIM:
            raise InFlight(client_reference) from None
        claim.update(set__claimed_at=now)  # the earlier request died before storing
    try:
        grievance = intake.submit(program, details, now, received_at=received_at)
    except Exception:
        claim.delete()  # nothing stored: the same reference may be sent again
        raise
    claim.update(set__grievance=grievance)
    intake.after_intake(grievance, now, runtime)
    grievance.reload()  # as stored (times to the millisecond), as a repeat will read it
    return grievance, True


def visible(client: ApiClient, reference: str) -> Grievance | None:
    """The record with this reference, if it belongs to one of the client's programs."""
    grievance = Grievance.objects(reference=reference).first()
    if grievance is None or grievance.program.pk not in client.program_ids():
        return None
    return grievance


def changed_since(
    programs: list[Program], since: datetime, after: str | None, limit: int
) -> tuple[list[Grievance], tuple[datetime, str] | None]:
    """Records of these programs changed at or after `since` (after the record `after` when
    it changed at that very instant), oldest change first, at most `limit`; and where the
    next page starts (None when nothing is left). Changes in one instant (an import) are
    paged by record id, so none is skipped. Indexed ranges per program (program,
    updated_at)."""
    # What orders the page first (id and time of change, nothing else read), then the
    # page's records by id: a read of whole records would build every change to keep 100.
    marks: list[tuple] = []
    for program in programs:
        if after:
            same = Grievance.objects(program=program, updated_at=since, id__gt=after)
            marks.extend(_marks(same.order_by("id").limit(limit + 1)))
            later = Grievance.objects(program=program, updated_at__gt=since)
        else:
            later = Grievance.objects(program=program, updated_at__gte=since)
        marks.extend(_marks(later.order_by("updated_at", "id").limit(limit + 1)))
    marks.sort(key=lambda mark: (mark[0], str(mark[1])))
    wanted = [pk for _, pk in marks[:limit]]
    by_id = {g.pk: g for g in Grievance.objects(pk__in=wanted)}
    page = [by_id[pk] for pk in wanted if pk in by_id]
    if len(marks) <= limit:
        return page, None
    return page, (as_utc(page[-1].updated_at), str(page[-1].pk))


def _marks(query) -> list[tuple[datetime, object]]:
    return [
        (as_utc(row["updated_at"]), row["_id"])
        for row in query.only("id", "updated_at").as_pymongo()
    ]


def describe(grievance: Grievance, now: datetime) -> dict:
    """Stage and due dates, in UTC: what another system tracks, no member details."""
    program = grievance.program
    warning = timedelta(hours=program.warning_hours)
    return {
        "reference": grievance.reference,
        "program": program.slug,
        "status": grievance.status,
        "stage": STATUS_WORDS.get(grievance.status, grievance.status),
        "level": grievance.level,
        "received_at": as_utc(grievance.received_at),
        "updated_at": as_utc(grievance.updated_at),
        "resolved_at": as_utc(grievance.resolved_at),
        "clocks": [
            {
                "name": clock.name,
                "due_at": as_utc(clock.due_at),
                "met_at": as_utc(clock.met_at),
                "state": clock_state(
                    as_utc(clock.due_at),
                    as_utc(clock.met_at),
                    clock.paused,
                    now,
                    warning,
                    clock.at_risk_from,
                ),
            }
            for clock in grievance.clocks
        ],
    }
