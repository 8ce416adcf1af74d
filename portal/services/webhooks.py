"""Signed webhooks: a client subscribes to events on its programs' records; each delivery is
an outbox message (kind "webhook"), so it is stored before it is sent, sent at least once,
retried on the outbox's back-off, and keyed so that a repeated job writes it once. Signed
as the Standard Webhooks spec says (webhook-id, webhook-timestamp, webhook-signature), the
id being the outbox key, so a receiver can drop a repeat. The body is the record's stage and
due dates (portal.services.grievances.partners.describe): nothing the client may not read.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import secrets
import socket
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import current_app
from mongoengine import signals
from standardwebhooks.webhooks import Webhook

from portal.models import ApiClient, Grievance, Outbox, WebhookSubscription

log = logging.getLogger(__name__)

EVENTS = ("received", "acknowledged", "overdue", "escalated", "resolved")
TIMEOUT_SECONDS = 10


class SubscriptionError(ValueError):
    """What is wrong with a subscription, with the field at fault."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def _insecure_allowed() -> bool:
    """Plain http and private addresses, for a developer's machine and the tests only."""
    return bool(current_app.config.get("WEBHOOK_ALLOW_INSECURE"))


def check_url(url: str) -> str:
    parts = urlsplit(url or "")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise SubscriptionError("url", "give an absolute https:// URL")
    if parts.scheme == "http" and not _insecure_allowed():
        raise SubscriptionError("url", "deliveries go over https only")
    if parts.username or parts.password:
        raise SubscriptionError("url", "no credentials in the URL; verify the signature instead")
    return url


def subscribe(
    client: ApiClient, url: str, events: list[str], now: datetime
) -> tuple[WebhookSubscription, str]:
    """A subscription and its signing secret (`whsec_...`), which is shown this once."""
    unknown = sorted(set(events) - set(EVENTS))
    if not events or unknown:
        raise SubscriptionError("events", f"choose from {', '.join(EVENTS)}")
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    subscription = WebhookSubscription(
        client=client,
        url=check_url(url),
        events=sorted(set(events), key=EVENTS.index),
        secret=secret,
        created_at=now,
    ).save()
    return subscription, secret


def listening(event: str) -> bool:
    """Whether any client subscribes to `event` at all (one indexed read): a job marking
    many records need not load each one to find nobody to tell."""
    return WebhookSubscription.objects(active=True, events=event).first() is not None


def _subscribers(grievance: Grievance, event: str) -> list[WebhookSubscription]:
    program_id = grievance.program.pk
    found = []
    for subscription in WebhookSubscription.objects(active=True, events=event):
        client = subscription.client
        if client.active and program_id in client.program_ids():
            found.append(subscription)
    return found


def announce(grievance: Grievance, event: str, now: datetime, which: str = "") -> list[Outbox]:
    """Write one delivery per subscriber of this event on the record's program, once per
    (subscriber, record, event, which), and queue them; the relay sends what the queue
    could not take. `which` tells repeatable events apart (an overdue clock's name, an
    escalation's tier)."""
    from portal.runtime import runtime
    from portal.services.grievances.partners import describe
    from portal.services.mail import outbox

    subscribers = _subscribers(grievance, event)
    if not subscribers:
        return []
    body = json.dumps(
        {
            "type": f"grievance.{event}",
            "timestamp": now.astimezone(UTC).isoformat(),
            "data": describe(grievance, now),
        },
        default=lambda value: value.astimezone(UTC).isoformat(),
        sort_keys=True,
    )
    written = []
    for subscription in subscribers:
        key = f"wh_{subscription.pk}_{grievance.pk}_{event}_{which}".replace(" ", "-")
        message = outbox.once(
            Outbox,
            key,
            kind="webhook",
            url=subscription.url,
            subscription=subscription,
            subject=f"grievance.{event}",
            text=body,
            created_at=now,
        )
        written.append(message)
        try:
            outbox.hand_to_queue(message.pk, runtime())
        except Exception:  # the relay takes it from the outbox
            log.warning("webhook %s: not queued now; the relay will", message.pk)
    return written


def mark(grievance: Grievance, event: str, which: str = "") -> None:
    """Announce `event` once the record is saved (the post_save signal below), so that no
    delivery tells of a change that was not stored."""
    pending = getattr(grievance, "_webhook_events", None)
    if pending is None:
        pending = grievance._webhook_events = []
    pending.append((event, which))


def _after_save(_sender, document, **_kwargs) -> None:
    pending = getattr(document, "_webhook_events", None)
    if not pending:
        return
    document._webhook_events = []
    from portal.clock import utcnow

    now = utcnow()
    for event, which in pending:
        try:
            announce(document, event, now, which)
        except Exception:  # the change is stored; its announcement must not undo that
            log.exception("webhook %s on record %s not written", event, document.pk)


signals.post_save.connect(_after_save, sender=Grievance)


def _address_allowed(host: str) -> bool:
    """Not the portal's own network: a subscriber may not point deliveries at loopback,
    private or link-local addresses (Redis, the store, a cloud's metadata service)."""
    if _insecure_allowed():
        return True
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return True  # it will fail to connect, and be retried
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            return False
    return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A receiver's redirect is not followed: it could point inside the network."""

    def redirect_request(self, *_args, **_kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def post(message: Outbox, now: datetime) -> None:
    """Send one delivery, signed now (receivers refuse old timestamps); raises unless the
    receiver answers 2xx."""
    subscription = message.subscription
    if subscription is None or not subscription.active:
        raise RuntimeError("the subscription was removed")
    check_url(message.url)
    host = urlsplit(message.url).hostname or ""
    if not _address_allowed(host):
        raise PermissionError("the URL resolves to an address inside the network")
    signed = Webhook(subscription.secret).sign(message.key, now, message.text)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        message.url,
        data=message.text.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "grievance-portal-webhooks/1",
            "webhook-id": message.key,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signed,
        },
    )
    # Any answer outside 2xx raises (HTTPError), a redirect included: it is not followed.
    with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as answer:
        if not 200 <= answer.status < 300:
            raise RuntimeError(f"the receiver answered {answer.status}")
