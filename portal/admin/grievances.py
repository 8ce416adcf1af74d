"""The grievance list and record page: find, read and work records. Every change is an
action of the lifecycle table (portal.admin.actions); there is no edit form."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.mongoengine.filters import (
    BaseMongoEngineFilter,
    BooleanEqualFilter,
    FilterEqual,
)
from flask_login import current_user
from markupsafe import Markup
from mongoengine.errors import ValidationError as MongoValidationError
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.utils import secure_filename

from portal.access import MEMBER_DETAIL_FIELDS, can
from portal.admin import actions
from portal.admin.base import (
    SecureModelView,
    _part,
    audited,
    forbidden,
    programs_served,
)
from portal.clock import as_utc, utcnow
from portal.domain import uploads
from portal.domain.lifecycle import STATUS_WORDS, STATUSES
from portal.domain.vocabulary import LISTS
from portal.models import Program, Provider, User
from portal.runtime import runtime
from portal.services.accounts import audit, users
from portal.services.grievances import attachments, views
from portal.services.grievances import clocks as clock_service
from portal.services.grievances import history as history_service
from portal.services.grievances import verbs as grievance_service
from portal.services.reporting import dashboard, exports

YES_NO = [("1", "Yes"), ("0", "No")]


class InProgram(BaseMongoEngineFilter):
    """The program, by slug (options read from the programs when the list is shown)."""

    def apply(self, query, value):
        return query.filter(program__in=list(Program.objects(slug=value).scalar("pk")))

    def operation(self):
        return "is"

    def get_options(self, view):
        # Flask-Admin reads options when the app starts; these are read when the list is
        # shown, so the app starts without touching the store and sees new programs.
        return _ProgramOptions()


def _programs_for_filters() -> list[Program]:
    """The programs this person reads, with their names and lists, read once per page however
    many filters offer them."""
    if "filter_programs" not in g:
        programs = programs_served().only("slug", "name", *LISTS.values())
        g.filter_programs = list(programs.order_by("name"))
    return g.filter_programs


class _ProgramOptions:
    def __iter__(self):
        return iter([(p.slug, p.name) for p in _programs_for_filters()])

    def __bool__(self):
        return True


class _ListOptions:
    """The values of one of the programs' lists (types, levels, ...), read when the list is
    shown: a filter offers the programs' own words, not free text."""

    def __init__(self, name: str):
        self.name = name

    def __iter__(self):
        values = sorted({v for p in _programs_for_filters() for v in getattr(p, self.name)})
        return iter([(v, v) for v in values])

    def __bool__(self):
        return True


class _MonthOptions:
    """The last 36 months, newest first, read when the list is shown (the clock moves)."""

    def __iter__(self):
        today = utcnow()
        year, month = today.year, today.month
        out = []
        for _ in range(36):
            out.append((f"{year:04d}-{month:02d}", f"{MONTH_NAMES[month - 1]} {year}"))
            year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        return iter(out)

    def __bool__(self):
        return True


MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip


class ReceivedIn(FilterEqual):
    """Closed history a month at a time (received_month, kept on write and indexed): each
    month an equality the index answers, never a sort of every record."""

    def get_options(self, view):
        return _MonthOptions()


class InList(FilterEqual):
    """Equal to one of the programs' values for this field."""

    def __init__(self, column, name, list_name):
        super().__init__(column=column, name=name)
        self.list_name = list_name

    def get_options(self, view):
        return _ListOptions(self.list_name)


class AtRisk(BaseMongoEngineFilter):
    """Open, not yet overdue, with something due within the next 24 hours."""

    def apply(self, query, value):
        if value == "1":
            return query.at_risk(utcnow() + dashboard.AT_RISK_WINDOW)
        return query

    def operation(self):
        return "is"


class Unassigned(BaseMongoEngineFilter):
    def apply(self, query, value):
        return query.filter(assignee=None) if value == "1" else query.filter(assignee__ne=None)

    def operation(self):
        return "is"


class AssignedToMe(BaseMongoEngineFilter):
    """'My records': the list a staff member starts the day with."""

    def apply(self, query, value):
        if value == "1":
            return query.filter(assignee=current_user.pk)
        return query.filter(assignee__ne=current_user.pk)

    def operation(self):
        return "is"


