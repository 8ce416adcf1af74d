"""Admin views. Declarative; hooks delegate to services; access through portal.access.can."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_admin import AdminIndexView, expose
from flask_admin.contrib.mongoengine import ModelView
from flask_admin.contrib.mongoengine.filters import (
    BaseMongoEngineFilter,
    BooleanEqualFilter,
    FilterEqual,
)
from flask_admin.form.fields import JSONField
from flask_admin.model import typefmt
from flask_login import current_user
from markupsafe import Markup
from mongoengine.errors import ValidationError as MongoValidationError

from portal.access import can
from portal.admin import actions
from portal.clock import utcnow
from portal.domain.lifecycle import STATUSES
from portal.models import (
    OPEN_STATUSES,
    AuditEvent,
    CompletenessResult,
    Grievance,
    Outbox,
    Program,
    Provider,
    User,
)
from portal.runtime import runtime
from portal.services import audit, dashboard, users
from portal.services import clocks as clock_service
from portal.services import grievances as grievance_service
from portal.services import history as history_service
from portal.services.documents import built

__all__ = [
    "AuditEvent",
    "CompletenessResult",
    "Grievance",
    "Outbox",
    "Program",
    "Provider",
    "User",
]


def _deny():
    if not current_user.is_authenticated:
        # The path only: a query string may hold a search term with member details.
        return redirect(url_for("auth.login", next=request.path))
    forbidden()


def audited(action: str, target: str, detail: dict | None = None) -> None:
    """Keep what the signed-in person just did in the audit trail: who, when, from where."""
    audit.record(
        action,
        utcnow(),
        actor=current_user._get_current_object(),
        target=target,
        detail=detail or {},
        ip=request.remote_addr,
    )


def forbidden(why: str | None = None):
    """Refuse with 403 (saying why, when there is more to say than the role), and keep the
    attempt in the audit trail."""
    audited("denied", request.path, {"method": request.method})
    abort(403, description=why)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A cell a spreadsheet would run as a formula is exported as text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _utc(view, value, name):
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


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


class _ProgramOptions:
    def __iter__(self):
        programs = Program.objects.only("slug", "name").order_by("name")
        return iter([(p.slug, p.name) for p in programs])

    def __bool__(self):
        return True


class _ListOptions:
    """The values of one of the programs' lists (types, levels, ...), read when the list is
    shown: a filter offers the programs' own words, not free text."""

    def __init__(self, name: str):
        self.name = name

    def __iter__(self):
        values = sorted({v for p in Program.objects.only(self.name) for v in getattr(p, self.name)})
        return iter([(v, v) for v in values])

    def __bool__(self):
        return True


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


class SecureModelView(ModelView):
    """Closed by default: a view names the permission it needs to be seen and to change data."""

    view_permission = "home.view"
    edit_permission: str | None = None
    can_delete = False  # nothing is hard-deleted before its retention ends
    can_create = False
    can_export = False
    can_view_details = True
    page_size = 50
    named_filter_urls = True  # readable links, e.g. ?flt0_overdue_equals=1
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: _utc}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, datetime: _utc}

    def search_placeholder(self):
        return "Search"

    def is_accessible(self):
        return can(current_user, self.view_permission)

    def inaccessible_callback(self, name, **kwargs):
        return _deny()

    @property
    def can_edit(self):
        return bool(self.edit_permission) and can(current_user, self.edit_permission)

    # Views that change data: refused with 403 (and audited) for roles that may not, rather
    # than Flask-Admin's quiet redirect back to the list.
    CHANGING_VIEWS = frozenset(
        {"edit_view", "create_view", "delete_view", "action_view", "ajax_update"}
    )

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if name in self.CHANGING_VIEWS and not (
            self.can_edit if name != "create_view" else self.can_create
        ):
            forbidden()
        if (
            (name == "delete_view" and not self.can_delete)
            or (name == "export" and not self.can_export)
            or (name == "details_view" and not self.can_view_details)
        ):
            forbidden()
        return None


