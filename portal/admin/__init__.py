"""The staff portal: Flask-Admin views, declarative; access through portal.access only."""

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from portal.admin import views
from portal.admin.imports import ImportView
from portal.admin.intake import StaffIntakeView
from portal.admin.jobs import JobsView
from portal.admin.reports import ReportsView
from portal.security import csp_nonce


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name="Grievance portal",
        index_view=views.HomeView(name="Home", url="/admin"),
        theme=Bootstrap4Theme(swatch="default"),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(views.GrievanceView(views.Grievance, name="Grievances", endpoint="grievance"))
    admin.add_view(StaffIntakeView(name="New complaint", endpoint="intake", url="/admin/intake"))
    admin.add_view(views.ProviderView(views.Provider, name="Providers", endpoint="provider"))
    admin.add_view(
        views.CompletenessView(
            views.CompletenessResult, name="Log completeness", endpoint="completeness"
        )
    )
    admin.add_view(ReportsView(name="Reports", endpoint="reports"))
    admin.add_view(ImportView(name="Import a log", endpoint="import", category="Administration"))
    admin.add_view(JobsView(name="Background jobs", endpoint="jobs", category="Administration"))
    admin.add_view(
        views.AuditView(
            views.AuditEvent, name="Audit trail", endpoint="audit", category="Administration"
        )
    )
    admin.add_view(
        views.OutboxView(
            views.Outbox, name="Mail outbox", endpoint="outbox", category="Administration"
        )
    )
    admin.add_view(
        views.ProgramView(
            views.Program, name="Programs", endpoint="program", category="Administration"
        )
    )
    admin.add_view(
        views.UserView(views.User, name="Users", endpoint="user", category="Administration")
    )
    return admin