def _local(model, value) -> str:
    """A stored UTC time as the program's office sees it."""
    if value is None:
        return ""
    zone = ZoneInfo(model.program.timezone) if model.program else UTC
    return value.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _due(view, context, model, name):
    return _local(model, getattr(model, name))


def _overdue_badge(view, context, model, name):
    if model.overdue and model.is_open:
        return Markup('<span class="badge badge-danger">overdue</span>')
    return ""


def _reference_link(view, context, model, name):
    # The record's address, built once a page rather than once a row.
    if "details_url" not in g:
        g.details_url = url_for(".details_view")
    return Markup('<a href="{}?id={}">{}</a>').format(g.details_url, model.pk, model.reference)


def _narratives(view, context, model, name):
    # Member text is text everywhere: Markup.format escapes every value it is given.
    item = Markup('<li><strong>{}</strong> {}<br><span class="narrative">{}</span></li>')
    items = Markup("").join(
        item.format(n.kind, _local(model, n.at), n.text)
        for n in sorted(model.narratives, key=lambda n: n.at, reverse=True)
    )
    return Markup('<ul class="list-unstyled">{}</ul>').format(items)


def _contacts(view, context, model, name):
    row = Markup("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>")
    rows = Markup("").join(
        row.format(
            _local(model, a.at),
            a.with_whom,
            a.channel,
            a.outcome,
            a.by.name if a.by else "",
            a.note or "",
        )
        for a in sorted(model.contact_attempts, key=lambda a: a.at, reverse=True)
    )
    if not model.contact_attempts:
        return ""
    head = Markup(
        "<thead><tr><th>When</th><th>With</th><th>By</th><th>Outcome</th><th>Who</th>"
        "<th>Note</th></tr></thead>"
    )
    return Markup('<table class="table table-sm contacts">{}<tbody>{}</tbody></table>').format(
        head, rows
    )


def _clocks(view, context, model, name):
    return _part(
        "admin/parts/clocks.html",
        rows=clock_service.rows(model, utcnow()),
        zone=model.program.timezone,
    )


def _substantiated(model) -> str:
    said = {True: "Substantiated", False: "Unsubstantiated"}.get(model.substantiated)
    if said is None:
        return "Not decided" if model.status in ("resolved", "closed") else ""
    reason = model.substantiation_reason or ""
    return f"{said} ({reason})" if reason else said


def _yes_no(value) -> str:
    return "Yes" if value else "No"


STATE_BADGES = {
    "overdue": "danger",
    "at_risk": "warning",
    "met": "success",
    "paused": "secondary",
    "running": "info",
}
STATUS_BADGES = {"received": "info", "in_progress": "primary", "escalated": "warning"}


def summary(model, now) -> dict:
    """The top of a record's page: what it is, who has it, and the next thing due."""
    waiting = [c for c in clock_service.rows(model, now) if c["met"] is None]
    nearest = min(waiting, key=lambda c: c["due"]) if waiting else None
    return {
        "status": STATUS_WORDS.get(model.status, model.status),
        "status_badge": STATUS_BADGES.get(model.status, "secondary"),
        "fields": [
            ("Program", model.program.name),
            ("Received", _local(model, model.received_at)),
            ("Level", model.level or "not set"),
            ("Type", model.type or "not set"),
            ("Category", model.category or "not set"),
            ("Priority", model.priority or "not set"),
            ("Assigned to", model.assignee.name if model.assignee else "nobody yet"),
            ("Tier", model.escalation_tier or "staff"),
            ("Substantiated", _substantiated(model) or "not decided yet"),
            ("Resolved", _local(model, model.resolved_at) or "not yet"),
        ],
        "next": nearest
        and {
            "name": nearest["name"],
            "due": nearest["due"].strftime("%a %Y-%m-%d %H:%M %Z"),
            "state": nearest["state"].replace("_", " "),
            "badge": STATE_BADGES.get(nearest["state"], "light"),
            "sentence": nearest["sentence"],
        },
    }