class HomeView(AdminIndexView):
    """Show what needs the signed-in staff member now."""

    def is_accessible(self):
        return can(current_user, "home.view")

    def inaccessible_callback(self, name, **kwargs):
        return _deny()

    @expose("/")
    def index(self):
        """Show counts of what needs attention, each linking to its list."""
        now = utcnow()
        return self.render(
            "admin/home.html",
            counts=dashboard.counts(current_user._get_current_object(), now),
            completeness=dashboard.last_month_completeness(now),
            weekly=dashboard.weekly(now),
        )


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
    url = url_for(".details_view", id=model.pk)
    return Markup('<a href="{}">{}</a>').format(url, model.reference)


def _narratives(view, context, model, name):
    # Member text is text everywhere: Markup.format escapes every value it is given.
    item = Markup('<li><strong>{}</strong> {}<br><span class="narrative">{}</span></li>')
    items = Markup("").join(
        item.format(n.kind, _local(model, n.at), n.text)
        for n in sorted(model.narratives, key=lambda n: n.at, reverse=True)
    )
    return Markup('<ul class="list-unstyled">{}</ul>').format(items)


def _part(template: str, **context) -> Markup:
    """A piece of a page from a template: Jinja escapes every value, member text included."""
    return Markup(render_template(template, **context))  # noqa: S704 - autoescaped output


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
    return Markup('<table class="table table-sm contacts">{}</table>').format(rows)


PROVIDER_RECORDS_SHOWN = 200


def _provider_records(provider):
    records = list(
        Grievance.objects(provider=provider)
        .only("reference", "received_at", "level", "type", "status", "repeat_flag", "clocks")
        .order_by("-received_at")
        .limit(PROVIDER_RECORDS_SHOWN)
    )
    open_caps = sum(
        1
        for g in records
        for c in g.clocks
        if c.met_by == "cap received" and c.met_at is None and g.status in OPEN_STATUSES
    )
    return _part(
        "admin/parts/provider_records.html",
        rows=records,
        open_caps=open_caps,
        limit=PROVIDER_RECORDS_SHOWN,
    )


def _clocks(view, context, model, name):
    return _part(
        "admin/parts/clocks.html",
        rows=clock_service.rows(model, utcnow()),
        zone=model.program.timezone,
    )


