"""The directory: providers (with their grievances and open CAPs), programs and staff."""

from __future__ import annotations

from flask import flash, g
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.mongoengine.filters import BooleanEqualFilter
from flask_admin.form.fields import JSONField
from flask_admin.model.template import EditRowAction
from flask_login import current_user

from portal.admin.base import SecureModelView, _part, forbidden
from portal.clock import utcnow
from portal.services import api_clients
from portal.services.accounts import twofactor, users
from portal.services.grievances import repeats

PROVIDER_RECORDS_SHOWN = 200


def _provider_records(provider):
    records, open_caps = repeats.provider_records(
        provider, PROVIDER_RECORDS_SHOWN, users.programs_read(current_user)
    )
    return _part(
        "admin/parts/provider_records.html",
        rows=records,
        open_caps=open_caps,
        limit=PROVIDER_RECORDS_SHOWN,
    )


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
        "mcos",
        "substantiation_reasons",
        "substantiation_roles",
        "level3_alert_roles",
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
        "letterhead",
        "contact_lines",
        "training_objectives",
        "active",
    )
    form_columns = column_details_list[1:]
    # Dicts are edited as JSON (Flask-Admin would offer a plain text box).
    form_overrides = {
        "office_hours": JSONField,
        "report_settings": JSONField,
        "letterhead": JSONField,
    }
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


def _account(form) -> dict:
    """What the Users form says of an account, as the account services take it."""
    return {
        "email": form.email.data or "",
        "name": form.name.data or "",
        "roles": list(form.roles.data or []),
        "team": form.team.data or None,
        "manager": form.manager.data,
        "active": bool(form.active.data),
        "programs": list(form.programs.data or []),
    }


class UserView(SecureModelView):
    """Staff accounts, for administrators."""

    view_permission = "user.edit"
    edit_permission = "user.edit"
    column_list = ("email", "name", "roles", "programs", "team", "manager", "active")
    column_searchable_list = ("email", "name")
    form_columns = ("email", "name", "roles", "programs", "team", "manager", "active")
    form_args = {
        "roles": {"description": "What the person may do; see the README."},
        "programs": {
            "description": "The programs whose records this person works and reads. "
            "Administrators, directors and auditors read every program; for them this only "
            "chooses their mail."
        },
    }
    column_formatters = {"programs": lambda v, c, m, n: ", ".join(p.slug for p in m.programs)}

    @property
    def can_create(self):
        return self.can_edit

    # The account services make and change accounts, with their checks and audit records;
    # the view only reads the form.
    def create_model(self, form):
        try:
            values = _account(form)
            user, temporary = users.create(
                values.pop("email"),
                values.pop("name"),
                values.pop("roles"),
                by=current_user._get_current_object(),
                now=utcnow(),
                **values,
            )
        except users.AccountError as exc:
            flash(str(exc), "error")
            return False
        # The one-time password goes to the administrator, who hands it over in person or by
        # phone (SecureModelView.shown_once).
        g.shown_once = {"user": user, "temporary": temporary}
        return user

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return self.shown_once(super().create_view(), "admin/user_created.html")

    @action(
        "sign_out",
        "Sign out everywhere",
        "End every session of the selected accounts now?",
    )
    def action_sign_out(self, ids):
        ended = users.sign_out_everywhere(ids, by=current_user._get_current_object(), now=utcnow())
        flash(f"Every session of {ended} account(s) has ended.", "success")

    @action(
        "reset_second_factor",
        "Reset the second factor",
        "Take the second factor off the selected accounts? They enrol again at next sign-in.",
    )
    def action_reset_second_factor(self, ids):
        reset = twofactor.reset(ids, by=current_user._get_current_object(), now=utcnow())
        flash(f"The second factor of {reset} account(s) is reset; they enrol again.", "success")

    def update_model(self, form, model):
        try:
            users.update(
                model, by=current_user._get_current_object(), now=utcnow(), **_account(form)
            )
        except users.AccountError as exc:
            flash(str(exc), "error")
            return False
        return True


class ApiClientView(SecureModelView):
    """Keys for other systems (/api/v1), for administrators: made with a key shown once,
    revoked, never edited (a client that needs other programs gets a new key)."""

    view_permission = "user.edit"
    edit_permission = "user.edit"  # to create and revoke; there is no edit form
    can_delete = False
    column_list = ("name", "programs", "may_write", "active", "created_at", "last_used_at")
    column_labels = {"may_write": "May file complaints", "last_used_at": "Last call"}
    form_columns = ("name", "programs", "may_write")
    form_args = {
        "programs": {"description": "The programs whose records the client files and reads."},
        "may_write": {"description": "Without it the key only reads stages and due dates."},
    }
    column_formatters = {"programs": lambda v, c, m, n: ", ".join(p.slug for p in m.programs)}

    @property
    def can_create(self):
        return self.is_accessible()

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)  # who may open it at all, first
        if refused is None and name in ("edit_view", "ajax_update"):
            forbidden("A key is not edited: revoke it and create another.")
        return refused

    def get_list_row_actions(self):
        return [a for a in super().get_list_row_actions() if not isinstance(a, EditRowAction)]

    def create_model(self, form):
        try:
            client, key = api_clients.create(
                form.name.data,
                list(form.programs.data or []),
                bool(form.may_write.data),
                current_user._get_current_object(),
                utcnow(),
            )
        except api_clients.ApiClientError as exc:
            flash(str(exc), "error")
            return False
        g.shown_once = {"client": client, "key": key}
        return client

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        return self.shown_once(super().create_view(), "admin/api_client_created.html")

    @action("revoke", "Revoke the key", "Revoke the selected keys? Their next call gets 401.")
    def action_revoke(self, ids):
        from portal.models import ApiClient

        me = current_user._get_current_object()
        revoked = 0
        for client in ApiClient.objects(id__in=ids, active=True):
            api_clients.revoke(client, me, utcnow())
            revoked += 1
        flash(f"{revoked} key(s) revoked.", "success")
