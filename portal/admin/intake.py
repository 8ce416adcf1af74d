"""Staff intake: a complaint taken by phone (or letter, fax, at the desk) recorded from the
admin through the same service as the public form. A thin view over services.grievances.intake."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from mongoengine import Q
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from portal.admin.actions import ProgramChoice
from portal.admin.base import SecureView, programs_served
from portal.clock import utcnow
from portal.domain.vocabulary import NOT_ENROLLED, VocabularyError
from portal.models import Program, Provider
from portal.runtime import runtime
from portal.services.grievances import intake
from portal.services.grievances.intake import Intake, submit

FILED_BY = (
    ("member", "The member"),
    ("representative", "Someone for the member (family, guardian, advocate)"),
    ("provider office", "A provider's office, for the member"),
)


def _choices(values, blank: str = "(none)"):
    return [SelectChoice("", blank)] + [SelectChoice(v, v) for v in values]


class StaffIntakeForm(FlaskForm):
    filed_by = RadioField(
        "Who is calling",
        choices=[SelectChoice(v, label) for v, label in FILED_BY],
        default="member",
    )
    caller_name = StringField("Caller's name", validators=[Optional(), Length(max=200)])
    caller_relationship = StringField(
        "Caller's relationship to the member", validators=[Optional(), Length(max=80)]
    )
    caller_phone = StringField("Call-back number", validators=[Optional(), Length(max=40)])
    intake_source = ProgramChoice("Came in by", validators=[DataRequired("Say how it came in.")])
    member_name = StringField("Member's name", validators=[Optional(), Length(max=200)])
    member_id = StringField("Member ID", validators=[Optional(), Length(max=40)])
    birth_date = DateField("Date of birth", validators=[Optional()])
    age_group = RadioField(
        "Or: the member is",
        choices=[SelectChoice("adult", "an adult"), SelectChoice("child", "a child")],
        validators=[Optional()],
    )
    member_phone = StringField("Member's phone", validators=[Optional(), Length(max=40)])
    member_email = StringField(
        "Member's e-mail (for the acknowledgment)",
        validators=[Optional(), Email("That e-mail address does not look right."), Length(max=254)],
    )
    member_address = TextAreaField(
        "Member's postal address (for letters)", validators=[Optional(), Length(max=500)]
    )
    preferred_contact = RadioField(
        "Reach the member by",
        choices=[
            SelectChoice("phone", "phone"),
            SelectChoice("e-mail", "e-mail"),
            SelectChoice("post", "post"),
        ],
        validators=[Optional()],
    )
    provider = SelectField("Provider (known offices, by name and NPI)", validators=[Optional()])
    provider_name = StringField(
        "Or the provider as the caller names it", validators=[Optional(), Length(max=200)]
    )
    provider_npi = StringField("Provider's NPI", validators=[Optional(), Length(max=10)])
    incident_date = DateField("When it happened", validators=[Optional()])
    staff_involved = StringField(
        "Staff member the complaint is about (if any)", validators=[Optional(), Length(max=200)]
    )
    description = TextAreaField(
        "What happened, in the caller's words",
        validators=[DataRequired("Write what the caller told you."), Length(max=5000)],
    )
    desired_resolution = TextAreaField(
        "What the member wants", validators=[Optional(), Length(max=2000)]
    )
    type = ProgramChoice("Type", validators=[Optional()])
    level = ProgramChoice("Level", validators=[Optional()])
    priority = ProgramChoice("Priority", validators=[Optional()])
    category = ProgramChoice("Category", validators=[Optional()])
    mco = ProgramChoice("The member's MCO", validators=[Optional()])
    caller_told = StringField(
        "What you told the caller (e.g. we will call you back within 2 business days)",
        validators=[Optional(), Length(max=1000)],
    )
    state_route_offered = BooleanField("I told the caller about the state's complaint route")

    def validate_provider_npi(self, field):
        if field.data and not (field.data.isdigit() and len(field.data) == 10):
            raise ValidationError("An NPI is 10 digits.")

    def validate_member_name(self, field):
        if not (field.data or "").strip() and not (self.member_id.data or "").strip():
            raise ValidationError("Give the member's name or member ID.")


def build_form(program: Program, formdata=None) -> StaffIntakeForm:
    """The form with this program's own lists as its choices."""
    form = StaffIntakeForm(formdata=formdata)
    form.intake_source.choices = _choices(program.intake_sources or ["phone"], "(choose)")
    if formdata is None and "phone" in (program.intake_sources or []):
        form.intake_source.data = "phone"
    for field, values in (
        ("type", program.types),
        ("level", program.levels),
        ("priority", program.priorities),
        ("category", program.categories),
        ("mco", [*program.mcos, NOT_ENROLLED] if program.mcos else []),
    ):
        getattr(form, field).choices = _choices(values or [])
    offices = Provider.objects(Q(program=program) | Q(program=None)).only("name", "npi")
    form.provider.choices = _choices([], "(not listed: name it below)") + [
        SelectChoice(str(p.pk), f"{p.name} ({p.npi})" if p.npi else p.name)
        for p in sorted(offices, key=lambda p: p.name)
    ]
    return form


