import mongoengine as me


class TrainingRecord(me.Document):
    """One staff member completed one of a program's training objectives (Colorado, seed
    003): who, which, on what day, and who recorded it."""

    user = me.ReferenceField("User", required=True)
    program = me.ReferenceField("Program", required=True)
    objective = me.StringField(required=True, max_length=200)
    completed_on = me.DateField(required=True)
    recorded_by = me.ReferenceField("User")
    recorded_at = me.DateTimeField(required=True)

    meta = {
        "collection": "training_records",
        "indexes": [{"fields": ("program", "user", "objective"), "unique": True}],
    }
