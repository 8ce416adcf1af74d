"""Letters to members who gave no e-mail address or chose post: written into the 'letters to
post' list with the words of the notice, printed as a PDF on the plan's letterhead, and
marked posted by staff. The posting date is the event the letter stands for."""

from __future__ import annotations

import logging
import unicodedata
from datetime import datetime

from portal.models import Grievance, Letter, User
from portal.services.grievances import clocks, history
from portal.services.mail import outbox

log = logging.getLogger(__name__)

# PDF core fonts hold Latin-1 (English and Spanish); anything else is spelled plainly.
_PLAIN = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


class LetterError(ValueError):
    """A letter action that cannot be done, with a message that says why."""


def write(
    key: str,
    kind: str,
    grievance: Grievance,
    subject: str,
    text: str,
    now: datetime,
    *,
    event: str | None,
) -> Letter:
    """Put a letter on the list once per key; the same key again returns the first."""
    return outbox.once(
        Letter,
        key,
        kind=kind,
        grievance=grievance,
        event=event,
        language=grievance.language or "en",
        subject=subject,
        text=text,
        created_at=now,
    )


def to_post():
    """The letters staff still have to post, oldest first."""
    return Letter.objects(posted_at=None).order_by("created_at")


def address_of(grievance: Grievance) -> str:
    member = grievance.member
    return (member.address or "").strip() if member else ""


def mark_posted(letter: Letter, *, by: User, now: datetime, on: datetime | None = None) -> list:
    """The letter went in the post (`on`, by default now): that meets the clocks its event
    meets, and the record's history says so. A letter is posted once."""
    if letter.posted_at is not None:
        raise LetterError(f"this letter was posted already, on {letter.posted_at:%Y-%m-%d}")
    grievance = letter.grievance
    address = address_of(grievance)
    if not address:
        raise LetterError(
            f"{grievance.reference} has no postal address: correct the member's address first"
        )
    when = on or now
    if when > now:
        raise LetterError("a letter cannot be marked posted on a day still to come")
    claimed = Letter.objects(pk=letter.pk, posted_at=None).modify(
        new=True, set__posted_at=when, set__posted_by=by, set__posted_to=address
    )
    if claimed is None:  # someone else marked it in the meantime
        raise LetterError("this letter was posted already")
    history.add(grievance, by, "letter posted", now, f"{letter.kind} letter, {when:%Y-%m-%d}")
    _keep_as_posted(letter, grievance, by, now)
    said = []
    if letter.event:
        said = clocks.record_event(grievance, letter.event, when, by, now, how="post")
    grievance.updated_at = now
    grievance.save()
    return said


def _keep_as_posted(letter: Letter, grievance: Grievance, by: User | None, now) -> None:
    """The letter as it went in the post, kept with the record as a file (kind 'letter')."""
    from zoneinfo import ZoneInfo

    from portal.services.grievances import attachments

    content = pdf(letter, ZoneInfo(grievance.program.timezone))
    name = f"{letter.kind}-letter-{grievance.reference}.pdf"
    try:
        attachments.add_files(grievance, [(name, content)], kind="letter", now=now, by=by)
    except attachments.UploadError as exc:  # the record is full: posted all the same
        log.warning("letter %s posted but not kept as a file: %s", letter.pk, exc)


def _latin(text: str) -> str:
    text = unicodedata.normalize("NFC", (text or "").translate(_PLAIN))
    return text.encode("latin-1", "replace").decode("latin-1")


def pdf(letter: Letter, zone) -> bytes:
    """The letter on the program's letterhead: the plan's name and lines, the date, the
    member's name and postal address, the reference, and the notice. Nothing else of the
    record: no member ID, no date of birth, no complaint text."""
    # fpdf2 (with fontTools) is some 28 MB of every process that imports it: only the
    # processes that write a letter load it.
    from fpdf import FPDF

    grievance = letter.grievance
    program = grievance.program
    head = program.letterhead or {}
    document = FPDF(format="letter")
    document.set_title(_latin(letter.subject))
    document.set_author(_latin(head.get("name") or program.name))
    document.set_margins(25, 20, 25)
    document.add_page()
    document.set_font("Helvetica", "B", 14)
    document.cell(0, 8, _latin(head.get("name") or program.name), new_x="LMARGIN", new_y="NEXT")
    document.set_font("Helvetica", "", 9)
    for line in (head.get("address") or "").splitlines() + [
        head.get("phone") or "",
        head.get("website") or "",
    ]:
        if line.strip():
            document.cell(0, 4.5, _latin(line.strip()), new_x="LMARGIN", new_y="NEXT")
    document.ln(10)
    document.set_font("Helvetica", "", 11)
    dated = (letter.posted_at or letter.created_at).astimezone(zone)
    document.cell(0, 6, dated.strftime("%B %-d, %Y"), new_x="LMARGIN", new_y="NEXT")
    document.ln(6)
    name = grievance.member.name if grievance.member else ""
    address = letter.posted_to or address_of(grievance)
    for line in [name or "", *address.splitlines()]:
        if line.strip():
            document.cell(0, 5.5, _latin(line.strip()), new_x="LMARGIN", new_y="NEXT")
    document.ln(8)
    document.set_font("Helvetica", "B", 11)
    document.multi_cell(0, 6, _latin(letter.subject), new_x="LMARGIN", new_y="NEXT")
    document.ln(3)
    document.set_font("Helvetica", "", 11)
    document.multi_cell(0, 6, _latin(letter.text), new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())
