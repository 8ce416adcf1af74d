"""Routes of the public complaint form."""

from __future__ import annotations

import logging
from datetime import date, datetime, time

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from wtforms import SelectChoice

from forms.complaint import ComplaintForm
from forms.status import StatusForm
from portal.clock import utcnow
from portal.i18n import language
from portal.limits import complaint_limit, limiter, status_limit
from portal.models import Grievance, Program
from portal.runtime import runtime
from portal.services import procedures
from portal.services.grievances import attachments, intake
from portal.services.grievances import status as status_service
from portal.services.grievances.attachments import UploadError
from portal.services.grievances.intake import Intake, submit

bp = Blueprint("complaint", __name__, template_folder="templates", url_prefix="/complaint")
log = logging.getLogger(__name__)


def _text(field) -> str | None:
    return (field.data or "").strip() or None


@bp.route("/", methods=["GET", "POST"], strict_slashes=False)
@bp.route("/<slug>", methods=["GET", "POST"])
@limiter.limit(complaint_limit, methods=["POST"])
def form(slug: str | None = None):
    """Take a complaint from a member or someone filing for them."""
    programs = Program.with_contact_lines()
    fixed = next((p for p in programs if p.slug == slug), None)
    if slug is not None and fixed is None:
        abort(404)
    now = utcnow()
    complaint = ComplaintForm(today=now.date())
    complaint.program.choices = [SelectChoice("", "")] + [
        SelectChoice(p.slug, p.name) for p in programs
    ]
    if fixed is not None:
        complaint.program.data = fixed.slug  # the URL decides; a posted value changes nothing
    if complaint.validate_on_submit():
        if complaint.website.data:
            # A bot filled the honeypot: answer as if stored, store nothing.
            log.info("complaint form: honeypot filled, nothing stored")
            return redirect(url_for("complaint.received"))
        program = Program.objects.get(slug=complaint.program.data, active=True)
        on_behalf = complaint.filed_by.data != "member"
        sent = [
            attachments.received(f)
            for f in request.files.getlist(complaint.attachments.name)
            if f and f.filename
        ]
        try:
            ready = attachments.check(sent, public=True)
        except UploadError as exc:
            # Nothing stored: the form again, as typed, saying which file and why.
            complaint.attachments.errors = [_("This file could not be attached: %(why)s", why=exc)]
            return _page(complaint, fixed, programs, 400)
        kept = attachments.keep(ready, kind="member", now=now, by=None)
        grievance = submit(
            program,
            Intake(
                description=complaint.description.data.strip(),
                member_name=complaint.member_name.data.strip(),
                member_id=_text(complaint.member_id),
                member_phone=_text(complaint.phone),
                member_email=_text(complaint.email),
                member_address=_text(complaint.address),
                birth_date=complaint.birth_date.data,
                age_group=complaint.age_group.data or None,
                preferred_contact=complaint.preferred_contact.data or None,
                contact_times=_text(complaint.contact_times),
                caller_name=_text(complaint.caller_name) if on_behalf else None,
                caller_phone=_text(complaint.caller_phone) if on_behalf else None,
                caller_relationship=_text(complaint.caller_relationship) if on_behalf else None,
                provider_name=_text(complaint.provider_name),
                provider_city=_text(complaint.provider_city),
                provider_npi=_text(complaint.provider_npi),
                incident_date=complaint.incident_date.data,
                desired_resolution=_text(complaint.desired_resolution),
                consent_to_contact=bool(complaint.consent.data),
                language=language(),
                filed_by=complaint.filed_by.data,
                attachments=kept,
            ),
            now,
        )
        # Stored; what follows may fail without losing the complaint.
        intake.after_intake(grievance, now, runtime())
        session["last_reference"] = grievance.reference
        return redirect(url_for("complaint.received"))
    return _page(complaint, fixed, programs, 400 if complaint.is_submitted() else 200)