# The record's page below its summary: each section and the columns it shows, in order.
SECTIONS = (
    (
        "The complaint",
        (
            ("narratives", "Narratives"),
            ("triage", "Triage"),
            ("intake_source", "Came in by"),
            ("incident_date", "Date of the incident"),
            ("staff_involved", "Staff complained about"),
            ("desired_resolution", "What the member wants"),
            ("mco", "MCO"),
            ("team", "Team"),
        ),
    ),
    ("Member and caller", (("member", "Member"), ("caller", "Caller"))),
    ("Provider", (("provider", "Provider"), ("repeat_flag", "Repeat complaints"))),
    ("Clocks", (("clocks", "Deadlines"),)),
    ("Contact attempts", (("contact_attempts", "Attempts"),)),
    ("Files", (("attachments", "On the record"),)),
    (
        "Resolution",
        (
            ("resolution", "Resolution"),
            ("substantiated", "Substantiated"),
            ("resolved_at", "Resolved"),
            ("member_told_at", "Member told of the resolution"),
            ("department_reports", "Reports to the Department"),
            ("duplicate_of", "Duplicate of"),
            ("duplicates", "Duplicates of it"),
        ),
    ),
    ("Keeping", (("retain_until", "Kept until"), ("legal_hold", "Legal hold"))),
    ("History", (("history", "Every change"),)),
)


def _record_link(record):
    if record is None:
        return ""
    url = url_for(".details_view", id=record.pk)
    return Markup('<a href="{}">{}</a>').format(url, record.reference)


def _files(view, context, model, name):
    if not model.attachments:
        return ""
    return _part(
        "admin/parts/files.html",
        model=model,
        files=sorted(model.attachments, key=lambda a: a.at, reverse=True),
        kinds=uploads.KINDS,
        local=lambda moment: _local(model, as_utc(moment)),
        may_download=can(current_user, "file.download"),
    )


def _shown_changes(changes: dict, details: bool) -> dict:
    """A correction's before and after, the member's identifiers and contact details
    withheld from those who may not read them."""
    if details:
        return changes
    withheld = ("(withheld)", "(withheld)")
    return {f: withheld if f in MEMBER_DETAIL_FIELDS else pair for f, pair in changes.items()}


def _history(view, context, model, name):
    zone = ZoneInfo(model.program.timezone)
    details = can(current_user, "member.details")
    entries = [
        {
            "at": h.at.astimezone(zone),
            "by": h.by.name if h.by else None,
            "action": h.action,
            "detail": h.detail,
            "changes": _shown_changes(h.changes or {}, details),
        }
        for h in reversed(model.history)
    ]
    return _part(
        "admin/parts/history.html",
        entries=entries,
        zone=model.program.timezone,
        broken=history_service.first_broken(model),
    )


class ListRow:
    """One record as the list shows it: the fields its columns read, as stored, with times as
    aware UTC. Building a whole Grievance (some sixty fields, each set through its
    descriptor) for every row cost more than reading the page."""

    def __init__(self, son: dict, fields) -> None:
        self.pk = self.id = son["_id"]
        for name, field in fields:
            value = son.get(field.db_field, field.default)
            setattr(self, name, as_utc(value) if isinstance(value, datetime) else value)


