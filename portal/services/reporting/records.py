"""Record-by-record listings for reviewers and for the teams' own logs, in one pass over
the period with projections; names looked up once each."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from portal.domain.lifecycle import STATUS_WORDS
from portal.domain.uploads import KINDS
from portal.models import Grievance, Letter, Outbox, Program, User
from portal.services.documents import built, in_batches, ref_id

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
    "files",
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
    ids: set = set()
    for record in records:
        ids.update(ref_id(h, "by") for h in record.history)
        ids.update(ref_id(c, "by") for c in record.contact_attempts)
        ids.add(ref_id(record, "assignee"))
    ids.discard(None)
    return {u.pk: u.name for u in User.objects(pk__in=list(ids)).only("name")}


def _local(moment, zone) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""


def universe(program: Program, start: datetime, end: datetime) -> tuple[list[str], Iterator[list]]:
    """The quarter's record universe: its columns, and its rows as they are read, a batch
    of records at a time (services.documents.in_batches)."""
    query = Grievance.objects.received_between(program, start, end).order_by("received_at")
    return UNIVERSE, _universe_rows(program, query)


def _universe_rows(program: Program, query) -> Iterator[list]:
    zone = program.calendar().zone
    for records in in_batches(query.exclude("clocks.steps"), 100):
        yield from _universe_batch(program, zone, records)


def _universe_batch(program: Program, zone, records: list[Grievance]) -> list[list]:
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
                "; ".join(f"{a.name} ({KINDS[a.kind]})" for a in r.attachments),
            ]
        )
    return rows


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


# The export's columns, as (key, header, holds member data): plain headers that the import
# reads back (portal.domain.importing.ALIASES), then what only a reader needs, which the
# import leaves aside.
EXPORT_COLUMNS = (
    ("reference", "Reference", False),
    ("received_at", "Received", False),
    ("type", "Type", False),
    ("level", "Level", False),
    ("priority", "Priority", False),
    ("category", "Category", False),
    ("status", "Status", False),
    ("intake_source", "Source", False),
    ("provider_name", "Provider", False),
    ("provider_npi", "Provider NPI", False),
    ("member_name", "Member name", True),
    ("member_id", "Member ID", True),
    ("age_group", "Age group", False),
    ("caller_name", "Caller", True),
    ("caller_phone", "Caller phone", True),
    ("narrative", "Narrative", True),
    ("resolved_at", "Resolved", False),
    ("resolution", "Resolution", True),
    ("substantiated", "Substantiated", False),
    ("program", "Program", False),
    ("assignee", "Assigned to", False),
    ("next_due_at", "Next due", False),
    ("overdue", "Overdue", False),
)
NOT_EXPORTED = ("history", "contact_attempts", "clocks", "escalations", "triage")


def export_columns(member_data: bool) -> list[tuple[str, str]]:
    return [(key, header) for key, header, private in EXPORT_COLUMNS if member_data or not private]


def _yes_no(value) -> str:
    return {True: "Yes", False: "No"}.get(value, "")


def export_row(record: Grievance, columns, zone) -> list:
    """One record as a person reads it: times in the program's office time (to the second,
    as a spreadsheet date), Yes/No, statuses in words."""

    def local(moment):
        return moment.astimezone(zone).replace(tzinfo=None, microsecond=0) if moment else None

    member, caller = record.member, record.caller
    values = {
        "reference": record.reference,
        "received_at": local(record.received_at),
        "type": record.type,
        "level": record.level,
        "priority": record.priority,
        "category": record.category,
        "status": STATUS_WORDS.get(record.status, record.status),
        "intake_source": record.intake_source,
        "provider_name": record.provider_name,
        "provider_npi": record.provider_npi,
        "member_name": member.name if member else None,
        "member_id": member.member_id if member else None,
        "age_group": member.age_group if member else None,
        "caller_name": caller.name if caller else None,
        "caller_phone": caller.phone if caller else None,
        "narrative": record.intake_text(),
        "resolved_at": local(record.resolved_at),
        "resolution": record.resolution,
        "substantiated": _yes_no(record.substantiated),
        "program": record.program.slug if record.program else None,
        "assignee": record.assignee.name if record.assignee else None,
        "next_due_at": local(record.next_due_at),
        "overdue": _yes_no(bool(record.overdue and record.is_open)),
    }
    return [values[key] for key, _ in columns]


def export_rows(program: Program, member_data: bool = True) -> tuple[list[str], list[list]]:
    """A program's records as the export writes them: exported and imported again they give
    the same records."""
    columns = export_columns(member_data)
    zone = program.calendar().zone
    records = built(
        Grievance.objects(program=program).exclude(*NOT_EXPORTED).order_by("received_at")
    )
    return [header for _, header in columns], [export_row(r, columns, zone) for r in records]
