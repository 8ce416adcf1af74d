"""/api/v1: thin views over services.grievances.partners; each call is audited."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import g, request
from flask_smorest import Blueprint, abort

from portal.api import schemas
from portal.clock import as_utc, utcnow
from portal.domain.vocabulary import VocabularyError
from portal.models import Program, WebhookSubscription
from portal.runtime import runtime
from portal.services import api_clients, webhooks
from portal.services.accounts import audit
from portal.services.grievances import partners
from portal.services.grievances.intake import Intake

# A complaint older than this is not filed through the API: its clocks ran out long ago and
# someone should look at it (staff intake takes it, with the day it came in).
OLDEST = timedelta(days=366)

blp = Blueprint(
    "api_v1",
    __name__,
    url_prefix="/api/v1",
    description="Grievances filed and read by other systems, with a key per client.",
)

PROBLEMS = {
    400: "the body is not JSON",
    401: "no valid key",
    403: "outside the key's programs or rights",
    404: "no such record among the key's programs",
    409: "the same client reference is being filed right now",
    422: "a field is wrong",
    429: "too many calls with this key",
}


def _problems(*codes):
    def decorate(view):
        for code in codes:
            view = blp.alt_response(code, schema=schemas.Problem, description=PROBLEMS[code])(view)
        return view

    return decorate


@blp.before_request
def recognise_the_client():
    client = api_clients.recognise(request.headers.get("Authorization"))
    if client is None:
        _audit(None, 401)
        abort(401, message="Send 'Authorization: Bearer <key>' with a key an administrator made.")
    g.api_client = client
    now = utcnow()
    last = client.last_used_at
    if last is None or now - as_utc(last) > timedelta(minutes=1):
        client.update(set__last_used_at=now)  # a write a minute at most, not one per call


@blp.after_request
def audit_the_call(response):
    if "api_client" in g:
        _audit(g.api_client, response.status_code)
    return response


def _audit(client, status: int) -> None:
    audit.record(
        "api call",
        utcnow(),
        actor_email=f"api:{client.name}" if client else None,
        api_client=client,
        target=g.get("api_target"),
        detail={"method": request.method, "route": _route(), "status": status},
        ip=request.remote_addr,
    )


def _route() -> str:
    return request.url_rule.rule if request.url_rule else request.path


def _program(slug: str, *, writing: bool = False) -> Program:
    client = g.api_client
    program = Program.objects(slug=slug).first()
    if program is None or program.pk not in client.program_ids():
        abort(403, message=f"program {slug!r} is not among this key's programs")
    if writing and not client.may_write:
        abort(403, message="this key may read, not file complaints")
    return program


@blp.route("/grievances", methods=["POST"])
@blp.arguments(schemas.ComplaintIn)
@blp.response(201, schemas.FiledOut, description="Filed now.")
@blp.alt_response(200, schema=schemas.FiledOut, description="Filed by an earlier request.")
@_problems(400, 401, 403, 409, 422, 429)
def file_complaint(body):
    """File a complaint, once per client reference."""
    now = utcnow()
    program = _program(body.pop("program"), writing=True)
    reference = body.pop("client_reference")
    received_at = body.pop("received_at", None)
    if received_at is not None and received_at > now:
        abort(422, errors={"json": {"received_at": ["It is in the future."]}})
    if received_at is not None and received_at < now - OLDEST:
        abort(422, errors={"json": {"received_at": ["More than a year ago: file it by hand."]}})
    details = Intake(**{**body, "intake_source": body.get("intake_source") or "api"})
    try:
        grievance, made = partners.file(
            g.api_client, program, details, reference, now, runtime(), received_at
        )
    except VocabularyError as exc:
        abort(422, errors={"json": {exc.field or "_schema": [str(exc)]}})
    except partners.InFlight:
        abort(409, message="this client reference is being filed now; send it again shortly")
    g.api_target = grievance.reference
    answer = {**partners.describe(grievance, now), "client_reference": reference}
    return answer, 201 if made else 200


@blp.route("/grievances/<reference>", methods=["GET"])
@blp.response(200, schemas.RecordOut)
@_problems(401, 404, 429)
def read_record(reference):
    """A record's stage and due dates."""
    g.api_target = reference[:40]
    grievance = partners.visible(g.api_client, reference)
    if grievance is None:
        abort(404, message=f"no record {reference!r} among this key's programs")
    return partners.describe(grievance, utcnow())


@blp.route("/grievances", methods=["GET"])
@blp.arguments(schemas.ChangesQuery, location="query")
@blp.response(200, schemas.ChangesOut)
@_problems(401, 403, 422, 429)
def changed_records(query):
    """Records changed since a time, oldest change first, a page at a time."""
    client = g.api_client
    if query.get("program"):
        programs = [_program(query["program"])]
    else:
        programs = list(Program.objects(id__in=client.program_ids()))
    records, following = partners.changed_since(
        programs, query["changed_since"], query.get("after"), query["limit"]
    )
    now = utcnow()
    return {
        "records": [partners.describe(r, now) for r in records],
        "next": {"changed_since": following[0], "after": following[1]} if following else None,
    }


def _subscription(subscription, secret: str | None = None) -> dict:
    shown = {
        "id": str(subscription.pk),
        "url": subscription.url,
        "events": list(subscription.events),
        "created_at": as_utc(subscription.created_at),
    }
    return {**shown, "secret": secret} if secret else shown


@blp.route("/webhooks", methods=["POST"])
@blp.arguments(schemas.WebhookIn)
@blp.response(201, schemas.WebhookMade, description="Subscribed; the secret is shown once.")
@_problems(400, 401, 422, 429)
def subscribe(body):
    """Be told of events on the records of this key's programs, signed (Standard Webhooks)."""
    try:
        subscription, secret = webhooks.subscribe(
            g.api_client, body["url"], body["events"], utcnow()
        )
    except webhooks.SubscriptionError as exc:
        abort(422, errors={"json": {exc.field: [exc.reason]}})
    g.api_target = str(subscription.pk)
    return _subscription(subscription, secret)


@blp.route("/webhooks", methods=["GET"])
@blp.response(200, schemas.WebhookOut(many=True))
@_problems(401, 429)
def subscriptions():
    """This key's subscriptions (without their secrets)."""
    return [
        _subscription(s)
        for s in WebhookSubscription.objects(client=g.api_client, active=True).order_by("id")
    ]


@blp.route("/webhooks/<subscription_id>", methods=["DELETE"])
@blp.response(204)
@_problems(401, 404, 429)
def unsubscribe(subscription_id):
    """Stop the deliveries of one subscription (those already written are dropped)."""
    g.api_target = subscription_id[:40]
    found = None
    if re.fullmatch(r"[0-9a-f]{24}", subscription_id):
        found = WebhookSubscription.objects(
            pk=subscription_id, client=g.api_client, active=True
        ).first()
    if found is None:
        abort(404, message="no such subscription for this key")
    found.update(set__active=False)
