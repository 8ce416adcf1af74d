from __future__ import annotations

# Embedded lists are ListField(EmbeddedDocumentField(...)): Flask-Admin edits those inline
# (form_subdocuments), not EmbeddedDocumentListField.
from zoneinfo import ZoneInfo

import mongoengine as me

from portal.clock import as_utc
from portal.domain import search
from portal.domain.lifecycle import OPEN, STATUSES  # the lifecycle's own lists
from portal.domain.uploads import KINDS as UPLOAD_KINDS
from portal.domain.uploads import STEPS as UPLOAD_STEPS

OPEN_STATUSES = tuple(s for s in STATUSES if s in OPEN)
NARRATIVE_KINDS = ("intake", "investigation", "contact", "resolution", "note")
CONTACT_WITH = ("member", "caller", "provider office", "MCO")
CONTACT_CHANNELS = ("phone", "letter", "e-mail", "visit")
CONTACT_OUTCOMES = ("reached", "voicemail", "no answer", "letter sent")


class Narrative(me.EmbeddedDocument):
    """Append-only: a correction is a new narrative."""

    at = me.DateTimeField(required=True)
    by = me.ReferenceField("User")  # empty for the member's own words at intake
    kind = me.StringField(required=True, choices=NARRATIVE_KINDS)
    text = me.StringField(required=True, max_length=20000)


class ContactAttempt(me.EmbeddedDocument):
    at = me.DateTimeField(required=True)
    by = me.ReferenceField("User")
    with_whom = me.StringField(required=True, choices=CONTACT_WITH)
    channel = me.StringField(required=True, choices=CONTACT_CHANNELS)
    outcome = me.StringField(required=True, choices=CONTACT_OUTCOMES)
    note = me.StringField(max_length=2000)


class Pause(me.EmbeddedDocument):
    start = me.DateTimeField(required=True)
    end = me.DateTimeField()
    reason = me.StringField(required=True, max_length=300)
    by = me.ReferenceField("User")


class Extension(me.EmbeddedDocument):
    at = me.DateTimeField(required=True)
    rule = me.StringField(required=True, max_length=80)
    reason = me.StringField(required=True, max_length=300)
    by = me.ReferenceField("User")
    days = me.IntField()  # calendar days it moved the due date: the federal cap is on the sum


class Clock(me.EmbeddedDocument):
    """One deadline on one record; `steps` say how its due time was reached."""

    name = me.StringField(required=True)
    rule = me.StringField(required=True)
    met_by = me.StringField(default="resolved")
    started_at = me.DateTimeField(required=True)
    due_at = me.DateTimeField(required=True)
    at_risk_from = me.DateTimeField()  # a range's lower bound ('2-4 business hours')
    steps = me.ListField(me.StringField())
    met_at = me.DateTimeField()
    pauses = me.ListField(me.EmbeddedDocumentField(Pause))
    extensions = me.ListField(me.EmbeddedDocumentField(Extension))
    overdue_since = me.DateTimeField()

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].end is None


class HistoryEntry(me.EmbeddedDocument):
    """Append-only; each entry carries the hash of the one before, so an edit shows."""

    at = me.DateTimeField(required=True)
    by = me.ReferenceField("User")
    action = me.StringField(required=True, max_length=60)
    detail = me.StringField(max_length=2000)
    changes = me.DictField()  # field -> [before, after]
    hash = me.StringField(required=True)


class DepartmentReport(me.EmbeddedDocument):
    """Maryland (COMAR 10.09.65, .11 G): what the HMO wrote to the Department about a
    complaint it referred. A final report has the three parts; an interim one, the summary
    to date and the expected date of completion (day 60 at the latest)."""

    at = me.DateTimeField(required=True)
    by = me.ReferenceField("User")
    kind = me.StringField(required=True, choices=("final", "interim"))
    results = me.StringField(max_length=10000)
    policy_changes = me.StringField(max_length=10000)
    prevention = me.StringField(max_length=10000)
    summary = me.StringField(max_length=10000)
    expected_completion = me.DateField()


class Attachment(me.EmbeddedDocument):
    """A file on the record: who added it, when, what it is. Its content is kept by the file
    store (portal.files) under `key`, never in the record."""

    key = me.StringField(required=True, regex=r"^[0-9a-f]{32}$")
    name = me.StringField(required=True, max_length=200)
    kind = me.StringField(required=True, choices=tuple(UPLOAD_KINDS))
    step = me.StringField(choices=UPLOAD_STEPS)  # the step it documents, if one
    narrative_at = me.DateTimeField()  # the narrative it goes with, if one
    content_type = me.StringField(required=True, max_length=100)
    size = me.IntField(required=True, min_value=1)
    sha256 = me.StringField(required=True, regex=r"^[0-9a-f]{64}$")
    at = me.DateTimeField(required=True)
    by = me.ReferenceField("User")  # empty for the member's own, from the public form


