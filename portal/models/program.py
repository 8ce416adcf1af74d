from __future__ import annotations

import functools
import json
import re

import mongoengine as me

from portal.access import ROLES
from portal.domain.businesstime import Calendar, RuleError, build_calendar, parse_rule
from portal.domain.clocks import EVENTS, ClockSpec


@functools.lru_cache(maxsize=64)
def _calendar(timezone, hours_json, country, subdivision, closures) -> Calendar:
    return build_calendar(timezone, json.loads(hours_json), country, subdivision, closures)


class ClockRule(me.EmbeddedDocument):
    """A deadline the program sets: 'site visit', '5 business days', when level is II, met by
    the event 'site visit'."""

    name = me.StringField(required=True, max_length=80)
    rule = me.StringField(required=True, max_length=80)
    when = me.DictField()
    met_by = me.StringField(required=True, default="resolved", choices=EVENTS)

    def clean(self):
        try:
            parse_rule(self.rule)
        except RuleError as exc:
            raise me.ValidationError(f"clock {self.name!r}: {exc}") from exc
        if not isinstance(self.when, dict):
            raise me.ValidationError(f'clock {self.name!r}: "when" is e.g. {{"level": "II"}}')


CONTACT_PURPOSES = ("call centre", "immediate needs", "TTY", "website", "state")


class ContactLine(me.EmbeddedDocument):
    """A way for a member to reach someone: the plan's call centre and its hours, a line for
    immediate needs, TTY, the website, or the state's own complaint route. In English and
    Spanish; shown on the member pages, in the acknowledgment and on every letter."""

    purpose = me.StringField(required=True, choices=CONTACT_PURPOSES)
    label = me.StringField(required=True, max_length=120)
    label_es = me.StringField(max_length=120)
    phone = me.StringField(max_length=40)
    url = me.URLField(max_length=200)
    hours = me.StringField(max_length=120)
    hours_es = me.StringField(max_length=120)

    def words(self, lang: str | None) -> tuple[str, str]:
        """(label, hours) in the member's language, English where no Spanish is given."""
        spanish = lang == "es"
        label = (self.label_es if spanish else None) or self.label
        hours = (self.hours_es if spanish else None) or self.hours or ""
        return label, hours

    def as_text(self, lang: str | None) -> str:
        label, hours = self.words(lang)
        reach = ", ".join(v for v in (self.phone, self.url) if v)
        return f"{label}: {reach}" + (f" ({hours})" if hours else "")

    @property
    def tel(self) -> str:
        """The number as a tel: link dials it: the longest run of digits written, so that
        '1-855-CT-DENTAL (1-855-283-3682)' dials 18552833682 and '7-1-1' dials 711."""
        runs = re.findall(r"\+?\d[\d\s.-]*\d", self.phone or "")
        digits = max(
            ("".join(c for c in r if c.isdigit() or c == "+") for r in runs), key=len, default=""
        )
        return digits if len(digits.lstrip("+")) >= 3 else ""


class Program(me.Document):
    """A health program's rules as data: an administrator edits them, the code reads them."""

    slug = me.StringField(required=True, unique=True, regex=r"^[a-z0-9-]+$", max_length=40)
    name = me.StringField(required=True, max_length=120)
    timezone = me.StringField(required=True)
    office_hours = me.DictField(required=True)  # {"mon": ["08:00-17:00"], ...}
    holiday_country = me.StringField(max_length=2)
    holiday_subdivision = me.StringField(max_length=3)
    closures = me.ListField(me.DateField())
    types = me.ListField(me.StringField(max_length=80))
    levels = me.ListField(me.StringField(max_length=10))
    priorities = me.ListField(me.StringField(max_length=40))
    categories = me.ListField(me.StringField(max_length=80))
    intake_sources = me.ListField(me.StringField(max_length=80))
    # Iowa: the managed care organisations a member may be enrolled in.
    mcos = me.ListField(me.StringField(max_length=80))
    substantiation_reasons = me.ListField(me.StringField(max_length=200))
    # Who may record substantiated or not (Colorado: department managers); empty: whoever
    # may resolve.
    substantiation_roles = me.ListField(me.StringField(choices=ROLES))
    clock_rules = me.ListField(me.EmbeddedDocumentField(ClockRule))
    # Who hears of a Level III matter at once besides senior management (Connecticut:
    # Provider Relations, who contact the office).
    level3_alert_roles = me.ListField(me.StringField(choices=ROLES))
    warning_hours = me.IntField(default=24, min_value=0)
    # Supervisors' digests list their team's records overdue longer than this.
    supervisor_grace_hours = me.IntField(default=24, min_value=0)
    retention_years = me.IntField(default=10, min_value=1)
    completeness_rules = me.ListField(me.StringField(max_length=120))
    # Repeat-complaint watch: this many Level I records against one provider in the window.
    repeat_threshold = me.IntField(default=3, min_value=2)
    repeat_window_days = me.IntField(default=90, min_value=1)
    # Report settings: quarterly trend-analysis due dates (MM-DD) and the like.
    report_settings = me.DictField()
    # Words shown to a member after filing: the state's own complaint routes.
    member_routes = me.StringField(max_length=1000)
    member_routes_es = me.StringField(max_length=1000)  # the same words in Spanish
    # The head of letters to members: {"name", "address", "phone", "website"}.
    letterhead = me.DictField()
    contact_lines = me.ListField(me.EmbeddedDocumentField(ContactLine))
    # Colorado: what every staff member is trained in (seed 003); a checklist per person.
    training_objectives = me.ListField(me.StringField(max_length=200))
    active = me.BooleanField(default=True)

    meta = {"collection": "programs", "indexes": ["slug", "active"]}

    def __str__(self):
        return self.name

    def contact_text(self, lang: str | None) -> str:
        """The contact lines as plain text, one per line, for e-mail and letters."""
        return "\n".join(line.as_text(lang) for line in self.contact_lines)

    def routes(self, lang: str | None) -> str | None:
        """The state's own complaint routes in the member's language (English without Spanish)."""
        return (self.member_routes_es if lang == "es" else None) or self.member_routes

    @classmethod
    def with_contact_lines(cls) -> list[Program]:
        """The active programs with what the member pages show of them, by name."""
        return list(cls.objects(active=True).only("slug", "name", "contact_lines").order_by("name"))

    def calendar(self) -> Calendar:
        """The office calendar, built once per distinct program settings (an edit gives new
        settings, so a new calendar): building one costs ~25x a due-time computation."""
        return _calendar(
            self.timezone,
            json.dumps(self.office_hours, sort_keys=True),
            self.holiday_country,
            self.holiday_subdivision,
            tuple(self.closures),
        )

    def clock_specs(self) -> list[ClockSpec]:
        return [ClockSpec(r.name, r.rule, dict(r.when or {}), r.met_by) for r in self.clock_rules]

    def clean(self):
        try:
            self.calendar()
        except RuleError as exc:
            raise me.ValidationError(str(exc)) from exc
