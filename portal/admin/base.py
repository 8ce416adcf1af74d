"""What every admin view shares: closed by default, a view names the permission it needs;
refusals are audited; exported cells never run as formulas."""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId
from flask import abort, g, redirect, render_template, request, url_for
from flask_admin import BaseView
from flask_admin.contrib.mongoengine import ModelView
from flask_admin.contrib.mongoengine.form import (
    CustomModelConverter,
    ModelSelectField,
    ModelSelectMultipleField,
)
from flask_admin.model import typefmt
from flask_login import current_user
from markupsafe import Markup
from mongoengine import ReferenceField
from wtforms.validators import ValidationError

from portal.access import can, may_read, program_scope
from portal.clock import utcnow
from portal.domain.reports import ReportError
from portal.models import Program
from portal.services.accounts import audit


def _deny():
    if not current_user.is_authenticated:
        # The path only: a query string may hold a search term with member details.
        return redirect(url_for("auth.login", next=request.path))
    forbidden()


def programs_served(**filters):
    """The programs whose records the signed-in person reads (every one for those who read
    them all): what each screen offers to choose from."""
    scope = program_scope(current_user)
    programs = Program.objects(**filters)
    return programs if scope is None else programs.filter(pk__in=scope)


def program_served(slug: str) -> Program:
    """The program named, if the signed-in person serves it; ReportError names the ones
    they may choose."""
    program = Program.objects(slug=str(slug or "")).first()
    if program is None or not may_read(current_user, program):
        slugs = ", ".join(programs_served().order_by("slug").scalar("slug")) or "(none)"
        raise ReportError(f"program {slug!r} is not one of yours; choose from {slugs}")
    return program


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


def _utc(view, value, name):
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _part(template: str, **context) -> Markup:
    """A piece of a page from a template: Jinja escapes every value, member text included."""
    return Markup(render_template(template, **context))  # noqa: S704 - autoescaped output


class SecureView(BaseView):
    """A page of the admin that is not a model's list: seen by those with `permission`."""

    permission = "home.view"

    def is_accessible(self):
        return can(current_user, self.permission)

    def inaccessible_callback(self, name, **kwargs):
        return _deny()


class _ReferenceSelect(ModelSelectField):
    """Flask-Admin's picker for a reference, refusing with a message a value that is no id
    ('' or 'zzz' raised inside mongoengine: a 500 on the Users form). Empty is no choice."""

    def process_formdata(self, valuelist):
        self._not_an_id = False
        value = valuelist[0] if valuelist else None
        if value == "":
            valuelist = ["__None"]
        elif value not in (None, "__None") and not ObjectId.is_valid(value):
            self._not_an_id = True
            self.data = None
            return
        super().process_formdata(valuelist)

    def pre_validate(self, form):
        if getattr(self, "_not_an_id", False):
            raise ValidationError("Not a valid choice: choose one from the list.")
        super().pre_validate(form)


class _ReferencesSelect(ModelSelectMultipleField):
    """Flask-Admin's picker for a list of references: none chosen is an empty list (it
    refused that as "Not a valid choice"), and a value that is no id, or names nothing, is
    refused with a message (a query on a non-id raised inside mongoengine)."""

    def process_formdata(self, valuelist):
        given = [v for v in valuelist or [] if v not in ("", "__None")]
        self._refused = [v for v in given if not ObjectId.is_valid(v)]
        if self._refused:
            self.data = []
            return
        self.data = list(self.queryset.clone()(pk__in=given)) if given else []
        self._refused = [v for v in given if v not in {str(d.pk) for d in self.data}]

    def pre_validate(self, form):
        if getattr(self, "_refused", None):
            raise ValidationError("Not a valid choice: choose from the list.")


class _Converter(CustomModelConverter):
    def conv_Reference(self, model, field, kwargs):  # noqa: N802 - Flask-Admin's name
        if getattr(self.view, "_form_ajax_refs", {}).get(field.name):
            return super().conv_Reference(model, field, kwargs)
        kwargs["allow_blank"] = not field.required
        return _ReferenceSelect(model=field.document_type, **kwargs)

    def conv_List(self, model, field, kwargs):  # noqa: N802 - Flask-Admin's name
        if isinstance(field.field, ReferenceField) and not getattr(
            self.view, "_form_ajax_refs", {}
        ).get(field.name):
            return _ReferencesSelect(model=field.field.document_type, **kwargs)
        return super().conv_List(model, field, kwargs)


class SecureModelView(ModelView):
    """Closed by default: a view names the permission it needs to be seen and to change data."""

    view_permission = "home.view"
    edit_permission: str | None = None
    can_delete = False  # nothing is hard-deleted before its retention ends
    can_create = False
    can_export = False
    can_view_details = True
    model_form_converter = _Converter
    page_size = 50
    named_filter_urls = True  # readable links, e.g. ?flt0_overdue_equals=1
    column_type_formatters = {**typefmt.BASE_FORMATTERS, datetime: _utc}
    column_type_formatters_detail = {**typefmt.DETAIL_FORMATTERS, datetime: _utc}

    def search_placeholder(self):
        return "Search"

    def shown_once(self, answer, template: str):
        """The answer to a create form that made a secret (a one-time password, an API key):
        the page showing it, this once, from what create_model left in g.shown_once. Never a
        flash message, which would carry it in the session cookie (signed, not encrypted);
        never again."""
        made = g.pop("shown_once", None)
        return answer if made is None else self.render(template, **made)

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
