"""The staff member's home: what needs them now."""

from __future__ import annotations

from flask_admin import AdminIndexView, expose
from flask_login import current_user

from portal.access import can, program_scope
from portal.admin.base import _deny
from portal.clock import utcnow
from portal.services.reporting import dashboard


class HomeView(AdminIndexView):
    """Show what needs the signed-in staff member now."""

    def is_accessible(self):
        return can(current_user, "home.view")

    def inaccessible_callback(self, name, **kwargs):
        return _deny()

    @expose("/")
    def index(self):
        """Show counts of what needs attention, each linking to its list."""
        now, me = utcnow(), current_user._get_current_object()
        return self.render(
            "admin/home.html",
            counts=dashboard.counts(me, now),
            completeness=dashboard.last_month_completeness(now),
            late_trends=dashboard.late_trend_analyses(me, now),
            weekly=dashboard.weekly(me, now),
            serves_none=program_scope(me) == [],
            may_see_completeness=can(me, "completeness.view"),
            mail_to_review=(
                dashboard.mail_waiting_for_review() if can(me, "grievance.intake") else 0
            ),
        )