class Escalation(me.EmbeddedDocument):
    at = me.DateTimeField(required=True)
    by = me.ReferenceField("User")
    tier = me.StringField(required=True, choices=("staff", "supervisor", "manager"))
    to = me.ReferenceField("User")
    reason = me.StringField(max_length=500)


PREFERRED_CONTACT = ("phone", "e-mail", "post")


class Member(me.EmbeddedDocument):
    name = me.StringField(max_length=200)
    member_id = me.StringField(max_length=40)
    birth_date = me.DateField()
    age_group = me.StringField(choices=("adult", "child"))
    phone = me.StringField(max_length=40)
    email = me.EmailField()
    preferred_contact = me.StringField(choices=PREFERRED_CONTACT)
    address = me.StringField(max_length=500)  # postal, for letters
    contact_times = me.StringField(max_length=200)


class Triage(me.EmbeddedDocument):
    """The intake text suggested a Level III matter; staff confirm or change the level."""

    matters = me.ListField(me.StringField(max_length=40))  # e.g. violence, emergency
    at = me.DateTimeField(required=True)
    reviewed_at = me.DateTimeField()
    reviewed_by = me.ReferenceField("User")


class Caller(me.EmbeddedDocument):
    name = me.StringField(max_length=200)
    phone = me.StringField(max_length=40)
    relationship = me.StringField(max_length=80)


class GrievanceQuerySet(me.QuerySet):
    """The vocabulary pages and jobs query by; each is served by an index in meta."""

    def open(self):
        return self.filter(is_open=True)

    def assigned_to(self, user):
        return self.filter(assignee=user, is_open=True)

    def at_risk(self, soon):
        """Open, not yet overdue, with something due by `soon`."""
        return self.filter(is_open=True, overdue=False, next_due_at__lte=soon)

    def due_by(self, moment):
        return self.filter(is_open=True, next_due_at__lte=moment)

    def level1_against(self, provider, since):
        return self.filter(provider=provider, level="I", received_at__gte=since)

    def received_between(self, program, start, end):
        """The program's complaints received in [start, end): a record closed as another's
        duplicate is counted once, as the one it duplicates."""
        return self.filter(
            program=program, received_at__gte=start, received_at__lt=end, duplicate_of=None
        )


