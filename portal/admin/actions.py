"""The small forms behind each action on a grievance's screen. Each calls one service verb;
which actions a person is offered is the lifecycle table's answer (portal.domain.lifecycle)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.access import MEMBER_DETAIL_FIELDS, can, may_read
from portal.clock import as_utc
from portal.domain import uploads
from portal.domain.clocks import STEP_EVENTS
from portal.domain.lifecycle import ACTIONS as LIFECYCLE
from portal.domain.lifecycle import WORKERS
from portal.domain.vocabulary import NOT_ENROLLED
from portal.models import Grievance, User
from portal.models.grievance import CONTACT_CHANNELS, CONTACT_OUTCOMES, CONTACT_WITH
from portal.services.grievances import attachments
from portal.services.grievances import verbs as grievances
from portal.services.grievances.verbs import CORRECTABLE, NOTE_KINDS
from portal.services.mail import notices


def _choices(values, blank: str | None = None):
    out = [SelectChoice("", blank)] if blank is not None else []
    return out + [SelectChoice(v, v) for v in values]


class ProgramChoice(SelectField):
    """A value from the program's own list; anything else is refused with the allowed values
    named (the services refuse it too, for any other door)."""

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            allowed = [c.value for c in self.choices if c.value]
            raise ValidationError(
                f"{self.data!r} is not one of this program's: "
                + (", ".join(allowed) or "(it has none)")
            ) from None


class WhenField(DateTimeLocalField):
    """A moment typed in the office's own time; empty means now."""

    def __init__(self, label="When (office time; empty: now)", **kwargs):
        super().__init__(label, validators=[Optional()], format="%Y-%m-%dT%H:%M", **kwargs)


class AssignForm(FlaskForm):
    assignee = SelectField("Assign to", validators=[DataRequired("Choose a person.")])


class ClassifyForm(FlaskForm):
    level = ProgramChoice("Level", validators=[Optional()])
    priority = ProgramChoice("Priority", validators=[Optional()])
    type = ProgramChoice("Type", validators=[Optional()])
    category = ProgramChoice("Category", validators=[Optional()])
    mco = ProgramChoice("MCO", validators=[Optional()])


class ContactForm(FlaskForm):
    when = WhenField()
    with_whom = SelectField("With", choices=_choices(CONTACT_WITH))
    channel = SelectField("By", choices=_choices(CONTACT_CHANNELS))
    outcome = SelectField("Outcome", choices=_choices(CONTACT_OUTCOMES))
    note = StringField("Note (optional)", validators=[Optional(), Length(max=2000)])


class EventForm(FlaskForm):
    event = SelectField("What was done", choices=_choices(STEP_EVENTS))
    when = WhenField()


class NoteForm(FlaskForm):
    kind = SelectField("Kind", choices=_choices(NOTE_KINDS))
    text = TextAreaField("Note", validators=[DataRequired("Write the note."), Length(max=20000)])


class AttachForm(FlaskForm):
    file = FileField("File")
    kind = SelectField(
        "What it is",
        choices=[SelectChoice(k, v) for k, v in uploads.KINDS.items()],
        default="office",
    )
    step = SelectField(
        "The step it documents (optional)", choices=_choices(uploads.STEPS, "(none)"), default=""
    )
    narrative = SelectField("The note it goes with (optional)", default="")


class DuplicateForm(FlaskForm):
    survivor = StringField(
        "The record to keep (its reference)",
        validators=[DataRequired("Write the reference of the record to keep."), Length(max=40)],
    )
    note = StringField("How they are the same (optional)", validators=[Length(max=300)])


class ApproveForm(FlaskForm):
    """Nothing to fill in: who approves and when are the record's."""


class EscalateForm(FlaskForm):
    to = SelectField("Give it to (optional)", validators=[Optional()])
    reason = StringField("Why", validators=[DataRequired("Say why."), Length(max=500)])


