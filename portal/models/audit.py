import mongoengine as me


class AuditEvent(me.Document):
    """Who did what outside a record's own history: sign-ins, refusals, exports.

    Append-only: nothing in the portal updates or deletes these. Details hold ids, counts and
    filters, never member names, IDs or complaint text.
    """

    at = me.DateTimeField(required=True)
    actor = me.ReferenceField("User")
    actor_email = me.StringField(max_length=254)  # as typed, for failed sign-ins
    action = me.StringField(required=True, max_length=40)
    target = me.StringField(max_length=200)
    detail = me.DictField()
    ip = me.StringField(max_length=64)
    api_client = me.ReferenceField("ApiClient")  # a call through /api/v1, not a person

    meta = {
        "collection": "audit_events",
        "indexes": [
            "-at",
            ("action", "actor_email", "at"),
            ("action", "ip", "at"),  # the per-address sign-in throttle
            ("action", "target", "at"),  # the per-reference status-check rule
            ("actor", "at"),
        ],
    }