class GrievanceView(SecureModelView):
    """List, find and work grievances."""

    view_permission = "grievance.view"
    edit_permission = None
    column_list = (
        "reference",
        "received_at",
        "program",
        "level",
        "type",
        "provider",
        "status",
        "assignee",
        "next_due_at",
        "overdue",
    )
    column_default_sort = ("received_at", True)
    column_sortable_list = ("reference", "received_at", "level", "type", "status", "next_due_at")
    # The search box; what a term matches is services.grievances.search.
    column_searchable_list = ("reference",)
    column_filters = (
        FilterEqual(
            column="status",
            name="Status",
            options=[(s, STATUS_WORDS[s]) for s in STATUSES],
        ),
        InList(column="level", name="Level", list_name="levels"),
        InList(column="type", name="Type", list_name="types"),
        InList(column="priority", name="Priority", list_name="priorities"),
        InList(column="category", name="Category", list_name="categories"),
        BooleanEqualFilter(column="overdue", name="Overdue"),
        BooleanEqualFilter(column="is_open", name="Open"),
        AssignedToMe(column="assignee", name="Assigned to me", options=YES_NO),
        InProgram(column="program", name="Program"),
        AtRisk(column="next_due_at", name="At risk", options=YES_NO),
        BooleanEqualFilter(column="needs_review", name="Needs review"),
        Unassigned(column="assignee", name="Unassigned", options=YES_NO),
        InList(column="mco", name="MCO", list_name="mcos"),
        # Iowa's member escalations queue, and any team's.
        FilterEqual(column="team", name="Team"),
        ReceivedIn(column="received_month", name="Received in"),
    )
    column_formatters = {
        "reference": _reference_link,
        "received_at": _due,
        "next_due_at": _due,
        "overdue": _overdue_badge,
        "narratives": _narratives,
        "clocks": _clocks,
        "contact_attempts": _contacts,
        "history": _history,
        "repeat_flag": lambda v, c, m, n: "flagged for Level II review" if m.repeat_flag else "",
        "provider": lambda v, c, m, n: m.provider.name if m.provider else (m.provider_name or ""),
        "status": lambda v, c, m, n: STATUS_WORDS.get(m.status, m.status),
        "substantiated": lambda v, c, m, n: _substantiated(m),
        "resolved_at": _due,
        "retain_until": lambda v, c, m, n: (
            m.retain_until.astimezone(ZoneInfo(m.program.timezone)).strftime("%Y-%m-%d")
            if m.retain_until
            else ""
        ),
        "legal_hold": lambda v, c, m, n: _yes_no(m.legal_hold),
        "member_told_at": lambda v, c, m, n: (
            f"{_local(m, m.member_told_at)} ({m.member_told_how or ''})" if m.member_told_at else ""
        ),
        "attachments": _files,
        "duplicate_of": lambda v, c, m, n: _record_link(m.duplicate_of),
        "duplicates": lambda v, c, m, n: Markup(", ").join(
            _record_link(d) for d in m.__class__.objects(duplicate_of=m).only("reference")
        ),
        "department_reports": lambda v, c, m, n: _part(
            "admin/parts/department_reports.html", model=m, zone=ZoneInfo(m.program.timezone)
        ),
    }
    column_formatters_detail = {
        **column_formatters,
        **{
            part: (
                lambda v, c, m, n: _part(
                    "admin/parts/intake.html",
                    part=n,
                    model=m,
                    details=can(current_user, "member.details"),
                )
            )
            for part in ("member", "caller", "provider", "triage")
        },
    }
    column_details_list = (
        "reference",
        "program",
        "received_at",
        "triage",
        "status",
        "member",
        "caller",
        "intake_source",
        "provider",
        "incident_date",
        "desired_resolution",
        "level",
        "type",
        "priority",
        "category",
        "mco",
        "team",
        "assignee",
        "escalation_tier",
        "clocks",
        "narratives",
        "contact_attempts",
        "attachments",
        "department_reports",
        "duplicate_of",
        "duplicates",
        "resolution",
        "substantiated",
        "resolved_at",
        "member_told_at",
        "repeat_flag",
        "retain_until",
        "legal_hold",
        "history",
    )
    # No edit form: every change is an action of the lifecycle table, taken on the record's
    # screen (portal.admin.actions); intake facts are corrected by the "correct" action.
    # Narratives and contact attempts are append-only: they are added by the actions on the
    # record's screen, never edited in place.
    column_labels = {
        "received_at": "Received",
        "next_due_at": "Next due",
        "assignee": "Assigned to",
        "member_told_at": "Member told of the resolution",
        "department_reports": "Reports to the Department",
    }
    details_template = "admin/grievance_details.html"
    list_template = "admin/grievance_list.html"
    # get_list counts what it reads for the page, up to COUNTED, rather than asking the store
    # for a count of everything the filter matches.
    simple_list_pager = True
    # The reference opens the record: no second link (an eye icon) on every row.
    column_display_actions = False
    export_types = ["csv", "xlsx"]
    export_max_rows = exports.LIMIT
    # What an export holds: services.reporting.records.EXPORT_COLUMNS; a worker writes it.

    @property
    def can_export(self):
        return can(current_user, "grievance.export")

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Queue an export of the list as filtered; a worker writes it (the whole history
        would not fit a web process) while the exports page shows how far it got. Who
        exported what is kept in the audit trail."""
        if not self.can_export:
            forbidden()
        if export_type not in self.export_types:
            abort(404)
        filters = {k: v for k, v in request.args.items() if k.startswith("flt")}
        member_fields = can(current_user, "grievance.export_phi")
        me = current_user._get_current_object()
        audit.record(
            "export",
            utcnow(),
            actor=me,
            target="grievances",
            ip=request.remote_addr,
            detail={
                "format": export_type,
                "filters": filters,
                # the term itself may be a member's name: only that there was one
                "searched": bool(request.args.get("search")),
                "member_fields": member_fields,
            },
        )
        _, query = self._export_data()
        exports.ask(
            query,
            by=me,
            fmt=export_type,
            member_fields=member_fields,
            filters=filters,
            searched=bool(request.args.get("search")),
            now=utcnow(),
            runtime=runtime(),
        )
        flash("Your export is being written; it appears below when it is ready.", "success")
        return redirect(url_for("exports.index"))

    def search_placeholder(self):
        return "Reference, e.g. G-2026-000123"

    def get_query(self):
        # The list, the record page, its actions and the export all start here: each person
        # reads the records of the programs they serve (portal.access).
        # Asked several times a request (the page, its count, the record): read once.
        if "records_scope" not in g:
            g.records_scope = users.programs_read(current_user)
        scope = g.records_scope
        query = super().get_query()
        if self.opens_on_the_work():
            query = query.filter(is_open=True)
        return query if scope is None else query.filter(program__in=scope)

    def opens_on_the_work(self) -> bool:
        """The list opened with no filter and no search shows the open records (an indexed
        equality), not the whole history: counting and sorting ten years of records costs a
        read of every one. Closed ones are a filter away (a month of receipt, a status, a
        program) or a search."""
        if request.endpoint != "grievance.index_view":
            return False
        asked = [k for k in request.args if k.startswith("flt") or k == "search"]
        g.opened_on_the_work = not asked
        return not asked

    def render(self, template, **kwargs):
        # The details screen carries a small form for each action this user may take.
        if template == self.details_template and kwargs.get("model") is not None:
            model = kwargs["model"]
            kwargs["summary"] = summary(model, utcnow())
            kwargs["sections"] = SECTIONS
            # A read of member data (HIPAA 164.312(b)): who opened which record, and when.
            audited("record viewed", model.reference)
            failed = g.pop("failed_action", None)
            kwargs["actions"] = [
                (
                    name,
                    actions.label(name),
                    failed[1]
                    if failed and failed[0] == name
                    else actions.build(name, model, current_user),
                )
                for name in actions.available(current_user, model)
            ]
        if template == self.list_template:
            kwargs["saved_views"] = views.mine(current_user._get_current_object())
            kwargs["current_query"] = views.query_of(request.args)
        return super().render(template, **kwargs)

    @expose("/views/", methods=("POST",))
    def save_view(self):
        """Name the list as it is now; it opens again from the list's own page."""
        query = views.query_of(MultiDict(parse_qsl(request.form.get("query", ""))))
        try:
            saved = views.save(
                current_user._get_current_object(), request.form.get("name", ""), query, utcnow()
            )
        except views.ViewError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Saved as {saved.name}.", "success")
        return redirect(url_for(".index_view") + (f"?{query}" if query else ""))

    @expose("/views/delete", methods=("POST",))
    def forget_view(self):
        if views.delete(current_user._get_current_object(), request.form.get("id", "")):
            flash("View deleted.", "success")
        return redirect(url_for(".index_view"))

    @expose("/file/<id>/<key>")
    def file(self, id, key):
        """A file on the record, always as a download (never shown in the browser), for the
        roles that may read member data; each download is in the audit trail."""
        if not can(current_user, "file.download"):
            forbidden("Files on records hold member data: ask a supervisor or manager.")
        grievance = self.get_one(id)
        found = attachments.find(grievance, key) if grievance is not None else None
        if found is None:
            abort(404)
        audited("file downloaded", grievance.reference, {"kind": found.kind, "size": found.size})
        return Response(
            attachments.content(found),
            mimetype="application/octet-stream",
            headers={
                "Content-Disposition": f'attachment; filename="{secure_filename(found.name)}"',
                "Cache-Control": "no-store",
            },
        )

    @expose("/act/<action>/", methods=("POST",))
    def act(self, action):
        """Take one action on one record, through its service."""
        grievance = self.get_one(request.args.get("id", ""))
        if grievance is None or action not in actions.FORMS:
            abort(404)
        user = current_user._get_current_object()
        if action not in actions.available(user, grievance):
            forbidden(f"Not done: {grievance_service.why_not(action, grievance, user)}.")
        # The attach form carries a file: its data is the form and the files together.
        posted = CombinedMultiDict([request.files, request.form])
        form = actions.build(action, grievance, user, posted)
        if form.validate():
            try:
                message = actions.run(action, form, grievance, user, utcnow(), runtime())
            except (ValueError, MongoValidationError) as exc:  # each says what is wrong
                flash(str(exc), "error")
            else:
                flash(message, "success")
                return redirect(url_for(".details_view", id=grievance.pk) + "#work")
        # Back to the screen with the form as typed and its errors.
        g.failed_action = (action, form)
        return self.details_view()

    # The list and the export show each record's program, provider and assignee: fetched
    # for the whole page in one query each rather than one per row.
    LIST_REFERENCES = {"program": Program, "provider": Provider, "assignee": User}
    # Only what the list shows (its columns and what their formatters read): building every
    # record's embedded history, narratives and clocks would cost more than reading them.
    LIST_READ = (*column_list, "provider_name", "is_open")

    # The list counts up to this many records; past it, it says "more than" and pages on
    # with next and previous. An exact count of ten years of history costs a read of all of it.
    COUNTED = 1000

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, **kwargs):
        args = (sort_column, sort_desc, search, filters)
        if not execute or request.endpoint != "grievance.index_view":
            count, rows = super().get_list(page, *args, execute=False, **kwargs)
            return count, (rows.all() if execute else rows)
        size = kwargs.get("page_size") or self.page_size
        start = (page or 0) * size
        # Filtered, searched and sorted, not yet cut to a page (simple_list_pager: no count).
        _, query = super().get_list(None, *args, execute=False, page_size=0)
        # The page in two reads: the ids in order (nothing else read), then the page's records
        # by id, an indexed equality. The first read also gives the count, up to COUNTED; a
        # sorted read of whole records would build every candidate to keep fifty.
        if self._walks(query, search, sort_column, sort_desc, filters):
            # What grows with the history (a common surname, the closed records, a type):
            # read newest first, a slice of months at a time, until this page and the next
            # are certain.
            ids, every = grievance_service.newest_first(query, start + size + 1, utcnow())
            count = len(ids) if every else None
            g.counted_to = None if every else start + size
            ids = ids[start : start + size]
        elif start < self.COUNTED:
            window = max(self.COUNTED, start + size)
            ids = [row["_id"] for row in query.only("id").limit(window + 1).as_pymongo()]
            count = len(ids) if len(ids) <= window else None
            ids = ids[start : start + size]
        else:
            ids = [row["_id"] for row in query.only("id").skip(start).limit(size).as_pymongo()]
            count = None
        if "counted_to" not in g:
            g.counted_to = None if count is not None else self.COUNTED
        fields = [(name, self.model._fields[name]) for name in self.LIST_READ]
        found = self.model.objects(pk__in=ids).only(*self.LIST_READ).as_pymongo()
        by_id = {son["_id"]: ListRow(son, fields) for son in found}
        rows = [by_id[pk] for pk in ids if pk in by_id]
        for field, document in self.LIST_REFERENCES.items():
            refs = {getattr(row, field) for row in rows} - {None}
            named = {d.pk: d for d in document.objects(pk__in=list(refs))}
            for row in rows:
                setattr(row, field, named.get(getattr(row, field)))
        return count, rows

    def _walks(self, query, search, sort_column, sort_desc, filters) -> bool:
        """Whether the list reads a slice of months at a time: in its own order (newest
        receipt first) with no month chosen, for a search for a name, or filters that reach
        into the closed history. Not for the open work (the list as it opens, Open: Yes),
        which is read whole and counted, nor for a reference, ID or number, which finds a
        few records."""
        newest_first = sort_column is None or (sort_column == "received_at" and sort_desc)
        month = any(isinstance(self._filters[f[0]], ReceivedIn) for f in filters or ())
        if not newest_first or month or g.get("opened_on_the_work"):
            return False
        if search and search.strip():
            return not any(c.isdigit() for c in search)
        return bool(filters) and query._query.get("is_open") is not True

    def _search(self, query, search_term):
        if search_term and search_term.strip():
            # A search may be for a member's name or ID: that one happened is kept, never
            # the words (they would put member data into the audit trail).
            audited("records searched", "grievances")
        return grievance_service.search(query, search_term)