def _text(field) -> str | None:
    value = (field.data or "").strip()
    return value or None


class StaffIntakeView(SecureView):
    """Record a complaint taken by phone, letter or at the desk."""

    permission = "grievance.intake"

    @expose("/")
    def index(self):
        """Choose the member's program."""
        programs = list(programs_served(active=True).order_by("name").only("slug", "name"))
        return self.render("admin/intake.html", programs=programs, form=None, program=None)

    @expose("/<slug>/", methods=["GET", "POST"])
    def take(self, slug):
        """The intake form for one program; on success, the reference to read back."""
        program = programs_served(slug=slug, active=True).first()
        if program is None:
            abort(404)
        form = build_form(program, request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                grievance = self._receive(program, form)
            except VocabularyError as exc:
                form.type.errors.append(str(exc))
            else:
                flash(
                    f"Recorded {grievance.reference}. Read the reference back to the caller.",
                    "success",
                )
                return redirect(url_for("grievance.details_view", id=grievance.pk))
        return self.render("admin/intake.html", programs=None, form=form, program=program), (
            400 if request.method == "POST" else 200
        )

    def _receive(self, program: Program, form: StaffIntakeForm):
        now, me = utcnow(), current_user._get_current_object()
        office = Provider.objects(pk=form.provider.data).first() if form.provider.data else None
        grievance = submit(
            program,
            Intake(
                description=form.description.data.strip(),
                member_name=_text(form.member_name),
                member_id=_text(form.member_id),
                member_phone=_text(form.member_phone),
                member_email=_text(form.member_email),
                member_address=_text(form.member_address),
                birth_date=form.birth_date.data,
                age_group=form.age_group.data or None,
                preferred_contact=form.preferred_contact.data or None,
                caller_name=_text(form.caller_name),
                caller_phone=_text(form.caller_phone),
                caller_relationship=_text(form.caller_relationship),
                provider_name=office.name if office else _text(form.provider_name),
                provider_npi=(office.npi if office else None) or _text(form.provider_npi),
                incident_date=form.incident_date.data,
                staff_involved=_text(form.staff_involved),
                desired_resolution=_text(form.desired_resolution),
                consent_to_contact=True,  # they called us and gave a way to reach them
                filed_by=form.filed_by.data or "member",
                intake_source=form.intake_source.data,
                type=form.type.data or None,
                level=form.level.data or None,
                priority=form.priority.data or None,
                category=form.category.data or None,
                mco=form.mco.data or None,
                caller_told=_text(form.caller_told),
                state_route_offered=bool(form.state_route_offered.data)
                if program.member_routes
                else None,
            ),
            now,
            by=me,
            # The office chosen from the list; else the one the NPI typed names, if known.
            **({"provider": office} if office is not None else {}),
        )
        # Stored; what follows (acknowledgment, Level III alert) may fail without losing it.
        intake.after_intake(grievance, now, runtime())
        return grievance
