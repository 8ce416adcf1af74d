import mongoengine as me


class Incomplete(me.EmbeddedDocument):
    grievance = me.ReferenceField("Grievance")
    reference = me.StringField()
    program = me.StringField()
    missing = me.ListField(me.StringField())


class CompletenessResult(me.Document):
    """The monthly log check for one manager (or 'unassigned'), kept as it was computed."""

    month = me.StringField(required=True, regex=r"^\d{4}-\d{2}$")
    manager = me.ReferenceField("User")
    manager_key = me.StringField(required=True)  # user id, or "unassigned"
    checked = me.IntField(default=0)
    incomplete = me.ListField(me.EmbeddedDocumentField(Incomplete))
    computed_at = me.DateTimeField(required=True)
    # After the 5th the result is final: kept as it stood at the deadline, never recomputed.
    final = me.BooleanField(default=False)

    meta = {
        "collection": "completeness_results",
        "indexes": [{"fields": ("month", "manager_key"), "unique": True}],
    }


class JobRun(me.Document):
    """The last run of each job, for monitoring and `portal doctor`."""

    name = me.StringField(required=True, unique=True)
    started_at = me.DateTimeField()
    finished_at = me.DateTimeField()
    ok = me.BooleanField()
    summary = me.DictField()
    # For /metrics: the last run that finished without error, and the runs by outcome.
    succeeded_at = me.DateTimeField()
    runs_ok = me.IntField(default=0)
    runs_failed = me.IntField(default=0)

    meta = {"collection": "job_runs", "indexes": ["name"]}


class MemberMonths(me.Document):
    """Member months of one program in one quarter, as the plan reports them to the state."""

    program = me.ReferenceField("Program", required=True)
    quarter = me.StringField(required=True, regex=r"^\d{4}Q[1-4]$")
    value = me.IntField(required=True, min_value=1)
    updated_by = me.ReferenceField("User")
    updated_at = me.DateTimeField()

    meta = {
        "collection": "member_months",
        "indexes": [{"fields": ("program", "quarter"), "unique": True}],
    }


class QuarterlyCommentary(me.Document):
    """What a manager wrote about one quarter's report for the state, and who wrote it."""

    program = me.ReferenceField("Program", required=True)
    quarter = me.StringField(required=True, regex=r"^\d{4}Q[1-4]$")
    text = me.StringField(max_length=10000)
    written_by = me.ReferenceField("User")
    written_at = me.DateTimeField()

    meta = {
        "collection": "quarterly_commentaries",
        "indexes": [{"fields": ("program", "quarter"), "unique": True}],
    }


class TrendAnalysis(me.Document):
    """The written parts of one quarter's trend analysis, who wrote them, and its delivery."""

    program = me.ReferenceField("Program", required=True)
    quarter = me.StringField(required=True, regex=r"^\d{4}Q[1-4]$")
    reasons = me.StringField(max_length=10000)
    preventive_measures = me.StringField(max_length=10000)
    plan_of_action = me.StringField(max_length=10000)
    last_plan_worked = me.StringField(max_length=10000)
    written_by = me.ReferenceField("User")
    written_at = me.DateTimeField()
    due_on = me.DateField()
    delivered_at = me.DateTimeField()
    delivered_by = me.ReferenceField("User")

    meta = {
        "collection": "trend_analyses",
        "indexes": [{"fields": ("program", "quarter"), "unique": True}],
    }


class ImportRun(me.Document):
    """One upload being imported by a worker: how far it got, and its report at the end.
    The file waits here (not on a disk a worker may not share) and is dropped when done."""

    program = me.ReferenceField("Program", required=True)
    file_name = me.StringField(required=True, max_length=255)
    content = me.BinaryField()
    dry_run = me.BooleanField(default=False)
    by = me.ReferenceField("User")
    status = me.StringField(choices=("queued", "running", "done", "failed"), default="queued")
    stage = me.StringField(max_length=40)
    done = me.IntField(default=0)
    total = me.IntField(default=0)
    report = me.DictField()
    error = me.StringField(max_length=500)
    outcome = me.StringField(max_length=200)  # in words, for the list of recent imports
    created_at = me.DateTimeField(required=True)
    finished_at = me.DateTimeField()

    meta = {"collection": "import_runs", "indexes": ["-created_at"]}


class ExportRun(me.Document):
    """A list exported by a worker: what was asked (the list's filter as the store reads it),
    how far it got, and the file, kept in ExportChunk documents (on no disk a web process may
    not share) until `expires_at`."""

    by = me.ReferenceField("User", required=True)
    format = me.StringField(choices=("csv", "xlsx"), required=True)
    query = me.StringField(required=True)  # the filter, as extended JSON (bson.json_util)
    order = me.ListField(me.ListField())  # [[field, 1 or -1], ...]
    member_fields = me.BooleanField(default=False)
    filters = me.DictField()  # the list's filter arguments as asked, for the page and audit
    searched = me.BooleanField(default=False)
    status = me.StringField(choices=("queued", "running", "done", "failed"), default="queued")
    done = me.IntField(default=0)
    total = me.IntField(default=0)
    size = me.IntField(default=0)
    file_name = me.StringField(max_length=120)
    error = me.StringField(max_length=300)
    created_at = me.DateTimeField(required=True)
    finished_at = me.DateTimeField()
    expires_at = me.DateTimeField(required=True)

    meta = {"collection": "export_runs", "indexes": [("by", "-created_at"), "expires_at"]}


class ExportChunk(me.Document):
    """One piece of an export's file, in order (a document holds at most 16 MB)."""

    run = me.ReferenceField(ExportRun, required=True)
    n = me.IntField(required=True)
    data = me.BinaryField(required=True)

    meta = {"collection": "export_chunks", "indexes": [("run", "n")]}
