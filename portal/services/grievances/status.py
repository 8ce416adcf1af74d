"""What a member may learn about their complaint: its stage and the expected date, no more."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l

from portal.domain.intake import fold
from portal.models import Grievance
from portal.services.accounts import audit

STAGES = {
    "received": _l("Received"),
    "in_progress": _l("Being worked on"),
    "escalated": _l("Being worked on"),
    "resolved": _l("Resolved"),
    "closed": _l("Resolved"),
    "withdrawn": _l("Closed at your request"),
}
# What a member is promised, by the event that meets the clock; other clocks are staff's.
PROMISES = {
    "acknowledged": _l("We will confirm in writing that we received your complaint by"),
    "member contacted": _l("Someone from our team will contact you by"),
    "callback complete": _l("Someone from our team will contact you by"),
    "resolved": _l("We will tell you what we decided by"),
}
# Guessing stays expensive without locking the member out. One address gets ten wrong tries
# an hour. A reference that has had ten wrong tries in a day, from anywhere, asks for both the
# last name and the date of birth: the member knows both, and a guesser spread over many
# addresses then faces surnames times dates instead of surnames alone. Nobody's wrong
# guesses ever turn the member's right answer away.
WRONG_GUESS_LIMIT = 10  # per address, per hour
REFERENCE_GUESS_LIMIT = 10  # per reference, per day, before both details are asked for
REFERENCE_WINDOW = timedelta(days=1)


def _fold(text: str) -> str:
    """Compare names the way people type them: case, accents and spacing ignored."""
    return fold(text).strip()


def _last_name(full_name: str | None) -> str:
    parts = _fold(full_name or "").split()
    return parts[-1] if parts else ""


def throttled(ip: str | None, now: datetime) -> bool:
    """This address has guessed wrong too often in the last hour."""
    return audit.too_many("status check failed", now, WRONG_GUESS_LIMIT, ip=ip)


def needs_both(reference: str, now: datetime) -> bool:
    """This reference has had many wrong tries lately (whether or not it exists, so the
    answer says nothing of that): ask for the last name and the date of birth together."""
    return audit.too_many(
        "status check failed",
        now,
        REFERENCE_GUESS_LIMIT,
        window=REFERENCE_WINDOW,
        target=_target(reference),
    )


def _target(reference: str) -> str:
    return reference.strip().upper()[:40]


def next_steps(grievance: Grievance) -> list[dict]:
    """What the member can expect and by when, from the record's own clocks, in the
    program's timezone: one line per promise, the earliest due time of each."""
    zone = grievance.program.calendar().zone
    earliest: dict[str, datetime] = {}
    for clock in grievance.clocks:
        if clock.met_at is None and clock.met_by in PROMISES:
            text = str(PROMISES[clock.met_by])
            earliest[text] = min(clock.due_at, earliest.get(text, clock.due_at))
    return [
        {"text": text, "date": due.astimezone(zone).date()}
        for text, due in sorted(earliest.items(), key=lambda item: item[1])
    ]


def _matches(grievance: Grievance | None, last_name: str | None, birth_date: date | None):
    """Every detail given must match, and at least one must be given."""
    wanted = _fold(last_name or "")
    if grievance is None or not (wanted or birth_date):
        return False
    member = grievance.member
    if wanted and _last_name(member.name) != wanted:
        return False
    return not (birth_date and member.birth_date != birth_date)


def look_up(
    reference: str, last_name: str | None, birth_date: date | None, now: datetime, ip: str | None
) -> dict | None:
    """The stage and expected date when the reference and the member's last name or date of
    birth match; None otherwise (the answer never says which detail was wrong)."""
    reference = reference.strip().upper()
    grievance = (
        Grievance.objects(reference=reference)
        .only("reference", "status", "member", "clocks", "resolved_at", "program")
        .first()
    )
    if not _matches(grievance, last_name, birth_date):
        audit.record("status check failed", now, target=_target(reference), ip=ip)
        return None
    zone = grievance.program.calendar().zone
    resolution = [c.due_at for c in grievance.clocks if c.met_by == "resolved" and not c.met_at]
    if grievance.resolved_at:
        when, label = grievance.resolved_at, _l("Resolved on")
    elif resolution:
        when, label = min(resolution), _l("We expect to resolve it by")
    else:
        when, label = None, None
    return {
        "reference": grievance.reference,
        "stage": STAGES[grievance.status],
        "date_label": label,
        "date": when.astimezone(zone).date() if when else None,
        "program": grievance.program,
    }