class ResolveForm(FlaskForm):
    summary = TextAreaField(
        "Resolution: what was found and done",
        validators=[DataRequired("Write the resolution."), Length(max=5000)],
    )
    substantiated = RadioField(
        "Substantiated?",
        choices=[
            SelectChoice("yes", "Substantiated"),
            SelectChoice("no", "Unsubstantiated"),
            SelectChoice("unknown", "Not decided"),
        ],
        default="unknown",
    )
    reason = ProgramChoice("Reason", validators=[Optional()])
    detail = StringField("In your words (optional)", validators=[Optional(), Length(max=1000)])


class ReportForm(FlaskForm):
    """Maryland's report to the Department on a complaint it referred (COMAR .11 G(3)-(4))."""

    kind = RadioField(
        "Report",
        choices=[
            SelectChoice("final", "Final: the investigation is complete"),
            SelectChoice("interim", "Interim: the investigation is not complete"),
        ],
        default="final",
    )
    results = TextAreaField("Results of the investigation", validators=[Length(max=10000)])
    policy_changes = TextAreaField(
        "Changes to policies or procedures (or 'none')", validators=[Length(max=10000)]
    )
    prevention = TextAreaField("How it will be prevented", validators=[Length(max=10000)])
    summary = TextAreaField("Interim: the investigation so far", validators=[Length(max=10000)])
    expected_completion = DateField(
        "Interim: expected date of completion (day 60 at the latest)", validators=[Optional()]
    )


class CorrectForm(FlaskForm):
    """Intake facts only; the reason goes into the history."""

    reason = StringField(
        "Why it is corrected", validators=[DataRequired("Say why."), Length(max=500)]
    )


def _field(path: str) -> str:
    """The form field of an intake fact's path (member.phone: member__phone)."""
    return path.replace(".", "__")


_LONG = {"desired_resolution": 2000, "member.address": 500}  # several lines each
for _path, _label in CORRECTABLE.items():
    _kind = TextAreaField if _path in _LONG else StringField
    setattr(
        CorrectForm,
        _field(_path),
        _kind(
            _label[0].upper() + _label[1:],
            validators=[Optional(), Length(max=_LONG.get(_path, 200))],
        ),
    )


class ReasonForm(FlaskForm):
    reason = StringField("Reason", validators=[DataRequired("Give a reason."), Length(max=500)])


class ResumeForm(FlaskForm):
    clock = SelectField("Clock", validators=[DataRequired("Choose a clock.")])


class PauseForm(ResumeForm):
    reason = StringField("Waiting for", validators=[Optional(), Length(max=300)])


class ExtendForm(PauseForm):
    rule = StringField("Extend by (e.g. 14 calendar days)", validators=[Optional(), Length(max=80)])
    reason = StringField("Reason (and the notice sent)", validators=[Optional(), Length(max=300)])


def local_moment(form_when, grievance: Grievance, now: datetime) -> datetime:
    """The typed office time as UTC; not in the future, not before receipt."""
    if form_when is None:
        return now
    moment = form_when.replace(tzinfo=ZoneInfo(grievance.program.timezone))
    if moment > now + timedelta(minutes=5):
        raise ValidationError("That time is in the future.")
    if moment < grievance.received_at:
        raise ValidationError("That time is before the complaint was received.")
    return moment


def _staff_choices(program):
    """People who work records (an auditor reads them) and serve this record's program: a
    record is never given to someone who may not open it."""
    workers = User.objects(active=True, roles__in=sorted(WORKERS)).order_by("name")
    return [SelectChoice(str(u.pk), u.name) for u in workers if may_read(u, program)]


def _clock_names(grievance: Grievance, *, paused: bool) -> list[str]:
    return [c.name for c in grievance.clocks if c.met_at is None and c.paused == paused]