def _page(complaint, fixed, programs, status: int):
    shown = [fixed] if fixed else programs
    limits = current_app.config
    return render_template(
        "complaint/form.html",
        form=complaint,
        fixed=fixed,
        shown=shown,
        file_count=limits["PUBLIC_FILE_COUNT"],
        file_mb=limits["PUBLIC_FILE_LIMIT"] // 2**20,
    ), status


@bp.route("/status", methods=["GET", "POST"])
@limiter.limit(status_limit, methods=["POST"])
def status():
    """Let a member see where their complaint stands, with its reference and last name or
    date of birth."""
    now = utcnow()
    form = StatusForm(today=now.date())
    result = None
    if form.validate_on_submit():
        reference = form.reference.data.strip().upper()
        if status_service.throttled(request.remote_addr, now):
            return render_template("complaint/status.html", form=form, throttled=True), 429
        if not form.gives_both() and status_service.needs_both(reference, now):
            form.birth_date.errors.append(form.both_needed_message)
        else:
            result = status_service.look_up(
                reference, form.last_name.data, form.birth_date.data, now, request.remote_addr
            )
            if result is None:
                form.reference.errors.append(form.not_found_message)
    programs = [] if result else Program.with_contact_lines()
    return render_template("complaint/status.html", form=form, result=result, programs=programs), (
        400 if form.errors else 200
    )


@bp.route("/received")
def received():
    """The reference number of the complaint just filed, what happens next and by when, and
    the state's own complaint routes."""
    reference = session.get("last_reference")
    grievance = (
        Grievance.objects(reference=reference)
        .only(
            "reference",
            "program",
            "clocks",
            "member.email",
            "member.preferred_contact",
            "member.address",
            "status",
        )
        .first()
        if reference
        else None
    )
    steps, routes, program = [], None, None
    if grievance is not None:
        steps = status_service.next_steps(grievance)
        program = grievance.program
        routes = program.routes(language())
    return render_template(
        "complaint/received.html",
        grievance=grievance,
        steps=steps,
        routes=routes,
        program=program,
        programs=Program.with_contact_lines() if program is None else [],
    )


def _blocks(text: str) -> list[tuple[str, list[str]]]:
    """A procedure's plain text as blocks: '## ' starts a heading, '- ' a list item, a blank
    line ends a paragraph; the template escapes every word."""
    blocks: list[tuple[str, list[str]]] = []
    for raw in text.splitlines():
        line = raw.strip()
        kind = "h2" if line.startswith("## ") else "li" if line.startswith("- ") else "p"
        if not line:
            blocks.append(("end", []))
        elif kind == "h2":
            blocks.append(("h2", [line[3:]]))
        else:
            word = line[2:] if kind == "li" else line
            wanted = "ul" if kind == "li" else "p"
            if blocks and blocks[-1][0] == wanted:
                blocks[-1][1].append(word)
            else:
                blocks.append((wanted, [word]))
    return [b for b in blocks if b[0] != "end"]


@bp.route("/procedure/<slug>")
def procedure(slug: str):
    """The program's written complaint procedure as it stands today, or as it stood on a
    given day (?on=YYYY-MM-DD), or one version (?version=N); printable."""
    program = Program.objects(slug=slug, active=True).first()
    if program is None:
        abort(404)
    history = procedures.published(program)
    shown, asked_on = None, None
    if request.args.get("version", "").isdigit():
        number = int(request.args["version"])
        shown = next((v for v in history if v.number == number), None)
        if shown is None:
            abort(404)
    elif request.args.get("on"):
        try:
            asked_on = date.fromisoformat(request.args["on"])
        except ValueError:
            abort(400)
        zone = program.calendar().zone
        end_of_day = datetime.combine(asked_on, time(23, 59, 59), tzinfo=zone)
        shown = procedures.in_force(program, end_of_day)
    else:
        shown = procedures.in_force(program, utcnow())
    spanish = shown is not None and language() == "es" and bool(shown.text_es)
    return render_template(
        "complaint/procedure.html",
        program=program,
        version=shown,
        spanish=spanish,
        blocks=_blocks((shown.text_es if spanish else shown.text) if shown else ""),
        history=history,
        asked_on=asked_on,
        zone=program.calendar().zone,
    )
