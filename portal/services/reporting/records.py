"""Record-by-record listings for reviewers and for the teams' own logs, in one pass over
the period with projections; names looked up once each."""

from __future__ import annotations

from datetime import datetime

from portal.models import Grievance, Letter, Outbox, Program, User
from portal.services.documents import built, ref_id

UNIVERSE = [
    # 42 CFR 438.416(b)
    "reference",
    "covered_person",
    "member_id",
    "date_received",
    "reason",
    "dates_of_review",
    "resolution",
    "date_of_resolution",
    # the plans' contracts (domain.md)
    "program",
    "type",
    "level",
    "category",  # Maryland's quality-of-care categories (seed 004)
    "intake_source",
    "taken_by",
    "date_acknowledged",
    "acknowledgment_method",
    "resolved_by",
    "member_told",
    "substantiated",
    "state_form_offered",
]
REVIEW_ACTIONS = ("classified", "escalated", "triage reviewed", "reopened")
INQUIRY_LOG = [
    "date received",
    "source",
    "member or provider",
    "caller",
    "phone",
    "NPI",
    "issue",
    "priority",
    "MCO",
    "liaison",
    "updates",
    "resolution",
    "date resolved",
]


def _period(program: Program, start: datetime, end: datetime):
    return built(
        Grievance.objects.received_between(program, start, end)
        .exclude("clocks.steps")
        .order_by("received_at")
    )


def _names(records) -> dict:
    ids = set()
    for record in records:
        ids.update(ref_id(h, "by") for h in record.history)
        ids.update(ref_id(c, "by") for c in record.contact_attempts)
        ids.add(ref_id(record, "assignee"))
    ids.discard(None)
    return {u.pk: u.name for u in User.objects(pk__in=list(ids)).only("name")}


def _local(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def universe(program: Program, start: datetime, end: datetime) -> tuple[list[str], list[list]]:
    zone = program.calendar().zone
    records = _period(program, start, end)
    names = _names(records)
    keys = [f"ack:{r.reference}" for r in records]
    mailed = set(Outbox.objects(key__in=keys, status="sent").scalar("key"))
    posted = set(Letter.objects(key__in=keys, posted_at__ne=None).scalar("key"))

    def who(entry) -> str:
        return names.get(ref_id(entry, "by"), "")

    rows = []
    for r in records:
        history = {h.action: h for h in r.history}
        ack = [c.met_at for c in r.clocks if c.met_by == "acknowledged" and c.met_at]
        rows.append(
            [
                r.reference,
                r.member.name if r.member else "",
                r.member.member_id if r.member else "",
                _local(r.received_at, zone),
                r.intake_text() or "",
                "; ".join(_local(h.at, zone) for h in r.history if h.action in REVIEW_ACTIONS),
                r.resolution or "",
                _local(r.resolved_at, zone),
                program.slug,
                r.type or "",
                r.level or "",
                r.category or "",
                r.intake_source or "",
                who(history["received"]) if "received" in history else "",
                _local(min(ack), zone) if ack else "",
                _ack_method(r, mailed, posted),
                who(history["resolved"]) if "resolved" in history else "",
                _told(r, zone),
                {True: "substantiated", False: "unsubstantiated"}.get(r.substantiated, ""),
                {True: "yes", False: "no"}.get(r.state_form_offered, ""),
            ]
        )
    return UNIVERSE, rows


def _told(record: Grievance, zone) -> str:
    """When and how the member learnt the resolution: the notice e-mailed or posted, or
    staff reaching them (what came first)."""
    if not record.member_told_at:
        return ""
    return f"{_local(record.member_told_at, zone)} {record.member_told_how or ''}".strip()


def _ack_method(record: Grievance, mailed: set[str], posted: set[str]) -> str:
    """E-mail or post when the acknowledgment went out as one; otherwise the channel of the
    first contact with the member or caller."""
    if f"ack:{record.reference}" in mailed:
        return "e-mail"
    if f"ack:{record.reference}" in posted:
        return "post"
    personal = [a for a in record.contact_attempts if a.with_whom in ("member", "caller")]
    return personal[0].channel if personal else ""


def inquiry_log(program: Program, start: datetime, end: datetime) -> tuple[list[str], list[list]]:
    """Iowa's Excel log, column for column."""
    zone = program.calendar().zone
    records = _period(program, start, end)
    names = _names(records)
    rows = []
    for r in records:
        caller = r.caller.name if r.caller and r.caller.name else (r.member.name or "")
        phone = (r.caller.phone if r.caller else None) or r.member.phone or ""
        updates = "; ".join(
            f"{_local(n.at, zone)} {n.text}" for n in r.narratives if n.kind != "intake"
        )
        rows.append(
            [
                r.received_at.astimezone(zone).date(),
                r.intake_source or "",
                "provider" if "provider" in (r.type or "").lower() else "member",
                caller,
                phone,
                r.provider_npi or "",
                r.intake_text() or "",
                r.priority or "",
                r.mco or "",
                names.get(ref_id(r, "assignee"), ""),
                updates,
                r.resolution or "",
                r.resolved_at.astimezone(zone).date() if r.resolved_at else "",
            ]
        )
    return INQUIRY_LOG, rows


def export_rows(program: Program) -> tuple[list[str], list[list]]:
    """A program's records in the import's own columns: exported and imported again they
    give the same records."""
    from portal.domain.importing import COLUMNS

    rows = []
    for r in built(
        Grievance.objects(program=program)
        .exclude("clocks", "history", "contact_attempts")
        .order_by("received_at")
    ):
        rows.append(
            [
                r.reference,
                r.received_at.isoformat(),
                r.type,
                r.level,
                r.priority,
                r.provider_name,
                r.provider_npi,
                r.member.name if r.member else None,
                r.member.member_id if r.member else None,
                r.caller.name if r.caller else None,
                r.caller.phone if r.caller else None,
                r.intake_source,
                r.intake_text(),
                r.status,
                r.resolved_at.isoformat() if r.resolved_at else None,
                r.resolution,
                {True: "yes", False: "no"}.get(r.substantiated),
            ]
        )
    return list(COLUMNS), rows
