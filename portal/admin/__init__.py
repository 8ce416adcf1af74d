"""The staff portal: Flask-Admin views, declarative; access through portal.access only."""

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from portal.admin.directory import ApiClientView, ProgramView, ProviderView, UserView
from portal.admin.exports import ExportsView
from portal.admin.grievances import GrievanceView
from portal.admin.help import HelpView
from portal.admin.home import HomeView
from portal.admin.imports import ImportView
from portal.admin.intake import StaffIntakeView
from portal.admin.jobs import JobsView
from portal.admin.letters import LettersView
from portal.admin.procedures import ProcedureView
from portal.admin.reports import ReportsView
from portal.admin.trails import AuditView, CompletenessView, OutboxView
from portal.admin.training import TrainingView
from portal.models import (
    ApiClient,
    AuditEvent,
    CompletenessResult,
    Grievance,
    Outbox,
    Program,
    Provider,
    User,
)
from portal.security import csp_nonce


def init_admin(app: Flask) -> Admin:
    admin = Admin(
        app,
        name="Grievance portal",
        index_view=HomeView(name="Home", url="/admin"),
        # Full width: references and dates stay on one line on a wide screen.
        theme=Bootstrap4Theme(swatch="default", base_template="admin/portal_base.html", fluid=True),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(GrievanceView(Grievance, name="Grievances", endpoint="grievance"))
    admin.add_view(StaffIntakeView(name="New complaint", endpoint="intake", url="/admin/intake"))
    admin.add_view(LettersView(name="Letters to post", endpoint="letters", url="/admin/letters"))
    admin.add_view(HelpView(name="Help", endpoint="help", url="/admin/help"))
    admin.add_view(TrainingView(name="Training", endpoint="training", url="/admin/training"))
    admin.add_view(ProviderView(Provider, name="Providers", endpoint="provider"))
    admin.add_view(
        CompletenessView(CompletenessResult, name="Log completeness", endpoint="completeness")
    )
    admin.add_view(ReportsView(name="Reports", endpoint="reports"))
    admin.add_view(ExportsView(name="Exports", endpoint="exports", url="/admin/exports"))
    admin.add_view(ImportView(name="Import a log", endpoint="import", category="Administration"))
    admin.add_view(JobsView(name="Background jobs", endpoint="jobs", category="Administration"))
    admin.add_view(
        AuditView(AuditEvent, name="Audit trail", endpoint="audit", category="Administration")
    )
    admin.add_view(
        OutboxView(Outbox, name="Mail outbox", endpoint="outbox", category="Administration")
    )
    admin.add_view(
        ProgramView(Program, name="Programs", endpoint="program", category="Administration")
    )
    admin.add_view(UserView(User, name="Users", endpoint="user", category="Administration"))
    admin.add_view(
        ApiClientView(
            ApiClient, name="API clients", endpoint="api_client", category="Administration"
        )
    )
    admin.add_view(
        ProcedureView(
            name="Complaint procedures",
            endpoint="procedures",
            url="/admin/procedures",
            category="Administration",
        )
    )
    return admin
