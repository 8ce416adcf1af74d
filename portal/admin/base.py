"""What every admin view shares: closed by default, a view names the permission it needs;
refusals are audited; exported cells never run as formulas."""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId
from flask import abort, redirect, render_template, request, url_for
from flask_admin import BaseView
from flask_admin.contrib.mongoengine import ModelView
from flask_admin.contrib.mongoengine.form import CustomModelConverter, ModelSelectField
from flask_admin.model import typefmt
from flask_login import current_user
from markupsafe import Markup
from wtforms.validators import ValidationError

from portal.access import can
from portal.clock import utcnow
from portal.services.accounts import audit


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


class _Converter(CustomModelConverter):
    def conv_Reference(self, model, field, kwargs):  # noqa: N802 - Flask-Admin's name
        if getattr(self.view, "_form_ajax_refs", {}).get(field.name):
            return super().conv_Reference(model, field, kwargs)
        kwargs["allow_blank"] = not field.required
        return _ReferenceSelect(model=field.document_type, **kwargs)


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
