"""The trails: mail the portal sent, the audit trail, and the monthly log checks."""

from __future__ import annotations

from flask import url_for
from flask_admin.contrib.mongoengine.filters import FilterEqual
from markupsafe import Markup

from portal.admin.base import SecureModelView


class OutboxView(SecureModelView):
    """Mail (and webhook deliveries) the portal has sent or will send."""

    view_permission = "outbox.view"
    column_list = ("created_at", "kind", "recipient", "subject", "status", "attempts", "sent_at")
    column_default_sort = ("created_at", True)
    column_filters = ("kind", "status")
    column_details_list = ("created_at", "kind", "recipient", "url", "subject", "status", "text")
    # The message as it was written, its lines and paragraphs kept.
    column_formatters_detail = {
        "text": lambda v, c, m, n: Markup('<pre class="mail-text">{}</pre>').format(m.text or "")
    }


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
        # Each reference opens its record (the search finds it by an indexed key).
        "incomplete": lambda v, c, m, n: (
            Markup("<br>").join(
                Markup('<a href="{}">{}</a>: {}').format(
                    url_for("grievance.index_view", search=i.reference),
                    i.reference,
                    ", ".join(i.missing),
                )
                for i in m.incomplete
            )
            or "complete"
        ),
        "manager": lambda v, c, m, n: m.manager.name if m.manager else "unassigned",
    }