def _history(view, context, model, name):
    zone = ZoneInfo(model.program.timezone)
    entries = [
        {
            "at": h.at.astimezone(zone),
            "by": h.by.name if h.by else None,
            "action": h.action,
            "detail": h.detail,
            "changes": h.changes or {},
        }
        for h in reversed(model.history)
    ]
    return _part(
        "admin/parts/history.html",
        entries=entries,
        zone=model.program.timezone,
        broken=history_service.first_broken(model),
    )


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
            options=[(s, s.replace("_", " ")) for s in STATUSES],
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
    }
    column_formatters_detail = {
        **column_formatters,
        **{
            part: (lambda v, c, m, n: _part("admin/parts/intake.html", part=n, model=m))
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
        "assignee",
        "escalation_tier",
        "clocks",
        "narratives",
        "contact_attempts",
        "resolution",
        "resolved_at",
        "repeat_flag",
        "retain_until",
        "legal_hold",
        "history",
    )
    # No edit form: every change is an action of the lifecycle table, taken on the record's
    # screen (portal.admin.actions); intake facts are corrected by the "correct" action.
    # Narratives and contact attempts are append-only: they are added by the actions on the
    # record's screen, never edited in place.
    details_template = "admin/grievance_details.html"
    export_types = ["csv", "xlsx"]
    export_max_rows = 50_000
    column_export_list = (
        "reference",
        "received_at",
        "program",
        "type",
        "level",
        "priority",
        "category",
        "status",
        "assignee",
        "provider_name",
        "next_due_at",
        "overdue",
        "resolved_at",
        "resolution",
        "substantiated",
        "member.name",
        "member.member_id",
        "member.age_group",
        "description",
    )
    PHI_EXPORT_COLUMNS = frozenset({"member.name", "member.member_id", "description", "resolution"})
    column_formatters_export = {
        "description": lambda v, c, m, n: m.intake_text(),
        "program": lambda v, c, m, n: m.program.slug if m.program else "",
        "assignee": lambda v, c, m, n: m.assignee.email if m.assignee else "",
    }

    @property
    def can_export(self):
        return can(current_user, "grievance.export")

    @property
    def _export_columns(self):
        # Flask-Admin computes the export columns once; each request sees those its role may.
        if can(current_user, "grievance.export_phi"):
            return self._all_export_columns
        return [c for c in self._all_export_columns if c[0] not in self.PHI_EXPORT_COLUMNS]

    @_export_columns.setter
    def _export_columns(self, columns):
        self._all_export_columns = columns

    def get_export_value(self, model, name):
        return neutralise(super().get_export_value(model, name))

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Export the filtered list, and keep who exported what in the audit trail."""
        if not self.can_export:
            forbidden()
        filters = {k: v for k, v in request.args.items() if k.startswith("flt")}
        audit.record(
            "export",
            utcnow(),
            actor=current_user._get_current_object(),
            target="grievances",
            ip=request.remote_addr,
            detail={
                "format": export_type,
                "filters": filters,
                # the term itself may be a member's name: only that there was one
                "searched": bool(request.args.get("search")),
                "member_fields": can(current_user, "grievance.export_phi"),
            },
        )
        return super().export(export_type)

    def search_placeholder(self):
        return "Reference, e.g. G-2026-000123"

    def render(self, template, **kwargs):
        # The details screen carries a small form for each action this user may take.
        if template == self.details_template and kwargs.get("model") is not None:
            model = kwargs["model"]
            failed = g.pop("failed_action", None)
            kwargs["actions"] = [
                (
                    name,
                    actions.label(name),
                    failed[1] if failed and failed[0] == name else actions.build(name, model),
                )
                for name in actions.available(current_user, model)
            ]
        return super().render(template, **kwargs)

    @expose("/act/<action>/", methods=("POST",))
    def act(self, action):
        """Take one action on one record, through its service."""
        grievance = self.get_one(request.args.get("id", ""))
        if grievance is None or action not in actions.FORMS:
            abort(404)
        user = current_user._get_current_object()
        if action not in actions.available(user, grievance):
            forbidden(f"Not done: {grievance_service.why_not(action, grievance, user)}.")
        form = actions.build(action, grievance, request.form)
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
    NOT_EXPORTED = ("history", "contact_attempts", "clocks", "escalations", "caller", "triage")
    # Only what each reads: building every record's embedded history, narratives and clocks
    # would cost more than reading them.
    NOT_READ = {
        "grievance.index_view": (*NOT_EXPORTED, "narratives", "member"),
        "grievance.export": NOT_EXPORTED,
    }

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if not kwargs.get("execute", True) or request.endpoint not in self.NOT_READ:
            return count, rows
        rows = built(rows.exclude(*self.NOT_READ[request.endpoint]))
        for field, document in self.LIST_REFERENCES.items():
            ids = {ref.id for ref in (r._data.get(field) for r in rows) if ref is not None}
            found = {d.pk: d for d in document.objects(pk__in=list(ids))}
            for row in rows:
                ref = row._data.get(field)
                if ref is not None:
                    row._data[field] = found.get(ref.id)
        return count, rows

    def _search(self, query, search_term):
        return grievance_service.search(query, search_term)


class ProviderView(SecureModelView):
    """Providers and offices that grievances name, with the repeat-complaint flag."""

    view_permission = "provider.view"
    edit_permission = "provider.edit"
    column_list = ("name", "npi", "office", "city", "program", "review_flag")
    column_searchable_list = ("name", "npi")
    column_filters = (BooleanEqualFilter(column="review_flag", name="Flagged for review"),)
    column_formatters = {
        "review_flag": lambda v, c, m, n: m.review_flag_reason if m.review_flag else "",
        "grievances": lambda v, c, m, n: _provider_records(m),
    }
    column_details_list = ("name", "npi", "office", "city", "program", "review_flag", "grievances")
    column_labels = {"review_flag": "Level II review", "grievances": "Grievances"}
    form_columns = ("name", "npi", "office", "city", "program", "review_flag", "review_flag_reason")

    @property
    def can_create(self):
        return self.can_edit


class ProgramView(SecureModelView):
    """Programs: timezone, hours, holidays, taxonomy and clocks, edited by administrators."""

    view_permission = "program.view"
    edit_permission = "program.edit"
    column_list = ("slug", "name", "timezone", "warning_hours", "retention_years", "active")
    column_details_list = (
        "slug",
        "name",
        "timezone",
        "office_hours",
        "holiday_country",
        "holiday_subdivision",
        "closures",
        "types",
        "levels",
        "priorities",
        "categories",
        "intake_sources",
        "substantiation_reasons",
        "clock_rules",
        "warning_hours",
        "supervisor_grace_hours",
        "retention_years",
        "completeness_rules",
        "repeat_threshold",
        "repeat_window_days",
        "report_settings",
        "member_routes",
        "member_routes_es",
        "active",
    )
    form_columns = column_details_list[1:]
    # Dicts are edited as JSON (Flask-Admin would offer a plain text box).
    form_overrides = {"office_hours": JSONField, "report_settings": JSONField}
    form_subdocuments = {
        "clock_rules": {
            "form_subdocuments": {
                None: {
                    "form_columns": ("name", "rule", "when", "met_by"),
                    "form_overrides": {"when": JSONField},
                }
            }
        }
    }
    form_args = {
        "office_hours": {
            "description": 'Open spans per weekday, e.g. {"mon": ["08:00-17:00"], '
            '"fri": ["07:30-11:30"]}. Days left out are closed.'
        },
        "timezone": {"description": "An IANA zone, e.g. America/New_York."},
        "closures": {
            "description": "Extra days the office is shut (the holidays of the "
            "country and state above are already counted)."
        },
        "completeness_rules": {
            "description": "Fields every record needs, e.g. type, "
            "member_name|member_id, when_resolved:resolution."
        },
    }
    column_formatters = {
        "clock_rules": lambda v, c, m, n: "; ".join(
            f"{r.name}: {r.rule}" + (f" when {r.when}" if r.when else "") for r in m.clock_rules
        ),
    }

    def on_model_change(self, form, model, is_created):
        # mongoengine's validate() runs clean(): a bad timezone, hours that end before they
        # start or a rule that cannot be read is refused with its message.
        model.validate()
        for rule in model.clock_rules:
            rule.validate()


class UserView(SecureModelView):
    """Staff accounts, for administrators."""

    view_permission = "user.edit"
    edit_permission = "user.edit"
    column_list = ("email", "name", "roles", "team", "manager", "active")
    column_searchable_list = ("email", "name")
    form_columns = ("email", "name", "roles", "team", "manager", "active")
    form_args = {"roles": {"description": "What the person may do; see the README."}}

    @property
    def can_create(self):
        return self.can_edit

    def on_model_change(self, form, model, is_created):
        now = utcnow()
        if is_created:
            # Shown once, to the administrator, who hands it over in person or by phone.
            temporary = users.issue_temporary_password(model)
            flash(
                f"One-time password for {model.email}: {temporary} (to be changed at "
                "first sign-in).",
                "success",
            )
        audit.record(
            "user created" if is_created else "user changed",
            now,
            actor=current_user._get_current_object(),
            target=f"user:{model.email}",
            detail={"roles": list(model.roles), "active": model.active},
        )


class OutboxView(SecureModelView):
    """Mail the portal has sent or will send."""

    view_permission = "outbox.view"
    column_list = ("created_at", "kind", "recipient", "subject", "status", "attempts", "sent_at")
    column_default_sort = ("created_at", True)
    column_filters = ("kind", "status")
    column_details_list = ("created_at", "kind", "recipient", "subject", "status", "text")


class AuditView(SecureModelView):
    """Sign-ins, refusals and exports, for auditors (each record keeps its own history)."""

    view_permission = "audit.view"
    can_view_details = False
    column_list = ("at", "action", "actor", "actor_email", "target", "detail", "ip")
    column_default_sort = ("at", True)
    column_filters = ("action", "actor_email", "at")
    column_searchable_list = ("actor_email", "target")
    column_formatters = {"actor": lambda v, c, m, n: m.actor.name if m.actor else ""}


class CompletenessView(SecureModelView):
    """Last month's log: which records are incomplete, and what each lacks."""

    view_permission = "completeness.view"
    column_list = ("month", "manager", "checked", "incomplete", "computed_at", "final")
    column_default_sort = ("month", True)
    column_filters = (FilterEqual(column="month", name="Month"),)
    named_filter_urls = True
    column_labels = {"final": "Final (after the 5th)"}
    column_formatters = {
        "incomplete": lambda v, c, m, n: (
            Markup("<br>").join(
                Markup("{}: {}").format(i.reference, ", ".join(i.missing)) for i in m.incomplete
            )
            or "complete"
        ),
        "manager": lambda v, c, m, n: m.manager.name if m.manager else "unassigned",
    }