def build(name: str, grievance: Grievance, user: User, formdata=None) -> FlaskForm:
    """The form for an action, with choices that fit this record, its program and the person
    taking it."""
    program = grievance.program
    form = FORMS[name](formdata=formdata, prefix=name)
    if name == "correct" and not can(user, "member.details"):
        for path in MEMBER_DETAIL_FIELDS & CORRECTABLE.keys():
            del form[_field(path)]
    if name == "assign":
        form.assignee.choices = [SelectChoice("", "(choose)"), *_staff_choices(program)]
    elif name == "escalate":
        form.to.choices = [SelectChoice("", "(keep the assignee)"), *_staff_choices(program)]
    elif name == "classify":
        for field, values in (
            ("level", program.levels),
            ("priority", program.priorities),
            ("type", program.types),
            ("category", program.categories),
            ("mco", [*program.mcos, NOT_ENROLLED] if program.mcos else []),
        ):
            getattr(form, field).choices = _choices(values, "(none)")
            if formdata is None:
                getattr(form, field).data = getattr(grievance, field) or ""
    elif name == "resolve":
        reasons = program.substantiation_reasons or []
        form.reason.choices = _choices(reasons, "(none)")
    elif name == "correct" and formdata is None:
        for path in _correctable(form):
            holder, _, field = path.rpartition(".")
            source = getattr(grievance, holder) if holder else grievance
            value = getattr(source, field, None) if source is not None else None
            form[_field(path)].data = "" if value is None else str(value)
    elif name == "attach":
        zone = ZoneInfo(program.timezone)
        form.narrative.choices = [SelectChoice("", "(none)")] + [
            SelectChoice(
                n.at.isoformat(),
                f"{as_utc(n.at).astimezone(zone):%Y-%m-%d %H:%M} {n.kind}: {n.text[:40]}",
            )
            for n in sorted(grievance.narratives, key=lambda n: n.at, reverse=True)
        ]
    elif name in ("pause", "extend"):
        form.clock.choices = _choices(_clock_names(grievance, paused=False))
    elif name == "resume":
        form.clock.choices = _choices(_clock_names(grievance, paused=True))
    return form


def run(
    name: str, form: FlaskForm, grievance: Grievance, user: User, now: datetime, runtime
) -> str:
    """Do the action; returns what to tell the user. Raises ActionError/ClockError/
    ValidationError with a message for them."""
    if name == "assign":
        assignee = User.objects.get(pk=form.assignee.data)
        grievances.assign(grievance, assignee, by=user, now=now)
        return f"Assigned to {assignee.name}."
    if name == "attach":
        upload = form.file.data
        if not upload or not getattr(upload, "filename", ""):
            raise ValidationError("Choose a file to attach.")
        chosen = form.narrative.data or ""
        narrative = next((n for n in grievance.narratives if n.at.isoformat() == chosen), None)
        if chosen and narrative is None:
            raise ValidationError("That note is not on this record.")
        kept = attachments.attach(
            grievance,
            [attachments.received(upload)],
            by=user,
            now=now,
            kind=form.kind.data,
            step=form.step.data or None,
            narrative_at=narrative.at if narrative else None,
        )
        return f"Attached {kept[0].name}."
    if name == "duplicate":
        survivor = grievances.close_as_duplicate(
            grievance, form.survivor.data, by=user, now=now, note=form.note.data or ""
        )
        return f"Closed as a duplicate of {survivor.reference}."
    if name == "classify":
        fields = ("level", "priority", "type", "category", "mco")
        values = {f: getattr(form, f).data or None for f in fields}
        if not grievance.program.mcos:
            values.pop("mco")
        said = grievances.classify(grievance, by=user, now=now, runtime=runtime, **values)
        return "Saved." + (f" {said[0].upper()}{said[1:]}." if said else "")
    if name == "contact":
        at = local_moment(form.when.data, grievance, now)
        said = grievances.record_contact(
            grievance,
            by=user,
            now=now,
            at=at,
            with_whom=form.with_whom.data,
            channel=form.channel.data,
            outcome=form.outcome.data,
            note=form.note.data or None,
        )
        return "Contact attempt recorded." + (f" {'; '.join(said)}." if said else "")
    if name == "event":
        at = local_moment(form.when.data, grievance, now)
        said = grievances.record_event(grievance, form.event.data, by=user, now=now, at=at)
        return f"Recorded: {form.event.data}." + (f" {'; '.join(said)}." if said else "")
    if name == "approve":
        said = grievances.approve_callback(grievance, by=user, now=now)
        return "Callback approved." + (f" {'; '.join(said)}." if said else "")
    if name == "report":
        said = grievances.report_to_department(
            grievance,
            by=user,
            now=now,
            kind=form.kind.data,
            results=form.results.data,
            policy_changes=form.policy_changes.data,
            prevention=form.prevention.data,
            summary=form.summary.data,
            expected_completion=form.expected_completion.data,
        )
        return f"Report to the Department recorded ({form.kind.data})." + (
            f" {'; '.join(said)}." if said else ""
        )
    if name == "note":
        grievances.add_note(grievance, by=user, now=now, kind=form.kind.data, text=form.text.data)
        return "Note added."
    if name == "correct":
        values = {path: _correction(path, form) for path in _correctable(form)}
        fixed = grievances.correct(grievance, by=user, now=now, reason=form.reason.data, **values)
        return f"Corrected: {', '.join(fixed)}." if fixed else "Nothing was different."
    if name == "escalate":
        to = User.objects.get(pk=form.to.data) if form.to.data else None
        tier = grievances.escalate(grievance, by=user, now=now, reason=form.reason.data, to=to)
        return f"Escalated to the {tier} tier."
    if name == "resolve":
        substantiated = {"yes": True, "no": False}.get(form.substantiated.data)
        grievances.resolve(
            grievance,
            by=user,
            now=now,
            summary=form.summary.data,
            substantiated=substantiated,
            reason=form.reason.data or None,
            detail=form.detail.data or None,
            runtime=runtime,
        )
        return "Resolved; the resolution notice is " + (
            "on the list of letters to post." if notices.by_post(grievance) else "sent by e-mail."
        )
    if name == "close":
        grievances.close(grievance, by=user, now=now, note=form.reason.data)
        return "Closed."
    if name == "withdraw":
        grievances.withdraw(grievance, by=user, now=now, reason=form.reason.data)
        return "Withdrawn."
    if name == "hold":
        grievances.set_legal_hold(
            grievance, on=not grievance.legal_hold, by=user, now=now, reason=form.reason.data
        )
        return "Legal hold on." if grievance.legal_hold else "Legal hold lifted."
    if name == "reopen":
        grievances.reopen(grievance, by=user, now=now, reason=form.reason.data)
        return "Reopened."
    if name == "pause":
        grievances.pause_clock(
            grievance, form.clock.data, by=user, now=now, reason=form.reason.data or ""
        )
        return f"{form.clock.data} paused."
    if name == "resume":
        grievances.resume_clock(grievance, form.clock.data, by=user, now=now)
        return f"{form.clock.data} resumed."
    if name == "extend":
        notified = grievances.extend_clock(
            grievance,
            form.clock.data,
            by=user,
            now=now,
            rule=form.rule.data or "",
            reason=form.reason.data or "",
            runtime=runtime,
        )
        if notified:
            return f"{form.clock.data} extended; the member must be told why within 2 days."
        return f"{form.clock.data} extended."
    raise KeyError(name)


