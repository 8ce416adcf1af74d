"""The status check form: posted, so that the member's name never travels in a URL."""

from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp


class StatusForm(FlaskForm):
    reference = StringField(
        "Reference number",
        validators=[
            DataRequired(message="Please give the reference number."),
            Length(max=20),
            Regexp(
                r"^\s*[Gg]-\d{4}-\d{1,9}\s*$",
                message="A reference number looks like G-2026-000123.",
            ),
        ],
    )
    last_name = StringField(
        "The member's last name",
        validators=[DataRequired(message="Please give the member's last name."), Length(max=100)],
    )