class Grievance(me.Document):
    """One grievance with what belongs only to it embedded."""

    reference = me.StringField(required=True, unique=True, max_length=40)
    # What the search box finds it by (portal.domain.search), kept on every write.
    search_keys = me.ListField(me.StringField(max_length=120))
    program = me.ReferenceField("Program", required=True)
    received_at = me.DateTimeField(required=True)
    received_month = me.StringField(max_length=7)  # YYYY-MM in office time (to_mongo)
    intake_source = me.StringField(max_length=80)
    filed_by = me.StringField(max_length=40)  # member, representative, provider office, staff
    type = me.StringField(max_length=80)
    level = me.StringField(max_length=10)
    priority = me.StringField(max_length=40)
    category = me.StringField(max_length=80)
    mco = me.StringField(max_length=80)  # Iowa: the member's MCO, or "not enrolled"
    # Iowa: a callback is approved by a unit lead, who and when.
    callback_approved_by = me.ReferenceField("User")
    callback_approved_at = me.DateTimeField()
    status = me.StringField(required=True, choices=STATUSES, default="received")
    is_open = me.BooleanField(default=True)
    member = me.EmbeddedDocumentField(Member, default=Member)
    caller = me.EmbeddedDocumentField(Caller)
    provider = me.ReferenceField("Provider")
    provider_name = me.StringField(max_length=200)  # as the member wrote it
    provider_city = me.StringField(max_length=100)
    provider_npi = me.StringField(max_length=10)  # as the member gave it
    incident_date = me.DateField()  # when it happened, as the member says
    # The staff member the complaint is about, as named (Colorado's trend analysis counts
    # them); not the assignee.
    staff_involved = me.StringField(max_length=200)
    desired_resolution = me.StringField(max_length=2000)
    consent_to_contact = me.BooleanField()
    language = me.StringField(max_length=5, default="en")  # the member's, for letters
    triage = me.EmbeddedDocumentField(Triage)
    needs_review = me.BooleanField(default=False)  # triage flagged it; staff not yet looked
    narratives = me.ListField(me.EmbeddedDocumentField(Narrative))
    contact_attempts = me.ListField(me.EmbeddedDocumentField(ContactAttempt))
    clocks = me.ListField(me.EmbeddedDocumentField(Clock))
    next_due_at = me.DateTimeField()  # earliest unmet, unpaused clock: what `overdue` scans
    overdue = me.BooleanField(default=False)
    assignee = me.ReferenceField("User")
    team = me.StringField(max_length=80)
    escalation_tier = me.StringField(max_length=40, default="staff")
    escalations = me.ListField(me.EmbeddedDocumentField(Escalation))
    department_reports = me.ListField(me.EmbeddedDocumentField(DepartmentReport))
    attachments = me.ListField(me.EmbeddedDocumentField(Attachment))
    # The same complaint filed twice (by phone and by the web form): this one was closed as a
    # duplicate of that one, which reports count.
    duplicate_of = me.ReferenceField("Grievance")
    history = me.ListField(me.EmbeddedDocumentField(HistoryEntry))
    repeat_flag = me.BooleanField(default=False)  # provider flagged for Level II review
    substantiated = me.BooleanField()
    substantiation_reason = me.StringField(max_length=200)  # one of the program's reasons
    substantiation_detail = me.StringField(max_length=1000)  # in staff's own words
    resolution = me.StringField(max_length=5000)
    resolved_at = me.DateTimeField()
    # How and when the resolution notice reached the member (e-mail, post, phone).
    member_told_at = me.DateTimeField()
    member_told_how = me.StringField(max_length=40)
    acknowledged_at = me.DateTimeField()
    state_form_offered = me.BooleanField()
    caller_told = me.StringField(max_length=1000)  # at a phone intake, e.g. "call back in 2 days"
    import_batch = me.StringField(max_length=40)  # the import that brought it in, if any
    # A row that came without a reference: its content's fingerprint, so that importing the
    # same file again finds it.
    import_key = me.StringField(max_length=80)
    legal_hold = me.BooleanField(default=False)
    retain_until = me.DateTimeField()
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField()

    meta = {
        "collection": "grievances",
        "queryset_class": GrievanceQuerySet,
        "indexes": [
            "reference",
            "search_keys",
            ("is_open", "next_due_at"),
            ("assignee", "is_open"),
            ("program", "received_at"),
            ("program", "updated_at"),  # /api/v1: records changed since
            ("received_month", "program"),  # closed history, a month at a time
            "-received_at",
            "status",
            ("provider", "level", "received_at"),
            "resolved_at",
            ("needs_review", "received_at"),
            {"fields": ["import_batch"], "sparse": True},
            {"fields": ["import_key"], "sparse": True},
            {"fields": ["duplicate_of"], "sparse": True},
        ],
    }

    def __str__(self):
        return self.reference

    def to_mongo(self, *args, **kwargs):
        # Every write goes through here (save, and the import's bulk insert): the search keys
        # follow the reference, the member and the provider; the month of receipt follows
        # the day it came in.
        self.refresh_search_keys()
        self.refresh_received_month()
        return super().to_mongo(*args, **kwargs)

    def refresh_received_month(self) -> None:
        """YYYY-MM of receipt in the program's office time: closed history is browsed a month
        at a time, each an indexed equality rather than a sort of everything."""
        if self.received_at is None or self.program is None:
            return
        moment = as_utc(self.received_at)
        month = moment.astimezone(ZoneInfo(self.program.timezone)).strftime("%Y-%m")
        if month != self.received_month:
            self.received_month = month

    def refresh_search_keys(self) -> None:
        """Work the search keys out from the record as it is (portal.domain.search)."""
        provider = getattr(self.provider, "name", None) if self.provider else None
        keys = search.record_keys(
            self.reference,
            self.member.name if self.member else None,
            self.member.member_id if self.member else None,
            (self.provider_name, provider),
        )
        if keys != list(self.search_keys or []):
            self.search_keys = keys

    def intake_text(self) -> str | None:
        return next((n.text for n in self.narratives if n.kind == "intake"), None)

    def flat(self) -> dict:
        """The record as plain values, for the pure completeness rules."""
        return {
            "received_at": self.received_at,
            "type": self.type,
            "level": self.level,
            "priority": self.priority,
            "category": self.category,
            "status": self.status,
            "description": self.intake_text(),
            "member_name": self.member.name if self.member else None,
            "member_id": self.member.member_id if self.member else None,
            "provider_name": (self.provider.name if self.provider else self.provider_name),
            "provider_npi": self.provider.npi if self.provider else None,
            "resolution": self.resolution,
            "resolved_at": self.resolved_at,
            "substantiated": self.substantiated,
        }
