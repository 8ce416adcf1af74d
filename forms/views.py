"""Routes of the public complaint form."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from wtforms import SelectChoice

from forms.complaint import ComplaintForm
from forms.status import StatusForm
from portal.clock import utcnow
from portal.models import Program
from portal.runtime import runtime
from portal.services import notices
from portal.services import status as status_service
from portal.services.intake import Intake, submit

bp = Blueprint("complaint", __name__, template_folder="templates", url_prefix="/complaint")
log = logging.getLogger(__name__)


@bp.route("/", methods=["GET", "POST"], strict_slashes=False)
@bp.route("/<slug>", methods=["GET", "POST"])
def form(slug: str | None = None):
    """Take a complaint from a member or someone filing for them."""
    programs = list(Program.objects(active=True).only("slug", "name").order_by("name"))
    if slug is not None and slug not in {p.slug for p in programs}:
        abort(404)
    complaint = ComplaintForm()
    complaint.program.choices = [SelectChoice("", "Choose a plan")] + [
        SelectChoice(p.slug, p.name) for p in programs
    ]
    if slug and not complaint.is_submitted():
        complaint.program.data = slug
    if complaint.validate_on_submit():
        if complaint.website.data:
            # A bot filled the honeypot: answer as if stored, store nothing.
            log.info("complaint form: honeypot filled, nothing stored")
            return redirect(url_for("complaint.received"))
        program = Program.objects.get(slug=complaint.program.data, active=True)
        now = utcnow()
        grievance = submit(
            program,
            Intake(
                description=complaint.description.data.strip(),
                member_name=complaint.member_name.data.strip(),
                member_id=(complaint.member_id.data or "").strip() or None,
                member_phone=(complaint.phone.data or "").strip() or None,
                member_email=(complaint.email.data or "").strip() or None,
                provider_name=(complaint.provider_name.data or "").strip() or None,
                filed_by=complaint.filed_by.data,
            ),
            now,
        )
        # Stored; what follows may fail without losing the complaint.
        notices.after_intake(grievance, now, runtime())
        session["last_reference"] = grievance.reference
        return redirect(url_for("complaint.received"))
    return render_template("complaint/form.html", form=complaint), (
        400 if complaint.is_submitted() else 200
    )


@bp.route("/status", methods=["GET", "POST"])
def status():
    """Let a member see where their complaint stands, with its reference and last name."""
    form = StatusForm()
    result = None
    if form.validate_on_submit():
        now = utcnow()
        if status_service.throttled(form.reference.data.strip().upper(), request.remote_addr, now):
            return render_template("complaint/status.html", form=form, throttled=True), 429
        result = status_service.look_up(
            form.reference.data, form.last_name.data, now, request.remote_addr
        )
        if result is None:
            form.reference.errors.append(
                "We could not find a complaint with that reference number and last name. "
                "Please check both, or call us."
            )
    return render_template("complaint/status.html", form=form, result=result), (
        400 if form.errors else 200
    )


@bp.route("/received")
def received():
    """Show the reference number of the complaint just filed."""
    reference = session.get("last_reference")
    return render_template("complaint/received.html", reference=reference)
