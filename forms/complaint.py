"""The complaint form's fields and their checks, in plain language."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

FILED_BY = [
    SelectChoice("member", "I am the member"),
    SelectChoice("representative", "I am a family member or representative"),
    SelectChoice("provider office", "I work at a provider office"),
]


class ComplaintForm(FlaskForm):
    program = SelectField(
        "Which plan is this about?", validators=[DataRequired(message="Please choose the plan.")]
    )
    filed_by = RadioField(
        "Who is filing?",
        choices=FILED_BY,
        default="member",
        validators=[DataRequired(message="Please tell us who is filing.")],
    )
    member_name = StringField(
        "Member's full name",
        validators=[DataRequired(message="Please give the member's name."), Length(max=200)],
    )
    member_id = StringField(
        "Member or Medicaid ID (optional)",
        validators=[
            Optional(),
            Length(max=40),
            Regexp(r"^[A-Za-z0-9 -]+$", message="Use only letters, numbers and dashes."),
        ],
    )
    phone = StringField(
        "Phone number",
        validators=[
            Optional(),
            Length(max=40),
            Regexp(
                r"^[0-9 ()+.-]{7,40}$", message="Please enter a phone number, e.g. 860-555-0100."
            ),
        ],
    )
    email = StringField(
        "E-mail (optional)",
        validators=[
            Optional(),
            Length(max=254),
            Email(
                message="Please check the e-mail address, e.g. name@example.com.",
                check_deliverability=False,
            ),
        ],
    )
    provider_name = StringField(
        "Provider or office the complaint is about", validators=[Optional(), Length(max=200)]
    )
    description = TextAreaField(
        "What happened?",
        validators=[
            DataRequired(message="Please tell us what happened."),
            Length(max=5000, message="Please keep this under 5,000 characters."),
        ],
    )
    consent = BooleanField("You may contact me about this complaint.")
    # Honeypot: people never see it; bots fill it in.
    website = StringField("Leave this empty", validators=[Optional(), Length(max=200)])

    def validate_program(self, field):
        if field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError("Please choose one of the plans in the list.")
