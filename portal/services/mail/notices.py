"""Written notices to members (42 CFR 438.406, 438.408): the acknowledgment, the resolution
and an extension's reason. E-mail for members who gave an address and did not choose post;
otherwise a letter on the 'letters to post' list. Either is stored before anything is sent,
and its key makes a second call write nothing new."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_date

from portal.i18n import words_in
from portal.models import Grievance
from portal.services.mail import letters, outbox


def by_post(grievance: Grievance) -> bool:
    member = grievance.member
    return not (member and member.email) or member.preferred_contact == "post"


def notify(
    grievance: Grievance,
    kind: str,
    key: str,
    subject: str,
    text: str,
    now: datetime,
    runtime,
    *,
    event: str,
):
    """Send the notice by e-mail, or put it on the list of letters to post; either ends with
    the program's contact lines."""
    text += _contact_block(grievance)
    if by_post(grievance):
        return letters.write(key, kind, grievance, subject, text, now, event=event)
    message = outbox.put(
        key,
        kind,
        grievance.member.email,
        subject,
        text,
        None,
        now,
        grievance=grievance,
        event=event,
    )
    if runtime is not None:  # without a queue at hand, the relay sends what is pending
        outbox.hand_to_queue(message.pk, runtime)
    return message


def _contact_block(grievance: Grievance) -> str:
    program = grievance.program
    lines = program.contact_text(grievance.language)
    if not lines:
        return ""
    _ = words_in(grievance.language)
    return "\n\n" + _("To talk to someone:") + "\n" + lines


def _routes(grievance: Grievance) -> str:
    routes = grievance.program.routes(grievance.language)
    return f"\n\n{routes}" if routes else ""


def acknowledge(grievance: Grievance, now: datetime, runtime) -> None:
    """Acknowledge a complaint in writing (438.406(b)(1))."""
    base = runtime.base_url if runtime is not None else ""
    _ = words_in(grievance.language)
    subject = _("We received your complaint (%(reference)s)", reference=grievance.reference)
    text = _(
        "Thank you for contacting us. We have received your complaint.\n\n"
        "Your reference number is %(reference)s. Please keep it: you can use it to ask "
        "about your complaint at %(status_url)s or by phone.\n\n"
        "We will be in touch. If your situation is urgent, please call your plan's "
        "member services.",
        reference=grievance.reference,
        status_url=f"{base}/complaint/status",
    )
    notify(
        grievance,
        "acknowledgment",
        f"ack:{grievance.reference}",
        subject,
        text,
        now,
        runtime,
        event="acknowledged",
    )


def resolution(grievance: Grievance, now: datetime, runtime) -> None:
    """Tell the member how the complaint was resolved (438.408(d)); sending or posting it is
    the event 'member told'. A record resolved again after a reopening sends a new one."""
    number = sum(1 for h in grievance.history if h.action == "resolved")
    _ = words_in(grievance.language)
    subject = _("The result of your complaint (%(reference)s)", reference=grievance.reference)
    text = _(
        "We have finished looking into your complaint %(reference)s, received on "
        "%(received)s.\n\nWhat we found and what we did:\n%(summary)s\n\n"
        "If you are not satisfied with this result, please call us and tell us why.",
        reference=grievance.reference,
        received=_day(grievance.received_at, grievance),
        summary=grievance.resolution or "",
    ) + _routes(grievance)
    notify(
        grievance,
        "resolution",
        f"resolution:{grievance.reference}:{number}",
        subject,
        text,
        now,
        runtime,
        event="member told",
    )


def extension(grievance: Grievance, clock, reason: str, now: datetime, runtime) -> None:
    """The written notice of an extension's reason (438.408(c)(2)): meets the clock the
    extension started."""
    _ = words_in(grievance.language)
    subject = _(
        "We need more time for your complaint (%(reference)s)", reference=grievance.reference
    )
    text = _(
        "We need more time to finish looking into your complaint %(reference)s.\n\n"
        "The reason: %(reason)s\n\nWe will give you our answer by %(due)s.\n\n"
        "If you disagree with this extension, you have the right to file a grievance "
        "about it: please call us.",
        reference=grievance.reference,
        reason=reason.strip(),
        due=_day(_due_of_resolution(grievance), grievance),
    )
    notify(
        grievance,
        "extension",
        f"extension:{grievance.reference}:{clock.name}",
        subject,
        text,
        now,
        runtime,
        event="extension notice",
    )


def _day(moment, grievance: Grievance) -> str:
    """A date as the member reads it, in their language and their program's timezone."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = moment.astimezone(grievance.program.calendar().zone).date()
    return format_date(moment, "long", locale=grievance.language or "en")


def _due_of_resolution(grievance: Grievance):
    zone = grievance.program.calendar().zone
    due = max(
        (c.due_at for c in grievance.clocks if c.met_by == "resolved" and c.met_at is None),
        default=None,
    )
    return due.astimezone(zone).date() if due else None
