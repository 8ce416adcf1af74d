"""Complaints that arrive by e-mail to a program's grievance address.

The intake job reads each configured mailbox over IMAP (imapclient). A new message becomes a
complaint (source "e-mail", the sender as the contact, the text as the first narrative, its
attachments as files), through the same intake, triage, clocks and acknowledgment as the web
form. A reply whose subject carries one of the program's references is added to that record
instead. Each message is claimed by its Message-ID before anything is filed, so one
delivered twice is filed once; it is then moved to the "done" folder. A message that cannot
be read goes to the "needs review" folder, which the admin home counts.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import logging
import re
from datetime import datetime
from email.message import EmailMessage
from email.utils import getaddresses
from urllib.parse import unquote, urlsplit

from mongoengine import NotUniqueError

from portal.models import Grievance, InboundMail, Narrative, Program
from portal.services.grievances import attachments, history, intake
from portal.services.grievances.attachments import UploadError

log = logging.getLogger(__name__)

DONE = "Done"
REVIEW = "Needs review"
REFERENCE = re.compile(r"\b([A-Z]{1,4}-\d{4}-\d{6})\b")
TEXT_LIMIT = 20000


class Unreadable(ValueError):
    """Why a message waits for a person: it names no sender, or has no text."""


def mailbox(url: str) -> dict:
    """imap://user:password@host:port/FOLDER (imaps:// for TLS) as connection settings."""
    parts = urlsplit(url)
    if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
        raise ValueError("a mailbox is imap://user:password@host:port/INBOX or imaps://...")
    return {
        "host": parts.hostname,
        "port": parts.port or (993 if parts.scheme == "imaps" else 143),
        "ssl": parts.scheme == "imaps",
        "user": unquote(parts.username),
        "password": unquote(parts.password or ""),
        "folder": unquote(parts.path.lstrip("/")) or "INBOX",
    }


def poll(program: Program, url: str, now: datetime, runtime) -> dict:
    """Read the program's mailbox once; what became of its messages, and how many wait for
    review in the mailbox."""
    from imapclient import IMAPClient

    settings = mailbox(url)
    counts = {"new": 0, "reply": 0, "review": 0, "again": 0}
    with IMAPClient(settings["host"], port=settings["port"], ssl=settings["ssl"]) as client:
        client.login(settings["user"], settings["password"])
        for folder in (DONE, REVIEW):
            if not client.folder_exists(folder):
                client.create_folder(folder)
        client.select_folder(settings["folder"])
        for uid in client.search("ALL"):
            fetched = client.fetch([uid], ["BODY.PEEK[]"]).get(uid, {})
            outcome = take(program, fetched.get(b"BODY[]", b""), now, runtime)
            counts[outcome] += 1
            client.move([uid], REVIEW if outcome == "review" else DONE)
        waiting = client.folder_status(REVIEW, ["MESSAGES"])[b"MESSAGES"]
    return {**counts, "waiting_for_review": waiting}


def take(program: Program, raw: bytes, now: datetime, runtime) -> str:
    """File one message: 'new', 'reply', 'review' or 'again' (its Message-ID was taken)."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = (message.get("Message-ID") or "").strip()
    # A message with no id of its own is known by its content.
    key = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        claim = InboundMail(message_id=key[:300], program=program, at=now).save()
    except NotUniqueError:
        return "again"
    try:
        outcome, grievance = _file(program, message, now, runtime)
    except Unreadable as exc:
        claim.update(set__outcome="review", set__reason=str(exc)[:300])
        log.info("inbound mail for %s waits for review: %s", program.slug, exc)
        return "review"
    except Exception:
        claim.delete()  # filed nothing: the next run tries it again
        raise
    claim.update(set__outcome=outcome, set__grievance=grievance)
    return outcome


def _sender(message: EmailMessage) -> tuple[str | None, str]:
    found = [(name, address) for name, address in getaddresses([message.get("From", "")])]
    name, address = found[0] if found else ("", "")
    if "@" not in address:
        raise Unreadable("it names no sender to answer")
    return (name.strip() or None), address.strip().lower()


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    if body is None:
        raise Unreadable("it has no plain text to read")
    try:
        text = body.get_content()
    except (LookupError, UnicodeError) as exc:
        raise Unreadable(f"its text cannot be decoded ({type(exc).__name__})") from None
    text = text.strip()
    if not text:
        raise Unreadable("its text is empty")
    return text[:TEXT_LIMIT]


def _files(message: EmailMessage) -> list[tuple[str, bytes]]:
    files = []
    for part in message.iter_attachments():
        content = part.get_payload(decode=True)
        files.append(
            (part.get_filename() or "file", content if isinstance(content, bytes) else b"")
        )
    return files


def _file(program: Program, message: EmailMessage, now: datetime, runtime):
    name, address = _sender(message)
    text = _text(message)
    reference = REFERENCE.search((message.get("Subject") or "").upper())
    if reference:
        record = Grievance.objects(program=program, reference=reference.group(1)).first()
        if record is not None:
            record.narratives.append(
                Narrative(at=now, kind="contact", text=f"E-mail from {address}:\n\n{text}")
            )
            history.add(record, None, "e-mail received", now, f"from {address}")
            record.updated_at = now
            record.save()
            return "reply", record
    try:
        ready = attachments.check(_files(message), public=True)
    except UploadError as exc:
        raise Unreadable(f"an attachment was refused: {exc}") from None
    kept = attachments.keep(ready, kind="member", now=now, by=None)
    grievance = intake.submit(
        program,
        intake.Intake(
            description=text,
            member_name=name,
            member_email=address,
            preferred_contact="e-mail",
            consent_to_contact=True,
            intake_source="e-mail",
            attachments=kept,
        ),
        now,
    )
    intake.after_intake(grievance, now, runtime)
    return "new", grievance
