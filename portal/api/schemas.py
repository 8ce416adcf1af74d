"""What /api/v1 takes and gives. The same schemas validate each call and write the OpenAPI
document; the field names are the staff intake's (portal.services.grievances.intake)."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from portal.services.webhooks import EVENTS as WEBHOOK_EVENTS

FILED_BY = ("member", "representative", "provider office")
CLOCK_STATES = ("running", "at_risk", "overdue", "met", "paused")


EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


def _since_2000(value: datetime) -> None:
    """A time the portal can hold: from 2000 on, in UTC (year 1 at +00:01 is not)."""
    try:
        moment = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValidationError("Not a time the portal can hold.") from None
    if moment < EARLIEST:
        raise ValidationError("Give a time from 2000-01-01 on.")


def _text(most: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=most), **kwargs)


class ComplaintIn(Schema):
    """A complaint another system received, filed into one of the client's programs."""

    program = _text(40, required=True, metadata={"description": "The program's slug."})
    client_reference = fields.String(
        required=True,
        validate=[
            validate.Length(min=1, max=100),
            validate.Regexp(r"^[\x21-\x7e]+$", error="Printable ASCII without spaces."),
        ],
        metadata={
            "description": "The client's own id for this complaint: the same one sent again "
            "returns the record already made."
        },
    )
    description = _text(10000, required=True, metadata={"description": "The complaint."})
    member_name = _text(200)
    member_id = _text(40)
    member_phone = _text(40)
    member_email = fields.Email(validate=validate.Length(max=254))
    member_address = _text(500)
    birth_date = fields.Date()
    age_group = fields.String(validate=validate.OneOf(("adult", "child")))
    preferred_contact = fields.String(validate=validate.OneOf(("phone", "e-mail", "post")))
    caller_name = _text(200)
    caller_phone = _text(40)
    caller_relationship = _text(80)
    filed_by = fields.String(load_default="member", validate=validate.OneOf(FILED_BY))
    provider_name = _text(200)
    provider_city = _text(100)
    provider_npi = fields.String(
        validate=validate.Regexp(r"^[0-9]{10}$", error="An NPI is 10 digits.")
    )
    staff_involved = _text(200)
    incident_date = fields.Date()
    desired_resolution = _text(2000)
    mco = _text(80)
    intake_source = _text(
        80,
        metadata={"description": "One of the program's intake sources; 'api' when left out."},
    )
    type = _text(80)
    level = _text(10)
    priority = _text(40)
    category = _text(120)
    language = fields.String(load_default="en", validate=validate.OneOf(("en", "es")))
    received_at = fields.AwareDateTime(
        validate=_since_2000,
        metadata={
            "description": "When the complaint reached the client, with its UTC offset; the "
            "clocks count from here. Now when left out; never in the future."
        },
    )

    @validates_schema
    def names_the_member(self, data, **_kwargs):
        if not data.get("member_name") and not data.get("member_id"):
            raise ValidationError("Give the member's name or member ID.", "member_name")


class ClockOut(Schema):
    name = fields.String(required=True)
    due_at = fields.AwareDateTime(required=True)
    met_at = fields.AwareDateTime(allow_none=True)
    state = fields.String(required=True, validate=validate.OneOf(CLOCK_STATES))


class RecordOut(Schema):
    """A record's stage and due dates: no member details."""

    reference = fields.String(required=True)
    program = fields.String(required=True)
    status = fields.String(required=True)
    stage = fields.String(required=True, metadata={"description": "The status in words."})
    level = fields.String(allow_none=True)
    received_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    clocks = fields.List(fields.Nested(ClockOut), required=True)


class FiledOut(RecordOut):
    client_reference = fields.String(required=True)


class ChangesQuery(Schema):
    changed_since = fields.AwareDateTime(
        required=True,
        validate=_since_2000,
        metadata={"description": "With its UTC offset, e.g. 2026-11-30T00:00:00Z"},
    )
    after = fields.String(
        validate=validate.Regexp(r"^[0-9a-f]{24}$"),
        metadata={"description": "From the previous page's `next`: the last record shown."},
    )
    program = _text(
        40, metadata={"description": "One of the client's programs; all when left out."}
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))


class NextPage(Schema):
    changed_since = fields.AwareDateTime(required=True)
    after = fields.String(required=True)


class ChangesOut(Schema):
    records = fields.List(fields.Nested(RecordOut), required=True)
    next = fields.Nested(NextPage, allow_none=True)


class FieldProblem(Schema):
    field = fields.String(required=True)
    reason = fields.String(required=True)


class Problem(Schema):
    """RFC 9457 problem details, with the fields at fault."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.List(fields.Nested(FieldProblem))


class WebhookIn(Schema):
    url = fields.String(
        required=True,
        validate=validate.Length(min=1, max=2000),
        metadata={"description": "Where deliveries are POSTed: https."},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(WEBHOOK_EVENTS)),
        required=True,
        validate=validate.Length(min=1, max=len(WEBHOOK_EVENTS)),
    )


class WebhookOut(Schema):
    id = fields.String(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    created_at = fields.AwareDateTime(required=True)


class WebhookMade(WebhookOut):
    secret = fields.String(
        required=True,
        metadata={"description": "Verifies each delivery's signature; shown this once."},
    )
