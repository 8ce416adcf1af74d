"""The complaint form's fields and their checks, in plain language (English and Spanish).

Every field has a size limit; the server is the authority, the page works without
JavaScript."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    MultipleFileField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from portal.domain.intake import npi_is_valid

PHONE = Regexp(
    r"^[0-9 ()+.-]{7,40}$", message=_l("Please enter a phone number, e.g. 860-555-0100.")
)
_TEXTS = ("caller_name", "phone", "caller_phone", "email", "address")
# Browsers send date inputs as YYYY-MM-DD; a browser without them lets people type US dates.
DATE_FORMATS = ["%Y-%m-%d", "%m/%d/%Y"]


DATE_MESSAGE = _l("Please enter the date as month/day/year, e.g. 03/25/1980.")


def _no_blank_choice(value):
    """A choice of only spaces is no choice. Optional() stops on it and clears the "not a
    valid choice" error first, so without this " " would pass and reach the record."""
    return value.strip() if isinstance(value, str) else value


def optional_date(label) -> DateField:
    """A date a member may leave empty, typed as the browser sends it or as 03/25/1980."""
    return DateField(
        label, format=DATE_FORMATS, invalid_value_message=DATE_MESSAGE, validators=[Optional()]
    )


class ComplaintForm(FlaskForm):
    program = SelectField(
        _l("Which plan is this about?"),
        validators=[DataRequired(message=_l("Please choose the plan."))],
    )
    filed_by = RadioField(
        _l("Who is filing?"),
        choices=[
            SelectChoice("member", _l("I am the member")),
            SelectChoice("representative", _l("I am a family member or representative")),
            SelectChoice("provider office", _l("I work at a provider office")),
        ],
        default="member",
        validators=[DataRequired(message=_l("Please tell us who is filing."))],
    )
    caller_name = StringField(_l("Your name"), validators=[Optional(), Length(max=200)])
    caller_phone = StringField(
        _l("Your phone number"), validators=[Optional(), Length(max=40), PHONE]
    )
    caller_relationship = StringField(
        _l("How are you related to the member? (for example: mother, dental office)"),
        validators=[Optional(), Length(max=80)],
    )
    member_name = StringField(
        _l("Member's full name"),
        validators=[
            DataRequired(message=_l("Please give the member's name.")),
            Length(max=200, message=_l("Please keep the name under 200 characters.")),
        ],
    )
    member_id = StringField(
        _l("Member or Medicaid ID (optional)"),
        validators=[
            Optional(),
            Length(max=40, message=_l("An ID is at most 40 characters.")),
            Regexp(r"^[A-Za-z0-9 -]+$", message=_l("Use only letters, numbers and dashes.")),
        ],
    )
    birth_date = optional_date(_l("Member's date of birth"))
    age_group = RadioField(
        _l("If you prefer not to give the date of birth: is the member"),
        choices=[SelectChoice("adult", _l("an adult")), SelectChoice("child", _l("a child"))],
        filters=[_no_blank_choice],
        validators=[Optional()],
    )
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=40), PHONE])
    email = StringField(
        _l("E-mail"),
        validators=[
            Optional(),
            Length(max=254, message=_l("An e-mail address is at most 254 characters.")),
            Email(
                message=_l("Please check the e-mail address, e.g. name@example.com."),
                check_deliverability=False,
            ),
        ],
    )
    address = TextAreaField(
        _l("Postal address (we write to you here if you have no e-mail)"),
        validators=[Optional(), Length(max=500, message=_l("Please keep this short."))],
    )
    preferred_contact = RadioField(
        _l("How should we contact you?"),
        choices=[
            SelectChoice("phone", _l("By phone")),
            SelectChoice("e-mail", _l("By e-mail")),
            SelectChoice("post", _l("By post")),
        ],
        default="phone",
        filters=[_no_blank_choice],
        validators=[Optional()],
    )
    contact_times = StringField(
        _l("Best days and times to reach you (optional)"),
        validators=[Optional(), Length(max=200, message=_l("Please keep this short."))],
    )
    provider_name = StringField(
        _l("Provider or office the complaint is about"),
        validators=[Optional(), Length(max=200, message=_l("Please keep this short."))],
    )
    provider_city = StringField(
        _l("City or town of the office"),
        validators=[Optional(), Length(max=100, message=_l("Please keep this short."))],
    )
    provider_npi = StringField(
        _l("Provider's NPI number (optional)"),
        validators=[Optional(), Length(max=10, message=_l("An NPI is 10 digits."))],
    )
    description = TextAreaField(
        _l("What happened?"),
        validators=[
            DataRequired(message=_l("Please tell us what happened.")),
            Length(max=5000, message=_l("Please keep this under 5,000 characters.")),
        ],
    )
    incident_date = optional_date(_l("When did it happen? (optional)"))
    desired_resolution = TextAreaField(
        _l("What would put things right for you? (optional)"),
        validators=[
            Optional(),
            Length(max=2000, message=_l("Please keep this under 2,000 characters.")),
        ],
    )
    # Checked by their content in the view (services.grievances.attachments).
    attachments = MultipleFileField(_l("Photos or documents (optional)"))
    consent = BooleanField(_l("You may contact me about this complaint."))
    # Honeypot: people never see it; bots fill it in.
    website = StringField("Leave this empty", validators=[Optional(), Length(max=200)])

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def validate(self, extra_validators=None) -> bool:
        """Field checks first, then the ones that read two fields together."""
        valid = super().validate(extra_validators)
        for field, message in self._cross_field_problems():
            field.errors.append(message)
            valid = False
        return valid

    def _cross_field_problems(self):
        given = {name: (getattr(self, name).data or "").strip() for name in _TEXTS}
        for_someone = self.filed_by.data in ("representative", "provider office")
        if for_someone and not given["caller_name"]:
            yield self.caller_name, _l("Please tell us your name, as you are filing for someone.")
        if self.birth_date.data is None and not self.birth_date.errors and not self.age_group.data:
            yield (
                self.birth_date,
                _l(
                    "Please give the date of birth, or say whether the member is an adult or a "
                    "child."
                ),
            )
        wants = self.preferred_contact.data if self.consent.data else None
        reachable_by_phone = given["phone"] or given["caller_phone"]
        if wants == "phone" and not self.phone.errors and not reachable_by_phone:
            yield self.phone, _l("Please give a phone number so that we can call you.")
        if wants == "e-mail" and not self.email.errors and not given["email"]:
            yield self.email, _l("Please give an e-mail address so that we can write to you.")
        if wants == "post" and not self.address.errors and not given["address"]:
            yield self.address, _l("Please give a postal address so that we can write to you.")

    def validate_program(self, field):
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError(_l("Please choose one of the plans in the list."))

    def validate_birth_date(self, field):
        if field.data is not None and not date(1900, 1, 1) <= field.data <= self.today:
            raise ValidationError(_l("Please check the date of birth."))

    def validate_incident_date(self, field):
        if field.data is None:
            return
        if field.data > self.today + timedelta(days=1):
            raise ValidationError(_l("This date is in the future; please check it."))
        if field.data < date(1900, 1, 1):
            raise ValidationError(_l("Please check the date."))

    def validate_provider_npi(self, field):
        if field.data and not npi_is_valid(field.data.strip()):
            raise ValidationError(_l("An NPI is 10 digits; please check it, or leave it empty."))
