import mongoengine as me

PROCEDURE_STATUSES = ("draft", "approved", "published", "superseded")


class ProcedureVersion(me.Document):
    """One version of a program's written complaint procedure (Maryland: COMAR 10.09.65.11
    C-D). A draft is edited, the Department's approval is recorded with its date, and it is
    published; the version it replaces is superseded and stays readable, so the plan can
    show which text was in force on any day."""

    program = me.ReferenceField("Program", required=True)
    number = me.IntField(required=True, min_value=1)
    status = me.StringField(required=True, choices=PROCEDURE_STATUSES, default="draft")
    title = me.StringField(required=True, max_length=200)
    title_es = me.StringField(max_length=200)
    text = me.StringField(required=True, max_length=50000)
    text_es = me.StringField(max_length=50000)
    created_by = me.ReferenceField("User")
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField()
    approved_on = me.DateField()  # the Department's approval, as its letter dates it
    approval_note = me.StringField(max_length=500)  # e.g. the approval letter's reference
    approved_by = me.ReferenceField("User")  # who recorded the approval
    published_at = me.DateTimeField()
    published_by = me.ReferenceField("User")
    superseded_at = me.DateTimeField()

    meta = {
        "collection": "procedure_versions",
        "indexes": [
            {"fields": ("program", "number"), "unique": True},
            ("program", "status"),
        ],
    }
