"""Messages go through the outbox: stored first, sent once, retried without duplicates."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from mongoengine.errors import NotUniqueError

from portal.mail import build_message
from portal.models import Outbox
from portal.services.grievances import clocks

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
# After the Nth failed attempt, wait BACKOFF[N-1] before the relay tries again (the last
# value repeats): a mail server that is down is not hammered, and recovers its queue.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
# A message left 'sending' this long was in a worker that died; it may be tried again.
STALE_SENDING = timedelta(minutes=10)


def put(
    key: str,
    kind: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    now: datetime,
    *,
    grievance=None,
    event: str | None = None,
) -> Outbox:
    """Store a message once per key; a second call with the same key returns the first.
    With `grievance` and `event`, sending it is that event on the record."""
    return once(
        Outbox,
        key,
        kind=kind,
        recipient=recipient,
        subject=subject,
        text=text,
        html=html,
        created_at=now,
        grievance=grievance,
        event=event,
    )


def once(document, key: str, **values):
    """Insert a document under its unique `key`, or return the one stored with it already:
    a job or request run twice writes one message (or letter)."""
    try:
        return document(key=key, **values).save(force_insert=True)
    except NotUniqueError:
        return document.objects.get(key=key)


def already_written(key: str, unsent: list) -> bool:
    """True when the message for `key` exists; if it is not sent yet (a run that died before
    sending it), it joins `unsent`, so that the run repeated sends it."""
    message = Outbox.objects(key=key).first()
    if message is None:
        return False
    if message.status != "sent":
        unsent.append(message)
    return True


def hand_to_queue(outbox_id, runtime, queue_name: str = "emails"):
    """Queue the sending of a stored message; None when the queue is down (the relay tries
    again later, and the outbox keeps the message meanwhile)."""
    return runtime.enqueue(queue_name, "jobs.tasks.deliver", str(outbox_id))


def claim(outbox_id, now: datetime) -> Outbox | None:
    """Take a message for sending, atomically; None when it is sent or another has it."""
    return Outbox.objects(pk=outbox_id, status__in=("pending", "failed")).modify(
        new=True, set__status="sending", inc__attempts=1, set__sent_at=now
    )


def message_for(message: Outbox, sender: str):
    """The stored message as it goes out: the same Message-ID however often it is tried."""
    return build_message(
        sender,
        message.recipient,
        message.subject,
        message.text,
        message.html,
        key=message.key,
        written=message.created_at,
    )


def deliver(outbox_id, transport, sender: str, now: datetime) -> bool:
    """Send one stored message; True when this call sent it."""
    message = claim(outbox_id, now)
    if message is None:
        return False
    try:
        if message.kind == "webhook":
            from portal.services import webhooks

            webhooks.post(message, now)
        else:
            transport.send(message_for(message, sender), message.key)
    except Exception as exc:
        # The error's type only: SMTP errors can echo addresses back.
        wait = BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
        Outbox.objects(pk=message.pk).update_one(
            set__status="failed",
            set__last_error=type(exc).__name__,
            set__next_attempt_at=now + wait,
            unset__sent_at=True,
        )
        log.warning("outbox %s: sending failed (%s)", message.pk, type(exc).__name__)
        raise
    Outbox.objects(pk=message.pk).update_one(set__status="sent", set__sent_at=now)
    log.info("outbox %s sent (%s)", message.pk, message.kind)
    if message.event and message.grievance:
        _record_sent(message, now)
    return True


def _record_sent(message: Outbox, now: datetime) -> None:
    grievance = message.grievance
    clocks.record_event(grievance, message.event, now, None, now, how="e-mail")
    grievance.save()


def due_for_delivery(now: datetime) -> list:
    """Ids of messages the relay should queue: new, failed with tries left, or stuck."""
    ids = list(Outbox.objects(status="pending").scalar("pk"))
    ids += list(
        Outbox.objects(status="failed", attempts__lt=MAX_ATTEMPTS, next_attempt_at__lte=now).scalar(
            "pk"
        )
    )
    stuck = Outbox.objects(status="sending", sent_at__lt=now - STALE_SENDING)
    for message in stuck.only("pk"):
        Outbox.objects(pk=message.pk, status="sending").update_one(set__status="failed")
        ids.append(message.pk)
    return ids
