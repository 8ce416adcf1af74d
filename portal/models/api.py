import mongoengine as me


class ApiClient(me.Document):
    """Another system that files or reads grievances through /api/v1: a call-centre tool, the
    state ombudsman's intake, a partner plan. Its key is shown once when an administrator
    creates it; only its SHA-256 is kept (the key is 256 random bits, so a slow hash would
    only slow every call)."""

    name = me.StringField(required=True, unique=True, max_length=120)
    key_hash = me.StringField(required=True, max_length=64)
    programs = me.ListField(me.ReferenceField("Program"))  # at least one (the service checks)
    may_write = me.BooleanField(default=False)  # file complaints; reading is always allowed
    active = me.BooleanField(default=True)
    created_at = me.DateTimeField(required=True)
    created_by = me.ReferenceField("User")
    last_used_at = me.DateTimeField()

    meta = {"collection": "api_clients", "indexes": ["name"]}

    def __str__(self):
        return self.name

    def program_ids(self) -> list:
        """The ids of the programs this client may see, without reading the programs."""
        return [getattr(ref, "id", ref) for ref in self._data.get("programs") or []]


class ApiRequest(me.Document):
    """One complaint a client filed, keyed by the client's own reference: claimed before the
    record is stored, so the same request sent twice (a retry after a timeout) makes one
    record."""

    key = me.StringField(required=True, unique=True, max_length=200)  # client id:reference
    client = me.ReferenceField(ApiClient, required=True)
    grievance = me.ReferenceField("Grievance")  # set once the record is stored
    claimed_at = me.DateTimeField(required=True)

    meta = {"collection": "api_requests", "indexes": ["key"]}


class WebhookSubscription(me.Document):
    """A client's request to be told of events on its programs' records, at its URL, signed
    with a secret shown to it once (Standard Webhooks: the receiver verifies with it)."""

    client = me.ReferenceField(ApiClient, required=True)
    url = me.StringField(required=True, max_length=2000)
    events = me.ListField(me.StringField(max_length=20))
    secret = me.StringField(required=True, max_length=100)
    active = me.BooleanField(default=True)
    created_at = me.DateTimeField(required=True)

    meta = {"collection": "webhook_subscriptions", "indexes": [("active", "events"), "client"]}
