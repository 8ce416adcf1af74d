"""The status check form: posted, so that the member's name never travels in a URL."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from forms.complaint import optional_date


class StatusForm(FlaskForm):
    reference = StringField(
        _l("Reference number"),
        validators=[
            DataRequired(message=_l("Please give the reference number.")),
            Length(max=20, message=_l("A reference number looks like G-2026-000123.")),
            Regexp(
                r"^\s*[Gg]-\d{4}-\d{1,9}\s*$",
                message=_l("A reference number looks like G-2026-000123."),
            ),
        ],
    )
    last_name = StringField(_l("The member's last name"), validators=[Optional(), Length(max=100)])
    birth_date = optional_date(_l("or the member's date of birth"))
    not_found_message = _l(
        "We could not find a complaint with those details. Please check them, or call us."
    )
    both_needed_message = _l(
        "For this reference, please give both the member's last name and date of birth."
    )

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def gives_both(self) -> bool:
        return bool((self.last_name.data or "").strip()) and self.birth_date.data is not None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.last_name.data or "").strip() and self.birth_date.data is None:
            if not self.birth_date.errors:
                self.last_name.errors.append(
                    _l("Please give the member's last name or date of birth.")
                )
            valid = False
        return valid
