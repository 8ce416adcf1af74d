import mongoengine as me


class Outbox(me.Document):
    """One message to send, keyed by (kind, recipient, period): written before it is sent, so
    a retried job finds it and sends nothing twice, and a queue outage delays it, losing
    nothing."""

    key = me.StringField(required=True, unique=True, max_length=300)
    kind = me.StringField(required=True, max_length=40)  # "webhook": a signed POST to `url`
    recipient = me.EmailField()  # every mail has one (outbox.put); a webhook has none
    url = me.StringField(max_length=2000)
    subscription = me.ReferenceField("WebhookSubscription")
    subject = me.StringField(required=True, max_length=300)
    text = me.StringField(required=True)
    html = me.StringField()
    status = me.StringField(choices=("pending", "sending", "sent", "failed"), default="pending")
    attempts = me.IntField(default=0)
    last_error = me.StringField(max_length=500)
    next_attempt_at = me.DateTimeField()  # after a failure: not before then (back-off)
    created_at = me.DateTimeField(required=True)
    sent_at = me.DateTimeField()
    # When sending it is an event on a record (an alert meets its clock), which one.
    grievance = me.ReferenceField("Grievance")
    event = me.StringField(max_length=60)

    meta = {"collection": "outbox", "indexes": ["key", ("status", "created_at")]}


class Counter(me.Document):
    """Atomic sequences, e.g. reference numbers per year."""

    name = me.StringField(primary_key=True)
    value = me.IntField(default=0)

    meta = {"collection": "counters"}


class Letter(me.Document):
    """A written notice to a member who gave no e-mail address or chose post: kept with its
    words as they were written, printed as a PDF, and posted by staff. The day it is posted
    is the event it stands for on the record (acknowledged, member told...)."""

    key = me.StringField(required=True, unique=True, max_length=300)
    kind = me.StringField(required=True, max_length=40)  # acknowledgment, resolution...
    grievance = me.ReferenceField("Grievance", required=True)
    event = me.StringField(max_length=60)
    language = me.StringField(max_length=5, default="en")
    subject = me.StringField(required=True, max_length=300)
    text = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)
    posted_at = me.DateTimeField()
    posted_by = me.ReferenceField("User")
    posted_to = me.StringField(max_length=500)  # the address it went to, as it was then

    meta = {
        "collection": "letters",
        # The "letters to post" list reads unposted letters oldest first.
        "indexes": ["key", ("posted_at", "created_at"), "grievance"],
    }


class InboundMail(me.Document):
    """A message read from a program's intake mailbox, once: its Message-ID claims it, so a
    message delivered twice (or read again after a crash) files nothing twice."""

    message_id = me.StringField(required=True, unique=True, max_length=300)
    program = me.ReferenceField("Program", required=True)
    outcome = me.StringField(choices=("taking", "new", "reply", "review"), default="taking")
    grievance = me.ReferenceField("Grievance")
    reason = me.StringField(max_length=300)  # why it waits for review
    at = me.DateTimeField(required=True)

    meta = {"collection": "inbound_mail", "indexes": ["program"]}