def _correctable(form: FlaskForm) -> list[str]:
    """The intake facts this correction form offers (it leaves out what its user may not
    read)."""
    return [path for path in CORRECTABLE if _field(path) in form]


def _correction(path: str, form: FlaskForm):
    value = (form[_field(path)].data or "").strip()
    if path == "incident_date" and value:
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            raise ValidationError("Write the date of the incident as YYYY-MM-DD.") from None
    return value or None


# One form per action of the lifecycle table; labels, roles and states come from the table.
FORMS: dict[str, type[FlaskForm]] = {
    "assign": AssignForm,
    "contact": ContactForm,
    "event": EventForm,
    "note": NoteForm,
    "attach": AttachForm,
    "duplicate": DuplicateForm,
    "classify": ClassifyForm,
    "correct": CorrectForm,
    "approve": ApproveForm,
    "escalate": EscalateForm,
    "pause": PauseForm,
    "resume": ResumeForm,
    "extend": ExtendForm,
    "report": ReportForm,
    "resolve": ResolveForm,
    "close": ReasonForm,
    "withdraw": ReasonForm,
    "reopen": ReasonForm,
    "hold": ReasonForm,
}
assert FORMS.keys() == LIFECYCLE.keys(), "every action of the lifecycle has its form"


def label(name: str) -> str:
    return LIFECYCLE[name].label


def available(user, grievance: Grievance) -> list[str]:
    """The actions this user may take on this record now: the lifecycle table's answer."""
    return grievances.available(grievance, user)
