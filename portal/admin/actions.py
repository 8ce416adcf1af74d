"""The small forms behind each action on a grievance's screen. Each calls one service."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.access import can
from portal.models import Grievance, User
from portal.models.grievance import CONTACT_CHANNELS, CONTACT_OUTCOMES, CONTACT_WITH
from portal.services import clocks, grievances

EVENT_CHOICES = (
    "site visit",
    "cap received",
    "follow up",
    "office contacted",
    "mco contacted",
    "department report",
    "state referral",
)
NOTE_KINDS = ("note", "investigation", "contact")


def _choices(values, blank: str | None = None):
    out = [SelectChoice("", blank)] if blank is not None else []
    return out + [SelectChoice(v, v) for v in values]


class WhenField(DateTimeLocalField):
    """A moment typed in the office's own time; empty means now."""

    def __init__(self, label="When (office time; empty: now)", **kwargs):
        super().__init__(label, validators=[Optional()], format="%Y-%m-%dT%H:%M", **kwargs)


class AssignForm(FlaskForm):
    assignee = SelectField("Assign to", validators=[DataRequired("Choose a person.")])


class ClassifyForm(FlaskForm):
    level = SelectField("Level", validators=[Optional()])
    priority = SelectField("Priority", validators=[Optional()])
    type = SelectField("Type", validators=[Optional()])
    category = SelectField("Category", validators=[Optional()])


class ContactForm(FlaskForm):
    when = WhenField()
    with_whom = SelectField("With", choices=_choices(CONTACT_WITH))
    channel = SelectField("By", choices=_choices(CONTACT_CHANNELS))
    outcome = SelectField("Outcome", choices=_choices(CONTACT_OUTCOMES))
    note = StringField("Note (optional)", validators=[Optional(), Length(max=2000)])


class EventForm(FlaskForm):
    event = SelectField("What was done", choices=_choices(EVENT_CHOICES))
    when = WhenField()


class NoteForm(FlaskForm):
    kind = SelectField("Kind", choices=_choices(NOTE_KINDS))
    text = TextAreaField("Note", validators=[DataRequired("Write the note."), Length(max=20000)])


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
    reason = StringField("Reason (optional)", validators=[Optional(), Length(max=200)])


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


def _staff_choices():
    workers = User.objects(active=True, roles__nin=["auditor"]).order_by("name")
    return [SelectChoice(str(u.pk), u.name) for u in workers]


def _clock_names(grievance: Grievance, *, paused: bool) -> list[str]:
    return [c.name for c in grievance.clocks if c.met_at is None and c.paused == paused]


def build(name: str, grievance: Grievance, formdata=None) -> FlaskForm:
    """The form for an action, with choices that fit this record and its program."""
    program = grievance.program
    form = ACTIONS[name][0](formdata=formdata, prefix=name)
    if name == "assign":
        form.assignee.choices = _staff_choices()
    elif name == "escalate":
        form.to.choices = [SelectChoice("", "(keep the assignee)"), *_staff_choices()]
    elif name == "classify":
        for field, values in (
            ("level", program.levels),
            ("priority", program.priorities),
            ("type", program.types),
            ("category", program.categories),
        ):
            getattr(form, field).choices = _choices(values, "(none)")
            if formdata is None:
                getattr(form, field).data = getattr(grievance, field) or ""
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
    if name == "classify":
        values = {
            f: getattr(form, f).data or None for f in ("level", "priority", "type", "category")
        }
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
    if name == "note":
        grievances.add_narrative(
            grievance, by=user, now=now, kind=form.kind.data, text=form.text.data
        )
        grievance.save()
        return "Note added."
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
        )
        return "Resolved."
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
        clocks.pause(grievance, form.clock.data, form.reason.data or "", user, now)
        grievance.save()
        return f"{form.clock.data} paused."
    if name == "resume":
        clocks.resume(grievance, form.clock.data, user, now)
        grievance.save()
        return f"{form.clock.data} resumed."
    if name == "extend":
        clocks.extend(
            grievance, form.clock.data, form.rule.data or "", form.reason.data or "", user, now
        )
        grievance.save()
        return f"{form.clock.data} extended."
    raise KeyError(name)


# name -> (form, permission, label, shown while the record is open / closed)
ACTIONS: dict[str, tuple[type[FlaskForm], str, str, str]] = {
    "assign": (AssignForm, "grievance.edit", "Assign", "open"),
    "contact": (ContactForm, "grievance.edit", "Record a contact attempt", "open"),
    "event": (EventForm, "grievance.edit", "Record a step", "open"),
    "note": (NoteForm, "grievance.edit", "Add a note", "any"),
    "classify": (ClassifyForm, "grievance.edit", "Level, priority and type", "open"),
    "escalate": (EscalateForm, "grievance.edit", "Escalate", "open"),
    "pause": (PauseForm, "grievance.edit", "Pause a clock", "running clock"),
    "resume": (ResumeForm, "grievance.edit", "Resume a clock", "paused clock"),
    "extend": (ExtendForm, "grievance.manage", "Extend a clock", "running clock"),
    "resolve": (ResolveForm, "grievance.edit", "Resolve", "open"),
    "close": (ReasonForm, "grievance.manage", "Close", "resolved"),
    "withdraw": (ReasonForm, "grievance.manage", "Withdraw", "open"),
    "reopen": (ReasonForm, "grievance.manage", "Reopen", "closed"),
    "hold": (ReasonForm, "grievance.hold", "Legal hold on / off", "any"),
}


def available(user, grievance: Grievance) -> list[str]:
    """The actions this user may take on this record now."""
    names = []
    for name, (_form, permission, _label, when) in ACTIONS.items():
        if not can(user, permission):
            continue
        if when == "open" and not grievance.is_open:
            continue
        if when == "resolved" and grievance.status != "resolved":
            continue
        if when == "closed" and grievance.is_open:
            continue
        if when.endswith(" clock") and not (
            grievance.is_open and _clock_names(grievance, paused=when == "paused clock")
        ):
            continue
        names.append(name)
    return names
